package formats

import (
	"fmt"
	"io"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tarnhq/tarn/internal/formats/compress"
	"github.com/tarnhq/tarn/internal/formats/types"
)

// Inference is what a crawler learns from one file: its format and
// compression, the schema in Glue and Arrow terms, and record statistics.
type Inference struct {
	Format      Format
	Compression compress.Codec
	Schema      *arrow.Schema
	Columns     []types.Column
	// NativeSchema is the file's own schema text where it has one (Avro
	// JSON schema, ORC type description), for SerDe parameters.
	NativeSchema string
	// RecordCount is exact when RecordCountExact (columnar footers, or a text
	// file read to the end within the sample), else extrapolated from the
	// sample's compressed bytes to the file size (-1 when the size is unknown).
	RecordCount       int64
	RecordCountExact  bool
	AverageRecordSize int64 // uncompressed bytes per record
	// Parameters are the Glue table parameters a crawler records for this
	// file: classification, compressionType, typeOfData, recordCount,
	// averageRecordSize, and CSV's delimiter, skip.header.line.count and
	// areColumnsQuoted.
	Parameters map[string]string
}

// Infer samples a file with the Default registry. See Registry.Infer.
func Infer(r io.Reader, size int64, name string, opts Options) (*Inference, error) {
	return Default.Infer(r, size, name, opts)
}

// Infer detects compression and format and infers the schema. Parquet, ORC
// and Avro read only their metadata (footer or header) and, for Avro, the
// sampled blocks; text formats read up to opts.SampleRows records.
func (g *Registry) Infer(r io.Reader, size int64, name string, opts Options) (*Inference, error) {
	o := opts.withDefaults()
	src, spec, err := g.prepare(r, size, name, o)
	if err != nil {
		return nil, err
	}
	defer src.close()
	if spec.Infer == nil {
		return nil, fmt.Errorf("formats: %s cannot infer a schema", spec.Name)
	}
	inf, err := spec.Infer(src, o)
	if err != nil {
		return nil, fmt.Errorf("formats: %s %s: %w", spec.Name, name, err)
	}
	inf.Format, inf.Compression = spec.Name, src.Codec
	if inf.Columns == nil {
		if inf.Columns, err = types.FromArrowSchema(inf.Schema); err != nil {
			return nil, fmt.Errorf("formats: %s %s: %w", spec.Name, name, err)
		}
	}
	if inf.Parameters == nil {
		inf.Parameters = map[string]string{}
	}
	p := inf.Parameters
	if p["classification"] == "" {
		p["classification"] = string(spec.Name)
	}
	p["compressionType"] = string(src.Codec)
	p["typeOfData"] = "file"
	p["recordCount"] = strconv.FormatInt(inf.RecordCount, 10)
	p["averageRecordSize"] = strconv.FormatInt(inf.AverageRecordSize, 10)
	return inf, nil
}

// inferRows is Infer for text formats: sample records from a rowSource.
// decoded counts the uncompressed bytes the source consumed.
func inferRows(src *Source, o *Options, rs rowSource, decoded func() int64) (*Inference, error) {
	rows, schema, err := sampleSchema(rs, o.SampleRows)
	if err != nil {
		return nil, err
	}
	inf := &Inference{Schema: schema}
	n := int64(len(rows))
	exact := n < int64(o.SampleRows)
	if !exact {
		// One more record tells whether the sample was the whole file.
		if _, err := rs.next(); err == io.EOF {
			exact = true
		}
	}
	if n > 0 {
		inf.AverageRecordSize = decoded() / n
	}
	switch {
	case exact:
		inf.RecordCount, inf.RecordCountExact = n, true
	default:
		inf.RecordCount = estimateCount(src, inf.AverageRecordSize)
	}
	return inf, nil
}

// estimateCount extrapolates a record count from the input size, the
// compression ratio seen so far and the average uncompressed record size.
func estimateCount(src *Source, avg int64) int64 {
	if src.InputSize <= 0 || avg <= 0 || src.raw.n == 0 || src.decoded.n == 0 {
		return -1
	}
	ratio := float64(src.raw.n) / float64(src.decoded.n) // compressed bytes per byte
	return int64(float64(src.InputSize) / ratio / float64(avg))
}
