package s3api

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/checksum"
	"github.com/tarnhq/tarn/internal/objstore"
)

const metaPrefix = "x-amz-meta-"

// putInput decodes the headers every object-creating request shares.
func (h *Handler) putInput(q *request) (*objstore.PutInput, error) {
	hd := q.r.Header
	in := &objstore.PutInput{
		Bucket: q.bucket, Key: q.key, Size: q.r.ContentLength,
		Headers: objstore.Headers{
			ContentType:        hd.Get("Content-Type"),
			ContentEncoding:    hd.Get("Content-Encoding"),
			ContentDisposition: hd.Get("Content-Disposition"),
			ContentLanguage:    hd.Get("Content-Language"),
			CacheControl:       hd.Get("Cache-Control"),
			Expires:            hd.Get("Expires"),
		},
		StorageClass: hd.Get("x-amz-storage-class"),
		Owner:        q.info.Principal.Account.ID,
		ChecksumType: strings.ToUpper(hd.Get("x-amz-checksum-type")),
	}
	for name, vs := range hd {
		lname := strings.ToLower(name)
		if strings.HasPrefix(lname, metaPrefix) && len(lname) > len(metaPrefix) {
			if in.UserMeta == nil {
				in.UserMeta = map[string]string{}
			}
			in.UserMeta[lname[len(metaPrefix):]] = strings.Join(vs, ",")
		}
	}
	if t := hd.Get("x-amz-tagging"); t != "" {
		tags, err := parseTagQuery(t)
		if err != nil {
			return nil, err
		}
		in.Tags = tags
	}
	if v := hd.Get("Content-MD5"); v != "" {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(b) != 16 {
			return nil, awserr.New("InvalidDigest")
		}
		in.ContentMD5 = b
	}
	if err := h.checksumInput(q, in); err != nil {
		return nil, err
	}
	sreq, err := h.sseRequest(q)
	if err != nil {
		return nil, err
	}
	in.SSE = sreq
	in.Cond = writeConditions(hd)
	if in.Lock, err = lockRequest(hd); err != nil {
		return nil, err
	}
	in.SignedPayload = signedPayload(q)
	return in, nil
}

// checksumInput reads the additional-checksum headers: a value header
// (x-amz-checksum-ALG), a declared algorithm, or a trailer announced in
// x-amz-trailer whose value arrives after the body.
func (h *Handler) checksumInput(q *request, in *objstore.PutInput) error {
	hd := q.r.Header
	alg, value, err := checksum.FromHeaders(hd)
	if err != nil {
		if ce, ok := err.(*checksum.Error); ok {
			return awserr.New(ce.Code, "%s", ce.Message)
		}
		return awserr.New("InvalidRequest", "%s", err.Error())
	}
	declared := hd.Get("x-amz-sdk-checksum-algorithm")
	if declared == "" {
		declared = hd.Get("x-amz-checksum-algorithm")
	}
	if declared != "" {
		a, ok := checksum.ParseAlgorithm(declared)
		if !ok {
			return awserr.New("InvalidRequest", "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
		}
		if alg != "" && a != alg {
			return awserr.New("InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid.")
		}
		alg = a
	}
	if tr := strings.ToLower(strings.TrimSpace(hd.Get("x-amz-trailer"))); tr != "" {
		a, ok := checksum.ParseAlgorithm(strings.TrimPrefix(tr, "x-amz-checksum-"))
		if !ok || !strings.HasPrefix(tr, "x-amz-checksum-") {
			return awserr.New("InvalidRequest", "The value specified in the x-amz-trailer header is not supported")
		}
		if alg != "" && a != alg {
			return awserr.New("InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid.")
		}
		alg = a
		auth := q.info.Auth
		in.ChecksumTrailer = func() string {
			if auth == nil || auth.Trailer == nil {
				return ""
			}
			return auth.Trailer.Get(tr)
		}
	}
	in.ChecksumAlgorithm = string(alg)
	in.ChecksumValue = value
	return nil
}

func writeConditions(hd http.Header) objstore.Conditions {
	return objstore.Conditions{IfMatch: hd.Get("If-Match"), IfNoneMatch: hd.Get("If-None-Match")}
}

func readConditions(hd http.Header, prefix string) objstore.Conditions {
	c := objstore.Conditions{IfMatch: hd.Get(prefix + "If-Match"), IfNoneMatch: hd.Get(prefix + "If-None-Match")}
	if t, ok := httpTime(hd.Get(prefix + "If-Modified-Since")); ok {
		c.IfModifiedSince = &t
	}
	if t, ok := httpTime(hd.Get(prefix + "If-Unmodified-Since")); ok {
		c.IfUnmodifiedSince = &t
	}
	return c
}

func httpTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := http.ParseTime(s)
	if err != nil {
		if t2, err2 := time.Parse(time.RFC3339, s); err2 == nil {
			return t2, true
		}
		return time.Time{}, false
	}
	return t, true
}

// parseRange parses a single "bytes=a-b" range. S3 ignores a header it
// cannot parse (and multiple ranges) and returns the whole object.
func parseRange(s string) *objstore.Range {
	spec, ok := strings.CutPrefix(strings.TrimSpace(s), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil
	}
	a, b, ok := strings.Cut(spec, "-")
	if !ok {
		return nil
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 0 {
			return nil
		}
		return &objstore.Range{Start: -n, End: -1}
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return nil
	}
	if b == "" {
		return &objstore.Range{Start: start, End: -1}
	}
	end, err := strconv.ParseInt(b, 10, 64)
	if err != nil || end < start {
		return nil
	}
	return &objstore.Range{Start: start, End: end}
}

// parseTagQuery parses URL-query-encoded tags (x-amz-tagging header).
func parseTagQuery(s string) ([]objstore.Tag, error) {
	v, err := url.ParseQuery(s)
	if err != nil {
		return nil, awserr.New("InvalidArgument", "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")
	}
	var tags []objstore.Tag
	for k, vs := range v {
		if len(vs) != 1 {
			return nil, awserr.New("InvalidArgument", "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")
		}
		tags = append(tags, objstore.Tag{Key: k, Value: vs[0]})
	}
	return tags, nil
}

// objectHeaders writes an object's stored headers and metadata.
func objectHeaders(w http.ResponseWriter, o *objstore.Object, checksumMode bool) {
	hd := w.Header()
	hd.Set("ETag", `"`+o.ETag+`"`)
	hd.Set("Last-Modified", o.LastModified.UTC().Format(http.TimeFormat))
	hd.Set("Accept-Ranges", "bytes")
	ct := o.Headers.ContentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	hd.Set("Content-Type", ct)
	for name, v := range map[string]string{
		"Content-Encoding": o.Headers.ContentEncoding, "Content-Disposition": o.Headers.ContentDisposition,
		"Content-Language": o.Headers.ContentLanguage, "Cache-Control": o.Headers.CacheControl, "Expires": o.Headers.Expires,
	} {
		if v != "" {
			hd.Set(name, v)
		}
	}
	for k, v := range o.UserMeta {
		// Lower-case on the wire as AWS sends it: clients keep the name
		// after x-amz-meta- as received (boto3 would report "Color").
		hd[metaPrefix+k] = []string{v}
	}
	if n := len(o.Tags); n > 0 {
		hd.Set("x-amz-tagging-count", strconv.Itoa(n))
	}
	if c := o.Class(); c != objstore.DefaultStorageClass {
		hd.Set("x-amz-storage-class", c)
	}
	if r := objstore.RestoreHeader(o); r != "" {
		hd.Set("x-amz-restore", r)
	}
	if o.ArchiveStatus != "" {
		hd.Set("x-amz-archive-status", o.ArchiveStatus)
	}
	sseHeaders(w, o.Encryption)
	if checksumMode && o.Checksum != nil {
		if a, ok := checksum.ParseAlgorithm(o.Checksum.Algorithm); ok {
			hd.Set(a.HeaderName(), o.Checksum.Value)
			if o.Checksum.Type != "" {
				hd.Set("x-amz-checksum-type", o.Checksum.Type)
			}
		}
	}
}

// applyOverrides applies GET's response-* query overrides.
func applyOverrides(w http.ResponseWriter, q url.Values) {
	for param, header := range map[string]string{
		"response-content-type": "Content-Type", "response-content-language": "Content-Language",
		"response-expires": "Expires", "response-cache-control": "Cache-Control",
		"response-content-disposition": "Content-Disposition", "response-content-encoding": "Content-Encoding",
	} {
		if v := q.Get(param); v != "" {
			w.Header().Set(header, v)
		}
	}
}
