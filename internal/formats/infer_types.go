package formats

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/formats/types"
)

// Type inference follows Glue's crawler: each value gets the narrowest type
// of the lattice boolean | bigint ⊂ double ⊂ string, structs merge by field
// union (new fields appended in first-seen order), arrays merge their
// element types, and anything incompatible widens to string. nil stands for
// "only nulls seen so far" and resolves to string at the end.

// inferValue returns the Glue type of one decoded value. text says the value
// came from a text format (CSV, XML, logs), where "42" is a bigint.
func inferValue(v any, text bool) *types.Type {
	switch x := v.(type) {
	case nil:
		return nil
	case bool:
		return types.TBoolean
	case int, int8, int16, int32, int64, uint8, uint16, uint32:
		return types.TBigInt
	case float32, float64:
		return types.TDouble
	case json.Number:
		if _, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return types.TBigInt
		}
		return types.TDouble
	case string:
		if text {
			return inferText(x)
		}
		return types.TString
	case []byte:
		return types.TBinary
	case time.Time:
		return types.TTimestamp
	case *big.Rat:
		return types.TDouble
	case []any:
		var elem *types.Type
		for _, e := range x {
			elem = mergeTypes(elem, inferValue(e, text))
		}
		return types.ArrayOf(elem)
	case *object:
		t := &types.Type{Kind: types.Struct}
		for i, k := range x.keys {
			t.Fields = append(t.Fields, &types.Field{Name: k, Type: inferValue(x.vals[i], text)})
		}
		return t
	case map[string]any:
		t := &types.Type{Kind: types.Struct}
		for _, k := range sortedKeys(x) {
			t.Fields = append(t.Fields, &types.Field{Name: k, Type: inferValue(x[k], text)})
		}
		return t
	}
	return types.TString
}

// inferText types a text field: empty is null; then boolean, bigint,
// double, string, the order Glue's CSV classifier tries.
func inferText(s string) *types.Type {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if _, ok := parseBool(s); ok {
		return types.TBoolean
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return types.TBigInt
	}
	if looksNumeric(s) {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return types.TDouble
		}
	}
	return types.TString
}

// looksNumeric rejects strings ParseFloat accepts but Glue does not treat as
// numbers (inf, nan, hex floats, underscores).
func looksNumeric(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r == '.' || r == '-' || r == '+' || r == 'e' || r == 'E') {
			return false
		}
	}
	return true
}

func numRank(k types.Kind) int {
	switch k {
	case types.TinyInt:
		return 1
	case types.SmallInt:
		return 2
	case types.Int:
		return 3
	case types.BigInt:
		return 4
	case types.Float:
		return 5
	case types.Double:
		return 6
	}
	return 0
}

// mergeTypes returns the narrowest type holding both a and b. It never
// modifies its arguments.
func mergeTypes(a, b *types.Type) *types.Type {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case types.Equal(a, b):
		return a
	}
	if ra, rb := numRank(a.Kind), numRank(b.Kind); ra > 0 && rb > 0 {
		if ra > rb {
			return a
		}
		return b
	}
	if a.Kind == types.Decimal && b.Kind == types.Decimal {
		ip := max(a.Precision-a.Scale, b.Precision-b.Scale)
		s := max(a.Scale, b.Scale)
		return types.DecimalOf(min(ip+s, types.MaxPrecision), s)
	}
	if a.Kind == types.Date && b.Kind == types.Timestamp || a.Kind == types.Timestamp && b.Kind == types.Date {
		return types.TTimestamp
	}
	if a.Kind == types.Array && b.Kind == types.Array {
		return types.ArrayOf(mergeTypes(a.Elem, b.Elem))
	}
	if a.Kind == types.Struct && b.Kind == types.Struct {
		out := &types.Type{Kind: types.Struct, Fields: make([]*types.Field, len(a.Fields))}
		idx := make(map[string]int, len(a.Fields))
		for i, f := range a.Fields {
			out.Fields[i] = &types.Field{Name: f.Name, Type: f.Type}
			idx[strings.ToLower(f.Name)] = i
		}
		for _, f := range b.Fields {
			if i, ok := idx[strings.ToLower(f.Name)]; ok {
				out.Fields[i].Type = mergeTypes(out.Fields[i].Type, f.Type)
				continue
			}
			idx[strings.ToLower(f.Name)] = len(out.Fields)
			out.Fields = append(out.Fields, &types.Field{Name: f.Name, Type: f.Type})
		}
		return out
	}
	return types.TString
}

// resolveType replaces "only nulls seen" (nil) by string throughout t, and
// empty structs (from {}) by string, so the result is a valid Glue type.
func resolveType(t *types.Type) *types.Type {
	if t == nil {
		return types.TString
	}
	switch t.Kind {
	case types.Array:
		return types.ArrayOf(resolveType(t.Elem))
	case types.Map:
		return types.MapOf(resolveType(t.Key), resolveType(t.Value))
	case types.Struct:
		if len(t.Fields) == 0 {
			return types.TString
		}
		out := &types.Type{Kind: types.Struct}
		for _, f := range t.Fields {
			out.Fields = append(out.Fields, &types.Field{Name: f.Name, Type: resolveType(f.Type)})
		}
		return out
	}
	return t
}
