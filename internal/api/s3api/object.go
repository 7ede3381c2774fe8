package s3api

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/checksum"
	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/objstore"
)

func (h *Handler) putObject(q *request) error {
	if _, err := h.authorize(q, "s3:PutObject"); err != nil {
		return err
	}
	if q.r.ContentLength < 0 && q.r.Header.Get("x-amz-decoded-content-length") == "" {
		return awserr.New("MissingContentLength")
	}
	in, err := h.putInput(q)
	if err != nil {
		return err
	}
	in.Body = q.r.Body
	o, err := h.store.PutObject(q.r.Context(), in)
	if err != nil {
		return err
	}
	writeChecksumHeader(q.w, o.Checksum)
	sseHeaders(q.w, o.Encryption)
	versionHeader(q.w, o)
	h.expirationHeader(q.w, o)
	q.w.Header().Set("ETag", `"`+o.ETag+`"`)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func writeChecksumHeader(w http.ResponseWriter, c *objstore.Checksum) {
	if c == nil {
		return
	}
	if a, ok := checksum.ParseAlgorithm(c.Algorithm); ok {
		w.Header().Set(a.HeaderName(), c.Value)
		if c.Type != "" {
			w.Header().Set("x-amz-checksum-type", c.Type)
		}
	}
}

func (h *Handler) getObject(q *request, body bool) error {
	if _, err := h.authorize(q, "s3:GetObject"); err != nil {
		return err
	}
	ck, err := h.customerKey(q, "")
	if err != nil {
		return err
	}
	vid, err := versionID(q)
	if err != nil {
		return err
	}
	in := &objstore.GetInput{Bucket: q.bucket, Key: q.key, VersionID: vid, Cond: readConditions(q.r.Header, ""), Customer: ck}
	if v := q.q.Get("partNumber"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > objstore.MaxParts {
			return awserr.New("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive")
		}
		if q.r.Header.Get("Range") != "" {
			return awserr.New("InvalidRequest", "Cannot specify both Range header and partNumber query parameter")
		}
		in.PartNumber = n
	} else if rg := q.r.Header.Get("Range"); rg != "" {
		in.Range = parseRange(rg)
	}
	var out *objstore.GetOutput
	if body {
		out, err = h.store.GetObject(q.r.Context(), in)
	} else {
		out, err = h.store.HeadObject(q.r.Context(), in)
	}
	if err != nil {
		if errs.CodeOf(err) == "NotModified" && out != nil {
			versionHeader(q.w, out.Object)
			q.w.Header().Set("ETag", `"`+out.Object.ETag+`"`)
			q.w.Header().Set("Last-Modified", out.Object.LastModified.UTC().Format(http.TimeFormat))
		}
		if errs.CodeOf(err) == "InvalidRange" && out != nil {
			q.w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(out.Object.Size, 10))
		}
		return err
	}
	o := out.Object
	if out.Body != nil {
		defer out.Body.Close()
	}
	objectHeaders(q.w, o, strings.EqualFold(q.r.Header.Get("x-amz-checksum-mode"), "ENABLED") && !out.Ranged)
	versionHeader(q.w, o)
	lockHeaders(q.w, o)
	h.expirationHeader(q.w, o)
	applyOverrides(q.w, q.q)
	if o.PartCount > 0 && in.PartNumber > 0 {
		q.w.Header().Set("x-amz-mp-parts-count", strconv.Itoa(o.PartCount))
	}
	h.corsHeaders(q)
	q.w.Header().Set("Content-Length", strconv.FormatInt(out.Length, 10))
	status := http.StatusOK
	if out.Ranged && (in.Range != nil || o.PartCount > 0) {
		status = http.StatusPartialContent
		q.w.Header().Set("Content-Range", "bytes "+strconv.FormatInt(out.Start, 10)+"-"+
			strconv.FormatInt(out.Start+out.Length-1, 10)+"/"+strconv.FormatInt(o.Size, 10))
	}
	q.w.WriteHeader(status)
	if out.Body == nil || out.Length == 0 {
		return nil
	}
	if _, err := io.Copy(q.w, out.Body); err != nil {
		// Headers are gone: the client sees a short body, which every
		// SDK detects against Content-Length. Log it.
		h.log.Warn("GET body aborted", "bucket", q.bucket, "key", q.key, "err", err)
	}
	return nil
}

func (h *Handler) deleteObject(q *request) error {
	action := "s3:DeleteObject"
	vid, err := versionID(q)
	if err != nil {
		return err
	}
	if vid != "" {
		action = "s3:DeleteObjectVersion"
	}
	if _, err := h.authorize(q, action); err != nil {
		return err
	}
	q.info.Operation = "DeleteObject"
	out, err := h.store.Delete(q.r.Context(), &objstore.DeleteInput{Bucket: q.bucket, Key: q.key, VersionID: vid,
		BypassGovernance: vid != "" && h.bypassGovernance(q), Owner: q.info.Principal.Account.ID})
	if err != nil {
		return err
	}
	if out.VersionID != "" {
		q.w.Header().Set("x-amz-version-id", out.VersionID)
	}
	if out.DeleteMarker {
		q.w.Header().Set("x-amz-delete-marker", "true")
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) deleteObjects(q *request) error {
	if _, err := h.authorize(q, "s3:DeleteObject"); err != nil {
		return err
	}
	q.info.Operation = "DeleteObjects"
	var req deleteRequest
	if err := readXML(q, &req); err != nil {
		return err
	}
	if len(req.Objects) == 0 || len(req.Objects) > objstore.MaxDeleteObjects {
		return awserr.New("MalformedXML")
	}
	res := deleteResult{Xmlns: s3ns}
	bypass := h.bypassGovernance(q)
	for _, o := range req.Objects {
		out, err := h.store.Delete(q.r.Context(), &objstore.DeleteInput{Bucket: q.bucket, Key: o.Key, VersionID: o.VersionID,
			BypassGovernance: bypass, Owner: q.info.Principal.Account.ID})
		if err != nil {
			e := h.toAWS(q, err)
			res.Errors = append(res.Errors, deleteError{Key: o.Key, VersionID: o.VersionID, Code: e.Code, Message: e.Message})
			continue
		}
		if req.Quiet {
			continue
		}
		d := deletedObject{Key: o.Key, VersionID: o.VersionID}
		if out.DeleteMarker {
			d.DeleteMarker = true
			if o.VersionID == "" {
				d.DeleteMarkerVersionID = out.VersionID
			}
		}
		res.Deleted = append(res.Deleted, d)
	}
	return writeXML(q, res)
}

// copySource parses x-amz-copy-source: "bucket/key" or "/bucket/key",
// URL-encoded, optionally with ?versionId=.
func copySource(v string) (bucket, key, version string, err error) {
	src, ver, _ := strings.Cut(v, "?")
	if ver != "" {
		vq, _ := url.ParseQuery(ver)
		version = vq.Get("versionId")
		if _, ok := vq["versionId"]; ok && !objstore.ValidVersionID(version) {
			return "", "", "", awserr.New("InvalidArgument", "Invalid version id specified")
		}
	}
	dec, err := url.PathUnescape(src)
	if err != nil {
		return "", "", "", awserr.New("InvalidArgument", "Invalid copy source encoding")
	}
	dec = strings.TrimPrefix(dec, "/")
	b, k, ok := strings.Cut(dec, "/")
	if !ok || b == "" || k == "" {
		return "", "", "", awserr.New("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
	}
	return b, k, version, nil
}

// authorizeSource checks read access to a copy source.
func (h *Handler) authorizeSource(q *request, bucket, key string) error {
	sq := *q
	sq.bucket, sq.key = bucket, key
	op := q.info.Operation
	_, err := h.authorize(&sq, "s3:GetObject")
	q.info.Operation = op
	return err
}

func (h *Handler) copyObject(q *request) error {
	if _, err := h.authorize(q, "s3:PutObject"); err != nil {
		return err
	}
	q.info.Operation = "CopyObject"
	sb, sk, sv, err := copySource(q.r.Header.Get("x-amz-copy-source"))
	if err != nil {
		return err
	}
	if err := h.authorizeSource(q, sb, sk); err != nil {
		return err
	}
	dst, err := h.putInput(q)
	if err != nil {
		return err
	}
	srcKey, err := h.customerKey(q, copySrcPrefix)
	if err != nil {
		return err
	}
	in := &objstore.CopyInput{SrcBucket: sb, SrcKey: sk, SrcVersionID: sv, SrcCond: readConditions(q.r.Header, "x-amz-copy-source-"), Dst: *dst, SrcCustomer: srcKey}
	switch d := q.r.Header.Get("x-amz-metadata-directive"); d {
	case "", "COPY":
	case "REPLACE":
		in.ReplaceMetadata = true
	default:
		return awserr.New("InvalidArgument", "Unknown metadata directive.")
	}
	switch d := q.r.Header.Get("x-amz-tagging-directive"); d {
	case "", "COPY":
	case "REPLACE":
		in.ReplaceTags = true
	default:
		return awserr.New("InvalidArgument", "Unknown tagging directive.")
	}
	o, err := h.store.CopyObject(q.r.Context(), in)
	if err != nil {
		return err
	}
	sseHeaders(q.w, o.Encryption)
	versionHeader(q.w, o)
	if o.CopySourceVersion != "" && (sv != "" || o.CopySourceVersion != objstore.NullVersion) {
		q.w.Header().Set("x-amz-copy-source-version-id", o.CopySourceVersion)
	}
	res := copyResult{Xmlns: s3ns, LastModified: isoTime(o.LastModified), ETag: `"` + o.ETag + `"`}
	if c := o.Checksum; c != nil {
		res.ChecksumType = c.Type
		res.ChecksumCRC32, res.ChecksumCRC32C, res.ChecksumCRC64NVME, res.ChecksumSHA1, res.ChecksumSHA256 = checksumFields(c.Algorithm, c.Value)
	}
	return writeXML(q, res)
}

func (h *Handler) putObjectTagging(q *request) error {
	if _, err := h.authorize(q, "s3:PutObjectTagging"); err != nil {
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
	vid, err := versionID(q)
	if err != nil {
		return err
	}
	o, err := h.store.SetObjectTags(q.r.Context(), q.bucket, q.key, vid, tags)
	if err != nil {
		return err
	}
	versionHeader(q.w, o)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) getObjectTagging(q *request) error {
	if _, err := h.authorize(q, "s3:GetObjectTagging"); err != nil {
		return err
	}
	vid, err := versionID(q)
	if err != nil {
		return err
	}
	o, err := h.store.StatVersion(q.r.Context(), q.bucket, q.key, vid)
	if err != nil {
		return err
	}
	versionHeader(q.w, o)
	return writeXML(q, toTagging(o.Tags))
}

func (h *Handler) deleteObjectTagging(q *request) error {
	if _, err := h.authorize(q, "s3:DeleteObjectTagging"); err != nil {
		return err
	}
	vid, err := versionID(q)
	if err != nil {
		return err
	}
	o, err := h.store.SetObjectTags(q.r.Context(), q.bucket, q.key, vid, nil)
	if err != nil {
		return err
	}
	versionHeader(q.w, o)
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}
