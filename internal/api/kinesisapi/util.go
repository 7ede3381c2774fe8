package kinesisapi

import (
	"context"
	"errors"
	"strconv"

	"github.com/tarnhq/tarn/internal/awsproto/reqctx"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func itoa(n int) string { return strconv.Itoa(n) }

// caller is the account a request acts for: its principal's (streams are
// per account). An anonymous request has none, and the engine refuses it.
func caller(ctx context.Context) string {
	p := reqctx.From(ctx).Principal
	if p == nil || p.Anonymous {
		return ""
	}
	return p.Account.ID
}
