package objstore

import "strings"

// Metadata key layout (see docs/format/objstore.md):
//
//	s3/b/<bucket>                    → Bucket JSON
//	s3/o/<bucket>\x00<key>           → object record: uvarint(len JSON) JSON [inline bytes]
//	s3/u/<bucket>\x00<key>\x00<id>   → Upload JSON
//	s3/p/<upload id>/<%05d part>      → Part JSON
//	s3/r/<blob id>                   → blob reference (for garbage collection)
//	s3/v/<bucket>\x00<esc key>\x00\x01<seq> → noncurrent version or delete marker
//	s3/n/<bucket>\x00<key>           → seq of the key's null version when it is in s3/v/
//
// s3/o/ holds a key's newest version when that is an object (so listing
// current objects reads only s3/o/); every other version lives in s3/v/,
// ordered by key and then newest first (seq is 16 hex digits of the
// bitwise-inverted stamp). The key is escaped there (0x00 → 0x00 0xff) so
// that the 0x00 0x01 terminator keeps key order for keys containing 0x00.
const (
	bucketPrefix  = "s3/b/"
	objectPrefix  = "s3/o/"
	uploadPrefix  = "s3/u/"
	partPrefix    = "s3/p/"
	refPrefix     = "s3/r/"
	versionPrefix = "s3/v/"
	nullPrefix    = "s3/n/"
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

func versionKeyPrefix(bucket string) string { return versionPrefix + bucket + "\x00" }

// escKey escapes 0x00 as 0x00 0xff: order-preserving and prefix-preserving.
func escKey(key string) string {
	if strings.IndexByte(key, 0) < 0 {
		return key
	}
	return strings.ReplaceAll(key, "\x00", "\x00\xff")
}

func unescKey(k string) string {
	if strings.IndexByte(k, 0) < 0 {
		return k
	}
	return strings.ReplaceAll(k, "\x00\xff", "\x00")
}

// versionKeyBase is the prefix of every s3/v/ record of bucket/key.
func versionKeyBase(bucket, key string) string {
	return versionKeyPrefix(bucket) + escKey(key) + "\x00\x01"
}

func versionKey(bucket, key string, seq int64) []byte {
	return []byte(versionKeyBase(bucket, key) + seqHex(seq))
}

// afterKeyVersions is the smallest s3/v/ key above every version of key.
func afterKeyVersions(bucket, key string) string {
	return versionKeyPrefix(bucket) + escKey(key) + "\x00\x02"
}

// splitVersionKey parses the part of an s3/v/ key after the bucket prefix.
func splitVersionKey(rest string) (key string, seq int64, ok bool) {
	if len(rest) < 18 || rest[len(rest)-18:len(rest)-16] != "\x00\x01" {
		return "", 0, false
	}
	seq, ok = parseSeqHex(rest[len(rest)-16:])
	return unescKey(rest[:len(rest)-18]), seq, ok
}

func nullKey(bucket, key string) []byte { return []byte(nullPrefix + bucket + "\x00" + key) }

// seqHex renders a version stamp so that newer sorts first.
func seqHex(seq int64) string {
	const digits = "0123456789abcdef"
	var b [16]byte
	v := ^uint64(seq)
	for i := 15; i >= 0; i-- {
		b[i] = digits[v&15]
		v >>= 4
	}
	return string(b[:])
}

func parseSeqHex(s string) (int64, bool) {
	if len(s) != 16 {
		return 0, false
	}
	var v uint64
	for i := 0; i < 16; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return int64(^v), true
}
