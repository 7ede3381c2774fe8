package formats

import (
	"encoding/binary"
	"errors"
	"fmt"

	pqcompress "github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/pierrec/lz4/v4"
)

// arrow-go reads LZ4_RAW but not the deprecated LZ4 codec, which in the wild
// is either Hadoop's framing (per block: 4-byte big-endian uncompressed and
// compressed lengths, then an LZ4 block) or, from old Arrow C++ writers, a
// bare LZ4 block. This codec decodes both, trying Hadoop framing first as
// Arrow C++ does, so Parquet files written by Hadoop/Spark with LZ4 open.
//
// arrow-go's codec table is process-global; registering one stateless codec
// for a compression arrow-go leaves unimplemented changes nothing else.
func init() {
	pqcompress.RegisterCodec(pqcompress.Codecs.Lz4, lz4Codec{})
	if c, err := pqcompress.GetCodec(pqcompress.Codecs.Snappy); err == nil {
		pqcompress.RegisterCodec(pqcompress.Codecs.Snappy, emptyTolerant{c})
	}
}

// emptyTolerant wraps a codec so that an empty compressed page (written by
// some Parquet v2 writers for pages whose values section is empty) decodes
// to nothing instead of failing, as Arrow C++ and parquet-mr accept.
type emptyTolerant struct{ pqcompress.Codec }

func (e emptyTolerant) DecodeWithError(dst, src []byte) ([]byte, error) {
	if len(src) == 0 {
		return dst[:0], nil
	}
	if ec, ok := e.Codec.(pqcompress.ErrorCodec); ok {
		return ec.DecodeWithError(dst, src)
	}
	return e.Codec.Decode(dst, src), nil
}

func (e emptyTolerant) Decode(dst, src []byte) []byte {
	out, err := e.DecodeWithError(dst, src)
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

func decodeHadoopLZ4(dst, src []byte) ([]byte, bool) {
	out := dst[:0]
	for len(src) > 0 {
		if len(src) < 8 {
			return nil, false
		}
		raw := int(binary.BigEndian.Uint32(src))
		comp := int(binary.BigEndian.Uint32(src[4:]))
		src = src[8:]
		if comp > len(src) || raw > 1<<30 {
			return nil, false
		}
		start := len(out)
		if cap(out)-start < raw {
			grown := make([]byte, start, start+raw)
			copy(grown, out)
			out = grown
		}
		n, err := lz4.UncompressBlock(src[:comp], out[start:start+raw])
		if err != nil || n != raw {
			return nil, false
		}
		out = out[:start+raw]
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
