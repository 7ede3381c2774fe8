// Package seglogtest is the conformance suite for seglog.Store
// implementations: Run(t, open) exercises appends, reads, time seeks,
// trimming, concurrency and reopening.
package seglogtest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/storage/seglog"
)

// Opener opens a store over the data identified by dir; calling it again
// with the same dir (after Close) must see the same data.
type Opener func(t *testing.T, dir string) seglog.Store

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func rec(i int, at time.Time) seglog.Record {
	return seglog.Record{Time: at, Data: []byte(fmt.Sprintf("record-%06d", i))}
}

// Run runs the suite.
func Run(t *testing.T, open Opener) {
	ctx := context.Background()
	openLog := func(t *testing.T, name string) (seglog.Store, seglog.Log) {
		dir := t.TempDir()
		s := open(t, dir)
		t.Cleanup(func() { s.Close() })
		l, err := s.Open(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return s, l
	}
	t.Run("AppendRead", func(t *testing.T) {
		_, l := openLog(t, "s/shard-0")
		if f, n := l.Bounds(); f != 0 || n != 0 {
			t.Fatalf("empty bounds = %d,%d", f, n)
		}
		var recs []seglog.Record
		for i := range 10 {
			recs = append(recs, rec(i, t0.Add(time.Duration(i)*time.Millisecond)))
		}
		first, err := l.Append(ctx, recs[:4])
		if err != nil || first != 0 {
			t.Fatalf("Append = %d, %v", first, err)
		}
		first, err = l.Append(ctx, recs[4:])
		if err != nil || first != 4 {
			t.Fatalf("Append = %d, %v", first, err)
		}
		for i, r := range recs {
			if r.Offset != uint64(i) {
				t.Fatalf("recs[%d].Offset = %d", i, r.Offset)
			}
		}
		got, err := l.Read(ctx, 0, 100, 1<<20)
		if err != nil || len(got) != 10 {
			t.Fatalf("Read = %d records, %v", len(got), err)
		}
		for i, r := range got {
			if r.Offset != uint64(i) || !bytes.Equal(r.Data, recs[i].Data) || !r.Time.Equal(recs[i].Time) {
				t.Fatalf("record %d = %+v, want %+v", i, r, recs[i])
			}
		}
		got, _ = l.Read(ctx, 3, 2, 1<<20)
		if len(got) != 2 || got[0].Offset != 3 {
			t.Fatalf("Read(3, 2) = %+v", got)
		}
		got, _ = l.Read(ctx, 5, 100, 1)
		if len(got) != 1 || got[0].Offset != 5 {
			t.Fatalf("Read with tiny maxBytes must return one record, got %d", len(got))
		}
		got, _ = l.Read(ctx, 0, 100, 2*len(recs[0].Data))
		if len(got) != 2 {
			t.Fatalf("Read maxBytes for 2 = %d records", len(got))
		}
		got, _ = l.Read(ctx, 10, 100, 1<<20)
		if len(got) != 0 {
			t.Fatalf("Read at end = %d records", len(got))
		}
		if f, n := l.Bounds(); f != 0 || n != 10 {
			t.Fatalf("bounds = %d,%d", f, n)
		}
	})
	t.Run("TimeIsMonotonic", func(t *testing.T) {
		_, l := openLog(t, "mono")
		recs := []seglog.Record{rec(0, t0.Add(time.Second)), rec(1, t0)}
		if _, err := l.Append(ctx, recs); err != nil {
			t.Fatal(err)
		}
		got, _ := l.Read(ctx, 0, 10, 1<<20)
		if !got[1].Time.Equal(t0.Add(time.Second)) || !recs[1].Time.Equal(got[1].Time) {
			t.Fatalf("earlier time not raised: %v", got[1].Time)
		}
	})
	t.Run("SeekTime", func(t *testing.T) {
		_, l := openLog(t, "seek")
		for i := range 50 {
			if _, err := l.Append(ctx, []seglog.Record{rec(i, t0.Add(time.Duration(i)*time.Second))}); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			at   time.Time
			want uint64
		}{{t0.Add(-time.Hour), 0}, {t0, 0}, {t0.Add(10 * time.Second), 10}, {t0.Add(10*time.Second + 1), 11},
			{t0.Add(49 * time.Second), 49}, {t0.Add(time.Hour), 50}} {
			got, err := l.SeekTime(ctx, c.at)
			if err != nil || got != c.want {
				t.Errorf("SeekTime(%v) = %d, %v; want %d", c.at.Sub(t0), got, err, c.want)
			}
		}
	})
	t.Run("Trim", func(t *testing.T) {
		_, l := openLog(t, "trim")
		const n = 2000
		big := bytes.Repeat([]byte("x"), 512)
		for i := range n {
			r := seglog.Record{Time: t0.Add(time.Duration(i) * time.Second), Data: append([]byte(fmt.Sprintf("%06d", i)), big...)}
			if _, err := l.Append(ctx, []seglog.Record{r}); err != nil {
				t.Fatal(err)
			}
		}
		first, err := l.Trim(ctx, t0.Add(1000*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if first == 0 || first > 1000 {
			t.Fatalf("Trim kept from %d; want some whole segments deleted and nothing newer than the cut", first)
		}
		if f, next := l.Bounds(); f != first || next != n {
			t.Fatalf("bounds = %d,%d", f, next)
		}
		got, _ := l.Read(ctx, 0, 1, 1<<20)
		if len(got) != 1 || got[0].Offset != first {
			t.Fatalf("Read(0) after trim = %+v, want offset %d", got, first)
		}
		if at, _ := l.SeekTime(ctx, t0); at != first {
			t.Fatalf("SeekTime(old) = %d, want %d", at, first)
		}
		// Trimming everything keeps the offsets going.
		if first, err = l.Trim(ctx, t0.Add(time.Duration(n)*time.Second)); err != nil || first != n {
			t.Fatalf("Trim all = %d, %v", first, err)
		}
		if off, err := l.Append(ctx, []seglog.Record{rec(n, t0.Add(time.Duration(n)*time.Second))}); err != nil || off != n {
			t.Fatalf("Append after full trim = %d, %v", off, err)
		}
		got, _ = l.Read(ctx, 0, 10, 1<<20)
		if len(got) != 1 || got[0].Offset != n {
			t.Fatalf("Read after full trim = %+v", got)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		_, l := openLog(t, "conc")
		const writers, each = 8, 50
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					if _, err := l.Append(ctx, []seglog.Record{rec(w*1000+i, t0), rec(w*1000+i, t0)}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		// A reader racing the writers sees a growing prefix.
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				got, err := l.Read(ctx, 0, 1<<20, 1<<30)
				if err != nil {
					t.Error(err)
					return
				}
				for i, r := range got {
					if r.Offset != uint64(i) {
						t.Errorf("offset %d at %d", r.Offset, i)
						return
					}
				}
			}
		}()
		wg.Wait()
		got, _ := l.Read(ctx, 0, 1<<20, 1<<30)
		if len(got) != writers*each*2 {
			t.Fatalf("read %d records", len(got))
		}
		// Each Append's pair is adjacent.
		for i := 0; i < len(got); i += 2 {
			if !bytes.Equal(got[i].Data, got[i+1].Data) {
				t.Fatalf("batch split at %d", i)
			}
		}
	})
	t.Run("Reopen", func(t *testing.T) {
		dir := t.TempDir()
		s := open(t, dir)
		l, _ := s.Open(ctx, "a/b")
		for i := range 100 {
			l.Append(ctx, []seglog.Record{rec(i, t0.Add(time.Duration(i)*time.Millisecond))})
		}
		if l2, _ := s.Open(ctx, "a/b"); l2 != l {
			t.Error("second Open returned another Log")
		}
		other, _ := s.Open(ctx, "a/c")
		other.Append(ctx, []seglog.Record{rec(0, t0)})
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Append(ctx, []seglog.Record{rec(0, t0)}); err == nil {
			t.Error("Append after Close succeeded")
		}
		s = open(t, dir)
		defer s.Close()
		l, err := s.Open(ctx, "a/b")
		if err != nil {
			t.Fatal(err)
		}
		if f, n := l.Bounds(); f != 0 || n != 100 {
			t.Fatalf("bounds after reopen = %d,%d", f, n)
		}
		got, _ := l.Read(ctx, 42, 1, 1<<20)
		if len(got) != 1 || string(got[0].Data) != "record-000042" || !got[0].Time.Equal(t0.Add(42*time.Millisecond)) {
			t.Fatalf("record 42 after reopen = %+v", got)
		}
		if off, err := l.Append(ctx, []seglog.Record{rec(100, t0)}); err != nil || off != 100 {
			t.Fatalf("Append after reopen = %d, %v", off, err)
		}
		if err := s.Remove(ctx, "a/c"); err != nil {
			t.Fatal(err)
		}
		c, _ := s.Open(ctx, "a/c")
		if f, n := c.Bounds(); f != 0 || n != 0 {
			t.Fatalf("removed log reopened with %d,%d", f, n)
		}
	})
	t.Run("BadName", func(t *testing.T) {
		s := open(t, t.TempDir())
		defer s.Close()
		for _, name := range []string{"", "../x", "a//b", "a/./b", "a b", "/abs"} {
			if _, err := s.Open(ctx, name); err == nil {
				t.Errorf("Open(%q) succeeded", name)
			}
		}
	})
}
