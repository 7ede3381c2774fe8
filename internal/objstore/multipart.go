package objstore

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/checksum"
	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/sse"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// Upload is an in-progress multipart upload.
type Upload struct {
	Bucket            string            `json:"-"`
	Key               string            `json:"-"`
	ID                string            `json:"-"`
	Initiated         time.Time         `json:"initiated"`
	Headers           Headers           `json:"hdr"`
	UserMeta          map[string]string `json:"meta,omitempty"`
	Tags              []Tag             `json:"tags,omitempty"`
	StorageClass      string            `json:"class,omitempty"`
	ChecksumAlgorithm string            `json:"alg,omitempty"`
	ChecksumType      string            `json:"ctype,omitempty"`
	Owner             string            `json:"owner"`
	Encryption        *Encryption       `json:"sse,omitempty"`
	// Object Lock state asked for at creation (the bucket default, if
	// any, applies at completion otherwise).
	LockMode  string     `json:"lm,omitempty"`
	LockUntil *time.Time `json:"lu,omitempty"`
	LegalHold string     `json:"lh,omitempty"`
}

// Part is an uploaded part.
type Part struct {
	Number       int       `json:"n"`
	ETag         string    `json:"etag"`
	Size         int64     `json:"size"`
	BlobID       string    `json:"blob"`
	Checksum     string    `json:"sum,omitempty"` // base64
	LastModified time.Time `json:"mtime"`
	// Encryption of the upload (not stored with the part).
	Encryption *Encryption `json:"-"`
	// CopySourceVersion is the source version read by UploadPartCopy.
	CopySourceVersion string `json:"-"`
}

// CompletedPart is a part named in CompleteMultipartUpload.
type CompletedPart struct {
	Number   int
	ETag     string
	Checksum string // optional, base64
}

func newUploadID(now time.Time) string {
	var r [12]byte
	rand.Read(r[:])
	// Time first so uploads of one key list in initiation order.
	return fmt.Sprintf("%016x", now.UnixNano()) + base64.RawURLEncoding.EncodeToString(r[:])
}

func noSuchUpload() error {
	return errs.E("objstore.upload", errs.NotExist, errs.Code("NoSuchUpload"),
		"The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
}

// CreateUpload starts a multipart upload with the object's metadata.
func (s *Store) CreateUpload(ctx context.Context, in *PutInput) (*Upload, error) {
	const op = "objstore.CreateUpload"
	if _, err := validatePut(op, in); err != nil {
		return nil, err
	}
	bk, err := s.bucket(in.Bucket)
	if err != nil {
		return nil, err
	}
	ct := in.ChecksumType
	if ct != "" && ct != "COMPOSITE" && ct != "FULL_OBJECT" {
		return nil, errs.E(op, errs.Invalid, errs.Code("InvalidRequest"), "Value for x-amz-checksum-type header is invalid.")
	}
	if ct != "" && in.ChecksumAlgorithm == "" {
		return nil, errs.E(op, errs.Invalid, errs.Code("InvalidRequest"), "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
	}
	if in.ChecksumAlgorithm != "" {
		alg, _ := checksum.ParseAlgorithm(in.ChecksumAlgorithm)
		in.ChecksumAlgorithm = string(alg)
		if ct == "" {
			ct = "COMPOSITE"
			if alg == checksum.CRC64NVME {
				ct = "FULL_OBJECT"
			}
		}
		if ct == "FULL_OBJECT" && !alg.SupportsFullObject() {
			return nil, errs.E(op, errs.Invalid, errs.Code("InvalidRequest"), "The FULL_OBJECT checksum type cannot be used with the "+strings.ToLower(string(alg))+" checksum algorithm.")
		}
		if ct == "COMPOSITE" && alg == checksum.CRC64NVME {
			return nil, errs.E(op, errs.Invalid, errs.Code("InvalidRequest"), "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.")
		}
	}
	var lock LockRequest
	if !in.Lock.empty() {
		// Validated now; the bucket default applies at completion.
		if _, _, _, err := s.lockFor(op, bk, in.Lock, true); err != nil {
			return nil, err
		}
		lock = *in.Lock
	}
	enc, _, err := s.newEncryption(ctx, bk, in.Key, s.effectiveSSE(bk, in.SSE))
	if err != nil {
		return nil, err
	}
	now := s.now()
	u := &Upload{Encryption: enc, Bucket: in.Bucket, Key: in.Key, ID: newUploadID(now), Initiated: now, Headers: in.Headers,
		UserMeta: in.UserMeta, Tags: in.Tags, StorageClass: in.StorageClass,
		ChecksumAlgorithm: in.ChecksumAlgorithm, ChecksumType: ct, Owner: in.Owner,
		LockMode: lock.Mode, LockUntil: lock.Until, LegalHold: lock.LegalHold}
	v, _ := json.Marshal(u)
	var b meta.Batch
	b.Set(uploadKey(u.Bucket, u.Key, u.ID), v)
	// Under the bucket read lock, so DeleteBucket cannot miss this upload.
	s.bmu.RLock()
	defer s.bmu.RUnlock()
	cb, ok := s.buckets[u.Bucket]
	if !ok {
		return nil, errs.E(op, errs.NotExist, errs.Code("NoSuchBucket"), "The specified bucket does not exist")
	}
	if cb.Lifecycle != nil {
		b.Set(lqKey(now, u.Bucket, lqKindUp, u.Key+"\x00"+u.ID), nil)
	}
	if err := s.meta.Apply(ctx, &b); err != nil {
		return nil, errs.E(op, errs.IO, err)
	}
	return u, nil
}

// GetUpload returns an in-progress upload.
func (s *Store) GetUpload(ctx context.Context, bucket, key, id string) (*Upload, error) {
	if _, err := s.bucket(bucket); err != nil {
		return nil, err
	}
	if strings.IndexByte(id, 0) >= 0 || id == "" {
		return nil, noSuchUpload()
	}
	v, err := s.meta.Get(ctx, uploadKey(bucket, key, id))
	if meta.IsNotFound(err) {
		return nil, noSuchUpload()
	}
	if err != nil {
		return nil, errs.E("objstore.GetUpload", errs.IO, err)
	}
	u := &Upload{Bucket: bucket, Key: key, ID: id}
	if err := json.Unmarshal(v, u); err != nil {
		return nil, errs.E("objstore.GetUpload", errs.Corrupt, err)
	}
	return u, nil
}

// PartInput describes an UploadPart.
type PartInput struct {
	Bucket, Key, UploadID string
	Number                int
	Body                  PutInput // Body, Size, ContentMD5, checksum fields
	// Copy, when set, makes this an UploadPartCopy.
	Copy *CopyInput
}

// UploadPart stores one part (replacing an earlier part of that number).
func (s *Store) UploadPart(ctx context.Context, in *PartInput) (*Part, error) {
	const op = "objstore.UploadPart"
	if in.Number < 1 || in.Number > MaxParts {
		return nil, errs.E(op, errs.Invalid, errs.Code("InvalidArgument"), "Part number must be an integer between 1 and 10000, inclusive")
	}
	u, err := s.GetUpload(ctx, in.Bucket, in.Key, in.UploadID)
	if err != nil {
		return nil, err
	}
	alg, _ := checksum.ParseAlgorithm(u.ChecksumAlgorithm)
	if in.Body.ChecksumAlgorithm != "" {
		a, ok := checksum.ParseAlgorithm(in.Body.ChecksumAlgorithm)
		if !ok {
			return nil, errs.E(op, errs.Invalid, errs.Code("InvalidRequest"), "Checksum algorithm provided is unsupported.")
		}
		if alg != "" && a != alg {
			return nil, errs.E(op, errs.Invalid, errs.Code("InvalidRequest"),
				"Checksum Type mismatch occurred, expected checksum Type: "+strings.ToLower(string(alg))+", actual checksum Type: "+strings.ToLower(string(a)))
		}
		if alg == "" {
			alg = a
		}
	}
	var customer *sse.CustomerKey
	if in.Body.SSE != nil {
		customer = in.Body.SSE.Customer
	}
	dk, err := s.dataKey(ctx, in.Bucket, in.Key, u.Encryption, customer)
	if err != nil {
		return nil, err
	}
	var got *ingested
	if in.Copy != nil {
		got, err = s.ingestCopy(ctx, in.Copy, alg, streamKey(dk, in.Number), s.tierOf(u.StorageClass))
	} else {
		got, err = s.ingest(ctx, in.Body.Body, in.Body.Size, MaxPartSize, alg, false, streamKey(dk, in.Number), s.tierOf(u.StorageClass))
		if err == nil {
			if err = verifyDigests(op, &in.Body, alg, got); err != nil {
				s.discard(ctx, got)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	p := &Part{Number: in.Number, ETag: etagFor(u.Encryption, dk, got.md5), Size: got.size, BlobID: got.blobID, LastModified: s.now(),
		Encryption: u.Encryption, CopySourceVersion: got.srcVersion}
	if alg != "" {
		p.Checksum = checksum.Encode(got.sum)
	}
	if err := s.putPart(ctx, u, p); err != nil {
		s.discard(ctx, got)
		return nil, err
	}
	return p, nil
}

func (s *Store) ingestCopy(ctx context.Context, c *CopyInput, alg checksum.Algorithm, enc *sse.Key, tier string) (*ingested, error) {
	const op = "objstore.UploadPartCopy"
	if _, err := s.bucket(c.SrcBucket); err != nil {
		return nil, err
	}
	src, _, err := s.copySource(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := checkCopySource(src, c.SrcCond); err != nil {
		return nil, err
	}
	start, length := int64(0), src.Size
	if c.Range != nil {
		if c.Range.Start < 0 || c.Range.End < c.Range.Start || c.Range.End >= src.Size {
			return nil, errs.E(op, errs.Invalid, errs.Code("InvalidArgument"),
				fmt.Sprintf("Range specified is not valid for source object of size: %d", src.Size))
		}
		start, length = c.Range.Start, c.Range.End-c.Range.Start+1
	}
	if length > MaxPartSize {
		return nil, errs.E(op, errs.Invalid, errs.Code("InvalidRequest"), "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
	}
	srcKey, err := s.dataKey(ctx, c.SrcBucket, c.SrcKey, src.Encryption, c.SrcCustomer)
	if err != nil {
		return nil, err
	}
	view, err := s.readView(src)
	if err != nil {
		return nil, err
	}
	body, err := s.newReader(ctx, view, start, length, srcKey)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	got, err := s.ingest(ctx, body, length, MaxPartSize, alg, false, enc, tier)
	if err != nil {
		return nil, err
	}
	got.srcVersion = src.Version()
	return got, nil
}

func (s *Store) putPart(ctx context.Context, u *Upload, p *Part) error {
	const op = "objstore.putPart"
	defer s.lockKey("\x00upload", u.ID)()
	// The bucket read lock spans the existence check and the write, so a
	// concurrent DeleteBucket (which removes uploads) cannot interleave.
	s.bmu.RLock()
	defer s.bmu.RUnlock()
	if _, err := s.meta.Get(ctx, uploadKey(u.Bucket, u.Key, u.ID)); err != nil {
		if meta.IsNotFound(err) {
			return noSuchUpload()
		}
		return errs.E(op, errs.IO, err)
	}
	var old *Part
	if v, err := s.meta.Get(ctx, partKey(u.ID, p.Number)); err == nil {
		old = &Part{}
		if err := json.Unmarshal(v, old); err != nil {
			return errs.E(op, errs.Corrupt, err)
		}
	} else if !meta.IsNotFound(err) {
		return errs.E(op, errs.IO, err)
	}
	v, _ := json.Marshal(p)
	var b meta.Batch
	b.Set(partKey(u.ID, p.Number), v)
	b.Set(refKey(p.BlobID), []byte("upload\x00"+u.ID))
	if old != nil {
		b.Delete(refKey(old.BlobID))
	}
	if err := s.meta.Apply(ctx, &b); err != nil {
		return errs.E(op, errs.IO, err)
	}
	if old != nil {
		s.deleteBlobs(ctx, []string{old.BlobID})
	}
	return nil
}

// ListParts returns up to max parts numbered above after.
func (s *Store) ListParts(ctx context.Context, bucket, key, id string, after, max int) (*Upload, []Part, bool, error) {
	u, err := s.GetUpload(ctx, bucket, key, id)
	if err != nil {
		return nil, nil, false, err
	}
	parts, err := s.parts(ctx, id)
	if err != nil {
		return nil, nil, false, err
	}
	var out []Part
	for _, p := range parts {
		if p.Number <= after {
			continue
		}
		if len(out) == max {
			return u, out, true, nil
		}
		out = append(out, p)
	}
	return u, out, false, nil
}

func (s *Store) parts(ctx context.Context, id string) ([]Part, error) {
	prefix := partKeyPrefix(id)
	it, err := s.meta.NewIter(ctx, []byte(prefix), []byte(successor(prefix)))
	if err != nil {
		return nil, errs.E("objstore.parts", errs.IO, err)
	}
	defer it.Close()
	var out []Part
	for ok := it.First(); ok; ok = it.Next() {
		var p Part
		if err := json.Unmarshal(it.Value(), &p); err != nil {
			return nil, errs.E("objstore.parts", errs.Corrupt, err)
		}
		out = append(out, p)
	}
	return out, it.Error()
}

// collectParts queues deletion of an upload's part records and refs into
// b and returns their blob ids.
func (s *Store) collectParts(ctx context.Context, id string, b *meta.Batch) ([]string, error) {
	parts, err := s.parts(ctx, id)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, p := range parts {
		b.Delete(partKey(id, p.Number))
		b.Delete(refKey(p.BlobID))
		ids = append(ids, p.BlobID)
	}
	return ids, nil
}

// AbortUpload discards an upload and its parts.
func (s *Store) AbortUpload(ctx context.Context, bucket, key, id string) error {
	const op = "objstore.AbortUpload"
	u, err := s.GetUpload(ctx, bucket, key, id)
	if err != nil {
		return err
	}
	unlock := s.lockKey("\x00upload", u.ID)
	defer unlock()
	var b meta.Batch
	ids, err := s.collectParts(ctx, id, &b)
	if err != nil {
		return err
	}
	b.Delete(uploadKey(bucket, key, id))
	if err := s.meta.Apply(ctx, &b); err != nil {
		return errs.E(op, errs.IO, err)
	}
	s.deleteBlobs(ctx, ids)
	return nil
}

// CompleteUpload assembles the named parts into the object. The parts'
// blobs become the object's segments: no bytes are copied.
func (s *Store) CompleteUpload(ctx context.Context, bucket, key, id string, list []CompletedPart, cond Conditions, checksumType string) (*Object, error) {
	const op = "objstore.CompleteUpload"
	if len(list) == 0 {
		return nil, errs.E(op, errs.Invalid, errs.Code("MalformedXML"), "The XML you provided was not well-formed or did not validate against our published schema")
	}
	u, err := s.GetUpload(ctx, bucket, key, id)
	if err != nil {
		return nil, err
	}
	defer s.lock2(s.stripe("\x00upload", id), s.stripe(bucket, key))()
	if _, err := s.meta.Get(ctx, uploadKey(bucket, key, id)); meta.IsNotFound(err) {
		return nil, noSuchUpload()
	}
	stored, err := s.parts(ctx, id)
	if err != nil {
		return nil, err
	}
	byNum := make(map[int]Part, len(stored))
	for _, p := range stored {
		byNum[p.Number] = p
	}
	alg, _ := checksum.ParseAlgorithm(u.ChecksumAlgorithm)
	if checksumType != "" && checksumType != u.ChecksumType {
		return nil, errs.E(op, errs.Invalid, errs.Code("InvalidRequest"), "The upload was created using the "+u.ChecksumType+" checksum mode. The complete request must use the same checksum mode.")
	}
	o := &Object{Bucket: bucket, Key: key, LastModified: s.now(), Headers: u.Headers, UserMeta: u.UserMeta,
		Tags: u.Tags, StorageClass: u.StorageClass, Owner: u.Owner, PartCount: len(list), Encryption: u.Encryption,
		LockMode: u.LockMode, LockUntil: u.LockUntil, LegalHold: u.LegalHold}
	if bk, err := s.bucket(bucket); err != nil {
		return nil, err
	} else if o.LockMode == "" && bk.ObjectLock != nil && bk.ObjectLock.Rule != nil {
		r := bk.ObjectLock.Rule
		until := s.now().AddDate(r.Years, 0, r.Days)
		o.LockMode, o.LockUntil = r.Mode, &until
	}
	md5s := md5.New()
	var sums [][]byte
	var crcParts []checksum.Part
	used := map[int]bool{}
	// The order of the whole list is checked before any part, as S3 does.
	for i := 1; i < len(list); i++ {
		if list[i].Number <= list[i-1].Number {
			return nil, errs.E(op, errs.Invalid, errs.Code("InvalidPartOrder"), "The list of parts was not in ascending order. Parts must be ordered by part number.")
		}
	}
	for i, cp := range list {
		p, ok := byNum[cp.Number]
		if !ok || strings.Trim(cp.ETag, `"`) != p.ETag {
			return nil, errs.E(op, errs.Invalid, errs.Code("InvalidPart"), "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")
		}
		if alg != "" && cp.Checksum != "" && cp.Checksum != p.Checksum {
			return nil, errs.E(op, errs.Invalid, errs.Code("InvalidPart"), "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")
		}
		if i < len(list)-1 && p.Size < MinPartSize {
			return nil, errs.E(op, errs.Invalid, errs.Code("EntityTooSmall"), "Your proposed upload is smaller than the minimum allowed object size.")
		}
		raw, _ := hex.DecodeString(p.ETag)
		md5s.Write(raw)
		if alg != "" {
			sum, err := base64.StdEncoding.DecodeString(p.Checksum)
			if err != nil || p.Checksum == "" {
				return nil, errs.E(op, errs.Invalid, errs.Code("InvalidRequest"), fmt.Sprintf("Part %d has no %s checksum", p.Number, alg))
			}
			sums = append(sums, sum)
			crcParts = append(crcParts, checksum.Part{Sum: sum, Size: p.Size})
		}
		used[p.Number] = true
		o.Size += p.Size
		o.Segments = append(o.Segments, Segment{BlobID: p.BlobID, Size: p.Size, ETag: p.ETag, Checksum: p.Checksum, Part: p.Number})
	}
	if o.Size > MaxObjectSize {
		return nil, errs.E(op, errs.TooLarge, errs.Code("EntityTooLarge"), "Your proposed upload exceeds the maximum allowed object size.")
	}
	o.ETag = hex.EncodeToString(md5s.Sum(nil)) + "-" + strconv.Itoa(len(list))
	if alg != "" {
		c := &Checksum{Algorithm: string(alg), Type: u.ChecksumType}
		if u.ChecksumType == "FULL_OBJECT" {
			sum, err := checksum.CombineCRC(alg, crcParts)
			if err != nil {
				return nil, errs.E(op, errs.Invalid, err)
			}
			c.Value = checksum.Encode(sum)
		} else {
			c.Value = checksum.Composite(alg, sums)
		}
		o.Checksum = c
	}
	var unused []string
	err = s.commitLocked(ctx, o, cond, func(b *meta.Batch, _ *Object) error {
		for _, p := range stored {
			b.Delete(partKey(id, p.Number))
			if !used[p.Number] {
				b.Delete(refKey(p.BlobID))
				unused = append(unused, p.BlobID)
			}
		}
		b.Delete(uploadKey(bucket, key, id))
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.deleteBlobs(ctx, unused)
	return o, nil
}

// ListUploadsInput pages through a bucket's uploads.
type ListUploadsInput struct {
	Bucket, Prefix, Delimiter string
	KeyMarker, UploadIDMarker string
	MaxUploads                int
}

// ListUploadsOutput is a page of uploads.
type ListUploadsOutput struct {
	Uploads               []*Upload
	CommonPrefixes        []string
	IsTruncated           bool
	NextKey, NextUploadID string
}

// ListUploads lists in-progress uploads by key, then initiation.
func (s *Store) ListUploads(ctx context.Context, in *ListUploadsInput) (*ListUploadsOutput, error) {
	const op = "objstore.ListUploads"
	if _, err := s.bucket(in.Bucket); err != nil {
		return nil, err
	}
	base := uploadKeyPrefix(in.Bucket)
	it, err := s.meta.NewIter(ctx, []byte(base), []byte(successor(base)))
	if err != nil {
		return nil, errs.E(op, errs.IO, err)
	}
	defer it.Close()
	out := &ListUploadsOutput{}
	max := in.MaxUploads
	count := 0
	for ok := it.SeekGE([]byte(base + in.Prefix)); ok; ok = it.Next() {
		key, id := splitUploadKey(string(it.Key()[len(base):]))
		if !strings.HasPrefix(key, in.Prefix) {
			break
		}
		if in.KeyMarker != "" && (key < in.KeyMarker || key == in.KeyMarker && (in.UploadIDMarker == "" || id <= in.UploadIDMarker)) {
			continue
		}
		if in.Delimiter != "" {
			if i := strings.Index(key[len(in.Prefix):], in.Delimiter); i >= 0 {
				cp := key[:len(in.Prefix)+i+len(in.Delimiter)]
				if n := len(out.CommonPrefixes); n > 0 && out.CommonPrefixes[n-1] == cp || cp <= in.KeyMarker {
					continue
				}
				if count == max {
					out.IsTruncated = true
					break
				}
				out.CommonPrefixes = append(out.CommonPrefixes, cp)
				out.NextKey, out.NextUploadID = cp, ""
				count++
				continue
			}
		}
		if count == max {
			out.IsTruncated = true
			break
		}
		u := &Upload{Bucket: in.Bucket, Key: key, ID: id}
		if err := json.Unmarshal(it.Value(), u); err != nil {
			return nil, errs.E(op, errs.Corrupt, err)
		}
		out.Uploads = append(out.Uploads, u)
		out.NextKey, out.NextUploadID = key, id
		count++
	}
	if err := it.Error(); err != nil {
		return nil, errs.E(op, errs.IO, err)
	}
	return out, nil
}
