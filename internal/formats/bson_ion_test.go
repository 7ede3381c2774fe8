package formats

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func bsonDocs(t testing.TB, docs ...bson.D) []byte {
	var out []byte
	for _, d := range docs {
		b, err := bson.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b...)
	}
	return out
}

func sampleBSON(t testing.TB) []byte {
	id, _ := bson.ObjectIDFromHex("65a1b2c3d4e5f60718293a4b")
	dec, _ := bson.ParseDecimal128("12.50")
	return bsonDocs(t,
		bson.D{{Key: "_id", Value: id}, {Key: "n", Value: int32(1)}, {Key: "big", Value: int64(1) << 40},
			{Key: "price", Value: dec}, {Key: "at", Value: bson.DateTime(1704164645000)},
			{Key: "tags", Value: bson.A{"a", "b"}}, {Key: "addr", Value: bson.D{{Key: "city", Value: "Oslo"}}},
			{Key: "ok", Value: true}, {Key: "bin", Value: bson.Binary{Data: []byte{1, 2}}}, {Key: "none", Value: nil}},
		bson.D{{Key: "_id", Value: id}, {Key: "n", Value: 2.5}, {Key: "addr", Value: bson.D{{Key: "zip", Value: int32(150)}}}},
	)
}

func TestBSON(t *testing.T) {
	data := sampleBSON(t)
	t.Logf("sample: %s", hex.EncodeToString(data))
	inf, err := Infer(bytes.NewReader(data), int64(len(data)), "dump.bson", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "_id:string n:double big:bigint price:double at:timestamp tags:array<string> addr:struct<city:string,zip:bigint> ok:boolean bin:binary none:string"
	if got := colString(inf.Columns); got != want || inf.Format != BSON || inf.RecordCount != 2 {
		t.Fatalf("%s %d\n got %s\nwant %s", inf.Format, inf.RecordCount, got, want)
	}
	r, err := Open(bytes.NewReader(data), int64(len(data)), "dump.bson", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows := readAll(t, r)
	if len(rows) != 2 || rows[0][0] != "65a1b2c3d4e5f60718293a4b" || rows[0][3] != "12.5" || rows[1][1] != "2.5" ||
		!strings.HasPrefix(rows[0][4], "2024-01-02") {
		t.Fatalf("%q", rows)
	}
	if !LooksLikeBSON(data) || LooksLikeBSON([]byte("a,b\n1,2\n")) || LooksLikeBSON(data[:4]) {
		t.Fatal("LooksLikeBSON")
	}
}

func TestBSONHostile(t *testing.T) {
	// Deep nesting: each level is a document holding one more.
	inner := []byte{5, 0, 0, 0, 0}
	for range 300 {
		doc := append([]byte{0, 0, 0, 0, 0x03, 'a', 0}, inner...)
		doc = append(doc, 0)
		doc[0], doc[1], doc[2] = byte(len(doc)), byte(len(doc)>>8), byte(len(doc)>>16)
		inner = doc
	}
	err := drain(inner, "x.bson", Options{})
	if err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Fatalf("deep: %v", err)
	}
	// A length prefix beyond the limit is refused before any allocation.
	huge := []byte{0xff, 0xff, 0xff, 0x7f, 0x02, 'a', 0}
	if err := drain(huge, "x.bson", Options{}); err == nil || !strings.Contains(err.Error(), "maximum record size") {
		t.Fatalf("huge: %v", err)
	}
	// Truncated and inconsistent documents are errors.
	data := sampleBSON(t)
	for _, bad := range [][]byte{data[:len(data)-3], append(bytes.Clone(data[:20]), 0xff)} {
		if err := drain(bad, "x.bson", Options{}); err == nil {
			t.Errorf("%x: no error", bad)
		}
	}
}

func TestIonFormat(t *testing.T) {
	text := "{id: 1, name: \"ann\", price: 12.50, at: 2024-01-02T03:04:05Z, tags: [a, b], addr: {city: \"Oslo\"}}\n" +
		"{id: 2, price: 3d0, extra: {{ aGk= }}}\n"
	inf, err := Infer(strings.NewReader(text), int64(len(text)), "a.ion", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "id:bigint name:string price:double at:timestamp tags:array<string> addr:struct<city:string> extra:binary"
	if got := colString(inf.Columns); got != want || inf.Format != Ion || inf.RecordCount != 2 {
		t.Fatalf("%s %d: %s", inf.Format, inf.RecordCount, got)
	}
	r, err := Open(strings.NewReader(text), int64(len(text)), "a.ion", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows := readAll(t, r)
	if len(rows) != 2 || rows[0][2] != "12.5" || rows[1][2] != "3" || rows[1][6] == "" {
		t.Fatalf("%q", rows)
	}
	if err := drain([]byte("[1, 2]"), "a.ion", Options{}); err == nil || !strings.Contains(err.Error(), "not a struct") {
		t.Fatalf("scalar record: %v", err)
	}
}

// FuzzBSON: hostile BSON never panics, and what is inferred reads back.
func FuzzBSON(f *testing.F) {
	f.Add(sampleBSON(f))
	f.Add([]byte{5, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		LooksLikeBSON(data)
		o := Options{Format: BSON, SampleRows: 20, MaxRecordBytes: 1 << 16, BatchSize: 3}
		inf, err := Infer(bytes.NewReader(data), int64(len(data)), "f.bson", o)
		if err != nil {
			return
		}
		o.Schema = inf.Schema
		if err := drain(data, "f.bson", o); err != nil && !strings.Contains(err.Error(), "record") {
			t.Fatalf("read with inferred schema %s: %v", inf.Schema, err)
		}
	})
}

// FuzzIonFormat: Ion records through inference and the reader.
func FuzzIonFormat(f *testing.F) {
	f.Add([]byte("{a: 1, b: [x, 2.5], c: {d: 2007T}}\n{a: 2d0}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		o := Options{Format: Ion, SampleRows: 20, MaxRecordBytes: 1 << 16, BatchSize: 3}
		inf, err := Infer(bytes.NewReader(data), int64(len(data)), "f.ion", o)
		if err != nil {
			return
		}
		o.Schema = inf.Schema
		if err := drain(data, "f.ion", o); err != nil && !strings.Contains(err.Error(), "record") {
			t.Fatalf("read with inferred schema %s: %v", inf.Schema, err)
		}
	})
}
