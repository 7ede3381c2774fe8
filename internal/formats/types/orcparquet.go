package types

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/schema"
	"github.com/scritchley/orc"
)

// ORC type descriptions are printed in Hive syntax, so the ORC ⇄ Glue mapping
// is the Glue parser and printer applied to the struct of all columns.

// ORCToArrow maps an ORC file schema (a struct type description) to Arrow.
func ORCToArrow(td *orc.TypeDescription) (*arrow.Schema, error) {
	t, err := Parse(td.String())
	if err != nil {
		return nil, fmt.Errorf("types: ORC schema: %w", err)
	}
	if t.Kind != Struct {
		return nil, fmt.Errorf("types: ORC top-level type is %s, want struct", t.Kind)
	}
	cols := make([]Column, len(t.Fields))
	for i, f := range t.Fields {
		cols[i] = Column{Name: f.Name, Type: f.Type}
	}
	return ToArrowSchema(cols)
}

// ArrowToORC maps an Arrow schema to an ORC struct type description.
func ArrowToORC(s *arrow.Schema) (*orc.TypeDescription, error) {
	cols, err := FromArrowSchema(s)
	if err != nil {
		return nil, err
	}
	return orc.ParseSchema(ColumnsToStruct(cols).String())
}

// ColumnsToStruct returns struct<col:type,…> for a column list.
func ColumnsToStruct(cols []Column) *Type {
	fs := make([]*Field, len(cols))
	for i, c := range cols {
		fs[i] = &Field{Name: c.Name, Type: c.Type}
	}
	return StructOf(fs...)
}

// ArrowToParquet maps an Arrow schema to the Parquet schema tarn writes, with
// the same rules the Parquet writer uses (pqarrow's, Arrow schema stored).
func ArrowToParquet(s *arrow.Schema) (*schema.Schema, error) {
	return pqarrow.ToParquet(s, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps())
}

// ParquetToArrow maps a Parquet file schema (and its key/value metadata, which
// may hold the original Arrow schema) to Arrow.
func ParquetToArrow(s *schema.Schema, kv metadata.KeyValueMetadata) (*arrow.Schema, error) {
	return pqarrow.FromParquet(s, &pqarrow.ArrowReadProperties{}, kv)
}
