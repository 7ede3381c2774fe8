// Package blobtest is the conformance suite for blob.Store implementations.
// Every backend runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		blobtest.Run(t, func(t *testing.T) blob.Store { return mem.New() })
//	}
//
// open must return a new, empty store; Run closes it after each subtest.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/storage/blob"
)

// Run runs every conformance test against stores made by open.
func Run(t *testing.T, open func(t *testing.T) blob.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s blob.Store)
	}{
		{"Sizes", testSizes},
		{"ReadAtEOF", testReadAtEOF},
		{"Uncommitted", testUncommitted},
		{"Abort", testAbort},
		{"Exist", testExist},
		{"Delete", testDelete},
		{"Walk", testWalk},
		{"InvalidID", testInvalidID},
		{"WriteAfterCommit", testWriteAfterCommit},
		{"ConcurrentWriters", testConcurrentWriters},
		{"ConcurrentReaders", testConcurrentReaders},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			tc.fn(t, s)
		})
	}
}

var ctx = context.Background()

// Data returns n deterministic pseudo-random bytes.
func Data(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 0x7a72))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

// Put writes and commits a blob, in writes of chunk bytes (0: one write).
func Put(t testing.TB, s blob.Store, id string, data []byte, chunk int) {
	t.Helper()
	w, err := s.Create(ctx, id)
	if err != nil {
		t.Fatalf("Create(%s): %v", id, err)
	}
	if chunk <= 0 {
		chunk = max(len(data), 1)
	}
	for p := data; len(p) > 0; {
		k := min(chunk, len(p))
		if n, err := w.Write(p[:k]); n != k || err != nil {
			t.Fatalf("Write(%s): %d, %v", id, n, err)
		}
		p = p[k:]
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatalf("Commit(%s): %v", id, err)
	}
}

func openBlob(t *testing.T, s blob.Store, id string) blob.Reader {
	t.Helper()
	r, err := s.Open(ctx, id)
	if err != nil {
		t.Fatalf("Open(%s): %v", id, err)
	}
	return r
}

// checkReadAt reads [off, off+n) and compares with data under io.ReaderAt's
// rules: a short read must carry an error, io.EOF at the end.
func checkReadAt(t *testing.T, r blob.Reader, data []byte, off int64, n int) {
	t.Helper()
	p := make([]byte, n)
	got, err := r.ReadAt(p, off)
	var want int
	if off < int64(len(data)) {
		want = min(n, len(data)-int(off))
	}
	if got != want {
		t.Fatalf("ReadAt(len %d, off %d) n = %d, want %d (err %v)", n, off, got, want, err)
	}
	if !bytes.Equal(p[:got], data[off:off+int64(got)]) {
		t.Fatalf("ReadAt(len %d, off %d): wrong bytes", n, off)
	}
	switch {
	case got < n && !errors.Is(err, io.EOF):
		t.Fatalf("ReadAt(len %d, off %d) short read %d with err %v, want io.EOF", n, off, got, err)
	case got == n && err != nil && !(err == io.EOF && off+int64(n) == int64(len(data))):
		t.Fatalf("ReadAt(len %d, off %d) full read with err %v", n, off, err)
	}
}

func testSizes(t *testing.T, s blob.Store) {
	const K = 64 << 10
	sizes := []int{0, 1, 100, K - 1, K, K + 1, 2*K - 1, 2 * K, 3*K + 17, 5<<20 + 12345}
	for i, size := range sizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			data := Data(uint64(i), size)
			id := fmt.Sprintf("size-%d", size)
			chunk := 0
			if i%2 == 1 {
				chunk = 4093 // odd write sizes straddle blocks
			}
			Put(t, s, id, data, chunk)
			r := openBlob(t, s, id)
			defer r.Close()
			if r.Size() != int64(size) {
				t.Fatalf("Size = %d, want %d", r.Size(), size)
			}
			// Whole blob, in one read and with a larger buffer.
			checkReadAt(t, r, data, 0, size)
			checkReadAt(t, r, data, 0, size+10)
			// Interesting offsets and lengths around block boundaries.
			offs := []int64{0, 1, K - 1, K, K + 1, 2*K - 1, 2 * K, int64(size) / 2, int64(size) - 1, int64(size)}
			lens := []int{1, 2, 7, K - 1, K, K + 1, 2*K + 3, 1 << 20}
			for _, off := range offs {
				if off < 0 || off > int64(size) {
					continue
				}
				for _, n := range lens {
					checkReadAt(t, r, data, off, n)
				}
			}
			// Random reads.
			rng := rand.New(rand.NewPCG(uint64(size), 1))
			for j := 0; j < 50 && size > 0; j++ {
				off := rng.Int64N(int64(size))
				checkReadAt(t, r, data, off, 1+rng.IntN(3*K))
			}
			// Zero-length read inside the blob.
			if n, err := r.ReadAt(nil, int64(size)/2); n != 0 || (err != nil && size > 0) {
				t.Fatalf("ReadAt(nil) = %d, %v", n, err)
			}
		})
	}
}

func testReadAtEOF(t *testing.T, s blob.Store) {
	data := Data(9, 1000)
	Put(t, s, "eof", data, 0)
	r := openBlob(t, s, "eof")
	defer r.Close()
	p := make([]byte, 10)
	if n, err := r.ReadAt(p, 1000); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt at size = %d, %v; want 0, io.EOF", n, err)
	}
	if n, err := r.ReadAt(p, 5000); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt past size = %d, %v; want 0, io.EOF", n, err)
	}
	if n, err := r.ReadAt(p, 995); n != 5 || err != io.EOF {
		t.Fatalf("ReadAt across end = %d, %v; want 5, io.EOF", n, err)
	}
	if n, err := r.ReadAt(p, -1); n != 0 || err == nil {
		t.Fatalf("ReadAt(-1) = %d, %v; want an error", n, err)
	}
	// io.SectionReader over the blob reads it all.
	got, err := io.ReadAll(io.NewSectionReader(r, 0, r.Size()))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("SectionReader: %d bytes, %v", len(got), err)
	}
}

func wantNotExist(t *testing.T, s blob.Store, id string) {
	t.Helper()
	r, err := s.Open(ctx, id)
	if err == nil {
		r.Close()
		t.Fatalf("Open(%s) succeeded, want ErrNotExist", id)
	}
	if !blob.IsNotExist(err) {
		t.Fatalf("Open(%s) = %v, want ErrNotExist", id, err)
	}
}

func walk(t *testing.T, s blob.Store) map[string]int64 {
	t.Helper()
	m := map[string]int64{}
	err := s.Walk(ctx, func(id string, size int64, mod time.Time) error {
		if _, dup := m[id]; dup {
			t.Errorf("Walk reported %s twice", id)
		}
		if mod.IsZero() {
			t.Errorf("Walk: zero modTime for %s", id)
		}
		m[id] = size
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return m
}

func testUncommitted(t *testing.T, s blob.Store) {
	w, err := s.Create(ctx, "pending")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("hello"))
	wantNotExist(t, s, "pending")
	if m := walk(t, s); len(m) != 0 {
		t.Fatalf("Walk sees uncommitted blobs: %v", m)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r := openBlob(t, s, "pending")
	defer r.Close()
	checkReadAt(t, r, []byte("hello"), 0, 5)
}

func testAbort(t *testing.T, s blob.Store) {
	w, err := s.Create(ctx, "aborted")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(Data(1, 100<<10))
	if err := w.Abort(); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	if err := w.Abort(); err != nil {
		t.Fatalf("second Abort: %v", err)
	}
	if err := w.Commit(ctx); err == nil {
		t.Fatal("Commit after Abort succeeded")
	}
	wantNotExist(t, s, "aborted")
	if m := walk(t, s); len(m) != 0 {
		t.Fatalf("Walk after Abort: %v", m)
	}
	// The id is free again, and Abort after Commit is a no-op.
	Put(t, s, "aborted", []byte("x"), 0)
	w, err = s.Create(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatalf("Abort after Commit: %v", err)
	}
	r := openBlob(t, s, "other")
	r.Close()
}

func testExist(t *testing.T, s blob.Store) {
	Put(t, s, "dup", []byte("first"), 0)
	// Either Create or Commit must refuse; the original must survive.
	if w, err := s.Create(ctx, "dup"); err == nil {
		w.Write([]byte("second"))
		if err := w.Commit(ctx); !errors.Is(err, blob.ErrExist) {
			t.Fatalf("Commit over existing blob: %v, want ErrExist", err)
		}
	} else if !errors.Is(err, blob.ErrExist) {
		t.Fatalf("Create of existing blob: %v, want ErrExist", err)
	}
	// Two writers racing for one id: exactly one wins.
	w1, err1 := s.Create(ctx, "race")
	w2, err2 := s.Create(ctx, "race")
	if err1 != nil || err2 != nil {
		t.Fatalf("Create: %v, %v", err1, err2)
	}
	w1.Write([]byte("one"))
	w2.Write([]byte("two"))
	if err := w1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w2.Commit(ctx); !errors.Is(err, blob.ErrExist) {
		t.Fatalf("second Commit: %v, want ErrExist", err)
	}
	for id, want := range map[string]string{"dup": "first", "race": "one"} {
		r := openBlob(t, s, id)
		checkReadAt(t, r, []byte(want), 0, len(want))
		r.Close()
	}
}

func testDelete(t *testing.T, s blob.Store) {
	Put(t, s, "gone", []byte("bye"), 0)
	if err := s.Delete(ctx, "gone"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantNotExist(t, s, "gone")
	if err := s.Delete(ctx, "gone"); !blob.IsNotExist(err) {
		t.Fatalf("second Delete: %v, want ErrNotExist", err)
	}
	if err := s.Delete(ctx, "never"); !blob.IsNotExist(err) {
		t.Fatalf("Delete of missing blob: %v, want ErrNotExist", err)
	}
	// The id can be reused.
	Put(t, s, "gone", []byte("back"), 0)
	r := openBlob(t, s, "gone")
	defer r.Close()
	checkReadAt(t, r, []byte("back"), 0, 4)
}

func testWalk(t *testing.T, s blob.Store) {
	if m := walk(t, s); len(m) != 0 {
		t.Fatalf("Walk on empty store: %v", m)
	}
	want := map[string]int64{}
	for i := 0; i < 40; i++ {
		id := fmt.Sprintf("obj.%d_v-%d", i, i*i)
		size := i * 7919 % (200 << 10)
		Put(t, s, id, Data(uint64(i), size), 0)
		want[id] = int64(size)
	}
	s.Delete(ctx, "obj.3_v-9")
	delete(want, "obj.3_v-9")
	w, _ := s.Create(ctx, "in-progress")
	defer w.Abort()
	got := walk(t, s)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Walk = %v\nwant   %v", got, want)
	}
	// An error from fn stops the walk and is returned.
	stop := errors.New("stop")
	calls := 0
	err := s.Walk(ctx, func(string, int64, time.Time) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("Walk with failing fn: %v after %d calls", err, calls)
	}
}

func testInvalidID(t *testing.T, s blob.Store) {
	for _, id := range []string{"", ".", "..", "a/b", "../x", "a b", "ü", "a\x00", string(make([]byte, blob.MaxIDLen+1))} {
		if w, err := s.Create(ctx, id); !errors.Is(err, blob.ErrInvalidID) {
			if err == nil {
				w.Abort()
			}
			t.Errorf("Create(%q) = %v, want ErrInvalidID", id, err)
		}
		if _, err := s.Open(ctx, id); !errors.Is(err, blob.ErrInvalidID) {
			t.Errorf("Open(%q) = %v, want ErrInvalidID", id, err)
		}
		if err := s.Delete(ctx, id); !errors.Is(err, blob.ErrInvalidID) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidID", id, err)
		}
	}
	Put(t, s, "Az09._-", []byte("ok"), 0)
}

func testWriteAfterCommit(t *testing.T, s blob.Store) {
	w, err := s.Create(ctx, "done")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("late")); err == nil {
		t.Fatal("Write after Commit succeeded")
	}
	if err := w.Commit(ctx); err == nil {
		t.Fatal("second Commit succeeded")
	}
	r := openBlob(t, s, "done")
	defer r.Close()
	if r.Size() != 0 {
		t.Fatalf("Size = %d after late write", r.Size())
	}
}

func testConcurrentWriters(t *testing.T, s blob.Store) {
	const n = 16
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			Put(t, s, fmt.Sprintf("conc-%d", i), Data(uint64(i), i*20000), 3000+i)
		}()
	}
	wg.Wait()
	got := walk(t, s)
	if len(got) != n {
		t.Fatalf("Walk found %d blobs, want %d", len(got), n)
	}
	for i := 0; i < n; i++ {
		r := openBlob(t, s, fmt.Sprintf("conc-%d", i))
		checkReadAt(t, r, Data(uint64(i), i*20000), 0, i*20000)
		r.Close()
	}
}

func testConcurrentReaders(t *testing.T, s blob.Store) {
	data := Data(42, 1<<20+333)
	Put(t, s, "shared", data, 0)
	r := openBlob(t, s, "shared")
	defer r.Close()
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 2))
			own := openBlob(t, s, "shared") // separate readers too
			defer own.Close()
			for j := 0; j < 100; j++ {
				rd := []blob.Reader{r, own}[j%2]
				off := rng.Int64N(int64(len(data)))
				p := make([]byte, 1+rng.IntN(200<<10))
				n, err := rd.ReadAt(p, off)
				if err != nil && err != io.EOF {
					errc <- err
					return
				}
				if !bytes.Equal(p[:n], data[off:off+int64(n)]) {
					errc <- fmt.Errorf("wrong bytes at %d", off)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
}
