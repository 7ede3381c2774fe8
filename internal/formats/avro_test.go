package formats

import (
	"bytes"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/hamba/avro/v2/ocf"
)

// TestAvroForeignSchema reads a container written directly with hamba/avro
// using schema features tarn's writer never emits: enums, fixed, named
// records in unions, timestamp-millis in a union, fixed decimals, maps of
// records and nested arrays.
func TestAvroForeignSchema(t *testing.T) {
	schema := `{"type":"record","name":"ev","namespace":"x.y","fields":[
	 {"name":"id","type":"long"},
	 {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"]}},
	 {"name":"h","type":{"type":"fixed","name":"H","size":2}},
	 {"name":"at","type":["null",{"type":"long","logicalType":"timestamp-millis"}]},
	 {"name":"amt","type":{"type":"fixed","name":"D","size":8,"logicalType":"decimal","precision":12,"scale":2}},
	 {"name":"who","type":["null",{"type":"record","name":"P","fields":[{"name":"n","type":"string"},{"name":"tags","type":{"type":"array","items":{"type":"array","items":"int"}}}]}]},
	 {"name":"m","type":{"type":"map","values":"P"}}
	]}`
	var buf bytes.Buffer
	enc, err := ocf.NewEncoder(schema, &buf, ocf.WithCodec(ocf.Deflate))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	p := map[string]any{"n": "ann", "tags": []any{[]any{1, 2}, []any{}}}
	rows := []map[string]any{
		{"id": int64(1), "kind": "A", "h": [2]byte{1, 2}, "at": map[string]any{"long.timestamp-millis": at},
			"amt": big.NewRat(12345, 100), "who": map[string]any{"x.y.P": p}, "m": map[string]any{"k": p}},
		{"id": int64(2), "kind": "B", "h": [2]byte{3, 4}, "at": nil, "amt": big.NewRat(-1, 100), "who": nil, "m": map[string]any{}},
	}
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	enc.Close()
	inf, err := Infer(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "ev.avro", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "id:bigint kind:string h:binary at:timestamp amt:decimal(12,2) who:struct<n:string,tags:array<array<int>>> m:map<string,struct<n:string,tags:array<array<int>>>>"
	if got := colString(inf.Columns); got != want {
		t.Fatalf("columns\n got %s\nwant %s", got, want)
	}
	r, err := Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "ev.avro", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := readAll(t, r)
	w0 := `1|A|AQI=|2024-05-06 07:08:09|123.45|{"n":"ann","tags":[[1,2],[]]}|{"k":{"n":"ann","tags":[[1,2],[]]}}`
	w1 := `2|B|AwQ=|NULL|-0.01|NULL|{}`
	if g := strings.Join(got[0], "|"); g != w0 {
		t.Errorf("row 0\n got %s\nwant %s", g, w0)
	}
	if g := strings.Join(got[1], "|"); g != w1 {
		t.Errorf("row 1\n got %s\nwant %s", g, w1)
	}
}
