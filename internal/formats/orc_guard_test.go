package formats

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	gproto "github.com/golang/protobuf/proto"
	"github.com/scritchley/orc"
	"github.com/scritchley/orc/proto"
)

// orcFile writes rows of (id bigint, name string, tags array<string>) with
// the given compression.
func orcFile(t testing.TB, codec orc.CompressionCodec, rows int) []byte {
	t.Helper()
	td, err := orc.ParseSchema("struct<id:bigint,name:string,tags:array<string>>")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := orc.NewWriter(&buf, orc.SetSchema(td), orc.SetCompression(codec))
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		name := strings.Repeat("n", 1+i%7) + strconv.Itoa(i)
		tags := []any{}
		for k := range 1 + i%5 {
			tags = append(tags, strconv.Itoa(k))
		}
		if err := w.Write(int64(i), name, tags); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withPostScript replaces the postscript of an ORC file.
func withPostScript(t *testing.T, data []byte, edit func(*proto.PostScript)) []byte {
	t.Helper()
	psLen := int(data[len(data)-1])
	ps := &proto.PostScript{}
	if err := gproto.Unmarshal(data[len(data)-1-psLen:len(data)-1], ps); err != nil {
		t.Fatal(err)
	}
	edit(ps)
	b, err := gproto.Marshal(ps)
	if err != nil {
		t.Fatal(err)
	}
	out := append(bytes.Clone(data[:len(data)-1-psLen]), b...)
	return append(out, byte(len(b)))
}

// withFooter replaces the footer of an uncompressed ORC file.
func withFooter(t *testing.T, data []byte, edit func(*proto.Footer)) []byte {
	t.Helper()
	m, err := checkORCTail(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	edit(m.footer)
	b, err := gproto.Marshal(m.footer)
	if err != nil {
		t.Fatal(err)
	}
	psLen := int(data[len(data)-1])
	ps := &proto.PostScript{}
	if err := gproto.Unmarshal(data[len(data)-1-psLen:len(data)-1], ps); err != nil {
		t.Fatal(err)
	}
	head := data[:m.tailStart+int64(ps.GetMetadataLength())]
	ps.FooterLength = gproto.Uint64(uint64(len(b)))
	pb, err := gproto.Marshal(ps)
	if err != nil {
		t.Fatal(err)
	}
	out := append(append(bytes.Clone(head), b...), pb...)
	return append(out, byte(len(pb)))
}

// lengthStream locates the LENGTH stream of column col in stripe 0.
func lengthStream(t *testing.T, data []byte, col uint32) (off, n int64) {
	t.Helper()
	m, err := checkORCTail(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	st := m.footer.GetStripes()[0]
	raw := data[st.GetOffset()+st.GetIndexLength()+st.GetDataLength():][:st.GetFooterLength()]
	dec, err := m.decode(raw, maxORCMetaBytes, true)
	if err != nil {
		t.Fatal(err)
	}
	sf := &proto.StripeFooter{}
	if err := gproto.Unmarshal(dec, sf); err != nil {
		t.Fatal(err)
	}
	pos := int64(st.GetOffset())
	for _, s := range sf.GetStreams() {
		if s.GetColumn() == col && s.GetKind() == proto.Stream_LENGTH {
			if enc := sf.GetColumns()[col].GetKind(); enc != proto.ColumnEncoding_DIRECT_V2 && enc != proto.ColumnEncoding_DICTIONARY_V2 {
				t.Fatalf("column %d encoding %s", col, enc)
			}
			return pos, int64(s.GetLength())
		}
		pos += int64(s.GetLength())
	}
	t.Fatalf("no LENGTH stream for column %d", col)
	return 0, 0
}

// hugeLengths is an RLE v2 stream of exactly n bytes whose first values
// are 2^40: a SHORT_REPEAT run of width 8, then runs of zeros.
func hugeLengths(t *testing.T, n int64) []byte {
	if n < 9 {
		t.Fatalf("LENGTH stream of %d bytes is too short to rewrite", n)
	}
	out := []byte{7 << 3, 0, 0, 1, 0, 0, 0, 0, 0} // width 8, 3 × 2^40
	for rest := n - 9; rest > 0; {
		switch {
		case rest == 3 || rest%2 == 1:
			out = append(out, 1<<3, 0, 0) // width 2, 3 × 0
			rest -= 3
		default:
			out = append(out, 0, 0) // width 1, 3 × 0
			rest -= 2
		}
	}
	return out
}

// TestORCGuard: files whose declared sizes would make scritchley/orc
// allocate far beyond the file are refused with an error, before the
// allocation.
func TestORCGuard(t *testing.T) {
	good := orcFile(t, orc.CompressionNone{}, 40)
	if err := drain(good, "g.orc", Options{}); err != nil {
		t.Fatalf("valid file: %v", err)
	}
	zgood := orcFile(t, orc.CompressionZlib{}, 40)
	if err := drain(zgood, "z.orc", Options{}); err != nil {
		t.Fatalf("valid zlib file: %v", err)
	}
	nameOff, nameLen := lengthStream(t, good, 2)
	hostile := bytes.Clone(good)
	copy(hostile[nameOff:], hugeLengths(t, nameLen))
	tagsOff, tagsLen := lengthStream(t, good, 3)
	hostileList := bytes.Clone(good)
	copy(hostileList[tagsOff:], hugeLengths(t, tagsLen))
	for _, c := range []struct {
		name string
		data []byte
		opts Options
		want string
	}{
		{"footer length 1 TiB", withPostScript(t, good, func(ps *proto.PostScript) { ps.FooterLength = gproto.Uint64(1 << 40) }), Options{}, "footer of 1099511627776 bytes"},
		{"metadata past the file", withPostScript(t, good, func(ps *proto.PostScript) { ps.MetadataLength = gproto.Uint64(1 << 20) }), Options{}, "do not fit"},
		{"block size 1 GiB", withPostScript(t, zgood, func(ps *proto.PostScript) { ps.CompressionBlockSize = gproto.Uint64(1 << 30) }), Options{}, "compression block size"},
		{"string length 2^40", hostile, Options{}, "length 1099511627776 exceeds"},
		{"list length 2^40", hostileList, Options{}, "length 1099511627776 exceeds"},
		{"stripe over the cap", good, Options{ORC: ORCOptions{MaxStripeBytes: 100}}, "stripe decompresses to more than"},
		{"zlib stripe over the cap", zgood, Options{ORC: ORCOptions{MaxStripeBytes: 100}}, "stripe decompresses to more than"},
		{"too small", []byte("ORC"), Options{}, "too small"},
		{"stripe rows 2^50", withFooter(t, good, func(f *proto.Footer) { f.Stripes[0].NumberOfRows = gproto.Uint64(1 << 50) }), Options{}, "claims 1125899906842624 rows"},
		{"stripe past the file", withFooter(t, good, func(f *proto.Footer) { f.Stripes[0].DataLength = gproto.Uint64(1 << 30) }), Options{}, "lies outside"},
		{"type cycle", withFooter(t, good, func(f *proto.Footer) { f.Types[1].Subtypes = []uint32{0} }), Options{}, "invalid subtype"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := drain(c.data, "x.orc", c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, errORCGuard) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
	// Inference reads the footer only: the hostile data streams do not
	// matter, the footer checks do.
	if _, err := Infer(bytes.NewReader(hostile), int64(len(hostile)), "x.orc", Options{}); err != nil {
		t.Fatalf("infer: %v", err)
	}
}

// TestORCTypeTree: a footer whose types do not form a tree (a cycle made
// scritchley/orc recurse until the stack overflowed) is refused.
func TestORCTypeTree(t *testing.T) {
	for _, ts := range [][]*proto.Type{
		{{Subtypes: []uint32{0}}},
		{{Subtypes: []uint32{1, 1}}, {}},
		{{Subtypes: []uint32{2}}, {}, {}},
		{},
	} {
		if err := checkORCTypes(ts); err == nil {
			t.Errorf("%v: accepted", ts)
		}
	}
	deep := make([]*proto.Type, maxORCTypeDepth+2)
	for i := range deep {
		deep[i] = &proto.Type{}
		if i+1 < len(deep) {
			deep[i].Subtypes = []uint32{uint32(i + 1)}
		}
	}
	if err := checkORCTypes(deep); err == nil {
		t.Error("deep types accepted")
	}
}

// TestORCCorruptZlib flips bytes of a ZLIB-compressed file (the shared
// corruption test writes uncompressed ORC).
func TestORCCorruptZlib(t *testing.T) {
	orig := orcFile(t, orc.CompressionZlib{}, 200)
	rng := rand.New(rand.NewPCG(3, 4))
	rejected := 0
	for range corruptRounds {
		data := bytes.Clone(orig)
		for k := 0; k < 1+rng.IntN(4); k++ {
			data[rng.IntN(len(data))] = byte(rng.Uint32())
		}
		if err := drain(data, "x.orc", Options{BatchSize: 16}); err != nil {
			rejected++
		}
	}
	t.Logf("%d of %d corrupted files rejected", rejected, corruptRounds)
}

// FuzzORC: any bytes read as ORC end in rows or an error, with stripes
// capped at 16 MiB.
func FuzzORC(f *testing.F) {
	f.Add(orcFile(f, orc.CompressionNone{}, 20))
	f.Add(orcFile(f, orc.CompressionZlib{}, 20))
	f.Fuzz(func(t *testing.T, data []byte) {
		drain(data, "f.orc", Options{Format: ORC, BatchSize: 8, ORC: ORCOptions{MaxStripeBytes: 16 << 20}})
		Infer(bytes.NewReader(data), int64(len(data)), "f.orc", Options{Format: ORC})
	})
}
