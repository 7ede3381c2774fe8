package crawler

import (
	"context"
	"fmt"
	"maps"
	"net"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/catalog"
	"github.com/tarnhq/tarn/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestParseJDBCPath(t *testing.T) {
	for _, c := range []struct {
		path, want, under string
	}{
		{"shop/public/orders", "shop public orders", "shop.public.orders"},
		{"shop/public/%", "shop public %", "shop.public."},
		{"shop/%", "shop % %", "shop."},
		{"shop/sales", "shop sales %", "shop.sales."},
		{"shop", "shop % %", "shop."},
		{"shop/public/ord%", "shop public ord%", "shop.public."},
		{"", "error", ""},
		{"%/public/t", "error", ""},
		{"a/b/c/d", "error", ""},
		{"a//c", "error", ""},
	} {
		p, err := parseJDBCPath(c.path)
		got := p.db + " " + p.schema + " " + p.table
		if err != nil {
			got = "error"
		}
		if got != c.want || err == nil && p.under() != c.under {
			t.Errorf("%q: got %q under %q, want %q under %q", c.path, got, p.under(), c.want, c.under)
		}
	}
	p, _ := parseJDBCPath("shop/public/ord%s_%")
	for s, want := range map[string]bool{"orders_1": true, "ords_": true, "Orders_1": false, "orders": false, "xorders_1": false} {
		if p.match("public", s) != want {
			t.Errorf("ord%%s_%% vs %s: want %v", s, want)
		}
	}
	if p.match("Public", "orders_1") {
		t.Error("schema match is case-sensitive")
	}
	if r := p.rel("public", "t"); r != "t" {
		t.Errorf("rel %q", r)
	}
	p, _ = parseJDBCPath("shop/%")
	if r := p.rel("public", "t"); r != "public/t" {
		t.Errorf("rel %q", r)
	}
}

func TestCovers(t *testing.T) {
	for _, c := range []struct {
		under, loc string
		want       bool
	}{
		{"s3://b/p/", "s3://b/p/t/", true},
		{"s3://b/p/", "s3://b/q/", false},
		{"shop.", "shop.public.t", true},
		{"shop.public.", "shop.public.t", true},
		{"shop.public.", "shop.sales.t", false},
		{"shop.public.t", "shop.public.t", true},
		{"shop.public.t", "shop.public.t2", false},
	} {
		if covers(c.under, c.loc) != c.want {
			t.Errorf("covers(%q, %q) != %v", c.under, c.loc, c.want)
		}
	}
}

func TestPgHiveType(t *testing.T) {
	types := map[uint32]pgType{
		16: {name: "bool", typtype: "b"}, 23: {name: "int4", typtype: "b"}, 1700: {name: "numeric", typtype: "b"},
		1007: {name: "_int4", typtype: "b", elem: 23, category: "A"}, 1231: {name: "_numeric", typtype: "b", elem: 1700, category: "A"},
		25: {name: "text", typtype: "b"}, 1560: {name: "bit", typtype: "b"},
		9000: {name: "price", typtype: "d", base: 1700, basemod: 12<<16 | 3 + 4},
		9001: {name: "price2", typtype: "d", base: 9000, basemod: -1},
		9002: {name: "_price", typtype: "b", elem: 9000, category: "A"},
		9003: {name: "mood", typtype: "e"},
	}
	for _, c := range []struct {
		oid  uint32
		mod  int32
		want string
	}{
		{16, -1, "boolean"}, {23, -1, "int"}, {1700, -1, "decimal(38,18)"}, {1700, 10<<16 | 2 + 4, "decimal(10,2)"},
		{1007, -1, "array<int>"}, {1231, -1, "array<decimal(38,18)>"}, {1231, 5<<16 | 1 + 4, "array<decimal(5,1)>"}, {25, -1, "string"}, {1560, 1, "boolean"}, {1560, 8, "string"},
		{9000, -1, "decimal(12,3)"}, {9001, -1, "decimal(12,3)"}, {9002, -1, "array<decimal(12,3)>"}, {9003, -1, "string"}, {4242, -1, "string"},
	} {
		if got := pgHiveType(types, c.oid, c.mod); got != c.want {
			t.Errorf("type %d mod %d: %s, want %s", c.oid, c.mod, got, c.want)
		}
	}
	for mod, want := range map[int32]string{
		-1: "decimal(38,18)", 5<<16 | 0 + 4: "decimal(5,0)", 50<<16 | 10 + 4: "decimal(38,0)", 40<<16 | 20 + 4: "decimal(38,18)",
		5<<16 | (0x7ff & -2) + 4: "decimal(5,0)", // numeric(5,-2)
	} {
		if got := pgDecimal(mod); got != want {
			t.Errorf("pgDecimal(%d) = %s, want %s", mod, got, want)
		}
	}
}

// jdbcEnv is a crawler env with a PostgreSQL database of its own.
type jdbcEnv struct {
	*env
	pg         *pgtest.Server
	db         string
	closedPort int
}

func (j *jdbcEnv) run(t *testing.T, c testCase) string {
	ctx := context.Background()
	args := parseArgs(c.args)
	switch c.cmd {
	case "sql":
		if err := j.pg.Exec(ctx, cmp(args["db"], j.db), c.input); err != nil {
			return "error: " + err.Error()
		}
		return "ok"
	case "connection":
		return j.connection(args)
	case "crawl":
		return j.redact(j.crawlJDBC(args, c.input))
	case "show":
		return j.showJDBC(cmp(args["db"], "db"))
	}
	return "unknown command " + c.cmd
}

func (j *jdbcEnv) redact(s string) string {
	s = strings.ReplaceAll(s, strconv.Itoa(j.pg.Port), "PGPORT")
	return strings.ReplaceAll(s, strconv.Itoa(j.closedPort), "CLOSEDPORT")
}

// connection creates or replaces Glue connection name (default pg) to the
// test database; url=closed points at a port nobody listens on.
func (j *jdbcEnv) connection(args map[string]string) string {
	ctx := context.Background()
	name := cmp(args["name"], "pg")
	url := cmp(args["url"], j.pg.JDBCURL(j.db))
	if url == "closed" {
		url = fmt.Sprintf("jdbc:postgresql://127.0.0.1:%d/%s", j.closedPort, j.db)
	}
	props := map[string]string{"JDBC_CONNECTION_URL": url, "USERNAME": cmp(args["user"], j.pg.User), "PASSWORD": cmp(args["password"], j.pg.Password)}
	in := catalog.ConnectionInput{Name: name, ConnectionType: cmp(args["type"], "JDBC"), ConnectionProperties: props}
	j.cat.DeleteConnection(ctx, testCat, name)
	if err := j.cat.CreateConnection(ctx, testCat, in); err != nil {
		return "error: " + err.Error()
	}
	return "ok"
}

// crawlJDBC runs crawler "c" over JDBC targets: path=P[;P…] with
// conn=NAME, exclude=G[,G…], metadata=COMMENTS, prefix=, and update= /
// delete= (Glue's defaults unless given, on every crawl).
func (j *jdbcEnv) crawlJDBC(args map[string]string, config string) string {
	name := cmp(args["name"], "c")
	db := cmp(args["db"], "db")
	var targets []JdbcTarget
	for _, p := range strings.Split(args["path"], ";") {
		jt := JdbcTarget{ConnectionName: cmp(args["conn"], "pg"), Path: p}
		if v, ok := args["exclude"]; ok {
			jt.Exclusions = strings.Split(v, ",")
		}
		if v, ok := args["metadata"]; ok {
			jt.EnableAdditionalMetadata = strings.Split(v, ",")
		}
		targets = append(targets, jt)
	}
	in := &CrawlerInput{Name: name, Role: ptr("arn:aws:iam::000000000000:role/glue"), DatabaseName: &db, Targets: &Targets{JdbcTargets: targets},
		SchemaChangePolicy: &SchemaChangePolicy{UpdateBehavior: cmp(args["update"], UpdateInDatabase), DeleteBehavior: cmp(args["delete"], DeprecateInDatabase)}}
	if v, ok := args["prefix"]; ok {
		in.TablePrefix = &v
	}
	return crawlAndShow(j.eng, in, name, config, func() string { return j.showJDBC(db) })
}

// showJDBC prints the tables of db; the parameters every JDBC table has
// are checked here and left out.
func (j *jdbcEnv) showJDBC(db string) string {
	ts, _, err := j.cat.GetTables(context.Background(), testCat, db, "", catalog.Page{})
	if err != nil {
		return "error: " + errText(err)
	}
	var b strings.Builder
	for _, t := range ts {
		sd := t.StorageDescriptor
		fmt.Fprintf(&b, "table %s %s (%s)\n", t.Name, sd.Location, t.Parameters["typeOfData"])
		if t.Description != "" {
			fmt.Fprintf(&b, "  description: %s\n", t.Description)
		}
		var cs []string
		for _, c := range sd.Columns {
			s := c.Name + " " + c.Type
			if c.Comment != "" {
				s += " '" + c.Comment + "'"
			}
			cs = append(cs, s)
		}
		fmt.Fprintf(&b, "  columns: %s\n", strings.Join(cs, ", "))
		var extra []string
		for _, k := range slices.Sorted(maps.Keys(t.Parameters)) {
			v := t.Parameters[k]
			switch {
			case k == "classification" && v == "postgresql", k == "compressionType" && v == "none", k == "typeOfData",
				k == "connectionName" && v == "pg", k == paramUpdatedBy && v == "c",
				k == "CrawlerSchemaDeserializerVersion" && v == "1.0", k == "CrawlerSchemaSerializerVersion" && v == "1.0":
			default:
				extra = append(extra, k+"="+v)
			}
		}
		if len(extra) > 0 {
			fmt.Fprintf(&b, "  params: %s\n", strings.Join(extra, " "))
		}
		want := &catalog.StorageDescriptor{Columns: sd.Columns, Location: sd.Location, NumberOfBuckets: -1, SerdeInfo: &catalog.SerDeInfo{},
			Parameters: t.Parameters}
		if t.Parameters[paramDeprecatedBy] == "" && !reflect.DeepEqual(sd, want) || t.TableType != "EXTERNAL_TABLE" || len(t.PartitionKeys) > 0 {
			fmt.Fprintf(&b, "  unexpected table shape: %+v %+v\n", t, sd)
		}
	}
	if b.Len() == 0 {
		return "no tables"
	}
	return strings.TrimRight(b.String(), "\n")
}

// TestJDBCCrawlData runs testdata/jdbc/*.test against a real PostgreSQL,
// one database per file (named after it).
func TestJDBCCrawlData(t *testing.T) {
	files, _ := filepath.Glob("testdata/jdbc/*.test")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	sort.Strings(files)
	pg := pgtest.Shared(t)
	closed, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			db := strings.TrimSuffix(filepath.Base(path), ".test")
			cases := readCases(t, path)
			var e *jdbcEnv
			for i, c := range cases {
				if c.cmd == "reset" || e == nil {
					if err := pg.CreateDatabase(context.Background(), db); err != nil {
						t.Fatal(err)
					}
					e = &jdbcEnv{env: newEnv(t, Options{Workers: 2}), pg: pg, db: db, closedPort: closed}
				}
				if c.cmd == "reset" {
					cases[i].expected = "ok"
					continue
				}
				got := e.run(t, c)
				if *rewrite {
					cases[i].expected = got
					continue
				}
				if got != c.expected {
					t.Errorf("%s:%d %s %s\n%s\ngot:\n%s\nwant:\n%s", path, i, c.cmd, c.args, c.input, got, c.expected)
				}
			}
			if *rewrite {
				writeCases(t, path, cases)
			}
		})
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// A crawl waiting on a server that never answers stops at once.
func TestJDBCStopWhileConnecting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	e := newEnv(t, Options{})
	ctx := context.Background()
	if err := e.cat.CreateConnection(ctx, testCat, catalog.ConnectionInput{Name: "mute", ConnectionType: "JDBC", ConnectionProperties: map[string]string{
		"JDBC_CONNECTION_URL": "jdbc:postgresql://" + ln.Addr().String() + "/db", "USERNAME": "u", "PASSWORD": "p"}}); err != nil {
		t.Fatal(err)
	}
	in := &CrawlerInput{Name: "c", Role: ptr("r"), DatabaseName: ptr("db"),
		Targets: &Targets{JdbcTargets: []JdbcTarget{{ConnectionName: "mute", Path: "db/public/%"}}}}
	if err := e.eng.CreateCrawler(ctx, testCat, in); err != nil {
		t.Fatal(err)
	}
	if err := e.eng.StartCrawler(ctx, testCat, "c"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(conns)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the crawl never connected")
		}
	}
	start := time.Now()
	if err := e.eng.StopCrawler(ctx, testCat, "c"); err != nil {
		t.Fatal(err)
	}
	e.eng.Wait(testCat, "c")
	c, _ := e.eng.GetCrawler(ctx, testCat, "c")
	if c.LastCrawl.Status != CrawlCancelled || time.Since(start) > 3*time.Second {
		t.Fatalf("last crawl %+v after %v", c.LastCrawl, time.Since(start))
	}
}
