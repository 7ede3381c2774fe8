package types

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// MetaGlueType is the Arrow field metadata key that keeps a Glue type Arrow
// cannot express by itself (char(n), varchar(n)), so that a schema survives
// Glue → Arrow → Glue unchanged.
const MetaGlueType = "tarn.glue_type"

// TimestampType is the Arrow type for Glue's timestamp: microseconds, no zone
// (Hive timestamps are zone-less wall-clock values).
var TimestampType = &arrow.TimestampType{Unit: arrow.Microsecond}

// ToArrow maps a Glue type to its Arrow data type.
func ToArrow(t *Type) (arrow.DataType, error) {
	switch t.Kind {
	case Boolean:
		return arrow.FixedWidthTypes.Boolean, nil
	case TinyInt:
		return arrow.PrimitiveTypes.Int8, nil
	case SmallInt:
		return arrow.PrimitiveTypes.Int16, nil
	case Int:
		return arrow.PrimitiveTypes.Int32, nil
	case BigInt:
		return arrow.PrimitiveTypes.Int64, nil
	case Float:
		return arrow.PrimitiveTypes.Float32, nil
	case Double:
		return arrow.PrimitiveTypes.Float64, nil
	case Decimal:
		return &arrow.Decimal128Type{Precision: int32(t.Precision), Scale: int32(t.Scale)}, nil
	case String, Char, Varchar:
		return arrow.BinaryTypes.String, nil
	case Date:
		return arrow.FixedWidthTypes.Date32, nil
	case Timestamp:
		return TimestampType, nil
	case Binary:
		return arrow.BinaryTypes.Binary, nil
	case Array:
		e, err := ToArrowField("element", t.Elem)
		if err != nil {
			return nil, err
		}
		return arrow.ListOfField(e), nil
	case Map:
		k, err := ToArrow(t.Key)
		if err != nil {
			return nil, err
		}
		v, err := ToArrowField("value", t.Value)
		if err != nil {
			return nil, err
		}
		return arrow.MapOfFields(arrow.Field{Name: "key", Type: k}, v), nil
	case Struct:
		fs := make([]arrow.Field, len(t.Fields))
		for i, f := range t.Fields {
			af, err := ToArrowField(f.Name, f.Type)
			if err != nil {
				return nil, err
			}
			fs[i] = af
		}
		return arrow.StructOf(fs...), nil
	}
	return nil, fmt.Errorf("types: no Arrow type for %v", t.Kind)
}

// ToArrowField maps a named Glue column to a nullable Arrow field.
func ToArrowField(name string, t *Type) (arrow.Field, error) {
	dt, err := ToArrow(t)
	if err != nil {
		return arrow.Field{}, err
	}
	f := arrow.Field{Name: name, Type: dt, Nullable: true}
	if t.Kind == Char || t.Kind == Varchar {
		f.Metadata = arrow.NewMetadata([]string{MetaGlueType}, []string{t.String()})
	}
	return f, nil
}

// Column is a catalog column: a name and a Glue type.
type Column struct {
	Name string
	Type *Type
}

// ToArrowSchema maps catalog columns to an Arrow schema.
func ToArrowSchema(cols []Column) (*arrow.Schema, error) {
	fs := make([]arrow.Field, len(cols))
	for i, c := range cols {
		f, err := ToArrowField(c.Name, c.Type)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", c.Name, err)
		}
		fs[i] = f
	}
	return arrow.NewSchema(fs, nil), nil
}

// FromArrowSchema maps an Arrow schema to catalog columns.
func FromArrowSchema(s *arrow.Schema) ([]Column, error) {
	cols := make([]Column, s.NumFields())
	for i, f := range s.Fields() {
		t, err := FromArrowField(f)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", f.Name, err)
		}
		cols[i] = Column{Name: f.Name, Type: t}
	}
	return cols, nil
}

// FromArrowField maps an Arrow field to a Glue type, honouring MetaGlueType.
func FromArrowField(f arrow.Field) (*Type, error) {
	if f.Metadata.Len() > 0 {
		if i := f.Metadata.FindKey(MetaGlueType); i >= 0 {
			if t, err := Parse(f.Metadata.Values()[i]); err == nil {
				return t, nil
			}
		}
	}
	return FromArrow(f.Type)
}

// FromArrow maps an Arrow type to the Glue type a crawler would record.
// Unsigned integers widen to the next signed type, large and view variants
// map like their plain forms, and Arrow types Hive has no word for (time of
// day, intervals, null) map to string, as Glue's crawler does.
func FromArrow(dt arrow.DataType) (*Type, error) {
	switch dt := dt.(type) {
	case *arrow.BooleanType:
		return TBoolean, nil
	case *arrow.Int8Type:
		return TTinyInt, nil
	case *arrow.Int16Type, *arrow.Uint8Type:
		return TSmallInt, nil
	case *arrow.Int32Type, *arrow.Uint16Type:
		return TInt, nil
	case *arrow.Int64Type, *arrow.Uint32Type:
		return TBigInt, nil
	case *arrow.Uint64Type:
		return DecimalOf(20, 0), nil
	case *arrow.Float16Type, *arrow.Float32Type:
		return TFloat, nil
	case *arrow.Float64Type:
		return TDouble, nil
	case *arrow.Decimal32Type:
		return DecimalOf(int(dt.Precision), int(dt.Scale)), nil
	case *arrow.Decimal64Type:
		return DecimalOf(int(dt.Precision), int(dt.Scale)), nil
	case *arrow.Decimal128Type:
		return DecimalOf(int(dt.Precision), int(dt.Scale)), nil
	case *arrow.Decimal256Type:
		if dt.Precision > MaxPrecision {
			return TString, nil
		}
		return DecimalOf(int(dt.Precision), int(dt.Scale)), nil
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return TString, nil
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType, *arrow.FixedSizeBinaryType:
		return TBinary, nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return TDate, nil
	case *arrow.TimestampType:
		return TTimestamp, nil
	case *arrow.NullType, *arrow.Time32Type, *arrow.Time64Type, *arrow.DurationType,
		*arrow.MonthIntervalType, *arrow.DayTimeIntervalType, *arrow.MonthDayNanoIntervalType:
		return TString, nil
	case *arrow.ListType:
		return listFrom(dt.ElemField())
	case *arrow.LargeListType:
		return listFrom(dt.ElemField())
	case *arrow.FixedSizeListType:
		return listFrom(dt.ElemField())
	case *arrow.ListViewType:
		return listFrom(dt.ElemField())
	case *arrow.MapType:
		k, err := FromArrow(dt.KeyType())
		if err != nil {
			return nil, err
		}
		v, err := FromArrowField(dt.ItemField())
		if err != nil {
			return nil, err
		}
		return MapOf(k, v), nil
	case *arrow.StructType:
		if dt.NumFields() == 0 {
			return nil, fmt.Errorf("types: empty struct has no Glue type")
		}
		fs := make([]*Field, dt.NumFields())
		for i, f := range dt.Fields() {
			ft, err := FromArrowField(f)
			if err != nil {
				return nil, err
			}
			fs[i] = &Field{Name: f.Name, Type: ft}
		}
		return StructOf(fs...), nil
	case *arrow.DictionaryType:
		return FromArrow(dt.ValueType)
	case *arrow.RunEndEncodedType:
		return FromArrow(dt.Encoded())
	case arrow.ExtensionType:
		return FromArrow(dt.StorageType())
	}
	return nil, fmt.Errorf("types: no Glue type for Arrow %s", dt)
}

func listFrom(f arrow.Field) (*Type, error) {
	e, err := FromArrowField(f)
	if err != nil {
		return nil, err
	}
	return ArrayOf(e), nil
}
