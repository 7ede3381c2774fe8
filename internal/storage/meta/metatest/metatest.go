// Package metatest is the conformance suite for meta.Store implementations.
// Every backend runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		metatest.Run(t, func(t *testing.T) meta.Store { return mem.New() })
//	}
//
// open must return a new, empty store; Run closes it at the end of each
// subtest (a second Close may return meta.ErrClosed, which is ignored).
package metatest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/tarnhq/tarn/internal/storage/meta"
)

// Run runs every conformance test against stores made by open.
func Run(t *testing.T, open func(t *testing.T) meta.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s meta.Store)
	}{
		{"GetSetDelete", testGetSetDelete},
		{"EmptyValue", testEmptyValue},
		{"BatchLastOpWins", testBatchLastOpWins},
		{"BatchAtomicVisibility", testBatchAtomicVisibility},
		{"BinaryKeyOrder", testBinaryKeyOrder},
		{"Bounds", testBounds},
		{"SeekGE", testSeekGE},
		{"SnapshotIsolation", testSnapshotIsolation},
		{"ConcurrentApply", testConcurrentApply},
		{"NoAliasing", testNoAliasing},
		{"Closed", testClosed},
		{"ContextCanceled", testContextCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			tc.fn(t, s)
		})
	}
}

func apply(t *testing.T, s meta.Store, fill func(b *meta.Batch)) {
	t.Helper()
	var b meta.Batch
	fill(&b)
	if err := s.Apply(context.Background(), &b); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

func set(t *testing.T, s meta.Store, kv ...string) {
	t.Helper()
	apply(t, s, func(b *meta.Batch) {
		for i := 0; i < len(kv); i += 2 {
			b.Set([]byte(kv[i]), []byte(kv[i+1]))
		}
	})
}

// wantGet checks the value at key; want == nil means absent.
func wantGet(t *testing.T, s meta.Store, key string, want []byte) {
	t.Helper()
	got, err := s.Get(context.Background(), []byte(key))
	if want == nil {
		if !errors.Is(err, meta.ErrNotFound) || !meta.IsNotFound(err) {
			t.Fatalf("Get(%q) = %q, %v; want ErrNotFound", key, got, err)
		}
		return
	}
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %q, %v; want %q", key, got, err, want)
	}
}

type kv struct{ k, v string }

// scan collects [lower, upper) via First/Next and checks the iterator error.
func scan(t *testing.T, s meta.Store, lower, upper []byte) []kv {
	t.Helper()
	it, err := s.NewIter(context.Background(), lower, upper)
	if err != nil {
		t.Fatalf("NewIter: %v", err)
	}
	defer it.Close()
	return drain(t, it, it.First())
}

func drain(t *testing.T, it meta.Iter, ok bool) []kv {
	t.Helper()
	var out []kv
	for ; ok; ok = it.Next() {
		if !it.Valid() {
			t.Fatal("Valid() false after a move returned true")
		}
		out = append(out, kv{string(it.Key()), string(it.Value())})
	}
	if it.Valid() {
		t.Fatal("Valid() true after a move returned false")
	}
	if err := it.Error(); err != nil {
		t.Fatalf("iter error: %v", err)
	}
	return out
}

func wantScan(t *testing.T, got []kv, want ...string) {
	t.Helper()
	var w []kv
	for i := 0; i < len(want); i += 2 {
		w = append(w, kv{want[i], want[i+1]})
	}
	if fmt.Sprint(got) != fmt.Sprint(w) {
		t.Fatalf("scan = %q\nwant   %q", got, w)
	}
}

func testGetSetDelete(t *testing.T, s meta.Store) {
	wantGet(t, s, "a", nil)
	set(t, s, "a", "1", "b", "2")
	wantGet(t, s, "a", []byte("1"))
	wantGet(t, s, "b", []byte("2"))
	set(t, s, "a", "one")
	wantGet(t, s, "a", []byte("one"))
	apply(t, s, func(b *meta.Batch) { b.Delete([]byte("a")) })
	wantGet(t, s, "a", nil)
	wantGet(t, s, "b", []byte("2"))
	// Deleting a missing key is not an error.
	apply(t, s, func(b *meta.Batch) { b.Delete([]byte("nope")) })
	// An empty batch is fine.
	apply(t, s, func(b *meta.Batch) {})
	wantScan(t, scan(t, s, nil, nil), "b", "2")
}

func testEmptyValue(t *testing.T, s meta.Store) {
	apply(t, s, func(b *meta.Batch) { b.Set([]byte("k"), nil); b.Set([]byte("e"), []byte{}) })
	wantGet(t, s, "k", []byte{})
	wantGet(t, s, "e", []byte{})
	wantScan(t, scan(t, s, nil, nil), "e", "", "k", "")
}

func testBatchLastOpWins(t *testing.T, s meta.Store) {
	set(t, s, "del-then-set", "old", "set-then-del", "old")
	apply(t, s, func(b *meta.Batch) {
		b.Set([]byte("x"), []byte("1"))
		b.Set([]byte("x"), []byte("2"))
		b.Delete([]byte("del-then-set"))
		b.Set([]byte("del-then-set"), []byte("new"))
		b.Set([]byte("set-then-del"), []byte("new"))
		b.Delete([]byte("set-then-del"))
		b.Set([]byte("y"), []byte("1"))
		b.Delete([]byte("y"))
		b.Set([]byte("y"), []byte("3"))
	})
	wantGet(t, s, "x", []byte("2"))
	wantGet(t, s, "y", []byte("3"))
	wantGet(t, s, "del-then-set", []byte("new"))
	wantGet(t, s, "set-then-del", nil)
	wantScan(t, scan(t, s, nil, nil), "del-then-set", "new", "x", "2", "y", "3")
}

// testBatchAtomicVisibility checks that readers never see half a batch: a
// writer keeps moving a balance between two keys (plus a version key) in
// single batches while readers check the invariant with Get-free scans.
func testBatchAtomicVisibility(t *testing.T, s meta.Store) {
	const n = 200
	set(t, s, "acct/a", "0100", "acct/b", "0000")
	done := make(chan struct{})
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				it, err := s.NewIter(context.Background(), []byte("acct/"), []byte("acct0"))
				if err != nil {
					errc <- err
					return
				}
				sum, keys := 0, 0
				for ok := it.First(); ok; ok = it.Next() {
					var v int
					fmt.Sscanf(string(it.Value()), "%d", &v)
					sum += v
					keys++
				}
				it.Close()
				if sum != 100 || keys != 2 {
					errc <- fmt.Errorf("torn batch: %d keys summing to %d", keys, sum)
					return
				}
			}
		}()
	}
	for i := 1; i <= n; i++ {
		a := 100 - i%101
		apply(t, s, func(b *meta.Batch) {
			b.Set([]byte("acct/a"), fmt.Appendf(nil, "%04d", a))
			b.Set([]byte("acct/b"), fmt.Appendf(nil, "%04d", 100-a))
		})
	}
	close(done)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
}

func testBinaryKeyOrder(t *testing.T, s meta.Store) {
	keys := [][]byte{
		{0xff, 0xff}, {0x00}, {}, {0x00, 0x00}, {0x01}, {0xff}, {0x7f, 0xff}, {0x80}, {0x00, 0xff},
	}
	apply(t, s, func(b *meta.Batch) {
		for i, k := range keys {
			b.Set(k, []byte{byte(i)})
		}
	})
	want := [][]byte{{}, {0x00}, {0x00, 0x00}, {0x00, 0xff}, {0x01}, {0x7f, 0xff}, {0x80}, {0xff}, {0xff, 0xff}}
	got := scan(t, s, nil, nil)
	if len(got) != len(want) {
		t.Fatalf("scan returned %d keys, want %d: %q", len(got), len(want), got)
	}
	for i := range want {
		if got[i].k != string(want[i]) {
			t.Fatalf("key %d = %x, want %x", i, got[i].k, want[i])
		}
	}
	// The empty key and 0xff keys are gettable.
	wantGet(t, s, "", []byte{2})
	wantGet(t, s, "\xff\xff", []byte{0})
	// Upper bound 0xff excludes 0xff and 0xff 0xff.
	if got := scan(t, s, []byte{0x00}, []byte{0xff}); len(got) != 6 {
		t.Fatalf("scan [00, ff) = %q, want 6 keys", got)
	}
}

func testBounds(t *testing.T, s meta.Store) {
	set(t, s, "a", "1", "b", "2", "c", "3", "d", "4")
	wantScan(t, scan(t, s, nil, nil), "a", "1", "b", "2", "c", "3", "d", "4")
	wantScan(t, scan(t, s, []byte("b"), nil), "b", "2", "c", "3", "d", "4")
	wantScan(t, scan(t, s, nil, []byte("c")), "a", "1", "b", "2")
	wantScan(t, scan(t, s, []byte("b"), []byte("d")), "b", "2", "c", "3")
	wantScan(t, scan(t, s, []byte("aa"), []byte("cc")), "b", "2", "c", "3")
	wantScan(t, scan(t, s, []byte("b"), []byte("b")))
	wantScan(t, scan(t, s, []byte("x"), nil))
	wantScan(t, scan(t, s, nil, []byte("a")))
	wantScan(t, scan(t, s, []byte("d"), []byte("d\x00")), "d", "4")
	// Bounds are the caller's: reusing the slices must not move the iterator.
	lo, hi := []byte("b"), []byte("d")
	it, err := s.NewIter(context.Background(), lo, hi)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	lo[0], hi[0] = 'a', 'z'
	wantScan(t, drain(t, it, it.First()), "b", "2", "c", "3")
}

func testSeekGE(t *testing.T, s meta.Store) {
	set(t, s, "b", "2", "d", "4", "f", "6", "h", "8")
	it, err := s.NewIter(context.Background(), []byte("c"), []byte("g"))
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	cases := []struct {
		seek string
		want []string
	}{
		{"a", []string{"d", "4", "f", "6"}}, // before lower: clamps to lower
		{"d", []string{"d", "4", "f", "6"}},
		{"d\x00", []string{"f", "6"}},
		{"e", []string{"f", "6"}},
		{"f", []string{"f", "6"}},
		{"g", nil}, // at upper
		{"z", nil},
	}
	for _, c := range cases {
		wantScan(t, drain(t, it, it.SeekGE([]byte(c.seek))), c.want...)
	}
	// Seeking backwards after exhaustion works, and First restarts.
	wantScan(t, drain(t, it, it.First()), "d", "4", "f", "6")
}

func testSnapshotIsolation(t *testing.T, s meta.Store) {
	set(t, s, "a", "1", "b", "2", "c", "3")
	it, err := s.NewIter(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	if !it.First() || string(it.Key()) != "a" {
		t.Fatalf("First: %q", it.Key())
	}
	apply(t, s, func(b *meta.Batch) {
		b.Set([]byte("a"), []byte("x"))
		b.Delete([]byte("b"))
		b.Set([]byte("bb"), []byte("new"))
		b.Set([]byte("c"), []byte("x"))
		b.Set([]byte("d"), []byte("new"))
	})
	var got []kv
	for ok := true; ok; ok = it.Next() {
		got = append(got, kv{string(it.Key()), string(it.Value())})
	}
	wantScan(t, got, "a", "1", "b", "2", "c", "3")
	wantScan(t, drain(t, it, it.SeekGE([]byte("b"))), "b", "2", "c", "3")
	// A new iterator sees the new state.
	wantScan(t, scan(t, s, nil, nil), "a", "x", "bb", "new", "c", "x", "d", "new")
}

func testConcurrentApply(t *testing.T, s meta.Store) {
	const writers, batches, perBatch = 8, 25, 10
	var wg sync.WaitGroup
	errc := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < batches; i++ {
				var b meta.Batch
				for j := 0; j < perBatch; j++ {
					b.Set(fmt.Appendf(nil, "w%02d/%04d/%02d", w, i, j), fmt.Appendf(nil, "%d", w*i*j))
				}
				// Also contend on one shared key.
				b.Set([]byte("shared"), fmt.Appendf(nil, "w%02d", w))
				if err := s.Apply(context.Background(), &b); err != nil {
					errc <- err
					return
				}
				if _, err := s.Get(context.Background(), []byte("shared")); err != nil {
					errc <- err
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
	got := scan(t, s, nil, nil)
	if want := writers*batches*perBatch + 1; len(got) != want {
		t.Fatalf("%d keys after concurrent Apply, want %d", len(got), want)
	}
	for _, e := range got {
		var w, i, j int
		if e.k == "shared" {
			continue
		}
		if _, err := fmt.Sscanf(e.k, "w%02d/%04d/%02d", &w, &i, &j); err != nil || e.v != fmt.Sprint(w*i*j) {
			t.Fatalf("bad entry %q=%q (%v)", e.k, e.v, err)
		}
	}
}

func testNoAliasing(t *testing.T, s meta.Store) {
	k, v := []byte("key"), []byte("value")
	apply(t, s, func(b *meta.Batch) { b.Set(k, v) })
	// The batch's slices belong to the caller again once Apply returns.
	k[0], v[0] = 'X', 'X'
	wantGet(t, s, "key", []byte("value"))
	got, err := s.Get(context.Background(), []byte("key"))
	if err != nil {
		t.Fatal(err)
	}
	got[0] = 'Y'
	_ = append(got[:1], "ZZZZZZZZ"...)
	wantGet(t, s, "key", []byte("value"))

	// Keys and values from an iterator may be mutated until the next move
	// without changing the store.
	it, err := s.NewIter(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !it.First() {
		t.Fatal("empty iterator")
	}
	it.Key()[0] = 'Q'
	it.Value()[0] = 'Q'
	it.Close()
	wantScan(t, scan(t, s, nil, nil), "key", "value")
	wantGet(t, s, "key", []byte("value"))
}

func testClosed(t *testing.T, s meta.Store) {
	set(t, s, "a", "1")
	it, err := s.NewIter(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := context.Background()
	if _, err := s.Get(ctx, []byte("a")); !errors.Is(err, meta.ErrClosed) {
		t.Errorf("Get after Close: %v, want ErrClosed", err)
	}
	if err := s.Apply(ctx, &meta.Batch{Ops: []meta.Op{{Key: []byte("b"), Value: []byte("2")}}}); !errors.Is(err, meta.ErrClosed) {
		t.Errorf("Apply after Close: %v, want ErrClosed", err)
	}
	if _, err := s.NewIter(ctx, nil, nil); !errors.Is(err, meta.ErrClosed) {
		t.Errorf("NewIter after Close: %v, want ErrClosed", err)
	}
	// An iterator left open across Close may keep its snapshot or fail
	// with ErrClosed, but must not crash; closing it is harmless.
	it.First()
	_ = it.Error()
	it.Close()
}

func testContextCanceled(t *testing.T, s meta.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var b meta.Batch
	b.Set([]byte("a"), []byte("1"))
	if err := s.Apply(ctx, &b); !errors.Is(err, context.Canceled) {
		t.Errorf("Apply with canceled ctx: %v", err)
	}
	wantGet(t, s, "a", nil)
	if _, err := s.Get(ctx, []byte("a")); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with canceled ctx: %v", err)
	}
}
