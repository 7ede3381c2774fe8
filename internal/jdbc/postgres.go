package jdbc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Dial connects to database db of the connection's PostgreSQL server as
// the connection's user; app is the application_name the server sees.
// ctx bounds the connect phase only (as does the connection's Timeout);
// the caller closes the returned connection. A failure names the URL,
// connection, database and user, and the server's or driver's reason; a
// stopped ctx is returned as ctx.Err().
func (c *Conn) Dial(ctx context.Context, db, app string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(c.DSN(db, app))
	if err != nil {
		return nil, fmt.Errorf("connection %s: %v", c.Name, err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &DialError{Msg: fmt.Sprintf("connecting to %s (connection %s, database %s, user %s): %s", c.URL, c.Name, db, c.User, ErrText(err)), Err: err}
	}
	return conn, nil
}

// DialError is a failed Dial: Msg for people (no password), Err the
// driver's error (pgconn.Timeout(Err) tells a timeout).
type DialError struct {
	Msg string
	Err error
}

func (e *DialError) Error() string { return e.Msg }
func (e *DialError) Unwrap() error { return e.Err }

// ErrText is a one-line message: the server's error, or the driver's
// with its per-attempt lines (TLS, then plain) joined and deduplicated.
func ErrText(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Severity + ": " + pe.Message + " (SQLSTATE " + pe.Code + ")"
	}
	var lines []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" && !slices.Contains(lines, l) {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, " ")
}
