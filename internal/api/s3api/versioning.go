package s3api

import (
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/objstore"
)

// versionHeader sets x-amz-version-id when S3 reports one: for every
// version of a bucket that has a versioning state ("null" included).
func versionHeader(w http.ResponseWriter, o *objstore.Object) {
	if o != nil && (o.Versioned || o.VersionID != "") {
		w.Header().Set("x-amz-version-id", o.Version())
	}
}

// versionID returns the versionId query parameter, checked.
func versionID(q *request) (string, error) {
	v, ok := q.q["versionId"]
	if !ok {
		return "", nil
	}
	if len(v) != 1 || !objstore.ValidVersionID(v[0]) {
		return "", awserr.New("InvalidArgument", "Invalid version id specified").
			With("ArgumentName", "versionId").With("ArgumentValue", strings.Join(v, ","))
	}
	return v[0], nil
}

func (h *Handler) putBucketVersioning(q *request) error {
	if _, err := h.authorize(q, "s3:PutBucketVersioning"); err != nil {
		return err
	}
	var c versioningConfiguration
	if err := readXML(q, &c); err != nil {
		return err
	}
	if err := h.store.PutBucketVersioning(q.r.Context(), q.bucket, c.Status, c.MfaDelete); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) getBucketVersioning(q *request) error {
	b, err := h.authorize(q, "s3:GetBucketVersioning")
	if err != nil {
		return err
	}
	// A bucket that never had versioning answers an empty configuration.
	return writeXML(q, versioningConfiguration{Xmlns: s3ns, Status: b.Versioning})
}

func (h *Handler) listObjectVersions(q *request) error {
	if _, err := h.authorize(q, "s3:ListBucketVersions"); err != nil {
		return err
	}
	q.info.Operation = "ListObjectVersions"
	e, err := listEncoding(q)
	if err != nil {
		return err
	}
	max, err := maxKeys(q, "max-keys")
	if err != nil {
		return err
	}
	in := &objstore.ListVersionsInput{Bucket: q.bucket, Prefix: q.q.Get("prefix"), Delimiter: q.q.Get("delimiter"),
		KeyMarker: q.q.Get("key-marker"), VersionIDMarker: q.q.Get("version-id-marker"), MaxKeys: max}
	out, err := h.store.ListObjectVersions(q.r.Context(), in)
	if err != nil {
		return err
	}
	res := listVersionsResult{Xmlns: s3ns, Name: q.bucket, Prefix: e.enc(in.Prefix), KeyMarker: e.enc(in.KeyMarker),
		VersionIDMarker: in.VersionIDMarker, MaxKeys: max, Delimiter: e.enc(in.Delimiter), IsTruncated: out.IsTruncated,
		EncodingType: e.typ(), CommonPrefixes: prefixes(out.CommonPrefixes, e)}
	if out.IsTruncated {
		res.NextKeyMarker, res.NextVersionIDMarker = e.enc(out.NextKeyMarker), out.NextVersionIDMarker
	}
	for _, o := range out.Versions {
		ow := h.owner(o.Owner)
		x := xmlVersion{Key: e.enc(o.Key), VersionID: o.Version(), IsLatest: o.IsLatest, LastModified: isoTime(o.LastModified), Owner: &ow}
		if o.DeleteMarker {
			x.XMLName = xml.Name{Local: "DeleteMarker"}
		} else {
			x.XMLName = xml.Name{Local: "Version"}
			size := o.Size
			x.ETag, x.Size, x.StorageClass = `"`+o.ETag+`"`, &size, o.Class()
			if o.Checksum != nil {
				x.ChecksumAlgorithm, x.ChecksumType = o.Checksum.Algorithm, o.Checksum.Type
			}
		}
		res.Versions = append(res.Versions, x)
	}
	return writeXML(q, res)
}
