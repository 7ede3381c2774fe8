package checksum

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strings"
)

// Algorithm names an S3 additional checksum algorithm, spelled as S3 spells
// it in x-amz-sdk-checksum-algorithm and in XML (ChecksumAlgorithm).
type Algorithm string

// The algorithms S3 supports for additional checksums.
const (
	CRC32     Algorithm = "CRC32"
	CRC32C    Algorithm = "CRC32C"
	CRC64NVME Algorithm = "CRC64NVME"
	SHA1      Algorithm = "SHA1"
	SHA256    Algorithm = "SHA256"
)

// Algorithms lists every supported algorithm, in a fixed order.
var Algorithms = []Algorithm{CRC32, CRC32C, CRC64NVME, SHA1, SHA256}

// Reflected generator polynomials, in the form hash/crc32.MakeTable and
// hash/crc64.MakeTable take.
const (
	polyCRC32     = crc32.IEEE       // 0xedb88320
	polyCRC32C    = crc32.Castagnoli // 0x82f63b78
	polyCRC64NVME = 0x9a6c9329ac4bc9b5
)

var (
	tableCRC32C    = crc32.MakeTable(polyCRC32C)
	tableCRC64NVME = crc64.MakeTable(polyCRC64NVME)
)

// ParseAlgorithm maps a header or XML value to an Algorithm, ignoring case.
// It reports false for anything S3 does not support.
func ParseAlgorithm(s string) (Algorithm, bool) {
	for _, a := range Algorithms {
		if strings.EqualFold(s, string(a)) {
			return a, true
		}
	}
	return "", false
}

// Valid reports whether a is one of the supported algorithms.
func (a Algorithm) Valid() bool {
	return a.Size() != 0
}

// HeaderName returns the header carrying a checksum of this algorithm, e.g.
// "x-amz-checksum-crc32c". It returns "" for an invalid algorithm.
func (a Algorithm) HeaderName() string {
	if !a.Valid() {
		return ""
	}
	return "x-amz-checksum-" + strings.ToLower(string(a))
}

// Size returns the digest length in bytes, or 0 for an invalid algorithm.
func (a Algorithm) Size() int {
	switch a {
	case CRC32, CRC32C:
		return crc32.Size
	case CRC64NVME:
		return crc64.Size
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	}
	return 0
}

// New returns a fresh hash for the algorithm, whose Sum is the big-endian
// digest S3 base64-encodes. It returns nil for an invalid algorithm.
func (a Algorithm) New() hash.Hash {
	switch a {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(tableCRC32C)
	case CRC64NVME:
		return crc64.New(tableCRC64NVME)
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	}
	return nil
}

// SupportsComposite reports whether a multipart upload may use the
// COMPOSITE checksum type with this algorithm. S3 offers CRC64NVME only as
// FULL_OBJECT.
func (a Algorithm) SupportsComposite() bool {
	return a.Valid() && a != CRC64NVME
}

// SupportsFullObject reports whether a multipart upload may use the
// FULL_OBJECT checksum type with this algorithm: only the CRCs can be
// combined from their parts.
func (a Algorithm) SupportsFullObject() bool {
	switch a {
	case CRC32, CRC32C, CRC64NVME:
		return true
	}
	return false
}

// Encode returns the wire form of a digest: standard base64 with padding.
func Encode(sum []byte) string {
	return base64.StdEncoding.EncodeToString(sum)
}

// Decode parses the wire form of a digest of algorithm a, checking that it is
// canonical standard base64 of exactly a.Size() bytes.
func Decode(a Algorithm, value string) ([]byte, error) {
	size := a.Size()
	if size == 0 {
		return nil, &Error{Code: "InvalidRequest", Message: "Unsupported checksum algorithm."}
	}
	invalid := &Error{Code: "InvalidRequest", Message: "Value for " + a.HeaderName() + " header is invalid."}
	if len(value) != base64.StdEncoding.EncodedLen(size) {
		return nil, invalid
	}
	sum, err := base64.StdEncoding.Strict().DecodeString(value)
	if err != nil || len(sum) != size {
		return nil, invalid
	}
	return sum, nil
}
