package file_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/storage/seglog"
	"github.com/tarnhq/tarn/internal/storage/seglog/file"
	"github.com/tarnhq/tarn/internal/storage/seglog/seglogtest"
)

var small = file.Options{SegmentBytes: 64 << 10, IndexInterval: 1 << 10}

func TestConformance(t *testing.T) {
	seglogtest.Run(t, func(t *testing.T, dir string) seglog.Store {
		s, err := file.Open(dir, small)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// writeLog appends n records to log "x" in dir and closes the store,
// returning the path of the last segment file.
func writeLog(t testing.TB, dir string, n int) string {
	ctx := context.Background()
	s, err := file.Open(dir, small)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := s.Open(ctx, "x")
	for i := range n {
		if _, err := l.Append(ctx, []seglog.Record{{Time: t0.Add(time.Duration(i) * time.Millisecond), Data: fmt.Appendf(nil, "rec-%05d-%0200d", i, i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "x", "*.log"))
	return segs[len(segs)-1]
}

// checkPrefix reopens dir and checks the log holds a prefix of the n
// records written by writeLog, at least min of them, and still appends.
func checkPrefix(t testing.TB, dir string, n, min int) {
	ctx := context.Background()
	s, err := file.Open(dir, small)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l, err := s.Open(ctx, "x")
	if err != nil {
		t.Fatalf("reopen after damage: %v", err)
	}
	got, err := l.Read(ctx, 0, n+1, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < min || len(got) > n {
		t.Fatalf("recovered %d records, want %d..%d", len(got), min, n)
	}
	for i, r := range got {
		if want := fmt.Sprintf("rec-%05d-%0200d", i, i); string(r.Data) != want || r.Offset != uint64(i) {
			t.Fatalf("record %d = %q @%d", i, r.Data, r.Offset)
		}
	}
	off, err := l.Append(ctx, []seglog.Record{{Time: t0, Data: []byte("after")}})
	if err != nil || off != uint64(len(got)) {
		t.Fatalf("append after recovery = %d, %v (recovered %d)", off, err, len(got))
	}
}

func TestTornTail(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(path string, size int64)
		lost   int
	}{
		{"half header", func(p string, size int64) { os.Truncate(p, size-220) }, 1},
		{"half data", func(p string, size int64) { os.Truncate(p, size-100) }, 1},
		{"garbage appended", func(p string, size int64) {
			f, _ := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			f.Write([]byte("\x00\x00\x01\x00garbage that is not a frame"))
			f.Close()
		}, 0},
		{"flipped byte in last record", func(p string, size int64) {
			f, _ := os.OpenFile(p, os.O_RDWR, 0)
			f.WriteAt([]byte{0xff}, size-5)
			f.Close()
		}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			const n = 700 // several segments
			last := writeLog(t, dir, n)
			st, _ := os.Stat(last)
			c.damage(last, st.Size())
			checkPrefix(t, dir, n, n-c.lost)
		})
	}
}

func TestMissingIndexIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir, 700)
	idx, _ := filepath.Glob(filepath.Join(dir, "x", "*.idx"))
	if len(idx) == 0 {
		t.Fatal("no index files written for sealed segments")
	}
	os.Remove(idx[0])
	os.WriteFile(idx[1], []byte("TSIXdamaged"), 0o600)
	checkPrefix(t, dir, 700, 700)
}

func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	s, _ := file.Open(t.TempDir(), file.Options{})
	defer s.Close()
	l, _ := s.Open(ctx, "g")
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if _, err := l.Append(ctx, []seglog.Record{{Time: t0, Data: []byte("x")}}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if _, n := l.Bounds(); n != 320 {
		t.Fatalf("next = %d", n)
	}
}

// FuzzRecovery damages the tail of a log's last segment (truncation at any
// point plus arbitrary bytes) and checks recovery keeps a clean prefix.
func FuzzRecovery(f *testing.F) {
	f.Add(uint16(0), []byte{})
	f.Add(uint16(10), []byte("junk"))
	f.Add(uint16(230), []byte{0, 0, 0, 4, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, cut uint16, tail []byte) {
		dir := t.TempDir()
		const n = 30
		last := writeLog(t, dir, n)
		st, _ := os.Stat(last)
		size := st.Size() - int64(cut)%st.Size()
		os.Truncate(last, size)
		fh, _ := os.OpenFile(last, os.O_WRONLY|os.O_APPEND, 0)
		fh.Write(tail)
		fh.Close()
		checkPrefix(t, dir, n, 0)
	})
}

func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	s, _ := file.Open(b.TempDir(), file.Options{})
	defer s.Close()
	l, _ := s.Open(ctx, "b")
	batch := make([]seglog.Record, 500)
	for i := range batch {
		batch[i] = seglog.Record{Time: t0, Data: make([]byte, 1024)}
	}
	b.SetBytes(500 * 1024)
	for b.Loop() {
		if _, err := l.Append(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReadAcrossChunks reads records whose frames straddle the read-ahead
// chunks (64 KiB doubling to 1 MiB) and segments, with every kind of
// limit, and checks each record's bytes.
func TestReadAcrossChunks(t *testing.T) {
	ctx := context.Background()
	s, err := file.Open(t.TempDir(), file.Options{SegmentBytes: 4 << 20, IndexInterval: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l, _ := s.Open(ctx, "x")
	sizes := []int{0, 1, 70 << 10, 3, 200 << 10, 65 << 10, 1 << 20, 2 << 20, 10, 5000}
	for i := range 60 {
		n := sizes[i%len(sizes)] + i
		data := make([]byte, n)
		for j := range data {
			data[j] = byte(i + j)
		}
		if _, err := l.Append(ctx, []seglog.Record{{Time: t0, Data: data}}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(r seglog.Record) {
		t.Helper()
		i := int(r.Offset)
		if len(r.Data) != sizes[i%len(sizes)]+i {
			t.Fatalf("record %d: %d bytes", i, len(r.Data))
		}
		for j, b := range r.Data {
			if b != byte(i+j) {
				t.Fatalf("record %d byte %d = %d", i, j, b)
			}
		}
	}
	for _, limit := range []int{1, 2, 7, 10000} {
		for from := uint64(0); from < 60; {
			recs, err := l.Read(ctx, from, limit, 3<<20)
			if err != nil || len(recs) == 0 {
				t.Fatalf("Read(%d, %d) = %d records, %v", from, limit, len(recs), err)
			}
			for k, r := range recs {
				if r.Offset != from+uint64(k) {
					t.Fatalf("Read(%d): offset %d at %d", from, r.Offset, k)
				}
				check(r)
			}
			from += uint64(len(recs))
		}
	}
}
