package compress

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/s2"
)

// Hadoop's SnappyCodec (BlockCompressorStream) frames data as a sequence of
// blocks: a 4-byte big-endian uncompressed length, then one or more chunks,
// each a 4-byte big-endian compressed length followed by a raw snappy block,
// until the chunks add up to the uncompressed length.

// maxHadoopBlock bounds one block's uncompressed size. Hadoop's default
// buffer is 256 KiB; anything past 64 MiB is treated as corruption so a
// malformed header cannot make us allocate gigabytes.
const maxHadoopBlock = 64 << 20

// hadoopWriteBlock is the uncompressed block size the writer emits.
const hadoopWriteBlock = 256 << 10

// ErrHadoopSnappy reports malformed Hadoop-snappy framing.
var ErrHadoopSnappy = errors.New("compress: corrupt hadoop-snappy stream")

type hadoopSnappyReader struct {
	r         io.Reader
	out       []byte // decoded, not yet returned
	remaining uint32 // uncompressed bytes left in the current block
	comp      []byte
	err       error
}

// NewHadoopSnappyReader decodes Hadoop-snappy framing.
func NewHadoopSnappyReader(r io.Reader) io.Reader { return &hadoopSnappyReader{r: r} }

func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

func (h *hadoopSnappyReader) Read(p []byte) (int, error) {
	for len(h.out) == 0 {
		if h.err != nil {
			return 0, h.err
		}
		h.err = h.fill()
	}
	n := copy(p, h.out)
	h.out = h.out[n:]
	return n, nil
}

func (h *hadoopSnappyReader) fill() error {
	var hdr [4]byte
	if h.remaining == 0 {
		if _, err := io.ReadFull(h.r, hdr[:]); err != nil {
			if err == io.EOF {
				return io.EOF
			}
			return fmt.Errorf("%w: truncated block header", ErrHadoopSnappy)
		}
		h.remaining = be32(hdr[:])
		if h.remaining > maxHadoopBlock {
			return fmt.Errorf("%w: block of %d bytes exceeds %d", ErrHadoopSnappy, h.remaining, maxHadoopBlock)
		}
		if h.remaining == 0 {
			return nil
		}
	}
	if _, err := io.ReadFull(h.r, hdr[:]); err != nil {
		return fmt.Errorf("%w: truncated chunk header", ErrHadoopSnappy)
	}
	clen := be32(hdr[:])
	if clen == 0 || clen > uint32(s2.MaxEncodedLen(int(h.remaining))) {
		return fmt.Errorf("%w: chunk length %d invalid for %d remaining bytes", ErrHadoopSnappy, clen, h.remaining)
	}
	if cap(h.comp) < int(clen) {
		h.comp = make([]byte, clen)
	}
	h.comp = h.comp[:clen]
	if _, err := io.ReadFull(h.r, h.comp); err != nil {
		return fmt.Errorf("%w: truncated chunk", ErrHadoopSnappy)
	}
	n, err := s2.DecodedLen(h.comp)
	if err != nil || n > int(h.remaining) {
		return fmt.Errorf("%w: bad chunk (decoded length %d, %d remaining)", ErrHadoopSnappy, n, h.remaining)
	}
	dec, err := s2.Decode(nil, h.comp)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrHadoopSnappy, err)
	}
	h.remaining -= uint32(len(dec))
	h.out = dec
	return nil
}

type hadoopSnappyWriter struct {
	w   io.Writer
	buf []byte
	err error
}

// NewHadoopSnappyWriter encodes Hadoop-snappy framing, one chunk per block.
func NewHadoopSnappyWriter(w io.Writer) io.WriteCloser {
	return &hadoopSnappyWriter{w: w, buf: make([]byte, 0, hadoopWriteBlock)}
}

func (h *hadoopSnappyWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if h.err != nil {
			return n, h.err
		}
		k := min(len(p), hadoopWriteBlock-len(h.buf))
		h.buf = append(h.buf, p[:k]...)
		p, n = p[k:], n+k
		if len(h.buf) == hadoopWriteBlock {
			h.err = h.flush()
		}
	}
	return n, h.err
}

func (h *hadoopSnappyWriter) flush() error {
	if len(h.buf) == 0 {
		return nil
	}
	comp := s2.EncodeSnappy(nil, h.buf)
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(len(h.buf)))
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(comp)))
	h.buf = h.buf[:0]
	if _, err := h.w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := h.w.Write(comp)
	return err
}

func (h *hadoopSnappyWriter) Close() error {
	if h.err != nil {
		return h.err
	}
	h.err = h.flush()
	if h.err == nil {
		h.err = errors.New("compress: writer closed")
		return nil
	}
	return h.err
}
