package ion

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"time"
)

// show renders values compactly for comparisons.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case *Struct:
		var parts []string
		for _, f := range x.Fields {
			parts = append(parts, f.Name+":"+show(f.Value))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, show(e))
		}
		return "[" + strings.Join(parts, ",") + "]"
	case string:
		return fmt.Sprintf("%q", x)
	case []byte:
		return fmt.Sprintf("b%q", x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case Decimal:
		return "d" + x.String()
	case float64:
		return fmt.Sprintf("f%g", x)
	}
	return fmt.Sprint(v)
}

func readAll(t *testing.T, data []byte) []string {
	t.Helper()
	r := NewReader(bytes.NewReader(data), 1<<20)
	var out []string
	for {
		v, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%v (after %q)", err, out)
		}
		out = append(out, show(v))
	}
}

func TestBinary(t *testing.T) {
	got := strings.Join(readAll(t, sampleBinary()), "\n")
	want := `{id:1,name:"ann",price:d12.50,tags:["name","x"],at:2024-01-02T03:04:05Z,ok:true}
{id:-70000,name:null,price:f2.5,$16:3}`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	t.Logf("sample binary: %s", hex.EncodeToString(sampleBinary()))
}

func TestBinaryVersionMarkerResetsSymbols(t *testing.T) {
	data := append(sampleBinary(), BVM...)
	data = append(data, encStruct(fld{10, encInt(5)})...)
	got := readAll(t, data)
	if got[len(got)-1] != "{$10:5}" {
		t.Fatalf("%q", got)
	}
}

func TestText(t *testing.T) {
	src := `$ion_1_0
// a comment
$ion_symbol_table::{ symbols: ["x"] }
{ id: 1, 'quoted name': "ann", price: 12.50, big: 123456789012345678901234567890,
  hex: 0x1F, bin: 0b101, under: 1_000, f: 2.5e0, neg: -0.0, exp: 1d2,
  at: 2007-02-23T12:14:33.079-08:00, day: 2007-02-23, yr: 2007T,
  tags: [a, "b", 'c'], s: (+ 1 2), blob: {{ aGVsbG8= }}, clob: {{ "hi" }},
  long: '''one''' '''two''', ann: unit::kg::5, n: null.int, t: true, inf: +inf, nan: nan,
  nested: { a: [ { b: null } ] }, /* block */ trailing: 1, }
{"json": "too", "n": [1, 2.0, -3e1]}
`
	got := strings.Join(readAll(t, []byte(src)), "\n")
	want := `{id:1,quoted name:"ann",price:d12.50,big:123456789012345678901234567890,hex:31,bin:5,under:1000,f:f2.5,neg:d-0.0,exp:d100.0,at:2007-02-23T12:14:33.079-08:00,day:2007-02-23T00:00:00Z,yr:2007-01-01T00:00:00Z,tags:["a","b","c"],s:["+",1,2],blob:b"hello",clob:b"hi",long:"onetwo",ann:5,n:null,t:true,inf:f+Inf,nan:fNaN,nested:{a:[{b:null}]},trailing:1}
{json:"too",n:[1,d2.0,f-30]}`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestTextRejects(t *testing.T) {
	for _, src := range []string{
		"a,b\n1,2\n",
		"127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326\n",
		"{a: 1",
		"{a 1}",
		"[1 2]",
		"{a: \"x\ny\"}",
		"{a: 01}",
		"{a: 1.2.3}",
		"{a: 2007-02-30}",
		"{a: {{ !! }}}",
		"{a: '''x}",
		"{a: \"\\q\"}",
	} {
		r := NewReader(strings.NewReader(src), 1<<20)
		var err error
		for err == nil {
			_, err = r.Next()
		}
		if err == io.EOF {
			t.Errorf("%q: no error", src)
		}
	}
}

func TestTooLarge(t *testing.T) {
	r := NewReader(strings.NewReader(`{a: "`+strings.Repeat("x", 100)+`"}`), 50)
	if _, err := r.Next(); err == nil || !strings.Contains(err.Error(), "maximum record size") {
		t.Fatalf("got %v", err)
	}
	big := append(append([]byte(nil), BVM...), tv(8, bytes.Repeat([]byte("y"), 100))...)
	r = NewReader(bytes.NewReader(big), 50)
	if _, err := r.Next(); err == nil || !strings.Contains(err.Error(), "maximum record size") {
		t.Fatalf("got %v", err)
	}
}

func TestDeepNesting(t *testing.T) {
	src := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	r := NewReader(strings.NewReader(src), 1<<20)
	if _, err := r.Next(); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("got %v", err)
	}
	v := encInt(1)
	for range 300 {
		v = encList(v)
	}
	r = NewReader(bytes.NewReader(append(append([]byte(nil), BVM...), v...)), 1<<20)
	if _, err := r.Next(); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("got %v", err)
	}
}

func TestDecimalString(t *testing.T) {
	for _, c := range []struct {
		d    Decimal
		want string
	}{
		{Decimal{Coef: bigInt(12345), Exp: -2}, "123.45"},
		{Decimal{Coef: bigInt(5), Exp: -3}, "0.005"},
		{Decimal{Coef: bigInt(-5), Exp: 2}, "-500.0"},
		{Decimal{Coef: bigInt(0), Exp: 0, Neg: true}, "-0.0"},
	} {
		if got := c.d.String(); got != c.want {
			t.Errorf("%v: %s, want %s", c.d, got, c.want)
		}
	}
	_ = math.Pi
}

// FuzzIon: any input, binary or text, reads to an error or the end
// without panicking, within the size and depth limits.
func FuzzIon(f *testing.F) {
	f.Add(sampleBinary())
	f.Add([]byte(`{a: 1, b: [x, "y", 2.5e0, 1d2], c: 2007-02-23T12:14Z, d: {{ aGk= }}, e: (a + b)} $ion_1_0 foo::{}`))
	f.Add([]byte("$ion_symbol_table::{imports: [{name: \"s\", version: 1, max_id: 3}], symbols: [\"q\"]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), 4096)
		for range 1000 {
			if _, err := r.Next(); err != nil {
				return
			}
		}
	})
}

func TestLooksLikeText(t *testing.T) {
	for s, want := range map[string]bool{
		"{a: 1}": true, " // c\n/* d */ {a:1}": true, "$ion_1_0 {a: 1}": true, "order::{a: 1}": true,
		"'my type' :: {}": true, "id,name\n1,2": false, "hello world": false, "[1, 2]": false, "": false,
		"// only a comment": false, "127.0.0.1 - -": false,
	} {
		if got := LooksLikeText([]byte(s)); got != want {
			t.Errorf("%q: %v", s, got)
		}
	}
}
