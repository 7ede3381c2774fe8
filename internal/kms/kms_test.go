package kms

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
	"github.com/tarnhq/tarn/internal/storage/meta/mem"
)

const acct = "111122223333"

// clock is an injected, settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var testRoot = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))

func open(t testing.TB, m meta.Store, c *clock, static ...StaticKey) *Store {
	t.Helper()
	s, err := Open(context.Background(), m, Options{Region: "us-east-1", RootKey: testRoot, Now: c.now,
		StaticKeys: static, StaticAccount: acct})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newTest(t testing.TB) (*Store, *clock, meta.Store) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := mem.New()
	return open(t, m, c), c, m
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := errs.CodeOf(err); got != code {
		t.Fatalf("got %v (code %q), want %s", err, got, code)
	}
}

func TestDeletionWindowPasses(t *testing.T) {
	ctx := context.Background()
	s, c, m := newTest(t)
	k, err := s.CreateKey(ctx, acct, CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAlias(ctx, acct, "alias/doomed", k.KeyID); err != nil {
		t.Fatal(err)
	}
	_, err = s.ScheduleKeyDeletion(ctx, acct, k.KeyID, 3)
	wantCode(t, err, CodeValidation)
	md, err := s.ScheduleKeyDeletion(ctx, acct, k.KeyID, 7)
	if err != nil || md.State != PendingDeletion || !md.DeletionDate.Equal(c.now().Add(7*24*time.Hour)) {
		t.Fatal(md, err)
	}
	_, _, err = s.Encrypt(ctx, acct, k.KeyID, []byte("x"), nil)
	wantCode(t, err, CodeInvalidState)
	c.advance(7*24*time.Hour - time.Second)
	if _, err := s.DescribeKey(ctx, acct, k.KeyID); err != nil {
		t.Fatal("gone too early:", err)
	}
	c.advance(time.Second)
	_, err = s.DescribeKey(ctx, acct, k.KeyID)
	wantCode(t, err, CodeNotFound)
	_, err = s.DescribeKey(ctx, acct, "alias/doomed")
	wantCode(t, err, CodeNotFound)
	if err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for _, key := range [][]byte{keyMetaKey(acct, k.KeyID), aliasMetaKey(acct, "alias/doomed")} {
		if _, err := m.Get(ctx, key); !meta.IsNotFound(err) {
			t.Fatalf("%s still stored: %v", key, err)
		}
	}
}

func TestAutomaticRotation(t *testing.T) {
	ctx := context.Background()
	s, c, _ := newTest(t)
	k, _ := s.CreateKey(ctx, acct, CreateKeyInput{})
	old, _, err := s.Encrypt(ctx, acct, k.KeyID, []byte("v1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.EnableKeyRotation(ctx, acct, k.KeyID, 89), CodeValidation)
	wantCode(t, s.EnableKeyRotation(ctx, acct, k.KeyID, 2561), CodeValidation)
	if err := s.EnableKeyRotation(ctx, acct, k.KeyID, 90); err != nil {
		t.Fatal(err)
	}
	c.advance(90 * 24 * time.Hour)
	nb, _, err := s.Encrypt(ctx, acct, k.KeyID, []byte("v2"), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := parseBlob(nb)
	if p.keyVersion != 2 {
		t.Fatalf("new blob version %d, want 2", p.keyVersion)
	}
	if pt, _, err := s.Decrypt(ctx, acct, old, nil); err != nil || string(pt) != "v1" {
		t.Fatal(pt, err)
	}
	rs, _, _ := s.ListKeyRotations(ctx, acct, k.KeyID, Page{})
	if len(rs) != 1 || rs[0].Type != RotationAutomatic {
		t.Fatalf("%+v", rs)
	}
	st, _ := s.GetKeyRotationStatus(ctx, acct, k.KeyID)
	if !st.NextRotation.Equal(c.now().AddDate(0, 0, 90)) {
		t.Fatalf("next rotation %v", st.NextRotation)
	}
}

func TestReopenAndRootKey(t *testing.T) {
	ctx := context.Background()
	s, c, m := newTest(t)
	k, _ := s.CreateKey(ctx, acct, CreateKeyInput{Description: "d", Tags: []Tag{{"a", "b"}}})
	s.RotateKeyOnDemand(ctx, acct, k.KeyID)
	blob, _, _ := s.Encrypt(ctx, acct, k.KeyID, []byte("hello"), map[string]string{"x": "y"})
	s2 := open(t, m, c)
	if pt, _, err := s2.Decrypt(ctx, acct, blob, map[string]string{"x": "y"}); err != nil || string(pt) != "hello" {
		t.Fatal(pt, err)
	}
	other := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{8}, 32))
	_, err := Open(ctx, m, Options{RootKey: other, Now: c.now})
	if err == nil || !strings.Contains(err.Error(), "not the one that sealed") {
		t.Fatalf("want a clear root-key mismatch, got %v", err)
	}
}

func TestGeneratedRootKeyFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	m := mem.New()
	if _, err := Open(ctx, m, Options{DataDir: dir}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, RootKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatal(fi, err)
	}
	if _, err := Open(ctx, m, Options{DataDir: dir}); err != nil {
		t.Fatal("reopen:", err)
	}
	os.Remove(filepath.Join(dir, RootKeyFile))
	if _, err := Open(ctx, m, Options{DataDir: dir}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("want missing root key error, got %v", err)
	}
}

func TestStaticKey(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Now()}
	m := mem.New()
	mat := bytes.Repeat([]byte{0x42}, 32)
	s := open(t, m, c, StaticKey{ID: "test-key", Material: mat})
	blob, arn, err := s.Encrypt(ctx, acct, "test-key", []byte("p"), nil)
	if err != nil || arn != "arn:aws:kms:us-east-1:"+acct+":key/test-key" {
		t.Fatal(arn, err)
	}
	// Another server with the same static key decrypts the blob.
	s2 := open(t, mem.New(), c, StaticKey{ID: "test-key", Material: mat})
	if pt, _, err := s2.Decrypt(ctx, acct, blob, nil); err != nil || string(pt) != "p" {
		t.Fatal(pt, err)
	}
	_, err = Open(ctx, m, Options{RootKey: testRoot, StaticAccount: acct,
		StaticKeys: []StaticKey{{ID: "test-key", Material: bytes.Repeat([]byte{1}, 32)}}})
	if err == nil || !strings.Contains(err.Error(), "differs") {
		t.Fatalf("want material mismatch, got %v", err)
	}
}

func TestTamperAndContext(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newTest(t)
	k, _ := s.CreateKey(ctx, acct, CreateKeyInput{})
	ec := map[string]string{"bucket": "b", "key": "k"}
	blob, _, _ := s.Encrypt(ctx, acct, k.KeyID, []byte("secret"), ec)
	for i := range blob {
		b := bytes.Clone(blob)
		b[i] ^= 1
		_, _, err := s.Decrypt(ctx, acct, b, ec)
		wantCode(t, err, CodeInvalidCiphertxt)
	}
	for _, bad := range []map[string]string{nil, {"bucket": "b"}, {"bucket": "b", "key": "K"}, {"bucketk": "", "key": "k"}} {
		_, _, err := s.Decrypt(ctx, acct, blob, bad)
		wantCode(t, err, CodeInvalidCiphertxt)
	}
	_, _, err := s.Decrypt(ctx, "999999999999", blob, ec)
	wantCode(t, err, CodeInvalidCiphertxt)
	if pt, _, err := s.Decrypt(ctx, acct, blob, map[string]string{"key": "k", "bucket": "b"}); err != nil || string(pt) != "secret" {
		t.Fatal(pt, err)
	}
}

func TestAWSManagedAlias(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newTest(t)
	pt, blob, arn, err := s.GenerateDataKey(ctx, acct, "alias/aws/s3", nil, 32)
	if err != nil || len(pt) != 32 {
		t.Fatal(err)
	}
	md, err := s.DescribeKey(ctx, acct, "alias/aws/s3")
	if err != nil || md.ARN != arn || md.KeyManager != ManagerAWS {
		t.Fatal(md, err)
	}
	if got, _, err := s.Decrypt(ctx, acct, blob, nil); err != nil || !bytes.Equal(got, pt) {
		t.Fatal(err)
	}
	wantCode(t, s.DisableKey(ctx, acct, md.KeyID), CodeUnsupported)
	wantCode(t, s.CreateAlias(ctx, acct, "alias/aws/mine", md.KeyID), CodeNotAuthorized)
}

func FuzzParseBlob(f *testing.F) {
	s, _, _ := newTest(f)
	k, _ := s.CreateKey(context.Background(), acct, CreateKeyInput{})
	blob, _, _ := s.Encrypt(context.Background(), acct, k.KeyID, []byte("seed"), map[string]string{"a": "b"})
	f.Add(blob)
	f.Add([]byte{})
	f.Add([]byte("T\x01\x00"))
	f.Add(append([]byte("T\x01\xff"), make([]byte, 40)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseBlob(b)
		if err == nil {
			if len(p.header) != 3+len(p.keyID)+4 || len(p.nonce) != nonceSize || len(p.sealed) < tagSize || p.keyVersion == 0 {
				t.Fatalf("inconsistent parse %+v", p)
			}
			if !bytes.Equal(appendHeader(nil, p.keyID, p.keyVersion), p.header) {
				t.Fatal("header does not round-trip")
			}
		}
		// Decrypt never panics and never succeeds on anything but the seed.
		pt, _, err := s.Decrypt(context.Background(), acct, b, map[string]string{"a": "b"})
		if err == nil && !bytes.Equal(b, blob) {
			t.Fatalf("forged blob decrypted to %q", pt)
		}
	})
}

func BenchmarkEngine(b *testing.B) {
	ctx := context.Background()
	s, _, _ := newTest(b)
	k, _ := s.CreateKey(ctx, acct, CreateKeyInput{})
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/key"}
	pt := bytes.Repeat([]byte("x"), 32)
	blob, _, _ := s.Encrypt(ctx, acct, k.KeyID, pt, ec)
	b.Run("Encrypt32B", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := s.Encrypt(ctx, acct, k.KeyID, pt, ec); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Decrypt32B", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := s.Decrypt(ctx, acct, blob, ec); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GenerateDataKey", func(b *testing.B) {
		for b.Loop() {
			if _, _, _, err := s.GenerateDataKey(ctx, acct, k.KeyID, ec, 32); err != nil {
				b.Fatal(err)
			}
		}
	})
}
