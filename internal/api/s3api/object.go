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
	in := &objstore.GetInput{Bucket: q.bucket, Key: q.key, Cond: readConditions(q.r.Header, ""), Customer: ck}
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
	if _, err := h.authorize(q, "s3:DeleteObject"); err != nil {
		return err
	}
	if err := h.store.DeleteObject(q.r.Context(), q.bucket, q.key); err != nil {
		return err
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
	for _, o := range req.Objects {
		var err error
		if o.VersionID != "" && o.VersionID != "null" {
			err = awserr.New("NoSuchVersion", "The specified version does not exist.")
		} else {
			err = h.store.DeleteObject(q.r.Context(), q.bucket, o.Key)
		}
		if err != nil {
			e := h.toAWS(q, err)
			res.Errors = append(res.Errors, deleteError{Key: o.Key, Code: e.Code, Message: e.Message})
			continue
		}
		if !req.Quiet {
			res.Deleted = append(res.Deleted, deletedObject{Key: o.Key})
		}
	}
	return writeXML(q, res)
}

// copySource parses x-amz-copy-source: "bucket/key" or "/bucket/key",
// URL-encoded, optionally with ?versionId=.
func copySource(v string) (string, string, error) {
	src, ver, _ := strings.Cut(v, "?")
	if ver != "" {
		if vq, _ := url.ParseQuery(ver); vq.Get("versionId") != "" && vq.Get("versionId") != "null" {
			return "", "", awserr.New("NoSuchVersion", "The specified version does not exist.")
		}
	}
	dec, err := url.PathUnescape(src)
	if err != nil {
		return "", "", awserr.New("InvalidArgument", "Invalid copy source encoding")
	}
	dec = strings.TrimPrefix(dec, "/")
	b, k, ok := strings.Cut(dec, "/")
	if !ok || b == "" || k == "" {
		return "", "", awserr.New("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
	}
	return b, k, nil
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
	sb, sk, err := copySource(q.r.Header.Get("x-amz-copy-source"))
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
	in := &objstore.CopyInput{SrcBucket: sb, SrcKey: sk, SrcCond: readConditions(q.r.Header, "x-amz-copy-source-"), Dst: *dst, SrcCustomer: srcKey}
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
	if err := h.store.SetObjectTags(q.r.Context(), q.bucket, q.key, tags); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) getObjectTagging(q *request) error {
	if _, err := h.authorize(q, "s3:GetObjectTagging"); err != nil {
		return err
	}
	o, err := h.store.Stat(q.r.Context(), q.bucket, q.key)
	if err != nil {
		return err
	}
	return writeXML(q, toTagging(o.Tags))
}

func (h *Handler) deleteObjectTagging(q *request) error {
	if _, err := h.authorize(q, "s3:DeleteObjectTagging"); err != nil {
		return err
	}
	if err := h.store.SetObjectTags(q.r.Context(), q.bucket, q.key, nil); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}
