package formats

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func benchRead(b *testing.B, json bool, name string) {
	var buf bytes.Buffer
	if err := genRows(&buf, 16<<20, json); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r, err := Open(bytes.NewReader(data), int64(len(data)), name, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rec.Release()
		}
		r.Close()
	}
}

// BenchmarkCSVToArrow measures CSV → Arrow throughput (MB/s of CSV text).
func BenchmarkCSVToArrow(b *testing.B) { benchRead(b, false, "bench.csv") }

// BenchmarkJSONToArrow measures JSON lines → Arrow throughput.
func BenchmarkJSONToArrow(b *testing.B) { benchRead(b, true, "bench.json") }

// BenchmarkParquetWrite measures Arrow → Parquet throughput per codec, in MB
// of the equivalent JSON input.
func BenchmarkParquetWrite(b *testing.B) {
	var buf bytes.Buffer
	if err := genRows(&buf, 16<<20, true); err != nil {
		b.Fatal(err)
	}
	size := int64(buf.Len())
	r, err := Open(bytes.NewReader(buf.Bytes()), size, "bench.json", Options{})
	if err != nil {
		b.Fatal(err)
	}
	schema := r.Schema()
	var recs []arrow.Record
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		recs = append(recs, rec)
	}
	r.Close()
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	for _, codec := range []string{"UNCOMPRESSED", "SNAPPY", "ZSTD", "GZIP"} {
		b.Run(codec, func(b *testing.B) {
			b.SetBytes(size)
			for range b.N {
				w, err := NewWriter(Parquet, io.Discard, schema, Options{Parquet: ParquetOptions{Compression: codec}})
				if err != nil {
					b.Fatal(err)
				}
				for _, rec := range recs {
					if err := w.Write(rec); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
