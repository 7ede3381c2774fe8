package formats

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tarnhq/tarn/internal/formats/compress"
	"github.com/tarnhq/tarn/internal/formats/types"
)

// testColumns is the schema every format round-trips: scalars, decimal,
// date/timestamp, and nested array/struct/map columns.
var testColumns = []types.Column{
	{Name: "id", Type: types.TBigInt},
	{Name: "name", Type: types.TString},
	{Name: "price", Type: types.DecimalOf(10, 2)},
	{Name: "ok", Type: types.TBoolean},
	{Name: "score", Type: types.TDouble},
	{Name: "small", Type: types.TInt},
	{Name: "day", Type: types.TDate},
	{Name: "ts", Type: types.TTimestamp},
	{Name: "tags", Type: types.MustParse("array<string>")},
	{Name: "attrs", Type: types.MustParse("struct<a:int,b:array<string>>")},
	{Name: "m", Type: types.MustParse("map<string,int>")},
	{Name: "bin", Type: types.TBinary},
}

func testSchema(t testing.TB, cols []types.Column) *arrow.Schema {
	t.Helper()
	s, err := types.ToArrowSchema(cols)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testRows is JSON for the rows; nulls and empty nested values included.
func testRows(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		switch {
		case i%7 == 3:
			fmt.Fprintf(&b, `{"id":%d,"name":null,"price":null,"ok":null,"score":null,"small":null,"day":null,"ts":null,"tags":null,"attrs":null,"m":null,"bin":null}`+"\n", i)
		default:
			fmt.Fprintf(&b, `{"id":%d,"name":"n\"%d, x","price":"%d.%02d","ok":%v,"score":%d.5,"small":%d,"day":"2024-01-%02d","ts":"2024-02-03 04:05:%02d.123456","tags":["a","b%d"],"attrs":{"a":%d,"b":["x","y"]},"m":{"k":%d},"bin":"%s"}`+"\n",
				i, i, i*3, i%100, i%2 == 0, i, -i, i%28+1, i%60, i, i, i, base64.StdEncoding.EncodeToString([]byte{byte(i), 0, 255}))
		}
	}
	return b.String()
}

func readAll(t testing.TB, r Reader) [][]string {
	t.Helper()
	var out [][]string
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, recordText(t, rec)...)
		rec.Release()
	}
	return out
}

func recordText(t testing.TB, rec arrow.Record) [][]string {
	var out [][]string
	for i := 0; i < int(rec.NumRows()); i++ {
		row := make([]string, rec.NumCols())
		for c := range row {
			v, err := valueAt(rec.Column(c), i)
			if err != nil {
				t.Fatal(err)
			}
			if v == nil {
				row[c] = "NULL"
			} else {
				row[c] = textValue(v)
			}
		}
		out = append(out, row)
	}
	return out
}

func sourceRecords(t testing.TB, cols []types.Column, n, batch int) (*arrow.Schema, []arrow.Record) {
	s := testSchema(t, cols)
	r, err := Open(strings.NewReader(testRows(n)), -1, "rows.json", Options{Schema: s, BatchSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var recs []arrow.Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	return s, recs
}

func TestRoundTripEveryFormat(t *testing.T) {
	noDecimal := slicesWithout(slicesWithout(slicesWithout(testColumns, "price"), "day"), "bin")
	cases := []struct {
		format Format
		opts   Options
		cols   []types.Column
	}{
		{CSV, Options{}, testColumns},
		{CSV, Options{CSV: CSVOptions{Delimiter: '|'}, Compression: compress.Gzip}, testColumns},
		{TSV, Options{}, testColumns},
		{JSON, Options{}, testColumns},
		{JSON, Options{Compression: compress.Zstd}, testColumns},
		{Parquet, Options{Parquet: ParquetOptions{Compression: "SNAPPY"}}, testColumns},
		{Parquet, Options{Parquet: ParquetOptions{Compression: "GZIP"}}, testColumns},
		{Parquet, Options{Parquet: ParquetOptions{Compression: "ZSTD"}}, testColumns},
		{Parquet, Options{Parquet: ParquetOptions{Compression: "UNCOMPRESSED"}}, testColumns},
		{Avro, Options{Avro: AvroOptions{Codec: "deflate"}}, testColumns},
		{Avro, Options{Avro: AvroOptions{Codec: "snappy"}}, testColumns},
		{Avro, Options{}, testColumns},
		// scritchley/orc cannot write decimals or null dates: the ORC cases drop
		// those columns (TestORCWriterLimits checks the errors).
		{ORC, Options{ORC: ORCOptions{Compression: "ZLIB"}}, noDecimal},
		{ORC, Options{}, noDecimal},
	}
	for _, tc := range cases {
		var parts []string
		for _, p := range []string{string(tc.format), string(tc.opts.Compression), tc.opts.Parquet.Compression,
			tc.opts.Avro.Codec, tc.opts.ORC.Compression} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		name := strings.Join(parts, "/")
		if tc.opts.CSV.Delimiter != 0 {
			name += fmt.Sprintf("delim=%q", tc.opts.CSV.Delimiter)
		}
		t.Run(name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			s, recs := sourceRecords(t, tc.cols, 50, 16)
			var want [][]string
			for _, r := range recs {
				want = append(want, recordText(t, r)...)
			}
			var buf bytes.Buffer
			opts := tc.opts
			opts.Alloc = mem
			w, err := NewWriter(tc.format, &buf, s, opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				if err := w.Write(r); err != nil {
					t.Fatal(err)
				}
				r.Release()
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			ropts := Options{BatchSize: 7, Alloc: mem, CSV: tc.opts.CSV}
			if tc.format == CSV || tc.format == TSV || tc.format == JSON {
				ropts.Schema = s // text formats carry no types
			}
			name := "out." + string(tc.format) + compress.Ext(tc.opts.Compression)
			r, err := Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), name, ropts)
			if err != nil {
				t.Fatal(err)
			}
			got := readAll(t, r)
			r.Close()
			if len(got) != len(want) {
				t.Fatalf("got %d rows, want %d", len(got), len(want))
			}
			for i := range want {
				if (tc.format == CSV || tc.format == TSV) && want[i][1] == "NULL" {
					want[i][1] = "" // CSV cannot tell a null string from an empty one
				}
				if tc.format == ORC && want[i][7] == "NULL" {
					// scritchley/orc writes a null struct as a struct of nulls.
					want[i][7] = `{"a":null,"b":null}`
				}

				if strings.Join(got[i], "\x00") != strings.Join(want[i], "\x00") {
					t.Fatalf("row %d:\n got %q\nwant %q", i, got[i], want[i])
				}
			}
			// Schema survives (Glue view).
			gc, err := types.FromArrowSchema(r.Schema())
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range tc.cols {
				wantT := c.Type.String()
				if tc.format == Avro {
					wantT = strings.ReplaceAll(wantT, "map<string,int>", "map<string,int>")
				}
				if gc[i].Type.String() != wantT {
					t.Errorf("column %s type %s, want %s", c.Name, gc[i].Type, wantT)
				}
			}
		})
	}
}

func TestAvroOddNames(t *testing.T) {
	cols := []types.Column{{Name: "a b", Type: types.TBigInt}, {Name: "s", Type: types.MustParse("struct<`x-y`:string>")}}
	s := testSchema(t, cols)
	data := `{"a b":1,"s":{"x-y":"q"}}`
	r, err := Open(strings.NewReader(data), -1, "x.json", Options{Schema: s})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer rec.Release()
	var buf bytes.Buffer
	w, err := NewWriter(Avro, &buf, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(rec)
	w.Close()
	r2, err := Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "x.avro", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	got := readAll(t, r2)
	if r2.Schema().Field(0).Name != "a b" || len(got) != 1 || got[0][0] != "1" || got[0][1] != `{"x-y":"q"}` {
		t.Fatalf("%s %q", r2.Schema(), got)
	}
}

func slicesWithout(cols []types.Column, name string) []types.Column {
	var out []types.Column
	for _, c := range cols {
		if c.Name != name {
			out = append(out, c)
		}
	}
	return out
}

func TestORCWriterLimits(t *testing.T) {
	_, err := NewWriter(ORC, io.Discard, testSchema(t, testColumns), Options{})
	if err == nil || !strings.Contains(err.Error(), "decimal") {
		t.Fatalf("got %v", err)
	}
	cols := []types.Column{{Name: "day", Type: types.TDate}}
	s, recs := sourceRecords(t, cols, 5, 10)
	w, err := NewWriter(ORC, io.Discard, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(recs[0]); err == nil || !strings.Contains(err.Error(), "null dates") {
		t.Fatalf("got %v", err)
	}
	recs[0].Release()
}

func TestCopyConvertsFormats(t *testing.T) {
	data := testRows(30)
	s := testSchema(t, testColumns)
	r, err := Open(strings.NewReader(data), -1, "in.json", Options{Schema: s, BatchSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out bytes.Buffer
	w, err := NewWriter(Parquet, &out, r.Schema(), Options{Parquet: ParquetOptions{Compression: "ZSTD"}})
	if err != nil {
		t.Fatal(err)
	}
	n, err := Copy(w, r)
	if err != nil || n != 30 {
		t.Fatal(n, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	inf, err := Infer(bytes.NewReader(out.Bytes()), int64(out.Len()), "out.parquet", Options{})
	if err != nil || inf.RecordCount != 30 {
		t.Fatal(inf, err)
	}
}
