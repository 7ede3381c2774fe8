package objstore

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/sse"
)

// Server-side encryption modes, as S3 names them on the wire.
const (
	SSES3  = "AES256"
	SSEKMS = "aws:kms"
	SSEC   = "SSE-C"
)

// KeyService is what the engine needs of KMS (satisfied by the kms
// engine): data keys for SSE-KMS, and their decryption on read. account is
// the bucket owner's.
type KeyService interface {
	GenerateDataKey(ctx context.Context, account, keyID string, encCtx map[string]string, nbytes int) (plaintext, blob []byte, keyARN string, err error)
	Decrypt(ctx context.Context, account string, blob []byte, encCtx map[string]string) (plaintext []byte, keyARN string, err error)
}

// SSERequest is the encryption a write asks for (headers or bucket default).
type SSERequest struct {
	Mode      string // SSES3, SSEKMS or SSEC
	KMSKeyID  string // key id, ARN or alias; "" = the account's aws/s3 key
	Context   map[string]string
	BucketKey bool
	Customer  *sse.CustomerKey
}

// Encryption records how an object's bytes are encrypted at rest. The
// object's data key is stored only sealed: by an SSE-S3 master key version,
// by KMS (directly, or through a bucket key), or by the customer's key.
type Encryption struct {
	Mode          string            `json:"mode"`
	MasterVersion int               `json:"mv,omitempty"`
	KMSKeyARN     string            `json:"kms,omitempty"`
	Context       map[string]string `json:"ctx,omitempty"` // user part of the KMS context
	BucketKey     bool              `json:"bk,omitempty"`
	BucketKeyBlob []byte            `json:"bkb,omitempty"` // KMS blob of the bucket key
	SealedKey     []byte            `json:"key"`
	CustomerMD5   string            `json:"cmd5,omitempty"`
	Salt          []byte            `json:"salt,omitempty"`
	Verifier      []byte            `json:"ver,omitempty"`
}

// BucketEncryption is a bucket's default encryption rule.
type BucketEncryption struct {
	Algorithm string `json:"alg"` // SSES3 or SSEKMS
	KMSKeyID  string `json:"kms,omitempty"`
	BucketKey bool   `json:"bk,omitempty"`
}

func sealAAD(bucket, key string) []byte { return []byte("tarn-sse-object:" + bucket + "/" + key) }

func kmsContext(bucket, key string, user map[string]string, bucketKey bool) map[string]string {
	c := make(map[string]string, len(user)+1)
	for k, v := range user {
		c[k] = v
	}
	if bucketKey {
		c["aws:s3:arn"] = "arn:aws:s3:::" + bucket
	} else {
		c["aws:s3:arn"] = "arn:aws:s3:::" + bucket + "/" + key
	}
	return c
}

// effectiveSSE picks the encryption of a new object: the request's, else
// the bucket's default, else the server's default (SSE-S3, as S3 applies to
// every new object since 2023, unless turned off).
func (s *Store) effectiveSSE(b *Bucket, req *SSERequest) *SSERequest {
	if req != nil {
		return req
	}
	if b.Encryption != nil {
		return &SSERequest{Mode: b.Encryption.Algorithm, KMSKeyID: b.Encryption.KMSKeyID, BucketKey: b.Encryption.BucketKey}
	}
	if s.opts.DefaultEncryption == SSES3 {
		return &SSERequest{Mode: SSES3}
	}
	return nil
}

// newEncryption makes a data key for bucket/key and its sealed record.
func (s *Store) newEncryption(ctx context.Context, b *Bucket, key string, req *SSERequest) (*Encryption, *sse.Key, error) {
	const op = "objstore.encrypt"
	if req == nil {
		return nil, nil, nil
	}
	dk := sse.NewKey()
	aad := sealAAD(b.Name, key)
	e := &Encryption{Mode: req.Mode}
	switch req.Mode {
	case SSES3:
		if s.opts.Keyring == nil {
			return nil, nil, errs.E(op, errs.Invalid, errs.Code("NotImplemented"), "SSE-S3 is not configured on this server")
		}
		v, master := s.opts.Keyring.Current()
		e.MasterVersion, e.SealedKey = v, sse.SealKey(master, dk, aad)
	case SSEKMS:
		if s.opts.KMS == nil {
			return nil, nil, errs.E(op, errs.Invalid, errs.Code("NotImplemented"), "SSE-KMS needs the KMS service, which this server does not run")
		}
		keyID := req.KMSKeyID
		if keyID == "" {
			keyID = "alias/aws/s3"
		}
		e.Context, e.BucketKey = req.Context, req.BucketKey
		if req.BucketKey {
			bk, blob, arn, err := s.bucketKey(ctx, b, keyID)
			if err != nil {
				return nil, nil, err
			}
			e.KMSKeyARN, e.BucketKeyBlob, e.SealedKey = arn, blob, sse.SealKey(bk, dk, aad)
		} else {
			plain, blob, arn, err := s.opts.KMS.GenerateDataKey(ctx, b.Owner, keyID, kmsContext(b.Name, key, req.Context, false), 32)
			if err != nil {
				return nil, nil, kmsErr(op, err)
			}
			copy(dk[:], plain)
			e.KMSKeyARN, e.SealedKey = arn, blob
		}
	case SSEC:
		c := req.Customer
		e.CustomerMD5, e.Salt = c.MD5, sse.RandomBytes(16)
		e.Verifier, e.SealedKey = c.Verifier(e.Salt), sse.SealKey(c.Key, dk, aad)
	default:
		return nil, nil, errs.E(op, errs.Invalid, errs.Code("InvalidArgument"), "The encryption method specified is not supported")
	}
	return e, &dk, nil
}

// bucketKeys caches S3 bucket keys: one KMS data key per bucket and KMS
// key for a while, which seals the objects' data keys (fewer KMS calls).
type bucketKeys struct {
	mu sync.Mutex
	m  map[string]bucketKeyEntry
}

type bucketKeyEntry struct {
	key     sse.Key
	blob    []byte
	arn     string
	expires time.Time
}

const bucketKeyLifetime = time.Hour

func (s *Store) bucketKey(ctx context.Context, b *Bucket, keyID string) (sse.Key, []byte, string, error) {
	id := b.Name + "\x00" + keyID
	s.bkeys.mu.Lock()
	defer s.bkeys.mu.Unlock()
	if e, ok := s.bkeys.m[id]; ok && s.now().Before(e.expires) {
		return e.key, e.blob, e.arn, nil
	}
	plain, blob, arn, err := s.opts.KMS.GenerateDataKey(ctx, b.Owner, keyID, kmsContext(b.Name, "", nil, true), 32)
	if err != nil {
		return sse.Key{}, nil, "", kmsErr("objstore.bucketKey", err)
	}
	var k sse.Key
	copy(k[:], plain)
	if s.bkeys.m == nil {
		s.bkeys.m = map[string]bucketKeyEntry{}
	}
	s.bkeys.m[id] = bucketKeyEntry{key: k, blob: blob, arn: arn, expires: s.now().Add(bucketKeyLifetime)}
	return k, blob, arn, nil
}

// dataKey unseals the data key of an object (or upload) in bucket/key.
// It returns nil for unencrypted data. SSE-C needs the customer's key.
func (s *Store) dataKey(ctx context.Context, bucket, key string, e *Encryption, customer *sse.CustomerKey) (*sse.Key, error) {
	const op = "objstore.dataKey"
	if e == nil || (customer != nil && e.Mode != SSEC) {
		if customer != nil {
			return nil, errs.E(op, errs.Invalid, errs.Code("InvalidRequest"),
				"The encryption parameters are not applicable to this object.")
		}
		return nil, nil
	}
	aad := sealAAD(bucket, key)
	var k sse.Key
	var err error
	switch e.Mode {
	case SSES3:
		master, ok := s.opts.Keyring.Get(e.MasterVersion)
		if !ok {
			return nil, errs.E(op, errs.Corrupt, errs.Code("InternalError"), "The object's master key version is missing.")
		}
		k, err = sse.OpenKey(master, e.SealedKey, aad)
	case SSEKMS:
		if s.opts.KMS == nil {
			return nil, errs.E(op, errs.Invalid, errs.Code("NotImplemented"), "SSE-KMS needs the KMS service, which this server does not run")
		}
		b, berr := s.bucket(bucket)
		if berr != nil {
			return nil, berr
		}
		if e.BucketKey {
			plain, _, kerr := s.opts.KMS.Decrypt(ctx, b.Owner, e.BucketKeyBlob, kmsContext(bucket, key, nil, true))
			if kerr != nil {
				return nil, kmsErr(op, kerr)
			}
			var bk sse.Key
			copy(bk[:], plain)
			k, err = sse.OpenKey(bk, e.SealedKey, aad)
		} else {
			plain, _, kerr := s.opts.KMS.Decrypt(ctx, b.Owner, e.SealedKey, kmsContext(bucket, key, e.Context, false))
			if kerr != nil {
				return nil, kmsErr(op, kerr)
			}
			copy(k[:], plain)
		}
	case SSEC:
		if customer == nil {
			return nil, errs.E(op, errs.Invalid, errs.Code("InvalidRequest"),
				"The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.")
		}
		if !customer.Matches(e.Salt, e.Verifier) {
			return nil, errs.E(op, errs.Permission, errs.Code("AccessDenied"),
				"The provided encryption key does not match the key the object was stored with.")
		}
		k, err = sse.OpenKey(customer.Key, e.SealedKey, aad)
	}
	if err != nil {
		s.log.Error("object data key does not open", "bucket", bucket, "key", key, "mode", e.Mode, "err", err)
		return nil, errs.E(op, errs.Corrupt, errs.Code("InternalError"), "The object's data key could not be unsealed.")
	}
	return &k, nil
}

// kmsErr passes KMS engine errors through with their codes (KMS's own:
// DisabledException, KMSInvalidStateException, NotFoundException …),
// which the S3 front end maps to S3's KMS error replies.
func kmsErr(op string, err error) error {
	if errs.CodeOf(err) != "" {
		return errs.E(op, errs.KindOf(err), errs.Code("KMS."+errs.CodeOf(err)), err)
	}
	return errs.E(op, errs.IO, errs.Code("KMS.InternalFailure"), err)
}

// encryptedETag is the ETag of an SSE-KMS or SSE-C object: as in S3, not
// the MD5 of the data, but stable for the object.
func encryptedETag(dk *sse.Key, md5sum []byte) string {
	m := hmac.New(sha256.New, dk[:])
	m.Write([]byte("tarn-etag"))
	m.Write(md5sum)
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func etagFor(e *Encryption, dk *sse.Key, md5sum []byte) string {
	if e != nil && e.Mode != SSES3 {
		return encryptedETag(dk, md5sum)
	}
	return hex.EncodeToString(md5sum)
}
