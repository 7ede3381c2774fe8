// Package checksum implements S3's additional object integrity checksums:
// CRC32, CRC32C, CRC64NVME, SHA1 and SHA256.
//
// On the wire a checksum travels as the base64 encoding of the big-endian
// digest in one of the x-amz-checksum-<algorithm> headers (or trailers), with
// the algorithm optionally named by x-amz-sdk-checksum-algorithm (PutObject,
// UploadPart) or x-amz-checksum-algorithm (CreateMultipartUpload). A
// multipart object's checksum is either COMPOSITE — the checksum of the
// concatenated part checksums, suffixed "-N" — or, for the CRC algorithms
// only, FULL_OBJECT — the CRC of the whole object, which CombineCRC derives
// from the part CRCs and part sizes without re-reading any data.
//
// Reader wraps an upload body and computes its MD5 (for the ETag) and, if
// asked, one additional checksum in a single pass.
//
// The package has no dependencies outside the standard library.
package checksum
