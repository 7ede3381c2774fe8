package formats

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// drain opens data and reads it to the end, returning the first error.
func drain(data []byte, name string, opts Options) error {
	r, err := Open(bytes.NewReader(data), int64(len(data)), name, opts)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if rec.NumCols() != int64(r.Schema().NumFields()) {
			panic("record width differs from schema")
		}
		rec.Release()
	}
}

// FuzzCSV checks that sniffing, header detection, inference and reading never
// panic, and that whatever was inferred can be read back.
func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "x|y\n\"q|\"|2\n", "1\t2\n3\t4\n", "\"a\"\"b\",c\n", "a;b\n1;\n", "\"\n", ",,,\n\n\n",
	} {
		f.Add([]byte(s), byte(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, delim byte) {
		opts := Options{Format: CSV, SampleRows: 20, MaxRecordBytes: 4096, BatchSize: 3}
		if delim == ',' || delim == '|' || delim == '\t' {
			opts.CSV.Delimiter = rune(delim)
		}
		sniffDelimiter(data, '"')
		inf, err := Infer(bytes.NewReader(data), int64(len(data)), "f.csv", opts)
		if err != nil {
			return
		}
		opts.Schema = inf.Schema
		if err := drain(data, "f.csv", opts); err != nil && !strings.Contains(err.Error(), "record") && !strings.Contains(err.Error(), "line") {
			t.Fatalf("read with inferred schema: %v", err)
		}
	})
}

// FuzzJSONInfer checks JSON inference and reading on arbitrary input.
func FuzzJSONInfer(f *testing.F) {
	for _, s := range []string{
		`{"a":1}`, `[{"a":[1,2.5]},{"a":null}]`, "{\"a\":{\"b\":1}}\n{\"a\":{\"c\":\"x\"}}",
		`{"a":1}{"a":"x"}`, `[]`, `{"":1,"A":2,"a":3}`, `{"a":[[[]]]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{Format: JSON, SampleRows: 50, MaxRecordBytes: 1 << 16, BatchSize: 4}
		inf, err := Infer(bytes.NewReader(data), int64(len(data)), "f.json", opts)
		if err != nil {
			return
		}
		for _, c := range inf.Columns {
			if _, err := c.Type.String(), error(nil); err != nil {
				t.Fatal(err)
			}
		}
		// Reading the whole sample with the inferred schema must succeed:
		// inference widened every value it saw.
		opts.Schema = inf.Schema
		if inf.RecordCountExact {
			if err := drain(data, "f.json", opts); err != nil {
				t.Fatalf("inferred %v but reading failed: %v", inf.Columns, err)
			}
		}
	})
}

// FuzzJSONScanner compares the hand-written JSON scanner with encoding/json
// on single values: both must accept the same documents and agree on them.
func FuzzJSONScanner(f *testing.F) {
	for _, s := range []string{`{"a":[1,-2.5e3,"\u00e9\ud83d\ude00",true,null]}`, `"x"`, `01`, `{"a":1,}`, `[1 2]`, `"\ud800"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &jsonScanner{r: bufio.NewReader(bytes.NewReader(data)), max: 1 << 20}
		var v any
		c, err := s.space()
		if err == nil {
			v, err = s.value(c, 0)
			if err == nil {
				if _, err2 := s.space(); err2 != io.EOF {
					err = errors.New("trailing data")
				}
			}
		}
		valid := json.Valid(data)
		if (err == nil) != valid {
			if valid && strings.Contains(fmt.Sprint(err), "nested deeper") {
				return
			}
			t.Fatalf("scanner err=%v, json.Valid=%v for %q", err, valid, data)
		}
		if err != nil {
			return
		}
		var want any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&want); err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(v)
		exp, _ := json.Marshal(want)
		// Object key order differs (ours keeps it); compare canonical forms.
		var g, e any
		json.Unmarshal(got, &g)
		json.Unmarshal(exp, &e)
		if fmt.Sprint(g) != fmt.Sprint(e) {
			t.Fatalf("scanner %s, encoding/json %s", got, exp)
		}
	})
}

// FuzzXML checks XML inference and reading on arbitrary input.
func FuzzXML(f *testing.F) {
	for _, s := range []string{
		`<r><row id="1"><a>1</a><a>2</a></row><row><b><c>x</c></b></row></r>`,
		`<?xml version="1.0"?><r><row>t<x/>u</row></r>`, `<r><row></r>`, `<a:r xmlns:a="u"><a:row a:k="v"/></a:r>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{Format: XML, SampleRows: 20, MaxRecordBytes: 1 << 14, BatchSize: 3}
		inf, err := Infer(bytes.NewReader(data), int64(len(data)), "f.xml", opts)
		if err != nil {
			return
		}
		opts.Schema = inf.Schema
		if inf.RecordCountExact {
			if err := drain(data, "f.xml", opts); err != nil {
				t.Fatalf("inferred %v but reading failed: %v", inf.Columns, err)
			}
		}
	})
}
