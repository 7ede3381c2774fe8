package objstore

import "strings"

// Metadata key layout (see docs/format/objstore.md):
//
//	s3/b/<bucket>                    → Bucket JSON
//	s3/o/<bucket>\x00<key>           → object record: uvarint(len JSON) JSON [inline bytes]
//	s3/u/<bucket>\x00<key>\x00<id>   → Upload JSON
//	s3/p/<upload id>/<%05d part>      → Part JSON
//	s3/r/<blob id>                   → blob reference (for garbage collection)
const (
	bucketPrefix = "s3/b/"
	objectPrefix = "s3/o/"
	uploadPrefix = "s3/u/"
	partPrefix   = "s3/p/"
	refPrefix    = "s3/r/"
)

func bucketKey(b string) []byte { return []byte(bucketPrefix + b) }

func objectKeyPrefix(bucket string) string { return objectPrefix + bucket + "\x00" }

func objectKey(bucket, key string) []byte { return []byte(objectKeyPrefix(bucket) + key) }

func uploadKeyPrefix(bucket string) string { return uploadPrefix + bucket + "\x00" }

func uploadKey(bucket, key, id string) []byte {
	return []byte(uploadKeyPrefix(bucket) + key + "\x00" + id)
}

func partKeyPrefix(uploadID string) string { return partPrefix + uploadID + "/" }

func partKey(uploadID string, n int) []byte {
	const digits = "0123456789"
	var b [5]byte
	for i := 4; i >= 0; i-- {
		b[i] = digits[n%10]
		n /= 10
	}
	return []byte(partKeyPrefix(uploadID) + string(b[:]))
}

func refKey(blobID string) []byte { return []byte(refPrefix + blobID) }

// successor returns the smallest string greater than every string with
// prefix p, or "" if there is none (p is all 0xff).
func successor(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}

func splitUploadKey(k string) (key, id string) {
	i := strings.LastIndexByte(k, 0)
	if i < 0 {
		return k, ""
	}
	return k[:i], k[i+1:]
}
