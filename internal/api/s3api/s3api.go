// Package s3api is the S3 REST-XML front end: it decodes S3 requests
// (path-style and virtual-hosted-style), authorizes them, calls the objstore
// engine, and encodes replies and errors exactly as S3 does.
package s3api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/tarnhq/tarn/internal/auth/iam"
	"github.com/tarnhq/tarn/internal/auth/sigv4"
	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/awsproto/reqctx"
	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/objstore"
)

// Accounts resolves account ids to owner names for listings, and access
// keys to principals for POST policy uploads.
type Accounts interface {
	Account(id string) (iam.Account, bool)
	Principal(accessKey string) (*iam.Principal, bool)
}

// Options configure the front end.
type Options struct {
	// Domain enables virtual-hosted-style requests: bucket.Domain.
	Domain string
	Region string
	Logger *slog.Logger
	// SSECOverHTTPLoopback lets loopback clients use SSE-C without TLS.
	SSECOverHTTPLoopback bool
}

// Handler serves the S3 API.
type Handler struct {
	store    *objstore.Store
	authz    iam.Authorizer
	accounts Accounts
	verifier *sigv4.Verifier // for POST policy uploads
	opts     Options
	log      *slog.Logger
}

// New returns the S3 front end.
func New(store *objstore.Store, authz iam.Authorizer, accounts Accounts, verifier *sigv4.Verifier, opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	return &Handler{store: store, authz: authz, accounts: accounts, verifier: verifier, opts: opts, log: opts.Logger}
}

// request is a decoded S3 request.
type request struct {
	w      http.ResponseWriter
	r      *http.Request
	info   *reqctx.Info
	bucket string
	key    string
	q      url.Values
}

// subresources S3 knows; a request naming one we do not serve gets
// NotImplemented rather than being mistaken for a plain GET/PUT.
var unsupported = []string{
	"accelerate", "analytics", "inventory", "logging", "metrics",
	"notification", "ownershipControls", "policy", "policyStatus", "publicAccessBlock",
	"replication", "requestPayment", "website",
	"select", "torrent", "attributes", "session", "metadataTable", "abac",
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := reqctx.From(r.Context())
	info.Service = "s3"
	req := &request{w: w, r: r, info: info, q: r.URL.Query()}
	req.bucket, req.key = h.splitPath(r)
	err := h.route(req)
	if err != nil {
		h.writeError(req, err)
	}
}

// splitPath extracts bucket and key, from the Host header (virtual-hosted
// style, when a domain is configured) or the path.
func (h *Handler) splitPath(r *http.Request) (string, string) {
	path := r.URL.Path
	if raw := r.URL.RawPath; raw != "" {
		if p, err := url.PathUnescape(raw); err == nil {
			path = p
		}
	}
	if d := h.opts.Domain; d != "" {
		host := r.Host
		if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
			host = host[:i]
		}
		if strings.HasSuffix(host, "."+d) {
			return strings.TrimSuffix(host, "."+d), strings.TrimPrefix(path, "/")
		}
	}
	path = strings.TrimPrefix(path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	return bucket, key
}

func (h *Handler) route(q *request) error {
	m := q.r.Method
	for _, sub := range unsupported {
		if _, ok := q.q[sub]; ok {
			return awserr.New("NotImplemented", "The ?%s subresource is not supported by this server yet.", sub)
		}
	}
	if m == http.MethodOptions {
		return h.preflight(q)
	}
	if q.bucket == "" {
		if m == http.MethodGet {
			return h.listBuckets(q)
		}
		return awserr.New("MethodNotAllowed")
	}
	if q.key == "" {
		return h.routeBucket(q)
	}
	return h.routeObject(q)
}

func (q *request) has(name string) bool { _, ok := q.q[name]; return ok }

func (h *Handler) routeBucket(q *request) error {
	if q.has("intelligent-tiering") {
		return h.intelligentTiering(q)
	}
	switch q.r.Method {
	case http.MethodPut:
		switch {
		case q.has("tagging"):
			return h.putBucketTagging(q)
		case q.has("cors"):
			return h.putBucketCORS(q)
		case q.has("versioning"):
			return h.putBucketVersioning(q)
		case q.has("object-lock"):
			return h.putObjectLockConfiguration(q)
		case q.has("acl"):
			return h.putACL(q)
		case q.has("encryption"):
			return h.putBucketEncryption(q)
		case q.has("lifecycle"):
			return h.putBucketLifecycle(q)
		}
		return h.createBucket(q)
	case http.MethodGet:
		switch {
		case q.has("location"):
			return h.getBucketLocation(q)
		case q.has("tagging"):
			return h.getBucketTagging(q)
		case q.has("cors"):
			return h.getBucketCORS(q)
		case q.has("uploads"):
			return h.listUploads(q)
		case q.has("versioning"):
			return h.getBucketVersioning(q)
		case q.has("versions"):
			return h.listObjectVersions(q)
		case q.has("object-lock"):
			return h.getObjectLockConfiguration(q)
		case q.has("acl"):
			return h.getACL(q)
		case q.has("encryption"):
			return h.getBucketEncryption(q)
		case q.has("lifecycle"):
			return h.getBucketLifecycle(q)
		case q.q.Get("list-type") == "2":
			return h.listObjectsV2(q)
		}
		return h.listObjectsV1(q)
	case http.MethodHead:
		return h.headBucket(q)
	case http.MethodDelete:
		switch {
		case q.has("tagging"):
			return h.deleteBucketTagging(q)
		case q.has("cors"):
			return h.deleteBucketCORS(q)
		case q.has("encryption"):
			return h.deleteBucketEncryption(q)
		case q.has("lifecycle"):
			return h.deleteBucketLifecycle(q)
		}
		return h.deleteBucket(q)
	case http.MethodPost:
		switch {
		case q.has("delete"):
			return h.deleteObjects(q)
		case strings.HasPrefix(q.r.Header.Get("Content-Type"), "multipart/form-data"):
			return h.postObject(q)
		}
	}
	return awserr.New("MethodNotAllowed")
}

func (h *Handler) routeObject(q *request) error {
	switch q.r.Method {
	case http.MethodPut:
		switch {
		case q.has("tagging"):
			return h.putObjectTagging(q)
		case q.has("retention"):
			return h.putObjectRetention(q)
		case q.has("legal-hold"):
			return h.putObjectLegalHold(q)
		case q.has("acl"):
			return h.putACL(q)
		case q.has("uploadId") || q.has("partNumber"):
			return h.uploadPart(q)
		case q.r.Header.Get("x-amz-copy-source") != "":
			return h.copyObject(q)
		}
		return h.putObject(q)
	case http.MethodGet:
		switch {
		case q.has("tagging"):
			return h.getObjectTagging(q)
		case q.has("retention"):
			return h.getObjectRetention(q)
		case q.has("legal-hold"):
			return h.getObjectLegalHold(q)
		case q.has("acl"):
			return h.getACL(q)
		case q.has("uploadId"):
			return h.listParts(q)
		}
		return h.getObject(q, true)
	case http.MethodHead:
		return h.getObject(q, false)
	case http.MethodDelete:
		switch {
		case q.has("tagging"):
			return h.deleteObjectTagging(q)
		case q.has("uploadId"):
			return h.abortUpload(q)
		}
		return h.deleteObject(q)
	case http.MethodPost:
		switch {
		case q.has("uploads"):
			return h.createUpload(q)
		case q.has("uploadId"):
			return h.completeUpload(q)
		case q.has("restore"):
			return h.restoreObject(q)
		}
	}
	return awserr.New("MethodNotAllowed")
}

// authorize checks the principal may perform action on the bucket (and
// key); it returns the bucket record for handlers that need it.
func (h *Handler) authorize(q *request, action string) (*objstore.Bucket, error) {
	q.info.Operation = strings.TrimPrefix(action, "s3:")
	b, err := h.store.Bucket(q.r.Context(), q.bucket)
	if err != nil {
		if q.info.Principal == nil || q.info.Principal.Anonymous {
			return nil, awserr.New("AccessDenied")
		}
		return nil, err
	}
	res := "arn:aws:s3:::" + q.bucket
	if q.key != "" {
		res += "/" + q.key
	}
	if err := h.authz.Authorize(q.r.Context(), iam.Request{Principal: q.info.Principal, Action: action, Resource: res, Owner: b.Owner}); err != nil {
		return nil, err
	}
	return b, nil
}

// authorizeAccount checks an account-level action (no bucket owner yet).
func (h *Handler) authorizeAccount(ctx context.Context, q *request, action string) error {
	q.info.Operation = strings.TrimPrefix(action, "s3:")
	return h.authz.Authorize(ctx, iam.Request{Principal: q.info.Principal, Action: action, Resource: "arn:aws:s3:::" + q.bucket})
}

// toAWS maps an engine error to the S3 error reply: wire errors pass
// through; engine errors map by their Code, else by Kind.
func (h *Handler) toAWS(q *request, err error) *awserr.Error {
	if e, ok := awserr.As(err); ok {
		return e
	}
	var ee *errs.Error
	if errors.As(err, &ee) && ee.Code != "" {
		e := awserr.New(ee.Code)
		if ee.Msg != "" {
			e.Message = ee.Msg
		}
		switch ee.Code {
		case "NoSuchBucket", "BucketNotEmpty", "BucketAlreadyExists", "BucketAlreadyOwnedByYou", "InvalidBucketName":
			e.With("BucketName", q.bucket)
		case "NoSuchKey":
			e.With("Key", q.key)
		case "NoSuchVersion":
			e.Status = http.StatusNotFound
			e.With("Key", q.key).With("VersionId", q.q.Get("versionId"))
		case "InvalidRetentionPeriod":
			e.Status = http.StatusBadRequest
		case "NoSuchUpload":
			e.With("UploadId", q.q.Get("uploadId"))
		case "PreconditionFailed":
			if c := objstore.ConditionOf(err); c != "" {
				e.With("Condition", c)
			}
		}
		if m := objstore.DeleteMarkerOf(err); m != nil {
			e.Header = http.Header{}
			e.Header.Set("x-amz-delete-marker", "true")
			e.Header.Set("x-amz-version-id", m.Version())
			if ee.Code == "MethodNotAllowed" {
				e.Header.Set("Last-Modified", m.LastModified.UTC().Format(http.TimeFormat))
				e.With("Method", q.r.Method).With("ResourceType", "DeleteMarker")
			}
		}
		return e
	}
	switch errs.KindOf(err) {
	case errs.NotExist:
		return awserr.New("NoSuchKey")
	case errs.Permission:
		return awserr.New("AccessDenied")
	case errs.Invalid:
		return awserr.New("InvalidArgument", "%s", errMsg(err))
	case errs.Precondition:
		return awserr.New("PreconditionFailed")
	case errs.TooLarge:
		return awserr.New("EntityTooLarge")
	}
	h.log.Error("internal error", "op", q.info.Operation, "bucket", q.bucket, "key", q.key, "err", err)
	return awserr.New("InternalError")
}

func errMsg(err error) string {
	var ee *errs.Error
	if errors.As(err, &ee) && ee.Msg != "" {
		return ee.Msg
	}
	return "Invalid Argument"
}

func (h *Handler) writeError(q *request, err error) {
	e := h.toAWS(q, err)
	q.info.Error = e.Code
	h.corsHeaders(q)
	if e.Status == http.StatusNotModified {
		q.w.WriteHeader(http.StatusNotModified)
		return
	}
	awserr.WriteXML(q.w, q.r, e, q.info.ID)
}
