package formats

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tarnhq/tarn/internal/formats/types"
)

// HeaderMode says whether a CSV file starts with a header row.
type HeaderMode int

// Header modes.
const (
	HeaderDetect HeaderMode = iota // Glue-style heuristic
	HeaderPresent
	HeaderAbsent
)

// CSVOptions configure CSV/TSV reading and writing.
type CSVOptions struct {
	Delimiter rune // 0 = sniff when reading (comma, tab, pipe, semicolon, ^A), comma when writing
	Quote     rune // 0 = '"'; -1 = no quoting
	Header    HeaderMode
	// Names, when set, name the columns (a Glue custom classifier's Header);
	// a header row in the file is still skipped per Header.
	Names []string
	// Types, when not nil, are the column types inference may choose (a
	// Glue custom classifier's CustomDatatypes): boolean, smallint, int,
	// bigint, decimal, float, double, date, timestamp and binary, the
	// narrowest that fits every sampled value; string is always the
	// fallback. nil is Glue's default set (boolean, bigint, double, string).
	Types []types.Kind
	// KeepSpaces types values as they are (a Glue custom classifier's
	// DisableValueTrimming): a value with whitespace around it is a
	// string, and a value of only whitespace is not empty. By default
	// inference trims values first. Reading is unaffected.
	KeepSpaces bool
}

func init() {
	Default.Register(&Spec{
		Name:      CSV,
		Open:      openCSV,
		NewWriter: newCSVWriter,
		Infer:     inferCSV,
		Exts:      []string{".csv", ".tsv", ".psv", ".txt"},
	})
}

type csvSource struct {
	p      *csvParser
	names  []string
	header bool
	queue  [][]string
	quoted bool
	opts   CSVOptions
	typer  csvTyper
}

func (c *csvSource) textual() bool      { return true }
func (c *csvSource) columns() []string  { return c.names }
func (c *csvSource) csvTyper() csvTyper { return c.typer }

func (c *csvSource) next() (any, error) {
	if len(c.queue) > 0 {
		r := c.queue[0]
		c.queue = c.queue[1:]
		return r, nil
	}
	r, err := c.p.read()
	if err != nil {
		return nil, err
	}
	return r, nil
}

func csvQuote(o CSVOptions) byte {
	switch {
	case o.Quote < 0:
		return 0
	case o.Quote == 0:
		return '"'
	}
	return byte(o.Quote)
}

// newCSVSource sniffs the delimiter, reads a few records to decide on the
// header, and names the columns (header names, or col0, col1, … as Glue).
func newCSVSource(src *Source, o *Options) (*csvSource, error) {
	br, ok := src.R.(*bufio.Reader)
	if !ok || br.Size() < 64<<10 {
		br = bufio.NewReaderSize(src.R, 64<<10)
	}
	if b, _ := br.Peek(3); string(b) == "\xef\xbb\xbf" {
		br.Discard(3) // UTF-8 byte order mark
	}
	co := o.CSV
	quote := csvQuote(co)
	if co.Delimiter == 0 {
		sample, _ := br.Peek(64 << 10)
		co.Delimiter = rune(sniffDelimiter(sample, quote))
	}
	if co.Delimiter > 127 || co.Delimiter == '\n' || co.Delimiter == '\r' || (quote != 0 && byte(co.Delimiter) == quote) {
		return nil, fmt.Errorf("invalid CSV delimiter %q", co.Delimiter)
	}
	c := &csvSource{p: &csvParser{r: br, delim: byte(co.Delimiter), quote: quote, max: o.MaxRecordBytes}, opts: co,
		typer: newCSVTyper(co.Types, co.KeepSpaces)}
	n := min(o.SampleRows, 100)
	for len(c.queue) < n {
		r, err := c.p.read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		c.queue = append(c.queue, r)
	}
	c.quoted = c.p.quoted
	switch co.Header {
	case HeaderPresent:
		c.header = len(c.queue) > 0
	case HeaderAbsent:
	default:
		c.header = detectHeader(c.queue, o.Schema, c.typer)
	}
	width := 0
	for _, r := range c.queue {
		width = max(width, len(r))
	}
	if c.header {
		c.names = uniqueNames(c.queue[0])
		c.queue = c.queue[1:]
	}
	if len(co.Names) > 0 {
		c.names = uniqueNames(co.Names)
	}
	for i := len(c.names); i < width; i++ {
		c.names = append(c.names, "col"+strconv.Itoa(i))
	}
	c.opts = co
	return c, nil
}

// detectHeader applies Glue's CSV header heuristic: the first row is a
// header when every field in it is a non-empty string (not a number or
// boolean) shorter than 150 characters, the fields are distinct, and either
// it is the only row or some column holds non-string data below it. With a
// given schema, the first row is a header when it repeats the column names.
// Values are typed by t (Glue's default set, or a classifier's custom types).
func detectHeader(rows [][]string, s *arrow.Schema, typer csvTyper) bool {
	if len(rows) == 0 {
		return false
	}
	first := rows[0]
	if s != nil {
		if len(first) != s.NumFields() {
			return false
		}
		for i, f := range s.Fields() {
			if !strings.EqualFold(strings.TrimSpace(first[i]), f.Name) {
				return false
			}
		}
		return true
	}
	seen := map[string]bool{}
	for _, f := range first {
		f = strings.TrimSpace(f)
		t := typer.value(f)
		if f == "" || len(f) >= 150 || t == nil || t.Kind != types.String || seen[strings.ToLower(f)] {
			return false
		}
		seen[strings.ToLower(f)] = true
	}
	if len(rows) == 1 {
		return true
	}
	for col := range first {
		g := typer.column()
		for _, r := range rows[1:] {
			if col < len(r) {
				g.add(r[col])
			}
		}
		if t := g.typ(); t != nil && t.Kind != types.String {
			return true
		}
	}
	return false
}

func uniqueNames(row []string) []string {
	out := make([]string, len(row))
	seen := map[string]int{}
	for i, n := range row {
		n = strings.TrimSpace(n)
		if n == "" {
			n = "col" + strconv.Itoa(i)
		}
		if k := seen[strings.ToLower(n)]; k > 0 {
			n = n + "_" + strconv.Itoa(k)
		}
		seen[strings.ToLower(n)]++
		out[i] = n
	}
	return out
}

func openCSV(src *Source, o *Options) (Reader, error) {
	c, err := newCSVSource(src, o)
	if err != nil {
		return nil, err
	}
	return newTextReader(c, o)
}

func inferCSV(src *Source, o *Options) (*Inference, error) {
	c, err := newCSVSource(src, o)
	if err != nil {
		return nil, err
	}
	inf, err := inferRows(src, o, c, func() int64 { return c.p.bytes })
	if err != nil {
		return nil, err
	}
	c.quoted = c.quoted || c.p.quoted
	inf.Parameters = c.params()
	return inf, nil
}

// csvParams are the table parameters Glue's crawler writes for CSV.
func (c *csvSource) params() map[string]string {
	p := map[string]string{"delimiter": string(c.opts.Delimiter)}
	if c.header {
		p["skip.header.line.count"] = "1"
	}
	if c.quoted {
		p["areColumnsQuoted"] = "true"
	} else {
		p["areColumnsQuoted"] = "false"
	}
	return p
}

type csvWriter struct {
	w      *bufio.Writer
	delim  byte
	quote  byte
	schema *arrow.Schema
	row    []byte
}

// newCSVWriter writes a header row and then one line per row. Nested values
// are written as JSON text, dates as yyyy-mm-dd, timestamps as
// "yyyy-mm-dd hh:mm:ss.ffffff" (Hive's text form), nulls as empty fields.
func newCSVWriter(w io.Writer, s *arrow.Schema, o *Options) (Writer, error) {
	d := o.CSV.Delimiter
	if d == 0 {
		d = ','
	}
	q := csvQuote(o.CSV)
	if d > 127 {
		return nil, fmt.Errorf("invalid CSV delimiter %q", d)
	}
	cw := &csvWriter{w: bufio.NewWriterSize(w, 64<<10), delim: byte(d), quote: q, schema: s}
	if o.CSV.Header != HeaderAbsent {
		for i, f := range s.Fields() {
			if i > 0 {
				cw.w.WriteByte(cw.delim)
			}
			cw.w.WriteString(cw.escape(f.Name))
		}
		cw.w.WriteByte('\n')
	}
	return cw, nil
}

func (c *csvWriter) escape(s string) string {
	if c.quote == 0 || !strings.ContainsAny(s, string([]byte{c.delim, c.quote, '\n', '\r'})) {
		return s
	}
	q := string(c.quote)
	return q + strings.ReplaceAll(s, q, q+q) + q
}

func (c *csvWriter) Write(rec arrow.Record) error {
	if !rec.Schema().Equal(c.schema) {
		return fmt.Errorf("batch schema %s does not match writer schema", rec.Schema())
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		c.row = c.row[:0]
		for j := 0; j < int(rec.NumCols()); j++ {
			if j > 0 {
				c.row = append(c.row, c.delim)
			}
			v, err := valueAt(rec.Column(j), i)
			if err != nil {
				return err
			}
			if v != nil {
				c.row = append(c.row, c.escape(textValue(v))...)
			}
		}
		c.row = append(c.row, '\n')
		if _, err := c.w.Write(c.row); err != nil {
			return err
		}
	}
	return nil
}

func (c *csvWriter) Close() error { return c.w.Flush() }
