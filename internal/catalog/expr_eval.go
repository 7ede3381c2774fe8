package catalog

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// keyType is how a partition key's values compare.
type keyType uint8

const (
	ktString keyType = iota
	ktNumber
	ktDate
	ktTimestamp
	ktUnsupported
)

func typeOf(hiveType string) keyType {
	t := strings.ToLower(strings.TrimSpace(hiveType))
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = t[:i]
	}
	switch t {
	case "", "string", "char", "varchar":
		return ktString
	case "tinyint", "smallint", "int", "integer", "bigint", "long", "decimal", "double", "float":
		return ktNumber
	case "date":
		return ktDate
	case "timestamp":
		return ktTimestamp
	}
	return ktUnsupported
}

// hiveNull is the value Hive writes for a null partition key.
const hiveNull = "__HIVE_DEFAULT_PARTITION__"

// value is a partition value or literal parsed for one key type.
type value struct {
	s     string
	isInt bool
	i     int64
	f     float64 // numbers; dates (days) and timestamps (ns) go in i
}

func parseValue(kt keyType, s string) (value, bool) {
	switch kt {
	case ktString:
		return value{s: s}, true
	case ktNumber:
		t := strings.TrimSpace(s)
		if i, err := strconv.ParseInt(t, 10, 64); err == nil {
			return value{s: s, isInt: true, i: i, f: float64(i)}, true
		}
		f, err := strconv.ParseFloat(t, 64)
		if err != nil || math.IsNaN(f) {
			return value{}, false
		}
		return value{s: s, f: f}, true
	case ktDate:
		d, err := time.Parse("2006-01-02", strings.TrimSpace(s))
		if err != nil {
			return value{}, false
		}
		return value{s: s, isInt: true, i: d.Unix() / 86400}, true
	case ktTimestamp:
		t := strings.TrimSpace(s)
		for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02"} {
			if ts, err := time.Parse(layout, t); err == nil {
				return value{s: s, isInt: true, i: ts.UnixNano()}, true
			}
		}
	}
	return value{}, false
}

func compareValues(kt keyType, a, b value) int {
	switch {
	case kt == ktString:
		return strings.Compare(a.s, b.s)
	case a.isInt && b.isInt:
		switch {
		case a.i < b.i:
			return -1
		case a.i > b.i:
			return 1
		}
		return 0
	case a.f < b.f:
		return -1
	case a.f > b.f:
		return 1
	}
	return 0
}

// Filter is a compiled partition expression.
type Filter struct {
	eval func(vals []string) bool
	// prefix holds the values of the leading string partition keys the
	// expression fixes by equality in its top-level conjunction.
	prefix []string
}

// Match reports whether a partition's values satisfy the filter.
func (f *Filter) Match(vals []string) bool { return f.eval == nil || f.eval(vals) }

// CompileExpression parses expr and binds it to a table's partition keys.
// The empty expression matches every partition.
func CompileExpression(expr string, keys []Column) (*Filter, error) {
	if strings.TrimSpace(expr) == "" {
		return &Filter{}, nil
	}
	n, err := ParseExpression(expr)
	if err != nil {
		return nil, err
	}
	b := binder{keys: keys}
	eval, err := b.bind(n)
	if err != nil {
		return nil, err
	}
	f := &Filter{eval: eval}
	eq := map[int]string{}
	b.equalities(n, eq)
	for i := range keys {
		v, ok := eq[i]
		if !ok || typeOf(keys[i].Type) != ktString {
			break
		}
		f.prefix = append(f.prefix, v)
	}
	return f, nil
}

type binder struct{ keys []Column }

func (b *binder) key(id *Ident) (int, keyType, error) {
	i := keyIndex(b.keys, id.Name)
	if i < 0 {
		return 0, 0, fmt.Errorf("unknown partition key %q", id.Name)
	}
	kt := typeOf(b.keys[i].Type)
	if kt == ktUnsupported {
		return 0, 0, fmt.Errorf("partition key %q has type %s, which partition filters do not support", b.keys[i].Name, b.keys[i].Type)
	}
	return i, kt, nil
}

// operand is a bound operand: a key index or a literal.
type operand struct {
	key int // -1 for a literal
	lit *Lit
}

func (b *binder) operand(n Node) (operand, keyType, error) {
	switch x := n.(type) {
	case *Ident:
		i, kt, err := b.key(x)
		return operand{key: i}, kt, err
	case *Lit:
		kt := ktString
		switch x.Kind {
		case "number":
			kt = ktNumber
		case "date":
			kt = ktDate
		case "timestamp":
			kt = ktTimestamp
		}
		return operand{key: -1, lit: x}, kt, nil
	}
	return operand{}, 0, fmt.Errorf("expected a partition key or a literal, got %s", n)
}

// getter returns a function yielding the operand's value under type kt.
func getter(o operand, kt keyType) (func([]string) (value, bool), error) {
	if o.key < 0 {
		v, ok := parseValue(kt, o.lit.Text)
		if !ok {
			return nil, fmt.Errorf("literal %s is not a valid %s", o.lit, ktName(kt))
		}
		return func([]string) (value, bool) { return v, true }, nil
	}
	k := o.key
	return func(vals []string) (value, bool) {
		if vals[k] == hiveNull {
			return value{}, false
		}
		return parseValue(kt, vals[k])
	}, nil
}

func ktName(kt keyType) string {
	return [...]string{"string", "number", "date", "timestamp", "unsupported"}[kt]
}

// pairType decides the comparison type of two operands: a key's type wins
// over a literal's.
func pairType(a operand, at keyType, b operand, bt keyType) (keyType, error) {
	switch {
	case a.key >= 0 && b.key >= 0:
		if at != bt {
			return 0, fmt.Errorf("cannot compare partition keys of types %s and %s", ktName(at), ktName(bt))
		}
		return at, nil
	case a.key >= 0:
		return at, nil
	case b.key >= 0:
		return bt, nil
	}
	if at == bt {
		return at, nil
	}
	return ktString, nil
}

func (b *binder) bind(n Node) (func([]string) bool, error) {
	switch x := n.(type) {
	case *Binary:
		l, err := b.bind(x.L)
		if err != nil {
			return nil, err
		}
		r, err := b.bind(x.R)
		if err != nil {
			return nil, err
		}
		if x.Op == "AND" {
			return func(v []string) bool { return l(v) && r(v) }, nil
		}
		return func(v []string) bool { return l(v) || r(v) }, nil
	case *Not:
		e, err := b.bind(x.X)
		if err != nil {
			return nil, err
		}
		return func(v []string) bool { return !e(v) }, nil
	case *Compare:
		return b.compare(x.Op, x.L, x.R)
	case *Between:
		lo, err := b.compare(">=", x.X, x.Lo)
		if err != nil {
			return nil, err
		}
		hi, err := b.compare("<=", x.X, x.Hi)
		if err != nil {
			return nil, err
		}
		if x.Neg {
			return func(v []string) bool { return !(lo(v) && hi(v)) }, nil
		}
		return func(v []string) bool { return lo(v) && hi(v) }, nil
	case *In:
		var fs []func([]string) bool
		for _, item := range x.List {
			f, err := b.compare("=", x.X, item)
			if err != nil {
				return nil, err
			}
			fs = append(fs, f)
		}
		return func(v []string) bool {
			for _, f := range fs {
				if f(v) {
					return !x.Neg
				}
			}
			return x.Neg
		}, nil
	case *Like:
		return b.like(x)
	case *IsNull:
		o, _, err := b.operand(x.X)
		if err != nil {
			return nil, err
		}
		if o.key < 0 {
			return func([]string) bool { return x.Neg }, nil
		}
		return func(v []string) bool { return (v[o.key] == hiveNull) != x.Neg }, nil
	}
	return nil, fmt.Errorf("%s is not a condition", n)
}

func (b *binder) compare(op string, l, r Node) (func([]string) bool, error) {
	lo, lt, err := b.operand(l)
	if err != nil {
		return nil, err
	}
	ro, rt, err := b.operand(r)
	if err != nil {
		return nil, err
	}
	kt, err := pairType(lo, lt, ro, rt)
	if err != nil {
		return nil, err
	}
	lg, err := getter(lo, kt)
	if err != nil {
		return nil, err
	}
	rg, err := getter(ro, kt)
	if err != nil {
		return nil, err
	}
	var test func(int) bool
	switch op {
	case "=":
		test = func(c int) bool { return c == 0 }
	case "<>":
		test = func(c int) bool { return c != 0 }
	case "<":
		test = func(c int) bool { return c < 0 }
	case "<=":
		test = func(c int) bool { return c <= 0 }
	case ">":
		test = func(c int) bool { return c > 0 }
	case ">=":
		test = func(c int) bool { return c >= 0 }
	default:
		return nil, fmt.Errorf("unknown operator %s", op)
	}
	return func(v []string) bool {
		a, ok := lg(v)
		if !ok {
			return false
		}
		c, ok := rg(v)
		if !ok {
			return false
		}
		return test(compareValues(kt, a, c))
	}, nil
}

func (b *binder) like(x *Like) (func([]string) bool, error) {
	o, _, err := b.operand(x.X)
	if err != nil {
		return nil, err
	}
	p, ok := x.Pattern.(*Lit)
	if !ok {
		return nil, fmt.Errorf("LIKE needs a literal pattern")
	}
	var re strings.Builder
	re.WriteString("(?s)^")
	for _, r := range p.Text {
		switch r {
		case '%':
			re.WriteString(".*")
		case '_':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	m, err := regexp.Compile(re.String())
	if err != nil {
		return nil, err
	}
	if o.key < 0 {
		res := m.MatchString(o.lit.Text) != x.Neg
		return func([]string) bool { return res }, nil
	}
	k := o.key
	return func(v []string) bool {
		if v[k] == hiveNull {
			return false
		}
		return m.MatchString(v[k]) != x.Neg
	}, nil
}

// equalities records key = 'literal' conditions of the top-level AND.
func (b *binder) equalities(n Node, out map[int]string) {
	switch x := n.(type) {
	case *Binary:
		if x.Op == "AND" {
			b.equalities(x.L, out)
			b.equalities(x.R, out)
		}
	case *Compare:
		if x.Op != "=" {
			return
		}
		id, lit := x.L, x.R
		if _, ok := id.(*Ident); !ok {
			id, lit = lit, id
		}
		i, ok := id.(*Ident)
		l, ok2 := lit.(*Lit)
		if !ok || !ok2 {
			return
		}
		if k := keyIndex(b.keys, i.Name); k >= 0 {
			if prev, dup := out[k]; dup && prev != l.Text {
				return // contradictory: leave the scan unnarrowed
			}
			out[k] = l.Text
		}
	}
}

// keyIndex finds a partition key by name, case-insensitively.
func keyIndex(keys []Column, name string) int {
	for i, k := range keys {
		if strings.EqualFold(k.Name, name) {
			return i
		}
	}
	return -1
}
