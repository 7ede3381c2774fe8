package crawler

// JDBC targets. A JdbcTarget names a Glue connection (JDBC_CONNECTION_URL,
// USERNAME, PASSWORD) and an include path database/schema/table whose
// schema and table parts may hold % wildcards. The crawl reads the
// database's own catalog (no rows) and writes one Glue table per table or
// view, named <prefix><database>_<schema>_<table>, with Location
// <database>.<schema>.<table>. Connections are parsed and dialled by
// package jdbc (shared with Glue's TestConnection); only PostgreSQL is
// spoken (jdbc_postgres.go), other engines fail the crawl with a message
// naming them.

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/tarnhq/tarn/internal/catalog"
	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/jdbc"
)

// Table parameters of JDBC tables.
const (
	typeOfDataTable = "table"
	typeOfDataView  = "view"
)

// jdbcPath is a parsed include path.
type jdbcPath struct {
	db, schema, table string // schema and table may hold %
	schemaRe, tableRe *regexp.Regexp
}

// parseJDBCPath reads database/schema/table. Shorter paths cover more:
// database/schema is every table of the schema, database alone every
// schema (Glue's "MyDatabase/%" for engines with schemas). The database
// cannot be a wildcard.
func parseJDBCPath(p string) (jdbcPath, error) {
	parts := strings.Split(p, "/")
	if p == "" || len(parts) > 3 || slices.Contains(parts, "") {
		return jdbcPath{}, fmt.Errorf("want database/schema/table (schema and table may be %%)")
	}
	if strings.Contains(parts[0], "%") {
		return jdbcPath{}, fmt.Errorf("the database of a JDBC include path cannot be a %% wildcard")
	}
	for len(parts) < 3 {
		parts = append(parts, "%")
	}
	return jdbcPath{db: parts[0], schema: parts[1], table: parts[2], schemaRe: likeRegexp(parts[1]), tableRe: likeRegexp(parts[2])}, nil
}

func wild(s string) bool { return strings.Contains(s, "%") }

// likeRegexp matches a part of an include path: % is any run of
// characters, everything else is literal and case-sensitive.
func likeRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i, lit := range strings.Split(pattern, "%") {
		if i > 0 {
			b.WriteString(".*")
		}
		b.WriteString(regexp.QuoteMeta(lit))
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func (p jdbcPath) match(schema, table string) bool {
	return p.schemaRe.MatchString(schema) && p.tableRe.MatchString(table)
}

// rel is what exclusion globs see: the path below the include path's
// fixed part — the table name under database/schema/…, schema/table when
// the schema is a wildcard.
func (p jdbcPath) rel(schema, table string) string {
	if wild(p.schema) {
		return schema + "/" + table
	}
	return table
}

// under is the catalog location the path covers: a prefix ending in "."
// for wildcard paths, one table's location otherwise.
func (p jdbcPath) under() string {
	switch {
	case wild(p.schema):
		return p.db + "."
	case wild(p.table):
		return p.db + "." + p.schema + "."
	}
	return p.db + "." + p.schema + "." + p.table
}

// relation is a table or view read from a database's catalog.
type relation struct {
	schema, name string
	view         bool
	partition    bool // a partition of a partitioned table
	comment      string
	columns      []catalog.Column
}

// crawlJDBC reads the relations every JDBC target covers and returns
// their tables, with the locations the targets cover (for vanished
// tables).
func (e *Engine) crawlJDBC(ctx context.Context, cat string, r *record, rn *run) ([]tableOut, []string, error) {
	var out []tableOut
	var under []string
	seen := map[string]bool{}
	for _, jt := range r.Targets.JdbcTargets {
		fail := func(format string, args ...any) error {
			return fmt.Errorf("JDBC target %q: %s", jt.Path, fmt.Sprintf(format, args...))
		}
		p, err := parseJDBCPath(jt.Path)
		if err != nil {
			return nil, nil, fail("%v", err)
		}
		var exclude []*regexp.Regexp
		for _, x := range jt.Exclusions {
			re, err := compileGlob(x)
			if err != nil {
				return nil, nil, fail("exclusion %q: %v", x, err)
			}
			exclude = append(exclude, re)
		}
		if jt.ConnectionName == "" {
			return nil, nil, fail("no ConnectionName")
		}
		conn, err := e.cat.GetConnection(ctx, cat, jt.ConnectionName, false)
		if errs.KindOf(err) == errs.NotExist {
			return nil, nil, fail("connection %s not found", jt.ConnectionName)
		} else if err != nil {
			return nil, nil, fail("connection %s: %s", jt.ConnectionName, errText(err))
		}
		jc, err := jdbc.Parse(conn)
		if err != nil {
			return nil, nil, fail("%v", err)
		}
		rels, err := readPostgres(ctx, jc, p.db)
		if ctx.Err() != nil {
			return nil, nil, ctx.Err() // stopped
		}
		if err != nil {
			return nil, nil, fail("%v", err)
		}
		comments := slices.Contains(jt.EnableAdditionalMetadata, "COMMENTS")
	rels:
		for _, rel := range rels {
			// Partitions are crawled through their partitioned table unless
			// the path names them.
			if !p.match(rel.schema, rel.name) || rel.partition && (wild(p.schema) || wild(p.table)) {
				continue
			}
			for _, x := range exclude {
				if x.MatchString(p.rel(rel.schema, rel.name)) {
					continue rels
				}
			}
			to := jdbcTable(rel, p.db, jt, r.Name, r.TablePrefix, comments)
			if seen[to.location] {
				continue
			}
			seen[to.location] = true
			out = append(out, to)
			rn.listed.Add(1)
			rn.classified.Add(1)
		}
		under = append(under, p.under())
	}
	rn.listing.Store(false)
	slices.SortFunc(out, func(a, b tableOut) int { return strings.Compare(a.location, b.location) })
	return out, under, nil
}

// jdbcTable is the catalog table of one relation.
func jdbcTable(rel relation, db string, jt JdbcTarget, crawler, prefix string, comments bool) tableOut {
	loc := db + "." + rel.schema + "." + rel.name
	kind := typeOfDataTable
	if rel.view {
		kind = typeOfDataView
	}
	params := map[string]string{"classification": "postgresql", "compressionType": "none", "connectionName": jt.ConnectionName,
		"typeOfData": kind, paramUpdatedBy: crawler, "CrawlerSchemaDeserializerVersion": crawlerSchemaVersion,
		"CrawlerSchemaSerializerVersion": crawlerSchemaVersion}
	if len(jt.Exclusions) > 0 {
		b, _ := json.Marshal(jt.Exclusions)
		params["exclusions"] = string(b)
	}
	cols := slices.Clone(rel.columns)
	for i := range cols {
		cols[i].Name = strings.ToLower(cols[i].Name)
		if !comments {
			cols[i].Comment = ""
		}
	}
	in := catalog.TableInput{Name: tableName(prefix, db+"_"+rel.schema+"_"+rel.name), Owner: "owner", TableType: "EXTERNAL_TABLE",
		Parameters: params, StorageDescriptor: &catalog.StorageDescriptor{Columns: cols, Location: loc, NumberOfBuckets: -1,
			SerdeInfo: &catalog.SerDeInfo{}, Parameters: maps.Clone(params)}}
	if comments {
		in.Description = rel.comment
	}
	return tableOut{in: in, location: loc, jdbc: true}
}
