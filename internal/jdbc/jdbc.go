// Package jdbc reads Glue JDBC connections and dials the databases they
// name. The crawler (JDBC targets) and Glue's TestConnection both go
// through Parse and Conn.Dial, so a connection that tests well is one a
// crawl can use. Only PostgreSQL (jdbc:postgresql://host:port/database)
// is spoken; other engines are reported by name.
package jdbc

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/catalog"
)

// DefaultTimeout bounds connecting (and a test's query) when the URL sets
// neither connectTimeout nor loginTimeout.
const DefaultTimeout = 10 * time.Second

// Conn is a Glue JDBC connection, parsed.
type Conn struct {
	Name       string // Glue connection name
	URL        string // JDBC_CONNECTION_URL as given
	Engine     string // postgresql, mysql, sqlserver, oracle, ...
	Host, Port string
	DB         string // database of the URL
	Params     url.Values
	User, Pass string
	EnforceSSL bool
}

// Parse reads a connection's JDBC properties (JDBC_CONNECTION_URL,
// USERNAME, PASSWORD, JDBC_ENFORCE_SSL). Connections of another type,
// engines other than PostgreSQL and credentials kept in Secrets Manager
// are errors naming the cause.
func Parse(c catalog.Connection) (*Conn, error) {
	if c.ConnectionType != "JDBC" {
		return nil, fmt.Errorf("connection %s is a %s connection, not JDBC", c.Name, c.ConnectionType)
	}
	props := c.ConnectionProperties
	raw := props["JDBC_CONNECTION_URL"]
	rest, ok := strings.CutPrefix(raw, "jdbc:")
	if !ok {
		return nil, fmt.Errorf("connection %s: JDBC_CONNECTION_URL %q does not start with jdbc:", c.Name, raw)
	}
	engine, _, _ := strings.Cut(rest, ":")
	jc := &Conn{Name: c.Name, URL: raw, Engine: strings.ToLower(engine), User: props["USERNAME"], Pass: props["PASSWORD"],
		EnforceSSL: strings.EqualFold(props["JDBC_ENFORCE_SSL"], "true")}
	if jc.Engine != "postgresql" {
		return nil, fmt.Errorf("connection %s uses the %s JDBC engine (%s); tarn speaks only PostgreSQL over JDBC (jdbc:postgresql://host:port/database)",
			c.Name, jc.Engine, raw)
	}
	if jc.User == "" && props["SECRET_ID"] != "" {
		return nil, fmt.Errorf("connection %s keeps its credentials in Secrets Manager (SECRET_ID), which tarn does not read; set USERNAME and PASSWORD", c.Name)
	}
	u, err := url.Parse(rest)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("connection %s: JDBC_CONNECTION_URL %q is not jdbc:postgresql://host:port/database", c.Name, raw)
	}
	jc.Host, jc.Port = u.Hostname(), u.Port()
	if jc.Port == "" {
		jc.Port = "5432"
	}
	jc.DB = strings.Trim(u.Path, "/")
	jc.Params = u.Query()
	for _, k := range []string{"connectTimeout", "loginTimeout"} {
		if v := jc.Params.Get(k); v != "" {
			if n, err := strconv.Atoi(v); err != nil || n < 0 {
				return nil, fmt.Errorf("connection %s: %s=%q in JDBC_CONNECTION_URL is not a whole number of seconds", c.Name, k, v)
			}
		}
	}
	return jc, nil
}

// Timeout is how long connecting may take: the URL's loginTimeout or
// connectTimeout (seconds, 0 meaning the default; loginTimeout wins), else
// DefaultTimeout.
func (c *Conn) Timeout() time.Duration {
	d := DefaultTimeout
	for _, k := range []string{"connectTimeout", "loginTimeout"} {
		if n, err := strconv.Atoi(c.Params.Get(k)); err == nil && n > 0 {
			d = time.Duration(n) * time.Second
		}
	}
	return d
}

// DSN is the libpq URL of database db on the connection's server; app is
// the application_name the server sees.
func (c *Conn) DSN(db, app string) string {
	q := url.Values{}
	mode := "prefer"
	switch {
	case c.EnforceSSL:
		mode = "require"
	case c.Params.Get("sslmode") != "":
		mode = c.Params.Get("sslmode")
	case strings.EqualFold(c.Params.Get("ssl"), "true"):
		mode = "require"
	}
	q.Set("sslmode", mode)
	q.Set("connect_timeout", strconv.Itoa(int(c.Timeout()/time.Second)))
	q.Set("application_name", app)
	u := url.URL{Scheme: "postgres", User: url.UserPassword(c.User, c.Pass), Host: net.JoinHostPort(c.Host, c.Port),
		Path: "/" + db, RawQuery: q.Encode()}
	return u.String()
}
