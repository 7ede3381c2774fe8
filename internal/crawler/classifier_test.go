package crawler

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/tarnhq/tarn/internal/formats/compress"
)

func sampleOf(name string, data []byte) *Sample {
	open := func() io.Reader { return bytes.NewReader(data) }
	s := &Sample{Name: name, Size: int64(len(data)), Open: open, SampleRows: 1000}
	rc, codec, err := decompressed(s)
	if err == nil {
		head, _ := io.ReadAll(io.LimitReader(rc, HeadBytes))
		rc.Close()
		s.Head, s.Codec = head, codec
	}
	return s
}

func TestBuiltinOrder(t *testing.T) {
	var names []string
	for _, c := range DefaultRegistry.Builtins() {
		names = append(names, c.Name())
	}
	want := "avro,orc,parquet,json,bson,xml,ion,combined_apache,apache,linux_kernel,microsoft_log,ruby_logger,squid,redismonlog,redislog,syslog,csv"
	if got := strings.Join(names, ","); got != want {
		t.Fatalf("built-ins %s, want %s", got, want)
	}
}

func TestClassifyBuiltins(t *testing.T) {
	gz := func(s string) []byte {
		var b bytes.Buffer
		w, _ := compress.NewWriter(compress.Gzip, &b)
		w.Write([]byte(s))
		w.Close()
		return b.Bytes()
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"a.csv", []byte("a,b\n1,2\n3,4\n"), "csv"},
		{"a.dat", []byte("a|b\n1|2\n3|4\n"), "csv"},
		{"a.dat", []byte("x\x01y\n1\x012\n3\x014\n"), "csv"},
		{"a.json", []byte(`{"a":1}`), "json"},
		{"a.json.gz", gz(`{"a":1}` + "\n"), "json"},
		{"a.csv.gz", gz("a,b\n1,2\n3,4\n"), "csv"},
		{"a.xml", []byte("<r><x><a>1</a></x></r>"), "xml"},
		{"k.log", []byte("Jan  2 03:04:05 host kernel: [  12.345] usb 1-1: new device\nJan  2 03:04:06 host kernel: [  12.400] eth0: up\n"), "linux_kernel"},
		{"r.log", []byte("I, [2024-01-02T03:04:05.123456 #1234]  INFO -- app: started\nW, [2024-01-02T03:04:06.000000 #1234]  WARN -- app: slow\n"), "ruby_logger"},
		{"r.log", []byte("[4018] 14 Nov 07:01:22.119 * Background saving terminated with success\n"), "redislog"},
		{"m.log", []byte(`1403553100.512312 [0 127.0.0.1:55108] "SET" "k" "v"` + "\n"), "redismonlog"},
		{"sq.log", []byte("1286536309.586    921 192.168.0.68 TCP_MISS/200 507 POST http://rcv.example.com/x - DIRECT/203.0.113.5 application/xml\n"), "squid"},
		{"iis.log", []byte(iisLog), "microsoft_log"},
		{"a.ion", []byte("{a: 1, b: sym}\n{a: 2d0}\n"), "ion"},
		{"a.dat", []byte("$ion_1_0 {a: 1}"), "ion"},
		{"a.dat", unhex(ionBinaryHex), "ion"},
		{"a.dat", unhex(bsonHex), "bson"},
		{"a.json", []byte(`{"a": 1, "b": [1, 2]}`), "json"},
		{"words.txt", []byte("hello world\nsecond line\n"), Unknown},
		{"one.txt", []byte("just one column\nanother\n"), Unknown},
		{"bin", []byte{0, 1, 2, 3, 0, 0}, Unknown},
		{"empty.csv", []byte("a,b\n"), Unknown},
	} {
		r, err := Classify(context.Background(), DefaultRegistry.Builtins(), sampleOf(c.name, c.data))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if r.Classification != c.want {
			t.Errorf("%s %q: %s, want %s", c.name, c.data, r.Classification, c.want)
		}
	}
}

// TestCustomBeforeBuiltin: a custom CSV classifier with a header wins over
// the built-in CSV classifier's heuristic (which sees no header here).
func TestCustomBeforeBuiltin(t *testing.T) {
	def := &ClassifierDef{CsvClassifier: &CsvClassifier{Name: "h", Delimiter: ",", ContainsHeader: "PRESENT"}}
	custom, err := DefaultRegistry.Custom(def)
	if err != nil {
		t.Fatal(err)
	}
	s := sampleOf("a.csv", []byte("name,city\nann,oslo\nbob,rome\n"))
	r, err := Classify(context.Background(), append([]Classifier{custom}, DefaultRegistry.Builtins()...), s)
	if err != nil || r.Classification != "csv" || r.Inference.Columns[0].Name != "name" {
		t.Fatalf("%+v %v", r, err)
	}
	r, _ = Classify(context.Background(), DefaultRegistry.Builtins(), s)
	if r.Inference.Columns[0].Name != "col0" {
		t.Fatalf("built-in saw a header: %+v", r.Inference.Columns)
	}
}

func TestRegistryIsolated(t *testing.T) {
	r := NewRegistry()
	r.Register(&Spec{ID: "crawler.classifier.only", Builtin: true, New: func(*ClassifierDef) (Classifier, error) { return csvBuiltin{}, nil }})
	if n := len(r.Builtins()); n != 1 {
		t.Fatalf("%d built-ins", n)
	}
	if _, err := r.Custom(&ClassifierDef{CsvClassifier: &CsvClassifier{Name: "x"}}); err == nil {
		t.Fatal("custom kind resolved in an empty registry")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("duplicate registration did not panic")
		}
	}()
	r.Register(&Spec{ID: "crawler.classifier.only"})
}

func TestGlobs(t *testing.T) {
	for _, c := range []struct {
		glob, path string
		want       bool
	}{
		{"*.csv", "a.csv", true}, {"*.csv", "x/a.csv", false}, {"**.csv", "x/y/a.csv", true}, {"x/**", "x/y/z", true},
		{"dir?/*", "dir1/f", true}, {"[ab]*", "b1", true}, {"[!ab]*", "b1", false}, {"{a,b}/*.json", "b/c.json", true},
		{"{a,b}/*.json", "c/c.json", false}, {"year=2019/**", "year=2019/m=1/f", true},
	} {
		re, err := compileGlob(c.glob)
		if err != nil {
			t.Fatalf("%s: %v", c.glob, err)
		}
		if got := re.MatchString(c.path); got != c.want {
			t.Errorf("%s ~ %s = %v", c.glob, c.path, got)
		}
	}
	for _, bad := range []string{"[ab", "{a,b", "a}"} {
		if _, err := compileGlob(bad); err == nil {
			t.Errorf("%q compiled", bad)
		}
	}
}

// FuzzCSVHeader drives Glue's CSV header heuristic through the built-in
// classifier: whatever the bytes, classification neither fails nor
// panics, and a CSV verdict has at least two uniquely named columns.
func FuzzCSVHeader(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n3,4\n", "name,city\nann,oslo\n", "1,2\n3,4\n", "\"a\",\"b\"\n\"1\",\"x,y\"\n",
		"a|b|c\n1|2|3\n4|5|6\n", "a;b\n1;2\n1;2\n", "a\tb\n1\t2\n3\t4\n", "x,\n1,\n2,\n", strings.Repeat("h", 160) + ",b\n1,2\n3,4\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Classify(context.Background(), []Classifier{csvBuiltin{}}, sampleOf("f.csv", data))
		if err != nil {
			t.Fatal(err)
		}
		if r.Classification != "csv" {
			return
		}
		cols := r.Inference.Columns
		if len(cols) < 2 {
			t.Fatalf("csv with %d columns", len(cols))
		}
		seen := map[string]bool{}
		for _, c := range cols {
			if c.Name == "" || seen[strings.ToLower(c.Name)] {
				t.Fatalf("column names %v", cols)
			}
			seen[strings.ToLower(c.Name)] = true
		}
		if r.Inference.Parameters["skip.header.line.count"] == "1" && strings.HasPrefix(cols[0].Name, "col0") && len(data) > 0 && !bytes.HasPrefix(data, []byte("col0")) {
			// A detected header names the columns from the file.
			t.Fatalf("header detected but columns are generated: %v", cols)
		}
	})
}

const iisLog = `#Software: Microsoft Internet Information Services 10.0
#Version: 1.0
#Date: 2024-01-02 03:04:05
#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken
2024-01-02 03:04:05 10.0.0.5 GET /index.html - 80 - 192.0.2.7 Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 15
2024-01-02 03:04:06 10.0.0.5 POST /api/login q=1 443 ann 192.0.2.8 curl/8.0 https://example.com/ 401 1 0 3
`

// ionBinaryHex and bsonHex are the sample streams of formats/ion's and
// formats' tests (TestBinary, TestBSON log them).
const ionBinaryHex = "e00100eaeea08183de9c87be99826964846e616d658570726963658474616773826174826f6bde9f8a21018b83616e6e8c53c204e28db4710b81788e68800fe881828384858f11de948a330111708b8f8c484004000000000000902103"

const bsonHex = "9b000000075f69640065a1b2c3d4e5f60718293a4b106e00010000001262696700000000000001000013707269636500e2040000000000000000000000003c300961740088d820c88c010000047461677300170000000230000200000061000231000200000062000003616464720014000000026369747900050000004f736c6f0000086f6b00010562696e00020000000001020a6e6f6e65000035000000075f69640065a1b2c3d4e5f60718293a4b016e0000000000000004400361646472000e000000107a697000960000000000"

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
