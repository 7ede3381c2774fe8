package objstore

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/blob"
	"github.com/tarnhq/tarn/internal/storage/blob/compressed"
	blobdisk "github.com/tarnhq/tarn/internal/storage/blob/disk"
	blobmem "github.com/tarnhq/tarn/internal/storage/blob/mem"
	"github.com/tarnhq/tarn/internal/storage/meta"
	metamem "github.com/tarnhq/tarn/internal/storage/meta/mem"
	metapebble "github.com/tarnhq/tarn/internal/storage/meta/pebble"
)

const (
	testOwner   = "111122223333"
	testInline  = 4096
	otherOwner  = "444455556666"
	defaultBkt  = "bkt"
	testTimeout = 2 * time.Minute
)

// fakeClock is an injectable, settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type backend struct {
	name     string
	realDisk bool
	open     func(t *testing.T) (meta.Store, blob.Store)
}

// coldTiers returns a compressed cold tier on the backend's kind of store
// (its directory, for disk) and registers its Close.
func coldTiers(t *testing.T, realDisk bool) (map[string]blob.Store, string) {
	t.Helper()
	var inner blob.Store = blobmem.New()
	dir := ""
	if realDisk {
		dir = t.TempDir()
		d, err := blobdisk.Open(dir, blobdisk.Options{})
		if err != nil {
			t.Fatal(err)
		}
		inner = d
	}
	c, err := compressed.New(inner)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]blob.Store{ColdTier: c}, dir
}

var backends = []backend{
	{name: "mem", open: func(t *testing.T) (meta.Store, blob.Store) {
		return metamem.New(), blobmem.New()
	}},
	{name: "pebble+disk", realDisk: true, open: func(t *testing.T) (meta.Store, blob.Store) {
		m, err := metapebble.Open(t.TempDir(), metapebble.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := blobdisk.Open(t.TempDir(), blobdisk.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return m, b
	}},
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func newStoreOn(t *testing.T, m meta.Store, b blob.Store, clock *fakeClock) *Store {
	t.Helper()
	return newStoreOnTiers(t, m, b, clock, nil)
}

func newStoreOnTiers(t *testing.T, m meta.Store, b blob.Store, clock *fakeClock, tiers map[string]blob.Store) *Store {
	t.Helper()
	opts := Options{InlineLimit: testInline, Logger: quietLogger(), Tiers: tiers}
	if clock != nil {
		opts.Now = clock.Now
	}
	s, err := New(context.Background(), m, b, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// forEachBackend runs fn on a fresh engine over each backend pair.
func forEachBackend(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	forEachBackendClock(t, func(t *testing.T, s *Store, _ *fakeClock) { fn(t, s) })
}

// forEachBackendClock is forEachBackend with the engine's injected clock.
func forEachBackendClock(t *testing.T, fn func(t *testing.T, s *Store, c *fakeClock)) {
	t.Helper()
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			m, b := be.open(t)
			t.Cleanup(func() { b.Close(); m.Close() })
			c := newClock()
			tiers, _ := coldTiers(t, be.realDisk)
			t.Cleanup(func() { tiers[ColdTier].Close() })
			fn(t, newStoreOnTiers(t, m, b, c, tiers), c)
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want %s", code)
	}
	if got := errs.CodeOf(err); got != code {
		t.Fatalf("got code %q (%v), want %s", got, err, code)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mkBucket(t *testing.T, s *Store, name string) {
	t.Helper()
	if _, err := s.CreateBucket(context.Background(), testOwner, name, ""); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
}

func randBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func md5hex(b []byte) string { h := md5.Sum(b); return hex.EncodeToString(h[:]) }

func put(t *testing.T, s *Store, bucket, key string, data []byte) *Object {
	t.Helper()
	o, err := s.PutObject(context.Background(), &PutInput{Bucket: bucket, Key: key, Body: bytes.NewReader(data), Size: int64(len(data)), Owner: testOwner})
	if err != nil {
		t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
	}
	return o
}

func getBytes(t *testing.T, s *Store, in *GetInput) ([]byte, *GetOutput) {
	t.Helper()
	out, err := s.GetObject(context.Background(), in)
	if err != nil {
		t.Fatalf("GetObject %s/%s: %v", in.Bucket, in.Key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read %s/%s: %v", in.Bucket, in.Key, err)
	}
	return b, out
}

func readAll(t *testing.T, s *Store, bucket, key string) []byte {
	t.Helper()
	b, _ := getBytes(t, s, &GetInput{Bucket: bucket, Key: key})
	return b
}

// blobIDsInStore returns the sorted ids of every committed blob.
func blobIDsInStore(t *testing.T, s *Store) []string {
	t.Helper()
	var ids []string
	err := s.blobs.Walk(context.Background(), func(id string, _ int64, _ time.Time) error {
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(ids)
	return ids
}

// refIDs returns the sorted blob ids with a reference record.
func refIDs(t *testing.T, s *Store) []string {
	t.Helper()
	it, err := s.meta.NewIter(context.Background(), []byte(refPrefix), []byte(successor(refPrefix)))
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var ids []string
	for ok := it.First(); ok; ok = it.Next() {
		ids = append(ids, string(it.Key()[len(refPrefix):]))
	}
	must(t, it.Error())
	sort.Strings(ids)
	return ids
}

// checkNoLeaks asserts that the blob store holds exactly the blobs that the
// metadata references, and that those are exactly want (nil: not checked).
func checkNoLeaks(t *testing.T, s *Store) {
	t.Helper()
	blobs, refs := blobIDsInStore(t, s), refIDs(t, s)
	if !slices.Equal(blobs, refs) {
		t.Fatalf("blob store and references differ:\nblobs: %v\nrefs:  %v", blobs, refs)
	}
}

// metaKeys counts metadata records under prefix.
func metaKeys(t *testing.T, s *Store, prefix string) []string {
	t.Helper()
	it, err := s.meta.NewIter(context.Background(), []byte(prefix), []byte(successor(prefix)))
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var ks []string
	for ok := it.First(); ok; ok = it.Next() {
		ks = append(ks, string(it.Key()))
	}
	must(t, it.Error())
	return ks
}

func uploadPart(t *testing.T, s *Store, bucket, key, id string, n int, data []byte) *Part {
	t.Helper()
	p, err := s.UploadPart(context.Background(), &PartInput{Bucket: bucket, Key: key, UploadID: id, Number: n,
		Body: PutInput{Body: bytes.NewReader(data), Size: int64(len(data))}})
	if err != nil {
		t.Fatalf("UploadPart %d: %v", n, err)
	}
	return p
}

func md5Of(b []byte) []byte { h := md5.Sum(b); return h[:] }

// setTags is SetObjectTags of the current version, error only.
func setTags(s *Store, ctx context.Context, bucket, key string, tags []Tag) error {
	_, err := s.SetObjectTags(ctx, bucket, key, "", tags)
	return err
}

type blobStore = blob.Store

func compressedFor(inner blob.Store) (blob.Store, error) { return compressed.New(inner) }
