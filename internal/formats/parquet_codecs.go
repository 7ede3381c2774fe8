package formats

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/parquet"
	pqcompress "github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// arrow-go reads LZ4_RAW but not the deprecated LZ4 codec, which in the wild
// is either Hadoop's framing (per block: 4-byte big-endian uncompressed and
// compressed lengths, then an LZ4 block) or, from old Arrow C++ writers, a
// bare LZ4 block. This codec decodes both, trying Hadoop framing first as
// Arrow C++ does, so Parquet files written by Hadoop/Spark with LZ4 open.
//
// arrow-go's codec table is process-global; registering one stateless codec
// for a compression arrow-go leaves unimplemented changes nothing else, nor
// do the wrappers of its snappy and zstd codecs below for valid pages.
// (The wrappers drop arrow-go's streaming page decoding, which tarn does
// not enable.)
func init() {
	pqcompress.RegisterCodec(pqcompress.Codecs.Lz4, lz4Codec{})
	if c, err := pqcompress.GetCodec(pqcompress.Codecs.Snappy); err == nil {
		pqcompress.RegisterCodec(pqcompress.Codecs.Snappy, snappyPages{c})
	}
	if c, err := pqcompress.GetCodec(pqcompress.Codecs.Zstd); err == nil {
		pqcompress.RegisterCodec(pqcompress.Codecs.Zstd, zstdPages{Codec: c})
	}
}

// arrow-go hands Decode a dst of the page's declared uncompressed size (at
// most its page limit) and fails unless exactly that much comes out. Its
// gzip, brotli and LZ4_RAW codecs decode into dst; snappy allocates what
// the block header declares (up to 4 GiB), zstd whatever a frame expands
// to (up to 64 GiB). The wrappers below keep both to len(dst).

var errPageSize = errors.New("compressed page decodes past its declared size")

// snappyPages is arrow-go's snappy codec, checking a block's declared size
// against dst first, and decoding an empty compressed page (written by
// some Parquet v2 writers for pages whose values section is empty) to
// nothing instead of failing, as Arrow C++ and parquet-mr accept.
type snappyPages struct{ pqcompress.Codec }

func (c snappyPages) DecodeWithError(dst, src []byte) ([]byte, error) {
	if len(src) == 0 {
		return dst[:0], nil
	}
	n, err := snappy.DecodedLen(src)
	if err != nil {
		return nil, err
	}
	if n > len(dst) {
		return nil, fmt.Errorf("%w: snappy block of %d bytes, page of %d", errPageSize, n, len(dst))
	}
	if ec, ok := c.Codec.(pqcompress.ErrorCodec); ok {
		return ec.DecodeWithError(dst, src)
	}
	return c.Codec.Decode(dst, src), nil
}

func (c snappyPages) Decode(dst, src []byte) []byte {
	out, err := c.DecodeWithError(dst, src)
	if err != nil {
		panic(err) // arrow-go calls DecodeWithError when available
	}
	return out
}

// zstdPages is arrow-go's zstd codec decoding into dst's length at most.
type zstdPages struct {
	pqcompress.Codec
}

// zstdDecoder decodes no more than the capacity of DecodeAll's dst (and
// never more than arrow-go's largest page).
var zstdDecoder = sync.OnceValue(func() *zstd.Decoder {
	d, err := zstd.NewReader(nil, zstd.WithDecodeAllCapLimit(true),
		zstd.WithDecoderMaxMemory(uint64(parquet.DefaultMaxUncompressedPageSize)))
	if err != nil {
		panic(err) // static options
	}
	return d
})

func (zstdPages) DecodeWithError(dst, src []byte) ([]byte, error) {
	out, err := zstdDecoder().DecodeAll(src, dst[:0:len(dst)])
	if err != nil {
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) {
			return nil, fmt.Errorf("%w: zstd, page of %d bytes", errPageSize, len(dst))
		}
		return nil, err
	}
	return out, nil
}

func (c zstdPages) Decode(dst, src []byte) []byte {
	out, err := c.DecodeWithError(dst, src)
	if err != nil {
		panic(err) // arrow-go calls DecodeWithError when available
	}
	return out
}

type lz4Codec struct{}

var errLZ4 = errors.New("corrupt LZ4 page")

func (lz4Codec) DecodeWithError(dst, src []byte) ([]byte, error) {
	if out, ok := decodeHadoopLZ4(dst, src); ok {
		return out, nil
	}
	if len(dst) == 0 {
		return nil, fmt.Errorf("%w: unknown uncompressed size", errLZ4)
	}
	n, err := lz4.UncompressBlock(src, dst)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errLZ4, err)
	}
	return dst[:n], nil
}

func (c lz4Codec) Decode(dst, src []byte) []byte {
	out, err := c.DecodeWithError(dst, src)
	if err != nil {
		panic(err) // arrow-go calls DecodeWithError when available
	}
	return out
}

// decodeHadoopLZ4 decodes Hadoop-framed blocks into dst, whose length is
// the page's declared uncompressed size (arrow-go checks it against its
// page limit): the blocks' own sizes must fit in it, so a corrupt block
// header cannot ask for more memory.
func decodeHadoopLZ4(dst, src []byte) ([]byte, bool) {
	out := dst[:0]
	for len(src) > 0 {
		if len(src) < 8 {
			return nil, false
		}
		raw := int(binary.BigEndian.Uint32(src))
		comp := int(binary.BigEndian.Uint32(src[4:]))
		src = src[8:]
		start := len(out)
		if comp > len(src) || raw > len(dst)-start {
			return nil, false
		}
		n, err := lz4.UncompressBlock(src[:comp], dst[start:start+raw])
		if err != nil || n != raw {
			return nil, false
		}
		out = dst[:start+raw]
		src = src[comp:]
	}
	return out, true
}

// Encode writes Hadoop framing (one block), readable by Hadoop and Arrow.
func (lz4Codec) Encode(dst, src []byte) []byte {
	bound := lz4.CompressBlockBound(len(src))
	out := make([]byte, 8+bound)
	n, err := lz4.CompressBlock(src, out[8:], nil)
	if err != nil || n == 0 {
		// Incompressible input: LZ4 still needs a literal-only block.
		n, _ = lz4.CompressBlockHC(src, out[8:], 0, nil, nil)
	}
	binary.BigEndian.PutUint32(out, uint32(len(src)))
	binary.BigEndian.PutUint32(out[4:], uint32(n))
	return append(dst[:0], out[:8+n]...)
}

func (c lz4Codec) EncodeLevel(dst, src []byte, _ int) []byte { return c.Encode(dst, src) }

func (lz4Codec) CompressBound(n int64) int64 { return int64(lz4.CompressBlockBound(int(n))) + 8 }
