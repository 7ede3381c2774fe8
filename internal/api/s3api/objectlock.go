package s3api

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/auth/sigv4"
	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/checksum"
	"github.com/tarnhq/tarn/internal/objstore"
)

// lockRequest reads the x-amz-object-lock-* headers of an object write.
func lockRequest(hd http.Header) (*objstore.LockRequest, error) {
	mode, date, hold := hd.Get("x-amz-object-lock-mode"), hd.Get("x-amz-object-lock-retain-until-date"), hd.Get("x-amz-object-lock-legal-hold")
	if mode == "" && date == "" && hold == "" {
		return nil, nil
	}
	r := &objstore.LockRequest{Mode: mode, LegalHold: hold}
	if date != "" {
		t, err := time.Parse(time.RFC3339, date)
		if err != nil {
			return nil, awserr.New("InvalidArgument", "The retain until date must be provided in ISO 8601 format").
				With("ArgumentName", "x-amz-object-lock-retain-until-date").With("ArgumentValue", date)
		}
		r.Until = &t
	}
	return r, nil
}

// lockHeaders writes a version's Object Lock state on GET and HEAD.
func lockHeaders(w http.ResponseWriter, o *objstore.Object) {
	if o.LockMode != "" && o.LockUntil != nil {
		w.Header().Set("x-amz-object-lock-mode", o.LockMode)
		w.Header().Set("x-amz-object-lock-retain-until-date", o.LockUntil.UTC().Format(time.RFC3339))
	}
	if o.LegalHold != "" {
		w.Header().Set("x-amz-object-lock-legal-hold", o.LegalHold)
	}
}

// bypassGovernance reports whether the request asks to bypass GOVERNANCE
// retention and the principal may (s3:BypassGovernanceRetention).
func (h *Handler) bypassGovernance(q *request) bool {
	if !strings.EqualFold(strings.TrimSpace(q.r.Header.Get("x-amz-bypass-governance-retention")), "true") {
		return false
	}
	op := q.info.Operation
	_, err := h.authorize(q, "s3:BypassGovernanceRetention")
	q.info.Operation = op
	return err == nil
}

// signedPayload reports whether SigV4 verified the body against a signed
// SHA-256 (x-amz-content-sha256 with a digest, or signed aws-chunked
// chunks). tarn takes that as the integrity digest S3 wants with Object
// Lock: SDKs send no Content-MD5 or checksum over plain HTTP, where they
// sign the payload instead.
func signedPayload(q *request) bool {
	a := q.info.Auth
	if a == nil || a.Presigned || a.Anonymous {
		return false
	}
	switch a.PayloadMode {
	case sigv4.StreamingPayload, sigv4.StreamingPayloadTrailer:
		return true
	}
	return len(a.PayloadMode) == 64
}

// readXMLDigest is readXML for requests S3 wants an integrity digest on:
// it verifies Content-MD5 or an x-amz-checksum-* value when present and
// reports whether one was.
func readXMLDigest(q *request, v any) (bool, error) {
	body, err := io.ReadAll(io.LimitReader(q.r.Body, maxXMLBody+1))
	if err != nil {
		if e, ok := awserr.As(err); ok {
			return false, e
		}
		return false, awserr.New("IncompleteBody")
	}
	digest := false
	if m := q.r.Header.Get("Content-MD5"); m != "" {
		want, err := base64.StdEncoding.DecodeString(m)
		if err != nil || len(want) != 16 {
			return false, awserr.New("InvalidDigest")
		}
		got := md5.Sum(body)
		if !bytes.Equal(got[:], want) {
			return false, awserr.New("BadDigest")
		}
		digest = true
	}
	alg, value, err := checksum.FromHeaders(q.r.Header)
	if err != nil {
		if ce, ok := err.(*checksum.Error); ok {
			return false, awserr.New(ce.Code, "%s", ce.Message)
		}
		return false, awserr.New("InvalidRequest", "%s", err.Error())
	}
	if alg != "" && value != "" {
		hh := alg.New()
		hh.Write(body)
		if checksum.Encode(hh.Sum(nil)) != value {
			return false, awserr.New("BadDigest", "The %s you specified did not match the calculated checksum.", alg)
		}
		digest = true
	}
	q.r.Body = io.NopCloser(bytes.NewReader(body))
	if err := readXML(q, v); err != nil {
		return false, err
	}
	return digest || signedPayload(q), nil
}

func (h *Handler) putObjectLockConfiguration(q *request) error {
	if _, err := h.authorize(q, "s3:PutBucketObjectLockConfiguration"); err != nil {
		return err
	}
	var c objectLockConfiguration
	if err := readXML(q, &c); err != nil {
		return err
	}
	if c.ObjectLockEnabled != "Enabled" {
		return awserr.New("MalformedXML")
	}
	var rule *objstore.RetentionRule
	if c.Rule != nil {
		d := c.Rule.DefaultRetention
		if d == nil {
			return awserr.New("MalformedXML")
		}
		rule = &objstore.RetentionRule{Mode: d.Mode}
		if d.Days != nil {
			if *d.Days <= 0 {
				return awserr.New("InvalidArgument", "Default retention period must be a positive integer value").
					With("ArgumentName", "Days").WithStatus(http.StatusBadRequest)
			}
			rule.Days = *d.Days
		}
		if d.Years != nil {
			if *d.Years <= 0 {
				return awserr.New("InvalidArgument", "Default retention period must be a positive integer value").
					With("ArgumentName", "Years").WithStatus(http.StatusBadRequest)
			}
			rule.Years = *d.Years
		}
	}
	if err := h.store.PutObjectLockConfiguration(q.r.Context(), q.bucket, rule); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) getObjectLockConfiguration(q *request) error {
	b, err := h.authorize(q, "s3:GetBucketObjectLockConfiguration")
	if err != nil {
		return err
	}
	if b.ObjectLock == nil {
		return awserr.New("ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket").
			WithStatus(http.StatusNotFound).With("BucketName", q.bucket)
	}
	c := objectLockConfiguration{Xmlns: s3ns, ObjectLockEnabled: "Enabled"}
	if r := b.ObjectLock.Rule; r != nil {
		d := &xmlDefaultRetention{Mode: r.Mode}
		if r.Days > 0 {
			d.Days = &r.Days
		}
		if r.Years > 0 {
			d.Years = &r.Years
		}
		c.Rule = &struct {
			DefaultRetention *xmlDefaultRetention `xml:"DefaultRetention"`
		}{d}
	}
	return writeXML(q, c)
}

func (h *Handler) putObjectRetention(q *request) error {
	if _, err := h.authorize(q, "s3:PutObjectRetention"); err != nil {
		return err
	}
	vid, err := versionID(q)
	if err != nil {
		return err
	}
	var r retention
	digest, err := readXMLDigest(q, &r)
	if err != nil {
		return err
	}
	in := &objstore.RetentionInput{Bucket: q.bucket, Key: q.key, VersionID: vid, Mode: r.Mode, Digest: digest,
		BypassGovernance: h.bypassGovernance(q)}
	if r.RetainUntilDate != "" {
		t, err := time.Parse(time.RFC3339, r.RetainUntilDate)
		if err != nil {
			return awserr.New("MalformedXML")
		}
		in.Until = &t
	}
	o, err := h.store.PutObjectRetention(q.r.Context(), in)
	if err != nil {
		return err
	}
	versionHeader(q.w, o)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) getObjectRetention(q *request) error {
	if _, err := h.authorize(q, "s3:GetObjectRetention"); err != nil {
		return err
	}
	vid, err := versionID(q)
	if err != nil {
		return err
	}
	o, err := h.store.ObjectLockState(q.r.Context(), q.bucket, q.key, vid)
	if err != nil {
		return err
	}
	if o.LockMode == "" || o.LockUntil == nil {
		return noLockConfig()
	}
	versionHeader(q.w, o)
	return writeXML(q, retention{Xmlns: s3ns, Mode: o.LockMode, RetainUntilDate: o.LockUntil.UTC().Format("2006-01-02T15:04:05.000Z")})
}

func noLockConfig() error {
	return awserr.New("NoSuchObjectLockConfiguration", "The specified object does not have a ObjectLock configuration").
		WithStatus(http.StatusNotFound)
}

func (h *Handler) putObjectLegalHold(q *request) error {
	if _, err := h.authorize(q, "s3:PutObjectLegalHold"); err != nil {
		return err
	}
	vid, err := versionID(q)
	if err != nil {
		return err
	}
	var l legalHold
	if _, err := readXMLDigest(q, &l); err != nil {
		return err
	}
	o, err := h.store.PutObjectLegalHold(q.r.Context(), q.bucket, q.key, vid, l.Status)
	if err != nil {
		return err
	}
	versionHeader(q.w, o)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) getObjectLegalHold(q *request) error {
	if _, err := h.authorize(q, "s3:GetObjectLegalHold"); err != nil {
		return err
	}
	vid, err := versionID(q)
	if err != nil {
		return err
	}
	o, err := h.store.ObjectLockState(q.r.Context(), q.bucket, q.key, vid)
	if err != nil {
		return err
	}
	if o.LegalHold == "" {
		return noLockConfig()
	}
	versionHeader(q.w, o)
	return writeXML(q, legalHold{Xmlns: s3ns, Status: o.LegalHold})
}
