package objstore

import (
	"context"
	"hash/crc32"
	"unicode/utf8"

	"github.com/tarnhq/tarn/internal/checksum"
	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/sse"
)

// ValidateKey checks an object key.
func ValidateKey(key string) error {
	const op = "objstore.ValidateKey"
	if key == "" {
		return errs.E(op, errs.Invalid, errs.Code("InvalidArgument"), "Object key must not be empty")
	}
	if len(key) > MaxKeyLength {
		return errs.E(op, errs.Invalid, errs.Code("KeyTooLongError"), "Your key is too long")
	}
	if !utf8.ValidString(key) {
		return errs.E(op, errs.Invalid, errs.Code("InvalidObjectName"), "Object key is not valid UTF-8")
	}
	return nil
}

// ValidStorageClass reports whether c names an S3 storage class.
func ValidStorageClass(c string) bool {
	switch c {
	case "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
		"GLACIER", "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE":
		return true
	}
	return false
}

func validatePut(op string, in *PutInput) (checksum.Algorithm, error) {
	if err := ValidateKey(in.Key); err != nil {
		return "", err
	}
	n := 0
	for k, v := range in.UserMeta {
		n += len(k) + len(v)
	}
	if n > MaxUserMetaSize {
		return "", errs.E(op, errs.Invalid, errs.Code("MetadataTooLarge"), "Your metadata headers exceed the maximum allowed metadata size.")
	}
	if err := ValidateTags(in.Tags, MaxObjectTags); err != nil {
		return "", err
	}
	switch in.StorageClass {
	case "":
	default:
		if !ValidStorageClass(in.StorageClass) {
			return "", errs.E(op, errs.Invalid, errs.Code("InvalidStorageClass"), "The storage class you specified is not valid")
		}
		if !storedClass(in.StorageClass) {
			// OUTPOSTS, SNOW, EXPRESS_ONEZONE need hardware or a
			// directory bucket that this server does not have.
			return "", errs.E(op, errs.Invalid, errs.Code("InvalidStorageClass"), "The storage class you specified is not valid")
		}
		if in.StorageClass == DefaultStorageClass {
			in.StorageClass = ""
		}
	}
	var alg checksum.Algorithm
	if in.ChecksumAlgorithm != "" {
		a, ok := checksum.ParseAlgorithm(in.ChecksumAlgorithm)
		if !ok {
			return "", errs.E(op, errs.Invalid, errs.Code("InvalidRequest"), "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
		}
		alg = a
	}
	return alg, nil
}

// PutObject stores an object, replacing any current one.
func (s *Store) PutObject(ctx context.Context, in *PutInput) (*Object, error) {
	const op = "objstore.PutObject"
	alg, err := validatePut(op, in)
	if err != nil {
		return nil, err
	}
	b, err := s.bucket(in.Bucket)
	if err != nil {
		return nil, err
	}
	mode, until, hold, err := s.lockFor(op, b, in.Lock, in.hasDigest())
	if err != nil {
		return nil, err
	}
	if in.Cond != (Conditions{}) {
		if err := s.checkWriteCond(ctx, in.Bucket, in.Key, in.Cond); err != nil {
			return nil, err
		}
	}
	enc, dk, err := s.newEncryption(ctx, b, in.Key, s.effectiveSSE(b, in.SSE))
	if err != nil {
		return nil, err
	}
	got, err := s.ingest(ctx, in.Body, in.Size, MaxPutSize, alg, true, streamKey(dk, 0), s.tierOf(in.StorageClass))
	if err != nil {
		return nil, err
	}
	if err := verifyDigests(op, in, alg, got); err != nil {
		s.discard(ctx, got)
		return nil, err
	}
	o := s.newObject(in, got, enc, dk)
	o.LockMode, o.LockUntil, o.LegalHold = mode, until, hold
	if alg != "" {
		o.Checksum = &Checksum{Algorithm: string(alg), Value: checksum.Encode(got.sum), Type: "FULL_OBJECT"}
	}
	if err := s.commit(ctx, o, in.Cond, nil); err != nil {
		s.discard(ctx, got)
		return nil, err
	}
	return o, nil
}

// streamKey is the stream key of part n under data key dk (nil: plaintext).
func streamKey(dk *sse.Key, n int) *sse.Key {
	if dk == nil {
		return nil
	}
	k := dk.Part(n)
	return &k
}

func (s *Store) newObject(in *PutInput, got *ingested, enc *Encryption, dk *sse.Key) *Object {
	o := &Object{
		Bucket: in.Bucket, Key: in.Key, Size: got.size, ETag: etagFor(enc, dk, got.md5),
		LastModified: s.now(), Headers: in.Headers, UserMeta: in.UserMeta, Tags: in.Tags,
		StorageClass: in.StorageClass, Owner: in.Owner, Encryption: enc,
	}
	if got.blobID == "" {
		o.Segments = []Segment{{Size: got.size}}
		o.inline = got.inline
		o.CRC = crc32.Checksum(got.inline, castagnoli)
	} else {
		o.Segments = []Segment{{BlobID: got.blobID, Size: got.size}}
	}
	return o
}

func (s *Store) checkWriteCond(ctx context.Context, bucket, key string, cond Conditions) error {
	old, err := s.getObject(ctx, bucket, key, false)
	if err != nil && !errs.Is(errs.NotExist, err) {
		return err
	}
	return checkWrite(old, cond)
}

// Stat returns an object's record with no precondition or key checks,
// for operations on its metadata (tagging, ACLs) that S3 serves without
// the SSE-C key.
func (s *Store) Stat(ctx context.Context, bucket, key string) (*Object, error) {
	return s.StatVersion(ctx, bucket, key, "")
}

// StatVersion is Stat of one version ("" = the current one). A delete
// marker named by id is MethodNotAllowed.
func (s *Store) StatVersion(ctx context.Context, bucket, key, versionID string) (*Object, error) {
	b, err := s.bucket(bucket)
	if err != nil {
		return nil, err
	}
	if err := ValidateKey(key); err != nil {
		return nil, errs.E("objstore.Stat", errs.NotExist, errs.Code("NoSuchKey"), "The specified key does not exist.")
	}
	o, _, err := s.findVersion(ctx, bucket, key, versionID)
	if err != nil {
		return nil, err
	}
	if o.DeleteMarker {
		return nil, markerNotAllowed(o)
	}
	o.inline = nil
	o.Versioned = b.Versioning != ""
	return o, nil
}

// HeadObject returns an object's record after checking conditions, range
// and part number, without its data.
func (s *Store) HeadObject(ctx context.Context, in *GetInput) (*GetOutput, error) {
	return s.get(ctx, in, false)
}

// GetObject returns an object and a reader of the requested bytes.
func (s *Store) GetObject(ctx context.Context, in *GetInput) (*GetOutput, error) {
	return s.get(ctx, in, true)
}

func (s *Store) get(ctx context.Context, in *GetInput, body bool) (*GetOutput, error) {
	const op = "objstore.GetObject"
	b, err := s.bucket(in.Bucket)
	if err != nil {
		return nil, err
	}
	if err := ValidateKey(in.Key); err != nil {
		return nil, errs.E(op, errs.NotExist, errs.Code("NoSuchKey"), "The specified key does not exist.")
	}
	o, _, err := s.findVersion(ctx, in.Bucket, in.Key, in.VersionID)
	if err != nil {
		return nil, err
	}
	if o.DeleteMarker {
		return nil, markerNotAllowed(o)
	}
	o.Versioned = b.Versioning != ""
	// SSE-C objects need the customer's key even for HEAD; other modes
	// unseal their key only when bytes are read.
	var dk *sse.Key
	if (o.Encryption != nil && o.Encryption.Mode == SSEC) || in.Customer != nil {
		if dk, err = s.dataKey(ctx, in.Bucket, in.Key, o.Encryption, in.Customer); err != nil {
			return &GetOutput{Object: o}, err
		}
	}
	if err := checkRead(o, in.Cond); err != nil {
		return &GetOutput{Object: o}, err
	}
	out := &GetOutput{Object: o, Length: o.Size}
	switch {
	case in.PartNumber > 0:
		start, length, err := partRange(o, in.PartNumber)
		if err != nil {
			return out, err
		}
		out.Start, out.Length, out.Ranged = start, length, true
	case in.Range != nil && (in.Range.End < 0 || in.Range.End >= in.Range.Start):
		// A range ending before its start is invalid and ignored (RFC 9110).
		start, length, err := resolveRange(*in.Range, o.Size)
		if err != nil {
			return out, err
		}
		out.Start, out.Length, out.Ranged = start, length, true
	}
	if body {
		if o.Inline() && o.CRC != crc32.Checksum(o.inline, castagnoli) {
			s.log.Error("inline object failed its checksum", "bucket", o.Bucket, "key", o.Key)
			return nil, errs.E(op, errs.Corrupt, errs.Code("InternalError"), "The object's stored data failed its checksum.")
		}
		view, err := s.readView(o)
		if err != nil {
			return &GetOutput{Object: o}, err
		}
		s.access.touch(o)
		if dk == nil && o.Encryption != nil {
			if dk, err = s.dataKey(ctx, in.Bucket, in.Key, o.Encryption, in.Customer); err != nil {
				return &GetOutput{Object: o}, err
			}
		}
		if out.Body, err = s.newReader(ctx, view, out.Start, out.Length, dk); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func partRange(o *Object, n int) (int64, int64, error) {
	if o.PartCount == 0 {
		if n == 1 {
			return 0, o.Size, nil
		}
	} else if n <= len(o.Segments) {
		var start int64
		for i := 0; i < n-1; i++ {
			start += o.Segments[i].Size
		}
		return start, o.Segments[n-1].Size, nil
	}
	return 0, 0, errs.E("objstore.partRange", errs.Invalid, errs.Code("InvalidPartNumber"), "The requested partnumber is not satisfiable")
}

func resolveRange(r Range, size int64) (int64, int64, error) {
	bad := errs.E("objstore.range", errs.Invalid, errs.Code("InvalidRange"), "The requested range is not satisfiable")
	switch {
	case r.Start < 0: // suffix
		n := -r.Start
		if n == 0 || size == 0 {
			return 0, 0, bad
		}
		if n > size {
			n = size
		}
		return size - n, n, nil
	case r.Start >= size:
		return 0, 0, bad
	case r.End < 0 || r.End >= size:
		return r.Start, size - r.Start, nil
	default:
		return r.Start, r.End - r.Start + 1, nil
	}
}

// SetObjectTags replaces (nil deletes) the tags of an object's version
// ("" = the current one).
func (s *Store) SetObjectTags(ctx context.Context, bucket, key, versionID string, tags []Tag) (*Object, error) {
	const op = "objstore.SetObjectTags"
	if err := ValidateTags(tags, MaxObjectTags); err != nil {
		return nil, err
	}
	return s.rewriteVersion(ctx, op, bucket, key, versionID, func(o *Object) error { o.Tags = tags; return nil })
}

// rewriteVersion changes one version's record in place (data untouched);
// fn returning an error changes nothing.
func (s *Store) rewriteVersion(ctx context.Context, op, bucket, key, versionID string, fn func(*Object) error) (*Object, error) {
	return s.rewriteVersionWith(ctx, op, bucket, key, versionID, func(o *Object, _ *versionBatch) error { return fn(o) })
}

// rewriteVersionWith is rewriteVersion whose fn may add operations (and
// blobs to delete after the commit) to the version's batch.
func (s *Store) rewriteVersionWith(ctx context.Context, op, bucket, key, versionID string, fn func(*Object, *versionBatch) error) (*Object, error) {
	b, err := s.bucket(bucket)
	if err != nil {
		return nil, err
	}
	if err := ValidateKey(key); err != nil {
		return nil, errs.E(op, errs.NotExist, errs.Code("NoSuchKey"), "The specified key does not exist.")
	}
	defer s.lockKey(bucket, key)()
	o, isCur, err := s.findVersion(ctx, bucket, key, versionID)
	if err != nil {
		return nil, err
	}
	if o.DeleteMarker {
		return nil, markerNotAllowed(o)
	}
	vb := &versionBatch{}
	if err := fn(o, vb); err != nil {
		return nil, err
	}
	if isCur {
		vb.b.Set(objectKey(bucket, key), encodeObject(o))
	} else {
		vb.b.Set(versionKey(bucket, key, o.seq()), encodeObject(o))
	}
	if err := s.apply(ctx, op, bucket, vb); err != nil {
		return nil, err
	}
	o.inline = nil
	o.Versioned = b.Versioning != ""
	return o, nil
}
