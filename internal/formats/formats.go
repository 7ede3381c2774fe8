package formats

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tarnhq/tarn/internal/formats/compress"
)

// Format names a file format; the values are Glue classification strings.
type Format string

// The built-in formats.
const (
	CSV     Format = "csv"
	JSON    Format = "json"
	Parquet Format = "parquet"
	Avro    Format = "avro"
	ORC     Format = "orc"
	XML     Format = "xml"
	Grok    Format = "grok"
	// TSV is CSV with a tab delimiter; Glue classifies it as csv.
	TSV Format = "tsv"
)

// Reader streams a file as Arrow record batches of at most Options.BatchSize
// rows. Next returns io.EOF after the last batch; the caller releases each
// batch. Errors carry the format, the file name and, for text formats, the
// record number.
type Reader interface {
	Schema() *arrow.Schema
	Next() (arrow.Record, error)
	Close() error
}

// Writer writes Arrow record batches in one format. Close writes any footer
// and flushes; it does not close the underlying io.Writer.
type Writer interface {
	Write(rec arrow.Record) error
	Close() error
}

// Options configure reading, inference and writing. The zero value works:
// formats and compression are detected, batches hold DefaultBatchSize rows.
type Options struct {
	Format      Format         // "" = detect from magic bytes, name and content
	Compression compress.Codec // read: "" = detect; write: "" = none
	BatchSize   int            // rows per batch; 0 = DefaultBatchSize
	// Schema, when set, is the schema text formats are read with (no
	// inference); values are converted to it and mismatches are errors.
	Schema     *arrow.Schema
	SampleRows int              // rows read to infer a text schema; 0 = DefaultSampleRows
	Alloc      memory.Allocator // nil = memory.DefaultAllocator
	// MaxRecordBytes bounds one text record (CSV row, JSON value, XML row, log
	// line); larger records are errors, not memory blow-ups. 0 = 16 MiB.
	MaxRecordBytes int

	CSV     CSVOptions
	XML     XMLOptions
	Grok    GrokOptions
	Parquet ParquetOptions
	Avro    AvroOptions
	ORC     ORCOptions
}

// Defaults.
const (
	DefaultBatchSize      = 8192
	DefaultSampleRows     = 1000
	DefaultMaxRecordBytes = 16 << 20
)

func (o *Options) withDefaults() *Options {
	c := *o
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.SampleRows <= 0 {
		c.SampleRows = DefaultSampleRows
	}
	if c.Alloc == nil {
		c.Alloc = memory.DefaultAllocator
	}
	if c.MaxRecordBytes <= 0 {
		c.MaxRecordBytes = DefaultMaxRecordBytes
	}
	return &c
}

// Source is the input handed to a format's opener: a decompressed stream,
// and, for uncompressed input that supports it, random access.
type Source struct {
	Name  string         // file name (compression extension removed)
	R     io.Reader      // decompressed bytes
	At    io.ReaderAt    // random access to the same bytes, or nil
	Size  int64          // size of At's content, or -1
	Codec compress.Codec // compression that was undone
	// InputSize is the size of the input as given (compressed), or -1.
	InputSize int64

	raw     *countReader // compressed bytes consumed
	decoded *countReader // decompressed bytes pulled by the format
	closer  func() error // releases temp files and decompressors
	head    []byte       // first bytes of R (already buffered)
}

// Spec describes one format in a Registry.
type Spec struct {
	Name Format
	// Open reads src as this format. Formats that need random access
	// (Parquet, ORC) get src.At; the registry spools to a temp file if needed.
	Open         func(src *Source, o *Options) (Reader, error)
	NewWriter    func(w io.Writer, s *arrow.Schema, o *Options) (Writer, error) // nil = read-only
	Infer        func(src *Source, o *Options) (*Inference, error)              // nil = read a sample
	RandomAccess bool
	Magic        []byte   // leading bytes that identify the format
	Exts         []string // file extensions, lower case, with dot
}

// Registry holds formats by name. Tests build their own; Default holds the
// built-ins.
type Registry struct {
	mu    sync.RWMutex
	specs map[Format]*Spec
	order []Format
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{specs: map[Format]*Spec{}} }

// Default is the registry of the built-in formats.
var Default = NewRegistry()

// Register adds or replaces a format.
func (g *Registry) Register(s *Spec) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.specs[s.Name]; !ok {
		g.order = append(g.order, s.Name)
	}
	g.specs[s.Name] = s
}

// Lookup returns the spec of a format.
func (g *Registry) Lookup(f Format) (*Spec, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	s, ok := g.specs[Format(strings.ToLower(string(f)))]
	return s, ok
}

// Formats lists the registered formats in registration order.
func (g *Registry) Formats() []Format {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return slices.Clone(g.order)
}

// ErrUnknownFormat is returned when no format matches a file.
var ErrUnknownFormat = errors.New("formats: unknown format")

// Open opens a data file with the Default registry. See Registry.Open.
func Open(r io.Reader, size int64, name string, opts Options) (Reader, error) {
	return Default.Open(r, size, name, opts)
}

// NewWriter creates a writer with the Default registry. See Registry.NewWriter.
func NewWriter(f Format, w io.Writer, s *arrow.Schema, opts Options) (Writer, error) {
	return Default.NewWriter(f, w, s, opts)
}

// Open detects compression and format (unless opts name them) and returns a
// Reader. If r is also an io.ReaderAt (an *os.File, io.SectionReader,
// bytes.Reader), columnar formats read only the parts they need; otherwise
// they are spooled to a temporary file. size is the byte size of r, or -1.
func (g *Registry) Open(r io.Reader, size int64, name string, opts Options) (Reader, error) {
	o := opts.withDefaults()
	src, spec, err := g.prepare(r, size, name, o)
	if err != nil {
		return nil, err
	}
	rd, err := spec.Open(src, o)
	if err != nil {
		src.close()
		return nil, fmt.Errorf("formats: %s %s: %w", spec.Name, name, err)
	}
	return &closingReader{Reader: rd, src: src, what: fmt.Sprintf("formats: %s %s", spec.Name, name)}, nil
}

// NewWriter returns a writer of format f into w for batches of schema s.
// opts.Compression wraps the output in a codec (text formats); columnar
// formats use their own per-format compression options.
func (g *Registry) NewWriter(f Format, w io.Writer, s *arrow.Schema, opts Options) (Writer, error) {
	if f == TSV {
		f = CSV
		if opts.CSV.Delimiter == 0 {
			opts.CSV.Delimiter = '\t'
		}
	}
	spec, ok := g.Lookup(f)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownFormat, f)
	}
	if spec.NewWriter == nil {
		return nil, fmt.Errorf("formats: %s is read-only", f)
	}
	o := opts.withDefaults()
	var cw io.WriteCloser
	if o.Compression != "" && o.Compression != compress.None {
		var err error
		if cw, err = compress.NewWriter(o.Compression, w); err != nil {
			return nil, err
		}
		w = cw
	}
	wr, err := spec.NewWriter(w, s, o)
	if err != nil {
		return nil, fmt.Errorf("formats: %s writer: %w", f, err)
	}
	if cw != nil {
		return &compressedWriter{Writer: wr, cw: cw}, nil
	}
	return wr, nil
}

type compressedWriter struct {
	Writer
	cw io.WriteCloser
}

func (c *compressedWriter) Close() error {
	err := c.Writer.Close()
	if cerr := c.cw.Close(); err == nil {
		err = cerr
	}
	return err
}

// closingReader releases the Source on Close and prefixes every read error
// with the format and file name.
type closingReader struct {
	Reader
	src  *Source
	what string
	done bool
}

func (c *closingReader) Next() (arrow.Record, error) {
	rec, err := c.Reader.Next()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", c.what, err)
	}
	return rec, err
}

func (c *closingReader) Close() error {
	if c.done {
		return nil
	}
	c.done = true
	err := c.Reader.Close()
	if cerr := c.src.close(); err == nil {
		err = cerr
	}
	return err
}

func (s *Source) close() error {
	if s.closer != nil {
		f := s.closer
		s.closer = nil
		return f()
	}
	return nil
}

// countReader counts bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// prepare undoes compression, detects the format and builds the Source.
func (g *Registry) prepare(r io.Reader, size int64, name string, o *Options) (*Source, *Spec, error) {
	raw := &countReader{r: r}
	src := &Source{Name: name, Size: -1, raw: raw, InputSize: size}
	codec := o.Compression
	var head []byte
	ra, _ := r.(io.ReaderAt)
	if ra != nil && size >= 0 {
		head = make([]byte, min(size, 16))
		n, err := ra.ReadAt(head, 0)
		if err != nil && err != io.EOF {
			return nil, nil, fmt.Errorf("formats: %s: %w", name, err)
		}
		head = head[:n]
	}
	br, peeked, err := compress.Peek(raw, 16)
	if err != nil {
		return nil, nil, fmt.Errorf("formats: %s: %w", name, err)
	}
	if head == nil {
		head = peeked
	}
	if codec == "" {
		codec = compress.Detect(name, head)
	}
	switch codec {
	case compress.None:
		src.R, src.Size = br, size
		if ra != nil && size >= 0 {
			src.At = ra
		}
	case compress.Zip:
		rc, inner, err := compress.OpenZip(zipInput(r, ra, br), size)
		if err != nil {
			return nil, nil, fmt.Errorf("formats: %s: %w", name, err)
		}
		src.R, src.closer, src.Name = rc, rc.Close, inner
	default:
		rc, err := compress.NewReader(codec, br)
		if err != nil {
			return nil, nil, fmt.Errorf("formats: %s: %w", name, err)
		}
		src.R, src.closer, src.Name = rc, rc.Close, compress.TrimExt(name)
	}
	if codec != compress.None {
		b, h, err := compress.Peek(src.R, 16)
		if err != nil {
			src.close()
			return nil, nil, fmt.Errorf("formats: %s: %s stream: %w", name, codec, err)
		}
		src.R, head = b, h
	}
	src.head = head
	spec, err := g.detect(src, o)
	src.decoded = &countReader{r: src.R}
	if pr, ok := src.R.(*bufio.Reader); ok {
		// Keep Peek available to formats: count through a bufio reader.
		src.R = bufio.NewReaderSize(src.decoded, pr.Size())
		src.decoded.r = pr
	} else {
		src.R = src.decoded
	}
	if err != nil {
		src.close()
		return nil, nil, err
	}
	if spec.RandomAccess && src.At == nil {
		if err := spool(src); err != nil {
			src.close()
			return nil, nil, err
		}
	}
	src.Codec = codec
	return src, spec, nil
}

func zipInput(r io.Reader, ra io.ReaderAt, br io.Reader) io.Reader {
	if ra != nil {
		return r
	}
	return br
}

// spool copies a stream into an unlinked temp file for random access.
func spool(src *Source) error {
	f, err := os.CreateTemp("", "tarn-formats-*")
	if err != nil {
		return fmt.Errorf("formats: spool %s: %w", src.Name, err)
	}
	os.Remove(f.Name())
	n, err := io.Copy(f, src.R)
	if err != nil {
		f.Close()
		return fmt.Errorf("formats: spool %s: %w", src.Name, err)
	}
	prev := src.closer
	src.At, src.Size, src.R = f, n, io.NewSectionReader(f, 0, n)
	src.closer = func() error {
		f.Close()
		if prev != nil {
			return prev()
		}
		return nil
	}
	return nil
}

// detect picks the format: explicit option, magic bytes, extension, content.
func (g *Registry) detect(src *Source, o *Options) (*Spec, error) {
	if o.Format != "" {
		f := o.Format
		if f == TSV {
			f = CSV
			if o.CSV.Delimiter == 0 {
				o.CSV.Delimiter = '\t'
			}
		}
		s, ok := g.Lookup(f)
		if !ok {
			return nil, fmt.Errorf("%w %q", ErrUnknownFormat, o.Format)
		}
		return s, nil
	}
	g.mu.RLock()
	specs := make([]*Spec, 0, len(g.order))
	for _, f := range g.order {
		specs = append(specs, g.specs[f])
	}
	g.mu.RUnlock()
	for _, s := range specs {
		if len(s.Magic) > 0 && bytes.HasPrefix(src.head, s.Magic) {
			return s, nil
		}
	}
	ext := strings.ToLower(path.Ext(src.Name))
	if ext == ".tsv" && o.CSV.Delimiter == 0 {
		o.CSV.Delimiter = '\t'
	}
	for _, s := range specs {
		if slices.Contains(s.Exts, ext) {
			return s, nil
		}
	}
	if o.Grok.Pattern != "" {
		if s, ok := g.Lookup(Grok); ok {
			return s, nil
		}
	}
	// Content sniffing for text.
	br, ok := src.R.(interface{ Peek(int) ([]byte, error) })
	var head []byte
	if ok {
		head, _ = br.Peek(4096)
	} else {
		head = src.head
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff")
	trimmed = bytes.TrimPrefix(trimmed, []byte("\xef\xbb\xbf"))
	switch {
	case len(trimmed) == 0:
		return nil, fmt.Errorf("%w: %s is empty", ErrUnknownFormat, src.Name)
	case trimmed[0] == '{' || trimmed[0] == '[':
		if s, ok := g.Lookup(JSON); ok {
			return s, nil
		}
	case trimmed[0] == '<':
		if s, ok := g.Lookup(XML); ok {
			return s, nil
		}
	}
	if s, ok := g.Lookup(CSV); ok {
		return s, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrUnknownFormat, src.Name)
}

// Copy writes every batch of r to w and returns the number of rows copied.
// It neither closes r nor w. Firehose conversion and ETL sinks are this loop.
func Copy(w Writer, r Reader) (int64, error) {
	var n int64
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		err = w.Write(rec)
		n += rec.NumRows()
		rec.Release()
		if err != nil {
			return n, err
		}
	}
}
