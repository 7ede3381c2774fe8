// Package postpolicy parses and enforces the policy document of an S3
// browser-based upload (POST Object, AWS Signature Version 4 or 2).
//
// The policy is a base64-encoded JSON document with an expiration time and a
// list of conditions that the multipart form must satisfy:
//
//	{"expiration": "2007-12-01T12:00:00.000Z",
//	 "conditions": [
//	   {"bucket": "johnsmith"},                      exact match
//	   ["eq", "$acl", "public-read"],                exact match
//	   ["starts-with", "$key", "user/eric/"],        prefix ("" matches anything)
//	   ["content-length-range", 0, 1048576]]}        size of the file, in bytes
//
// Parse checks the document's shape strictly; Policy.Check enforces expiry,
// every condition and the rule that every form field (except the signature,
// the policy, the file and x-ignore-* fields) is named by some condition;
// Policy.CheckLength enforces content-length-range once the file's size is
// known. Failures are *PolicyError values carrying the S3 error code and
// message. Verifying the policy's signature is the caller's job (sigv4).
//
// The package has no dependencies outside the standard library.
package postpolicy
