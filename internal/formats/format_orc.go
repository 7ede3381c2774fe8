package formats

import (
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/scritchley/orc"

	"github.com/tarnhq/tarn/internal/formats/types"
)

// ORCOptions configure ORC reading and writing.
type ORCOptions struct {
	Compression string // NONE (default) or ZLIB; scritchley/orc writes no others
	// MaxStripeBytes caps the decompressed bytes of one stripe's streams,
	// which the reader holds in memory at once; a larger stripe is an
	// error. 0 = DefaultORCMaxStripeBytes (2 GiB).
	MaxStripeBytes int64
}

func init() {
	Default.Register(&Spec{
		Name:         ORC,
		Open:         openORC,
		NewWriter:    newORCWriter,
		Infer:        inferORC,
		RandomAccess: true,
		Magic:        []byte("ORC"),
		Exts:         []string{".orc"},
	})
}

type sizedReaderAt struct {
	io.ReaderAt
	size int64
}

func (s sizedReaderAt) Size() int64 { return s.size }

func openORCFile(src *Source) (*orc.Reader, *arrow.Schema, *orcMeta, error) {
	var r *orc.Reader
	var s *arrow.Schema
	var m *orcMeta
	err := safe("orc footer", func() error {
		var err error
		// Sizes the file declares are checked before scritchley/orc
		// allocates them (orc_guard.go).
		if m, err = checkORCTail(src.At, src.Size); err != nil {
			return err
		}
		if r, err = orc.NewReader(sizedReaderAt{src.At, src.Size}); err != nil {
			return err
		}
		if s, err = types.ORCToArrow(r.Schema()); err != nil {
			return err
		}
		return checkORCNullDates(r, s)
	})
	return r, s, m, err
}

// checkORCNullDates refuses files whose top-level date columns hold nulls:
// scritchley/orc's DateTreeReader ignores the PRESENT stream, so a null date
// would silently read as another row's value. Stripe statistics say whether
// a column has nulls (non-null value count below the row count).
func checkORCNullDates(r *orc.Reader, s *arrow.Schema) error {
	id := 1 // column 0 is the root struct; ids are pre-order
	for _, f := range s.Fields() {
		if f.Type.ID() == arrow.DATE32 {
			var values uint64
			hasNull := false
			for _, ss := range r.Metadata().GetStripeStats() {
				cs := ss.GetColStats()
				if id < len(cs) {
					values += cs[id].GetNumberOfValues()
					hasNull = hasNull || cs[id].GetHasNull()
				}
			}
			if hasNull || values < uint64(r.NumRows()) {
				return fmt.Errorf("date column %s has nulls, which the ORC reader (scritchley/orc) cannot read correctly", f.Name)
			}
		}
		id += orcColumnCount(f.Type)
	}
	return nil
}

// orcColumnCount is the number of ORC columns (type ids) an Arrow type uses.
func orcColumnCount(dt arrow.DataType) int {
	switch dt := dt.(type) {
	case *arrow.MapType:
		return 1 + orcColumnCount(dt.KeyType()) + orcColumnCount(dt.ItemType())
	case *arrow.ListType:
		return 1 + orcColumnCount(dt.Elem())
	case *arrow.StructType:
		n := 1
		for _, f := range dt.Fields() {
			n += orcColumnCount(f.Type)
		}
		return n
	}
	return 1
}

type orcReader struct {
	src    *Source
	meta   *orcMeta
	stripe int   // next stripe to load
	max    int64 // MaxStripeBytes
	r      *orc.Reader
	c      *orc.Cursor
	schema *arrow.Schema
	rb     *array.RecordBuilder
	batch  int
	row    int64
	err    error
	inRows bool
}

func openORC(src *Source, o *Options) (Reader, error) {
	r, s, m, err := openORCFile(src)
	if err != nil {
		return nil, err
	}
	cols := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		cols[i] = f.Name
	}
	maxStripe := o.ORC.MaxStripeBytes
	if maxStripe <= 0 {
		maxStripe = DefaultORCMaxStripeBytes
	}
	return &orcReader{src: src, meta: m, max: maxStripe, r: r, c: r.Select(cols...), schema: s,
		rb: array.NewRecordBuilder(o.Alloc, s), batch: o.BatchSize}, nil
}

func (r *orcReader) Schema() *arrow.Schema { return r.schema }

func (r *orcReader) Next() (arrow.Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	n := 0
	err := safe("orc data", func() error {
		for n < r.batch {
			if !r.inRows {
				if r.stripe < len(r.meta.footer.GetStripes()) {
					if err := checkORCStripe(r.src.At, r.meta, r.stripe, r.max); err != nil {
						return err
					}
				}
				r.stripe++
				if !r.c.Stripes() {
					return io.EOF
				}
				r.inRows = true
			}
			if !r.c.Next() {
				if err := r.c.Err(); err != nil && err != io.EOF {
					return err
				}
				r.inRows = false
				continue
			}
			r.row++
			row := r.c.Row()
			for i, f := range r.schema.Fields() {
				if err := appendValue(r.rb.Field(i), normORC(row[i])); err != nil {
					return fmt.Errorf("column %s: %w", f.Name, err)
				}
			}
			n++
		}
		return nil
	})
	if err == io.EOF {
		if err := r.c.Err(); err != nil && err != io.EOF {
			r.err = err
			return nil, r.err
		}
		r.err = io.EOF
		if n == 0 {
			return nil, io.EOF
		}
	} else if err != nil {
		r.err = fmt.Errorf("row %d: %w", r.row, err)
		return nil, r.err
	}
	return r.rb.NewRecord(), nil
}

// normORC converts scritchley/orc row values to appendValue's forms:
// orc.Decimal → its text, map[any]any → map[string]any.
func normORC(v any) any {
	switch x := v.(type) {
	case orc.Decimal:
		return x.String()
	case []any:
		for i := range x {
			x[i] = normORC(x[i])
		}
		return x
	case []orc.MapEntry:
		m := make(map[string]any, len(x))
		for _, e := range x {
			m[textValue(normORC(e.Key))] = normORC(e.Value)
		}
		return m
	case orc.Date:
		return x.Time
	case orc.Struct:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = normORC(e)
		}
		return m
	case orc.Double:
		return float64(x)
	case orc.Float:
		return float32(x)
	}
	return v
}

func (r *orcReader) Close() error {
	r.rb.Release()
	return r.r.Close()
}

func inferORC(src *Source, o *Options) (*Inference, error) {
	r, s, _, err := openORCFile(src)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	inf := &Inference{Schema: s, RecordCount: int64(r.NumRows()), RecordCountExact: true, NativeSchema: r.Schema().String()}
	if inf.RecordCount > 0 {
		inf.AverageRecordSize = src.Size / inf.RecordCount
	}
	return inf, nil
}

type orcWriter struct {
	w      *orc.Writer
	schema *arrow.Schema
}

// newORCWriter writes ORC with scritchley/orc, whose writer lacks tinyint,
// char, binary and decimal columns: tinyint is widened to smallint and char
// written as varchar; binary and decimal columns are rejected.
func newORCWriter(w io.Writer, s *arrow.Schema, o *Options) (Writer, error) {
	cols, err := types.FromArrowSchema(s)
	if err != nil {
		return nil, err
	}
	for i := range cols {
		t, err := orcWritable(cols[i].Type)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", cols[i].Name, err)
		}
		cols[i].Type = t
	}
	td, err := orc.ParseSchema(types.ColumnsToStruct(cols).String())
	if err != nil {
		return nil, err
	}
	var codec orc.CompressionCodec
	switch strings.ToUpper(o.ORC.Compression) {
	case "", "NONE":
		codec = orc.CompressionNone{}
	case "ZLIB":
		codec = orc.CompressionZlib{}
	default:
		return nil, fmt.Errorf("unsupported ORC compression %q (scritchley/orc writes NONE or ZLIB)", o.ORC.Compression)
	}
	ow, err := orc.NewWriter(w, orc.SetSchema(td), orc.SetCompression(codec))
	if err != nil {
		return nil, err
	}
	return &orcWriter{w: ow, schema: s}, nil
}

func orcWritable(t *types.Type) (*types.Type, error) {
	switch t.Kind {
	case types.TinyInt:
		return types.TSmallInt, nil
	case types.Char:
		return &types.Type{Kind: types.Varchar, Length: t.Length}, nil
	case types.Binary, types.Decimal:
		return nil, fmt.Errorf("the ORC writer (scritchley/orc) cannot write %s columns", t.Kind)
	case types.Array:
		e, err := orcWritable(t.Elem)
		return types.ArrayOf(e), err
	case types.Map:
		k, err := orcWritable(t.Key)
		if err != nil {
			return nil, err
		}
		v, err := orcWritable(t.Value)
		return types.MapOf(k, v), err
	case types.Struct:
		out := &types.Type{Kind: types.Struct}
		for _, f := range t.Fields {
			ft, err := orcWritable(f.Type)
			if err != nil {
				return nil, err
			}
			out.Fields = append(out.Fields, &types.Field{Name: f.Name, Type: ft})
		}
		return out, nil
	}
	return t, nil
}

func (o *orcWriter) Write(rec arrow.Record) error {
	if !rec.Schema().Equal(o.schema) {
		return fmt.Errorf("batch schema %s does not match writer schema", rec.Schema())
	}
	for c, col := range rec.Columns() {
		if col.DataType().ID() == arrow.DATE32 && col.NullN() > 0 {
			// scritchley/orc writes a null date so that it reads back
			// shifted: refuse rather than corrupt the column.
			return fmt.Errorf("column %s: the ORC writer (scritchley/orc) cannot write null dates", o.schema.Field(c).Name)
		}
	}
	row := make([]any, rec.NumCols())
	for i := 0; i < int(rec.NumRows()); i++ {
		for c := range row {
			v, err := valueAt(rec.Column(c), i)
			if err != nil {
				return err
			}
			row[c] = toORC(rec.Column(c).DataType(), v)
		}
		if err := o.w.Write(row...); err != nil {
			return err
		}
	}
	return nil
}

// toORC converts a valueAt value for scritchley/orc. Its struct writer has
// no null structs: a null struct is written as a struct of nulls.
func toORC(dt arrow.DataType, v any) any {
	switch x := v.(type) {
	case nil:
		if st, ok := dt.(*arrow.StructType); ok {
			out := make([]any, st.NumFields())
			for i, f := range st.Fields() {
				out[i] = toORC(f.Type, nil)
			}
			return out
		}
		return nil
	case Date:
		return x.Time
	case *object:
		st := dt.(*arrow.StructType)
		out := make([]any, len(x.vals))
		for i, e := range x.vals {
			out[i] = toORC(st.Field(i).Type, e)
		}
		return out
	case []any:
		et := dt.(arrow.ListLikeType).Elem()
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toORC(et, e)
		}
		return out
	case mapEntries:
		mt := dt.(*arrow.MapType)
		out := make(map[any]any, len(x.keys))
		for i, k := range x.keys {
			out[toORC(mt.KeyType(), k)] = toORC(mt.ItemType(), x.vals[i])
		}
		return out
	}
	return v
}

func (o *orcWriter) Close() error { return o.w.Close() }
