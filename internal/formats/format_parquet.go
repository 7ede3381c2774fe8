package formats

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	pqcompress "github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// ParquetOptions configure Parquet writing.
type ParquetOptions struct {
	Compression  string // SNAPPY (default), GZIP, ZSTD, UNCOMPRESSED
	RowGroupRows int64  // rows per row group; 0 = 131072
	// MaxRowGroupBytes caps the compressed bytes of one row group's column
	// chunks, which the reader holds in memory at once; a larger row group
	// is an error. 0 = DefaultParquetMaxRowGroupBytes (2 GiB). When lower
	// than arrow-go's page limits (64 MiB compressed, 256 MiB uncompressed)
	// it caps pages too.
	MaxRowGroupBytes int64
}

func init() {
	Default.Register(&Spec{
		Name:         Parquet,
		Open:         openParquet,
		NewWriter:    newParquetWriter,
		Infer:        inferParquet,
		RandomAccess: true,
		Magic:        []byte("PAR1"),
		Exts:         []string{".parquet", ".parq", ".pqt"},
	})
}

// safe runs f and turns a panic inside the Parquet/ORC/Avro libraries (which
// some corrupt files trigger) into an error.
func safe(what string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: corrupt or unsupported file (decoder panic: %v)", what, r)
		}
	}()
	return f()
}

// openParquetFile parses the footer. Sizes arrow-go would allocate
// unchecked are checked first (parquet_guard.go): the footer's before
// arrow-go reads it, the ARROW:schema entry's before arrow-go decodes it.
// Pages are capped by arrow-go's limits (64 MiB compressed, 256 MiB not)
// or o.Parquet.MaxRowGroupBytes if lower.
func openParquetFile(src *Source, o *Options) (*file.Reader, error) {
	props := parquet.NewReaderProperties(nil)
	if m := o.Parquet.MaxRowGroupBytes; m > 0 {
		props.MaxCompressedPageSize = min(props.MaxCompressedPageSize, m)
		props.MaxUncompressedPageSize = min(props.MaxUncompressedPageSize, m)
	}
	var pf *file.Reader
	err := safe("parquet footer", func() error {
		tail, err := checkParquetTail(src.At, src.Size)
		if err != nil {
			return err
		}
		pf, err = file.NewParquetReader(io.NewSectionReader(tail, 0, src.Size), file.WithReadProps(props))
		tail.data = nil // the footer is parsed; data reads go to the file
		if err != nil {
			return err
		}
		if err := checkParquetMeta(pf); err != nil {
			pf.Close()
			pf = nil
			return err
		}
		return nil
	})
	if err != nil {
		return nil, explainParquet(err)
	}
	return pf, nil
}

// explainParquet adds the likely cause to errors from known-unsupported files.
func explainParquet(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "PARE"), strings.Contains(msg, "encrypt"):
		return fmt.Errorf("encrypted Parquet files are not supported (no key material): %w", err)
	}
	return err
}

type parquetReader struct {
	pf     *file.Reader
	rr     pqarrow.RecordReader
	schema *arrow.Schema
	err    error
}

func openParquet(src *Source, o *Options) (Reader, error) {
	pf, err := openParquetFile(src, o)
	if err != nil {
		return nil, err
	}
	p := &parquetReader{pf: pf}
	err = safe("parquet schema", func() error {
		maxRowGroup := o.Parquet.MaxRowGroupBytes
		if maxRowGroup <= 0 {
			maxRowGroup = DefaultParquetMaxRowGroupBytes
		}
		// arrow-go reads the first row group of every column on goroutines
		// of its own, where a panic is fatal: chunk placement is checked
		// first.
		if err := checkParquetChunks(pf, src.Size, maxRowGroup); err != nil {
			return err
		}
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: int64(o.BatchSize)}, o.Alloc)
		if err != nil {
			return err
		}
		if p.schema, err = fr.Schema(); err != nil {
			return err
		}
		p.rr, err = fr.GetRecordReader(context.Background(), nil, nil)
		return err
	})
	if err != nil {
		pf.Close()
		return nil, explainParquet(err)
	}
	return p, nil
}

func (p *parquetReader) Schema() *arrow.Schema { return p.schema }

func (p *parquetReader) Next() (arrow.Record, error) {
	if p.err != nil {
		return nil, p.err
	}
	var rec arrow.Record
	err := safe("parquet data", func() error {
		if p.rr.Next() {
			rec = p.rr.RecordBatch()
			rec.Retain()
			return nil
		}
		if err := p.rr.Err(); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		return io.EOF
	})
	if err != nil {
		p.err = err
		return nil, err
	}
	return rec, nil
}

func (p *parquetReader) Close() error {
	if p.rr != nil {
		p.rr.Release()
	}
	return p.pf.Close()
}

func inferParquet(src *Source, o *Options) (*Inference, error) {
	pf, err := openParquetFile(src, o)
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	inf := &Inference{}
	err = safe("parquet schema", func() error {
		inf.Schema, err = pqarrow.FromParquet(pf.MetaData().Schema, &pqarrow.ArrowReadProperties{}, pf.MetaData().KeyValueMetadata())
		return err
	})
	if err != nil {
		return nil, err
	}
	inf.RecordCount, inf.RecordCountExact = pf.NumRows(), true
	var raw int64
	for i := 0; i < pf.NumRowGroups(); i++ {
		raw += pf.MetaData().RowGroup(i).TotalByteSize()
	}
	if inf.RecordCount > 0 {
		inf.AverageRecordSize = raw / inf.RecordCount
	}
	return inf, nil
}

func parquetCodec(name string) (pqcompress.Compression, error) {
	switch strings.ToUpper(name) {
	case "", "SNAPPY":
		return pqcompress.Codecs.Snappy, nil
	case "GZIP":
		return pqcompress.Codecs.Gzip, nil
	case "ZSTD":
		return pqcompress.Codecs.Zstd, nil
	case "UNCOMPRESSED", "NONE":
		return pqcompress.Codecs.Uncompressed, nil
	}
	return 0, fmt.Errorf("unsupported Parquet compression %q (want SNAPPY, GZIP, ZSTD or UNCOMPRESSED)", name)
}

type parquetWriter struct{ fw *pqarrow.FileWriter }

func newParquetWriter(w io.Writer, s *arrow.Schema, o *Options) (Writer, error) {
	codec, err := parquetCodec(o.Parquet.Compression)
	if err != nil {
		return nil, err
	}
	rows := o.Parquet.RowGroupRows
	if rows <= 0 {
		rows = 128 << 10
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(codec), parquet.WithMaxRowGroupLength(rows),
		parquet.WithAllocator(o.Alloc), parquet.WithCreatedBy("tarn"))
	fw, err := pqarrow.NewFileWriter(s, struct{ io.Writer }{w}, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return nil, err
	}
	return &parquetWriter{fw: fw}, nil
}

func (p *parquetWriter) Write(rec arrow.Record) error { return p.fw.WriteBuffered(rec) }

// Close writes the footer. pqarrow's Close also closes the sink when it is an
// io.Closer, so the sink is wrapped to keep the contract that Close leaves
// the caller's writer open.
func (p *parquetWriter) Close() error { return p.fw.Close() }
