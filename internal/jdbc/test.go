package jdbc

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tarnhq/tarn/internal/catalog"
	"github.com/tarnhq/tarn/internal/errs"
)

// CodeTimeout is the Glue code of a test that ran out of time.
const CodeTimeout = "OperationTimeoutException"

// Test checks that the connection works: it dials the database the JDBC
// URL names with the connection's credentials, runs SELECT 1 and closes.
// The whole test is bounded by the connection's Timeout. A connection
// that cannot work (not JDBC, another engine, a bad URL) or does not (host
// unreachable, credentials refused, no such database) is an
// InvalidInputException naming the cause; running out of time is an
// OperationTimeoutException.
func Test(ctx context.Context, c catalog.Connection) error {
	const op = "jdbc.Test"
	jc, err := Parse(c)
	if err != nil {
		return errs.E(op, errs.Invalid, errs.Code(catalog.CodeInvalidInput), err.Error())
	}
	timeout := jc.Timeout()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fail := func(err error, msg string) error {
		if ctx.Err() != nil {
			return ctx.Err() // the caller went away
		}
		if tctx.Err() != nil || pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded) {
			return errs.E(op, errs.Invalid, errs.Code(CodeTimeout), fmt.Sprintf("%s: no answer within %s (set connectTimeout in the JDBC URL to wait longer)", msg, timeout), err)
		}
		return errs.E(op, errs.Invalid, errs.Code(catalog.CodeInvalidInput), msg, err)
	}
	conn, err := jc.Dial(tctx, jc.DB, "tarn-test-connection")
	if err != nil {
		var de *DialError
		if errors.As(err, &de) {
			return fail(err, de.Msg)
		}
		return fail(err, fmt.Sprintf("connecting to %s (connection %s, database %s, user %s): %v", jc.URL, jc.Name, jc.DB, jc.User, err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var one int
	if err := conn.QueryRow(tctx, "SELECT 1").Scan(&one); err != nil {
		return fail(err, fmt.Sprintf("querying database %s through connection %s: %s", jc.DB, jc.Name, ErrText(err)))
	}
	return nil
}
