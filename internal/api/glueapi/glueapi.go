// Package glueapi is the AWS Glue Data Catalog front end (JSON 1.1,
// X-Amz-Target AWSGlue.*): it decodes each request, resolves the catalog
// (CatalogId, defaulting to the caller's account), calls one method of the
// catalog or crawler engine, and encodes the reply with timestamps as epoch seconds.
// Engine errors carry their Glue code and are mapped once, in mapError.
package glueapi

import (
	"context"
	"errors"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/awsproto/awsjson"
	"github.com/tarnhq/tarn/internal/awsproto/reqctx"
	"github.com/tarnhq/tarn/internal/catalog"
	"github.com/tarnhq/tarn/internal/crawler"
	"github.com/tarnhq/tarn/internal/errs"
)

// Prefix is the X-Amz-Target prefix of Glue.
const Prefix = "AWSGlue"

type api struct {
	c  *catalog.Catalog
	cr *crawler.Engine
}

// New returns the Glue service, ready to mount on the edge under Prefix.
// With a crawler engine it also serves the crawler and classifier
// operations.
func New(c *catalog.Catalog, cr *crawler.Engine) *awsjson.Service {
	a := &api{c: c, cr: cr}
	s := &awsjson.Service{Name: "glue", Prefix: Prefix, Version: "1.1", MapError: mapError}
	a.registerDatabases(s)
	a.registerTables(s)
	a.registerPartitions(s)
	a.registerMisc(s)
	if cr != nil {
		a.registerCrawlers(s)
	}
	return s
}

// catalogID is the catalog a request addresses: CatalogId when given (it
// must be the caller's account), else the caller's account.
func catalogID(ctx context.Context, id string) (string, error) {
	info := reqctx.From(ctx)
	p := info.Principal
	if p == nil || p.Anonymous || p.Account.ID == "" {
		return "", awserr.New("AccessDeniedException", "User: anonymous is not authorized to perform: glue:%s", info.Operation)
	}
	if id != "" && id != p.Account.ID {
		return "", awserr.New("AccessDeniedException", "User: %s is not authorized to perform: glue:%s on resource: catalog %s", p.Account.ID, info.Operation, id)
	}
	return p.Account.ID, nil
}

// mapError turns an engine error into its Glue error: the engine names
// the code; the Kind decides when it does not.
func mapError(err error) *awserr.Error {
	msg := ""
	var e *errs.Error
	if errors.As(err, &e) {
		msg = e.Msg
	}
	if code := errs.CodeOf(err); code != "" {
		return awserr.New(code, "%s", msg)
	}
	switch errs.KindOf(err) {
	case errs.NotExist:
		return awserr.New(catalog.CodeNotFound, "%s", msg)
	case errs.Invalid:
		return awserr.New(catalog.CodeInvalidInput, "%s", msg)
	case errs.Exist:
		return awserr.New(catalog.CodeAlreadyExists, "%s", msg)
	case errs.Conflict:
		return awserr.New(catalog.CodeConcurrent, "%s", msg)
	}
	return awserr.New(catalog.CodeInternal)
}

// errorDetail is Glue's per-item error.
type errorDetail struct {
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

type page struct {
	NextToken  string `json:"NextToken,omitempty"`
	MaxResults int    `json:"MaxResults,omitempty"`
}

func (p page) engine() catalog.Page {
	return catalog.Page{NextToken: p.NextToken, MaxResults: p.MaxResults}
}

func invalid(format string, args ...any) error {
	return awserr.New(catalog.CodeInvalidInput, append([]any{format}, args...)...)
}
