// Package kmsapi is the AWS KMS front end (JSON 1.1, X-Amz-Target
// TrentService.*): it decodes each request, takes the caller's account from
// the request context, calls one method of the kms engine, and encodes the
// reply. Engine errors carry their AWS code and are mapped once, in
// mapError. Keys and aliases are scoped to the caller's account.
package kmsapi

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/awsproto/awsjson"
	"github.com/tarnhq/tarn/internal/awsproto/reqctx"
	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/kms"
)

// Prefix is the X-Amz-Target prefix of KMS.
const Prefix = "TrentService"

// Engine is what the front end needs of the KMS engine (*kms.Store).
type Engine interface {
	CreateKey(ctx context.Context, account string, in kms.CreateKeyInput) (kms.KeyMetadata, error)
	DescribeKey(ctx context.Context, account, id string) (kms.KeyMetadata, error)
	ListKeys(ctx context.Context, account string, p kms.Page) ([]kms.KeyListEntry, string, error)
	EnableKey(ctx context.Context, account, id string) error
	DisableKey(ctx context.Context, account, id string) error
	UpdateKeyDescription(ctx context.Context, account, id, desc string) error
	ScheduleKeyDeletion(ctx context.Context, account, id string, days int) (kms.KeyMetadata, error)
	CancelKeyDeletion(ctx context.Context, account, id string) (kms.KeyMetadata, error)

	CreateAlias(ctx context.Context, account, name, target string) error
	UpdateAlias(ctx context.Context, account, name, target string) error
	DeleteAlias(ctx context.Context, account, name string) error
	ListAliases(ctx context.Context, account, keyID string, p kms.Page) ([]kms.Alias, string, error)

	EnableKeyRotation(ctx context.Context, account, id string, periodDays int) error
	DisableKeyRotation(ctx context.Context, account, id string) error
	GetKeyRotationStatus(ctx context.Context, account, id string) (kms.RotationStatus, error)
	RotateKeyOnDemand(ctx context.Context, account, id string) (string, error)
	ListKeyRotations(ctx context.Context, account, id string, p kms.Page) ([]kms.Rotation, string, error)

	Encrypt(ctx context.Context, account, keyID string, plaintext []byte, encCtx map[string]string) ([]byte, string, error)
	DecryptWithKey(ctx context.Context, account, keyID string, blob []byte, encCtx map[string]string) ([]byte, string, error)
	GenerateDataKey(ctx context.Context, account, keyID string, encCtx map[string]string, nbytes int) ([]byte, []byte, string, error)
	ReEncrypt(ctx context.Context, account string, blob []byte, srcCtx map[string]string, srcKeyID, dstKeyID string, dstCtx map[string]string) (kms.ReEncryptResult, error)
	GenerateRandom(ctx context.Context, n int) ([]byte, error)

	TagResource(ctx context.Context, account, id string, tags []kms.Tag) error
	UntagResource(ctx context.Context, account, id string, keys []string) error
	ListResourceTags(ctx context.Context, account, id string, p kms.Page) ([]kms.Tag, string, error)
}

var _ Engine = (*kms.Store)(nil)

type api struct{ e Engine }

// New returns the KMS service, ready to mount on the edge under Prefix.
func New(e Engine) *awsjson.Service {
	a := &api{e: e}
	s := &awsjson.Service{Name: "kms", Prefix: Prefix, Version: "1.1", MapError: mapError}
	s.Handle("CreateKey", awsjson.Op(a.createKey))
	s.Handle("DescribeKey", awsjson.Op(a.describeKey))
	s.Handle("ListKeys", awsjson.Op(a.listKeys))
	s.Handle("EnableKey", awsjson.Op(a.enableKey))
	s.Handle("DisableKey", awsjson.Op(a.disableKey))
	s.Handle("UpdateKeyDescription", awsjson.Op(a.updateKeyDescription))
	s.Handle("ScheduleKeyDeletion", awsjson.Op(a.scheduleKeyDeletion))
	s.Handle("CancelKeyDeletion", awsjson.Op(a.cancelKeyDeletion))
	s.Handle("CreateAlias", awsjson.Op(a.createAlias))
	s.Handle("UpdateAlias", awsjson.Op(a.updateAlias))
	s.Handle("DeleteAlias", awsjson.Op(a.deleteAlias))
	s.Handle("ListAliases", awsjson.Op(a.listAliases))
	s.Handle("EnableKeyRotation", awsjson.Op(a.enableKeyRotation))
	s.Handle("DisableKeyRotation", awsjson.Op(a.disableKeyRotation))
	s.Handle("GetKeyRotationStatus", awsjson.Op(a.getKeyRotationStatus))
	s.Handle("RotateKeyOnDemand", awsjson.Op(a.rotateKeyOnDemand))
	s.Handle("ListKeyRotations", awsjson.Op(a.listKeyRotations))
	s.Handle("Encrypt", awsjson.Op(a.encrypt))
	s.Handle("Decrypt", awsjson.Op(a.decrypt))
	s.Handle("GenerateDataKey", awsjson.Op(a.generateDataKey))
	s.Handle("GenerateDataKeyWithoutPlaintext", awsjson.Op(a.generateDataKeyWithoutPlaintext))
	s.Handle("ReEncrypt", awsjson.Op(a.reEncrypt))
	s.Handle("GenerateRandom", awsjson.Op(a.generateRandom))
	s.Handle("TagResource", awsjson.Op(a.tagResource))
	s.Handle("UntagResource", awsjson.Op(a.untagResource))
	s.Handle("ListResourceTags", awsjson.Op(a.listResourceTags))
	return s
}

// account is the caller's account; anonymous callers own no keys.
func account(ctx context.Context) (string, error) {
	info := reqctx.From(ctx)
	p := info.Principal
	if p == nil || p.Anonymous || p.Account.ID == "" {
		return "", awserr.New("AccessDeniedException", "User: anonymous is not authorized to perform: kms:%s", info.Operation)
	}
	return p.Account.ID, nil
}

// mapError turns an engine error into its AWS error: the engine names the
// code; the Kind decides when it does not.
func mapError(err error) *awserr.Error {
	msg := ""
	var e *errs.Error
	if errors.As(err, &e) {
		msg = e.Msg
	}
	if code := errs.CodeOf(err); code != "" {
		if msg == "" {
			return awserr.New(code)
		}
		return awserr.New(code, "%s", msg)
	}
	switch errs.KindOf(err) {
	case errs.NotExist:
		return awserr.New("NotFoundException", "%s", msg)
	case errs.Invalid:
		return awserr.New("ValidationException", "%s", msg)
	case errs.Exist:
		return awserr.New("AlreadyExistsException", "%s", msg)
	case errs.Permission:
		return awserr.New("AccessDeniedException", "%s", msg)
	}
	return awserr.New("KMSInternalException")
}

// epoch is a timestamp on the wire: seconds since the epoch, as a number.
type epoch time.Time

func (t epoch) IsZero() bool { return time.Time(t).IsZero() }

func (t epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

func (t *epoch) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*t = epoch(time.UnixMilli(int64(f * 1000)).UTC())
	return nil
}
