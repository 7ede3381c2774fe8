// Package iam holds tarn's principals, accounts and access keys, and the
// Authorizer every request passes: (principal, action, resource) → allow or
// deny. Today's policy is ownership: the root principal may do everything,
// and an account may act on the resources it owns. Resource-based policies
// (policy.go) are parsed and evaluated here for the engines that keep them
// (Kinesis streams and consumers); IAM identity policies and bucket
// policies plug in later.
package iam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/tarnhq/tarn/internal/errs"
)

// RootAccountID is the account of the root credentials (AWS's
// conventional local account id).
const RootAccountID = "000000000000"

// Account is a tenant: it owns buckets (and later streams, tables...).
type Account struct {
	ID          string `json:"id"`           // 12-digit account id
	Name        string `json:"name"`         // display name, as S3 reports owners
	CanonicalID string `json:"canonical_id"` // 64 hex chars, S3's canonical user id
}

// Principal is who a request acts as.
type Principal struct {
	Account   Account
	AccessKey string
	Root      bool // the server's root credentials: may do everything
	Anonymous bool
}

// Anonymous is the principal of an unsigned request.
var Anonymous = &Principal{Anonymous: true, Account: Account{Name: "anonymous", CanonicalID: "65a011a29cdf8ec533ec3d1ccaae921c"}}

// ARN returns the principal's ARN.
func (p *Principal) ARN() string {
	if p.Anonymous {
		return "*"
	}
	return AccountARN(p.Account.ID)
}

// CanonicalID derives S3's canonical user id for an account id.
func CanonicalID(accountID string) string {
	h := sha256.Sum256([]byte("tarn-canonical-user:" + accountID))
	return hex.EncodeToString(h[:])
}

// Request is one authorization question.
type Request struct {
	Principal *Principal
	Action    string // e.g. "s3:GetObject"
	Resource  string // ARN, e.g. "arn:aws:s3:::bucket/key"
	// Owner is the account id owning the resource; "" for account-level
	// actions that no resource owns yet (CreateBucket, ListBuckets).
	Owner string
}

// Authorizer decides whether a request is allowed.
type Authorizer interface {
	// Authorize returns nil to allow, or an error of kind errs.Permission.
	Authorize(ctx context.Context, r Request) error
}

// OwnerAuthorizer is the default policy: root does everything, accounts act
// on what they own, anonymous principals on nothing.
type OwnerAuthorizer struct{}

// Authorize implements Authorizer.
func (OwnerAuthorizer) Authorize(_ context.Context, r Request) error {
	p := r.Principal
	switch {
	case p == nil || p.Anonymous:
	case p.Root:
		return nil
	case r.Owner == "" || r.Owner == p.Account.ID:
		return nil
	}
	return errs.E("iam.Authorize", errs.Permission, errs.Code("AccessDenied"), "Access Denied")
}
