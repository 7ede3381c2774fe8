package pgtest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tarnhq/tarn/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestSharedCluster(t *testing.T) {
	s := pgtest.Shared(t)
	ctx := context.Background()
	if err := s.CreateDatabase(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(ctx, "shop", "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)"); err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(ctx, s.URL("shop"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var n int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 2 {
		t.Fatalf("count %d, %v", n, err)
	}
	if !strings.HasPrefix(s.JDBCURL("shop"), "jdbc:postgresql://127.0.0.1:") {
		t.Fatal(s.JDBCURL("shop"))
	}
	// Passwords are checked over TCP.
	bad := strings.Replace(s.URL("shop"), s.Password, "wrong", 1)
	if _, err := pgx.Connect(ctx, bad); err == nil || !strings.Contains(err.Error(), "password authentication failed") {
		t.Fatalf("wrong password: %v", err)
	}
	if pgtest.Shared(t) != s {
		t.Fatal("not shared")
	}
}
