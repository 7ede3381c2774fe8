package formats

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/tarnhq/tarn/internal/formats/types"
)

// rowSource yields the records of a text format one at a time: *object for
// self-describing formats (JSON, XML, logs) and []string for CSV.
type rowSource interface {
	next() (any, error) // io.EOF at the end
	// textual reports whether scalar values are untyped text ("42" may be
	// a bigint), as in CSV, XML and logs.
	textual() bool
}

// columnNamer is implemented by sources with positional rows (CSV).
type columnNamer interface {
	columns() []string
}

// csvTyped is implemented by sources whose text fields are typed by a
// csvTyper (CSV, where a custom classifier may choose the types).
type csvTyped interface {
	csvTyper() csvTyper
}

// textReader turns a rowSource into Arrow batches. Without a given schema it
// first buffers up to SampleRows records to infer one; those records are then
// emitted first, so memory is bounded by the sample plus one batch.
type textReader struct {
	src     rowSource
	schema  *arrow.Schema
	pending []any
	rb      *array.RecordBuilder
	batch   int
	row     int64
	err     error
}

func newTextReader(src rowSource, o *Options) (*textReader, error) {
	t := &textReader{src: src, batch: o.BatchSize, schema: o.Schema}
	if t.schema == nil {
		rows, s, err := sampleSchema(src, o.SampleRows)
		if err != nil {
			return nil, err
		}
		t.pending, t.schema = rows, s
	}
	t.rb = array.NewRecordBuilder(o.Alloc, t.schema)
	return t, nil
}

// sampleSchema reads up to n records and infers their schema.
func sampleSchema(src rowSource, n int) ([]any, *arrow.Schema, error) {
	var rows []any
	var root *types.Type
	var widths []colGuesser
	var typer csvTyper
	if ct, ok := src.(csvTyped); ok {
		typer = ct.csvTyper()
	}
	for len(rows) < n {
		r, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		rows = append(rows, r)
		switch r := r.(type) {
		case []string:
			for i, s := range r {
				if i >= len(widths) {
					widths = append(widths, typer.column())
				}
				widths[i].add(s)
			}
		default:
			root = types.Merge(root, inferValue(r, src.textual()))
		}
	}
	var cols []types.Column
	if cn, ok := src.(columnNamer); ok {
		names := cn.columns()
		for i, name := range names {
			var t *types.Type
			if i < len(widths) {
				t = widths[i].typ()
			}
			cols = append(cols, types.Column{Name: name, Type: types.Resolve(t)})
		}
	} else if root != nil {
		if root.Kind != types.Struct {
			return nil, nil, fmt.Errorf("records are %s values, not objects", root.Kind)
		}
		for _, f := range types.Resolve(root).Fields {
			cols = append(cols, types.Column{Name: f.Name, Type: f.Type})
		}
	}
	if len(cols) == 0 {
		return rows, arrow.NewSchema(nil, nil), nil
	}
	s, err := types.ToArrowSchema(cols)
	return rows, s, err
}

func (t *textReader) Schema() *arrow.Schema { return t.schema }

func (t *textReader) Next() (arrow.Record, error) {
	if t.err != nil {
		return nil, t.err
	}
	n := 0
	for n < t.batch {
		var r any
		if len(t.pending) > 0 {
			r, t.pending[0] = t.pending[0], nil
			t.pending = t.pending[1:]
		} else {
			var err error
			if r, err = t.src.next(); err != nil {
				if err != io.EOF {
					t.err = fmt.Errorf("record %d: %w", t.row+1, err)
				} else {
					t.err = io.EOF
				}
				break
			}
		}
		t.row++
		if err := t.appendRow(r); err != nil {
			t.err = fmt.Errorf("record %d: %w", t.row, err)
			return nil, t.err
		}
		n++
	}
	if n == 0 {
		return nil, t.err
	}
	return t.rb.NewRecord(), nil
}

func (t *textReader) appendRow(r any) error {
	fields := t.schema.Fields()
	switch r := r.(type) {
	case []string:
		for i, f := range fields {
			var v any
			if i < len(r) {
				// A blank value is null unless the column is a string:
				// inference types values trimmed (csv_types.go).
				if f.Type.ID() == arrow.STRING || strings.TrimSpace(r[i]) != "" {
					v = r[i]
				}
			}
			if err := appendValue(t.rb.Field(i), v); err != nil {
				return fmt.Errorf("column %s: %w", f.Name, err)
			}
		}
	case *object:
		for i, f := range fields {
			v, _ := r.getAt(i, f.Name)
			if s, ok := v.(string); ok && s == "" && f.Type.ID() != arrow.STRING && t.src.textual() {
				v = nil
			}
			if err := appendValue(t.rb.Field(i), v); err != nil {
				return fmt.Errorf("column %s: %w", f.Name, err)
			}
		}
	default:
		return errors.New("record is not an object")
	}
	return nil
}

func (t *textReader) Close() error {
	t.rb.Release()
	t.pending = nil
	return nil
}
