package objstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/sse"
	"github.com/tarnhq/tarn/internal/storage/blob"
	blobdisk "github.com/tarnhq/tarn/internal/storage/blob/disk"
	metamem "github.com/tarnhq/tarn/internal/storage/meta/mem"
	metapebble "github.com/tarnhq/tarn/internal/storage/meta/pebble"
)

// fakeKMS is a hand-written KMS double: one key per id, which can be
// disabled; data keys are sealed with the key's material and the context.
type fakeKMS struct {
	mu       sync.Mutex
	keys     map[string]sse.Key
	disabled map[string]bool
	calls    int
}

func newFakeKMS() *fakeKMS {
	return &fakeKMS{keys: map[string]sse.Key{"alias/aws/s3": sse.NewKey(), "k1": sse.NewKey()}, disabled: map[string]bool{}}
}

func ctxAAD(c map[string]string) []byte {
	var keys []string
	for k, v := range c {
		keys = append(keys, k+"="+v)
	}
	sortStrings(keys)
	return []byte(strings.Join(keys, "&"))
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

func (f *fakeKMS) GenerateDataKey(_ context.Context, account, keyID string, encCtx map[string]string, n int) ([]byte, []byte, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	k, ok := f.keys[keyID]
	if !ok {
		return nil, nil, "", errs.E("kms", errs.NotExist, errs.Code("NotFoundException"), "Key '"+keyID+"' does not exist")
	}
	if f.disabled[keyID] {
		return nil, nil, "", errs.E("kms", errs.Precondition, errs.Code("DisabledException"), "key is disabled")
	}
	plain := sse.RandomBytes(n)
	blob := append([]byte(keyID+"|"), sse.Seal(k, plain, ctxAAD(encCtx))...)
	return plain, blob, "arn:aws:kms:us-east-1:" + account + ":key/" + keyID, nil
}

func (f *fakeKMS) Decrypt(_ context.Context, account string, blob []byte, encCtx map[string]string) ([]byte, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	id, sealed, ok := bytes.Cut(blob, []byte("|"))
	if !ok {
		return nil, "", errs.E("kms", errs.Invalid, errs.Code("InvalidCiphertextException"), "bad blob")
	}
	if f.disabled[string(id)] {
		return nil, "", errs.E("kms", errs.Precondition, errs.Code("DisabledException"), "key is disabled")
	}
	plain, err := sse.Open(f.keys[string(id)], sealed, ctxAAD(encCtx))
	if err != nil {
		return nil, "", errs.E("kms", errs.Invalid, errs.Code("InvalidCiphertextException"), "bad context")
	}
	return plain, "arn:aws:kms:us-east-1:" + account + ":key/" + string(id), nil
}

// sseStore builds an engine on pebble + disk with SSE-S3 by default and
// the fake KMS, and returns the data dirs for scanning.
func sseStore(t *testing.T) (*Store, *fakeKMS, []string) {
	t.Helper()
	md, bd := t.TempDir(), t.TempDir()
	m, err := metapebble.Open(md, metapebble.Options{})
	must(t, err)
	b, err := blobdisk.Open(bd, blobdisk.Options{})
	must(t, err)
	t.Cleanup(func() { b.Close(); m.Close() })
	kr, err := sse.OpenKeyring(context.Background(), m, sse.NewKey(), nil)
	must(t, err)
	k := newFakeKMS()
	s, err := New(context.Background(), m, b, Options{InlineLimit: testInline, Logger: quietLogger(),
		Keyring: kr, KMS: k, DefaultEncryption: SSES3})
	must(t, err)
	mkBucket(t, s, defaultBkt)
	return s, k, []string{md, bd}
}

// noFileContains proves the marker is nowhere at rest.
func noFileContains(t *testing.T, dirs []string, marker []byte) {
	t.Helper()
	for _, d := range dirs {
		filepath.Walk(d, func(p string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() {
				return err
			}
			b, _ := os.ReadFile(p)
			if bytes.Contains(b, marker) {
				t.Errorf("plaintext marker found in %s", p)
			}
			return nil
		})
	}
}

func customer(t *testing.T) *sse.CustomerKey {
	raw := sse.RandomBytes(32)
	c, err := sse.ParseCustomerKey("AES256", b64(raw), "")
	must(t, err)
	return c
}

func TestSSEModesAtRest(t *testing.T) {
	s, _, dirs := sseStore(t)
	ctx := ctxT(t)
	marker := []byte("TARN-PLAINTEXT-MARKER-0123456789")
	ck := customer(t)
	for _, c := range []struct {
		name string
		req  *SSERequest
		get  *sse.CustomerKey
		mode string
	}{
		{"default-sse-s3", nil, nil, SSES3},
		{"sse-s3", &SSERequest{Mode: SSES3}, nil, SSES3},
		{"sse-kms", &SSERequest{Mode: SSEKMS, KMSKeyID: "k1", Context: map[string]string{"team": "a"}}, nil, SSEKMS},
		{"sse-kms-bucket-key", &SSERequest{Mode: SSEKMS, BucketKey: true}, nil, SSEKMS},
		{"sse-c", &SSERequest{Mode: SSEC, Customer: ck}, ck, SSEC},
	} {
		for _, size := range []int{100, 200 << 10} {
			data := bytes.Repeat(marker, size/len(marker)+1)[:size]
			key := c.name + "/" + string(rune('a'+size%7))
			o, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: key, Body: bytes.NewReader(data), Size: int64(size), SSE: c.req})
			must(t, err)
			if o.Encryption == nil || o.Encryption.Mode != c.mode {
				t.Fatalf("%s: encryption %+v", c.name, o.Encryption)
			}
			if (c.mode == SSES3) != (o.ETag == md5hex(data)) {
				t.Errorf("%s: ETag %s (md5 %s): SSE-S3 ETags are the MD5, others are not", c.name, o.ETag, md5hex(data))
			}
			out, err := s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: key, Customer: c.get,
				Range: &Range{Start: 70000 % int64(size), End: -1}})
			must(t, err)
			got := readBody(t, out)
			if !bytes.Equal(got, data[70000%size:]) {
				t.Fatalf("%s size %d: range read mismatch", c.name, size)
			}
		}
	}
	noFileContains(t, dirs, marker)
}

func readBody(t *testing.T, out *GetOutput) []byte {
	t.Helper()
	defer out.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(out.Body); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSSECKeyRules(t *testing.T) {
	s, _, _ := sseStore(t)
	ctx := ctxT(t)
	ck := customer(t)
	_, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "c", Body: strings.NewReader("secret"), Size: 6, SSE: &SSERequest{Mode: SSEC, Customer: ck}})
	must(t, err)
	_, err = s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: "c"})
	wantCode(t, err, "InvalidRequest")
	_, err = s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "c", Customer: customer(t)})
	wantCode(t, err, "AccessDenied")
	out, err := s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: "c", Customer: ck})
	must(t, err)
	if out.Object.Encryption.CustomerMD5 != ck.MD5 {
		t.Fatal("customer MD5 not recorded")
	}
	// A key on a non-SSE-C object is refused.
	put(t, s, defaultBkt, "plain", []byte("x"))
	_, err = s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "plain", Customer: ck})
	wantCode(t, err, "InvalidRequest")
	// Copy needs the source key; the copy is encrypted as asked (SSE-S3 default).
	_, err = s.CopyObject(ctx, &CopyInput{SrcBucket: defaultBkt, SrcKey: "c", Dst: PutInput{Bucket: defaultBkt, Key: "c2"}})
	wantCode(t, err, "InvalidRequest")
	o, err := s.CopyObject(ctx, &CopyInput{SrcBucket: defaultBkt, SrcKey: "c", SrcCustomer: ck, Dst: PutInput{Bucket: defaultBkt, Key: "c2"}})
	must(t, err)
	if o.Encryption.Mode != SSES3 {
		t.Fatalf("copy encryption %+v", o.Encryption)
	}
	if got := readAll(t, s, defaultBkt, "c2"); string(got) != "secret" {
		t.Fatalf("copy = %q", got)
	}
}

func TestSSEMultipart(t *testing.T) {
	for _, mode := range []string{SSES3, SSEKMS, SSEC} {
		t.Run(mode, func(t *testing.T) {
			s, _, dirs := sseStore(t)
			ctx := ctxT(t)
			ck := customer(t)
			req := &SSERequest{Mode: mode}
			var get *sse.CustomerKey
			if mode == SSEC {
				req.Customer, get = ck, ck
			}
			u, err := s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: "mp", SSE: req})
			must(t, err)
			marker := []byte("MULTIPART-PLAINTEXT-MARKER")
			p1 := bytes.Repeat(marker, MinPartSize/len(marker)+1)[:MinPartSize]
			p2 := []byte("tail of the object")
			var parts []CompletedPart
			for i, data := range [][]byte{p1, p2} {
				in := &PartInput{Bucket: defaultBkt, Key: "mp", UploadID: u.ID, Number: i + 1,
					Body: PutInput{Body: bytes.NewReader(data), Size: int64(len(data))}}
				if mode == SSEC {
					in.Body.SSE = &SSERequest{Mode: SSEC, Customer: ck}
				}
				p, err := s.UploadPart(ctx, in)
				must(t, err)
				parts = append(parts, CompletedPart{Number: i + 1, ETag: p.ETag})
			}
			if mode == SSEC { // parts without the key are refused
				_, err := s.UploadPart(ctx, &PartInput{Bucket: defaultBkt, Key: "mp", UploadID: u.ID, Number: 3,
					Body: PutInput{Body: strings.NewReader("x"), Size: 1}})
				wantCode(t, err, "InvalidRequest")
			}
			_, err = s.CompleteUpload(ctx, defaultBkt, "mp", u.ID, parts, Conditions{}, "")
			must(t, err)
			want := append(append([]byte{}, p1...), p2...)
			out, err := s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "mp", Customer: get,
				Range: &Range{Start: int64(MinPartSize - 10), End: int64(MinPartSize + 5)}})
			must(t, err)
			if got := readBody(t, out); !bytes.Equal(got, want[MinPartSize-10:MinPartSize+6]) {
				t.Fatalf("range across parts: %q", got)
			}
			noFileContains(t, dirs, marker)
		})
	}
}

func TestSSEKMSKeyState(t *testing.T) {
	s, k, _ := sseStore(t)
	ctx := ctxT(t)
	_, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "k", Body: strings.NewReader("v"), Size: 1, SSE: &SSERequest{Mode: SSEKMS, KMSKeyID: "k1"}})
	must(t, err)
	k.disabled["k1"] = true
	_, err = s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "k"})
	wantCode(t, err, "KMS.DisabledException")
	// HEAD does not decrypt.
	if _, err := s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: "k"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "k2", Body: strings.NewReader("v"), Size: 1, SSE: &SSERequest{Mode: SSEKMS, KMSKeyID: "k1"}})
	wantCode(t, err, "KMS.DisabledException")
	k.disabled["k1"] = false
	if got := readAll(t, s, defaultBkt, "k"); string(got) != "v" {
		t.Fatalf("after re-enable: %q", got)
	}
	_, err = s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "k3", Body: strings.NewReader("v"), Size: 1, SSE: &SSERequest{Mode: SSEKMS, KMSKeyID: "nope"}})
	wantCode(t, err, "KMS.NotFoundException")
	// Bucket keys: many objects, one GenerateDataKey.
	before := k.calls
	for i := 0; i < 5; i++ {
		_, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "bk" + string(rune('0'+i)), Body: strings.NewReader("v"), Size: 1,
			SSE: &SSERequest{Mode: SSEKMS, KMSKeyID: "k1", BucketKey: true}})
		must(t, err)
	}
	if k.calls-before != 1 {
		t.Fatalf("%d KMS calls for 5 bucket-key objects, want 1", k.calls-before)
	}
}

func TestSSEMasterKeyRotation(t *testing.T) {
	s, _, _ := sseStore(t)
	ctx := ctxT(t)
	big := bytes.Repeat([]byte("r"), 100<<10)
	put(t, s, defaultBkt, "small", []byte("hello"))
	put(t, s, defaultBkt, "big", big)
	u, err := s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: "up"})
	must(t, err)
	n, err := s.RotateMasterKey(ctx)
	must(t, err)
	if n != 3 {
		t.Fatalf("re-wrapped %d records, want 3 (2 objects, 1 upload)", n)
	}
	v, _ := s.opts.Keyring.Current()
	out, err := s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: "big"})
	must(t, err)
	if out.Object.Encryption.MasterVersion != v {
		t.Fatalf("record still under version %d", out.Object.Encryption.MasterVersion)
	}
	if string(readAll(t, s, defaultBkt, "small")) != "hello" || !bytes.Equal(readAll(t, s, defaultBkt, "big"), big) {
		t.Fatal("objects unreadable after rotation")
	}
	uploadPart(t, s, defaultBkt, "up", u.ID, 1, []byte("part"))
	_, err = s.CompleteUpload(ctx, defaultBkt, "up", u.ID, []CompletedPart{{Number: 1, ETag: md5hex([]byte("part"))}}, Conditions{}, "")
	must(t, err)
	if string(readAll(t, s, defaultBkt, "up")) != "part" {
		t.Fatal("upload completed after rotation unreadable")
	}
	if n, _ := s.RewrapMasterKeys(ctx); n != 0 {
		t.Fatalf("second pass re-wrapped %d", n)
	}
}

func TestSSEFlippedByte(t *testing.T) {
	s, _, dirs := sseStore(t)
	ctx := ctxT(t)
	data := bytes.Repeat([]byte("z"), 200<<10)
	put(t, s, defaultBkt, "f", data)
	// Flip one byte in the middle of the blob file's data area.
	var blobFile string
	filepath.Walk(dirs[1], func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && fi.Size() > 100<<10 {
			blobFile = p
		}
		return nil
	})
	b, _ := os.ReadFile(blobFile)
	b[1000] ^= 0x40
	os.WriteFile(blobFile, b, 0o600)
	out, err := s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "f"})
	if err == nil {
		var buf bytes.Buffer
		_, err = buf.ReadFrom(out.Body)
		out.Body.Close()
		if err == nil {
			t.Fatal("corrupted object read back without error")
		}
	}
}

func TestBucketDefaultEncryption(t *testing.T) {
	s, _, _ := sseStore(t)
	ctx := ctxT(t)
	b, _ := s.Bucket(ctx, defaultBkt)
	if d := s.DefaultEncryption(b); d == nil || d.Algorithm != SSES3 {
		t.Fatalf("server default %+v", d)
	}
	must(t, s.SetBucketEncryption(ctx, defaultBkt, &BucketEncryption{Algorithm: SSEKMS, KMSKeyID: "k1"}))
	o := put(t, s, defaultBkt, "x", []byte("y"))
	if o.Encryption.Mode != SSEKMS || !strings.HasSuffix(o.Encryption.KMSKeyARN, "key/k1") {
		t.Fatalf("bucket default not applied: %+v", o.Encryption)
	}
	wantCode(t, s.SetBucketEncryption(ctx, defaultBkt, &BucketEncryption{Algorithm: "DES"}), "MalformedXML")
	wantCode(t, s.SetBucketEncryption(ctx, defaultBkt, &BucketEncryption{Algorithm: SSES3, KMSKeyID: "k1"}), "InvalidArgument")
	must(t, s.SetBucketEncryption(ctx, defaultBkt, nil))
	o = put(t, s, defaultBkt, "x2", []byte("y"))
	if o.Encryption.Mode != SSES3 {
		t.Fatalf("after delete: %+v", o.Encryption)
	}
	// Without a server default, objects are stored as given.
	plain, err := New(ctx, metamem.New(), s.blobs, Options{Logger: quietLogger()})
	must(t, err)
	mkBucket(t, plain, "plainb")
	if o := put(t, plain, "plainb", "p", []byte("q")); o.Encryption != nil {
		t.Fatal("encrypted without a default")
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// TestSSEAcrossTiers: an encrypted object moved to the cold (archive) tier
// keeps its ciphertext (the move copies stored bytes), stays unreadable
// until restored, then reads back; no tier holds the plaintext.
func TestSSEAcrossTiers(t *testing.T) {
	md, hd, cd := t.TempDir(), t.TempDir(), t.TempDir()
	m, err := metapebble.Open(md, metapebble.Options{})
	must(t, err)
	hot, err := blobdisk.Open(hd, blobdisk.Options{})
	must(t, err)
	coldDisk, err := blobdisk.Open(cd, blobdisk.Options{})
	must(t, err)
	cold, err := compressedFor(coldDisk)
	must(t, err)
	t.Cleanup(func() { cold.Close(); hot.Close(); m.Close() })
	kr, err := sse.OpenKeyring(context.Background(), m, sse.NewKey(), nil)
	must(t, err)
	clock := newClock()
	s, err := New(context.Background(), m, hot, Options{InlineLimit: testInline, Logger: quietLogger(), Now: clock.Now,
		Keyring: kr, KMS: newFakeKMS(), DefaultEncryption: SSES3, Tiers: map[string]blob.Store{ColdTier: cold}})
	must(t, err)
	mkBucket(t, s, defaultBkt)
	ctx := ctxT(t)
	marker := []byte("TIERED-SSE-PLAINTEXT-MARKER-")
	data := bytes.Repeat(marker, 10000)
	ck := customer(t)
	for _, c := range []struct {
		key string
		req *SSERequest
		get *sse.CustomerKey
	}{{"s3", nil, nil}, {"kms", &SSERequest{Mode: SSEKMS, KMSKeyID: "k1"}, nil}, {"c", &SSERequest{Mode: SSEC, Customer: ck}, ck}} {
		_, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: c.key, Body: bytes.NewReader(data), Size: int64(len(data)), SSE: c.req})
		must(t, err)
		// In-place class change to GLACIER moves the bytes to the cold tier.
		dst := PutInput{Bucket: defaultBkt, Key: c.key, StorageClass: "GLACIER", SSE: c.req}
		_, err = s.CopyObject(ctx, &CopyInput{SrcBucket: defaultBkt, SrcKey: c.key, SrcCustomer: c.get, Dst: dst})
		must(t, err)
		_, err = s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: c.key, Customer: c.get})
		wantCode(t, err, "InvalidObjectState")
		_, err = s.RestoreObject(ctx, &RestoreInput{Bucket: defaultBkt, Key: c.key, Days: 1})
		must(t, err)
	}
	clock.Advance(time.Minute)
	_, err = s.RunDue(ctx)
	must(t, err)
	for _, c := range []struct {
		key string
		get *sse.CustomerKey
	}{{"s3", nil}, {"kms", nil}, {"c", ck}} {
		out, err := s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: c.key, Customer: c.get, Range: &Range{Start: 1000, End: 99999}})
		must(t, err)
		if got := readBody(t, out); !bytes.Equal(got, data[1000:100000]) {
			t.Fatalf("%s: restored range differs", c.key)
		}
	}
	noFileContains(t, []string{md, hd, cd}, marker)
}

// TestSSEWriteToMatchesRead: the in-place decrypting WriteTo (what a GET
// uses through io.Copy) returns exactly what Read returns, for ranges
// across packages and parts, and refuses tampered bytes.
func TestSSEWriteToMatchesRead(t *testing.T) {
	s, _, dirs := sseStore(t)
	ctx := ctxT(t)
	u, err := s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: "mp"})
	must(t, err)
	p1, p2 := randBytes(MinPartSize+12345, 1), randBytes(200000, 2)
	a := uploadPart(t, s, defaultBkt, "mp", u.ID, 1, p1)
	b := uploadPart(t, s, defaultBkt, "mp", u.ID, 2, p2)
	_, err = s.CompleteUpload(ctx, defaultBkt, "mp", u.ID, []CompletedPart{{Number: 1, ETag: a.ETag}, {Number: 2, ETag: b.ETag}}, Conditions{}, "")
	must(t, err)
	whole := append(append([]byte{}, p1...), p2...)
	for _, rg := range []*Range{nil, {0, 0}, {65535, 65537}, {100, 70000}, {int64(len(p1)) - 10, int64(len(p1)) + 10},
		{int64(len(p1)), -1}, {-1000, -1}, {1 << 20, 3 << 20}} {
		out, err := s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "mp", Range: rg})
		must(t, err)
		var got bytes.Buffer
		if _, err := io.Copy(&got, out.Body); err != nil { // WriteTo
			t.Fatal(err)
		}
		out.Body.Close()
		want := whole[out.Start : out.Start+out.Length]
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("range %+v: WriteTo returned %d bytes, want %d (or different bytes)", rg, got.Len(), len(want))
		}
	}
	// Flip a byte in a stored part: WriteTo fails instead of writing it.
	var biggest string
	var size int64
	filepath.Walk(dirs[1], func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && fi.Size() > size {
			biggest, size = p, fi.Size()
		}
		return nil
	})
	raw, _ := os.ReadFile(biggest)
	raw[300000] ^= 0x01
	os.WriteFile(biggest, raw, 0o600)
	out, err := s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "mp"})
	must(t, err)
	if _, err := io.Copy(io.Discard, out.Body); err == nil {
		t.Fatal("tampered part streamed without error")
	}
	out.Body.Close()
}
