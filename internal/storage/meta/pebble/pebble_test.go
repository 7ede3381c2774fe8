package pebble_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/tarnhq/tarn/internal/storage/meta"
	"github.com/tarnhq/tarn/internal/storage/meta/metatest"
	"github.com/tarnhq/tarn/internal/storage/meta/pebble"
)

func open(t testing.TB, dir string, opts pebble.Options) *pebble.Store {
	t.Helper()
	s, err := pebble.Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	metatest.Run(t, func(t *testing.T) meta.Store {
		return open(t, t.TempDir(), pebble.Options{Logger: slog.New(slog.DiscardHandler), CacheSize: 1 << 20})
	})
}

// TestConformanceMemFS runs the suite on pebble's in-memory filesystem, the
// seam for fault injection.
func TestConformanceMemFS(t *testing.T) {
	metatest.Run(t, func(t *testing.T) meta.Store {
		return open(t, "db", pebble.Options{FS: vfs.NewMem()})
	})
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := open(t, dir, pebble.Options{})
	for i := 0; i < 100; i++ {
		var b meta.Batch
		b.Set(fmt.Appendf(nil, "k%03d", i), bytes.Repeat([]byte{byte(i)}, 100))
		if i%10 == 0 && i > 0 {
			b.Delete(fmt.Appendf(nil, "k%03d", i-1))
		}
		if err := s.Apply(ctx, &b); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, pebble.Options{})
	defer s.Close()
	it, err := s.NewIter(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		var i int
		fmt.Sscanf(string(it.Key()), "k%03d", &i)
		if i%10 == 9 && i < 99 {
			t.Fatalf("deleted key %q came back", it.Key())
		}
		if !bytes.Equal(it.Value(), bytes.Repeat([]byte{byte(i)}, 100)) {
			t.Fatalf("bad value for %q", it.Key())
		}
		n++
	}
	if n != 91 {
		t.Fatalf("%d keys after reopen, want 91", n)
	}
	if _, err := s.Get(ctx, []byte("k009")); !errors.Is(err, meta.ErrNotFound) {
		t.Fatalf("Get deleted key after reopen: %v", err)
	}
}

// TestLoggerAdapter checks pebble's messages reach the slog logger and that
// nothing is written to stderr by pebble's default logger.
func TestLoggerAdapter(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := open(t, t.TempDir(), pebble.Options{Logger: l})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("component=pebble")) {
		t.Fatalf("no pebble log lines through slog:\n%s", buf.String())
	}
}

func TestDoubleClose(t *testing.T) {
	s := open(t, t.TempDir(), pebble.Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); !errors.Is(err, meta.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
}
