package s3api

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/objstore"
)

func (h *Handler) owner(accountID string) Owner {
	if a, ok := h.accounts.Account(accountID); ok {
		return Owner{ID: a.CanonicalID, DisplayName: a.Name}
	}
	return Owner{ID: accountID}
}

func (h *Handler) createBucket(q *request) error {
	ctx := q.r.Context()
	if err := h.authorizeAccount(ctx, q, "s3:CreateBucket"); err != nil {
		return err
	}
	if q.info.Principal.Anonymous {
		return awserr.New("AccessDenied")
	}
	var location string
	if q.r.ContentLength != 0 {
		var cfg createBucketConfiguration
		if err := readXML(q, &cfg); err != nil {
			return err
		}
		location = cfg.LocationConstraint
	}
	in := objstore.CreateBucketInput{Owner: q.info.Principal.Account.ID, Name: q.bucket, Location: location}
	switch v := strings.ToLower(q.r.Header.Get("x-amz-bucket-object-lock-enabled")); v {
	case "", "false":
	case "true":
		in.ObjectLock = true
	default:
		return awserr.New("InvalidArgument", "Invalid value for x-amz-bucket-object-lock-enabled header").
			With("ArgumentName", "x-amz-bucket-object-lock-enabled").With("ArgumentValue", v)
	}
	if _, err := h.store.CreateBucketWith(ctx, in); err != nil {
		return err
	}
	q.w.Header().Set("Location", "/"+q.bucket)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) headBucket(q *request) error {
	b, err := h.authorize(q, "s3:ListBucket")
	if err != nil {
		return err
	}
	q.w.Header().Set("x-amz-bucket-region", b.Region)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) deleteBucket(q *request) error {
	if _, err := h.authorize(q, "s3:DeleteBucket"); err != nil {
		return err
	}
	if err := h.store.DeleteBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) listBuckets(q *request) error {
	ctx := q.r.Context()
	if err := h.authorizeAccount(ctx, q, "s3:ListAllMyBuckets"); err != nil {
		return err
	}
	p := q.info.Principal
	if p.Anonymous {
		return awserr.New("AccessDenied")
	}
	in := objstore.ListBucketsInput{Owner: p.Account.ID, Prefix: q.q.Get("prefix"), Region: q.q.Get("bucket-region")}
	if v := q.q.Get("max-buckets"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return awserr.New("InvalidArgument", "Argument max-buckets must be an integer between 1 and 10000")
		}
		in.MaxBuckets = n
	}
	if tok := q.q.Get("continuation-token"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			return awserr.New("InvalidArgument", "The continuation token provided is incorrect")
		}
		in.After = string(b)
	}
	list, next, err := h.store.ListBuckets(ctx, in)
	if err != nil {
		return err
	}
	res := listAllMyBuckets{Xmlns: s3ns, Owner: h.owner(p.Account.ID), Prefix: in.Prefix}
	for _, b := range list {
		res.Buckets = append(res.Buckets, xmlBucket{Name: b.Name, CreationDate: isoTime(b.Created), BucketRegion: b.Region})
	}
	if next != "" {
		res.ContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(next))
	}
	return writeXML(q, res)
}

func (h *Handler) getBucketLocation(q *request) error {
	b, err := h.authorize(q, "s3:GetBucketLocation")
	if err != nil {
		return err
	}
	loc := b.Region
	if loc == "us-east-1" {
		loc = "" // S3 reports us-east-1 as an empty constraint
	}
	return writeXML(q, locationConstraint{Xmlns: s3ns, Value: loc})
}

// getACL answers GetBucketAcl/GetObjectAcl: tarn has no ACLs, so the
// owner has FULL_CONTROL and nobody else has a grant — which is exactly
// S3's answer for a bucket with ACLs disabled.
func (h *Handler) getACL(q *request) error {
	action := "s3:GetBucketAcl"
	if q.key != "" {
		action = "s3:GetObjectAcl"
	}
	b, err := h.authorize(q, action)
	if err != nil {
		return err
	}
	owner := b.Owner
	if q.key != "" {
		vid, err := versionID(q)
		if err != nil {
			return err
		}
		o, err := h.store.StatVersion(q.r.Context(), q.bucket, q.key, vid)
		if err != nil {
			return err
		}
		owner = o.Owner
		versionHeader(q.w, o)
	}
	o := h.owner(owner)
	var g grant
	g.Grantee.XMLNSXSI = "http://www.w3.org/2001/XMLSchema-instance"
	g.Grantee.XSIType = "CanonicalUser"
	g.Grantee.ID, g.Grantee.DisplayName = o.ID, o.DisplayName
	g.Permission = "FULL_CONTROL"
	return writeXML(q, accessControlPolicy{Xmlns: s3ns, Owner: o, Grants: []grant{g}})
}

// putACL accepts only the canned "private" ACL (the only state tarn has);
// any other ACL is refused as S3 does for buckets with ACLs disabled.
func (h *Handler) putACL(q *request) error {
	action := "s3:PutBucketAcl"
	if q.key != "" {
		action = "s3:PutObjectAcl"
	}
	if _, err := h.authorize(q, action); err != nil {
		return err
	}
	if acl := q.r.Header.Get("x-amz-acl"); acl == "private" || acl == "bucket-owner-full-control" {
		q.w.WriteHeader(http.StatusOK)
		return nil
	}
	return awserr.New("AccessControlListNotSupported", "The bucket does not allow ACLs").WithStatus(http.StatusBadRequest)
}

func (h *Handler) putBucketTagging(q *request) error {
	if _, err := h.authorize(q, "s3:PutBucketTagging"); err != nil {
		return err
	}
	var t tagging
	if err := readXML(q, &t); err != nil {
		return err
	}
	tags := make([]objstore.Tag, 0, len(t.TagSet))
	for _, x := range t.TagSet {
		tags = append(tags, objstore.Tag{Key: x.Key, Value: x.Value})
	}
	if err := h.store.SetBucketTags(q.r.Context(), q.bucket, tags); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) getBucketTagging(q *request) error {
	b, err := h.authorize(q, "s3:GetBucketTagging")
	if err != nil {
		return err
	}
	if len(b.Tags) == 0 {
		return awserr.New("NoSuchTagSet").With("BucketName", q.bucket)
	}
	return writeXML(q, toTagging(b.Tags))
}

func toTagging(tags []objstore.Tag) tagging {
	t := tagging{Xmlns: s3ns, TagSet: []xmlTag{}}
	for _, x := range tags {
		t.TagSet = append(t.TagSet, xmlTag{Key: x.Key, Value: x.Value})
	}
	return t
}

func (h *Handler) deleteBucketTagging(q *request) error {
	if _, err := h.authorize(q, "s3:PutBucketTagging"); err != nil {
		return err
	}
	if err := h.store.SetBucketTags(q.r.Context(), q.bucket, nil); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) putBucketCORS(q *request) error {
	if _, err := h.authorize(q, "s3:PutBucketCORS"); err != nil {
		return err
	}
	var c corsConfiguration
	if err := readXML(q, &c); err != nil {
		return err
	}
	rules := make([]objstore.CORSRule, 0, len(c.Rules))
	for _, r := range c.Rules {
		rules = append(rules, objstore.CORSRule{ID: r.ID, AllowedOrigins: r.AllowedOrigins, AllowedMethods: r.AllowedMethods,
			AllowedHeaders: r.AllowedHeaders, ExposeHeaders: r.ExposeHeaders, MaxAgeSeconds: r.MaxAgeSeconds})
	}
	if err := h.store.SetBucketCORS(q.r.Context(), q.bucket, rules); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) getBucketCORS(q *request) error {
	b, err := h.authorize(q, "s3:GetBucketCORS")
	if err != nil {
		return err
	}
	if !b.HasCORS {
		return awserr.New("NoSuchCORSConfiguration").With("BucketName", q.bucket)
	}
	c := corsConfiguration{Xmlns: s3ns}
	for _, r := range b.CORS {
		c.Rules = append(c.Rules, corsRule{ID: r.ID, AllowedOrigins: r.AllowedOrigins, AllowedMethods: r.AllowedMethods,
			AllowedHeaders: r.AllowedHeaders, ExposeHeaders: r.ExposeHeaders, MaxAgeSeconds: r.MaxAgeSeconds})
	}
	return writeXML(q, c)
}

func (h *Handler) deleteBucketCORS(q *request) error {
	if _, err := h.authorize(q, "s3:PutBucketCORS"); err != nil {
		return err
	}
	if err := h.store.SetBucketCORS(q.r.Context(), q.bucket, nil); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}
