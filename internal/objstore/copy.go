package objstore

import (
	"context"
	"reflect"

	"github.com/tarnhq/tarn/internal/checksum"
	"github.com/tarnhq/tarn/internal/errs"
)

// CopyObject copies SrcBucket/SrcKey to Dst.Bucket/Dst.Key. The bytes are
// copied into a new blob; a copy onto itself only rewrites the record.
func (s *Store) CopyObject(ctx context.Context, in *CopyInput) (*Object, error) {
	const op = "objstore.CopyObject"
	dst := &in.Dst
	src, srcCur, err := s.copySource(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := checkCopySource(src, in.SrcCond); err != nil {
		return nil, err
	}
	view, err := s.readView(src)
	if err != nil {
		return nil, err
	}
	if !in.ReplaceMetadata {
		dst.Headers, dst.UserMeta = src.Headers, src.UserMeta
	}
	if !in.ReplaceTags {
		dst.Tags = src.Tags
	}
	if dst.ChecksumAlgorithm == "" && src.Checksum != nil {
		dst.ChecksumAlgorithm = src.Checksum.Algorithm
	}
	alg, err := validatePut(op, dst)
	if err != nil {
		return nil, err
	}
	db, err := s.bucket(dst.Bucket)
	if err != nil {
		return nil, err
	}
	mode, until, hold, err := s.lockFor(op, db, dst.Lock, true)
	if err != nil {
		return nil, err
	}
	// The source's key: SSE-C sources need the customer key of the source.
	srcKey, err := s.dataKey(ctx, in.SrcBucket, in.SrcKey, src.Encryption, in.SrcCustomer)
	if err != nil {
		return nil, err
	}
	// The copy is encrypted as its request (or the bucket) says, never
	// inherited from the source, as in S3.
	want := s.effectiveSSE(db, dst.SSE)
	if in.SrcBucket == dst.Bucket && in.SrcKey == dst.Key {
		if !in.ReplaceMetadata && dst.SSE == nil && dst.StorageClass == src.StorageClass && reflect.DeepEqual(dst.Tags, src.Tags) &&
			(dst.ChecksumAlgorithm == "" || src.Checksum != nil && src.Checksum.Algorithm == dst.ChecksumAlgorithm) {
			return nil, errs.E(op, errs.Invalid, errs.Code("InvalidRequest"),
				"This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
		}
		sameChecksum := src.Checksum == nil && alg == "" || src.Checksum != nil && string(alg) == src.Checksum.Algorithm
		// Sharing the data is only possible when the source version is
		// the one the copy replaces: every blob belongs to one version.
		replaced := srcCur && src.VersionID == "" && db.Versioning != VersioningEnabled
		if sameChecksum && sameEncryption(src.Encryption, want) && replaced {
			// A class change to another tier (or out of an archive) moves
			// the stored bytes, ciphertext as is, into the new tier.
			var moved []Segment
			move := view != src || s.tierOf(dst.StorageClass) != segTier(src)
			if move {
				if moved, _, err = s.copySegments(ctx, view.Segments, view.inline, s.tierOf(dst.StorageClass)); err != nil {
					return nil, err
				}
			}
			o, err := s.copyInPlace(ctx, op, src, dst, func(o *Object) {
				o.LockMode, o.LockUntil, o.LegalHold = mode, until, hold
				o.Restore, o.AccessTier, o.ArchiveStatus, o.LastAccess = nil, "", "", nil
				if move {
					o.Segments, o.inline, o.CRC = moved, nil, 0
				}
			})
			if err != nil {
				s.deleteBlobs(ctx, blobIDs(moved))
				return nil, err
			}
			o.CopySourceVersion = src.Version()
			return o, nil
		}
	}
	body, err := s.newReader(ctx, view, 0, src.Size, srcKey)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	enc, dk, err := s.newEncryption(ctx, db, dst.Key, want)
	if err != nil {
		return nil, err
	}
	got, err := s.ingest(ctx, body, src.Size, MaxObjectSize, alg, true, streamKey(dk, 0), s.tierOf(dst.StorageClass))
	if err != nil {
		return nil, err
	}
	o := s.newObject(dst, got, enc, dk)
	o.LockMode, o.LockUntil, o.LegalHold = mode, until, hold
	if alg != "" {
		o.Checksum = &Checksum{Algorithm: string(alg), Value: checksum.Encode(got.sum), Type: "FULL_OBJECT"}
	}
	if err := s.commit(ctx, o, dst.Cond, nil); err != nil {
		s.discard(ctx, got)
		return nil, err
	}
	o.CopySourceVersion = src.Version()
	return o, nil
}

// copySource reads the version a copy reads from (and whether it is the
// current one). A delete marker cannot be copied.
func (s *Store) copySource(ctx context.Context, in *CopyInput) (*Object, bool, error) {
	sb, err := s.bucket(in.SrcBucket)
	if err != nil {
		return nil, false, err
	}
	if err := ValidateKey(in.SrcKey); err != nil {
		return nil, false, noSuchKey()
	}
	src, isCur, err := s.findVersion(ctx, in.SrcBucket, in.SrcKey, in.SrcVersionID)
	if err != nil {
		return nil, false, err
	}
	if src.DeleteMarker {
		return nil, false, errs.E("objstore.CopyObject", errs.Invalid, errs.Code("InvalidRequest"),
			"The source of a copy request may not specifically refer to a delete marker by version id.")
	}
	src.Versioned = sb.Versioning != ""
	return src, isCur, nil
}

// sameEncryption reports whether an object encrypted as e already is
// what a copy asking for want would produce (so its data can stay).
func sameEncryption(e *Encryption, want *SSERequest) bool {
	switch {
	case e == nil || want == nil:
		return e == nil && want == nil
	case e.Mode != want.Mode || e.Mode == SSEC:
		return false
	case e.Mode == SSEKMS:
		return want.KMSKeyID == "" || want.KMSKeyID == e.KMSKeyARN
	}
	return true
}

// copyInPlace rewrites an object's record with new metadata, keeping its
// data, unless the object changed since src was read.
func (s *Store) copyInPlace(ctx context.Context, op string, src *Object, dst *PutInput, set func(*Object)) (*Object, error) {
	o := *src
	o.Headers, o.UserMeta, o.Tags, o.StorageClass = dst.Headers, dst.UserMeta, dst.Tags, dst.StorageClass
	set(&o)
	o.LastModified = s.now()
	cond := dst.Cond
	if cond.IfMatch == "" {
		cond.IfMatch = src.ETag // fail rather than clobber a concurrent write
	}
	if err := s.commit(ctx, &o, cond, nil); err != nil {
		return nil, err
	}
	return &o, nil
}

// checkCopySource evaluates x-amz-copy-source-if-* as S3 does: if-match
// true with if-unmodified-since false proceeds; if-none-match false with
// if-modified-since true fails; every failure is PreconditionFailed.
func checkCopySource(o *Object, c Conditions) error {
	err := checkRead(o, c)
	if errs.CodeOf(err) == "NotModified" {
		if c.IfNoneMatch != "" {
			return precondFailed("x-amz-copy-source-If-None-Match")
		}
		return precondFailed("x-amz-copy-source-If-Modified-Since")
	}
	if err != nil {
		return precondFailed("x-amz-copy-source-" + ConditionOf(err))
	}
	return nil
}
