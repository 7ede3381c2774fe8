package formats

import (
	"encoding/binary"
	"errors"
	"runtime"
	"strings"
	"testing"

	pqcompress "github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/zstd"
)

// TestHadoopLZ4Bounded: a Hadoop LZ4 block header declaring more than the
// page's uncompressed size is not Hadoop framing, and costs no allocation
// (it used to allocate up to 1 GiB per block).
func TestHadoopLZ4Bounded(t *testing.T) {
	src := []byte{0x3f, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0}
	dst := make([]byte, 100)
	allocs := testing.AllocsPerRun(10, func() {
		if _, ok := decodeHadoopLZ4(dst, src); ok {
			t.Fatal("accepted")
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations", allocs)
	}
	enc := lz4Codec{}.Encode(nil, []byte(strings.Repeat("tarn ", 40)))
	out, err := lz4Codec{}.DecodeWithError(make([]byte, 200), enc)
	if err != nil || string(out) != strings.Repeat("tarn ", 40) {
		t.Fatalf("%q %v", out, err)
	}
	if _, err := (lz4Codec{}).DecodeWithError(make([]byte, 199), enc); err == nil {
		t.Fatal("block larger than the page accepted")
	}
}

// TestPageCodecsBounded: snappy and zstd pages decode into the page's
// declared size at most. A snappy block declaring 1 GiB, or 7 KiB of zstd
// expanding to 64 MiB, for a 100-byte page is an error without the
// allocation (arrow-go's own codecs allocate what the data asks for).
func TestPageCodecsBounded(t *testing.T) {
	snappyCodec, err := pqcompress.GetCodec(pqcompress.Codecs.Snappy)
	if err != nil {
		t.Fatal(err)
	}
	zstdCodec, err := pqcompress.GetCodec(pqcompress.Codecs.Zstd)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	bomb := enc.EncodeAll(make([]byte, 64<<20), nil)
	for _, c := range []struct {
		name  string
		codec pqcompress.Codec
		src   []byte
	}{
		{"snappy 1 GiB", snappyCodec, append(binary.AppendUvarint(nil, 1<<30), 0, 1, 2, 3)},
		{"zstd 64 MiB", zstdCodec, bomb},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := pqcompress.Decode(c.codec, make([]byte, 100), c.src)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, errPageSize) {
			t.Errorf("%s: %v", c.name, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
			t.Errorf("%s: allocated %d bytes", c.name, alloc)
		}
	}
	text := []byte(strings.Repeat("tarn ", 1000))
	for _, codec := range []pqcompress.Codec{snappyCodec, zstdCodec} {
		out, err := pqcompress.Decode(codec, make([]byte, len(text)), codec.Encode(nil, text))
		if err != nil || string(out) != string(text) {
			t.Errorf("%T: %v", codec, err)
		}
		if _, err := pqcompress.Decode(codec, make([]byte, len(text)-1), codec.Encode(nil, text)); err == nil {
			t.Errorf("%T: a page larger than declared decoded", codec)
		}
	}
}
