// Package compress detects and undoes the compression of data files, and
// compresses output: gzip, bzip2 (read only), zstd, snappy (the framed
// format and Hadoop's block framing), lz4 frames and single-file zip archives.
//
// Detection looks at magic bytes first and falls back to the file name's
// extension, because Hadoop-snappy and raw streams carry no magic.
package compress

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// Codec names a compression scheme. The values are the ones Glue writes in a
// table's compressionType parameter where Glue has one.
type Codec string

// The codecs.
const (
	None         Codec = "none"
	Gzip         Codec = "gzip"
	Bzip2        Codec = "bzip2"
	Zstd         Codec = "zstd"
	Snappy       Codec = "snappy"        // snappy framing format (sNaPpY stream identifier)
	HadoopSnappy Codec = "hadoop-snappy" // Hadoop's BlockCompressorStream framing
	LZ4          Codec = "lz4"
	Zip          Codec = "zip"
)

// Codecs lists every codec this package knows.
var Codecs = []Codec{None, Gzip, Bzip2, Zstd, Snappy, HadoopSnappy, LZ4, Zip}

var magics = []struct {
	c     Codec
	magic []byte
}{
	{Gzip, []byte{0x1f, 0x8b}},
	{Bzip2, []byte("BZh")},
	{Zstd, []byte{0x28, 0xb5, 0x2f, 0xfd}},
	{Snappy, []byte("\xff\x06\x00\x00sNaPpY")},
	{LZ4, []byte{0x04, 0x22, 0x4d, 0x18}},
	{Zip, []byte("PK\x03\x04")},
}

var exts = map[string]Codec{
	".gz": Gzip, ".gzip": Gzip, ".bz2": Bzip2, ".bzip2": Bzip2, ".zst": Zstd,
	".zstd": Zstd, ".snappy": Snappy, ".sz": Snappy, ".lz4": LZ4, ".zip": Zip,
}

// Ext returns the usual file extension for c ("" for None).
func Ext(c Codec) string {
	switch c {
	case Gzip:
		return ".gz"
	case Bzip2:
		return ".bz2"
	case Zstd:
		return ".zst"
	case Snappy, HadoopSnappy:
		return ".snappy"
	case LZ4:
		return ".lz4"
	case Zip:
		return ".zip"
	}
	return ""
}

// ByExtension returns the codec named by name's extension, or None.
func ByExtension(name string) Codec {
	return exts[strings.ToLower(path.Ext(name))]
}

// TrimExt removes a compression extension from name ("a.csv.gz" → "a.csv").
func TrimExt(name string) string {
	if ByExtension(name) != None && ByExtension(name) != "" {
		return strings.TrimSuffix(name, path.Ext(name))
	}
	return name
}

// Detect returns the codec of a stream from its first bytes (at least 10
// are needed for every magic) and its name. A ".snappy" file without the
// snappy stream identifier is taken as Hadoop-snappy when its first block
// header is plausible.
func Detect(name string, head []byte) Codec {
	for _, m := range magics {
		if bytes.HasPrefix(head, m.magic) {
			return m.c
		}
	}
	c := ByExtension(name)
	switch c {
	case "":
		return None
	case Snappy:
		if plausibleHadoop(head) {
			return HadoopSnappy
		}
		return Snappy
	case Gzip, Bzip2, Zstd, LZ4, Zip:
		// The extension promises a magic that is not there: trust the bytes.
		return None
	}
	return c
}

func plausibleHadoop(head []byte) bool {
	if len(head) < 8 {
		return false
	}
	raw := be32(head)
	comp := be32(head[4:])
	return raw <= maxHadoopBlock && comp > 0 && comp <= uint32(s2.MaxEncodedLen(int(raw)))+16
}

// Codecs wrap readers; ReadCloser closes the decompressor, never the source.
type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error {
	if r.close == nil {
		return nil
	}
	return r.close()
}

// NewReader returns a reader that decompresses r with c. Zip is not
// streamable; use OpenZip for it.
func NewReader(c Codec, r io.Reader) (io.ReadCloser, error) {
	switch c {
	case None, "":
		return io.NopCloser(r), nil
	case Gzip:
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("compress: gzip: %w", err)
		}
		return z, nil
	case Bzip2:
		return io.NopCloser(bzip2.NewReader(r)), nil
	case Zstd:
		z, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			return nil, fmt.Errorf("compress: zstd: %w", err)
		}
		return readCloser{z, func() error { z.Close(); return nil }}, nil
	case Snappy:
		return io.NopCloser(s2.NewReader(r, s2.ReaderMaxBlockSize(4<<20))), nil
	case HadoopSnappy:
		return io.NopCloser(NewHadoopSnappyReader(r)), nil
	case LZ4:
		return io.NopCloser(lz4.NewReader(r)), nil
	case Zip:
		return nil, fmt.Errorf("compress: zip needs random access; use OpenZip")
	}
	return nil, fmt.Errorf("compress: unknown codec %q", c)
}

// NewWriter returns a writer that compresses into w with c. Closing it
// flushes the codec but does not close w. bzip2 and zip are read-only.
func NewWriter(c Codec, w io.Writer) (io.WriteCloser, error) {
	switch c {
	case None, "":
		return nopWriteCloser{w}, nil
	case Gzip:
		return gzip.NewWriter(w), nil
	case Zstd:
		z, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("compress: zstd: %w", err)
		}
		return z, nil
	case Snappy:
		return s2.NewWriter(w, s2.WriterSnappyCompat(), s2.WriterConcurrency(1)), nil
	case HadoopSnappy:
		return NewHadoopSnappyWriter(w), nil
	case LZ4:
		return lz4.NewWriter(w), nil
	case Bzip2, Zip:
		return nil, fmt.Errorf("compress: writing %s is not supported", c)
	}
	return nil, fmt.Errorf("compress: unknown codec %q", c)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// Peek returns a buffered reader over r and up to n of its first bytes.
func Peek(r io.Reader, n int) (*bufio.Reader, []byte, error) {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < n {
		br = bufio.NewReaderSize(r, max(n, 64<<10))
	}
	head, err := br.Peek(n)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, nil, err
	}
	return br, head, nil
}

// Decompress detects the codec of r (by magic bytes and name) and returns
// the decompressed stream. Zip archives must go through OpenZip.
func Decompress(r io.Reader, name string) (io.ReadCloser, Codec, error) {
	br, head, err := Peek(r, 16)
	if err != nil {
		return nil, None, fmt.Errorf("compress: %w", err)
	}
	c := Detect(name, head)
	rc, err := NewReader(c, br)
	return rc, c, err
}
