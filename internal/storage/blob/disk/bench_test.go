package disk_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tarnhq/tarn/internal/storage/blob/blobtest"
)

var benchSizes = []int{4 << 10, 1 << 20}

func sizeName(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%dKiB", n>>10)
}

// BenchmarkDiskBlobPut is Create + Write + Commit (with both fsyncs).
func BenchmarkDiskBlobPut(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(sizeName(size), func(b *testing.B) {
			s := openStore(b, b.TempDir())
			defer s.Close()
			data := blobtest.Data(1, size)
			b.SetBytes(int64(size))
			i := 0
			for b.Loop() {
				w, err := s.Create(ctx, fmt.Sprintf("b%d", i))
				if err != nil {
					b.Fatal(err)
				}
				w.Write(data)
				if err := w.Commit(ctx); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkDiskBlobGet reads 1 MiB of a blob (page cache warm), with
// checksum verification, through one reader.
func BenchmarkDiskBlobGet(b *testing.B) {
	const size = 1 << 20
	s := openStore(b, b.TempDir())
	defer s.Close()
	blobtest.Put(b, s, "get", blobtest.Data(1, size+1000), 0)
	r, err := s.Open(ctx, "get")
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	p := make([]byte, size)
	b.Run("1MiB", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			if n, err := r.ReadAt(p, 0); n != size || err != nil {
				b.Fatal(n, err)
			}
		}
	})
	b.Run("1MiB/unaligned", func(b *testing.B) { // partial head and tail blocks
		b.SetBytes(size)
		for b.Loop() {
			if n, err := r.ReadAt(p, 500); n != size || err != nil {
				b.Fatal(n, err)
			}
		}
	})
	b.Run("1MiB/open", func(b *testing.B) { // Open + ReadAt + Close
		b.SetBytes(size)
		for b.Loop() {
			r, err := s.Open(ctx, "get")
			if err != nil {
				b.Fatal(err)
			}
			if n, err := r.ReadAt(p, 0); n != size || err != nil {
				b.Fatal(n, err)
			}
			r.Close()
		}
	})
}

// BenchmarkRawFileWriteFsync is the physical limit for Put: a plain file
// write + fsync + rename + directory fsync, no checksums or layout.
func BenchmarkRawFileWriteFsync(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(sizeName(size), func(b *testing.B) {
			dir := b.TempDir()
			data := blobtest.Data(1, size)
			b.SetBytes(int64(size))
			i := 0
			for b.Loop() {
				tmp := filepath.Join(dir, fmt.Sprintf("t%d", i))
				f, err := os.Create(tmp)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := f.Write(data); err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
				f.Close()
				if err := os.Rename(tmp, filepath.Join(dir, fmt.Sprintf("f%d", i))); err != nil {
					b.Fatal(err)
				}
				d, _ := os.Open(dir)
				d.Sync()
				d.Close()
				i++
			}
		})
	}
}
