package formats

import (
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/hamba/avro/v2"
	"github.com/hamba/avro/v2/ocf"

	"github.com/tarnhq/tarn/internal/formats/types"
)

// AvroOptions configure Avro container writing.
type AvroOptions struct {
	Codec      string // "null" (default), "deflate", "snappy", "zstandard"
	RecordName string // top-level record name; "" = "record"
}

func init() {
	Default.Register(&Spec{
		Name:      Avro,
		Open:      openAvro,
		NewWriter: newAvroWriter,
		Infer:     inferAvro,
		Magic:     []byte("Obj\x01"),
		Exts:      []string{".avro"},
	})
}

type avroReader struct {
	dec    *ocf.Decoder
	sch    *avro.RecordSchema
	schema *arrow.Schema
	rb     *array.RecordBuilder
	batch  int
	row    int64
	err    error
}

func newAvroDecoder(src *Source) (*ocf.Decoder, *avro.RecordSchema, *arrow.Schema, error) {
	var dec *ocf.Decoder
	err := safe("avro header", func() error {
		var err error
		dec, err = ocf.NewDecoder(src.R)
		return err
	})
	if err != nil {
		return nil, nil, nil, err
	}
	rs, ok := dec.Schema().(*avro.RecordSchema)
	if !ok {
		return nil, nil, nil, fmt.Errorf("top-level Avro schema is %s, want a record", dec.Schema().Type())
	}
	s, err := types.AvroToArrow(rs)
	if err != nil {
		return nil, nil, nil, err
	}
	return dec, rs, s, nil
}

func openAvro(src *Source, o *Options) (Reader, error) {
	dec, rs, s, err := newAvroDecoder(src)
	if err != nil {
		return nil, err
	}
	return &avroReader{dec: dec, sch: rs, schema: s, rb: array.NewRecordBuilder(o.Alloc, s), batch: o.BatchSize}, nil
}

func (a *avroReader) Schema() *arrow.Schema { return a.schema }

func (a *avroReader) Next() (arrow.Record, error) {
	if a.err != nil {
		return nil, a.err
	}
	n := 0
	err := safe("avro data", func() error {
		for n < a.batch && a.dec.HasNext() {
			var v any
			if err := a.dec.Decode(&v); err != nil {
				return err
			}
			a.row++
			row, err := normAvro(a.sch, v)
			if err != nil {
				return err
			}
			m, _ := row.(map[string]any)
			for i, f := range a.schema.Fields() {
				if err := appendValue(a.rb.Field(i), m[f.Name]); err != nil {
					return fmt.Errorf("field %s: %w", f.Name, err)
				}
			}
			n++
		}
		return a.dec.Error()
	})
	if err != nil {
		a.err = fmt.Errorf("record %d: %w", a.row, err)
		return nil, a.err
	}
	if n == 0 {
		a.err = io.EOF
		return nil, io.EOF
	}
	return a.rb.NewRecord(), nil
}

func (a *avroReader) Close() error {
	a.rb.Release()
	return a.dec.Close()
}

// normAvro walks a decoded value with its schema, unwrapping unions
// ({"type": value} maps) so appendValue sees plain values.
func normAvro(s avro.Schema, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if ref, ok := s.(*avro.RefSchema); ok {
		s = ref.Schema()
	}
	switch s := s.(type) {
	case *avro.UnionSchema:
		if m, ok := v.(map[string]any); ok && len(m) == 1 {
			for k, inner := range m {
				for _, t := range s.Types() {
					if avroTypeName(t) == k {
						return normAvro(t, inner)
					}
				}
			}
		}
		nn, _ := types.AvroNonNull(s)
		if _, still := nn.(*avro.UnionSchema); !still {
			return normAvro(nn, v)
		}
		return v, nil
	case *avro.RecordSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("record %s decoded as %T", s.FullName(), v)
		}
		out := make(map[string]any, len(m))
		for _, f := range s.Fields() {
			x, err := normAvro(f.Type(), m[f.Name()])
			if err != nil {
				return nil, err
			}
			name := f.Name()
			if d, ok := strings.CutPrefix(f.Doc(), "arrow:"); ok && d != "" {
				name = d // see types.ArrowToAvro
			}
			out[name] = x
		}
		return out, nil
	case *avro.ArraySchema:
		arr, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("array decoded as %T", v)
		}
		for i := range arr {
			x, err := normAvro(s.Items(), arr[i])
			if err != nil {
				return nil, err
			}
			arr[i] = x
		}
		return arr, nil
	case *avro.MapSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("map decoded as %T", v)
		}
		for k, e := range m {
			x, err := normAvro(s.Values(), e)
			if err != nil {
				return nil, err
			}
			m[k] = x
		}
		return m, nil
	case *avro.FixedSchema:
		if s.Logical() != nil {
			return v, nil
		}
		switch b := v.(type) {
		case []byte:
			return b, nil
		default:
			return fmt.Appendf(nil, "%s", b), nil
		}
	}
	return v, nil
}

func avroTypeName(s avro.Schema) string {
	if ref, ok := s.(*avro.RefSchema); ok {
		s = ref.Schema()
	}
	if n, ok := s.(avro.NamedSchema); ok {
		return n.FullName()
	}
	name := string(s.Type())
	if ls, ok := s.(avro.LogicalTypeSchema); ok && ls.Logical() != nil {
		name += "." + string(ls.Logical().Type())
	}
	return name
}

func inferAvro(src *Source, o *Options) (*Inference, error) {
	cr := &countReader{r: src.R}
	src.R = cr
	dec, _, s, err := newAvroDecoder(src)
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	inf := &Inference{Schema: s, NativeSchema: dec.Schema().String()}
	var n int64
	err = safe("avro data", func() error {
		for n < int64(o.SampleRows) && dec.HasNext() {
			var v any
			if err := dec.Decode(&v); err != nil {
				return err
			}
			n++
		}
		return dec.Error()
	})
	if err != nil {
		return nil, err
	}
	exact := !dec.HasNext()
	switch {
	case exact:
		inf.RecordCount, inf.RecordCountExact = n, true
	default:
		inf.RecordCount = int64(float64(n) * float64(src.InputSize) / float64(max(src.raw.n, 1)))
		if src.InputSize <= 0 {
			inf.RecordCount = -1
		}
	}
	if n > 0 {
		inf.AverageRecordSize = cr.n / n
	}
	return inf, nil
}

type avroWriter struct {
	enc    *ocf.Encoder
	sch    *avro.RecordSchema
	schema *arrow.Schema
}

func newAvroWriter(w io.Writer, s *arrow.Schema, o *Options) (Writer, error) {
	name := o.Avro.RecordName
	if name == "" {
		name = "record"
	}
	js, err := types.ArrowToAvro(s, name)
	if err != nil {
		return nil, err
	}
	sch, err := avro.Parse(js)
	if err != nil {
		return nil, fmt.Errorf("generated Avro schema: %w", err)
	}
	codec := ocf.CodecName(strings.ToLower(o.Avro.Codec))
	switch codec {
	case "", "none":
		codec = ocf.Null
	case ocf.Null, ocf.Deflate, ocf.Snappy, ocf.ZStandard:
	default:
		return nil, fmt.Errorf("unsupported Avro codec %q (want null, deflate, snappy, zstandard)", o.Avro.Codec)
	}
	enc, err := ocf.NewEncoderWithSchema(sch, w, ocf.WithCodec(codec), ocf.WithSchemaMarshaler(ocf.FullSchemaMarshaler))
	if err != nil {
		return nil, err
	}
	return &avroWriter{enc: enc, sch: sch.(*avro.RecordSchema), schema: s}, nil
}

func (a *avroWriter) Write(rec arrow.Record) error {
	if !rec.Schema().Equal(a.schema) {
		return fmt.Errorf("batch schema %s does not match writer schema", rec.Schema())
	}
	fields := a.sch.Fields()
	for i := 0; i < int(rec.NumRows()); i++ {
		m := make(map[string]any, len(fields))
		for c, f := range fields {
			v, err := valueAt(rec.Column(c), i)
			if err != nil {
				return err
			}
			if m[f.Name()], err = toAvro(f.Type(), v); err != nil {
				return fmt.Errorf("field %s: %w", f.Name(), err)
			}
		}
		if err := a.enc.Encode(m); err != nil {
			return err
		}
	}
	return nil
}

// toAvro converts a valueAt value to what hamba/avro encodes for schema s.
func toAvro(s avro.Schema, v any) (any, error) {
	if ref, ok := s.(*avro.RefSchema); ok {
		s = ref.Schema()
	}
	if u, ok := s.(*avro.UnionSchema); ok {
		if v == nil {
			return nil, nil
		}
		nn, _ := types.AvroNonNull(u)
		x, err := toAvro(nn, v)
		if err != nil {
			return nil, err
		}
		return map[string]any{avroTypeName(nn): x}, nil
	}
	if v == nil {
		return nil, fmt.Errorf("null in a non-nullable field")
	}
	switch x := v.(type) {
	case Decimal:
		r, ok := new(big.Rat).SetString(x.Text)
		if !ok {
			return nil, fmt.Errorf("bad decimal %q", x.Text)
		}
		return r, nil
	case Date:
		return x.Time, nil
	case time.Time:
		return x, nil
	case int64:
		if p, ok := s.(*avro.PrimitiveSchema); ok && p.Type() == avro.Int {
			return int(x), nil
		}
		return x, nil
	case []any:
		as := s.(*avro.ArraySchema)
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = toAvro(as.Items(), e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case mapEntries:
		ms := s.(*avro.MapSchema)
		out := make(map[string]any, len(x.keys))
		for i, k := range x.keys {
			e, err := toAvro(ms.Values(), x.vals[i])
			if err != nil {
				return nil, err
			}
			out[textValue(k)] = e
		}
		return out, nil
	case *object:
		rs := s.(*avro.RecordSchema)
		out := make(map[string]any, len(x.keys))
		for i, f := range rs.Fields() {
			e, err := toAvro(f.Type(), x.vals[i])
			if err != nil {
				return nil, err
			}
			out[f.Name()] = e
		}
		return out, nil
	}
	return v, nil
}

func (a *avroWriter) Close() error { return a.enc.Close() }

// avroSchemaFor returns the Avro schema text of an inferred Avro file.
func avroSchemaFor(inf *Inference) (string, error) {
	if inf.NativeSchema != "" {
		return inf.NativeSchema, nil
	}
	return types.ArrowToAvro(inf.Schema, "record")
}
