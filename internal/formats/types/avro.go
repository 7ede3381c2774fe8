package types

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/hamba/avro/v2"
)

// ArrowToAvro maps an Arrow schema to an Avro record schema (JSON text) named
// name. Nullable fields become ["null", T] unions; decimals are bytes/decimal,
// dates int/date, timestamps long/timestamp-micros (or local-timestamp-micros
// for zone-less timestamps), structs nested records, maps Avro maps (string
// keys only, as Avro requires).
func ArrowToAvro(s *arrow.Schema, name string) (string, error) {
	c := &avroConv{names: map[string]int{}}
	rec, err := c.record(name, s.Fields())
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(rec)
	return string(b), err
}

type avroConv struct{ names map[string]int }

func (c *avroConv) uniqueName(base string) string {
	base = avroName(base)
	c.names[base]++
	if n := c.names[base]; n > 1 {
		return fmt.Sprintf("%s_%d", base, n)
	}
	return base
}

// avroName makes s a valid Avro name ([A-Za-z_][A-Za-z0-9_]*).
func avroName(s string) string {
	var b strings.Builder
	for i, r := range s {
		ok := r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || (i > 0 && '0' <= r && r <= '9')
		if ok {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

func (c *avroConv) record(name string, fields []arrow.Field) (map[string]any, error) {
	fs := make([]any, len(fields))
	for i, f := range fields {
		t, err := c.fieldType(f.Name, f.Type, f.Nullable)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", f.Name, err)
		}
		af := map[string]any{"name": avroName(f.Name), "type": t}
		if avroName(f.Name) != f.Name {
			af["doc"] = "arrow:" + f.Name
		}
		if f.Nullable {
			af["default"] = nil
		}
		fs[i] = af
	}
	return map[string]any{"type": "record", "name": c.uniqueName(name), "fields": fs}, nil
}

func (c *avroConv) fieldType(name string, dt arrow.DataType, nullable bool) (any, error) {
	t, err := c.typ(name, dt)
	if err != nil {
		return nil, err
	}
	if nullable {
		return []any{"null", t}, nil
	}
	return t, nil
}

func (c *avroConv) typ(name string, dt arrow.DataType) (any, error) {
	switch dt := dt.(type) {
	case *arrow.BooleanType:
		return "boolean", nil
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Uint8Type, *arrow.Uint16Type:
		return "int", nil
	case *arrow.Int64Type, *arrow.Uint32Type:
		return "long", nil
	case *arrow.Float32Type, *arrow.Float16Type:
		return "float", nil
	case *arrow.Float64Type:
		return "double", nil
	case *arrow.StringType, *arrow.LargeStringType:
		return "string", nil
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.FixedSizeBinaryType:
		return "bytes", nil
	case *arrow.Decimal128Type:
		return map[string]any{"type": "bytes", "logicalType": "decimal", "precision": dt.Precision, "scale": dt.Scale}, nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return map[string]any{"type": "int", "logicalType": "date"}, nil
	case *arrow.TimestampType:
		lt := "timestamp-micros"
		if dt.TimeZone == "" {
			lt = "local-timestamp-micros"
		}
		return map[string]any{"type": "long", "logicalType": lt}, nil
	case *arrow.ListType:
		e := dt.ElemField()
		it, err := c.fieldType(name, e.Type, e.Nullable)
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "array", "items": it}, nil
	case *arrow.MapType:
		if _, ok := dt.KeyType().(*arrow.StringType); !ok {
			return nil, fmt.Errorf("avro maps need string keys, not %s", dt.KeyType())
		}
		it := dt.ItemField()
		vt, err := c.fieldType(name, it.Type, it.Nullable)
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "map", "values": vt}, nil
	case *arrow.StructType:
		return c.record(name, dt.Fields())
	}
	return nil, fmt.Errorf("no Avro type for Arrow %s", dt)
}

// AvroToArrow maps an Avro record schema to an Arrow schema. Unions of null
// and one type become nullable fields; other unions are rejected, as Glue's
// crawler does not type them either. Enums are strings, fixed is binary.
func AvroToArrow(s avro.Schema) (*arrow.Schema, error) {
	rs, ok := s.(*avro.RecordSchema)
	if !ok {
		return nil, fmt.Errorf("types: Avro top-level schema is %s, want record", s.Type())
	}
	fs, err := avroFields(rs, 0)
	if err != nil {
		return nil, err
	}
	return arrow.NewSchema(fs, nil), nil
}

func avroFields(rs *avro.RecordSchema, depth int) ([]arrow.Field, error) {
	fs := make([]arrow.Field, 0, len(rs.Fields()))
	for _, f := range rs.Fields() {
		dt, nullable, err := AvroToArrowType(f.Type(), depth+1)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", f.Name(), err)
		}
		name := f.Name()
		if d, ok := strings.CutPrefix(f.Doc(), "arrow:"); ok && d != "" {
			name = d // a name Avro cannot spell, kept by ArrowToAvro
		}
		fs = append(fs, arrow.Field{Name: name, Type: dt, Nullable: nullable})
	}
	return fs, nil
}

// AvroNonNull returns the single non-null member of a nullable union, or s.
func AvroNonNull(s avro.Schema) (avro.Schema, bool) {
	if ref, ok := s.(*avro.RefSchema); ok {
		s = ref.Schema()
	}
	u, ok := s.(*avro.UnionSchema)
	if !ok {
		return s, false
	}
	var out avro.Schema
	n := 0
	for _, m := range u.Types() {
		if m.Type() != avro.Null {
			out = m
			n++
		}
	}
	if n == 1 {
		if ref, ok := out.(*avro.RefSchema); ok {
			out = ref.Schema()
		}
		return out, true
	}
	return s, true
}

// AvroToArrowType maps one Avro schema to an Arrow type and nullability.
func AvroToArrowType(s avro.Schema, depth int) (arrow.DataType, bool, error) {
	if depth > MaxDepth {
		return nil, false, fmt.Errorf("avro schema nested deeper than %d", MaxDepth)
	}
	s, nullable := AvroNonNull(s)
	if u, ok := s.(*avro.UnionSchema); ok {
		return nil, false, fmt.Errorf("avro union %s is not supported (only [null, T])", u.String())
	}
	if ls, ok := s.(avro.LogicalTypeSchema); ok && ls.Logical() != nil {
		switch l := ls.Logical().(type) {
		case *avro.DecimalLogicalSchema:
			if l.Precision() <= MaxPrecision {
				return &arrow.Decimal128Type{Precision: int32(l.Precision()), Scale: int32(l.Scale())}, nullable, nil
			}
			return &arrow.Decimal256Type{Precision: int32(l.Precision()), Scale: int32(l.Scale())}, nullable, nil
		default:
			switch l.Type() {
			case avro.Date:
				return arrow.FixedWidthTypes.Date32, nullable, nil
			case avro.TimestampMillis, avro.TimestampMicros:
				return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nullable, nil
			case avro.LocalTimestampMillis, avro.LocalTimestampMicros:
				return TimestampType, nullable, nil
			}
		}
	}
	switch s := s.(type) {
	case *avro.PrimitiveSchema:
		switch s.Type() {
		case avro.Boolean:
			return arrow.FixedWidthTypes.Boolean, nullable, nil
		case avro.Int:
			return arrow.PrimitiveTypes.Int32, nullable, nil
		case avro.Long:
			return arrow.PrimitiveTypes.Int64, nullable, nil
		case avro.Float:
			return arrow.PrimitiveTypes.Float32, nullable, nil
		case avro.Double:
			return arrow.PrimitiveTypes.Float64, nullable, nil
		case avro.String:
			return arrow.BinaryTypes.String, nullable, nil
		case avro.Bytes:
			return arrow.BinaryTypes.Binary, nullable, nil
		case avro.Null:
			return arrow.Null, true, nil
		}
	case *avro.EnumSchema:
		return arrow.BinaryTypes.String, nullable, nil
	case *avro.FixedSchema:
		return arrow.BinaryTypes.Binary, nullable, nil
	case *avro.ArraySchema:
		et, en, err := AvroToArrowType(s.Items(), depth+1)
		if err != nil {
			return nil, false, err
		}
		return arrow.ListOfField(arrow.Field{Name: "element", Type: et, Nullable: en}), nullable, nil
	case *avro.MapSchema:
		vt, vn, err := AvroToArrowType(s.Values(), depth+1)
		if err != nil {
			return nil, false, err
		}
		return arrow.MapOfFields(arrow.Field{Name: "key", Type: arrow.BinaryTypes.String},
			arrow.Field{Name: "value", Type: vt, Nullable: vn}), nullable, nil
	case *avro.RecordSchema:
		fs, err := avroFields(s, depth+1)
		if err != nil {
			return nil, false, err
		}
		if len(fs) == 0 {
			return nil, false, fmt.Errorf("avro record %s has no fields", s.FullName())
		}
		return arrow.StructOf(fs...), nullable, nil
	}
	return nil, false, fmt.Errorf("unsupported avro type %s", s.Type())
}
