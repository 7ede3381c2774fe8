package crawler

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/tarnhq/tarn/internal/catalog"
	"github.com/tarnhq/tarn/internal/jdbc"
)

// PostgreSQL: the relations of one database and their columns, read from
// pg_catalog with the connection's credentials. Only relations the user
// may SELECT from, in schemas it may use, are seen ("the crawler can only
// create tables that it can access through the JDBC connection").

const pgRelations = `
SELECT c.oid, n.nspname, c.relname, c.relkind::text, c.relispartition, COALESCE(obj_description(c.oid, 'pg_class'), '')
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')
ORDER BY n.nspname, c.relname`

const pgColumns = `
SELECT a.attrelid, a.attname, a.atttypid, a.atttypmod, COALESCE(col_description(a.attrelid, a.attnum), '')
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`

const pgTypes = `SELECT oid, typname, typtype::text, typbasetype, typtypmod, typelem, typcategory::text FROM pg_catalog.pg_type`

// pgType is one row of pg_type.
type pgType struct {
	name     string
	typtype  string // b base, d domain, e enum, c composite, r range, m multirange, p pseudo
	base     uint32 // a domain's base type
	basemod  int32  // a domain's typmod
	elem     uint32
	category string // A for arrays
}

// readPostgres connects to database db of the connection's server and
// reads its relations.
func readPostgres(ctx context.Context, jc *jdbc.Conn, db string) ([]relation, error) {
	conn, err := jc.Dial(ctx, db, "tarn-crawler")
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rels, err := pgReadRelations(ctx, conn)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("reading the catalog of database %s through connection %s: %s", db, jc.Name, jdbc.ErrText(err))
	}
	return rels, nil
}

func pgReadRelations(ctx context.Context, conn *pgx.Conn) ([]relation, error) {
	types := map[uint32]pgType{}
	rows, err := conn.Query(ctx, pgTypes)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var oid uint32
		var t pgType
		if err := rows.Scan(&oid, &t.name, &t.typtype, &t.base, &t.basemod, &t.elem, &t.category); err != nil {
			rows.Close()
			return nil, err
		}
		types[oid] = t
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var rels []relation
	byOID := map[uint32]int{}
	var oids []uint32
	rows, err = conn.Query(ctx, pgRelations)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var oid uint32
		var rel relation
		var kind string
		if err := rows.Scan(&oid, &rel.schema, &rel.name, &kind, &rel.partition, &rel.comment); err != nil {
			rows.Close()
			return nil, err
		}
		rel.view = kind == "v" || kind == "m"
		byOID[oid] = len(rels)
		oids = append(oids, oid)
		rels = append(rels, rel)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = conn.Query(ctx, pgColumns, oids)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var rel, typ uint32
		var mod int32
		var c catalog.Column
		if err := rows.Scan(&rel, &c.Name, &typ, &mod, &c.Comment); err != nil {
			rows.Close()
			return nil, err
		}
		c.Type = pgHiveType(types, typ, mod)
		r := &rels[byOID[rel]]
		r.columns = append(r.columns, c)
	}
	return rels, rows.Err()
}

// pgHiveType maps a PostgreSQL column type to a Glue (Hive) type the way
// the JDBC crawler does through the driver's SQL types: integers keep
// their width, numeric(p,s) is decimal(p,s), character and other
// non-numeric types are string, arrays are array<element>. Domains map as
// their base type.
func pgHiveType(types map[uint32]pgType, oid uint32, mod int32) string {
	t, ok := types[oid]
	for i := 0; ok && t.typtype == "d" && i < 16; i++ {
		oid, mod = t.base, t.basemod
		t, ok = types[oid]
	}
	if !ok {
		return "string"
	}
	if t.category == "A" && t.elem != 0 {
		return "array<" + pgHiveType(types, t.elem, mod) + ">"
	}
	switch t.name {
	case "bool":
		return "boolean"
	case "int2":
		return "smallint"
	case "int4":
		return "int"
	case "int8", "oid":
		return "bigint"
	case "float4":
		return "float"
	case "float8", "money":
		return "double"
	case "numeric":
		return pgDecimal(mod)
	case "date":
		return "date"
	case "timestamp", "timestamptz":
		return "timestamp"
	case "bytea":
		return "binary"
	case "bit":
		if mod == 1 {
			return "boolean"
		}
	}
	return "string"
}

// pgDecimal is the Hive decimal of a numeric typmod. Unconstrained
// numerics become decimal(38,18); Hive caps precision at 38, and a
// negative scale (PostgreSQL 15) rounds to whole numbers.
func pgDecimal(mod int32) string {
	if mod < 4 {
		return "decimal(38,18)"
	}
	p := int((mod-4)>>16) & 0xffff
	s := (int(mod-4)&0x7ff ^ 0x400) - 0x400
	s = max(s, 0)
	if p > 38 {
		s = max(0, s-(p-38))
		p = 38
	}
	s = min(s, p)
	return "decimal(" + strconv.Itoa(p) + "," + strconv.Itoa(s) + ")"
}
