// Package sigv4 verifies AWS Signature Version 4 requests the way AWS
// services do: the Authorization header, presigned query strings, S3 browser
// POST policies, and the payload modes declared by x-amz-content-sha256
// (a hex SHA-256, UNSIGNED-PAYLOAD and the aws-chunked streaming encodings,
// signed or unsigned, with or without trailing headers).
//
// A front end calls [Verifier.Verify] once per request. Verification of the
// headers happens before Verify returns; verification of the payload is
// deferred: Verify replaces r.Body with a reader that decodes the declared
// payload encoding and returns an *awserr.Error from Read when the payload
// does not match what was signed. Bytes are handed to the caller as they
// stream in, so a handler must treat any error from Read (including one
// returned together with the last bytes) as "discard everything read".
// io.EOF is only returned once every check on the payload has passed.
//
// All errors are *awserr.Error values carrying the S3 error code AWS uses.
// JSON-protocol services (Kinesis, Glue, ...) use different codes for the
// same failures; [JSONProtocolError] maps an error to those.
package sigv4
