// Package sse holds the cryptography of S3 server-side encryption, with no
// knowledge of HTTP or S3 records: per-object data keys, authenticated
// streaming encryption of object bytes (DARE, AES-256-GCM in 64 KiB
// packages, so a range read decrypts only the packages it touches), key
// sealing (AES-256-GCM with associated data), customer keys (SSE-C) and the
// versioned master keyring that seals SSE-S3 data keys.
package sse

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"

	"github.com/minio/sio"
)

// Key is a 256-bit key.
type Key [32]byte

// NewKey returns a random key.
func NewKey() Key {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return k
}

// Part derives the key that encrypts part n of an object (0 for a simple
// object), so every part is an independent stream under the object key.
func (k Key) Part(n int) Key {
	m := hmac.New(sha256.New, k[:])
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(n))
	m.Write([]byte("tarn-sse-part"))
	m.Write(b[:])
	var out Key
	copy(out[:], m.Sum(nil))
	return out
}

// Derive derives a purpose-bound sub-key (e.g. from a root key).
func (k Key) Derive(purpose string) Key {
	m := hmac.New(sha256.New, k[:])
	m.Write([]byte("tarn-derive:" + purpose))
	var out Key
	copy(out[:], m.Sum(nil))
	return out
}

// ErrAuth means sealed data or ciphertext failed authentication: the key
// is wrong or the bytes were changed.
var ErrAuth = errors.New("sse: authentication failed (wrong key or corrupted data)")

// Seal encrypts plaintext under kek with AES-256-GCM, binding aad:
// nonce(12) · ciphertext · tag(16).
func Seal(kek Key, plaintext, aad []byte) []byte {
	g := gcm(kek)
	nonce := make([]byte, g.NonceSize(), g.NonceSize()+len(plaintext)+g.Overhead())
	rand.Read(nonce)
	return g.Seal(nonce, nonce, plaintext, aad)
}

// Open reverses Seal; it fails with ErrAuth for a wrong key, wrong aad or
// changed bytes.
func Open(kek Key, sealed, aad []byte) ([]byte, error) {
	g := gcm(kek)
	if len(sealed) < g.NonceSize()+g.Overhead() {
		return nil, ErrAuth
	}
	out, err := g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], aad)
	if err != nil {
		return nil, ErrAuth
	}
	return out, nil
}

// SealKey seals a data key; OpenKey opens it.
func SealKey(kek, dataKey Key, aad []byte) []byte { return Seal(kek, dataKey[:], aad) }

// OpenKey opens a sealed data key.
func OpenKey(kek Key, sealed, aad []byte) (Key, error) {
	b, err := Open(kek, sealed, aad)
	var k Key
	if err != nil {
		return k, err
	}
	if len(b) != len(k) {
		return k, ErrAuth
	}
	copy(k[:], b)
	return k, nil
}

func gcm(k Key) cipher.AEAD {
	b, err := aes.NewCipher(k[:])
	if err != nil {
		panic(err) // 32-byte keys are always valid
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		panic(err)
	}
	return g
}

func dareConfig(k Key) sio.Config {
	return sio.Config{MinVersion: sio.Version20, MaxVersion: sio.Version20, Key: k[:],
		CipherSuites: []byte{sio.AES_256_GCM}}
}

// EncryptWriter returns a writer that encrypts into w; Close writes the
// final package (it does not close w).
func EncryptWriter(w io.Writer, k Key) (io.WriteCloser, error) {
	return sio.EncryptWriter(nopCloser{w}, dareConfig(k))
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// DecryptReaderAt returns a reader of the plaintext of a DARE stream held
// in r. ReadAt decrypts only the packages covering the requested range.
func DecryptReaderAt(r io.ReaderAt, k Key) (io.ReaderAt, error) {
	return sio.DecryptReaderAt(r, dareConfig(k))
}

// EncryptBuffer encrypts a small plaintext in memory.
func EncryptBuffer(k Key, plaintext []byte) ([]byte, error) {
	var out bytesWriter
	w, err := EncryptWriter(&out, k)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.b, nil
}

// DecryptBuffer decrypts a small ciphertext in memory.
func DecryptBuffer(k Key, ciphertext []byte) ([]byte, error) {
	if len(ciphertext) == 0 {
		return []byte{}, nil // the encryption of nothing is nothing
	}
	out, err := sio.DecryptBuffer(nil, ciphertext, dareConfig(k))
	if err != nil {
		return nil, ErrAuth
	}
	return out, nil
}

type bytesWriter struct{ b []byte }

func (w *bytesWriter) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

// EncryptedSize is the ciphertext size of n plaintext bytes.
func EncryptedSize(n int64) int64 {
	s, err := sio.EncryptedSize(uint64(n))
	if err != nil {
		return -1
	}
	return int64(s)
}

// CustomerKey is an SSE-C key supplied with a request. It is never stored.
type CustomerKey struct {
	Key Key
	MD5 string // base64 MD5 of the key, as sent and as echoed back
}

// ParseCustomerKey validates the SSE-C headers' values.
func ParseCustomerKey(algorithm, keyB64, md5B64 string) (*CustomerKey, error) {
	if algorithm != "AES256" {
		return nil, errors.New("The encryption algorithm specified is not valid; only AES256 is supported")
	}
	raw, err := base64.StdEncoding.DecodeString(keyB64)
	if err != nil || len(raw) != 32 {
		return nil, errors.New("The secret key was invalid for the specified algorithm.")
	}
	sum := md5.Sum(raw)
	if md5B64 != "" && md5B64 != base64.StdEncoding.EncodeToString(sum[:]) {
		return nil, errMD5
	}
	c := &CustomerKey{MD5: base64.StdEncoding.EncodeToString(sum[:])}
	copy(c.Key[:], raw)
	return c, nil
}

var errMD5 = errors.New("The calculated MD5 hash of the key did not match the hash that was provided.")

// IsKeyMD5Mismatch reports whether ParseCustomerKey failed on the MD5.
func IsKeyMD5Mismatch(err error) bool { return errors.Is(err, errMD5) }

// Verifier returns the salted HMAC that lets a later request's key be
// checked without storing the key.
func (c *CustomerKey) Verifier(salt []byte) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte("tarn-ssec-verify"))
	m.Write(c.Key[:])
	return m.Sum(nil)
}

// Matches reports whether c is the key that produced verifier.
func (c *CustomerKey) Matches(salt, verifier []byte) bool {
	return hmac.Equal(c.Verifier(salt), verifier)
}

// RandomBytes returns n random bytes.
func RandomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
