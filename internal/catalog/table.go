package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// tableRecord is a table as stored: the current version and its indexes.
type tableRecord struct {
	Table   Table            `json:"table"`
	Version int64            `json:"version"`
	Indexes []PartitionIndex `json:"indexes,omitempty"`
}

// versionKey orders a table's versions newest first.
func versionKey(cat, db, table string, v int64) []byte {
	return key("tv", cat, db, table, fmt.Sprintf("%020d", math.MaxInt64-v))
}

func checkColumns(op, field string, cols []Column) error {
	seen := map[string]bool{}
	for i, col := range cols {
		if err := checkName(op, fmt.Sprintf("%s.%d.member.name", field, i+1), col.Name); err != nil {
			return err
		}
		if err := checkLen(op, fmt.Sprintf("%s.%d.member.type", field, i+1), col.Type, 131072); err != nil {
			return err
		}
		if err := checkLen(op, fmt.Sprintf("%s.%d.member.comment", field, i+1), col.Comment, 255); err != nil {
			return err
		}
		n := strings.ToLower(col.Name)
		if seen[n] {
			return errInvalid(op, "Duplicate column name: %s.", col.Name)
		}
		seen[n] = true
	}
	return nil
}

func checkStorageDescriptor(op, field string, sd *StorageDescriptor) error {
	if sd == nil {
		return nil
	}
	if err := checkColumns(op, field+".columns", sd.Columns); err != nil {
		return err
	}
	if err := checkLen(op, field+".location", sd.Location, 2056); err != nil {
		return err
	}
	if err := checkLen(op, field+".inputFormat", sd.InputFormat, 128); err != nil {
		return err
	}
	if err := checkLen(op, field+".outputFormat", sd.OutputFormat, 128); err != nil {
		return err
	}
	for _, o := range sd.SortColumns {
		if o.SortOrder != 0 && o.SortOrder != 1 {
			return errInvalid(op, "1 validation error detected: Value '%d' at '%s.sortColumns.member.sortOrder' failed to satisfy constraint: Member must have value less than or equal to 1", o.SortOrder, field)
		}
	}
	if sd.SerdeInfo != nil {
		if err := checkParams(op, field+".serdeInfo.parameters", sd.SerdeInfo.Parameters); err != nil {
			return err
		}
	}
	return checkParams(op, field+".parameters", sd.Parameters)
}

func checkTableInput(op string, in *TableInput) (string, error) {
	name, err := normName(op, "tableInput.name", in.Name)
	if err != nil {
		return "", err
	}
	for _, c := range []struct {
		f   string
		v   string
		max int
	}{{"description", in.Description, 2048}, {"owner", in.Owner, 255}, {"tableType", in.TableType, 255},
		{"viewOriginalText", in.ViewOriginalText, 409600}, {"viewExpandedText", in.ViewExpandedText, 409600}} {
		if err := checkLen(op, "tableInput."+c.f, c.v, c.max); err != nil {
			return "", err
		}
	}
	if in.Retention < 0 {
		return "", errInvalid(op, "1 validation error detected: Value '%d' at 'tableInput.retention' failed to satisfy constraint: Member must have value greater than or equal to 0", in.Retention)
	}
	if err := checkStorageDescriptor(op, "tableInput.storageDescriptor", in.StorageDescriptor); err != nil {
		return "", err
	}
	if err := checkColumns(op, "tableInput.partitionKeys", in.PartitionKeys); err != nil {
		return "", err
	}
	if in.StorageDescriptor != nil {
		for _, pk := range in.PartitionKeys {
			for _, col := range in.StorageDescriptor.Columns {
				if strings.EqualFold(pk.Name, col.Name) {
					return "", errInvalid(op, "Partition key %s is also a column of the table.", pk.Name)
				}
			}
		}
	}
	return name, checkParams(op, "tableInput.parameters", in.Parameters)
}

func (c *Catalog) tableRec(ctx context.Context, op, cat, db, name string) (*tableRecord, error) {
	var rec tableRecord
	found, err := c.getJSON(ctx, op, key("tb", cat, db, name), &rec)
	if err != nil {
		return nil, err
	}
	if !found {
		if _, err := c.database(ctx, op, cat, db); err != nil {
			return nil, err
		}
		return nil, errNoTable(op, name)
	}
	return &rec, nil
}

// names lower-cases and validates a database name and a table name.
func names(op, db, table string) (string, string, error) {
	d, err := normName(op, "databaseName", db)
	if err != nil {
		return "", "", err
	}
	t, err := normName(op, "tableName", table)
	return d, t, err
}

// CreateTable creates a table (with optional partition indexes) in db.
func (c *Catalog) CreateTable(ctx context.Context, cat, db string, in TableInput, indexes []PartitionIndex) error {
	const op = "catalog.CreateTable"
	d, err := normName(op, "databaseName", db)
	if err != nil {
		return err
	}
	name, err := checkTableInput(op, &in)
	if err != nil {
		return err
	}
	if len(indexes) > 3 {
		return gerr(op, errs.Invalid, CodeLimit, "A table can have at most 3 partition indexes.")
	}
	var idx []PartitionIndex
	for _, pi := range indexes {
		if idx, err = addIndex(op, idx, in.PartitionKeys, pi); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.database(ctx, op, cat, d); err != nil {
		return err
	}
	var old tableRecord
	if found, err := c.getJSON(ctx, op, key("tb", cat, d, name), &old); err != nil {
		return err
	} else if found {
		return errExists(op, fmt.Sprintf("Table %s", name))
	}
	now := c.now0()
	t := tableFromInput(in, name, d, cat)
	t.CreateTime, t.UpdateTime, t.VersionId = now, now, "0"
	rec := tableRecord{Table: t, Indexes: idx}
	var b meta.Batch
	setJSON(&b, key("tb", cat, d, name), &rec)
	setJSON(&b, versionKey(cat, d, name, 0), &t)
	return c.apply(ctx, op, &b)
}

func tableFromInput(in TableInput, name, db, cat string) Table {
	t := Table{Name: name, DatabaseName: db, Description: in.Description, Owner: in.Owner,
		LastAccessTime: in.LastAccessTime, LastAnalyzedTime: in.LastAnalyzedTime, Retention: in.Retention,
		StorageDescriptor: in.StorageDescriptor, PartitionKeys: in.PartitionKeys, ViewOriginalText: in.ViewOriginalText,
		ViewExpandedText: in.ViewExpandedText, TableType: in.TableType, Parameters: cloneMap(in.Parameters),
		TargetTable: in.TargetTable, CatalogId: cat}
	if t.PartitionKeys == nil {
		t.PartitionKeys = []Column{}
	}
	return t
}

// GetTable returns the current version of a table.
func (c *Catalog) GetTable(ctx context.Context, cat, db, name string) (Table, error) {
	const op = "catalog.GetTable"
	d, n, err := names(op, db, name)
	if err != nil {
		return Table{}, err
	}
	rec, err := c.tableRec(ctx, op, cat, d, n)
	if err != nil {
		return Table{}, err
	}
	return rec.Table, nil
}

// GetTables lists the tables of db in name order; expr, when set, is a
// Glue/Hive name pattern (see MatchName).
func (c *Catalog) GetTables(ctx context.Context, cat, db, expr string, p Page) ([]Table, string, error) {
	const op = "catalog.GetTables"
	d, err := normName(op, "databaseName", db)
	if err != nil {
		return nil, "", err
	}
	if err := checkLen(op, "expression", expr, 2048); err != nil {
		return nil, "", err
	}
	match, err := NamePattern(expr)
	if err != nil {
		return nil, "", errInvalid(op, "Invalid table name expression %q: %v.", expr, err)
	}
	n, err := pageSize(op, p.MaxResults, 100, 100)
	if err != nil {
		return nil, "", err
	}
	if _, err := c.database(ctx, op, cat, d); err != nil {
		return nil, "", err
	}
	lower := prefix("tb", cat, d)
	upper := upperBound(lower)
	start, err := tokenKey(op, p.NextToken, lower, upper)
	if err != nil {
		return nil, "", err
	}
	var out []Table
	next, err := c.page(ctx, op, lower, upper, start, n, func(k, v []byte) (bool, error) {
		if !match(string(k[len(lower):])) {
			return false, nil
		}
		var rec tableRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return false, errIO(op, err)
		}
		out = append(out, rec.Table)
		return true, nil
	})
	return out, next, err
}

// UpdateOptions qualify UpdateTable.
type UpdateOptions struct {
	// SkipArchive drops the previous version instead of keeping it.
	SkipArchive bool
	// VersionId, when set, must be the table's current version
	// (optimistic concurrency); otherwise ConcurrentModificationException.
	VersionId string
}

// UpdateTable replaces a table's definition, archiving the previous
// version unless opts.SkipArchive.
func (c *Catalog) UpdateTable(ctx context.Context, cat, db string, in TableInput, opts UpdateOptions) error {
	const op = "catalog.UpdateTable"
	d, err := normName(op, "databaseName", db)
	if err != nil {
		return err
	}
	name, err := checkTableInput(op, &in)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	rec, err := c.tableRec(ctx, op, cat, d, name)
	if err != nil {
		return err
	}
	if opts.VersionId != "" && opts.VersionId != rec.Table.VersionId {
		return gerr(op, errs.Conflict, CodeConcurrent, "Update table failed due to concurrent modifications: version %s is not the current version %s of table %s.", opts.VersionId, rec.Table.VersionId, name)
	}
	for _, pi := range rec.Indexes {
		for _, k := range pi.Keys {
			if keyIndex(in.PartitionKeys, k) < 0 {
				return errInvalid(op, "Partition key %s is used by partition index %s and cannot be removed.", k, pi.IndexName)
			}
		}
	}
	prev := rec.Version
	t := tableFromInput(in, name, d, cat)
	t.CreateTime, t.UpdateTime = rec.Table.CreateTime, c.now0()
	t.CreatedBy, t.IsRegisteredWithLakeFormation = rec.Table.CreatedBy, rec.Table.IsRegisteredWithLakeFormation
	rec.Version++
	t.VersionId = strconv.FormatInt(rec.Version, 10)
	rec.Table = t
	var b meta.Batch
	if opts.SkipArchive {
		b.Delete(versionKey(cat, d, name, prev))
	}
	setJSON(&b, key("tb", cat, d, name), rec)
	setJSON(&b, versionKey(cat, d, name, rec.Version), &t)
	return c.apply(ctx, op, &b)
}

// DeleteTable removes a table with its versions, partitions, statistics
// and tags.
func (c *Catalog) DeleteTable(ctx context.Context, cat, db, name string) error {
	const op = "catalog.DeleteTable"
	d, n, err := names(op, db, name)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.tableRec(ctx, op, cat, d, n); err != nil {
		return err
	}
	var b meta.Batch
	if err := c.queueTableDelete(ctx, op, &b, cat, d, n); err != nil {
		return err
	}
	return c.apply(ctx, op, &b)
}

func (c *Catalog) queueTableDelete(ctx context.Context, op string, b *meta.Batch, cat, d, n string) error {
	b.Delete(key("tb", cat, d, n))
	for _, kind := range []string{"tv", "pt", "cs", "ps"} {
		if err := c.deleteRange(ctx, op, b, prefix(kind, cat, d, n)); err != nil {
			return err
		}
	}
	b.Delete(key("tg", cat, c.tableARN(cat, d, n)))
	return nil
}

// TableError is a per-item failure of a batch table operation.
type TableError struct {
	TableName string
	VersionId string
	Code      string
	Msg       string
}

func itemError(name, version string, err error) TableError {
	code := errs.CodeOf(err)
	if code == "" {
		code = CodeInternal
	}
	msg := err.Error()
	var e *errs.Error
	if errorsAs(err, &e) {
		msg = e.Msg
	}
	return TableError{TableName: name, VersionId: version, Code: code, Msg: msg}
}

// BatchDeleteTable deletes up to 100 tables of db in one batch; tables
// that do not exist are reported per item.
func (c *Catalog) BatchDeleteTable(ctx context.Context, cat, db string, tables []string) ([]TableError, error) {
	const op = "catalog.BatchDeleteTable"
	d, err := normName(op, "databaseName", db)
	if err != nil {
		return nil, err
	}
	if len(tables) == 0 || len(tables) > 100 {
		return nil, errInvalid(op, "1 validation error detected: Value at 'tablesToDelete' failed to satisfy constraint: Member must have length between 1 and 100")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.database(ctx, op, cat, d); err != nil {
		return nil, err
	}
	var b meta.Batch
	var errsOut []TableError
	done := map[string]bool{}
	for _, t := range tables {
		n, err := normName(op, "tablesToDelete", t)
		if err == nil && !done[n] {
			_, err = c.tableRec(ctx, op, cat, d, n)
		}
		if err != nil {
			errsOut = append(errsOut, itemError(t, "", err))
			continue
		}
		if done[n] {
			continue
		}
		done[n] = true
		if err := c.queueTableDelete(ctx, op, &b, cat, d, n); err != nil {
			return nil, err
		}
	}
	return errsOut, c.apply(ctx, op, &b)
}

// GetTableVersion returns one version of a table; version "" is the
// current one.
func (c *Catalog) GetTableVersion(ctx context.Context, cat, db, table, version string) (TableVersion, error) {
	const op = "catalog.GetTableVersion"
	d, n, err := names(op, db, table)
	if err != nil {
		return TableVersion{}, err
	}
	rec, err := c.tableRec(ctx, op, cat, d, n)
	if err != nil {
		return TableVersion{}, err
	}
	if version == "" {
		return TableVersion{Table: rec.Table, VersionId: rec.Table.VersionId}, nil
	}
	v, err := parseVersion(op, version)
	if err != nil {
		return TableVersion{}, err
	}
	var t Table
	found, err := c.getJSON(ctx, op, versionKey(cat, d, n, v), &t)
	if err != nil {
		return TableVersion{}, err
	}
	if !found {
		return TableVersion{}, gerr(op, errs.NotExist, CodeNotFound, "Version %s of table %s not found.", version, n)
	}
	return TableVersion{Table: t, VersionId: t.VersionId}, nil
}

func parseVersion(op, s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 || len(s) > 255 {
		return 0, errInvalid(op, "Invalid version id %q: must be a non-negative integer.", s)
	}
	return v, nil
}

// GetTableVersions lists a table's versions, newest first.
func (c *Catalog) GetTableVersions(ctx context.Context, cat, db, table string, p Page) ([]TableVersion, string, error) {
	const op = "catalog.GetTableVersions"
	d, n, err := names(op, db, table)
	if err != nil {
		return nil, "", err
	}
	size, err := pageSize(op, p.MaxResults, 100, 100)
	if err != nil {
		return nil, "", err
	}
	if _, err := c.tableRec(ctx, op, cat, d, n); err != nil {
		return nil, "", err
	}
	lower := prefix("tv", cat, d, n)
	upper := upperBound(lower)
	start, err := tokenKey(op, p.NextToken, lower, upper)
	if err != nil {
		return nil, "", err
	}
	var out []TableVersion
	next, err := c.page(ctx, op, lower, upper, start, size, func(_, v []byte) (bool, error) {
		var t Table
		if err := json.Unmarshal(v, &t); err != nil {
			return false, errIO(op, err)
		}
		out = append(out, TableVersion{Table: t, VersionId: t.VersionId})
		return true, nil
	})
	return out, next, err
}

// DeleteTableVersion deletes one archived version of a table.
func (c *Catalog) DeleteTableVersion(ctx context.Context, cat, db, table, version string) error {
	errsOut, err := c.deleteVersions(ctx, "catalog.DeleteTableVersion", cat, db, table, []string{version}, 1)
	if err == nil && len(errsOut) > 0 {
		e := errsOut[0]
		kind := errs.NotExist
		if e.Code == CodeInvalidInput {
			kind = errs.Invalid
		}
		return gerr("catalog.DeleteTableVersion", kind, e.Code, "%s", e.Msg)
	}
	return err
}

// BatchDeleteTableVersion deletes up to 100 archived versions of a table;
// failures are reported per item.
func (c *Catalog) BatchDeleteTableVersion(ctx context.Context, cat, db, table string, versions []string) ([]TableError, error) {
	return c.deleteVersions(ctx, "catalog.BatchDeleteTableVersion", cat, db, table, versions, 100)
}

func (c *Catalog) deleteVersions(ctx context.Context, op, cat, db, table string, versions []string, max int) ([]TableError, error) {
	d, n, err := names(op, db, table)
	if err != nil {
		return nil, err
	}
	if len(versions) == 0 || len(versions) > max {
		return nil, errInvalid(op, "1 validation error detected: Value at 'versionIds' failed to satisfy constraint: Member must have length between 1 and %d", max)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	rec, err := c.tableRec(ctx, op, cat, d, n)
	if err != nil {
		return nil, err
	}
	var b meta.Batch
	var out []TableError
	for _, s := range versions {
		v, err := parseVersion(op, s)
		if err == nil && v == rec.Version {
			err = errInvalid(op, "Cannot delete the current version %s of table %s.", s, n)
		}
		if err == nil {
			var t Table
			var found bool
			found, err = c.getJSON(ctx, op, versionKey(cat, d, n, v), &t)
			if err == nil && !found {
				err = gerr(op, errs.NotExist, CodeNotFound, "Version %s of table %s not found.", s, n)
			}
		}
		if err != nil {
			out = append(out, itemError(n, s, err))
			continue
		}
		b.Delete(versionKey(cat, d, n, v))
	}
	return out, c.apply(ctx, op, &b)
}
