package formats

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

// JSON input may be JSON lines, concatenated values (pretty-printed objects
// one after another) or one top-level array of objects; all three are read
// as a stream of records, never as one document in memory.

func init() {
	Default.Register(&Spec{
		Name:      JSON,
		Open:      openJSON,
		NewWriter: newJSONWriter,
		Infer:     inferJSON,
		Exts:      []string{".json", ".jsonl", ".ndjson", ".jsonlines"},
	})
}

type jsonSource struct {
	s       *jsonScanner
	inArray bool
	first   bool
	done    bool
}

func newJSONSource(src *Source, o *Options) (*jsonSource, error) {
	br := bufio.NewReaderSize(src.R, 64<<10)
	// Skip a UTF-8 byte order mark.
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	j := &jsonSource{s: &jsonScanner{r: br, max: o.MaxRecordBytes}}
	// A top-level array is streamed element by element.
	for {
		b, err := br.Peek(1)
		if err != nil {
			break
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			j.s.next()
			continue
		case '[':
			j.s.next()
			j.inArray, j.first = true, true
		}
		break
	}
	return j, nil
}

func (j *jsonSource) textual() bool { return false }

func (j *jsonSource) next() (any, error) {
	if j.done {
		return nil, io.EOF
	}
	s := j.s
	s.n = 0
	c, err := s.space()
	if j.inArray {
		if err != nil {
			return nil, fmt.Errorf("top-level array: %w", s.unexpectedEOF(err))
		}
		switch {
		case c == ']':
			return nil, j.end()
		case !j.first && c == ',':
			if c, err = s.space(); err != nil {
				return nil, s.unexpectedEOF(err)
			}
		case !j.first:
			return nil, s.errf("expected ',' or ']' after array element, found %q", c)
		}
		j.first = false
	} else if err != nil {
		if err == io.EOF {
			j.done = true
		}
		return nil, err
	}
	v, err := s.value(c, 0)
	if err != nil {
		return nil, err
	}
	if _, ok := v.(*object); !ok {
		return nil, fmt.Errorf("record is a %s, not an object", jsonKind(v))
	}
	return v, nil
}

// end checks that only white space follows a top-level array.
func (j *jsonSource) end() error {
	j.done = true
	if c, err := j.s.space(); err != io.EOF {
		if err != nil {
			return err
		}
		return j.s.errf("data after the top-level array: %q", c)
	}
	return io.EOF
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "value"
}

// maxJSONDepth bounds nesting so hostile input cannot exhaust the stack.
const maxJSONDepth = 200

// decodeJSON reads one value, keeping object key order.
func decodeJSON(dec *json.Decoder, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("JSON nested deeper than %d levels", maxJSONDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch d {
	case '{':
		o := &object{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, _ := kt.(string)
			v, err := decodeJSON(dec, depth+1)
			if err != nil {
				return nil, err
			}
			o.set(k, v)
		}
		_, err := dec.Token()
		return o, err
	case '[':
		arr := []any{}
		for dec.More() {
			v, err := decodeJSON(dec, depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token()
		return arr, err
	}
	return nil, fmt.Errorf("unexpected %v", d)
}

func openJSON(src *Source, o *Options) (Reader, error) {
	j, err := newJSONSource(src, o)
	if err != nil {
		return nil, err
	}
	return newTextReader(j, o)
}

func inferJSON(src *Source, o *Options) (*Inference, error) {
	j, err := newJSONSource(src, o)
	if err != nil {
		return nil, err
	}
	return inferRows(src, o, j, func() int64 { return j.s.total })
}

type jsonWriter struct {
	w      *bufio.Writer
	enc    *json.Encoder
	schema *arrow.Schema
}

// newJSONWriter writes JSON lines: one object per row, columns in schema
// order, nulls omitted (as Firehose and Hive's JSON SerDe expect), decimals
// as exact numbers, dates and timestamps as Hive text.
func newJSONWriter(w io.Writer, s *arrow.Schema, o *Options) (Writer, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &jsonWriter{w: bw, enc: enc, schema: s}, nil
}

func (j *jsonWriter) Write(rec arrow.Record) error {
	if !rec.Schema().Equal(j.schema) {
		return fmt.Errorf("batch schema %s does not match writer schema", rec.Schema())
	}
	o := &object{}
	for i := 0; i < int(rec.NumRows()); i++ {
		o.keys, o.vals = o.keys[:0], o.vals[:0]
		for c := 0; c < int(rec.NumCols()); c++ {
			v, err := valueAt(rec.Column(c), i)
			if err != nil {
				return err
			}
			if v == nil {
				continue
			}
			o.keys = append(o.keys, j.schema.Field(c).Name)
			o.vals = append(o.vals, jsonValue(v))
		}
		if err := j.enc.Encode(o); err != nil {
			return err
		}
	}
	return nil
}

func (j *jsonWriter) Close() error { return j.w.Flush() }
