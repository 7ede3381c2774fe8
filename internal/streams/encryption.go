package streams

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"strconv"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
)

// Server-side encryption (StartStreamEncryption): while a stream is
// encrypted, every record's stored payload (partition key and data) is
// sealed with AES-256-GCM under a per-stream data key. Data keys come from
// KMS (GenerateDataKey under the stream's KMS key, bound to the stream ARN
// as encryption context); only their KMS-sealed form is stored, in the
// stream's metadata, and a new one is made every DataKeyLifetime. A sealed
// payload names its data key's version, so records written under earlier
// keys, or before encryption was stopped, stay readable.

// Encryption types.
const (
	EncryptionNone = "NONE"
	EncryptionKMS  = "KMS"
)

// DefaultDataKeyLifetime is how long one data key encrypts new records.
const DefaultDataKeyLifetime = 5 * time.Minute

// KeyService is what the engine needs of KMS (the kms engine behind a small
// adapter in the server wiring). Errors carry KMS's AWS codes (errs.Code).
type KeyService interface {
	GenerateDataKey(ctx context.Context, account, keyID string, encCtx map[string]string, nbytes int) (plaintext, blob []byte, keyARN string, err error)
	Decrypt(ctx context.Context, account string, blob []byte, encCtx map[string]string) (plaintext []byte, keyARN string, err error)
	// CheckKey returns nil when keyID names an Enabled key, else the KMS
	// error (NotFound, Disabled, KMSInvalidState for pending deletion).
	CheckKey(ctx context.Context, account, keyID string) error
}

// dataKeyRec is one data key as stored: sealed by KMS.
type dataKeyRec struct {
	V       uint32    `json:"v"`
	Blob    []byte    `json:"blob"`
	KeyARN  string    `json:"key_arn"`
	Created time.Time `json:"created"`
}

// sealedMagic starts a sealed payload; a plain one starts with the high
// byte of a partition key length (≤ 256), so 0 or 1.
const sealedMagic = 0xE5

// sealedOverhead is magic + key version + nonce + GCM tag.
const sealedOverhead = 1 + 4 + 12 + 16

// KMS error codes as Kinesis reports them.
const (
	CodeKMSDisabled     = "KMSDisabledException"
	CodeKMSInvalidState = "KMSInvalidStateException"
	CodeKMSNotFound     = "KMSNotFoundException"
	CodeKMSAccessDenied = "KMSAccessDeniedException"
	CodeKMSThrottling   = "KMSThrottlingException"
	CodeKMSOptIn        = "KMSOptInRequired"
)

// kmsError turns a KMS error into the Kinesis KMS* error.
func kmsError(op string, err error) error {
	var ke *errs.Error
	msg := "KMS request failed."
	if errors.As(err, &ke) && ke.Msg != "" {
		msg = ke.Msg
	}
	code := CodeKMSInvalidState
	switch errs.CodeOf(err) {
	case "NotFoundException":
		code = CodeKMSNotFound
	case "DisabledException":
		code = CodeKMSDisabled
	case "KMSInvalidStateException":
		code = CodeKMSInvalidState
	case "AccessDeniedException", "NotAuthorizedException":
		code = CodeKMSAccessDenied
	case "ThrottlingException", "LimitExceededException":
		code = CodeKMSThrottling
	case "ValidationException", "InvalidArnException":
		code = CodeInvalidArgument
	}
	return errs.E("streams."+op, errs.Precondition, errs.Code(code), msg, err)
}

func (e *Engine) encContext(s *streamRec) map[string]string {
	return map[string]string{"aws:kinesis:arn": e.ARN(s.Account, s.Name)}
}

func (e *Engine) keyLifetime() time.Duration {
	if e.opts.DataKeyLifetime > 0 {
		return e.opts.DataKeyLifetime
	}
	return DefaultDataKeyLifetime
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func payloadAAD(s *streamRec) []byte {
	return []byte("tarn-kinesis-record:" + s.Name + ":" + strconv.FormatInt(s.ID, 10))
}

// writeKey returns the data key new records of s are sealed with, or nil
// when s is not encrypted. It checks the KMS key is usable and makes a new
// data key when the current one is older than the key lifetime.
func (e *Engine) writeKey(ctx context.Context, op string, s *stream) (*dataKey, error) {
	s.mu.RLock()
	enc, keyARN, cur, account, encCtx := s.rec.Encryption, s.rec.KeyARN, s.rec.CurKey, s.rec.Account, e.encContext(&s.rec)
	s.mu.RUnlock()
	if enc != EncryptionKMS {
		return nil, nil
	}
	if e.opts.KMS == nil {
		return nil, fail(op, CodeInternal, "Internal service failure.")
	}
	if err := e.opts.KMS.CheckKey(ctx, account, keyARN); err != nil {
		return nil, kmsError(op, err)
	}
	if k := s.cachedKey(cur); k != nil && e.now().Sub(k.created) < e.keyLifetime() {
		return k, nil
	}
	// One rotation at a time; kmu is taken before mu, and cmu is a leaf.
	s.kmu.Lock()
	defer s.kmu.Unlock()
	s.mu.RLock()
	cur = s.rec.CurKey
	s.mu.RUnlock()
	if k := s.cachedKey(cur); k != nil && e.now().Sub(k.created) < e.keyLifetime() {
		return k, nil
	}
	pt, blob, arn, err := e.opts.KMS.GenerateDataKey(ctx, account, keyARN, encCtx, 32)
	if err != nil {
		return nil, kmsError(op, err)
	}
	a, err := newAEAD(pt)
	if err != nil {
		return nil, errs.E("streams."+op, err)
	}
	now := e.now()
	s.mu.Lock()
	v := uint32(1)
	if n := len(s.rec.DataKeys); n > 0 {
		v = s.rec.DataKeys[n-1].V + 1
	}
	s.rec.DataKeys = append(s.rec.DataKeys, dataKeyRec{V: v, Blob: blob, KeyARN: arn, Created: now})
	s.rec.CurKey = v
	err = e.save(ctx, s)
	aad := payloadAAD(&s.rec)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	k := &dataKey{v: v, aead: a, created: now, aad: aad}
	s.cacheKey(k)
	return k, nil
}

func (s *stream) cachedKey(v uint32) *dataKey {
	if v == 0 {
		return nil
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	return s.keys[v]
}

func (s *stream) cacheKey(k *dataKey) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	if s.keys == nil {
		s.keys = map[uint32]*dataKey{}
	}
	s.keys[k.v] = k
}

// dataKey is an opened data key.
type dataKey struct {
	v       uint32
	aead    cipher.AEAD
	created time.Time
	aad     []byte
}

// seal encrypts a plain payload.
func (k *dataKey) seal(plain []byte) []byte {
	out := make([]byte, 5+12, sealedOverhead+len(plain))
	out[0] = sealedMagic
	binary.BigEndian.PutUint32(out[1:], k.v)
	rand.Read(out[5:17])
	return k.aead.Seal(out, out[5:17], plain, k.aad)
}

// readKey returns data key v of s (s.mu held at least shared), opening
// it through KMS the first time.
func (e *Engine) readKey(ctx context.Context, op string, s *stream, v uint32) (*dataKey, error) {
	if k := s.cachedKey(v); k != nil {
		return k, nil
	}
	var rec *dataKeyRec
	for i := range s.rec.DataKeys {
		if s.rec.DataKeys[i].V == v {
			rec = &s.rec.DataKeys[i]
		}
	}
	if rec == nil {
		return nil, fail(op, CodeInternal, "Internal service failure.")
	}
	if e.opts.KMS == nil {
		return nil, fail(op, CodeInternal, "Internal service failure.")
	}
	pt, _, err := e.opts.KMS.Decrypt(ctx, s.rec.Account, rec.Blob, e.encContext(&s.rec))
	if err != nil {
		return nil, kmsError(op, err)
	}
	a, err := newAEAD(pt)
	if err != nil {
		return nil, errs.E("streams."+op, err)
	}
	k := &dataKey{v: v, aead: a, created: rec.Created, aad: payloadAAD(&s.rec)}
	s.cacheKey(k)
	return k, nil
}

// openPayload returns the plain payload of a stored one and whether it
// was sealed.
func (e *Engine) openPayload(ctx context.Context, op string, s *stream, b []byte) ([]byte, bool, error) {
	if len(b) == 0 || b[0] != sealedMagic {
		return b, false, nil
	}
	if len(b) < sealedOverhead {
		return nil, true, fail(op, CodeInternal, "Internal service failure.")
	}
	k, err := e.readKey(ctx, op, s, binary.BigEndian.Uint32(b[1:]))
	if err != nil {
		return nil, true, err
	}
	plain, err := k.aead.Open(nil, b[5:17], b[17:], k.aad)
	if err != nil {
		e.log.Error("kinesis: record failed authentication", "stream", s.rec.Name)
		return nil, true, fail(op, CodeInternal, "Internal service failure.")
	}
	return plain, true, nil
}

// checkReadKey fails reads of a stream encrypted under an unusable key
// (disabled, pending deletion, gone), as AWS does.
func (e *Engine) checkReadKey(ctx context.Context, op, account, enc, keyARN string) error {
	if enc != EncryptionKMS {
		return nil
	}
	if e.opts.KMS == nil {
		return fail(op, CodeInternal, "Internal service failure.")
	}
	if err := e.opts.KMS.CheckKey(ctx, account, keyARN); err != nil {
		return kmsError(op, err)
	}
	return nil
}

// StartStreamEncryption encrypts records written from now on under keyID
// (key id, key ARN, alias name or alias ARN; alias/aws/kinesis is the AWS
// managed key). The stream is UPDATING for the state delay.
func (e *Engine) StartStreamEncryption(ctx context.Context, account string, ref Ref, encType, keyID string) error {
	return e.setEncryption(ctx, account, "StartStreamEncryption", ref, encType, keyID, true)
}

// StopStreamEncryption stops encrypting new records; records already
// written stay encrypted and readable.
func (e *Engine) StopStreamEncryption(ctx context.Context, account string, ref Ref, encType, keyID string) error {
	return e.setEncryption(ctx, account, "StopStreamEncryption", ref, encType, keyID, false)
}

func (e *Engine) setEncryption(ctx context.Context, account, op string, ref Ref, encType, keyID string, start bool) error {
	var v validation
	switch encType {
	case EncryptionKMS, EncryptionNone:
	case "":
		v.add(nil, "encryptionType", "Member must not be null")
	default:
		v.add(encType, "encryptionType", "Member must satisfy enum value set: [NONE, KMS]")
	}
	if keyID == "" {
		v.add(nil, "keyId", "Member must not be null")
	} else if len(keyID) > 2048 {
		v.add(keyID, "keyId", "Member must have length less than or equal to 2048")
	}
	k, err := e.resolve(op, account, ref, &v)
	if err != nil {
		return err
	}
	if encType != EncryptionKMS {
		return fail(op, CodeInvalidArgument, "Encryption type %s is not supported. Only KMS is supported.", encType)
	}
	s, err := e.open(ctx, op, account, k)
	if err != nil {
		return err
	}
	if start && e.opts.KMS == nil {
		return fail(op, CodeInvalidArgument, "Stream encryption needs the KMS service, which this server does not run.")
	}
	s.mu.RLock()
	err = e.keyChangeLimit(op, &s.rec, start)
	s.mu.RUnlock()
	if err != nil {
		return err
	}
	var pt, blob []byte
	var arn string
	if start {
		// The first data key proves the key exists, is enabled, and
		// creates the AWS managed key on first use of alias/aws/kinesis.
		s.mu.RLock()
		encCtx := e.encContext(&s.rec)
		s.mu.RUnlock()
		pt, blob, arn, err = e.opts.KMS.GenerateDataKey(ctx, account, keyID, encCtx, 32)
		if err != nil {
			return kmsError(op, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.status(e.now()); st != StatusActive {
		return fail(op, CodeInUse, "Stream %s under account %s not ACTIVE, instead in state %s", k.name, account, st)
	}
	if err := e.keyChangeLimit(op, &s.rec, start); err != nil {
		return err
	}
	now := e.now()
	if !start {
		if s.rec.Encryption != EncryptionKMS {
			return fail(op, CodeInvalidArgument, "Stream %s under account %s is not encrypted.", k.name, account)
		}
		old := s.rec
		s.rec.Encryption, s.rec.KeyID, s.rec.KeyARN, s.rec.CurKey = "", "", "", 0
		s.rec.KeyStops = append(recentChanges(s.rec.KeyStops, now), now)
		e.startUpdating(s)
		if err := e.save(ctx, s); err != nil {
			s.rec = old
			return err
		}
		return nil
	}
	a, err := newAEAD(pt)
	if err != nil {
		return errs.E("streams."+op, err)
	}
	ver := uint32(1)
	if n := len(s.rec.DataKeys); n > 0 {
		ver = s.rec.DataKeys[n-1].V + 1
	}
	old := s.rec
	s.rec.DataKeys = append(append([]dataKeyRec{}, s.rec.DataKeys...), dataKeyRec{V: ver, Blob: blob, KeyARN: arn, Created: now})
	s.rec.Encryption, s.rec.KeyID, s.rec.KeyARN, s.rec.CurKey = EncryptionKMS, keyID, arn, ver
	s.rec.KeyStarts = append(recentChanges(s.rec.KeyStarts, now), now)
	e.startUpdating(s)
	if err := e.save(ctx, s); err != nil {
		s.rec = old
		s.rebind()
		return err
	}
	s.cacheKey(&dataKey{v: ver, aead: a, created: now, aad: payloadAAD(&s.rec)})
	return nil
}

// MaxKeyChanges is how many times a stream's encryption may be started
// (a new KMS key applied) and, separately, stopped in any 24 hours.
const MaxKeyChanges = 25

// keyChangeWindow is the rolling window of MaxKeyChanges.
const keyChangeWindow = 24 * time.Hour

// recentChanges drops the times older than the rolling window (a fresh
// slice: the old one may still be referenced by a saved copy of the rec).
func recentChanges(ts []time.Time, now time.Time) []time.Time {
	out := make([]time.Time, 0, len(ts)+1)
	for _, t := range ts {
		if now.Sub(t) < keyChangeWindow {
			out = append(out, t)
		}
	}
	return out
}

// keyChangeLimit refuses a StartStreamEncryption (start) or
// StopStreamEncryption when 25 of them succeeded on the stream in the
// last 24 hours of the engine clock (r held at least shared).
func (e *Engine) keyChangeLimit(op string, r *streamRec, start bool) error {
	ts, what := r.KeyStops, "disabled server-side encryption"
	if start {
		ts, what = r.KeyStarts, "applied a new KMS key for server-side encryption"
	}
	now := e.now()
	recent := recentChanges(ts, now)
	if len(recent) < MaxKeyChanges {
		return nil
	}
	return fail(op, CodeLimitExceeded, "Stream %s under account %s has %s %d times in the last 24 hours, the limit; the next change is possible at %s.",
		r.Name, r.Account, what, MaxKeyChanges, recent[0].Add(keyChangeWindow).UTC().Format(time.RFC3339))
}
