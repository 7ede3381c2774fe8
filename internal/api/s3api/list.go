package s3api

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/objstore"
)

// encoder applies encoding-type=url to names in listings.
type encoder bool

func (e encoder) enc(s string) string {
	if !e {
		return s
	}
	return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
}

func (e encoder) typ() string {
	if e {
		return "url"
	}
	return ""
}

func listEncoding(q *request) (encoder, error) {
	switch v := q.q.Get("encoding-type"); v {
	case "":
		return false, nil
	case "url":
		return true, nil
	default:
		return false, awserr.New("InvalidArgument", "Invalid Encoding Method specified in Request")
	}
}

func maxKeys(q *request, name string) (int, error) {
	v := q.q.Get(name)
	if v == "" {
		return 1000, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, awserr.New("InvalidArgument", "Provided %s not an integer or within integer range", name)
	}
	if n > 1000 {
		n = 1000
	}
	return n, nil
}

func (h *Handler) xmlObjects(list []*objstore.Object, e encoder, fetchOwner bool) []xmlObject {
	out := make([]xmlObject, 0, len(list))
	for _, o := range list {
		x := xmlObject{Key: e.enc(o.Key), LastModified: isoTime(o.LastModified), ETag: `"` + o.ETag + `"`,
			Size: o.Size, StorageClass: o.Class()}
		if o.Checksum != nil {
			x.ChecksumAlgorithm, x.ChecksumType = o.Checksum.Algorithm, o.Checksum.Type
		}
		if fetchOwner {
			ow := h.owner(o.Owner)
			x.Owner = &ow
		}
		out = append(out, x)
	}
	return out
}

func prefixes(list []string, e encoder) []commonPrefix {
	out := make([]commonPrefix, 0, len(list))
	for _, p := range list {
		out = append(out, commonPrefix{Prefix: e.enc(p)})
	}
	return out
}

func (h *Handler) listObjectsV1(q *request) error {
	if _, err := h.authorize(q, "s3:ListBucket"); err != nil {
		return err
	}
	q.info.Operation = "ListObjects"
	e, err := listEncoding(q)
	if err != nil {
		return err
	}
	max, err := maxKeys(q, "max-keys")
	if err != nil {
		return err
	}
	in := &objstore.ListInput{Bucket: q.bucket, Prefix: q.q.Get("prefix"), Delimiter: q.q.Get("delimiter"),
		After: q.q.Get("marker"), MaxKeys: max}
	out, err := h.store.ListObjects(q.r.Context(), in)
	if err != nil {
		return err
	}
	res := listBucketV1{Xmlns: s3ns, Name: q.bucket, Prefix: e.enc(in.Prefix), Marker: e.enc(in.After), MaxKeys: max,
		Delimiter: e.enc(in.Delimiter), IsTruncated: out.IsTruncated, EncodingType: e.typ(),
		Contents: h.xmlObjects(out.Objects, e, true), CommonPrefixes: prefixes(out.CommonPrefixes, e)}
	if out.IsTruncated && in.Delimiter != "" {
		res.NextMarker = e.enc(out.Next)
	}
	return writeXML(q, res)
}

func (h *Handler) listObjectsV2(q *request) error {
	if _, err := h.authorize(q, "s3:ListBucket"); err != nil {
		return err
	}
	q.info.Operation = "ListObjectsV2"
	e, err := listEncoding(q)
	if err != nil {
		return err
	}
	max, err := maxKeys(q, "max-keys")
	if err != nil {
		return err
	}
	in := &objstore.ListInput{Bucket: q.bucket, Prefix: q.q.Get("prefix"), Delimiter: q.q.Get("delimiter"),
		After: q.q.Get("start-after"), MaxKeys: max}
	token := q.q.Get("continuation-token")
	if _, ok := q.q["continuation-token"]; ok {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || token == "" {
			return awserr.New("InvalidArgument", "The continuation token provided is incorrect")
		}
		in.After = string(b)
	}
	out, err := h.store.ListObjects(q.r.Context(), in)
	if err != nil {
		return err
	}
	res := listBucketV2{Xmlns: s3ns, Name: q.bucket, Prefix: e.enc(in.Prefix), MaxKeys: max,
		Delimiter: e.enc(in.Delimiter), IsTruncated: out.IsTruncated, EncodingType: e.typ(),
		ContinuationToken: token, StartAfter: e.enc(q.q.Get("start-after")),
		KeyCount:       len(out.Objects) + len(out.CommonPrefixes),
		Contents:       h.xmlObjects(out.Objects, e, q.q.Get("fetch-owner") == "true"),
		CommonPrefixes: prefixes(out.CommonPrefixes, e)}
	if out.IsTruncated {
		res.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(out.Next))
	}
	return writeXML(q, res)
}
