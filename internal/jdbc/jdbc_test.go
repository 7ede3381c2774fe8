package jdbc_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/catalog"
	"github.com/tarnhq/tarn/internal/jdbc"
)

func TestParse(t *testing.T) {
	conn := func(url string, props ...string) catalog.Connection {
		p := map[string]string{"JDBC_CONNECTION_URL": url, "USERNAME": "u", "PASSWORD": "p@ss/word"}
		for i := 0; i+1 < len(props); i += 2 {
			p[props[i]] = props[i+1]
		}
		return catalog.Connection{Name: "c", ConnectionType: "JDBC", ConnectionProperties: p}
	}
	jc, err := jdbc.Parse(conn("jdbc:postgresql://db.example:6543/shop?ssl=true&connectTimeout=3"))
	if err != nil {
		t.Fatal(err)
	}
	if jc.Host != "db.example" || jc.Port != "6543" || jc.DB != "shop" || jc.User != "u" {
		t.Fatalf("%+v", jc)
	}
	if d := jc.DSN("other", "tarn-crawler"); d != "postgres://u:p%40ss%2Fword@db.example:6543/other?application_name=tarn-crawler&connect_timeout=3&sslmode=require" {
		t.Fatal(d)
	}
	jc, _ = jdbc.Parse(conn("jdbc:postgresql://[::1]/shop"))
	if jc.Host != "::1" || jc.Port != "5432" || !strings.Contains(jc.DSN("shop", "tarn-crawler"), "@[::1]:5432/shop?") || !strings.Contains(jc.DSN("shop", "tarn-crawler"), "sslmode=prefer") {
		t.Fatalf("%+v %s", jc, jc.DSN("shop", "tarn-crawler"))
	}
	jc, _ = jdbc.Parse(conn("jdbc:postgresql://h:1/shop?sslmode=disable", "JDBC_ENFORCE_SSL", "true"))
	if !strings.Contains(jc.DSN("shop", "tarn-crawler"), "sslmode=require") {
		t.Fatal(jc.DSN("shop", "tarn-crawler"))
	}
	for url, want := range map[string]string{
		"jdbc:mysql://h:3306/shop":                       "uses the mysql JDBC engine",
		"jdbc:sqlserver://h:1433;databaseName=shop":      "uses the sqlserver JDBC engine",
		"jdbc:oracle:thin://@h:1521/orcl":                "uses the oracle JDBC engine",
		"jdbc:redshift://h:5439/dev":                     "uses the redshift JDBC engine",
		"postgresql://h/shop":                            "does not start with jdbc:",
		"jdbc:postgresql:shop":                           "is not jdbc:postgresql://host:port/database",
		"jdbc:postgresql://h:notaport/shop":              "is not jdbc:postgresql://host:port/database",
		"jdbc:postgresql://h:5432/shop?user=x&password=": "",
	} {
		_, err := jdbc.Parse(conn(url))
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: %v, want %q", url, err, want)
		}
	}
	_, err = jdbc.Parse(catalog.Connection{Name: "k", ConnectionType: "KAFKA"})
	if err == nil || !strings.Contains(err.Error(), "not JDBC") {
		t.Error(err)
	}
	_, err = jdbc.Parse(catalog.Connection{Name: "s", ConnectionType: "JDBC", ConnectionProperties: map[string]string{
		"JDBC_CONNECTION_URL": "jdbc:postgresql://h/db", "SECRET_ID": "arn:x"}})
	if err == nil || !strings.Contains(err.Error(), "SECRET_ID") {
		t.Error(err)
	}
}

func TestTimeout(t *testing.T) {
	for url, want := range map[string]time.Duration{
		"jdbc:postgresql://h/db":                                 jdbc.DefaultTimeout,
		"jdbc:postgresql://h/db?connectTimeout=0":                jdbc.DefaultTimeout,
		"jdbc:postgresql://h/db?connectTimeout=3":                3 * time.Second,
		"jdbc:postgresql://h/db?connectTimeout=3&loginTimeout=7": 7 * time.Second,
	} {
		jc, err := jdbc.Parse(catalog.Connection{Name: "c", ConnectionType: "JDBC", ConnectionProperties: map[string]string{"JDBC_CONNECTION_URL": url}})
		if err != nil || jc.Timeout() != want {
			t.Errorf("%s: %v %v, want %v", url, jc, err, want)
		}
	}
	if _, err := jdbc.Parse(catalog.Connection{Name: "c", ConnectionType: "JDBC", ConnectionProperties: map[string]string{
		"JDBC_CONNECTION_URL": "jdbc:postgresql://h/db?connectTimeout=soon"}}); err == nil || !strings.Contains(err.Error(), "connectTimeout") {
		t.Error(err)
	}
}
