package types

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/hamba/avro/v2"
)

var roundTrip = []string{
	"boolean", "tinyint", "smallint", "int", "bigint", "float", "double",
	"decimal(10,2)", "decimal(38,0)", "string", "char(3)", "varchar(255)",
	"date", "timestamp", "binary", "array<string>", "array<array<int>>",
	"map<string,int>", "map<int,array<string>>",
	"struct<a:int,b:array<string>>",
	"struct<a:struct<b:struct<c:decimal(5,1)>>,m:map<string,struct<x:double>>>",
	"struct<`a b`:int,`x``y`:string>",
}

func TestParsePrintRoundTrip(t *testing.T) {
	for _, s := range roundTrip {
		ty, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		if got := ty.String(); got != s {
			t.Errorf("Parse(%q).String() = %q", s, got)
		}
	}
}

func TestParseLenient(t *testing.T) {
	for in, want := range map[string]string{
		"BIGINT":                            "bigint",
		"integer":                           "int",
		"decimal":                           "decimal(10,0)",
		"decimal(7)":                        "decimal(7,0)",
		" struct < a : int , B : string > ": "struct<a:int,B:string>",
		"Array<Map<String,Int>>":            "array<map<string,int>>",
	} {
		ty, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if ty.String() != want {
			t.Errorf("Parse(%q) = %q, want %q", in, ty, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		"", "foo", "decimal(0,0)", "decimal(39,1)", "decimal(5,6)", "char", "char(0)",
		"varchar(70000)", "array<>", "array<int", "map<int>", "map<array<int>,int>",
		"struct<>", "struct<a:int,a:string>", "struct<a int>", "int int", "struct<`a:int>",
		strings.Repeat("array<", 200) + "int" + strings.Repeat(">", 200),
	} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) succeeded, want error", in)
		} else if !strings.Contains(err.Error(), "types:") {
			t.Errorf("Parse(%q) error %q lacks prefix", in, err)
		}
	}
}

func TestArrowRoundTrip(t *testing.T) {
	for _, s := range roundTrip {
		ty := MustParse(s)
		f, err := ToArrowField("c", ty)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		back, err := FromArrowField(f)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if !Equal(ty, back) {
			t.Errorf("%s → %s → %s", s, f.Type, back)
		}
	}
}

func TestAvroParquetORCRoundTrip(t *testing.T) {
	cols := []Column{}
	for i, s := range roundTrip {
		if strings.Contains(s, "`") || strings.HasPrefix(s, "map<int") {
			continue // not representable in Avro (names, non-string map keys)
		}
		cols = append(cols, Column{Name: "c" + string(rune('a'+i)), Type: MustParse(s)})
	}
	as, err := ToArrowSchema(cols)
	if err != nil {
		t.Fatal(err)
	}
	// Avro
	js, err := ArrowToAvro(as, "row")
	if err != nil {
		t.Fatal(err)
	}
	sch, err := avro.Parse(js)
	if err != nil {
		t.Fatalf("avro.Parse(%s): %v", js, err)
	}
	back, err := AvroToArrow(sch)
	if err != nil {
		t.Fatal(err)
	}
	checkCols(t, "avro", cols, back, map[string]string{"tinyint": "int", "smallint": "int", "char(3)": "string", "varchar(255)": "string"})
	// Parquet
	ps, err := ArrowToParquet(as)
	if err != nil {
		t.Fatal(err)
	}
	back, err = ParquetToArrow(ps, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkCols(t, "parquet", cols, back, map[string]string{"char(3)": "string", "varchar(255)": "string"})
	// ORC
	od, err := ArrowToORC(as)
	if err != nil {
		t.Fatal(err)
	}
	back, err = ORCToArrow(od)
	if err != nil {
		t.Fatal(err)
	}
	checkCols(t, "orc", cols, back, nil)
}

func checkCols(t *testing.T, what string, want []Column, got *arrow.Schema, lossy map[string]string) {
	t.Helper()
	gc, err := FromArrowSchema(got)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(gc) != len(want) {
		t.Fatalf("%s: %d columns, want %d", what, len(gc), len(want))
	}
	for i := range want {
		w := want[i].Type.String()
		for from, to := range lossy {
			w = strings.ReplaceAll(w, from, to)
		}
		if g := gc[i].Type.String(); g != w {
			t.Errorf("%s: column %s = %s, want %s", what, want[i].Name, g, w)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range roundTrip {
		f.Add(s)
	}
	f.Add("struct<a:int,b:array<string>>")
	f.Fuzz(func(t *testing.T, s string) {
		ty, err := Parse(s)
		if err != nil {
			return
		}
		printed := ty.String()
		again, err := Parse(printed)
		if err != nil {
			t.Fatalf("printed form %q of %q does not parse: %v", printed, s, err)
		}
		if !Equal(ty, again) {
			t.Fatalf("round trip changed %q: %q vs %q", s, printed, again)
		}
		f, err := ToArrowField("c", ty)
		if err != nil {
			t.Fatalf("ToArrow(%s): %v", printed, err)
		}
		back, err := FromArrowField(f)
		if err != nil || !Equal(back, ty) {
			t.Fatalf("Arrow round trip of %s gave %v (%v)", printed, back, err)
		}
		if !Equal(Merge(ty, ty), ty) {
			t.Fatalf("Merge(%s, itself) changed it", printed)
		}
	})
}

func TestMerge(t *testing.T) {
	for _, tc := range []struct{ a, b, want string }{
		{"int", "bigint", "bigint"},
		{"bigint", "double", "double"},
		{"tinyint", "float", "float"},
		{"boolean", "bigint", "string"},
		{"decimal(10,2)", "decimal(5,4)", "decimal(12,4)"},
		{"date", "timestamp", "timestamp"},
		{"array<int>", "array<double>", "array<double>"},
		{"struct<a:int,b:string>", "struct<B:string,c:array<int>>", "struct<a:int,b:string,c:array<int>>"},
		{"struct<a:int>", "array<int>", "string"},
		{"map<string,int>", "map<string,int>", "map<string,int>"},
		{"map<string,int>", "map<string,double>", "map<string,double>"},
	} {
		got := Merge(MustParse(tc.a), MustParse(tc.b))
		if got.String() != tc.want {
			t.Errorf("Merge(%s, %s) = %s, want %s", tc.a, tc.b, got, tc.want)
		}
		// Commutative up to struct field order.
		if back := Merge(MustParse(tc.b), MustParse(tc.a)); len(back.String()) != len(got.String()) {
			t.Errorf("Merge(%s, %s) = %s not symmetric with %s", tc.b, tc.a, back, got)
		}
	}
	if Merge(nil, TInt) != TInt || Resolve(nil).String() != "string" || Resolve(ArrayOf(nil)).String() != "array<string>" {
		t.Error("nil handling")
	}
	cols := MergeColumns([]Column{{"a", TInt}}, []Column{{"A", TDouble}, {"b", TString}})
	if len(cols) != 2 || cols[0].Type.String() != "double" || cols[1].Name != "b" {
		t.Errorf("%+v", cols)
	}
}

func TestAvroKeepsUnspellableNames(t *testing.T) {
	s, _ := ToArrowSchema([]Column{{"a b", TInt}, {"1x", TString}, {"ok", TBoolean}})
	js, err := ArrowToAvro(s, "r")
	if err != nil {
		t.Fatal(err)
	}
	sch, err := avro.Parse(js)
	if err != nil {
		t.Fatal(err)
	}
	back, err := AvroToArrow(sch)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"a b", "1x", "ok"} {
		if back.Field(i).Name != want {
			t.Errorf("field %d = %q, want %q", i, back.Field(i).Name, want)
		}
	}
}
