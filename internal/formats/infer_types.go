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
			elem = types.Merge(elem, inferValue(e, text))
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
