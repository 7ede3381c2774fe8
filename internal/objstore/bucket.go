package objstore

import (
	"context"
	"encoding/json"
	"net"
	"sort"
	"strings"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// ValidBucketName reports whether name follows S3's general purpose bucket
// naming rules.
func ValidBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' || c == '.':
			if i == 0 || i == len(name)-1 {
				return false
			}
			if c == '.' && (name[i-1] == '.' || name[i+1] == '.') {
				return false
			}
		default:
			return false
		}
	}
	if net.ParseIP(name) != nil {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, sfx := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, sfx) {
			return false
		}
	}
	return true
}

// CreateBucket creates a bucket owned by account owner. location is the
// LocationConstraint ("" for the default region).
func (s *Store) CreateBucket(ctx context.Context, owner, name, location string) (*Bucket, error) {
	return s.CreateBucketWith(ctx, CreateBucketInput{Owner: owner, Name: name, Location: location})
}

// CreateBucketInput describes a CreateBucket.
type CreateBucketInput struct {
	Owner, Name, Location string
	// ObjectLock enables Object Lock (and with it versioning).
	ObjectLock bool
}

// CreateBucketWith creates a bucket as in describes.
func (s *Store) CreateBucketWith(ctx context.Context, in CreateBucketInput) (*Bucket, error) {
	const op = "objstore.CreateBucket"
	owner, name, location := in.Owner, in.Name, in.Location
	if !ValidBucketName(name) {
		return nil, errs.E(op, errs.Invalid, errs.Code("InvalidBucketName"), "The specified bucket is not valid.")
	}
	region := s.opts.Region
	if location != "" {
		if location == "us-east-1" && region == "us-east-1" {
			return nil, errs.E(op, errs.Invalid, errs.Code("InvalidLocationConstraint"), "The specified location-constraint is not valid")
		}
		if location != region {
			return nil, errs.E(op, errs.Invalid, errs.Code("IllegalLocationConstraintException"),
				"The "+location+" location constraint is incompatible for the region specific endpoint this request was sent to.")
		}
	}
	s.bmu.Lock()
	defer s.bmu.Unlock()
	if b, ok := s.buckets[name]; ok {
		if b.Owner == owner {
			if region == "us-east-1" {
				// S3's legacy behaviour in North Virginia: re-creating a
				// bucket you own there answers 200 OK.
				c := *b
				return &c, nil
			}
			return nil, errs.E(op, errs.Exist, errs.Code("BucketAlreadyOwnedByYou"), "Your previous request to create the named bucket succeeded and you already own it.")
		}
		return nil, errs.E(op, errs.Exist, errs.Code("BucketAlreadyExists"), "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")
	}
	b := &Bucket{Name: name, Owner: owner, Created: s.now(), Region: region}
	if in.ObjectLock {
		b.Versioning, b.ObjectLock = VersioningEnabled, &ObjectLockConfig{}
	}
	if err := s.putBucketLocked(ctx, b); err != nil {
		return nil, errs.E(op, err)
	}
	return b, nil
}

func (s *Store) putBucketLocked(ctx context.Context, b *Bucket, extra ...func(*meta.Batch)) error {
	v, _ := json.Marshal(b)
	var batch meta.Batch
	batch.Set(bucketKey(b.Name), v)
	for _, fn := range extra {
		fn(&batch)
	}
	if err := s.meta.Apply(ctx, &batch); err != nil {
		return errs.E(errs.IO, err)
	}
	s.buckets[b.Name] = b
	return nil
}

// Bucket returns a copy of the bucket record (HeadBucket).
func (s *Store) Bucket(ctx context.Context, name string) (*Bucket, error) {
	b, err := s.bucket(name)
	if err != nil {
		return nil, err
	}
	c := *b
	return &c, nil
}

// DeleteBucket deletes an empty bucket, aborting its in-progress uploads.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	const op = "objstore.DeleteBucket"
	s.bmu.Lock()
	defer s.bmu.Unlock()
	if _, ok := s.buckets[name]; !ok {
		return errs.E(op, errs.NotExist, errs.Code("NoSuchBucket"), "The specified bucket does not exist")
	}
	empty, err := s.prefixEmpty(ctx, objectKeyPrefix(name))
	if err == nil && empty {
		// Noncurrent versions and delete markers count, as in S3.
		empty, err = s.prefixEmpty(ctx, versionKeyPrefix(name))
	}
	if err != nil {
		return errs.E(op, errs.IO, err)
	}
	if !empty {
		return errs.E(op, errs.Conflict, errs.Code("BucketNotEmpty"), "The bucket you tried to delete is not empty")
	}
	var batch meta.Batch
	var blobs []string
	it, err := s.meta.NewIter(ctx, []byte(uploadKeyPrefix(name)), []byte(successor(uploadKeyPrefix(name))))
	if err != nil {
		return errs.E(op, errs.IO, err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		batch.Delete(append([]byte(nil), it.Key()...))
		_, id := splitUploadKey(string(it.Key()[len(uploadKeyPrefix(name)):]))
		ids, err := s.collectParts(ctx, id, &batch)
		if err != nil {
			it.Close()
			return errs.E(op, errs.IO, err)
		}
		blobs = append(blobs, ids...)
	}
	if err := it.Close(); err != nil {
		return errs.E(op, errs.IO, err)
	}
	batch.Delete(bucketKey(name))
	if err := s.meta.Apply(ctx, &batch); err != nil {
		return errs.E(op, errs.IO, err)
	}
	delete(s.buckets, name)
	s.deleteBlobs(ctx, blobs)
	return nil
}

func (s *Store) prefixEmpty(ctx context.Context, prefix string) (bool, error) {
	it, err := s.meta.NewIter(ctx, []byte(prefix), []byte(successor(prefix)))
	if err != nil {
		return false, err
	}
	defer it.Close()
	if it.First() {
		return false, nil
	}
	return true, it.Error()
}

// ListBucketsInput pages through an account's buckets.
type ListBucketsInput struct {
	Owner      string // "" lists every bucket (root)
	Prefix     string
	Region     string
	After      string
	MaxBuckets int // 0 = all
}

// ListBuckets lists buckets ordered by name. next is the last name returned
// when more remain.
func (s *Store) ListBuckets(ctx context.Context, in ListBucketsInput) (out []Bucket, next string, err error) {
	s.bmu.RLock()
	for _, b := range s.buckets {
		if (in.Owner == "" || b.Owner == in.Owner) && strings.HasPrefix(b.Name, in.Prefix) &&
			(in.Region == "" || b.Region == in.Region) && b.Name > in.After {
			out = append(out, *b)
		}
	}
	s.bmu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if in.MaxBuckets > 0 && len(out) > in.MaxBuckets {
		out = out[:in.MaxBuckets]
		next = out[len(out)-1].Name
	}
	return out, next, nil
}

// ValidateTags checks a tag set against S3's rules; max is the tag limit.
func ValidateTags(tags []Tag, max int) error {
	const op = "objstore.ValidateTags"
	if len(tags) > max {
		if max == MaxObjectTags {
			return errs.E(op, errs.Invalid, errs.Code("BadRequest"), "Object tags cannot be greater than 10")
		}
		return errs.E(op, errs.Invalid, errs.Code("InvalidTag"), "Bucket tag count cannot be greater than 50")
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if t.Key == "" || len([]rune(t.Key)) > 128 {
			return errs.E(op, errs.Invalid, errs.Code("InvalidTag"), "The TagKey you have provided is invalid")
		}
		if len([]rune(t.Value)) > 256 {
			return errs.E(op, errs.Invalid, errs.Code("InvalidTag"), "The TagValue you have provided is invalid")
		}
		if strings.HasPrefix(t.Key, "aws:") {
			return errs.E(op, errs.Invalid, errs.Code("InvalidTag"), "Your TagKey cannot be prefixed with aws:")
		}
		if seen[t.Key] {
			return errs.E(op, errs.Invalid, errs.Code("InvalidTag"), "Cannot provide multiple Tags with the same key")
		}
		seen[t.Key] = true
	}
	return nil
}

// SetBucketTags replaces (or, with nil, deletes) a bucket's tags.
func (s *Store) SetBucketTags(ctx context.Context, name string, tags []Tag) error {
	const op = "objstore.SetBucketTags"
	if err := ValidateTags(tags, MaxBucketTags); err != nil {
		return err
	}
	return s.updateBucket(ctx, op, name, func(b *Bucket) error { b.Tags = tags; return nil })
}

// SetBucketCORS replaces (or, with nil, deletes) a bucket's CORS rules.
func (s *Store) SetBucketCORS(ctx context.Context, name string, rules []CORSRule) error {
	const op = "objstore.SetBucketCORS"
	if rules != nil {
		if err := ValidateCORS(rules); err != nil {
			return err
		}
	}
	return s.updateBucket(ctx, op, name, func(b *Bucket) error { b.CORS = rules; b.HasCORS = rules != nil; return nil })
}

// updateBucket changes a bucket's record; fn returning an error changes
// nothing.
func (s *Store) updateBucket(ctx context.Context, op, name string, fn func(*Bucket) error, extra ...func(*meta.Batch)) error {
	s.bmu.Lock()
	defer s.bmu.Unlock()
	b, ok := s.buckets[name]
	if !ok {
		return errs.E(op, errs.NotExist, errs.Code("NoSuchBucket"), "The specified bucket does not exist")
	}
	c := *b
	if err := fn(&c); err != nil {
		return err
	}
	if err := s.putBucketLocked(ctx, &c, extra...); err != nil {
		return errs.E(op, err)
	}
	return nil
}
