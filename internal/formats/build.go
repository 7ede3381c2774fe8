package formats

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
)

// object is a decoded record whose field order is kept (JSON objects, XML
// elements, grok matches), so inferred columns come out in file order.
type object struct {
	keys []string
	vals []any
}

func (o *object) get(name string) (any, bool) {
	return o.getAt(-1, name)
}

// getAt looks name up, trying position hint first: records of one file
// usually list their keys in the same order as the schema, which makes the
// lookup O(1) instead of a scan per field.
func (o *object) getAt(hint int, name string) (any, bool) {
	if hint >= 0 && hint < len(o.keys) && o.keys[hint] == name {
		return o.vals[hint], true
	}
	for i, k := range o.keys {
		if k == name {
			return o.vals[i], true
		}
	}
	// Hive column names are case-insensitive.
	for i, k := range o.keys {
		if strings.EqualFold(k, name) {
			return o.vals[i], true
		}
	}
	return nil, false
}

func (o *object) set(k string, v any) {
	for i, kk := range o.keys {
		if kk == k {
			o.vals[i] = v
			return
		}
	}
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

// MarshalJSON writes the object with its keys in order.
func (o *object) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// appendValue appends one decoded value to b, converting between the loose
// forms decoders produce (strings from text formats, json.Number, Go ints,
// *big.Rat from Avro, time.Time, *object, map[string]any, []any) and the
// builder's Arrow type. A value that does not fit gives an error naming both.
func appendValue(b array.Builder, v any) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	if s, ok := v.(string); ok {
		switch b.(type) {
		case *array.ListBuilder, *array.MapBuilder, *array.StructBuilder:
			// Nested values in text formats (CSV cells, XML text) are JSON.
			dec := json.NewDecoder(strings.NewReader(s))
			dec.UseNumber()
			x, err := decodeJSON(dec, 0)
			if err != nil {
				return mismatch(v, b.Type().String())
			}
			v = x
			if v == nil {
				b.AppendNull()
				return nil
			}
		}
	}
	switch b := b.(type) {
	case *array.NullBuilder:
		b.AppendNull()
	case *array.BooleanBuilder:
		switch v := v.(type) {
		case bool:
			b.Append(v)
		case string:
			x, ok := parseBool(v)
			if !ok {
				return mismatch(v, "boolean")
			}
			b.Append(x)
		default:
			return mismatch(v, "boolean")
		}
	case *array.Int8Builder:
		n, err := toInt(v, math.MinInt8, math.MaxInt8)
		if err != nil {
			return err
		}
		b.Append(int8(n))
	case *array.Int16Builder:
		n, err := toInt(v, math.MinInt16, math.MaxInt16)
		if err != nil {
			return err
		}
		b.Append(int16(n))
	case *array.Int32Builder:
		n, err := toInt(v, math.MinInt32, math.MaxInt32)
		if err != nil {
			return err
		}
		b.Append(int32(n))
	case *array.Int64Builder:
		n, err := toInt(v, math.MinInt64, math.MaxInt64)
		if err != nil {
			return err
		}
		b.Append(n)
	case *array.Float32Builder:
		f, err := toFloat(v)
		if err != nil {
			return err
		}
		b.Append(float32(f))
	case *array.Float64Builder:
		f, err := toFloat(v)
		if err != nil {
			return err
		}
		b.Append(f)
	case *array.StringBuilder:
		b.Append(toString(v))
	case *array.BinaryBuilder:
		switch v := v.(type) {
		case []byte:
			b.Append(v)
		case string:
			// Text formats carry binary as base64 (Hive's convention, and
			// what tarn's CSV/JSON writers emit); other text is kept as is.
			if d, err := base64.StdEncoding.DecodeString(v); err == nil {
				b.Append(d)
			} else {
				b.AppendString(v)
			}
		default:
			return mismatch(v, "binary")
		}
	case *array.Decimal128Builder:
		dt := b.Type().(*arrow.Decimal128Type)
		n, err := toDecimal128(v, dt.Precision, dt.Scale)
		if err != nil {
			return err
		}
		b.Append(n)
	case *array.Decimal256Builder:
		dt := b.Type().(*arrow.Decimal256Type)
		s, err := decimalString(v, dt.Scale)
		if err != nil {
			return err
		}
		n, err := decimal256.FromString(s, dt.Precision, dt.Scale)
		if err != nil {
			return fmt.Errorf("value %q is not a decimal(%d,%d): %w", s, dt.Precision, dt.Scale, err)
		}
		b.Append(n)
	case *array.Date32Builder:
		switch v := v.(type) {
		case time.Time:
			b.Append(arrow.Date32FromTime(v))
		case string:
			t, err := time.Parse(time.DateOnly, strings.TrimSpace(v))
			if err != nil {
				return mismatch(v, "date")
			}
			b.Append(arrow.Date32FromTime(t))
		case int, int32, int64:
			n, _ := toInt(v, math.MinInt32, math.MaxInt32)
			b.Append(arrow.Date32(n))
		default:
			return mismatch(v, "date")
		}
	case *array.TimestampBuilder:
		unit := b.Type().(*arrow.TimestampType).Unit
		var t time.Time
		switch v := v.(type) {
		case time.Time:
			t = v
		case string:
			var ok bool
			if t, ok = parseTimestamp(v); !ok {
				return mismatch(v, "timestamp")
			}
		default:
			return mismatch(v, "timestamp")
		}
		ts, err := arrow.TimestampFromTime(t, unit)
		if err != nil {
			return err
		}
		b.Append(ts)
	case *array.ListBuilder:
		items, ok := v.([]any)
		if !ok {
			return mismatch(v, "array")
		}
		b.Append(true)
		vb := b.ValueBuilder()
		for _, it := range items {
			if err := appendValue(vb, it); err != nil {
				return err
			}
		}
	case *array.MapBuilder:
		b.Append(true)
		kb, ib := b.KeyBuilder(), b.ItemBuilder()
		add := func(k string, val any) error {
			if err := appendValue(kb, k); err != nil {
				return err
			}
			return appendValue(ib, val)
		}
		switch v := v.(type) {
		case *object:
			for i, k := range v.keys {
				if err := add(k, v.vals[i]); err != nil {
					return err
				}
			}
		case map[string]any:
			for _, k := range sortedKeys(v) {
				if err := add(k, v[k]); err != nil {
					return err
				}
			}
		default:
			return mismatch(v, "map")
		}
	case *array.StructBuilder:
		st := b.Type().(*arrow.StructType)
		var get func(int, string) (any, bool)
		switch v := v.(type) {
		case *object:
			get = v.getAt
		case map[string]any:
			get = func(_ int, k string) (any, bool) { x, ok := v[k]; return x, ok }
		case []any: // positional (ORC structs)
			get = func(i int, _ string) (any, bool) {
				if i < len(v) {
					return v[i], true
				}
				return nil, false
			}
		default:
			return mismatch(v, "struct")
		}
		b.Append(true)
		for i, f := range st.Fields() {
			fv, _ := get(i, f.Name)
			if err := appendValue(b.FieldBuilder(i), fv); err != nil {
				return fmt.Errorf("field %s: %w", f.Name, err)
			}
		}
	default:
		return fmt.Errorf("formats: no conversion into Arrow %s", b.Type())
	}
	return nil
}

func mismatch(v any, want string) error {
	s := toString(v)
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return fmt.Errorf("value %q (%T) is not a %s", s, v, want)
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

func toInt(v any, lo, hi int64) (int64, error) {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int8:
		n = int64(x)
	case int16:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case uint8:
		n = int64(x)
	case uint16:
		n = int64(x)
	case uint32:
		n = int64(x)
	case float64:
		if x != math.Trunc(x) || x < float64(lo) || x > float64(hi) {
			return 0, mismatch(v, "integer")
		}
		n = int64(x)
	case json.Number:
		i, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			return 0, mismatch(v, "integer")
		}
		n = i
	case string:
		i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return 0, mismatch(v, "integer")
		}
		n = i
	case bool:
		if x {
			n = 1
		}
	default:
		return 0, mismatch(v, "integer")
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("value %d out of range [%d, %d]", n, lo, hi)
	}
	return n, nil
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case int, int8, int16, int32, int64, uint8, uint16, uint32:
		n, _ := toInt(x, math.MinInt64, math.MaxInt64)
		return float64(n), nil
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return 0, mismatch(v, "double")
		}
		return f, nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0, mismatch(v, "double")
		}
		return f, nil
	case *big.Rat:
		f, _ := x.Float64()
		return f, nil
	}
	return 0, mismatch(v, "double")
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	case []byte:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case *big.Rat:
		return x.RatString()
	case fmt.Stringer:
		return x.String()
	case *object, []any, map[string]any:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
	return fmt.Sprint(v)
}

func decimalString(v any, scale int32) (string, error) {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x), nil
	case json.Number:
		return string(x), nil
	case *big.Rat:
		return x.FloatString(int(scale)), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), nil
	case int, int8, int16, int32, int64:
		n, _ := toInt(x, math.MinInt64, math.MaxInt64)
		return strconv.FormatInt(n, 10), nil
	case fmt.Stringer: // orc.Decimal and friends
		return x.String(), nil
	}
	return "", mismatch(v, "decimal")
}

func toDecimal128(v any, prec, scale int32) (decimal128.Num, error) {
	if r, ok := v.(*big.Rat); ok {
		num := new(big.Int).Mul(r.Num(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
		q, rem := new(big.Int).QuoRem(num, r.Denom(), new(big.Int))
		if rem.Sign() == 0 && q.BitLen() < 127 {
			n := decimal128.FromBigInt(q)
			if n.FitsInPrecision(prec) {
				return n, nil
			}
		}
	}
	s, err := decimalString(v, scale)
	if err != nil {
		return decimal128.Num{}, err
	}
	n, err := decimal128.FromString(s, prec, scale)
	if err != nil {
		return n, fmt.Errorf("value %q is not a decimal(%d,%d): %w", s, prec, scale, err)
	}
	return n, nil
}

var timestampLayouts = []string{
	time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04", "2006-01-02T15:04", time.DateOnly,
}

func parseTimestamp(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timestampLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
