package kms

import (
	"encoding/binary"
	"errors"
	"slices"
)

// Ciphertext blob, format version 1 (docs/format/kms.md):
//
//	offset  size  field
//	0       1     magic 'T' (0x54)
//	1       1     format version (1)
//	2       1     key id length L (1..255)
//	3       L     key id (bytes)
//	3+L     4     key version, big-endian uint32 (>= 1)
//	7+L     12    AES-GCM nonce
//	19+L    n+16  AES-256-GCM ciphertext of the n plaintext bytes, then tag
//
// The AEAD's additional data is blobAAD: the account, the header bytes
// [0, 7+L) and the canonical encryption context, so a blob decrypts only in
// its account, under its key version, with the same encryption context.
const (
	blobMagic    = 'T'
	blobVersion  = 1
	nonceSize    = 12
	tagSize      = 16
	minBlobSize  = 3 + 1 + 4 + nonceSize + tagSize
	maxKeyIDSize = 255
)

var errBadBlob = errors.New("kms: malformed ciphertext blob")

// blob is a parsed ciphertext blob. Slices alias the input.
type blob struct {
	keyID      string
	keyVersion uint32
	header     []byte // bytes [0, 7+L): bound into the AAD
	nonce      []byte
	sealed     []byte // ciphertext || tag
}

// parseBlob splits a ciphertext blob without decrypting it.
func parseBlob(b []byte) (blob, error) {
	if len(b) < minBlobSize || b[0] != blobMagic || b[1] != blobVersion {
		return blob{}, errBadBlob
	}
	l := int(b[2])
	if l == 0 || len(b) < minBlobSize-1+l {
		return blob{}, errBadBlob
	}
	h := 3 + l + 4
	v := binary.BigEndian.Uint32(b[3+l : h])
	if v == 0 {
		return blob{}, errBadBlob
	}
	return blob{keyID: string(b[3 : 3+l]), keyVersion: v, header: b[:h], nonce: b[h : h+nonceSize], sealed: b[h+nonceSize:]}, nil
}

// appendHeader appends the blob header for key id and version.
func appendHeader(dst []byte, keyID string, version uint32) []byte {
	dst = append(dst, blobMagic, blobVersion, byte(len(keyID)))
	dst = append(dst, keyID...)
	return binary.BigEndian.AppendUint32(dst, version)
}

// blobAAD is the additional authenticated data of a blob.
func blobAAD(account string, header []byte, encCtx map[string]string) []byte {
	aad := make([]byte, 0, 64+len(header))
	aad = append(aad, "tarn-kms-blob-v1\x00"...)
	aad = binary.AppendUvarint(aad, uint64(len(account)))
	aad = append(aad, account...)
	aad = binary.AppendUvarint(aad, uint64(len(header)))
	aad = append(aad, header...)
	return appendContext(aad, encCtx)
}

// appendContext appends the canonical form of an encryption context: the
// pair count, then each pair sorted by key, every string length-prefixed
// (uvarint). Order of the map does not matter; {"a":"bc"} and {"ab":"c"}
// differ.
func appendContext(dst []byte, encCtx map[string]string) []byte {
	keys := make([]string, 0, len(encCtx))
	for k := range encCtx {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = binary.AppendUvarint(dst, uint64(len(keys)))
	for _, k := range keys {
		dst = binary.AppendUvarint(dst, uint64(len(k)))
		dst = append(dst, k...)
		v := encCtx[k]
		dst = binary.AppendUvarint(dst, uint64(len(v)))
		dst = append(dst, v...)
	}
	return dst
}
