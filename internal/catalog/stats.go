package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// ColumnStatistics are the statistics of one column of a table or
// partition.
type ColumnStatistics struct {
	ColumnName     string               `json:"ColumnName"`
	ColumnType     string               `json:"ColumnType"`
	AnalyzedTime   time.Time            `json:"AnalyzedTime"`
	StatisticsData ColumnStatisticsData `json:"StatisticsData"`
}

// ColumnStatisticsData is a union selected by Type.
type ColumnStatisticsData struct {
	Type                        string        `json:"Type"`
	BooleanColumnStatisticsData *BooleanStats `json:"BooleanColumnStatisticsData,omitempty"`
	DateColumnStatisticsData    *DateStats    `json:"DateColumnStatisticsData,omitempty"`
	DecimalColumnStatisticsData *DecimalStats `json:"DecimalColumnStatisticsData,omitempty"`
	DoubleColumnStatisticsData  *DoubleStats  `json:"DoubleColumnStatisticsData,omitempty"`
	LongColumnStatisticsData    *LongStats    `json:"LongColumnStatisticsData,omitempty"`
	StringColumnStatisticsData  *StringStats  `json:"StringColumnStatisticsData,omitempty"`
	BinaryColumnStatisticsData  *BinaryStats  `json:"BinaryColumnStatisticsData,omitempty"`
}

// BooleanStats are statistics of a boolean column.
type BooleanStats struct {
	NumberOfTrues  int64 `json:"NumberOfTrues"`
	NumberOfFalses int64 `json:"NumberOfFalses"`
	NumberOfNulls  int64 `json:"NumberOfNulls"`
}

// DateStats are statistics of a date column.
type DateStats struct {
	MinimumValue           *time.Time `json:"MinimumValue,omitempty"`
	MaximumValue           *time.Time `json:"MaximumValue,omitempty"`
	NumberOfNulls          int64      `json:"NumberOfNulls"`
	NumberOfDistinctValues int64      `json:"NumberOfDistinctValues"`
}

// DecimalNumber is an unscaled value and a scale.
type DecimalNumber struct {
	UnscaledValue []byte `json:"UnscaledValue"`
	Scale         int    `json:"Scale"`
}

// DecimalStats are statistics of a decimal column.
type DecimalStats struct {
	MinimumValue           *DecimalNumber `json:"MinimumValue,omitempty"`
	MaximumValue           *DecimalNumber `json:"MaximumValue,omitempty"`
	NumberOfNulls          int64          `json:"NumberOfNulls"`
	NumberOfDistinctValues int64          `json:"NumberOfDistinctValues"`
}

// DoubleStats are statistics of a floating-point column.
type DoubleStats struct {
	MinimumValue           float64 `json:"MinimumValue"`
	MaximumValue           float64 `json:"MaximumValue"`
	NumberOfNulls          int64   `json:"NumberOfNulls"`
	NumberOfDistinctValues int64   `json:"NumberOfDistinctValues"`
}

// LongStats are statistics of an integer column.
type LongStats struct {
	MinimumValue           int64 `json:"MinimumValue"`
	MaximumValue           int64 `json:"MaximumValue"`
	NumberOfNulls          int64 `json:"NumberOfNulls"`
	NumberOfDistinctValues int64 `json:"NumberOfDistinctValues"`
}

// StringStats are statistics of a string column.
type StringStats struct {
	MaximumLength          int64   `json:"MaximumLength"`
	AverageLength          float64 `json:"AverageLength"`
	NumberOfNulls          int64   `json:"NumberOfNulls"`
	NumberOfDistinctValues int64   `json:"NumberOfDistinctValues"`
}

// BinaryStats are statistics of a binary column.
type BinaryStats struct {
	MaximumLength int64   `json:"MaximumLength"`
	AverageLength float64 `json:"AverageLength"`
	NumberOfNulls int64   `json:"NumberOfNulls"`
}

// ColumnError is a per-column failure of a statistics operation.
type ColumnError struct {
	ColumnName string
	Code       string
	Msg        string
}

func statsPartPrefix(cat, d, n string, vals []string) []byte {
	return append(key("ps", append([]string{cat, d, n}, vals...)...), sep+"\x01"...)
}

func (s *ColumnStatistics) check() error {
	d := s.StatisticsData
	var set int
	for _, p := range []bool{d.BooleanColumnStatisticsData != nil, d.DateColumnStatisticsData != nil,
		d.DecimalColumnStatisticsData != nil, d.DoubleColumnStatisticsData != nil, d.LongColumnStatisticsData != nil,
		d.StringColumnStatisticsData != nil, d.BinaryColumnStatisticsData != nil} {
		if p {
			set++
		}
	}
	want := map[string]bool{"BOOLEAN": d.BooleanColumnStatisticsData != nil, "DATE": d.DateColumnStatisticsData != nil,
		"DECIMAL": d.DecimalColumnStatisticsData != nil, "DOUBLE": d.DoubleColumnStatisticsData != nil,
		"LONG": d.LongColumnStatisticsData != nil, "STRING": d.StringColumnStatisticsData != nil,
		"BINARY": d.BinaryColumnStatisticsData != nil}
	has, ok := want[d.Type]
	if !ok {
		return fmt.Errorf("StatisticsData.Type %q is not one of BOOLEAN, DATE, DECIMAL, DOUBLE, LONG, STRING, BINARY", d.Type)
	}
	if !has || set != 1 {
		return fmt.Errorf("StatisticsData must hold exactly the %s statistics", d.Type)
	}
	if s.ColumnType == "" {
		return fmt.Errorf("ColumnType is required")
	}
	return nil
}

// statsTarget resolves the table (and partition) a statistics call is
// about; vals nil means the table.
func (c *Catalog) statsTarget(ctx context.Context, op, cat, db, table string, vals []string) (*tableRecord, []byte, error) {
	d, n, err := names(op, db, table)
	if err != nil {
		return nil, nil, err
	}
	rec, err := c.tableRec(ctx, op, cat, d, n)
	if err != nil {
		return nil, nil, err
	}
	if vals == nil {
		return rec, prefix("cs", cat, d, n), nil
	}
	if err := checkValues(op, &rec.Table, vals); err != nil {
		return nil, nil, err
	}
	if _, err := c.partition(ctx, op, cat, d, n, vals); err != nil {
		return nil, nil, err
	}
	return rec, statsPartPrefix(cat, d, n, vals), nil
}

// columnOf finds a column of the table (data or partition key).
func columnOf(t *Table, name string) bool {
	if t.StorageDescriptor != nil {
		for _, col := range t.StorageDescriptor.Columns {
			if strings.EqualFold(col.Name, name) {
				return true
			}
		}
	}
	return keyIndex(t.PartitionKeys, name) >= 0
}

// UpdateColumnStatistics stores statistics for up to 25 columns of a
// table (vals nil) or of one partition; bad items are reported.
func (c *Catalog) UpdateColumnStatistics(ctx context.Context, cat, db, table string, vals []string, stats []ColumnStatistics) ([]ColumnError, error) {
	const op = "catalog.UpdateColumnStatistics"
	if len(stats) == 0 || len(stats) > 25 {
		return nil, errInvalid(op, "1 validation error detected: Value at 'columnStatisticsList' failed to satisfy constraint: Member must have length between 0 and 25")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	rec, p, err := c.statsTarget(ctx, op, cat, db, table, vals)
	if err != nil {
		return nil, err
	}
	var b meta.Batch
	var out []ColumnError
	for _, s := range stats {
		s.ColumnName = strings.ToLower(s.ColumnName)
		if err := s.check(); err != nil {
			out = append(out, ColumnError{s.ColumnName, CodeInvalidInput, err.Error()})
			continue
		}
		if !columnOf(&rec.Table, s.ColumnName) {
			out = append(out, ColumnError{s.ColumnName, CodeNotFound, fmt.Sprintf("Column %s not found in table %s.", s.ColumnName, rec.Table.Name)})
			continue
		}
		if s.AnalyzedTime.IsZero() {
			s.AnalyzedTime = c.now0()
		}
		setJSON(&b, append(append([]byte{}, p...), s.ColumnName...), &s)
	}
	return out, c.apply(ctx, op, &b)
}

// GetColumnStatistics returns statistics for up to 100 columns; columns
// without statistics are reported as errors.
func (c *Catalog) GetColumnStatistics(ctx context.Context, cat, db, table string, vals []string, columns []string) ([]ColumnStatistics, []ColumnError, error) {
	const op = "catalog.GetColumnStatistics"
	if len(columns) == 0 || len(columns) > 100 {
		return nil, nil, errInvalid(op, "1 validation error detected: Value at 'columnNames' failed to satisfy constraint: Member must have length between 0 and 100")
	}
	_, p, err := c.statsTarget(ctx, op, cat, db, table, vals)
	if err != nil {
		return nil, nil, err
	}
	out := []ColumnStatistics{}
	var bad []ColumnError
	for _, col := range columns {
		var s ColumnStatistics
		found, err := c.getJSON(ctx, op, append(append([]byte{}, p...), strings.ToLower(col)...), &s)
		if err != nil {
			return nil, nil, err
		}
		if !found {
			bad = append(bad, ColumnError{col, CodeNotFound, fmt.Sprintf("Column statistics of %s not found.", col)})
			continue
		}
		out = append(out, s)
	}
	return out, bad, nil
}

// DeleteColumnStatistics deletes one column's statistics.
func (c *Catalog) DeleteColumnStatistics(ctx context.Context, cat, db, table string, vals []string, column string) error {
	const op = "catalog.DeleteColumnStatistics"
	col, err := normName(op, "columnName", column)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_, p, err := c.statsTarget(ctx, op, cat, db, table, vals)
	if err != nil {
		return err
	}
	k := append(append([]byte{}, p...), col...)
	var raw json.RawMessage
	found, err := c.getJSON(ctx, op, k, &raw)
	if err != nil {
		return err
	}
	if !found {
		return gerr(op, errs.NotExist, CodeNotFound, "Column statistics of %s not found.", column)
	}
	var b meta.Batch
	b.Delete(k)
	return c.apply(ctx, op, &b)
}
