package compressed_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/storage/blob"
	"github.com/tarnhq/tarn/internal/storage/blob/blobtest"
	"github.com/tarnhq/tarn/internal/storage/blob/compressed"
	"github.com/tarnhq/tarn/internal/storage/blob/disk"
	"github.com/tarnhq/tarn/internal/storage/blob/mem"
)

func TestConformanceMem(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store {
		s, err := compressed.New(mem.New())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestConformanceDisk(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store {
		d, err := disk.Open(t.TempDir(), disk.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		s, err := compressed.New(d)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestCompresses checks that compressible data is stored smaller and that
// reads across chunk boundaries return the right bytes.
func TestCompresses(t *testing.T) {
	ctx := context.Background()
	inner := mem.New()
	s, _ := compressed.New(inner)
	data := bytes.Repeat([]byte("tarn cold tier "), 300000) // ~4.5 MB
	w, _ := s.Create(ctx, "x")
	w.Write(data)
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var stored int64
	inner.Walk(ctx, func(_ string, size int64, _ time.Time) error { stored = size; return nil })
	if stored*10 > int64(len(data)) {
		t.Fatalf("stored %d bytes for %d", stored, len(data))
	}
	r, err := s.Open(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := make([]byte, 3<<20)
	if _, err := r.ReadAt(got, compressed.ChunkSize-100); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data[compressed.ChunkSize-100:compressed.ChunkSize-100+3<<20]) {
		t.Fatal("bytes differ")
	}
}

// TestCorrupt checks that a damaged frame is an ErrCorrupt, not bad data.
func TestCorrupt(t *testing.T) {
	ctx := context.Background()
	inner := mem.New()
	s, _ := compressed.New(inner)
	w, _ := inner.Create(ctx, "bad")
	w.Write([]byte("definitely not a compressed blob"))
	w.Commit(ctx)
	if _, err := s.Open(ctx, "bad"); !blob.IsCorrupt(err) {
		t.Fatalf("got %v, want ErrCorrupt", err)
	}
}
