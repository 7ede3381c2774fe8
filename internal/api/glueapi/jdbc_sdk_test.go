package glueapi_test

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/tarnhq/tarn/internal/pgtest"
	"github.com/tarnhq/tarn/internal/server/servertest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func mkconn(t *testing.T, c *glue.Client, name, url, user, password string) {
	t.Helper()
	ok[*glue.CreateConnectionOutput](t)(c.CreateConnection(ctx, &glue.CreateConnectionInput{ConnectionInput: &types.ConnectionInput{
		Name: aws.String(name), ConnectionType: types.ConnectionTypeJdbc,
		ConnectionProperties: map[string]string{"JDBC_CONNECTION_URL": url, "USERNAME": user, "PASSWORD": password}}}))
}

func jdbcCrawler(name, db string, targets ...types.JdbcTarget) *glue.CreateCrawlerInput {
	return &glue.CreateCrawlerInput{Name: aws.String(name), Role: aws.String("arn:aws:iam::000000000000:role/glue"),
		DatabaseName: aws.String(db), Targets: &types.CrawlerTargets{JdbcTargets: targets}}
}

func columns(cs []types.Column) string {
	var s []string
	for _, c := range cs {
		s = append(s, aws.ToString(c.Name)+" "+aws.ToString(c.Type))
	}
	return strings.Join(s, ", ")
}

// CreateConnection → CreateCrawler with JdbcTargets → StartCrawler →
// GetTables, against a real PostgreSQL; then a column added and a table
// dropped between crawls.
func TestCrawlerJDBCPostgres(t *testing.T) {
	pg := pgtest.Shared(t)
	if err := pg.CreateDatabase(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	if err := pg.Exec(ctx, "shop", `
CREATE SCHEMA sales;
CREATE TABLE public.customers (id bigint PRIMARY KEY, name varchar(80), born date, vip boolean);
CREATE TABLE sales.orders (id int, customer bigint, total numeric(12,2), placed timestamptz, tags text[], raw bytea);
CREATE VIEW sales.big_orders AS SELECT id, total FROM sales.orders WHERE total > 100;
CREATE TABLE sales.orders_tmp (id int);
INSERT INTO public.customers VALUES (1, 'Ada', '1815-12-10', true);`); err != nil {
		t.Fatal(err)
	}
	s := servertest.Start(t)
	c := s.Glue()
	mkconn(t, c, "shop-pg", pg.JDBCURL("shop"), pg.User, pg.Password)
	ok[*glue.CreateCrawlerOutput](t)(c.CreateCrawler(ctx, func() *glue.CreateCrawlerInput {
		in := jdbcCrawler("pgcrawl", "lake", types.JdbcTarget{ConnectionName: aws.String("shop-pg"), Path: aws.String("shop/%"), Exclusions: []string{"**_tmp"}})
		in.TablePrefix = aws.String("pg_")
		return in
	}()))
	cr := ok[*glue.GetCrawlerOutput](t)(c.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String("pgcrawl")})).Crawler
	if jt := cr.Targets.JdbcTargets; len(jt) != 1 || aws.ToString(jt[0].Path) != "shop/%" || aws.ToString(jt[0].ConnectionName) != "shop-pg" || len(jt[0].Exclusions) != 1 {
		t.Fatalf("targets %+v", cr.Targets)
	}
	ok[*glue.StartCrawlerOutput](t)(c.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String("pgcrawl")}))
	cr = waitReady(t, c, "pgcrawl")
	if cr.LastCrawl.Status != types.LastCrawlStatusSucceeded {
		t.Fatalf("last crawl %+v: %s", cr.LastCrawl, aws.ToString(cr.LastCrawl.ErrorMessage))
	}
	tables := ok[*glue.GetTablesOutput](t)(c.GetTables(ctx, &glue.GetTablesInput{DatabaseName: aws.String("lake")})).TableList
	got := map[string]types.Table{}
	var names []string
	for _, tb := range tables {
		got[aws.ToString(tb.Name)] = tb
		names = append(names, aws.ToString(tb.Name))
	}
	if strings.Join(names, ",") != "pg_shop_public_customers,pg_shop_sales_big_orders,pg_shop_sales_orders" {
		t.Fatalf("tables %v", names)
	}
	want := map[string]struct{ loc, kind, cols string }{
		"pg_shop_public_customers": {"shop.public.customers", "table", "id bigint, name string, born date, vip boolean"},
		"pg_shop_sales_orders":     {"shop.sales.orders", "table", "id int, customer bigint, total decimal(12,2), placed timestamp, tags array<string>, raw binary"},
		"pg_shop_sales_big_orders": {"shop.sales.big_orders", "view", "id int, total decimal(12,2)"},
	}
	for name, w := range want {
		tb := got[name]
		sd := tb.StorageDescriptor
		p := tb.Parameters
		if aws.ToString(sd.Location) != w.loc || columns(sd.Columns) != w.cols || p["typeOfData"] != w.kind || p["classification"] != "postgresql" ||
			p["connectionName"] != "shop-pg" || p["compressionType"] != "none" || p["UPDATED_BY_CRAWLER"] != "pgcrawl" || p["exclusions"] != `["**_tmp"]` ||
			sd.Parameters["classification"] != "postgresql" || sd.NumberOfBuckets != -1 || sd.SerdeInfo == nil || aws.ToString(tb.TableType) != "EXTERNAL_TABLE" {
			t.Errorf("%s: location %s columns %s params %v sd %+v", name, aws.ToString(sd.Location), columns(sd.Columns), p, sd)
		}
	}
	m := ok[*glue.GetCrawlerMetricsOutput](t)(c.GetCrawlerMetrics(ctx, &glue.GetCrawlerMetricsInput{CrawlerNameList: []string{"pgcrawl"}})).CrawlerMetricsList
	if len(m) != 1 || m[0].TablesCreated != 3 {
		t.Fatalf("metrics %+v", m)
	}

	// A column added, a table dropped: updated and deleted.
	if err := pg.Exec(ctx, "shop", "ALTER TABLE sales.orders ADD COLUMN note text; DROP TABLE public.customers"); err != nil {
		t.Fatal(err)
	}
	ok[*glue.UpdateCrawlerOutput](t)(c.UpdateCrawler(ctx, &glue.UpdateCrawlerInput{Name: aws.String("pgcrawl"),
		SchemaChangePolicy: &types.SchemaChangePolicy{DeleteBehavior: types.DeleteBehaviorDeleteFromDatabase}}))
	ok[*glue.StartCrawlerOutput](t)(c.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String("pgcrawl")}))
	if cr = waitReady(t, c, "pgcrawl"); cr.LastCrawl.Status != types.LastCrawlStatusSucceeded {
		t.Fatalf("last crawl %+v", cr.LastCrawl)
	}
	orders := ok[*glue.GetTableOutput](t)(c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("lake"), Name: aws.String("pg_shop_sales_orders")})).Table
	if cols := columns(orders.StorageDescriptor.Columns); !strings.HasSuffix(cols, ", raw binary, note string") {
		t.Fatalf("orders after ALTER: %s", cols)
	}
	_, err := c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("lake"), Name: aws.String("pg_shop_public_customers")})
	wantErr(t, err, "EntityNotFoundException")
	m = ok[*glue.GetCrawlerMetricsOutput](t)(c.GetCrawlerMetrics(ctx, &glue.GetCrawlerMetricsInput{CrawlerNameList: []string{"pgcrawl"}})).CrawlerMetricsList
	if m[0].TablesCreated != 0 || m[0].TablesUpdated != 1 || m[0].TablesDeleted != 1 {
		t.Fatalf("metrics after changes %+v", m)
	}
}

// Crawls that cannot reach their database fail with a message saying why.
func TestCrawlerJDBCFailures(t *testing.T) {
	pg := pgtest.Shared(t)
	if err := pg.CreateDatabase(ctx, "fails"); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	s := servertest.Start(t)
	c := s.Glue()
	mkconn(t, c, "down", "jdbc:postgresql://"+closed+"/fails", pg.User, pg.Password)
	mkconn(t, c, "badpw", pg.JDBCURL("fails"), pg.User, "not-the-password")
	mkconn(t, c, "mysql", "jdbc:mysql://127.0.0.1:3306/fails", "root", "x")
	for i, tc := range []struct{ conn, want string }{
		{"nope", `JDBC target "fails/public/%": connection nope not found`},
		{"down", "connection refused"},
		{"badpw", `password authentication failed for user "tarn"`},
		{"mysql", "connection mysql uses the mysql JDBC engine (jdbc:mysql://127.0.0.1:3306/fails); tarn speaks only PostgreSQL over JDBC"},
	} {
		name := fmt.Sprintf("fail%d", i)
		ok[*glue.CreateCrawlerOutput](t)(c.CreateCrawler(ctx, jdbcCrawler(name, "lake",
			types.JdbcTarget{ConnectionName: aws.String(tc.conn), Path: aws.String("fails/public/%")})))
		ok[*glue.StartCrawlerOutput](t)(c.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String(name)}))
		cr := waitReady(t, c, name)
		msg := aws.ToString(cr.LastCrawl.ErrorMessage)
		if cr.LastCrawl.Status != types.LastCrawlStatusFailed || !strings.Contains(msg, tc.want) || strings.Contains(msg, pg.Password) {
			t.Errorf("%s: last crawl %s %q, want FAILED with %q", tc.conn, cr.LastCrawl.Status, msg, tc.want)
		}
		crawls := ok[*glue.ListCrawlsOutput](t)(c.ListCrawls(ctx, &glue.ListCrawlsInput{CrawlerName: aws.String(name)})).Crawls
		if len(crawls) != 1 || crawls[0].State != types.CrawlerHistoryStateFailed || aws.ToString(crawls[0].ErrorMessage) != msg {
			t.Errorf("%s: crawls %+v", tc.conn, crawls)
		}
	}
	if _, err := c.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("lake")}); err == nil {
		t.Error("failed crawls created their database")
	}
	_, err = c.CreateCrawler(ctx, jdbcCrawler("badmeta", "lake", types.JdbcTarget{ConnectionName: aws.String("down"), Path: aws.String("fails/%"),
		EnableAdditionalMetadata: []types.JdbcMetadataEntry{"EVERYTHING"}}))
	wantErr(t, err, "InvalidInputException")
}
