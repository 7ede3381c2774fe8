package formats

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/tarnhq/tarn/internal/formats/types"
)

func TestInferCSVCustomTypes(t *testing.T) {
	all := []types.Kind{types.Boolean, types.SmallInt, types.Int, types.BigInt, types.Decimal, types.Float,
		types.Double, types.Date, types.Timestamp, types.Binary, types.String}
	data := "id,small,big,price,ratio,pi,day,at,ok,name\n" +
		"1,7,3000000001,10.25,0.5,3.14159265358979,2024-01-02,2024-01-02 03:04:05,true,ann\n" +
		"40000,-3,1,7,2.25,1,2024-02-29,2024-01-02 03:04:05.123456,false,bob\n" +
		",,,,,,,,,\n"
	for _, tc := range []struct {
		name  string
		kinds []types.Kind
		want  string
	}{
		{"default", nil,
			"id:bigint small:bigint big:bigint price:double ratio:double pi:double day:string at:string ok:boolean name:string"},
		{"all", all,
			"id:int small:smallint big:bigint price:decimal(4,2) ratio:decimal(3,2) pi:decimal(15,14) day:date at:timestamp ok:boolean name:string"},
		{"no decimal", []types.Kind{types.Int, types.Float, types.Double, types.Date},
			"id:int small:int big:double price:float ratio:float pi:double day:date at:string ok:string name:string"},
		{"timestamps only", []types.Kind{types.Timestamp},
			"id:string small:string big:string price:string ratio:string pi:string day:string at:timestamp ok:string name:string"},
		// With every column a string the header cannot be told from the data.
		{"strings only", []types.Kind{types.String},
			"col0:string col1:string col2:string col3:string col4:string col5:string col6:string col7:string col8:string col9:string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{Format: CSV, CSV: CSVOptions{Types: tc.kinds}}
			inf, err := Infer(bytes.NewReader([]byte(data)), int64(len(data)), "a.csv", o)
			if err != nil {
				t.Fatal(err)
			}
			if got := colString(inf.Columns); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
			// The inferred schema reads the file back.
			o.Schema = inf.Schema
			if err := drain([]byte(data), "a.csv", o); err != nil {
				t.Fatalf("read back: %v", err)
			}
		})
	}
}

// TestCSVCustomTypesHeader: with custom types a header above date and
// timestamp columns is recognised even though every column would be a
// string under Glue's default types.
func TestCSVCustomTypesHeader(t *testing.T) {
	data := "day,at\n2024-01-02,2024-01-02 03:04:05\n2024-01-03,2024-01-03 00:00:00\n"
	for _, tc := range []struct {
		kinds []types.Kind
		want  string
	}{
		{nil, "col0:string col1:string"},
		{[]types.Kind{types.Date, types.Timestamp}, "day:date at:timestamp"},
	} {
		inf, err := Infer(bytes.NewReader([]byte(data)), int64(len(data)), "a.csv", Options{CSV: CSVOptions{Types: tc.kinds}})
		if err != nil {
			t.Fatal(err)
		}
		if got := colString(inf.Columns); got != tc.want {
			t.Errorf("%v: got %s, want %s", tc.kinds, got, tc.want)
		}
	}
}

func TestCSVTypeTests(t *testing.T) {
	for _, c := range []struct {
		s         string
		date, ts  bool
		ip, sc    int
		decimalOK bool
	}{
		{"2024-01-02", true, false, 0, 0, false},
		{"2024-13-02", false, false, 0, 0, false},
		{"2024-01-02 03:04:05", false, true, 0, 0, false},
		{"2024-01-02 03:04:05.1234567891", false, false, 0, 0, false},
		{"2024-01-02T03:04:05", false, false, 0, 0, false},
		{"2024-01-02 24:00:00", false, false, 0, 0, false},
		{"-012.50", false, false, 2, 2, true},
		{".5", false, false, 0, 1, true},
		{"5.", false, false, 0, 0, false},
		{"1e5", false, false, 0, 0, false},
		{"+", false, false, 0, 0, false},
	} {
		if got := isHiveDate(c.s); got != c.date {
			t.Errorf("isHiveDate(%q) = %v", c.s, got)
		}
		if got := isHiveTimestamp(c.s); got != c.ts {
			t.Errorf("isHiveTimestamp(%q) = %v", c.s, got)
		}
		ip, sc, ok := decimalDigits(c.s)
		if ok != c.decimalOK || ok && (ip != c.ip || sc != c.sc) {
			t.Errorf("decimalDigits(%q) = %d, %d, %v", c.s, ip, sc, ok)
		}
	}
}

// FuzzCSVCustomTypes: inference with any subset of custom types never
// panics, and the schema it infers reads the file back.
func FuzzCSVCustomTypes(f *testing.F) {
	f.Add([]byte("a,b\n1,2024-01-02\n2.5,2024-01-02 03:04:05\n"), uint16(0xffff))
	f.Add([]byte("x,y\n-0.5,true\n\xff\xfe,40000\n"), uint16(0x155))
	f.Fuzz(func(t *testing.T, data []byte, mask uint16) {
		var kinds []types.Kind
		for i, k := range candidateOrder {
			if mask&(1<<i) != 0 {
				kinds = append(kinds, k)
			}
		}
		o := Options{Format: CSV, SampleRows: 20, MaxRecordBytes: 4096, BatchSize: 3, CSV: CSVOptions{Types: kinds}}
		inf, err := Infer(bytes.NewReader(data), int64(len(data)), "f.csv", o)
		if err != nil {
			return
		}
		o.Schema = inf.Schema
		if err := drain(data, "f.csv", o); err != nil && !strings.Contains(err.Error(), "record") && !strings.Contains(err.Error(), "line") {
			t.Fatalf("read with inferred schema %s: %v", inf.Schema, err)
		}
	})
}

// TestCSVKeepSpaces: by default values are trimmed before they are typed;
// with KeepSpaces (DisableValueTrimming) a value with whitespace around it
// is a string, and a value of spaces is not a null. Reading trims either
// way, so both schemas read the file back.
func TestCSVKeepSpaces(t *testing.T) {
	data := "id,qty,ok,day,gap\n1, 7,true ,2024-01-02,  \n2,8,false, 2024-01-03,5\n"
	custom := []types.Kind{types.SmallInt, types.Boolean, types.Date}
	for _, tc := range []struct {
		name  string
		kinds []types.Kind
		keep  bool
		want  string
	}{
		{"default types, trimmed", nil, false, "id:bigint qty:bigint ok:boolean day:string gap:bigint"},
		{"default types, kept", nil, true, "id:bigint qty:string ok:string day:string gap:string"},
		{"custom types, trimmed", custom, false, "id:smallint qty:smallint ok:boolean day:date gap:smallint"},
		{"custom types, kept", custom, true, "id:smallint qty:string ok:string day:string gap:string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{Format: CSV, CSV: CSVOptions{Types: tc.kinds, KeepSpaces: tc.keep}}
			inf, err := Infer(bytes.NewReader([]byte(data)), int64(len(data)), "a.csv", o)
			if err != nil {
				t.Fatal(err)
			}
			if got := colString(inf.Columns); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
			o.Schema = inf.Schema
			if err := drain([]byte(data), "a.csv", o); err != nil {
				t.Fatalf("read back: %v", err)
			}
		})
	}
}

// TestCSVBlankTyped: a value of only whitespace in a typed column is a
// null, as inference (which trims values) saw it, not a read error.
func TestCSVBlankTyped(t *testing.T) {
	data := "id,n\n1,2\n2,   \n3,\t\n"
	inf, err := Infer(bytes.NewReader([]byte(data)), int64(len(data)), "a.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := colString(inf.Columns); got != "id:bigint n:bigint" {
		t.Fatalf("inferred %s", got)
	}
	r, err := Open(bytes.NewReader([]byte(data)), int64(len(data)), "a.csv", Options{Schema: inf.Schema})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := fmt.Sprint(readAll(t, r)); got != "[[1 2] [2 NULL] [3 NULL]]" {
		t.Fatalf("read %s", got)
	}
}
