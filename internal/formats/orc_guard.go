package formats

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"

	gproto "github.com/golang/protobuf/proto"
	"github.com/klauspost/compress/snappy"
	"github.com/scritchley/orc"
	"github.com/scritchley/orc/proto"
)

// scritchley/orc trusts the sizes an ORC file declares: the postscript's
// footer and metadata lengths, the stripe footers, the decompressed size of
// every stream (buffered whole per stripe) and the string, binary, list and
// map lengths in LENGTH streams, each of which it allocates before reading.
// A corrupt or hostile file can so ask for hundreds of GiB — an
// unrecoverable out-of-memory in Go. The guard below checks those sizes
// against the file size and caps before the library sees the file (tail)
// and before it loads each stripe, so such files fail with an error.

const (
	// maxORCMetaBytes caps the footer, the metadata section and each
	// stripe footer, compressed and decompressed.
	maxORCMetaBytes = 64 << 20
	// maxORCBlock caps the compression block size; ORC's default is 256 KiB.
	maxORCBlock = 16 << 20
	// DefaultORCMaxStripeBytes is the default ORCOptions.MaxStripeBytes.
	DefaultORCMaxStripeBytes = 2 << 30
)

// errORCGuard marks files the guard refuses.
var errORCGuard = errors.New("orc: corrupt or oversized file")

func orcGuardf(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errORCGuard, fmt.Sprintf(format, a...))
}

// orcMeta is what the guard learned from the file tail.
type orcMeta struct {
	size      int64
	kind      proto.CompressionKind
	block     int64
	footer    *proto.Footer
	tailStart int64 // offset of the metadata section (end of the stripes)
}

// checkORCTail validates the postscript, footer and metadata sizes of the
// size bytes readable through at, then decodes the footer within caps.
func checkORCTail(at io.ReaderAt, size int64) (*orcMeta, error) {
	if size < 4 {
		return nil, orcGuardf("%d bytes is too small for an ORC file", size)
	}
	tail := make([]byte, min(size, 256))
	if _, err := at.ReadAt(tail, size-int64(len(tail))); err != nil && err != io.EOF {
		return nil, err
	}
	psLen := int64(tail[len(tail)-1])
	if psLen == 0 || psLen+1 > int64(len(tail)) {
		return nil, orcGuardf("postscript length %d", psLen)
	}
	ps := &proto.PostScript{}
	if err := gproto.Unmarshal(tail[int64(len(tail))-1-psLen:len(tail)-1], ps); err != nil {
		return nil, orcGuardf("postscript: %v", err)
	}
	footerLen, metaLen := ps.GetFooterLength(), ps.GetMetadataLength()
	if footerLen > maxORCMetaBytes || metaLen > maxORCMetaBytes {
		return nil, orcGuardf("footer of %d bytes, metadata of %d bytes (cap %d)", footerLen, metaLen, maxORCMetaBytes)
	}
	tailLen := int64(footerLen) + int64(metaLen) + psLen + 1
	if footerLen == 0 || tailLen+3 > size {
		return nil, orcGuardf("footer (%d bytes) and metadata (%d bytes) do not fit in a %d-byte file", footerLen, metaLen, size)
	}
	m := &orcMeta{size: size, kind: ps.GetCompression(), block: int64(ps.GetCompressionBlockSize()), tailStart: size - tailLen}
	switch m.kind {
	case proto.CompressionKind_NONE:
	case proto.CompressionKind_ZLIB, proto.CompressionKind_SNAPPY:
		if m.block == 0 {
			m.block = 256 << 10
		}
		if m.block > maxORCBlock {
			return nil, orcGuardf("compression block size %d (cap %d)", m.block, maxORCBlock)
		}
	default:
		return nil, fmt.Errorf("orc: unsupported compression %s (scritchley/orc reads NONE, ZLIB and SNAPPY)", m.kind)
	}
	metaRaw := make([]byte, metaLen)
	if _, err := at.ReadAt(metaRaw, m.tailStart); err != nil && err != io.EOF {
		return nil, err
	}
	if _, err := m.decode(metaRaw, maxORCMetaBytes, false); err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	footerRaw := make([]byte, footerLen)
	if _, err := at.ReadAt(footerRaw, m.tailStart+int64(metaLen)); err != nil && err != io.EOF {
		return nil, err
	}
	footer, err := m.decode(footerRaw, maxORCMetaBytes, true)
	if err != nil {
		return nil, fmt.Errorf("footer: %w", err)
	}
	m.footer = &proto.Footer{}
	if err := gproto.Unmarshal(footer, m.footer); err != nil {
		return nil, orcGuardf("footer: %v", err)
	}
	if err := checkORCTypes(m.footer.GetTypes()); err != nil {
		return nil, err
	}
	for i, st := range m.footer.GetStripes() {
		off, idx, data, foot := st.GetOffset(), st.GetIndexLength(), st.GetDataLength(), st.GetFooterLength()
		end := off + idx + data + foot
		if off < 3 || foot == 0 || foot > maxORCMetaBytes || end < off || idx > uint64(size) || data > uint64(size) ||
			end > uint64(m.tailStart) {
			return nil, orcGuardf("stripe %d (offset %d, index %d, data %d, footer %d bytes) lies outside the %d bytes of stripes",
				i, off, idx, data, foot, m.tailStart)
		}
	}
	return m, nil
}

// maxORCTypeDepth bounds the nesting of an ORC schema.
const maxORCTypeDepth = 100

// checkORCTypes checks that the footer's types form a tree in pre-order —
// every type but the root is the child of exactly one type with a smaller
// id — of bounded depth: scritchley/orc walks them recursively and would
// loop forever on a cycle, or blow up exponentially on shared children.
func checkORCTypes(ts []*proto.Type) error {
	if len(ts) == 0 {
		return orcGuardf("no types")
	}
	depth := make([]int, len(ts))
	parent := make([]bool, len(ts))
	for i, t := range ts {
		for _, sub := range t.GetSubtypes() {
			if int64(sub) <= int64(i) || int64(sub) >= int64(len(ts)) || parent[sub] {
				return orcGuardf("type %d has an invalid subtype %d", i, sub)
			}
			parent[sub] = true
			depth[sub] = depth[i] + 1
			if depth[sub] > maxORCTypeDepth {
				return orcGuardf("types nested deeper than %d", maxORCTypeDepth)
			}
		}
	}
	for i := 1; i < len(ts); i++ {
		if !parent[i] {
			return orcGuardf("type %d belongs to no parent", i)
		}
	}
	return nil
}

// decode undoes ORC's chunked compression of raw, failing past limit
// decompressed bytes or when a chunk decompresses to more than the block
// size. keep says whether to return the bytes or only count them.
func (m *orcMeta) decode(raw []byte, limit int64, keep bool) ([]byte, error) {
	if m.kind == proto.CompressionKind_NONE {
		if int64(len(raw)) > limit {
			return nil, orcGuardf("section of %d bytes (cap %d)", len(raw), limit)
		}
		return raw, nil
	}
	var out bytes.Buffer
	var total int64
	err := m.chunks(bytes.NewReader(raw), int64(len(raw)), func(chunk []byte, original bool) error {
		var n int64
		var err error
		if keep {
			n, err = m.inflate(chunk, original, &out)
		} else {
			n, err = m.inflate(chunk, original, io.Discard)
		}
		total += n
		if err == nil && total > limit {
			err = orcGuardf("section decompresses to more than %d bytes", limit)
		}
		return err
	})
	return out.Bytes(), err
}

// chunks calls f with each compressed chunk of the n bytes at r (each
// chunk at most 8 MiB, the 23-bit header limit).
func (m *orcMeta) chunks(r io.ReaderAt, n int64, f func(chunk []byte, original bool) error) error {
	var hdr [3]byte
	var buf []byte
	for pos := int64(0); pos < n; {
		if n-pos < 3 {
			return orcGuardf("truncated compression chunk header")
		}
		if _, err := r.ReadAt(hdr[:], pos); err != nil && err != io.EOF {
			return err
		}
		v := int64(hdr[0]) | int64(hdr[1])<<8 | int64(hdr[2])<<16
		length, original := v>>1, v&1 == 1
		pos += 3
		if length > n-pos {
			return orcGuardf("compression chunk of %d bytes runs past its stream", length)
		}
		if original && length > m.block {
			return orcGuardf("uncompressed chunk of %d bytes exceeds the block size %d", length, m.block)
		}
		if cap(buf) < int(length) {
			buf = make([]byte, length)
		}
		chunk := buf[:length]
		if _, err := r.ReadAt(chunk, pos); err != nil && err != io.EOF {
			return err
		}
		if err := f(chunk, original); err != nil {
			return err
		}
		pos += length
	}
	return nil
}

// inflate writes a chunk's decompressed bytes to w, refusing more than the
// block size (the ORC spec's bound on one chunk).
func (m *orcMeta) inflate(chunk []byte, original bool, w io.Writer) (int64, error) {
	if original {
		n, err := w.Write(chunk)
		return int64(n), err
	}
	switch m.kind {
	case proto.CompressionKind_ZLIB:
		fr := flate.NewReader(bytes.NewReader(chunk))
		defer fr.Close()
		n, err := io.Copy(w, io.LimitReader(fr, m.block+1))
		if err != nil {
			return n, orcGuardf("zlib chunk: %v", err)
		}
		if n > m.block {
			return n, orcGuardf("zlib chunk decompresses past the block size %d", m.block)
		}
		return n, nil
	case proto.CompressionKind_SNAPPY:
		dl, err := snappy.DecodedLen(chunk)
		if err != nil || int64(dl) > m.block {
			return 0, orcGuardf("snappy chunk of %d decoded bytes (block size %d)", dl, m.block)
		}
		if w == io.Discard {
			return int64(dl), nil
		}
		d, err := snappy.Decode(nil, chunk)
		if err != nil {
			return 0, orcGuardf("snappy chunk: %v", err)
		}
		n, err := w.Write(d)
		return int64(n), err
	}
	return 0, orcGuardf("compression %s", m.kind)
}

// streamSize is the decompressed size of n bytes at off.
func (m *orcMeta) streamSize(at io.ReaderAt, off, n, limit int64) (int64, error) {
	if m.kind == proto.CompressionKind_NONE {
		if n > limit {
			return n, orcGuardf("stripe decompresses to more than %d bytes", limit)
		}
		return n, nil
	}
	var total int64
	err := m.chunks(io.NewSectionReader(at, off, n), n, func(chunk []byte, original bool) error {
		k, err := m.inflate(chunk, original, io.Discard)
		total += k
		if err == nil && total > limit {
			err = orcGuardf("stripe decompresses to more than %d bytes", limit)
		}
		return err
	})
	return total, err
}

// checkORCStripe validates stripe i before scritchley/orc loads it: the
// stripe footer, the streams' placement and decompressed sizes (at most
// maxBytes in all), its row count against those bytes, and the lengths in
// every LENGTH stream (strings and binaries within their data, lists and
// maps within maxBytes/16 elements).
func checkORCStripe(at io.ReaderAt, m *orcMeta, i int, maxBytes int64) error {
	st := m.footer.GetStripes()[i]
	off := int64(st.GetOffset())
	body := int64(st.GetIndexLength() + st.GetDataLength())
	raw := make([]byte, st.GetFooterLength())
	if _, err := at.ReadAt(raw, off+body); err != nil && err != io.EOF {
		return err
	}
	dec, err := m.decode(raw, maxORCMetaBytes, true)
	if err != nil {
		return fmt.Errorf("stripe %d footer: %w", i, err)
	}
	sf := &proto.StripeFooter{}
	if err := gproto.Unmarshal(dec, sf); err != nil {
		return orcGuardf("stripe %d footer: %v", i, err)
	}
	types := m.footer.GetTypes()
	encodings := sf.GetColumns()
	type streamKey struct {
		col  uint32
		kind proto.Stream_Kind
	}
	type streamAt struct{ off, n, size int64 }
	streams := map[streamKey]streamAt{}
	pos, total := off, int64(0)
	for _, s := range sf.GetStreams() {
		n := int64(s.GetLength())
		if n < 0 || n > body || pos+n > off+body {
			return orcGuardf("stripe %d: stream of column %d (%s, %d bytes) runs past the stripe", i, s.GetColumn(), s.GetKind(), n)
		}
		size, err := m.streamSize(at, pos, n, maxBytes-total)
		if err != nil {
			return fmt.Errorf("stripe %d, column %d %s stream: %w", i, s.GetColumn(), s.GetKind(), err)
		}
		total += size
		streams[streamKey{s.GetColumn(), s.GetKind()}] = streamAt{pos, n, size}
		pos += n
	}
	// Readers without a PRESENT stream (structs, floats) yield rows until
	// the stripe's row count, whatever the data holds: a row count far
	// beyond what the streams can encode (a run-length byte encodes at most
	// ~1040 booleans per 2 bytes) would spin for hours.
	if rows := st.GetNumberOfRows(); rows > uint64(total)*520+1024 {
		return orcGuardf("stripe %d claims %d rows in %d bytes of streams", i, rows, total)
	}
	for key, s := range streams {
		if key.kind != proto.Stream_LENGTH || int(key.col) >= len(types) || int(key.col) >= len(encodings) {
			continue
		}
		var bound, sumBound int64
		switch types[key.col].GetKind() {
		case proto.Type_STRING, proto.Type_VARCHAR, proto.Type_CHAR, proto.Type_BINARY:
			dataKind := proto.Stream_DATA
			switch encodings[key.col].GetKind() {
			case proto.ColumnEncoding_DICTIONARY, proto.ColumnEncoding_DICTIONARY_V2:
				dataKind = proto.Stream_DICTIONARY_DATA
			}
			bound = streams[streamKey{key.col, dataKind}].size
			sumBound = bound
		case proto.Type_LIST, proto.Type_MAP:
			bound, sumBound = maxBytes/16, maxBytes/16
		default:
			continue
		}
		if err := checkORCLengths(at, m, s.off, s.n, encodings[key.col].GetKind(), bound, sumBound); err != nil {
			return fmt.Errorf("stripe %d, column %d: %w", i, key.col, err)
		}
	}
	return nil
}

// checkORCLengths decodes a LENGTH stream and checks each length against
// bound and their sum against sumBound.
func checkORCLengths(at io.ReaderAt, m *orcMeta, off, n int64, enc proto.ColumnEncoding_Kind, bound, sumBound int64) error {
	raw := make([]byte, n)
	if _, err := at.ReadAt(raw, off); err != nil && err != io.EOF {
		return err
	}
	dec, err := m.decode(raw, maxORCMetaBytes*16, true)
	if err != nil {
		return err
	}
	return safe("orc length stream", func() error {
		var next func() (int64, bool)
		br := bytes.NewReader(dec)
		switch enc {
		case proto.ColumnEncoding_DIRECT_V2, proto.ColumnEncoding_DICTIONARY_V2:
			r := orc.NewRunLengthIntegerReaderV2(br, false, false)
			next = func() (int64, bool) {
				if !r.Next() {
					return 0, false
				}
				return r.Int(), true
			}
		default:
			r := orc.NewRunLengthIntegerReader(br, false)
			next = func() (int64, bool) {
				if !r.Next() {
					return 0, false
				}
				return r.Int(), true
			}
		}
		var sum int64
		for {
			l, ok := next()
			if !ok {
				return nil
			}
			if l < 0 || l > bound {
				return orcGuardf("length %d exceeds %d", l, bound)
			}
			if sum += l; sum > sumBound {
				return orcGuardf("lengths add up to more than %d", sumBound)
			}
		}
	})
}
