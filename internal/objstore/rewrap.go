package objstore

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/sse"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// RotateMasterKey makes a new SSE-S3 master key version current and
// re-wraps every SSE-S3 data key (objects and in-progress uploads) under
// it. Object bytes are not rewritten: only the sealed data keys in the
// records change. It returns how many records were re-wrapped. Safe to
// run while serving; a crash midway leaves records under older versions,
// which stay readable and are re-wrapped by the next run.
func (s *Store) RotateMasterKey(ctx context.Context) (int, error) {
	const op = "objstore.RotateMasterKey"
	if s.opts.Keyring == nil {
		return 0, errs.E(op, errs.Invalid, "SSE-S3 is not configured")
	}
	if _, err := s.opts.Keyring.Rotate(ctx); err != nil {
		return 0, errs.E(op, errs.IO, err)
	}
	return s.RewrapMasterKeys(ctx)
}

// RewrapMasterKeys re-seals SSE-S3 data keys held under an older master
// key version with the current one.
func (s *Store) RewrapMasterKeys(ctx context.Context) (int, error) {
	const op = "objstore.RewrapMasterKeys"
	current, _ := s.opts.Keyring.Current()
	var stale []string
	for _, prefix := range []string{objectPrefix, versionPrefix, uploadPrefix} {
		it, err := s.meta.NewIter(ctx, []byte(prefix), []byte(successor(prefix)))
		if err != nil {
			return 0, errs.E(op, errs.IO, err)
		}
		for ok := it.First(); ok; ok = it.Next() {
			var enc struct {
				SSE *Encryption `json:"sse"`
			}
			v := it.Value()
			if prefix == objectPrefix || prefix == versionPrefix {
				o, err := decodeObject("", "", v, false)
				if err != nil {
					it.Close()
					return 0, err
				}
				enc.SSE = o.Encryption
			} else if err := json.Unmarshal(v, &enc); err != nil {
				it.Close()
				return 0, errs.E(op, errs.Corrupt, err)
			}
			if enc.SSE != nil && enc.SSE.Mode == SSES3 && enc.SSE.MasterVersion != current {
				stale = append(stale, string(it.Key()))
			}
		}
		if err := it.Close(); err != nil {
			return 0, errs.E(op, errs.IO, err)
		}
	}
	n := 0
	for _, k := range stale {
		done, err := s.rewrapOne(ctx, k, current)
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
	}
	return n, nil
}

// rewrapOne re-seals the data key of one record (object or upload key),
// under that object's lock, re-reading it first.
func (s *Store) rewrapOne(ctx context.Context, mkey string, current int) (bool, error) {
	const op = "objstore.rewrap"
	var bucket, key string
	isObject := strings.HasPrefix(mkey, objectPrefix) || strings.HasPrefix(mkey, versionPrefix)
	switch {
	case strings.HasPrefix(mkey, objectPrefix):
		bucket, key, _ = cut0(mkey[len(objectPrefix):])
	case strings.HasPrefix(mkey, versionPrefix):
		var rest string
		bucket, rest, _ = cut0(mkey[len(versionPrefix):])
		key, _, _ = splitVersionKey(rest)
	default:
		var rest string
		bucket, rest, _ = cut0(mkey[len(uploadPrefix):])
		key, _ = splitUploadKey(rest)
	}
	defer s.lockKey(bucket, key)()
	v, err := s.meta.Get(ctx, []byte(mkey))
	if meta.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, errs.E(op, errs.IO, err)
	}
	_, master := s.opts.Keyring.Current()
	reseal := func(e *Encryption) (bool, error) {
		if e == nil || e.Mode != SSES3 || e.MasterVersion == current {
			return false, nil
		}
		old, ok := s.opts.Keyring.Get(e.MasterVersion)
		if !ok {
			return false, errs.E(op, errs.Corrupt, "master key version missing")
		}
		dk, err := sse.OpenKey(old, e.SealedKey, sealAAD(bucket, key))
		if err != nil {
			return false, errs.E(op, errs.Corrupt, err)
		}
		e.MasterVersion, e.SealedKey = current, sse.SealKey(master, dk, sealAAD(bucket, key))
		return true, nil
	}
	var nv []byte
	if isObject {
		o, err := decodeObject(bucket, key, v, true)
		if err != nil {
			return false, err
		}
		if changed, err := reseal(o.Encryption); !changed || err != nil {
			return false, err
		}
		nv = encodeObject(o)
	} else {
		var u Upload
		if err := json.Unmarshal(v, &u); err != nil {
			return false, errs.E(op, errs.Corrupt, err)
		}
		if changed, err := reseal(u.Encryption); !changed || err != nil {
			return false, err
		}
		nv, _ = json.Marshal(&u)
	}
	var b meta.Batch
	b.Set([]byte(mkey), nv)
	if err := s.meta.Apply(ctx, &b); err != nil {
		return false, errs.E(op, errs.IO, err)
	}
	return true, nil
}

func cut0(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// SetBucketEncryption sets (nil: removes) a bucket's default encryption.
func (s *Store) SetBucketEncryption(ctx context.Context, name string, e *BucketEncryption) error {
	const op = "objstore.SetBucketEncryption"
	if e != nil {
		switch e.Algorithm {
		case SSES3:
			if e.KMSKeyID != "" {
				return errs.E(op, errs.Invalid, errs.Code("InvalidArgument"), "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse")
			}
		case SSEKMS:
			if s.opts.KMS == nil {
				return errs.E(op, errs.Invalid, errs.Code("NotImplemented"), "SSE-KMS needs the KMS service, which this server does not run")
			}
		default:
			return errs.E(op, errs.Invalid, errs.Code("MalformedXML"), "The XML you provided was not well-formed or did not validate against our published schema")
		}
	}
	return s.updateBucket(ctx, op, name, func(b *Bucket) error { b.Encryption = e; return nil })
}

// DefaultEncryption returns the rule new objects in b get: the bucket's,
// else the server's (nil when none).
func (s *Store) DefaultEncryption(b *Bucket) *BucketEncryption {
	if b.Encryption != nil {
		return b.Encryption
	}
	if s.opts.DefaultEncryption == SSES3 {
		return &BucketEncryption{Algorithm: SSES3}
	}
	return nil
}
