package formats

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/parquet/file"
)

// arrow-go trusts several sizes a Parquet file declares and allocates them
// before reading: the column chunk lengths in the footer (a whole chunk is
// read into one buffer), and the lengths inside the ARROW:schema footer
// entry, a flatbuffer it reads without verification (field counts, the
// IPC message and body lengths). A flipped byte can so ask for tens or
// hundreds of GiB — an unrecoverable out-of-memory in Go, and some of
// those reads run on goroutines of arrow-go's own where a panic cannot be
// recovered either. The guard below checks the footer's thrift encoding,
// the ARROW:schema entry and every column chunk against the file size and
// caps before arrow-go sees them. Within a chunk arrow-go bounds pages
// itself (64 MiB compressed, 256 MiB uncompressed).

const (
	// maxParquetFooterBytes caps the footer (FileMetaData). Footers of
	// files with thousands of columns and row groups run to tens of MiB.
	maxParquetFooterBytes = 128 << 20
	// maxParquetNesting bounds the nesting of thrift structures in the
	// footer and of the schema: arrow-go builds both recursively.
	maxParquetNesting = 100
	// DefaultParquetMaxRowGroupBytes is the default
	// ParquetOptions.MaxRowGroupBytes.
	DefaultParquetMaxRowGroupBytes = 2 << 30
)

// errParquetGuard marks files the guard refuses.
var errParquetGuard = errors.New("parquet: corrupt or oversized file")

func parquetGuardf(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errParquetGuard, fmt.Sprintf(format, a...))
}

// parquetTail is a file's footer, read once by the guard and served again
// to arrow-go, which reads the same bytes right after: opening costs the
// same two reads as before (the length and magic, then the footer).
type parquetTail struct {
	io.ReaderAt
	off  int64
	data []byte
}

func (t *parquetTail) ReadAt(p []byte, off int64) (int, error) {
	if t.data != nil && off >= t.off && off+int64(len(p)) <= t.off+int64(len(t.data)) {
		return copy(p, t.data[off-t.off:]), nil
	}
	return t.ReaderAt.ReadAt(p, off)
}

// checkParquetTail validates the footer of the size bytes readable
// through at: its length against the file and maxParquetFooterBytes, and
// its thrift encoding (checkThriftFooter). The returned reader serves the
// footer from memory.
func checkParquetTail(at io.ReaderAt, size int64) (*parquetTail, error) {
	if size < 12 {
		return nil, parquetGuardf("%d bytes is too small for a Parquet file", size)
	}
	var end [8]byte
	if _, err := at.ReadAt(end[:], size-8); err != nil && err != io.EOF {
		return nil, err
	}
	n := int64(binary.LittleEndian.Uint32(end[:]))
	switch string(end[4:]) {
	case "PAR1":
	case "PARE":
		return nil, errors.New("encrypted footer (PARE)")
	default:
		return nil, parquetGuardf("no PAR1 magic at the end")
	}
	if n > maxParquetFooterBytes || n+12 > size {
		return nil, parquetGuardf("footer of %d bytes in a %d-byte file (cap %d)", n, size, maxParquetFooterBytes)
	}
	t := &parquetTail{ReaderAt: at, off: size - 8 - n, data: make([]byte, n+8)}
	if _, err := at.ReadAt(t.data[:n], t.off); err != nil && err != io.EOF {
		return nil, err
	}
	copy(t.data[n:], end[:])
	if err := checkThriftFooter(t.data[:n]); err != nil {
		return nil, err
	}
	return t, nil
}

// Thrift compact protocol type ids.
const (
	tcStop   = 0
	tcTrue   = 1
	tcFalse  = 2
	tcByte   = 3
	tcI16    = 4
	tcI32    = 5
	tcI64    = 6
	tcDouble = 7
	tcBinary = 8
	tcList   = 9
	tcSet    = 10
	tcMap    = 11
	tcStruct = 12
	tcUUID   = 13
)

// thriftWalk steps through a thrift compact encoding without decoding it.
type thriftWalk struct {
	b   []byte
	pos int
}

var errThriftShort = parquetGuardf("footer: truncated thrift data")

func (w *thriftWalk) byte1() (byte, error) {
	if w.pos >= len(w.b) {
		return 0, errThriftShort
	}
	w.pos++
	return w.b[w.pos-1], nil
}

func (w *thriftWalk) uvarint() (uint64, error) {
	v, n := binary.Uvarint(w.b[w.pos:])
	if n <= 0 {
		return 0, parquetGuardf("footer: bad varint at byte %d", w.pos)
	}
	w.pos += n
	return v, nil
}

func (w *thriftWalk) skipN(n uint64) error {
	if n > uint64(len(w.b)-w.pos) {
		return errThriftShort
	}
	w.pos += int(n)
	return nil
}

// count reads a container size and checks that n elements of at least
// min bytes each fit in the rest of the footer: thrift's Go library
// allocates the container before reading its elements, checking only
// against a 100 MB cap.
func (w *thriftWalk) count(n uint64, min int) error {
	if n > uint64(len(w.b)-w.pos)/uint64(min) {
		return parquetGuardf("footer: container of %d elements in %d bytes at byte %d", n, len(w.b)-w.pos, w.pos)
	}
	return nil
}

// value skips one value of type t; inList says whether it is a container
// element (where booleans take a byte).
func (w *thriftWalk) value(t byte, inList bool, depth int) error {
	switch t {
	case tcTrue, tcFalse:
		if inList {
			return w.skipN(1)
		}
		return nil
	case tcByte:
		return w.skipN(1)
	case tcI16, tcI32, tcI64:
		_, err := w.uvarint()
		return err
	case tcDouble:
		return w.skipN(8)
	case tcUUID:
		return w.skipN(16)
	case tcBinary:
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		return w.skipN(n)
	case tcList, tcSet:
		h, err := w.byte1()
		if err != nil {
			return err
		}
		n, et := uint64(h>>4), h&0x0f
		if n == 15 {
			if n, err = w.uvarint(); err != nil {
				return err
			}
		}
		if err := w.count(n, 1); err != nil {
			return err
		}
		for range n {
			if err := w.value(et, true, depth+1); err != nil {
				return err
			}
		}
		return nil
	case tcMap:
		n, err := w.uvarint()
		if err != nil || n == 0 {
			return err
		}
		if err := w.count(n, 2); err != nil {
			return err
		}
		kv, err := w.byte1()
		if err != nil {
			return err
		}
		for range n {
			if err := w.value(kv>>4, true, depth+1); err != nil {
				return err
			}
			if err := w.value(kv&0x0f, true, depth+1); err != nil {
				return err
			}
		}
		return nil
	case tcStruct:
		return w.structure(depth+1, nil)
	}
	return parquetGuardf("footer: unknown thrift type %d at byte %d", t, w.pos)
}

// structure skips a struct, calling field (if not nil) for each field
// instead of skipping it; field returns false to have it skipped.
func (w *thriftWalk) structure(depth int, field func(id int16, t byte) (bool, error)) error {
	if depth > maxParquetNesting {
		return parquetGuardf("footer: thrift structures nested deeper than %d", maxParquetNesting)
	}
	var id int16
	for {
		h, err := w.byte1()
		if err != nil {
			return err
		}
		t := h & 0x0f
		if t == tcStop {
			return nil
		}
		if d := h >> 4; d != 0 {
			id += int16(d)
		} else {
			v, err := w.uvarint()
			if err != nil {
				return err
			}
			id = int16(int64(v>>1) ^ -int64(v&1))
		}
		if field != nil {
			done, err := field(id, t)
			if err != nil {
				return err
			}
			if done {
				continue
			}
		}
		if err := w.value(t, false, depth); err != nil {
			return err
		}
	}
}

// checkThriftFooter walks a FileMetaData encoding: every container must
// fit in the bytes left, every string too, structures nest at most
// maxParquetNesting deep, and so does the schema (FileMetaData field 2, a
// flattened tree whose SchemaElement field 5 is num_children), whose
// physical types (field 1) and repetitions (field 3) must be known ones.
func checkThriftFooter(b []byte) error {
	w := &thriftWalk{b: b}
	var children []int64
	err := w.structure(1, func(id int16, t byte) (bool, error) {
		if id != 2 || t != tcList {
			return false, nil
		}
		h, err := w.byte1()
		if err != nil {
			return false, err
		}
		n := uint64(h >> 4)
		if n == 15 {
			if n, err = w.uvarint(); err != nil {
				return false, err
			}
		}
		if h&0x0f != tcStruct {
			return false, parquetGuardf("footer: schema is a list of type %d", h&0x0f)
		}
		if err := w.count(n, 1); err != nil {
			return false, err
		}
		children = make([]int64, 0, n)
		for range n {
			var kids int64
			err := w.structure(2, func(id int16, t byte) (bool, error) {
				if t != tcI32 || id != 1 && id != 3 && id != 5 {
					return false, nil
				}
				v, err := w.uvarint()
				if err != nil {
					return false, err
				}
				n := int64(v>>1) ^ -int64(v&1)
				switch id {
				case 1: // type: arrow-go has no column reader for others (a nil dereference)
					if n < 0 || n > 7 {
						return false, parquetGuardf("footer: schema element of physical type %d", n)
					}
				case 3: // repetition_type
					if n < 0 || n > 2 {
						return false, parquetGuardf("footer: schema element of repetition type %d", n)
					}
				case 5:
					kids = n
				}
				return true, nil
			})
			if err != nil {
				return false, err
			}
			children = append(children, kids)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	// The schema is the pre-order of a tree: track the children left to
	// see at each level.
	var left []int64
	for _, kids := range children {
		if len(left) > 0 {
			left[len(left)-1]--
		}
		if kids > 0 {
			if left = append(left, kids); len(left) > maxParquetNesting {
				return parquetGuardf("footer: schema nested deeper than %d", maxParquetNesting)
			}
		}
		for len(left) > 0 && left[len(left)-1] <= 0 {
			left = left[:len(left)-1]
		}
	}
	return nil
}

// checkArrowSchema verifies the flatbuffer of an ARROW:schema footer entry
// (value) before arrow-go reads it without verification. Entries that are
// not base64 or not framed as an IPC message are left to arrow-go, which
// rejects them without allocating.
func checkArrowSchema(value string) error {
	b, err := base64.StdEncoding.DecodeString(value)
	if err != nil || len(b) == 0 {
		if b, err = base64.RawStdEncoding.DecodeString(value); err != nil {
			return nil
		}
	}
	if len(b) < 4 {
		return nil
	}
	n := int64(int32(binary.LittleEndian.Uint32(b)))
	b = b[4:]
	if n == -1 { // continuation marker, then the length
		if len(b) < 4 {
			return nil
		}
		n = int64(int32(binary.LittleEndian.Uint32(b)))
		b = b[4:]
	}
	if n < 4 { // end of stream or a bad length: arrow-go refuses it
		return nil
	}
	if n > int64(len(b)) {
		return parquetGuardf("ARROW:schema: message of %d bytes in %d", n, len(b))
	}
	fb := &flatWalk{b: b[:n], budget: 2 * n}
	msg, err := fb.root()
	if err != nil {
		return err
	}
	body, err := fb.int64At(msg, 3)
	if err != nil {
		return err
	}
	if body < 0 || body > int64(len(b))-n {
		return parquetGuardf("ARROW:schema: message body of %d bytes in %d", body, int64(len(b))-n)
	}
	if err := fb.keyValues(msg, 4); err != nil {
		return err
	}
	if kind, err := fb.uint8At(msg, 1); err != nil || kind != 1 { // not a Schema: arrow-go refuses it
		return err
	}
	schema, ok, err := fb.table(msg, 2)
	if err != nil || !ok {
		return err
	}
	if err := fb.fields(schema, 1, 0); err != nil {
		return err
	}
	if err := fb.keyValues(schema, 2); err != nil {
		return err
	}
	_, err = fb.vector(schema, 3, 8)
	return err
}

// flatWalk verifies the parts of an Arrow schema flatbuffer that arrow-go
// reads: every table, vector and string lies inside the buffer, offsets
// point forward (so no cycles), and, since tables may be shared, the
// vectors and strings reached — counted each time they are reached, as
// arrow-go copies them each time — add up to at most budget bytes.
type flatWalk struct {
	b      []byte
	budget int64
}

func (f *flatWalk) u32(at int64) (uint32, bool) {
	if at < 0 || at+4 > int64(len(f.b)) {
		return 0, false
	}
	return binary.LittleEndian.Uint32(f.b[at:]), true
}

func (f *flatWalk) bad(what string, at int64) error {
	return parquetGuardf("ARROW:schema: %s at byte %d lies outside the %d-byte flatbuffer", what, at, len(f.b))
}

// root returns the position of the root table.
func (f *flatWalk) root() (int64, error) {
	off, ok := f.u32(0)
	if !ok {
		return 0, f.bad("root", 0)
	}
	return f.check(int64(off))
}

// check validates the table at pos and its vtable.
func (f *flatWalk) check(pos int64) (int64, error) {
	so, ok := f.u32(pos)
	if !ok {
		return 0, f.bad("table", pos)
	}
	vt := pos - int64(int32(so))
	if vt < 0 || vt+4 > int64(len(f.b)) {
		return 0, f.bad("vtable", vt)
	}
	vsize := int64(binary.LittleEndian.Uint16(f.b[vt:]))
	tsize := int64(binary.LittleEndian.Uint16(f.b[vt+2:]))
	if vsize < 4 || vt+vsize > int64(len(f.b)) || pos+tsize > int64(len(f.b)) {
		return 0, f.bad("table", pos)
	}
	return pos, nil
}

// field returns the position of slot's value in the table at pos, or -1
// when absent; the value's size bytes must lie inside the table.
func (f *flatWalk) field(pos int64, slot int, size int64) (int64, error) {
	vt := pos - int64(int32(binary.LittleEndian.Uint32(f.b[pos:])))
	vsize := int64(binary.LittleEndian.Uint16(f.b[vt:]))
	tsize := int64(binary.LittleEndian.Uint16(f.b[vt+2:]))
	e := 4 + 2*int64(slot)
	if e >= vsize { // as flatbuffers' Table.Offset
		return -1, nil
	}
	if vt+e+2 > int64(len(f.b)) {
		return 0, f.bad("vtable", vt)
	}
	off := int64(binary.LittleEndian.Uint16(f.b[vt+e:]))
	if off == 0 {
		return -1, nil
	}
	if off+size > tsize {
		return 0, f.bad("field", pos+off)
	}
	return pos + off, nil
}

func (f *flatWalk) int64At(pos int64, slot int) (int64, error) {
	at, err := f.field(pos, slot, 8)
	if err != nil || at < 0 {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(f.b[at:])), nil
}

func (f *flatWalk) uint8At(pos int64, slot int) (byte, error) {
	at, err := f.field(pos, slot, 1)
	if err != nil || at < 0 {
		return 0, err
	}
	return f.b[at], nil
}

// indirect follows the offset stored at at.
func (f *flatWalk) indirect(at int64) (int64, error) {
	off, ok := f.u32(at)
	if !ok {
		return 0, f.bad("offset", at)
	}
	return at + int64(off), nil
}

// table returns the table referenced by slot of the table at pos.
func (f *flatWalk) table(pos int64, slot int) (int64, bool, error) {
	at, err := f.field(pos, slot, 4)
	if err != nil || at < 0 {
		return 0, false, err
	}
	t, err := f.indirect(at)
	if err != nil {
		return 0, false, err
	}
	t, err = f.check(t)
	return t, err == nil, err
}

// vector returns the length of the vector (or string) of elem-byte
// elements referenced by slot, charging it to the budget, and the
// position of its first element.
func (f *flatWalk) vector(pos int64, slot int, elem int64) (int64, error) {
	n, _, err := f.vectorAt(pos, slot, elem)
	return n, err
}

func (f *flatWalk) vectorAt(pos int64, slot int, elem int64) (n, first int64, err error) {
	at, err := f.field(pos, slot, 4)
	if err != nil || at < 0 {
		return 0, 0, err
	}
	v, err := f.indirect(at)
	if err != nil {
		return 0, 0, err
	}
	l, ok := f.u32(v)
	if !ok || v+4+int64(l)*elem > int64(len(f.b)) {
		return 0, 0, f.bad(fmt.Sprintf("vector of %d elements", l), v)
	}
	if f.budget -= int64(l)*elem + 4; f.budget < 0 {
		return 0, 0, parquetGuardf("ARROW:schema: shared tables expand beyond twice the flatbuffer's %d bytes", len(f.b))
	}
	return int64(l), v + 4, nil
}

// tables calls visit for each table of the vector of tables at slot.
func (f *flatWalk) tables(pos int64, slot int, visit func(t int64) error) error {
	n, first, err := f.vectorAt(pos, slot, 4)
	if err != nil {
		return err
	}
	for i := range n {
		t, err := f.indirect(first + 4*i)
		if err != nil {
			return err
		}
		if t, err = f.check(t); err != nil {
			return err
		}
		if err := visit(t); err != nil {
			return err
		}
	}
	return nil
}

// keyValues checks a vector of KeyValue tables (key, value strings).
func (f *flatWalk) keyValues(pos int64, slot int) error {
	return f.tables(pos, slot, func(kv int64) error {
		if _, err := f.vector(kv, 0, 1); err != nil {
			return err
		}
		_, err := f.vector(kv, 1, 1)
		return err
	})
}

// fields checks a vector of Field tables, recursively.
func (f *flatWalk) fields(pos int64, slot, depth int) error {
	if depth > maxParquetNesting {
		return parquetGuardf("ARROW:schema: fields nested deeper than %d", maxParquetNesting)
	}
	return f.tables(pos, slot, func(fl int64) error {
		if _, err := f.vector(fl, 0, 1); err != nil { // name
			return err
		}
		typ, ok, err := f.table(fl, 3)
		if err != nil {
			return err
		}
		kind, err := f.uint8At(fl, 2)
		if err != nil {
			return err
		}
		if ok {
			switch kind {
			case 10: // Timestamp: timezone
				_, err = f.vector(typ, 1, 1)
			case 14: // Union: type ids
				_, err = f.vector(typ, 1, 4)
			}
			if err != nil {
				return err
			}
		}
		if dict, ok, err := f.table(fl, 4); err != nil {
			return err
		} else if ok {
			if _, _, err := f.table(dict, 1); err != nil { // index type
				return err
			}
		}
		if err := f.fields(fl, 5, depth+1); err != nil {
			return err
		}
		return f.keyValues(fl, 6)
	})
}

// checkParquetChunks checks every column chunk of pf against the file's
// size bytes — arrow-go reads a chunk into one buffer of its declared
// length — and each row group's chunks against maxRowGroup bytes, which
// the reader holds at once.
func checkParquetChunks(pf *file.Reader, size, maxRowGroup int64) error {
	md := pf.MetaData()
	for g := range md.NumRowGroups() {
		rg := md.RowGroup(g)
		var total int64
		for c := range rg.NumColumns() {
			col, err := rg.ColumnChunk(c)
			if err != nil {
				return err
			}
			if col.CryptoMetadata() != nil {
				continue // encrypted: arrow-go fails without keys
			}
			start := col.DataPageOffset()
			if col.HasDictionaryPage() && col.DictionaryPageOffset() > 0 && start > col.DictionaryPageOffset() {
				start = col.DictionaryPageOffset()
			}
			n := col.TotalCompressedSize()
			if start < 0 || n < 0 || n > size || start > size-n {
				return parquetGuardf("row group %d, column %d: chunk of %d bytes at offset %d lies outside the %d-byte file", g, c, n, start, size)
			}
			if total += n; total > maxRowGroup {
				return parquetGuardf("row group %d holds more than %d bytes of column chunks (ParquetOptions.MaxRowGroupBytes)", g, maxRowGroup)
			}
		}
	}
	return nil
}

// checkParquetMeta checks the footer entries arrow-go decodes further.
func checkParquetMeta(pf *file.Reader) error {
	kv := pf.MetaData().KeyValueMetadata()
	if v := kv.FindValue("ARROW:schema"); v != nil {
		return checkArrowSchema(*v)
	}
	return nil
}
