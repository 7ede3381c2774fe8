package checksum

import (
	"net/http"
	"strings"
)

// Request headers that name a checksum algorithm or type.
const (
	HeaderSDKAlgorithm = "x-amz-sdk-checksum-algorithm" // PutObject, UploadPart, ...
	HeaderAlgorithm    = "x-amz-checksum-algorithm"     // CreateMultipartUpload
	HeaderType         = "x-amz-checksum-type"          // COMPOSITE or FULL_OBJECT
	HeaderTrailer      = "x-amz-trailer"                // names a trailing checksum header
)

// Error is a client error in checksum headers, carrying the S3 error code
// and message to answer with (always code InvalidRequest, HTTP 400, today).
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func invalidRequest(msg string) *Error { return &Error{Code: "InvalidRequest", Message: msg} }

// Type is a multipart checksum type, as in x-amz-checksum-type.
type Type string

// The multipart checksum types.
const (
	TypeComposite  Type = "COMPOSITE"
	TypeFullObject Type = "FULL_OBJECT"
)

// ParseType maps an x-amz-checksum-type value to a Type, ignoring case.
func ParseType(s string) (Type, bool) {
	switch {
	case strings.EqualFold(s, string(TypeComposite)):
		return TypeComposite, true
	case strings.EqualFold(s, string(TypeFullObject)):
		return TypeFullObject, true
	}
	return "", false
}

// DefaultType is the checksum type S3 uses for a multipart upload created
// with algorithm a and no x-amz-checksum-type: FULL_OBJECT for CRC64NVME
// (its only type), COMPOSITE for the others.
func DefaultType(a Algorithm) Type {
	if a == CRC64NVME {
		return TypeFullObject
	}
	return TypeComposite
}

// FromHeaders finds the checksum a request declares.
//
// A value comes from one x-amz-checksum-<algorithm> header; more than one
// such header (or value) is an error, as is a value that is not canonical
// base64 of the algorithm's digest size. Without a value header the
// algorithm may still be declared by x-amz-trailer (the value then follows
// the aws-chunked body), x-amz-sdk-checksum-algorithm or
// x-amz-checksum-algorithm; value is then "". An algorithm header that
// names an unsupported algorithm, or one that disagrees with the value or
// trailer header, is an error. A request that declares nothing returns
// ("", "", nil).
func FromHeaders(h http.Header) (alg Algorithm, value string, err error) {
	const multiple = "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
	n, trailer := 0, false
	for _, a := range Algorithms {
		for _, v := range h.Values(a.HeaderName()) {
			alg, value = a, strings.TrimSpace(v)
			n++
		}
	}
	for _, t := range h.Values(HeaderTrailer) {
		for name := range strings.SplitSeq(t, ",") {
			name = strings.TrimSpace(name)
			for _, a := range Algorithms {
				if strings.EqualFold(name, a.HeaderName()) {
					alg, value, trailer = a, "", true
					n++
				}
			}
		}
	}
	if n > 1 {
		return "", "", invalidRequest(multiple)
	}
	if n == 1 && !trailer {
		if _, err := Decode(alg, value); err != nil {
			return "", "", err
		}
	}
	for _, hdr := range []string{HeaderSDKAlgorithm, HeaderAlgorithm} {
		vs := h.Values(hdr)
		if len(vs) == 0 {
			continue
		}
		bad := invalidRequest("Value for " + hdr + " header is invalid.")
		if len(vs) > 1 {
			return "", "", bad
		}
		a, ok := ParseAlgorithm(strings.TrimSpace(vs[0]))
		if !ok {
			return "", "", bad
		}
		if alg != "" && a != alg {
			return "", "", bad
		}
		alg = a
	}
	return alg, value, nil
}
