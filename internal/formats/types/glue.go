// Package types is tarn's one type system: Glue/Hive catalog type strings
// (bigint, decimal(10,2), array<struct<a:int>>, …) parsed into a Type tree and
// printed back, and the mappings from that tree to Apache Arrow, and from Arrow
// to Parquet, ORC and Avro schemas.
//
// Every service that reads or writes data files goes through these functions,
// so a column typed decimal(12,2) in the catalog is a Decimal128(12,2) in Arrow,
// a FIXED_LEN_BYTE_ARRAY decimal in Parquet and a bytes/decimal in Avro
// everywhere in tarn.
package types

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is the top-level category of a Glue/Hive type.
type Kind int

// The Glue/Hive type kinds.
const (
	Invalid Kind = iota
	Boolean
	TinyInt
	SmallInt
	Int
	BigInt
	Float
	Double
	Decimal
	String
	Char
	Varchar
	Date
	Timestamp
	Binary
	Array
	Map
	Struct
)

var kindNames = map[Kind]string{
	Boolean: "boolean", TinyInt: "tinyint", SmallInt: "smallint", Int: "int",
	BigInt: "bigint", Float: "float", Double: "double", Decimal: "decimal",
	String: "string", Char: "char", Varchar: "varchar", Date: "date",
	Timestamp: "timestamp", Binary: "binary", Array: "array", Map: "map",
	Struct: "struct",
}

// primitive names accepted by the parser, including Hive/Athena aliases.
var nameKinds = map[string]Kind{
	"boolean": Boolean, "tinyint": TinyInt, "smallint": SmallInt, "int": Int,
	"integer": Int, "bigint": BigInt, "float": Float, "double": Double,
	"decimal": Decimal, "string": String, "char": Char, "varchar": Varchar,
	"date": Date, "timestamp": Timestamp, "binary": Binary, "array": Array,
	"map": Map, "struct": Struct,
}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Limits of the type grammar. Glue caps a column type string at 131072 bytes.
const (
	MaxTypeLen       = 131072
	MaxDepth         = 100
	MaxPrecision     = 38
	DefaultPrecision = 10 // Hive's default for a bare "decimal"
	MaxCharLen       = 255
	MaxVarcharLen    = 65535
)

// Type is a parsed Glue/Hive type.
type Type struct {
	Kind      Kind
	Precision int      // Decimal
	Scale     int      // Decimal
	Length    int      // Char, Varchar
	Elem      *Type    // Array
	Key       *Type    // Map
	Value     *Type    // Map
	Fields    []*Field // Struct
}

// Field is one member of a struct type.
type Field struct {
	Name string
	Type *Type
}

// Convenience constructors.
var (
	TBoolean   = &Type{Kind: Boolean}
	TTinyInt   = &Type{Kind: TinyInt}
	TSmallInt  = &Type{Kind: SmallInt}
	TInt       = &Type{Kind: Int}
	TBigInt    = &Type{Kind: BigInt}
	TFloat     = &Type{Kind: Float}
	TDouble    = &Type{Kind: Double}
	TString    = &Type{Kind: String}
	TDate      = &Type{Kind: Date}
	TTimestamp = &Type{Kind: Timestamp}
	TBinary    = &Type{Kind: Binary}
)

// DecimalOf returns decimal(p,s).
func DecimalOf(p, s int) *Type { return &Type{Kind: Decimal, Precision: p, Scale: s} }

// ArrayOf returns array<elem>.
func ArrayOf(elem *Type) *Type { return &Type{Kind: Array, Elem: elem} }

// MapOf returns map<k,v>.
func MapOf(k, v *Type) *Type { return &Type{Kind: Map, Key: k, Value: v} }

// StructOf returns struct<…> with the given fields.
func StructOf(fields ...*Field) *Type { return &Type{Kind: Struct, Fields: fields} }

// IsPrimitive reports whether t has no children.
func (t *Type) IsPrimitive() bool {
	return t.Kind != Array && t.Kind != Map && t.Kind != Struct
}

// String prints t in the canonical Glue form (lower case, no spaces), which
// Parse accepts.
func (t *Type) String() string {
	var b strings.Builder
	t.print(&b)
	return b.String()
}

func (t *Type) print(b *strings.Builder) {
	switch t.Kind {
	case Decimal:
		fmt.Fprintf(b, "decimal(%d,%d)", t.Precision, t.Scale)
	case Char, Varchar:
		fmt.Fprintf(b, "%s(%d)", t.Kind, t.Length)
	case Array:
		b.WriteString("array<")
		t.Elem.print(b)
		b.WriteByte('>')
	case Map:
		b.WriteString("map<")
		t.Key.print(b)
		b.WriteByte(',')
		t.Value.print(b)
		b.WriteByte('>')
	case Struct:
		b.WriteString("struct<")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quoteName(f.Name))
			b.WriteByte(':')
			f.Type.print(b)
		}
		b.WriteByte('>')
	default:
		b.WriteString(t.Kind.String())
	}
}

// quoteName back-quotes a struct field name that the parser would not read
// back as a plain identifier.
func quoteName(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return !isIdentRune(r) }) < 0 {
		return s
	}
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

func isIdentRune(r rune) bool {
	return r == '_' || r == '$' || r == '-' || r == '.' || r == '@' || r == '#' ||
		('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') || r > 127
}

// Equal reports whether a and b are the same type.
func Equal(a, b *Type) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind || a.Precision != b.Precision || a.Scale != b.Scale || a.Length != b.Length {
		return false
	}
	switch a.Kind {
	case Array:
		return Equal(a.Elem, b.Elem)
	case Map:
		return Equal(a.Key, b.Key) && Equal(a.Value, b.Value)
	case Struct:
		if len(a.Fields) != len(b.Fields) {
			return false
		}
		for i := range a.Fields {
			if a.Fields[i].Name != b.Fields[i].Name || !Equal(a.Fields[i].Type, b.Fields[i].Type) {
				return false
			}
		}
	}
	return true
}

// ParseError describes why a type string was rejected.
type ParseError struct {
	Input string
	Pos   int
	Msg   string
}

func (e *ParseError) Error() string {
	in := e.Input
	if len(in) > 80 {
		in = in[:80] + "…"
	}
	return fmt.Sprintf("types: invalid type %q at offset %d: %s", in, e.Pos, e.Msg)
}

// Parse parses a Glue/Hive type string such as "struct<a:int,b:array<string>>".
// Keywords are case-insensitive and blanks between tokens are allowed; struct
// field names may be back-quoted. Parse never panics.
func Parse(s string) (*Type, error) {
	if len(s) > MaxTypeLen {
		return nil, &ParseError{Input: s, Msg: fmt.Sprintf("longer than %d bytes", MaxTypeLen)}
	}
	p := &parser{in: s}
	t, err := p.parseType(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.in) {
		return nil, p.errf("unexpected %q after type", p.in[p.pos:])
	}
	return t, nil
}

// MustParse is Parse for constant strings in tests and tables; it panics on error.
func MustParse(s string) *Type {
	t, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return t
}

type parser struct {
	in  string
	pos int
}

func (p *parser) errf(format string, a ...any) error {
	return &ParseError{Input: p.in, Pos: p.pos, Msg: fmt.Sprintf(format, a...)}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.in) && (p.in[p.pos] == ' ' || p.in[p.pos] == '\t' || p.in[p.pos] == '\n' || p.in[p.pos] == '\r') {
		p.pos++
	}
}

func (p *parser) accept(c byte) bool {
	p.skipSpace()
	if p.pos < len(p.in) && p.in[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expect(c byte) error {
	if !p.accept(c) {
		if p.pos >= len(p.in) {
			return p.errf("expected %q, found end of input", c)
		}
		return p.errf("expected %q, found %q", c, p.in[p.pos])
	}
	return nil
}

func (p *parser) word() string {
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.in) {
		c := p.in[p.pos]
		if !(c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')) {
			break
		}
		p.pos++
	}
	return p.in[start:p.pos]
}

func (p *parser) number() (int, error) {
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.in) && p.in[p.pos] >= '0' && p.in[p.pos] <= '9' {
		p.pos++
	}
	if start == p.pos {
		return 0, p.errf("expected a number")
	}
	n, err := strconv.Atoi(p.in[start:p.pos])
	if err != nil || n > 1<<20 {
		return 0, &ParseError{Input: p.in, Pos: start, Msg: "number out of range"}
	}
	return n, nil
}

func (p *parser) parseType(depth int) (*Type, error) {
	if depth > MaxDepth {
		return nil, p.errf("nested deeper than %d levels", MaxDepth)
	}
	start := p.pos
	w := p.word()
	if w == "" {
		if p.pos >= len(p.in) {
			return nil, p.errf("expected a type, found end of input")
		}
		return nil, p.errf("expected a type, found %q", p.in[p.pos])
	}
	k, ok := nameKinds[strings.ToLower(w)]
	if !ok {
		return nil, &ParseError{Input: p.in, Pos: start, Msg: fmt.Sprintf("unknown type %q", w)}
	}
	t := &Type{Kind: k}
	switch k {
	case Decimal:
		t.Precision, t.Scale = DefaultPrecision, 0
		if p.accept('(') {
			var err error
			if t.Precision, err = p.number(); err != nil {
				return nil, err
			}
			if p.accept(',') {
				if t.Scale, err = p.number(); err != nil {
					return nil, err
				}
			}
			if err := p.expect(')'); err != nil {
				return nil, err
			}
		}
		if t.Precision < 1 || t.Precision > MaxPrecision {
			return nil, p.errf("decimal precision %d not in 1..%d", t.Precision, MaxPrecision)
		}
		if t.Scale > t.Precision {
			return nil, p.errf("decimal scale %d exceeds precision %d", t.Scale, t.Precision)
		}
	case Char, Varchar:
		if err := p.expect('('); err != nil {
			return nil, err
		}
		n, err := p.number()
		if err != nil {
			return nil, err
		}
		if err := p.expect(')'); err != nil {
			return nil, err
		}
		limit := MaxCharLen
		if k == Varchar {
			limit = MaxVarcharLen
		}
		if n < 1 || n > limit {
			return nil, p.errf("%s length %d not in 1..%d", k, n, limit)
		}
		t.Length = n
	case Array:
		if err := p.expect('<'); err != nil {
			return nil, err
		}
		e, err := p.parseType(depth + 1)
		if err != nil {
			return nil, err
		}
		t.Elem = e
		if err := p.expect('>'); err != nil {
			return nil, err
		}
	case Map:
		if err := p.expect('<'); err != nil {
			return nil, err
		}
		key, err := p.parseType(depth + 1)
		if err != nil {
			return nil, err
		}
		if !key.IsPrimitive() {
			return nil, p.errf("map key must be a primitive type, not %s", key.Kind)
		}
		if err := p.expect(','); err != nil {
			return nil, err
		}
		val, err := p.parseType(depth + 1)
		if err != nil {
			return nil, err
		}
		t.Key, t.Value = key, val
		if err := p.expect('>'); err != nil {
			return nil, err
		}
	case Struct:
		if err := p.expect('<'); err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for !p.accept('>') {
			if len(t.Fields) > 0 {
				if err := p.expect(','); err != nil {
					return nil, err
				}
			}
			name, err := p.fieldName()
			if err != nil {
				return nil, err
			}
			if seen[strings.ToLower(name)] {
				return nil, p.errf("duplicate struct field %q", name)
			}
			seen[strings.ToLower(name)] = true
			if err := p.expect(':'); err != nil {
				return nil, err
			}
			ft, err := p.parseType(depth + 1)
			if err != nil {
				return nil, err
			}
			t.Fields = append(t.Fields, &Field{Name: name, Type: ft})
		}
		if len(t.Fields) == 0 {
			return nil, p.errf("struct needs at least one field")
		}
	}
	return t, nil
}

func (p *parser) fieldName() (string, error) {
	p.skipSpace()
	if p.pos < len(p.in) && p.in[p.pos] == '`' {
		p.pos++
		var b strings.Builder
		for {
			i := strings.IndexByte(p.in[p.pos:], '`')
			if i < 0 {
				return "", p.errf("unterminated quoted field name")
			}
			b.WriteString(p.in[p.pos : p.pos+i])
			p.pos += i + 1
			if p.pos < len(p.in) && p.in[p.pos] == '`' {
				b.WriteByte('`')
				p.pos++
				continue
			}
			break
		}
		if b.Len() == 0 {
			return "", p.errf("empty field name")
		}
		return b.String(), nil
	}
	start := p.pos
	for p.pos < len(p.in) {
		r := rune(p.in[p.pos])
		if !isIdentRune(r) {
			break
		}
		p.pos++
	}
	if start == p.pos {
		if p.pos >= len(p.in) {
			return "", p.errf("expected a field name, found end of input")
		}
		return "", p.errf("expected a field name, found %q", p.in[p.pos])
	}
	return p.in[start:p.pos], nil
}
