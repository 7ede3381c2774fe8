package formats

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Decimal is a decimal value read from an Arrow array: its exact text form
// and the type's precision and scale.
type Decimal struct {
	Text             string
	Precision, Scale int32
}

func (d Decimal) String() string { return d.Text }

// Date is a calendar date (UTC midnight).
type Date struct{ time.Time }

func (d Date) String() string { return d.Format(time.DateOnly) }

// mapEntries is a map value in its Arrow order; keys may be any primitive.
type mapEntries struct {
	keys []any
	vals []any
}

// valueAt returns row i of arr as a plain Go value: nil, bool, int64,
// float64 (float32 for float), string, []byte, Decimal, Date, time.Time,
// []any (lists), *object (structs) or mapEntries (maps). Writers translate
// these into their format's representation.
func valueAt(arr arrow.Array, i int) (any, error) {
	if arr.IsNull(i) {
		return nil, nil
	}
	switch a := arr.(type) {
	case *array.Null:
		return nil, nil
	case *array.Boolean:
		return a.Value(i), nil
	case *array.Int8:
		return int64(a.Value(i)), nil
	case *array.Int16:
		return int64(a.Value(i)), nil
	case *array.Int32:
		return int64(a.Value(i)), nil
	case *array.Int64:
		return a.Value(i), nil
	case *array.Uint8:
		return int64(a.Value(i)), nil
	case *array.Uint16:
		return int64(a.Value(i)), nil
	case *array.Uint32:
		return int64(a.Value(i)), nil
	case *array.Uint64:
		return fmt.Sprint(a.Value(i)), nil
	case *array.Float16:
		return a.Value(i).Float32(), nil
	case *array.Float32:
		return a.Value(i), nil
	case *array.Float64:
		return a.Value(i), nil
	case *array.String:
		return a.Value(i), nil
	case *array.LargeString:
		return a.Value(i), nil
	case *array.Binary:
		return slices.Clone(a.Value(i)), nil
	case *array.LargeBinary:
		return slices.Clone(a.Value(i)), nil
	case *array.FixedSizeBinary:
		return slices.Clone(a.Value(i)), nil
	case *array.Decimal128:
		dt := a.DataType().(*arrow.Decimal128Type)
		return Decimal{a.Value(i).ToString(dt.Scale), dt.Precision, dt.Scale}, nil
	case *array.Decimal256:
		dt := a.DataType().(*arrow.Decimal256Type)
		return Decimal{a.Value(i).ToString(dt.Scale), dt.Precision, dt.Scale}, nil
	case *array.Date32:
		return Date{a.Value(i).ToTime()}, nil
	case *array.Date64:
		return Date{a.Value(i).ToTime()}, nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit), nil
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		vals := a.ListValues()
		if m, ok := arr.(*array.Map); ok {
			keys, items := m.Keys(), m.Items()
			e := mapEntries{}
			for j := int(start); j < int(end); j++ {
				k, err := valueAt(keys, j)
				if err != nil {
					return nil, err
				}
				v, err := valueAt(items, j)
				if err != nil {
					return nil, err
				}
				e.keys, e.vals = append(e.keys, k), append(e.vals, v)
			}
			return e, nil
		}
		out := make([]any, 0, end-start)
		for j := int(start); j < int(end); j++ {
			v, err := valueAt(vals, j)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		o := &object{keys: make([]string, st.NumFields()), vals: make([]any, st.NumFields())}
		for f := 0; f < st.NumFields(); f++ {
			v, err := valueAt(a.Field(f), i)
			if err != nil {
				return nil, err
			}
			o.keys[f], o.vals[f] = st.Field(f).Name, v
		}
		return o, nil
	case *array.Dictionary:
		return valueAt(a.Dictionary(), a.GetValueIndex(i))
	}
	return nil, fmt.Errorf("formats: cannot read Arrow %s values", arr.DataType())
}

// hiveTimestamp is the text form Hive and Athena read for timestamps.
const hiveTimestamp = "2006-01-02 15:04:05.999999"

// textValue renders a valueAt value as a text-format field.
func textValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case bool:
		return strconv.FormatBool(x)
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case Decimal:
		return x.Text
	case Date:
		return x.String()
	case time.Time:
		return x.UTC().Format(hiveTimestamp)
	}
	b, err := json.Marshal(jsonValue(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// jsonValue converts a valueAt value to what encoding/json should write:
// decimals stay exact numbers, dates and timestamps become Hive text.
func jsonValue(v any) any {
	switch x := v.(type) {
	case Decimal:
		return json.Number(x.Text)
	case Date:
		return x.String()
	case time.Time:
		return x.UTC().Format(hiveTimestamp)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	case *object:
		o := &object{keys: x.keys, vals: make([]any, len(x.vals))}
		for i, e := range x.vals {
			o.vals[i] = jsonValue(e)
		}
		return o
	case mapEntries:
		o := &object{}
		for i, k := range x.keys {
			o.keys = append(o.keys, textValue(k))
			o.vals = append(o.vals, jsonValue(x.vals[i]))
		}
		return o
	}
	return v
}
