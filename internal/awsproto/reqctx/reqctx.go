// Package reqctx carries per-request facts from the edge to the front ends:
// the request id, the authenticated principal, the SigV4 result, and the
// operation name the front end fills in for logs and metrics.
package reqctx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/auth/iam"
	"github.com/tarnhq/tarn/internal/auth/sigv4"
)

// Info is what the edge knows about a request.
type Info struct {
	ID        string
	Start     time.Time
	Principal *iam.Principal
	Auth      *sigv4.Result
	// Service and Operation are set by the front end that served it.
	Service   string
	Operation string
	// Error is the AWS error code returned, if any.
	Error string
}

type key struct{}

// With returns ctx carrying info.
func With(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// From returns the request's Info; a zero Info if none was attached.
func From(ctx context.Context) *Info {
	if i, ok := ctx.Value(key{}).(*Info); ok {
		return i
	}
	return &Info{Principal: iam.Anonymous}
}

// NewID returns a request id shaped like AWS's (16 upper-case hex chars).
func NewID() string {
	var b [8]byte
	rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}
