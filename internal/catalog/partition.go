package catalog

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

func partKey(cat, db, table string, vals []string) []byte {
	return key("pt", append([]string{cat, db, table}, vals...)...)
}

func checkValues(op string, t *Table, vals []string) error {
	if len(vals) != len(t.PartitionKeys) {
		return errInvalid(op, "The number of partition keys do not match the number of partition values")
	}
	for _, v := range vals {
		if len(v) > 1024 {
			return errInvalid(op, "1 validation error detected: Value at 'partitionValues' failed to satisfy constraint: Member must have length less than or equal to 1024")
		}
		if strings.ContainsAny(v, "\x00\x01\x02") || !validLine(v) {
			return errInvalid(op, "Partition values must not contain the characters \\u0000-\\u0002 or line breaks.")
		}
	}
	return nil
}

func checkPartitionInput(op string, rec *tableRecord, in *PartitionInput) error {
	if err := checkValues(op, &rec.Table, in.Values); err != nil {
		return err
	}
	if err := checkStorageDescriptor(op, "partitionInput.storageDescriptor", in.StorageDescriptor); err != nil {
		return err
	}
	if err := checkParams(op, "partitionInput.parameters", in.Parameters); err != nil {
		return err
	}
	return checkIndexedTypes(op, rec, in.Values)
}

func (c *Catalog) partition(ctx context.Context, op, cat, d, n string, vals []string) (*Partition, error) {
	var p Partition
	found, err := c.getJSON(ctx, op, partKey(cat, d, n, vals), &p)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errNoPartition(op)
	}
	return &p, nil
}

func partitionError(vals []string, err error) PartitionError {
	te := itemError("", "", err)
	return PartitionError{Values: vals, Code: te.Code, Msg: te.Msg}
}

// CreatePartition adds one partition to a table.
func (c *Catalog) CreatePartition(ctx context.Context, cat, db, table string, in PartitionInput) error {
	const op = "catalog.CreatePartition"
	pe, err := c.createPartitions(ctx, op, cat, db, table, []PartitionInput{in}, 1)
	if err == nil && len(pe) > 0 {
		return gerr(op, kindOfCode(pe[0].Code), pe[0].Code, "%s", pe[0].Msg)
	}
	return err
}

func kindOfCode(code string) errs.Kind {
	switch code {
	case CodeNotFound:
		return errs.NotExist
	case CodeAlreadyExists:
		return errs.Exist
	case CodeInvalidInput:
		return errs.Invalid
	}
	return errs.Other
}

// BatchCreatePartition adds up to 100 partitions in one batch; each
// invalid or existing partition is reported and the rest are created.
func (c *Catalog) BatchCreatePartition(ctx context.Context, cat, db, table string, ins []PartitionInput) ([]PartitionError, error) {
	return c.createPartitions(ctx, "catalog.BatchCreatePartition", cat, db, table, ins, 100)
}

func (c *Catalog) createPartitions(ctx context.Context, op, cat, db, table string, ins []PartitionInput, max int) ([]PartitionError, error) {
	d, n, err := names(op, db, table)
	if err != nil {
		return nil, err
	}
	if len(ins) == 0 || len(ins) > max {
		return nil, errInvalid(op, "1 validation error detected: Value at 'partitionInputList' failed to satisfy constraint: Member must have length between 1 and %d", max)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	rec, err := c.tableRec(ctx, op, cat, d, n)
	if err != nil {
		return nil, err
	}
	now := c.now0()
	var b meta.Batch
	var out []PartitionError
	seen := map[string]bool{}
	for _, in := range ins {
		if err := checkPartitionInput(op, rec, &in); err != nil {
			out = append(out, partitionError(in.Values, err))
			continue
		}
		k := partKey(cat, d, n, in.Values)
		var old json.RawMessage
		found, err := c.getJSON(ctx, op, k, &old)
		if err != nil {
			return nil, err
		}
		if found || seen[string(k)] {
			out = append(out, partitionError(in.Values, errExists(op, "Partition")))
			continue
		}
		seen[string(k)] = true
		p := Partition{Values: slices.Clone(in.Values), DatabaseName: d, TableName: n, CreationTime: now,
			LastAccessTime: in.LastAccessTime, LastAnalyzedTime: in.LastAnalyzedTime, StorageDescriptor: in.StorageDescriptor,
			Parameters: cloneMap(in.Parameters), CatalogId: cat}
		setJSON(&b, k, &p)
	}
	return out, c.apply(ctx, op, &b)
}

// GetPartition returns one partition by its values.
func (c *Catalog) GetPartition(ctx context.Context, cat, db, table string, vals []string) (Partition, error) {
	const op = "catalog.GetPartition"
	d, n, err := names(op, db, table)
	if err != nil {
		return Partition{}, err
	}
	rec, err := c.tableRec(ctx, op, cat, d, n)
	if err != nil {
		return Partition{}, err
	}
	if err := checkValues(op, &rec.Table, vals); err != nil {
		return Partition{}, err
	}
	p, err := c.partition(ctx, op, cat, d, n, vals)
	if err != nil {
		return Partition{}, err
	}
	return *p, nil
}

// BatchGetPartition returns the partitions that exist among up to 1000
// value lists, in request order; missing ones are left out.
func (c *Catalog) BatchGetPartition(ctx context.Context, cat, db, table string, keys [][]string) ([]Partition, error) {
	const op = "catalog.BatchGetPartition"
	d, n, err := names(op, db, table)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 || len(keys) > 1000 {
		return nil, errInvalid(op, "1 validation error detected: Value at 'partitionsToGet' failed to satisfy constraint: Member must have length between 1 and 1000")
	}
	rec, err := c.tableRec(ctx, op, cat, d, n)
	if err != nil {
		return nil, err
	}
	out := []Partition{}
	for _, vals := range keys {
		if err := checkValues(op, &rec.Table, vals); err != nil {
			return nil, err
		}
		p, err := c.partition(ctx, op, cat, d, n, vals)
		if errs.Is(errs.NotExist, err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, nil
}

// PartitionUpdate is one item of BatchUpdatePartition.
type PartitionUpdate struct {
	Values []string
	Input  PartitionInput
}

// UpdatePartition replaces a partition; new values rename it.
func (c *Catalog) UpdatePartition(ctx context.Context, cat, db, table string, vals []string, in PartitionInput) error {
	const op = "catalog.UpdatePartition"
	pe, err := c.updatePartitions(ctx, op, cat, db, table, []PartitionUpdate{{vals, in}}, 1)
	if err == nil && len(pe) > 0 {
		return gerr(op, kindOfCode(pe[0].Code), pe[0].Code, "%s", pe[0].Msg)
	}
	return err
}

// BatchUpdatePartition updates up to 100 partitions in one batch, with
// per-item errors.
func (c *Catalog) BatchUpdatePartition(ctx context.Context, cat, db, table string, ups []PartitionUpdate) ([]PartitionError, error) {
	return c.updatePartitions(ctx, "catalog.BatchUpdatePartition", cat, db, table, ups, 100)
}

func (c *Catalog) updatePartitions(ctx context.Context, op, cat, db, table string, ups []PartitionUpdate, max int) ([]PartitionError, error) {
	d, n, err := names(op, db, table)
	if err != nil {
		return nil, err
	}
	if len(ups) == 0 || len(ups) > max {
		return nil, errInvalid(op, "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and %d", max)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	rec, err := c.tableRec(ctx, op, cat, d, n)
	if err != nil {
		return nil, err
	}
	var b meta.Batch
	var out []PartitionError
	for _, u := range ups {
		in := u.Input
		if in.Values == nil {
			in.Values = u.Values
		}
		err := checkValues(op, &rec.Table, u.Values)
		if err == nil {
			err = checkPartitionInput(op, rec, &in)
		}
		var old *Partition
		if err == nil {
			old, err = c.partition(ctx, op, cat, d, n, u.Values)
		}
		renamed := !slices.Equal(in.Values, u.Values)
		if err == nil && renamed {
			var x json.RawMessage
			var found bool
			found, err = c.getJSON(ctx, op, partKey(cat, d, n, in.Values), &x)
			if err == nil && found {
				err = errExists(op, "Partition")
			}
		}
		if err != nil {
			if errs.KindOf(err) == errs.IO || errs.KindOf(err) == errs.Corrupt {
				return nil, err
			}
			out = append(out, partitionError(u.Values, err))
			continue
		}
		p := Partition{Values: slices.Clone(in.Values), DatabaseName: d, TableName: n, CreationTime: old.CreationTime,
			LastAccessTime: in.LastAccessTime, LastAnalyzedTime: in.LastAnalyzedTime, StorageDescriptor: in.StorageDescriptor,
			Parameters: cloneMap(in.Parameters), CatalogId: cat}
		if renamed {
			b.Delete(partKey(cat, d, n, u.Values))
			if err := c.deleteRange(ctx, op, &b, statsPartPrefix(cat, d, n, u.Values)); err != nil {
				return nil, err
			}
		}
		setJSON(&b, partKey(cat, d, n, in.Values), &p)
	}
	return out, c.apply(ctx, op, &b)
}

// DeletePartition removes one partition and its column statistics.
func (c *Catalog) DeletePartition(ctx context.Context, cat, db, table string, vals []string) error {
	const op = "catalog.DeletePartition"
	pe, err := c.deletePartitions(ctx, op, cat, db, table, [][]string{vals}, 1)
	if err == nil && len(pe) > 0 {
		return gerr(op, kindOfCode(pe[0].Code), pe[0].Code, "%s", pe[0].Msg)
	}
	return err
}

// BatchDeletePartition removes up to 25 partitions in one batch, with
// per-item errors.
func (c *Catalog) BatchDeletePartition(ctx context.Context, cat, db, table string, keys [][]string) ([]PartitionError, error) {
	return c.deletePartitions(ctx, "catalog.BatchDeletePartition", cat, db, table, keys, 25)
}

func (c *Catalog) deletePartitions(ctx context.Context, op, cat, db, table string, keys [][]string, max int) ([]PartitionError, error) {
	d, n, err := names(op, db, table)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 || len(keys) > max {
		return nil, errInvalid(op, "1 validation error detected: Value at 'partitionsToDelete' failed to satisfy constraint: Member must have length between 1 and %d", max)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	rec, err := c.tableRec(ctx, op, cat, d, n)
	if err != nil {
		return nil, err
	}
	var b meta.Batch
	var out []PartitionError
	seen := map[string]bool{}
	for _, vals := range keys {
		err := checkValues(op, &rec.Table, vals)
		if err == nil {
			_, err = c.partition(ctx, op, cat, d, n, vals)
		}
		k := partKey(cat, d, n, vals)
		if err == nil && seen[string(k)] {
			err = errNoPartition(op)
		}
		if err != nil {
			if errs.KindOf(err) == errs.IO || errs.KindOf(err) == errs.Corrupt {
				return nil, err
			}
			out = append(out, partitionError(vals, err))
			continue
		}
		seen[string(k)] = true
		b.Delete(k)
		if err := c.deleteRange(ctx, op, &b, statsPartPrefix(cat, d, n, vals)); err != nil {
			return nil, err
		}
	}
	return out, c.apply(ctx, op, &b)
}

// segmentOf assigns a partition key to one of total segments.
func segmentOf(k []byte, total int) int {
	h := fnv.New32a()
	h.Write(k)
	return int(h.Sum32() % uint32(total))
}

// GetPartitions lists a table's partitions in value order, filtered by a
// Glue expression and restricted to one segment.
func (c *Catalog) GetPartitions(ctx context.Context, cat, db, table string, q PartitionQuery) ([]Partition, string, error) {
	const op = "catalog.GetPartitions"
	d, n, err := names(op, db, table)
	if err != nil {
		return nil, "", err
	}
	size, err := pageSize(op, q.MaxResults, 1000, 1000)
	if err != nil {
		return nil, "", err
	}
	if s := q.Segment; s != nil && (s.TotalSegments < 1 || s.TotalSegments > 10 || s.SegmentNumber < 0 || s.SegmentNumber >= s.TotalSegments) {
		return nil, "", errInvalid(op, "Invalid segment: SegmentNumber must be in [0, TotalSegments) and TotalSegments in [1, 10].")
	}
	rec, err := c.tableRec(ctx, op, cat, d, n)
	if err != nil {
		return nil, "", err
	}
	f, err := CompileExpression(q.Expression, rec.Table.PartitionKeys)
	if err != nil {
		return nil, "", errInvalid(op, "Unsupported expression '%s': %v", q.Expression, err)
	}
	base := prefix("pt", cat, d, n)
	lower, upper := base, upperBound(base)
	if len(f.prefix) > 0 {
		p := partKey(cat, d, n, f.prefix)
		if len(f.prefix) < len(rec.Table.PartitionKeys) {
			p = append(p, sep...)
			lower, upper = p, upperBound(p)
		} else {
			lower, upper = p, append(slices.Clone(p), 0)
		}
	}
	start, err := tokenKey(op, q.NextToken, base, upperBound(base))
	if err != nil {
		return nil, "", err
	}
	if start != nil && string(start) < string(lower) {
		start = nil
	}
	out := []Partition{}
	next, err := c.page(ctx, op, lower, upper, start, size, func(k, v []byte) (bool, error) {
		if q.Segment != nil && segmentOf(k, q.Segment.TotalSegments) != q.Segment.SegmentNumber {
			return false, nil
		}
		vals := strings.Split(string(k[len(base):]), sep)
		if !f.Match(vals) {
			return false, nil
		}
		var p Partition
		if err := json.Unmarshal(v, &p); err != nil {
			return false, errIO(op, err)
		}
		if q.ExcludeColumnSchema && p.StorageDescriptor != nil {
			p.StorageDescriptor.Columns = nil
		}
		out = append(out, p)
		return true, nil
	})
	return out, next, err
}
