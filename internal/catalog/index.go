package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// Partition indexes are stored with their table and reported ACTIVE at
// once. Lookups do not need them: partitions are kept in key order, so an
// expression fixing the leading keys is a prefix scan whether or not an
// index exists. Once an index exists, new partitions must have values of
// the indexed keys' types, as Glue requires.

// addIndex validates pi against the partition keys and appends it.
func addIndex(op string, idx []PartitionIndex, keys []Column, pi PartitionIndex) ([]PartitionIndex, error) {
	name, err := normName(op, "partitionIndex.indexName", pi.IndexName)
	if err != nil {
		return nil, err
	}
	if len(pi.Keys) == 0 {
		return nil, errInvalid(op, "A partition index needs at least one key.")
	}
	for _, x := range idx {
		if x.IndexName == name {
			return nil, errExists(op, fmt.Sprintf("Partition index %s", name))
		}
	}
	if len(idx) >= 3 {
		return nil, gerr(op, errs.Invalid, CodeLimit, "A table can have at most 3 partition indexes.")
	}
	var ks []string
	for _, k := range pi.Keys {
		i := keyIndex(keys, k)
		if i < 0 {
			return nil, errInvalid(op, "Partition index key %s is not a partition key of the table.", k)
		}
		if kt := typeOf(keys[i].Type); kt == ktUnsupported {
			return nil, errInvalid(op, "Partition key %s of type %s cannot be indexed.", k, keys[i].Type)
		}
		ks = append(ks, keys[i].Name)
	}
	return append(idx, PartitionIndex{IndexName: name, Keys: ks}), nil
}

// CreatePartitionIndex adds a partition index to a table.
func (c *Catalog) CreatePartitionIndex(ctx context.Context, cat, db, table string, pi PartitionIndex) error {
	const op = "catalog.CreatePartitionIndex"
	d, n, err := names(op, db, table)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	rec, err := c.tableRec(ctx, op, cat, d, n)
	if err != nil {
		return err
	}
	if rec.Indexes, err = addIndex(op, rec.Indexes, rec.Table.PartitionKeys, pi); err != nil {
		return err
	}
	var b meta.Batch
	setJSON(&b, key("tb", cat, d, n), rec)
	return c.apply(ctx, op, &b)
}

// DeletePartitionIndex removes a partition index.
func (c *Catalog) DeletePartitionIndex(ctx context.Context, cat, db, table, index string) error {
	const op = "catalog.DeletePartitionIndex"
	d, n, err := names(op, db, table)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	rec, err := c.tableRec(ctx, op, cat, d, n)
	if err != nil {
		return err
	}
	for i, x := range rec.Indexes {
		if x.IndexName == strings.ToLower(index) {
			rec.Indexes = append(rec.Indexes[:i], rec.Indexes[i+1:]...)
			var b meta.Batch
			setJSON(&b, key("tb", cat, d, n), rec)
			return c.apply(ctx, op, &b)
		}
	}
	return gerr(op, errs.NotExist, CodeNotFound, "Partition index %s not found.", index)
}

// GetPartitionIndexes lists a table's partition indexes.
func (c *Catalog) GetPartitionIndexes(ctx context.Context, cat, db, table string) ([]PartitionIndexDescriptor, error) {
	const op = "catalog.GetPartitionIndexes"
	d, n, err := names(op, db, table)
	if err != nil {
		return nil, err
	}
	rec, err := c.tableRec(ctx, op, cat, d, n)
	if err != nil {
		return nil, err
	}
	out := []PartitionIndexDescriptor{}
	for _, x := range rec.Indexes {
		desc := PartitionIndexDescriptor{IndexName: x.IndexName, IndexStatus: "ACTIVE"}
		for _, k := range x.Keys {
			t := "string"
			if i := keyIndex(rec.Table.PartitionKeys, k); i >= 0 && rec.Table.PartitionKeys[i].Type != "" {
				t = rec.Table.PartitionKeys[i].Type
			}
			desc.Keys = append(desc.Keys, KeySchemaElement{Name: k, Type: t})
		}
		out = append(out, desc)
	}
	return out, nil
}

// checkIndexedTypes checks that values of indexed keys parse as their type.
func checkIndexedTypes(op string, rec *tableRecord, vals []string) error {
	for _, x := range rec.Indexes {
		for _, k := range x.Keys {
			i := keyIndex(rec.Table.PartitionKeys, k)
			if i < 0 || i >= len(vals) {
				continue
			}
			if _, ok := parseValue(typeOf(rec.Table.PartitionKeys[i].Type), vals[i]); !ok {
				return errInvalid(op, "INVALID_PARTITION_TYPE_DATA_ERROR: value %q of indexed partition key %s is not a valid %s.", vals[i], k, rec.Table.PartitionKeys[i].Type)
			}
		}
	}
	return nil
}
