package crawler

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/tarnhq/tarn/internal/catalog"
	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/formats/compress"
)

// tableOut is one table a crawl writes, with its partitions.
type tableOut struct {
	in       catalog.TableInput
	parts    []catalog.PartitionInput
	location string
	fixed    bool // a catalog target's table: the name is given
	jdbc     bool // a JDBC target's table: MergeNewColumns does not apply
}

// counts are a run's table metrics.
type counts struct{ created, updated, deleted int }

func statParams(records, avg, bytes int64, objects int) map[string]string {
	return map[string]string{"recordCount": itoa(records), "averageRecordSize": itoa(avg),
		"objectCount": strconv.Itoa(objects), "sizeKey": itoa(bytes)}
}

// storage builds a StorageDescriptor for a unit's format over columns.
func storage(u *unit, cols []catalog.Column, location string, params map[string]string) *catalog.StorageDescriptor {
	sd := &catalog.StorageDescriptor{Columns: cols, Location: location, Compressed: u.Codec != "" && u.Codec != string(compress.None),
		NumberOfBuckets: -1, Parameters: maps.Clone(params)}
	if u.Classification == Unknown {
		return sd
	}
	sd.InputFormat, sd.OutputFormat = u.Storage.InputFormat, u.Storage.OutputFormat
	sp := maps.Clone(u.Storage.SerdeParameters)
	if sp == nil {
		sp = map[string]string{}
	}
	if _, ok := sp["paths"]; ok {
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = c.Name
		}
		sp["paths"] = strings.Join(names, ",")
	}
	sd.SerdeInfo = &catalog.SerDeInfo{SerializationLibrary: u.Storage.SerializationLibrary, Parameters: sp}
	return sd
}

// buildTable turns a layout candidate into catalog inputs.
func buildTable(c *cand, t *target, crawler, prefix string, cfg *Config) tableOut {
	keys := partitionKeys(c)
	keySet := map[string]bool{}
	var pkeys []catalog.Column
	for _, k := range keys {
		keySet[k] = true
		pkeys = append(pkeys, catalog.Column{Name: k, Type: "string"})
	}
	var cols []catalog.Column
	for _, col := range toCatalog(c.cols) {
		if !keySet[col.Name] {
			cols = append(cols, col)
		}
	}
	u0 := c.parts[0].u
	var records, bytes, weighted int64
	objects := 0
	for _, p := range c.parts {
		records += p.u.Records
		bytes += p.u.Bytes
		weighted += p.u.AvgSize * p.u.Records
		objects += p.u.Objects
	}
	params := maps.Clone(u0.Params)
	maps.Copy(params, statParams(records, weighted/max(records, 1), bytes, objects))
	params["typeOfData"] = "file"
	params[paramUpdatedBy] = crawler
	params["CrawlerSchemaDeserializerVersion"] = crawlerSchemaVersion
	params["CrawlerSchemaSerializerVersion"] = crawlerSchemaVersion
	if params["compressionType"] == "" {
		params["compressionType"] = string(compress.None)
	}
	if len(t.exclusions) > 0 {
		b, _ := json.Marshal(t.exclusions)
		params["exclusions"] = string(b)
	}
	loc := t.location(c.root)
	out := tableOut{location: loc, in: catalog.TableInput{Name: tableName(prefix, c.name), Owner: "owner", TableType: "EXTERNAL_TABLE",
		Retention: 0, PartitionKeys: pkeys, Parameters: params, StorageDescriptor: storage(u0, cols, loc, params)}}
	inherit := cfg.CrawlerOutput.Partitions.AddOrUpdateBehavior == InheritFromTable
	for _, p := range c.parts {
		if len(keys) == 0 {
			break
		}
		pp := maps.Clone(p.u.Params)
		maps.Copy(pp, statParams(p.u.Records, p.u.AvgSize, p.u.Bytes, p.u.Objects))
		pcols := p.u.Columns
		unitForSD := p.u
		if inherit {
			pcols, unitForSD = cols, u0
			for _, k := range []string{"classification", "compressionType", "delimiter", "skip.header.line.count", "areColumnsQuoted", "typeOfData"} {
				if v, ok := params[k]; ok {
					pp[k] = v
				}
			}
		} else {
			var own []catalog.Column
			for _, col := range pcols {
				if !keySet[col.Name] {
					own = append(own, col)
				}
			}
			pcols = own
		}
		out.parts = append(out.parts, catalog.PartitionInput{Values: partitionValues(p, keys),
			StorageDescriptor: storage(unitForSD, pcols, t.location(p.u.Folder), pp), Parameters: pp})
	}
	return out
}

func shortHash(s string) string {
	h := fnv.New32a()
	h.Write([]byte(s))
	return fmt.Sprintf("%08x", h.Sum32())
}

// write applies a crawl's tables to the catalog per the schema change
// policy; under is the set of S3 locations the crawl covered, for
// detecting vanished tables.
func (e *Engine) write(ctx context.Context, cat string, cr *record, cfg *Config, db string, tables []tableOut, under []string) (counts, error) {
	var n counts
	if _, err := e.cat.GetDatabase(ctx, cat, db); errs.KindOf(err) == errs.NotExist {
		if err := e.cat.CreateDatabase(ctx, cat, catalog.DatabaseInput{Name: db}); err != nil && errs.KindOf(err) != errs.Exist {
			return n, err
		}
	} else if err != nil {
		return n, err
	}
	seen := map[string]bool{}
	update := cr.SchemaChangePolicy.UpdateBehavior == UpdateInDatabase
	for i := range tables {
		t := &tables[i]
		if err := ctx.Err(); err != nil {
			return n, err
		}
		name := t.in.Name
		if seen[name] && !t.fixed {
			name += "_" + shortHash(t.location)
		}
		existing, err := e.cat.GetTable(ctx, cat, db, name)
		if err == nil && !t.fixed && existing.StorageDescriptor != nil && existing.StorageDescriptor.Location != t.location {
			name += "_" + shortHash(t.location)
			existing, err = e.cat.GetTable(ctx, cat, db, name)
		}
		t.in.Name = name
		seen[name] = true
		switch {
		case errs.KindOf(err) == errs.NotExist && !t.fixed:
			var idx []catalog.PartitionIndex
			if len(t.in.PartitionKeys) > 0 && cfg.partitionIndex() {
				keys := make([]string, 0, 3)
				for _, k := range t.in.PartitionKeys[:min(3, len(t.in.PartitionKeys))] {
					keys = append(keys, k.Name)
				}
				idx = []catalog.PartitionIndex{{IndexName: "crawler_partition_index", Keys: keys}}
			}
			if err := e.cat.CreateTable(ctx, cat, db, t.in, idx); err != nil {
				return n, fmt.Errorf("creating table %s: %w", name, err)
			}
			n.created++
			if err := e.writePartitions(ctx, cat, db, t, nil, update, cr.SchemaChangePolicy.DeleteBehavior); err != nil {
				return n, err
			}
			continue
		case err != nil:
			return n, err
		}
		if update {
			in := t.in
			if cfg.CrawlerOutput.Tables.AddOrUpdateBehavior == MergeNewColumns && !t.jdbc || t.fixed {
				in = mergeNewColumns(existing, in, t.fixed)
			}
			if changed(existing, in) {
				if err := e.cat.UpdateTable(ctx, cat, db, in, catalog.UpdateOptions{}); err != nil {
					return n, fmt.Errorf("updating table %s: %w", name, err)
				}
				n.updated++
			}
		}
		old, err := e.partitions(ctx, cat, db, name)
		if err != nil {
			return n, err
		}
		if err := e.writePartitions(ctx, cat, db, t, old, update, cr.SchemaChangePolicy.DeleteBehavior); err != nil {
			return n, err
		}
	}
	if cr.SchemaChangePolicy.DeleteBehavior == DeleteLog || len(under) == 0 {
		return n, nil
	}
	return n, e.vanished(ctx, cat, db, cr, seen, under, &n)
}

// mergeNewColumns keeps the existing table's columns and types and adds
// the new ones (MergeNewColumns); a catalog target's table also keeps its
// name, type and partition keys.
func mergeNewColumns(old catalog.Table, in catalog.TableInput, fixed bool) catalog.TableInput {
	if old.StorageDescriptor == nil {
		return in
	}
	sd := *in.StorageDescriptor
	have := map[string]bool{}
	cols := slices.Clone(old.StorageDescriptor.Columns)
	for _, c := range cols {
		have[c.Name] = true
	}
	for _, c := range sd.Columns {
		if !have[c.Name] {
			cols = append(cols, c)
		}
	}
	sd.Columns = cols
	in.StorageDescriptor = &sd
	if fixed {
		in.Name, in.TableType, in.PartitionKeys = old.Name, old.TableType, old.PartitionKeys
	}
	return in
}

func changed(old catalog.Table, in catalog.TableInput) bool {
	return !reflect.DeepEqual(old.StorageDescriptor, in.StorageDescriptor) || !reflect.DeepEqual(old.PartitionKeys, in.PartitionKeys) ||
		!reflect.DeepEqual(old.Parameters, in.Parameters)
}

func (e *Engine) partitions(ctx context.Context, cat, db, table string) (map[string]catalog.Partition, error) {
	out := map[string]catalog.Partition{}
	q := catalog.PartitionQuery{MaxResults: 1000}
	for {
		ps, next, err := e.cat.GetPartitions(ctx, cat, db, table, q)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			out[strings.Join(p.Values, "\x00")] = p
		}
		if next == "" {
			return out, nil
		}
		q.NextToken = next
	}
}

// writePartitions creates new partitions, updates changed ones (when
// updating) and deletes vanished ones (DELETE_FROM_DATABASE), in batches.
func (e *Engine) writePartitions(ctx context.Context, cat, db string, t *tableOut, old map[string]catalog.Partition, update bool, del string) error {
	var create []catalog.PartitionInput
	var upd []catalog.PartitionUpdate
	keep := map[string]bool{}
	for _, p := range t.parts {
		k := strings.Join(p.Values, "\x00")
		keep[k] = true
		o, ok := old[k]
		switch {
		case !ok:
			create = append(create, p)
		case update && (!reflect.DeepEqual(o.StorageDescriptor, p.StorageDescriptor) || !reflect.DeepEqual(o.Parameters, p.Parameters)):
			upd = append(upd, catalog.PartitionUpdate{Values: p.Values, Input: p})
		}
	}
	name := t.in.Name
	for i := 0; i < len(create); i += 100 {
		bad, err := e.cat.BatchCreatePartition(ctx, cat, db, name, create[i:min(i+100, len(create))])
		if err != nil {
			return err
		}
		if len(bad) > 0 {
			return fmt.Errorf("creating partition %v of %s: %s", bad[0].Values, name, bad[0].Msg)
		}
	}
	for i := 0; i < len(upd); i += 100 {
		if _, err := e.cat.BatchUpdatePartition(ctx, cat, db, name, upd[i:min(i+100, len(upd))]); err != nil {
			return err
		}
	}
	if del != DeleteFromDatabase {
		return nil
	}
	var gone [][]string
	for k, p := range old {
		if !keep[k] {
			gone = append(gone, p.Values)
		}
	}
	for i := 0; i < len(gone); i += 25 {
		if _, err := e.cat.BatchDeletePartition(ctx, cat, db, name, gone[i:min(i+25, len(gone))]); err != nil {
			return err
		}
	}
	return nil
}

// covers reports whether an include location covers a table location:
// S3 folders (ending in /) and JDBC wildcard paths (ending in .) cover
// what starts with them, a JDBC path naming one table only that table.
func covers(under, loc string) bool {
	if strings.HasSuffix(under, "/") || strings.HasSuffix(under, ".") {
		return strings.HasPrefix(loc, under)
	}
	return loc == under
}

// vanished deletes or deprecates the tables this crawler made under its
// include paths that the crawl no longer found.
func (e *Engine) vanished(ctx context.Context, cat, db string, cr *record, seen map[string]bool, under []string, n *counts) error {
	p := catalog.Page{MaxResults: 100}
	var gone []catalog.Table
	for {
		ts, next, err := e.cat.GetTables(ctx, cat, db, "", p)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if seen[t.Name] || t.Parameters[paramUpdatedBy] != cr.Name || t.StorageDescriptor == nil || t.Parameters[paramDeprecatedBy] != "" {
				continue
			}
			for _, u := range under {
				if covers(u, t.StorageDescriptor.Location) {
					gone = append(gone, t)
					break
				}
			}
		}
		if next == "" {
			break
		}
		p.NextToken = next
	}
	for _, t := range gone {
		if cr.SchemaChangePolicy.DeleteBehavior == DeleteFromDatabase {
			if err := e.cat.DeleteTable(ctx, cat, db, t.Name); err != nil && errs.KindOf(err) != errs.NotExist {
				return err
			}
		} else {
			params := maps.Clone(t.Parameters)
			params[paramDeprecatedBy] = cr.Name
			in := catalog.TableInput{Name: t.Name, Description: t.Description, Owner: t.Owner, Retention: t.Retention,
				StorageDescriptor: t.StorageDescriptor, PartitionKeys: t.PartitionKeys, TableType: t.TableType, Parameters: params}
			if err := e.cat.UpdateTable(ctx, cat, db, in, catalog.UpdateOptions{}); err != nil {
				return err
			}
		}
		n.deleted++
	}
	return nil
}
