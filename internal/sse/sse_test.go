package sse

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"io"
	"testing"

	"github.com/tarnhq/tarn/internal/storage/meta/mem"
)

func TestStreamRoundTripAndRanges(t *testing.T) {
	k := NewKey()
	for _, n := range []int{0, 1, 65535, 65536, 65537, 300000} {
		plain := RandomBytes(n)
		var ct bytes.Buffer
		w, err := EncryptWriter(&ct, k)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(plain)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if int64(ct.Len()) != EncryptedSize(int64(n)) {
			t.Fatalf("n=%d: ciphertext %d, EncryptedSize %d", n, ct.Len(), EncryptedSize(int64(n)))
		}
		if n > 16 && bytes.Contains(ct.Bytes(), plain[:16]) {
			t.Fatal("plaintext visible in ciphertext")
		}
		r, err := DecryptReaderAt(bytes.NewReader(ct.Bytes()), k)
		if err != nil {
			t.Fatal(err)
		}
		for _, rg := range [][2]int{{0, n}, {n / 3, n / 2}, {max(0, n-10), n}} {
			if rg[1] <= rg[0] {
				continue
			}
			buf := make([]byte, rg[1]-rg[0])
			m, err := r.ReadAt(buf, int64(rg[0]))
			if m != len(buf) || (err != nil && err != io.EOF) || !bytes.Equal(buf, plain[rg[0]:rg[1]]) {
				t.Fatalf("n=%d range %v: %d %v", n, rg, m, err)
			}
		}
		// A flipped byte fails authentication instead of returning data.
		if n > 0 {
			bad := bytes.Clone(ct.Bytes())
			bad[len(bad)/2] ^= 1
			r2, _ := DecryptReaderAt(bytes.NewReader(bad), k)
			buf := make([]byte, n)
			if _, err := r2.ReadAt(buf, 0); err == nil || err == io.EOF {
				t.Fatalf("n=%d: tampered ciphertext decrypted", n)
			}
		}
		// The wrong key fails.
		if _, err := DecryptBuffer(NewKey(), ct.Bytes()); err == nil && n > 0 {
			t.Fatal("wrong key decrypted")
		}
		if got, err := DecryptBuffer(k, ct.Bytes()); err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("DecryptBuffer: %v", err)
		}
	}
}

func TestSealAndParts(t *testing.T) {
	kek, dk := NewKey(), NewKey()
	s := SealKey(kek, dk, []byte("aad"))
	got, err := OpenKey(kek, s, []byte("aad"))
	if err != nil || got != dk {
		t.Fatal("open", err)
	}
	if _, err := OpenKey(kek, s, []byte("other")); err != ErrAuth {
		t.Fatal("aad not bound")
	}
	if _, err := OpenKey(NewKey(), s, []byte("aad")); err != ErrAuth {
		t.Fatal("wrong kek opened")
	}
	if _, err := Open(kek, s[:5], nil); err != ErrAuth {
		t.Fatal("short sealed")
	}
	if dk.Part(1) == dk.Part(2) || dk.Part(1) != dk.Part(1) || dk.Part(0) == dk {
		t.Fatal("part keys")
	}
}

func TestCustomerKey(t *testing.T) {
	raw := RandomBytes(32)
	sum := md5.Sum(raw)
	b64, m := base64.StdEncoding.EncodeToString(raw), base64.StdEncoding.EncodeToString(sum[:])
	c, err := ParseCustomerKey("AES256", b64, m)
	if err != nil || c.MD5 != m {
		t.Fatal(err)
	}
	salt := RandomBytes(16)
	v := c.Verifier(salt)
	if !c.Matches(salt, v) {
		t.Fatal("matches")
	}
	other, _ := ParseCustomerKey("AES256", base64.StdEncoding.EncodeToString(RandomBytes(32)), "")
	if other.Matches(salt, v) {
		t.Fatal("other key matched")
	}
	for _, bad := range [][3]string{{"AES128", b64, m}, {"AES256", "short", ""}, {"AES256", b64, "AAAA"}} {
		if _, err := ParseCustomerKey(bad[0], bad[1], bad[2]); err == nil {
			t.Fatalf("accepted %v", bad)
		}
	}
	if _, err := ParseCustomerKey("AES256", b64, "AAAA"); !IsKeyMD5Mismatch(err) {
		t.Fatal("md5 mismatch not reported")
	}
}

func TestKeyring(t *testing.T) {
	ctx := context.Background()
	m := mem.New()
	root := NewKey()
	k, err := OpenKeyring(ctx, m, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	v1, key1 := k.Current()
	if v1 != 1 {
		t.Fatalf("first version %d", v1)
	}
	v2, err := k.Rotate(ctx)
	if err != nil || v2 != 2 {
		t.Fatal(err)
	}
	k2, err := OpenKeyring(ctx, m, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := k2.Current(); v != 2 {
		t.Fatalf("reopened current %d", v)
	}
	if got, ok := k2.Get(1); !ok || got != key1 {
		t.Fatal("old version lost")
	}
	if _, err := OpenKeyring(ctx, m, NewKey(), nil); err == nil {
		t.Fatal("a different root key opened the keyring")
	}
}

func FuzzDecryptBuffer(f *testing.F) {
	k := NewKey()
	ct, _ := EncryptBuffer(k, []byte("hello world"))
	f.Add(ct)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		DecryptBuffer(k, b) // must not panic
		r, err := DecryptReaderAt(bytes.NewReader(b), k)
		if err == nil {
			buf := make([]byte, 100)
			r.ReadAt(buf, 3)
		}
	})
}

func BenchmarkEncrypt1MiB(b *testing.B) {
	k := NewKey()
	data := RandomBytes(1 << 20)
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		w, _ := EncryptWriter(io.Discard, k)
		w.Write(data)
		w.Close()
	}
}

func BenchmarkDecrypt1MiB(b *testing.B) {
	k := NewKey()
	data := RandomBytes(1 << 20)
	ct, _ := EncryptBuffer(k, data)
	buf := make([]byte, len(data))
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		r, _ := DecryptReaderAt(bytes.NewReader(ct), k)
		r.ReadAt(buf, 0)
	}
}

func TestPackageOpenerMatchesSio(t *testing.T) {
	k := NewKey()
	for _, n := range []int{1, 65536, 65537, 3*65536 + 5} {
		plain := RandomBytes(n)
		ct, err := EncryptBuffer(k, plain)
		if err != nil {
			t.Fatal(err)
		}
		for first := 0; first*PackageSize < len(ct); first++ {
			buf := bytes.Clone(ct[first*PackageSize:])
			o := NewPackageOpener(k, first)
			var got []byte
			for len(buf) > 0 {
				p, m, err := o.Open(buf)
				if err != nil {
					t.Fatalf("n=%d first=%d: %v", n, first, err)
				}
				got = append(got, p...)
				buf = buf[m:]
			}
			if !bytes.Equal(got, plain[first*PackagePayload:]) {
				t.Fatalf("n=%d first=%d: plaintext differs", n, first)
			}
		}
		// Tampering, a wrong key and a wrong starting index all fail.
		bad := bytes.Clone(ct)
		bad[len(bad)/2] ^= 1
		if _, _, err := NewPackageOpener(k, 0).Open(bad); err == nil && n <= 65536 {
			t.Fatal("tampered package opened")
		}
		if _, _, err := NewPackageOpener(NewKey(), 0).Open(bytes.Clone(ct)); err == nil {
			t.Fatal("wrong key opened")
		}
		if n > 65536 {
			if _, _, err := NewPackageOpener(k, 1).Open(bytes.Clone(ct)); err == nil {
				t.Fatal("package 0 opened as package 1")
			}
		}
	}
}

func FuzzPackageOpener(f *testing.F) {
	k := NewKey()
	ct, _ := EncryptBuffer(k, []byte("hello"))
	f.Add(ct, 0)
	f.Fuzz(func(t *testing.T, b []byte, first int) {
		NewPackageOpener(k, first&0xffff).Open(b) // never panics
	})
}
