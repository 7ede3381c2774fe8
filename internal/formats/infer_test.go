package formats

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tarnhq/tarn/internal/formats/compress"
	"github.com/tarnhq/tarn/internal/formats/types"
)

func colString(cols []types.Column) string {
	var s []string
	for _, c := range cols {
		s = append(s, c.Name+":"+c.Type.String())
	}
	return strings.Join(s, " ")
}

func TestInferText(t *testing.T) {
	for _, tc := range []struct {
		name, file, data string
		opts             Options
		want             string
		params           map[string]string
	}{
		{name: "csv header", file: "a.csv", data: "id,name,price,ok\n1,ann,1.5,true\n2,bob,2,false\n",
			want:   "id:bigint name:string price:double ok:boolean",
			params: map[string]string{"delimiter": ",", "skip.header.line.count": "1", "areColumnsQuoted": "false", "recordCount": "2"}},
		{name: "csv bom crlf", file: "a.csv", data: "\xef\xbb\xbfid,name\r\n1,x\r\n2,\"y\r\nz\"\r\n",
			want: "id:bigint name:string", params: map[string]string{"recordCount": "2"}},
		{name: "csv names given", file: "a.csv", data: "1,2\n3,4\n", opts: Options{CSV: CSVOptions{Names: []string{"x", "y"}}},
			want: "x:bigint y:bigint"},
		{name: "csv no header", file: "a.csv", data: "1,ann,1.5\n2,bob,2\n",
			want: "col0:bigint col1:string col2:double"},
		{name: "csv all strings no header", file: "a.csv", data: "a,b\nc,d\n",
			want: "col0:string col1:string"},
		{name: "csv quoted pipe", file: "x.txt", data: "\"a\"|\"b\"\n\"1\"|\"x|y\"\n\"2\"|\"z\"\n",
			want:   "a:bigint b:string",
			params: map[string]string{"delimiter": "|", "areColumnsQuoted": "true"}},
		{name: "tsv", file: "a.tsv", data: "k\tv\nx\t1\ny\t\n",
			want: "k:string v:bigint", params: map[string]string{"delimiter": "\t"}},
		{name: "csv semicolon sniffed", file: "data", data: "a;b;c\n1;2;3\n4;5;6\n",
			want: "a:bigint b:bigint c:bigint", opts: Options{Format: CSV}},
		{name: "csv widen", file: "a.csv", data: "n,k\n1,1\n2.5,2\nx,3\n", want: "n:string k:bigint"},
		{name: "csv header forced", file: "a.csv", data: "1,2\n3,4\n", opts: Options{CSV: CSVOptions{Header: HeaderPresent}},
			want: "1:bigint 2:bigint"},
		{name: "json lines", file: "a.json", data: `{"a":1,"b":"x"}` + "\n" + `{"a":2.5,"c":[1,2],"d":{"e":true}}` + "\n",
			want: "a:double b:string c:array<bigint> d:struct<e:boolean>"},
		{name: "json concatenated", file: "a.json", data: "{\n \"a\": 1\n}\n{\n \"a\": 2, \"s\": {\"x\": 1}\n}{\"s\":{\"y\":\"q\"}}",
			want: "a:bigint s:struct<x:bigint,y:string>"},
		{name: "json array", file: "b", data: ` [ {"a": null}, {"a": [ {"b": 1}, {"c": "z"} ]} ] `,
			want: "a:array<struct<b:bigint,c:string>>"},
		{name: "json conflicts", file: "a.json", data: `{"a":1,"b":{"x":1}}` + "\n" + `{"a":"s","b":3}`,
			want: "a:string b:string"},
		{name: "json nulls only", file: "a.json", data: `{"a":null,"b":[]}`, want: "a:string b:array<string>"},
		{name: "xml rowtag", file: "a.xml", data: `<?xml version="1.0"?><rows><row id="1"><name>a</name><v>1.5</v><tag>x</tag><tag>y</tag></row><row id="2"><name>b</name><v>2</v><tag>z</tag><tag>w</tag><addr><city>c</city></addr></row></rows>`,
			opts: Options{XML: XMLOptions{RowTag: "row"}},
			want: "id:bigint name:string v:double tag:array<string> addr:struct<city:string>"},
		{name: "xml auto rowtag", file: "a.xml", data: `<r><item><a>1</a></item><item><a>x</a></item></r>`,
			want: "a:string", params: map[string]string{"rowTag": "item"}},
		{name: "grok", file: "a.log", data: "1 GET 200\n2 POST 404\n", opts: Options{Grok: GrokOptions{Pattern: "%{INT:n:int} %{WORD:verb} %{NUMBER:code:long}"}},
			want: "n:int verb:string code:bigint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inf, err := Infer(strings.NewReader(tc.data), int64(len(tc.data)), tc.file, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := colString(inf.Columns); got != tc.want {
				t.Errorf("columns\n got %s\nwant %s", got, tc.want)
			}
			for k, v := range tc.params {
				if inf.Parameters[k] != v {
					t.Errorf("param %s = %q, want %q (%v)", k, inf.Parameters[k], v, inf.Parameters)
				}
			}
			// The same file must read with the inferred schema.
			r, err := Open(strings.NewReader(tc.data), int64(len(tc.data)), tc.file, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			rows := readAll(t, r)
			r.Close()
			if inf.RecordCountExact && int64(len(rows)) != inf.RecordCount {
				t.Errorf("read %d rows, inferred %d", len(rows), inf.RecordCount)
			}
		})
	}
}

func TestInferCompressedAndEstimates(t *testing.T) {
	var plain bytes.Buffer
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&plain, `{"id":%d,"v":"value %d"}`+"\n", i, i)
	}
	for _, c := range []compress.Codec{compress.None, compress.Gzip, compress.Zstd, compress.Snappy, compress.HadoopSnappy, compress.LZ4, compress.Bzip2} {
		t.Run(string(c), func(t *testing.T) {
			data := plain.Bytes()
			if c == compress.Bzip2 {
				t.Skip("no bzip2 writer")
			}
			var buf bytes.Buffer
			w, _ := compress.NewWriter(c, &buf)
			w.Write(data)
			w.Close()
			inf, err := Infer(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "x.json"+compress.Ext(c), Options{SampleRows: 100})
			if err != nil {
				t.Fatal(err)
			}
			if inf.Compression != c || inf.Format != JSON || inf.Parameters["compressionType"] != string(c) {
				t.Fatalf("%s %s %v", inf.Format, inf.Compression, inf.Parameters)
			}
			if inf.RecordCountExact || inf.RecordCount < 1000 || inf.RecordCount > 50000 {
				t.Errorf("estimate %d (exact %v) for 5000 rows", inf.RecordCount, inf.RecordCountExact)
			}
			if inf.AverageRecordSize < 20 || inf.AverageRecordSize > 40 {
				t.Errorf("average record size %d", inf.AverageRecordSize)
			}
		})
	}
}

func TestOpenLogsWithGrok(t *testing.T) {
	dir := sharedData(t, "logs")
	path := filepath.Join(dir, "elastic-examples", "apache_logs")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	opts := Options{Format: Grok, Grok: GrokOptions{Pattern: "%{COMBINEDAPACHELOG}"}, BatchSize: 1000}
	inf, err := Infer(f, st.Size(), "apache_logs", opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(inf.Columns) != 12 || inf.Columns[0].Name != "clientip" {
		t.Fatalf("%s", colString(inf.Columns))
	}
	f.Seek(0, 0)
	r, err := Open(f, st.Size(), "apache_logs", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows := readAll(t, r)
	if len(rows) != 10000 {
		t.Fatalf("%d rows", len(rows))
	}
	if rows[0][0] != "83.149.9.216" || rows[0][4] != "GET" {
		t.Fatalf("%q", rows[0])
	}
}

func TestDetectFormats(t *testing.T) {
	s, recs := sourceRecords(t, testColumns[:3], 5, 10)
	defer recs[0].Release()
	for _, f := range []Format{Parquet, Avro, CSV, JSON} {
		var buf bytes.Buffer
		w, err := NewWriter(f, &buf, s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(recs[0])
		w.Close()
		// No extension: magic bytes or content decide.
		inf, err := Infer(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "noext", Options{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if inf.Format != f {
			t.Errorf("detected %s, want %s", inf.Format, f)
		}
	}
	// ORC needs the decimal column gone.
	if _, err := Infer(strings.NewReader(""), 0, "empty", Options{}); err == nil {
		t.Error("empty input inferred")
	}
}

func TestMalformedTextErrors(t *testing.T) {
	for _, tc := range []struct{ file, data, want string }{
		{"a.json", `{"a":1}` + "\n" + `{"a":`, "record 2"},
		{"a.json", `[{"a":1}, 3]`, "not an object"},
		{"a.csv", "a,b\n1,\"unterminated\n", "unterminated"},
		{"a.xml", "<r><row><a>1</a></row><row><a>2</b></row></r>", "xml"},
		{"b.xml", "<r>" + strings.Repeat("x", 5000) + "<row><a>1</a></row></r>", "maximum record size"},
		{"c.xml", "<r><row><a>" + strings.Repeat("x", 5000) + "</a></row></r>", "maximum record size"},
	} {
		r, err := Open(strings.NewReader(tc.data), -1, tc.file, Options{SampleRows: 1, MaxRecordBytes: 4096})
		if err == nil {
			for {
				var rec interface{ Release() }
				rec, err = r.Next()
				if err != nil {
					break
				}
				rec.Release()
			}
			r.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q: error %v, want %q", tc.file, tc.data, err, tc.want)
		}
	}
}

func TestOpenStreamedColumnarAndZip(t *testing.T) {
	s, recs := sourceRecords(t, testColumns, 20, 100)
	defer recs[0].Release()
	var pq bytes.Buffer
	w, _ := NewWriter(Parquet, &pq, s, Options{})
	w.Write(recs[0])
	w.Close()
	// A plain io.Reader (no ReaderAt), gzip-compressed: spooled, then read.
	var gz bytes.Buffer
	cw, _ := compress.NewWriter(compress.Gzip, &gz)
	cw.Write(pq.Bytes())
	cw.Close()
	r, err := Open(io.MultiReader(&gz), -1, "part-0.parquet.gz", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rows := readAll(t, r); len(rows) != 20 {
		t.Fatalf("%d rows", len(rows))
	}
	r.Close()
	// Single-file zip holding a CSV.
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	f, _ := zw.Create("inner.csv")
	f.Write([]byte("a,b\n1,x\n2,y\n"))
	zw.Close()
	inf, err := Infer(bytes.NewReader(zb.Bytes()), int64(zb.Len()), "archive.zip", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if inf.Format != CSV || inf.Compression != compress.Zip || colString(inf.Columns) != "a:bigint b:string" {
		t.Fatalf("%s %s %s", inf.Format, inf.Compression, colString(inf.Columns))
	}
}

func TestStorageFormat(t *testing.T) {
	data := "a|b\n1|x\n"
	inf, err := Infer(strings.NewReader(data), int64(len(data)), "a.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	sf, ok := StorageFormatFor(inf)
	if !ok || sf.SerializationLibrary != lazySimpleSerDe || sf.SerdeParameters["field.delim"] != "|" || sf.InputFormat != textInput {
		t.Fatalf("%+v", sf)
	}
	s, recs := sourceRecords(t, testColumns[:3], 3, 10)
	defer recs[0].Release()
	var buf bytes.Buffer
	w, _ := NewWriter(Avro, &buf, s, Options{})
	w.Write(recs[0])
	w.Close()
	inf, err = Infer(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "x.avro", Options{})
	if err != nil {
		t.Fatal(err)
	}
	sf, _ = StorageFormatFor(inf)
	if !strings.Contains(sf.SerdeParameters["avro.schema.literal"], `"price"`) || !strings.HasSuffix(sf.SerializationLibrary, "AvroSerDe") {
		t.Fatalf("%+v", sf)
	}
	if inf.RecordCount != 3 || !inf.RecordCountExact {
		t.Fatalf("avro count %d", inf.RecordCount)
	}
}

func TestDetectLogPattern(t *testing.T) {
	dir := sharedData(t, "logs")
	for file, want := range map[string]string{
		"elastic-examples/apache_logs": "%{COMBINEDAPACHELOG}",
		"loghub/Linux_2k.log":          "%{SYSLOGLINE}",
		"loghub/OpenSSH_2k.log":        "%{SYSLOGLINE}",
		"loghub/Apache_2k.log":         "%{HTTPD_ERRORLOG}",
	} {
		f, err := os.Open(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		inf, err := Infer(f, st.Size(), file, Options{Format: Grok})
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if want == "%{COMBINEDAPACHELOG}" && inf.Parameters["classification"] != "combined_apache" {
			t.Errorf("classification %q", inf.Parameters["classification"])
		}
		if inf.Parameters["grokPattern"] != want || !inf.RecordCountExact && inf.RecordCount < 1000 {
			t.Errorf("%s: pattern %q, count %d", file, inf.Parameters["grokPattern"], inf.RecordCount)
		}
	}
}
