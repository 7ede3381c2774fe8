package s3api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/objstore"
)

func (h *Handler) createUpload(q *request) error {
	if _, err := h.authorize(q, "s3:PutObject"); err != nil {
		return err
	}
	q.info.Operation = "CreateMultipartUpload"
	in, err := h.putInput(q)
	if err != nil {
		return err
	}
	u, err := h.store.CreateUpload(q.r.Context(), in)
	if err != nil {
		return err
	}
	sseHeaders(q.w, u.Encryption)
	if u.ChecksumAlgorithm != "" {
		q.w.Header().Set("x-amz-checksum-algorithm", u.ChecksumAlgorithm)
		q.w.Header().Set("x-amz-checksum-type", u.ChecksumType)
	}
	return writeXML(q, initiateResult{Xmlns: s3ns, Bucket: q.bucket, Key: q.key, UploadID: u.ID})
}

func partNumber(q *request) (int, error) {
	n, err := strconv.Atoi(q.q.Get("partNumber"))
	if err != nil || n < 1 || n > objstore.MaxParts {
		return 0, awserr.New("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive").
			With("ArgumentName", "partNumber").With("ArgumentValue", q.q.Get("partNumber"))
	}
	return n, nil
}

func (h *Handler) uploadPart(q *request) error {
	if _, err := h.authorize(q, "s3:PutObject"); err != nil {
		return err
	}
	q.info.Operation = "UploadPart"
	n, err := partNumber(q)
	if err != nil {
		return err
	}
	if q.q.Get("uploadId") == "" {
		return awserr.New("InvalidArgument", "This operation does not accept partNumber without uploadId")
	}
	in := &objstore.PartInput{Bucket: q.bucket, Key: q.key, UploadID: q.q.Get("uploadId"), Number: n}
	if src := q.r.Header.Get("x-amz-copy-source"); src != "" {
		q.info.Operation = "UploadPartCopy"
		sb, sk, sv, err := copySource(src)
		if err != nil {
			return err
		}
		if err := h.authorizeSource(q, sb, sk); err != nil {
			return err
		}
		srcKey, err := h.customerKey(q, copySrcPrefix)
		if err != nil {
			return err
		}
		c := &objstore.CopyInput{SrcBucket: sb, SrcKey: sk, SrcVersionID: sv, SrcCond: readConditions(q.r.Header, "x-amz-copy-source-"), SrcCustomer: srcKey}
		if in.Body.SSE, err = h.sseRequest(q); err != nil {
			return err
		}
		if rg := q.r.Header.Get("x-amz-copy-source-range"); rg != "" {
			r := parseRange(rg)
			if r == nil || r.Start < 0 || r.End < 0 {
				return awserr.New("InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy")
			}
			c.Range = r
		}
		in.Copy = c
		p, err := h.store.UploadPart(q.r.Context(), in)
		if err != nil {
			return err
		}
		sseHeaders(q.w, p.Encryption)
		if p.CopySourceVersion != "" && (sv != "" || p.CopySourceVersion != objstore.NullVersion) {
			q.w.Header().Set("x-amz-copy-source-version-id", p.CopySourceVersion)
		}
		res := copyPartResult{Xmlns: s3ns, LastModified: isoTime(p.LastModified), ETag: `"` + p.ETag + `"`}
		if p.Checksum != "" {
			u, _ := h.store.GetUpload(q.r.Context(), q.bucket, q.key, in.UploadID)
			if u != nil {
				res.ChecksumCRC32, res.ChecksumCRC32C, res.ChecksumCRC64NVME, res.ChecksumSHA1, res.ChecksumSHA256 = checksumFields(u.ChecksumAlgorithm, p.Checksum)
			}
		}
		return writeXML(q, res)
	}
	if q.r.ContentLength < 0 {
		return awserr.New("MissingContentLength")
	}
	body, err := h.putInput(q)
	if err != nil {
		return err
	}
	body.Body = q.r.Body
	in.Body = *body
	p, err := h.store.UploadPart(q.r.Context(), in)
	if err != nil {
		return err
	}
	if p.Checksum != "" {
		alg := in.Body.ChecksumAlgorithm
		if alg == "" {
			if u, _ := h.store.GetUpload(q.r.Context(), q.bucket, q.key, in.UploadID); u != nil {
				alg = u.ChecksumAlgorithm
			}
		}
		writeChecksumHeader(q.w, &objstore.Checksum{Algorithm: alg, Value: p.Checksum})
	}
	sseHeaders(q.w, p.Encryption)
	q.w.Header().Set("ETag", `"`+p.ETag+`"`)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) completeUpload(q *request) error {
	if _, err := h.authorize(q, "s3:PutObject"); err != nil {
		return err
	}
	q.info.Operation = "CompleteMultipartUpload"
	var req completeRequest
	if err := readXML(q, &req); err != nil {
		return err
	}
	parts := make([]objstore.CompletedPart, 0, len(req.Parts))
	for _, p := range req.Parts {
		sum := p.ChecksumCRC32 + p.ChecksumCRC32C + p.ChecksumCRC64NVME + p.ChecksumSHA1 + p.ChecksumSHA256
		parts = append(parts, objstore.CompletedPart{Number: p.PartNumber, ETag: p.ETag, Checksum: sum})
	}
	o, err := h.store.CompleteUpload(q.r.Context(), q.bucket, q.key, q.q.Get("uploadId"), parts,
		writeConditions(q.r.Header), strings.ToUpper(q.r.Header.Get("x-amz-checksum-type")))
	if err != nil {
		return err
	}
	scheme := "http"
	if q.r.TLS != nil {
		scheme = "https"
	}
	sseHeaders(q.w, o.Encryption)
	versionHeader(q.w, o)
	res := completeResult{Xmlns: s3ns, Location: scheme + "://" + q.r.Host + "/" + q.bucket + "/" + q.key,
		Bucket: q.bucket, Key: q.key, ETag: `"` + o.ETag + `"`}
	if c := o.Checksum; c != nil {
		res.ChecksumType = c.Type
		res.ChecksumCRC32, res.ChecksumCRC32C, res.ChecksumCRC64NVME, res.ChecksumSHA1, res.ChecksumSHA256 = checksumFields(c.Algorithm, c.Value)
	}
	return writeXML(q, res)
}

func (h *Handler) abortUpload(q *request) error {
	if _, err := h.authorize(q, "s3:AbortMultipartUpload"); err != nil {
		return err
	}
	if err := h.store.AbortUpload(q.r.Context(), q.bucket, q.key, q.q.Get("uploadId")); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) listParts(q *request) error {
	if _, err := h.authorize(q, "s3:ListMultipartUploadParts"); err != nil {
		return err
	}
	q.info.Operation = "ListParts"
	max, err := maxKeys(q, "max-parts")
	if err != nil {
		return err
	}
	after := 0
	if v := q.q.Get("part-number-marker"); v != "" {
		if after, err = strconv.Atoi(v); err != nil || after < 0 {
			return awserr.New("InvalidArgument", "Provided part-number-marker not an integer or within integer range")
		}
	}
	u, parts, truncated, err := h.store.ListParts(q.r.Context(), q.bucket, q.key, q.q.Get("uploadId"), after, max)
	if err != nil {
		return err
	}
	ow := h.owner(u.Owner)
	res := listPartsResult{Xmlns: s3ns, Bucket: q.bucket, Key: q.key, UploadID: u.ID, PartNumberMarker: after,
		MaxParts: max, IsTruncated: truncated, Initiator: ow, Owner: ow, StorageClass: classOr(u.StorageClass),
		ChecksumAlgorithm: u.ChecksumAlgorithm, ChecksumType: u.ChecksumType}
	for _, p := range parts {
		x := xmlPart{PartNumber: p.Number, LastModified: isoTime(p.LastModified), ETag: `"` + p.ETag + `"`, Size: p.Size}
		x.ChecksumCRC32, x.ChecksumCRC32C, x.ChecksumCRC64NVME, x.ChecksumSHA1, x.ChecksumSHA256 = checksumFields(u.ChecksumAlgorithm, p.Checksum)
		res.Parts = append(res.Parts, x)
		res.NextPartNumberMarker = p.Number
	}
	return writeXML(q, res)
}

func classOr(c string) string {
	if c == "" {
		return objstore.DefaultStorageClass
	}
	return c
}

func (h *Handler) listUploads(q *request) error {
	if _, err := h.authorize(q, "s3:ListBucketMultipartUploads"); err != nil {
		return err
	}
	q.info.Operation = "ListMultipartUploads"
	e, err := listEncoding(q)
	if err != nil {
		return err
	}
	max, err := maxKeys(q, "max-uploads")
	if err != nil {
		return err
	}
	in := &objstore.ListUploadsInput{Bucket: q.bucket, Prefix: q.q.Get("prefix"), Delimiter: q.q.Get("delimiter"),
		KeyMarker: q.q.Get("key-marker"), UploadIDMarker: q.q.Get("upload-id-marker"), MaxUploads: max}
	out, err := h.store.ListUploads(q.r.Context(), in)
	if err != nil {
		return err
	}
	res := listUploadsResult{Xmlns: s3ns, Bucket: q.bucket, KeyMarker: e.enc(in.KeyMarker), UploadIDMarker: in.UploadIDMarker,
		Delimiter: e.enc(in.Delimiter), Prefix: e.enc(in.Prefix), EncodingType: e.typ(), MaxUploads: max,
		IsTruncated: out.IsTruncated, CommonPrefixes: prefixes(out.CommonPrefixes, e)}
	if out.IsTruncated {
		res.NextKeyMarker, res.NextUploadIDMarker = e.enc(out.NextKey), out.NextUploadID
	}
	for _, u := range out.Uploads {
		ow := h.owner(u.Owner)
		res.Uploads = append(res.Uploads, xmlUpload{Key: e.enc(u.Key), UploadID: u.ID, Initiator: ow, Owner: ow,
			StorageClass: classOr(u.StorageClass), Initiated: isoTime(u.Initiated),
			ChecksumAlgorithm: u.ChecksumAlgorithm, ChecksumType: u.ChecksumType})
	}
	return writeXML(q, res)
}
