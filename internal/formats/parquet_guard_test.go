package formats

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// parquetFile writes rows of the test schema (nested columns included) as
// an uncompressed Parquet file; pqarrow stores the ARROW:schema entry.
func parquetFile(t testing.TB) []byte {
	t.Helper()
	cols := slicesWithout(slicesWithout(slicesWithout(testColumns, "price"), "day"), "bin")
	s, recs := sourceRecords(t, cols, 40, 100)
	defer recs[0].Release()
	var buf bytes.Buffer
	w, err := NewWriter(Parquet, &buf, s, Options{Parquet: ParquetOptions{Compression: "UNCOMPRESSED"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(recs[0]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tval is a decoded thrift compact value, enough to edit a footer: the
// guard tests rewrite fields of FileMetaData and re-encode it.
type tval struct {
	typ    byte
	i      int64    // integers (zigzag undone), byte, list bool
	bin    []byte   // binary, double, uuid
	elem   byte     // list element type; map key<<4 | value
	items  []*tval  // list elements; map keys and values alternating
	fields []tfield // struct
	raw    []byte   // when set, encoded as is after the field header
}

type tfield struct {
	id int16
	v  *tval
}

func (v *tval) field(id int16) *tval {
	for _, f := range v.fields {
		if f.id == id {
			return f.v
		}
	}
	return nil
}

func (v *tval) set(id int16, nv *tval) {
	for i, f := range v.fields {
		if f.id == id {
			v.fields[i].v = nv
			return
		}
	}
	v.fields = append(v.fields, tfield{id, nv})
}

func tdecode(w *thriftWalk, typ byte, inList bool) (*tval, error) {
	v := &tval{typ: typ}
	switch typ {
	case tcTrue, tcFalse:
		if inList {
			b, err := w.byte1()
			v.i = int64(b)
			return v, err
		}
	case tcByte:
		b, err := w.byte1()
		v.i = int64(b)
		return v, err
	case tcI16, tcI32, tcI64:
		u, err := w.uvarint()
		v.i = int64(u>>1) ^ -int64(u&1)
		return v, err
	case tcDouble, tcUUID, tcBinary:
		n := uint64(8)
		if typ == tcUUID {
			n = 16
		}
		if typ == tcBinary {
			var err error
			if n, err = w.uvarint(); err != nil {
				return nil, err
			}
		}
		start := w.pos
		if err := w.skipN(n); err != nil {
			return nil, err
		}
		v.bin = bytes.Clone(w.b[start:w.pos])
	case tcList, tcSet:
		h, err := w.byte1()
		if err != nil {
			return nil, err
		}
		n := uint64(h >> 4)
		if n == 15 {
			if n, err = w.uvarint(); err != nil {
				return nil, err
			}
		}
		v.elem = h & 0x0f
		for range n {
			e, err := tdecode(w, v.elem, true)
			if err != nil {
				return nil, err
			}
			v.items = append(v.items, e)
		}
	case tcMap:
		n, err := w.uvarint()
		if err != nil || n == 0 {
			return v, err
		}
		if v.elem, err = w.byte1(); err != nil {
			return nil, err
		}
		for range n {
			for _, t := range []byte{v.elem >> 4, v.elem & 0x0f} {
				e, err := tdecode(w, t, true)
				if err != nil {
					return nil, err
				}
				v.items = append(v.items, e)
			}
		}
	case tcStruct:
		var id int16
		for {
			h, err := w.byte1()
			if err != nil {
				return nil, err
			}
			if h&0x0f == tcStop {
				return v, nil
			}
			if d := h >> 4; d != 0 {
				id += int16(d)
			} else {
				u, err := w.uvarint()
				if err != nil {
					return nil, err
				}
				id = int16(int64(u>>1) ^ -int64(u&1))
			}
			f, err := tdecode(w, h&0x0f, false)
			if err != nil {
				return nil, err
			}
			if h&0x0f == tcTrue || h&0x0f == tcFalse {
				f.i = int64(2 - h&0x0f) // 1 true, 0 false
			}
			v.fields = append(v.fields, tfield{id, f})
		}
	default:
		return nil, errors.New("unknown type")
	}
	return v, nil
}

func zigzag(i int64) uint64 { return uint64(i<<1) ^ uint64(i>>63) }

func tencode(b []byte, v *tval, inList bool) []byte {
	if v.raw != nil {
		return append(b, v.raw...)
	}
	switch v.typ {
	case tcTrue, tcFalse:
		if inList {
			return append(b, byte(v.i))
		}
	case tcByte:
		return append(b, byte(v.i))
	case tcI16, tcI32, tcI64:
		return binary.AppendUvarint(b, zigzag(v.i))
	case tcDouble, tcUUID:
		return append(b, v.bin...)
	case tcBinary:
		return append(binary.AppendUvarint(b, uint64(len(v.bin))), v.bin...)
	case tcList, tcSet:
		if len(v.items) < 15 {
			b = append(b, byte(len(v.items))<<4|v.elem)
		} else {
			b = binary.AppendUvarint(append(b, 0xf0|v.elem), uint64(len(v.items)))
		}
		for _, e := range v.items {
			b = tencode(b, e, true)
		}
	case tcMap:
		b = binary.AppendUvarint(b, uint64(len(v.items)/2))
		if len(v.items) > 0 {
			b = append(b, v.elem)
		}
		for _, e := range v.items {
			b = tencode(b, e, true)
		}
	case tcStruct:
		var last int16
		for _, f := range v.fields {
			t := f.v.typ
			if t == tcTrue || t == tcFalse {
				t = tcTrue
				if f.v.i == 0 {
					t = tcFalse
				}
			}
			if d := f.id - last; d > 0 && d <= 15 {
				b = append(b, byte(d)<<4|t)
			} else {
				b = binary.AppendUvarint(append(b, t), zigzag(int64(f.id)))
			}
			last = f.id
			b = tencode(b, f.v, false)
		}
		b = append(b, tcStop)
	}
	return b
}

// withParquetFooter decodes the footer of a Parquet file, lets edit change
// it and returns the file with the re-encoded footer.
func withParquetFooter(t *testing.T, data []byte, edit func(fm *tval)) []byte {
	t.Helper()
	n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	start := len(data) - 8 - n
	fm, err := tdecode(&thriftWalk{b: data[start : len(data)-8]}, tcStruct, false)
	if err != nil {
		t.Fatal(err)
	}
	edit(fm)
	footer := tencode(nil, fm, false)
	out := append(bytes.Clone(data[:start]), footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	return append(out, "PAR1"...)
}

// firstChunk is the ColumnMetaData of row group 0, column 0.
func firstChunk(fm *tval) *tval {
	return fm.field(4).items[0].field(1).items[0].field(3)
}

// chunkOf is the ColumnMetaData of row group 0's column whose path starts
// with top.
func chunkOf(t *testing.T, fm *tval, top string) *tval {
	for _, cc := range fm.field(4).items[0].field(1).items {
		if cm := cc.field(3); string(cm.field(3).items[0].bin) == top {
			return cm
		}
	}
	t.Fatalf("no column %s", top)
	return nil
}

// schemaElement is the footer's schema element named name.
func schemaElement(t *testing.T, fm *tval, name string) *tval {
	for _, e := range fm.field(2).items {
		if string(e.field(4).bin) == name {
			return e
		}
	}
	t.Fatalf("no schema element %s", name)
	return nil
}

func ti64(i int64) *tval { return &tval{typ: tcI64, i: i} }

// arrowSchemaEntry returns the ARROW:schema value of a footer.
func arrowSchemaEntry(t *testing.T, fm *tval) *tval {
	t.Helper()
	for _, kv := range fm.field(5).items {
		if string(kv.field(1).bin) == "ARROW:schema" {
			return kv.field(2)
		}
	}
	t.Fatal("no ARROW:schema entry")
	return nil
}

// editArrowSchema rewrites the IPC message of the ARROW:schema entry.
func editArrowSchema(t *testing.T, data []byte, edit func(msg []byte) []byte) []byte {
	return withParquetFooter(t, data, func(fm *tval) {
		v := arrowSchemaEntry(t, fm)
		msg, err := base64.StdEncoding.DecodeString(string(v.bin))
		if err != nil {
			t.Fatal(err)
		}
		v.bin = []byte(base64.StdEncoding.EncodeToString(edit(msg)))
	})
}

// schemaFields locates the Schema table's fields vector in an IPC
// message (continuation marker and length, then the flatbuffer).
func schemaFields(t *testing.T, msg []byte) (vec int) {
	t.Helper()
	f := &flatWalk{b: msg[8:], budget: 1 << 30}
	root, err := f.root()
	if err != nil {
		t.Fatal(err)
	}
	schema, _, err := f.table(root, 2)
	if err != nil {
		t.Fatal(err)
	}
	_, first, err := f.vectorAt(schema, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	return 8 + int(first) - 4
}

// flatWriter lays out a flatbuffer front to back, so every offset points
// forward: tables get 8-byte slots, offsets are patched once their target
// is written.
type flatWriter struct{ b []byte }

// table writes a vtable and a table of slots 8-byte slots, of which only
// those listed in present are set in the vtable.
func (w *flatWriter) table(slots int, present ...int) (pos int, slot []int) {
	vt := len(w.b)
	w.b = binary.LittleEndian.AppendUint16(w.b, uint16(4+2*slots))
	w.b = binary.LittleEndian.AppendUint16(w.b, uint16(4+8*slots))
	for i := range slots {
		var off uint16
		if slices.Contains(present, i) {
			off = uint16(4 + 8*i)
		}
		w.b = binary.LittleEndian.AppendUint16(w.b, off)
	}
	pos = len(w.b)
	w.b = binary.LittleEndian.AppendUint32(w.b, uint32(pos-vt))
	for range slots {
		slot = append(slot, len(w.b))
		w.b = append(w.b, make([]byte, 8)...)
	}
	return pos, slot
}

func (w *flatWriter) point(at, target int) {
	binary.LittleEndian.PutUint32(w.b[at:], uint32(target-at))
}

// vector writes a vector of n offsets and returns its element positions.
func (w *flatWriter) vector(n int) (pos int, elems []int) {
	pos = len(w.b)
	w.b = binary.LittleEndian.AppendUint32(w.b, uint32(n))
	for range n {
		elems = append(elems, len(w.b))
		w.b = append(w.b, 0, 0, 0, 0)
	}
	return pos, elems
}

// ipc frames a flatbuffer as an IPC message without body.
func ipc(fb []byte) []byte {
	out := binary.LittleEndian.AppendUint32(nil, 0xffffffff)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(fb)))
	return append(out, fb...)
}

// sharedChildrenSchema is a schema message whose field tree is a chain of
// depth tables, each listing the next one twice as its children: 2^depth
// leaves in a few hundred bytes.
func sharedChildrenSchema(depth int) []byte {
	w := &flatWriter{b: make([]byte, 4)}
	msg, ms := w.table(5, 1, 2)
	w.point(0, msg)
	w.b[ms[1]] = 1 // header: Schema
	schema, ss := w.table(4, 1)
	w.point(ms[2], schema)
	vec, elems := w.vector(1)
	w.point(ss[1], vec)
	var typeSlots []int
	for d := 0; d <= depth; d++ {
		present := []int{2, 3, 5}
		if d == depth {
			present = present[:2]
		}
		f, fs := w.table(7, present...)
		for _, e := range elems {
			w.point(e, f)
		}
		typeSlots = append(typeSlots, fs[3])
		if d == depth {
			w.b[fs[2]] = 1 // Null
			break
		}
		w.b[fs[2]] = 13 // Struct_
		vec, elems = w.vector(2)
		w.point(fs[5], vec)
	}
	empty, _ := w.table(0)
	for _, s := range typeSlots {
		w.point(s, empty)
	}
	return ipc(w.b)
}

// TestParquetGuard: files whose declared sizes would make arrow-go
// allocate far beyond the file are refused with an error, before the
// allocation. Without the guard (figures under ulimit -v 8000000):
// "chunk of 16 GiB" and "ARROW:schema with 2^31-1 fields" are fatal
// out-of-memory errors (16 and 176 GiB asked), "children shared 2^40
// times" one after 6 GiB, "footer list" allocates 763 MiB, "message of
// 1 GiB" 1 GiB and "legacy framing" 771 MiB before failing, a schema 10^6 deep overflows the stack
// (fatal), and the struct field cases panic on a goroutine of arrow-go's,
// where no recover reaches (fatal too). "chunk at 1 TiB" only fails
// later, "row group over the cap" reads.
func TestParquetGuard(t *testing.T) {
	good := parquetFile(t)
	if err := drain(good, "g.parquet", Options{}); err != nil {
		t.Fatalf("valid file: %v", err)
	}
	chunk := func(edit func(cm *tval)) []byte {
		return withParquetFooter(t, good, func(fm *tval) { edit(firstChunk(fm)) })
	}
	deep := withParquetFooter(t, good, func(fm *tval) {
		schema := fm.field(2)
		root, leaf := schema.items[0], schema.items[1]
		root.set(5, &tval{typ: tcI32, i: 1})
		items := []*tval{root}
		for i := range maxParquetNesting + 1 {
			items = append(items, &tval{typ: tcStruct, fields: []tfield{
				{3, &tval{typ: tcI32, i: 1}}, {4, &tval{typ: tcBinary, bin: []byte("g" + string(rune('a'+i%26)))}}, {5, &tval{typ: tcI32, i: 1}}}})
		}
		schema.items = append(items, leaf)
	})
	hugeList := withParquetFooter(t, good, func(fm *tval) {
		// key_value_metadata: 10^8 KeyValue structs (thrift's own cap is
		// 100 MB of elements: an 800 MB slice) and then none.
		fm.set(5, &tval{typ: tcList, raw: binary.AppendUvarint([]byte{0xf0 | tcStruct}, 1e8)})
	})
	footerLen := bytes.Clone(good)
	binary.LittleEndian.PutUint32(footerLen[len(footerLen)-8:], 1<<30)
	for _, c := range []struct {
		name string
		data []byte
		opts Options
		want string
	}{
		{"chunk of 16 GiB", chunk(func(cm *tval) { cm.set(7, ti64(16<<30)) }), Options{}, "chunk of 17179869184 bytes"},
		{"chunk of -1 bytes", chunk(func(cm *tval) { cm.set(7, ti64(-1)) }), Options{}, "lies outside"},
		{"chunk at 1 TiB", chunk(func(cm *tval) { cm.set(9, ti64(1<<40)) }), Options{}, "at offset 1099511627776"},
		{"row group over the cap", good, Options{Parquet: ParquetOptions{MaxRowGroupBytes: 100}}, "MaxRowGroupBytes"},
		{"footer length 1 GiB", footerLen, Options{}, "footer of 1073741824 bytes"},
		{"footer list of 10^8 structs", hugeList, Options{}, "container of 100000000 elements"},
		{"schema nested too deep", deep, Options{}, "schema nested deeper than"},
		{"struct field of physical type 9", withParquetFooter(t, good, func(fm *tval) {
			// The UNKNOWN logical type fits any physical type.
			a := schemaElement(t, fm, "a")
			a.set(1, &tval{typ: tcI32, i: 9})
			a.set(10, &tval{typ: tcStruct, fields: []tfield{{11, &tval{typ: tcStruct}}}})
		}), Options{}, "physical type 9"},
		{"struct field chunk of -1 bytes", withParquetFooter(t, good, func(fm *tval) {
			chunkOf(t, fm, "attrs").set(7, ti64(-1))
		}), Options{}, "chunk of -1 bytes"},
		{"ARROW:schema with 2^31-1 fields", editArrowSchema(t, good, func(msg []byte) []byte {
			binary.LittleEndian.PutUint32(msg[schemaFields(t, msg):], 1<<31-1)
			return msg
		}), Options{}, "vector of 2147483647 elements"},
		{"ARROW:schema message of 1 GiB", editArrowSchema(t, good, func(msg []byte) []byte {
			binary.LittleEndian.PutUint32(msg[4:], 1<<30)
			return msg
		}), Options{}, "message of 1073741824 bytes"},
		{"ARROW:schema of legacy framing, 4 bytes", editArrowSchema(t, good, func([]byte) []byte {
			return []byte("0000") // no continuation marker: a length of 808464432
		}), Options{}, "message of 808464432 bytes"},
		{"ARROW:schema children shared 2^40 times", editArrowSchema(t, good, func([]byte) []byte {
			return sharedChildrenSchema(40)
		}), Options{}, "expand beyond"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := drain(c.data, "x.parquet", c.opts)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %d KiB: %v", alloc>>10, err)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if alloc > 16<<20 {
				t.Errorf("allocated %d MiB before refusing", alloc>>20)
			}
			if !errors.Is(err, errParquetGuard) {
				t.Fatalf("%v does not wrap errParquetGuard", err)
			}
		})
	}
	// Inference reads the footer only: chunk sizes do not matter to it,
	// the footer checks do.
	huge := chunk(func(cm *tval) { cm.set(7, ti64(16<<30)) })
	if _, err := Infer(bytes.NewReader(huge), int64(len(huge)), "x.parquet", Options{}); err != nil {
		t.Fatalf("infer: %v", err)
	}
	if _, err := Infer(bytes.NewReader(hugeList), int64(len(hugeList)), "x.parquet", Options{}); !errors.Is(err, errParquetGuard) {
		t.Fatalf("infer: %v", err)
	}
}

// TestParquetGuardKeepsValidFiles: the footer codec of the tests and the
// guard agree with arrow-go on every parquet-testing file: decoding and
// re-encoding a footer changes nothing, and the guard accepts every file
// arrow-go reads (TestParquetTestingData reads them all).
func TestParquetGuardKeepsValidFiles(t *testing.T) {
	dir := filepath.Join(sharedData(t, "parquet-testing"), "data")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".parquet") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := checkParquetTail(bytes.NewReader(data), int64(len(data))); err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		if again := withParquetFooter(t, data, func(*tval) {}); !bytes.Equal(again, data) {
			t.Errorf("%s: footer re-encodes differently", e.Name())
		}
	}
}

// FuzzParquetFooter: any footer spliced onto a valid file's row groups
// ends in rows or an error, with row groups (and so pages) capped at
// 16 MiB, allocating at most 128 MiB.
func FuzzParquetFooter(f *testing.F) {
	good := parquetFile(f)
	n := int(binary.LittleEndian.Uint32(good[len(good)-8:]))
	head, footer := good[:len(good)-8-n], good[len(good)-8-n:len(good)-8]
	f.Add(footer)
	if fm, err := tdecode(&thriftWalk{b: footer}, tcStruct, false); err == nil {
		fm.set(5, &tval{typ: tcList, elem: tcStruct}) // no ARROW:schema
		f.Add(tencode(nil, fm, false))
	}
	f.Fuzz(func(t *testing.T, footer []byte) {
		data := append(bytes.Clone(head), footer...)
		data = binary.LittleEndian.AppendUint32(data, uint32(len(footer)))
		data = append(data, "PAR1"...)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		drain(data, "f.parquet", Options{Format: Parquet, BatchSize: 8, Parquet: ParquetOptions{MaxRowGroupBytes: 16 << 20}})
		Infer(bytes.NewReader(data), int64(len(data)), "f.parquet", Options{Format: Parquet})
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 128<<20 {
			t.Fatalf("a %d-byte footer allocated %d bytes", len(footer), alloc)
		}
	})
}

// FuzzArrowSchema: an IPC schema message the guard accepts is decoded by
// arrow-go allocating at most a small multiple of its size (panics on
// out-of-range offsets are expected: the reader recovers them).
func FuzzArrowSchema(f *testing.F) {
	good := parquetFile(f)
	if fm, err := tdecode(&thriftWalk{b: good[len(good)-8-int(binary.LittleEndian.Uint32(good[len(good)-8:])) : len(good)-8]}, tcStruct, false); err == nil {
		for _, kv := range fm.field(5).items {
			if string(kv.field(1).bin) == "ARROW:schema" {
				if msg, err := base64.StdEncoding.DecodeString(string(kv.field(2).bin)); err == nil {
					f.Add(msg)
				}
			}
		}
	}
	f.Add(sharedChildrenSchema(3))
	f.Fuzz(func(t *testing.T, msg []byte) {
		if checkArrowSchema(base64.StdEncoding.EncodeToString(msg)) != nil {
			return
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		func() {
			defer func() { recover() }()
			flight.DeserializeSchema(msg, memory.DefaultAllocator)
		}()
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20+uint64(len(msg))<<10 {
			t.Fatalf("decoding a %d-byte message allocated %d bytes", len(msg), alloc)
		}
	})
}
