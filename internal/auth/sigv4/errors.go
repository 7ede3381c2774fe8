package sigv4

import (
	"strings"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
)

func errMalformed(reason string) *awserr.Error {
	return awserr.New("AuthorizationHeaderMalformed", "The authorization header is malformed; %s", reason)
}

func errQueryParams(msg string) *awserr.Error {
	return awserr.New("AuthorizationQueryParametersError", "%s", msg)
}

func errSigV2() *awserr.Error {
	return awserr.New("InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
}

func errUnknownKey(ak string) *awserr.Error {
	return awserr.New("InvalidAccessKeyId").With("AWSAccessKeyId", ak)
}

func errSignature(ak, sts, provided, cr string) *awserr.Error {
	e := awserr.New("SignatureDoesNotMatch").With("AWSAccessKeyId", ak)
	if sts != "" {
		e.With("StringToSign", sts)
	}
	e.With("SignatureProvided", provided)
	if sts != "" {
		e.With("StringToSignBytes", hexBytes(sts))
	}
	if cr != "" {
		e.With("CanonicalRequest", cr).With("CanonicalRequestBytes", hexBytes(cr))
	}
	return e
}

func errChunk(format string, args ...any) *awserr.Error {
	return awserr.New("InvalidArgument", append([]any{"Malformed aws-chunked body: " + format}, args...)...)
}

// JSONProtocolError maps an error returned by this package to the code a
// JSON-protocol service (Kinesis, Firehose, Glue, ...) uses for the same
// failure; other errors are returned unchanged. S3 front ends use the errors
// as they are.
func JSONProtocolError(err error) error {
	e, ok := awserr.As(err)
	if !ok {
		return err
	}
	switch e.Code {
	case "SignatureDoesNotMatch":
		return awserr.New("InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	case "InvalidAccessKeyId":
		return awserr.New("UnrecognizedClientException")
	case "RequestTimeTooSkewed":
		return awserr.New("InvalidSignatureException", "Signature expired: the request time is outside the allowed clock skew.")
	case "AuthorizationHeaderMalformed", "AuthorizationQueryParametersError":
		return awserr.New("IncompleteSignatureException", "%s", strings.TrimPrefix(e.Message, "The authorization header is malformed; "))
	case "AccessDenied":
		if strings.Contains(e.Message, "Date") {
			return awserr.New("IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
		}
		if strings.Contains(e.Message, "expired") {
			return awserr.New("InvalidSignatureException", "Signature expired.")
		}
		return awserr.New("AccessDeniedException", "%s", e.Message)
	}
	return e
}
