package kmsapi

import (
	"context"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/kms"
)

const symmetric = "SYMMETRIC_DEFAULT"

// dryRun answers a DryRun request as AWS does once the request is valid:
// nothing happens.
func dryRun(on bool) error {
	if on {
		return awserr.New("DryRunOperationException")
	}
	return nil
}

// checkAlgorithm accepts the only algorithm tarn's symmetric keys have.
func checkAlgorithm(field, alg string) error {
	if alg != "" && alg != symmetric {
		return awserr.New("ValidationException",
			"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [SYMMETRIC_DEFAULT]", alg, field)
	}
	return nil
}

type encryptIn struct {
	KeyId               string
	Plaintext           []byte
	EncryptionContext   map[string]string
	EncryptionAlgorithm string
	GrantTokens         []string
	DryRun              bool
}

type encryptOut struct {
	CiphertextBlob      []byte
	KeyId               string
	EncryptionAlgorithm string
}

func (a *api) encrypt(ctx context.Context, in *encryptIn) (*encryptOut, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkAlgorithm("encryptionAlgorithm", in.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	blob, arn, err := a.e.Encrypt(ctx, acct, in.KeyId, in.Plaintext, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	return &encryptOut{blob, arn, symmetric}, nil
}

type decryptIn struct {
	DryRun              bool
	CiphertextBlob      []byte
	KeyId               string
	EncryptionContext   map[string]string
	EncryptionAlgorithm string
	GrantTokens         []string
}

type decryptOut struct {
	Plaintext           []byte
	KeyId               string
	EncryptionAlgorithm string
}

func (a *api) decrypt(ctx context.Context, in *decryptIn) (*decryptOut, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkAlgorithm("encryptionAlgorithm", in.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	plain, arn, err := a.e.DecryptWithKey(ctx, acct, in.KeyId, in.CiphertextBlob, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	return &decryptOut{plain, arn, symmetric}, nil
}

type generateDataKeyIn struct {
	DryRun            bool
	KeyId             string
	KeySpec           string
	NumberOfBytes     int
	EncryptionContext map[string]string
	GrantTokens       []string
}

type generateDataKeyOut struct {
	CiphertextBlob []byte
	Plaintext      []byte `json:",omitempty"`
	KeyId          string
}

func (a *api) generate(ctx context.Context, op string, in *generateDataKeyIn) (*generateDataKeyOut, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	n, err := kms.DataKeySize(op, in.KeySpec, in.NumberOfBytes)
	if err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	plain, blob, arn, err := a.e.GenerateDataKey(ctx, acct, in.KeyId, in.EncryptionContext, n)
	if err != nil {
		return nil, err
	}
	return &generateDataKeyOut{CiphertextBlob: blob, Plaintext: plain, KeyId: arn}, nil
}

func (a *api) generateDataKey(ctx context.Context, in *generateDataKeyIn) (*generateDataKeyOut, error) {
	return a.generate(ctx, "GenerateDataKey", in)
}

func (a *api) generateDataKeyWithoutPlaintext(ctx context.Context, in *generateDataKeyIn) (*generateDataKeyOut, error) {
	out, err := a.generate(ctx, "GenerateDataKeyWithoutPlaintext", in)
	if out != nil {
		clear(out.Plaintext)
		out.Plaintext = nil
	}
	return out, err
}

type reEncryptIn struct {
	DryRun                         bool
	CiphertextBlob                 []byte
	SourceEncryptionContext        map[string]string
	SourceKeyId                    string
	DestinationKeyId               string
	DestinationEncryptionContext   map[string]string
	SourceEncryptionAlgorithm      string
	DestinationEncryptionAlgorithm string
	GrantTokens                    []string
}

type reEncryptOut struct {
	CiphertextBlob                 []byte
	SourceKeyId                    string
	KeyId                          string
	SourceEncryptionAlgorithm      string
	DestinationEncryptionAlgorithm string
}

func (a *api) reEncrypt(ctx context.Context, in *reEncryptIn) (*reEncryptOut, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkAlgorithm("sourceEncryptionAlgorithm", in.SourceEncryptionAlgorithm); err != nil {
		return nil, err
	}
	if err := checkAlgorithm("destinationEncryptionAlgorithm", in.DestinationEncryptionAlgorithm); err != nil {
		return nil, err
	}
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	r, err := a.e.ReEncrypt(ctx, acct, in.CiphertextBlob, in.SourceEncryptionContext, in.SourceKeyId,
		in.DestinationKeyId, in.DestinationEncryptionContext)
	if err != nil {
		return nil, err
	}
	return &reEncryptOut{r.Blob, r.SourceKeyARN, r.KeyARN, symmetric, symmetric}, nil
}

type generateRandomIn struct {
	NumberOfBytes    int
	CustomKeyStoreId string
}

type generateRandomOut struct{ Plaintext []byte }

func (a *api) generateRandom(ctx context.Context, in *generateRandomIn) (*generateRandomOut, error) {
	if _, err := account(ctx); err != nil {
		return nil, err
	}
	if in.CustomKeyStoreId != "" {
		return nil, awserr.New("UnsupportedOperationException", "Custom key stores are not supported by tarn.")
	}
	b, err := a.e.GenerateRandom(ctx, in.NumberOfBytes)
	if err != nil {
		return nil, err
	}
	return &generateRandomOut{b}, nil
}

type enableKeyRotationIn struct {
	KeyId                string
	RotationPeriodInDays int
}

func (a *api) enableKeyRotation(ctx context.Context, in *enableKeyRotationIn) (*struct{}, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	return nil, a.e.EnableKeyRotation(ctx, acct, in.KeyId, in.RotationPeriodInDays)
}

type rotationStatusOut struct {
	KeyRotationEnabled        bool
	KeyId                     string
	RotationPeriodInDays      int   `json:",omitempty"`
	NextRotationDate          epoch `json:",omitzero"`
	OnDemandRotationStartDate epoch `json:",omitzero"`
}

func (a *api) getKeyRotationStatus(ctx context.Context, in *keyIDIn) (*rotationStatusOut, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	st, err := a.e.GetKeyRotationStatus(ctx, acct, in.KeyId)
	if err != nil {
		return nil, err
	}
	return &rotationStatusOut{st.Enabled, st.KeyARN, st.PeriodDays, epoch(st.NextRotation), epoch(st.OnDemandStarted)}, nil
}

func (a *api) rotateKeyOnDemand(ctx context.Context, in *keyIDIn) (*keyIDOut, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	arn, err := a.e.RotateKeyOnDemand(ctx, acct, in.KeyId)
	if err != nil {
		return nil, err
	}
	return &keyIDOut{arn}, nil
}

type keyPageIn struct {
	KeyId string
	pageIn
}

type rotationEntry struct {
	KeyId        string
	RotationDate epoch
	RotationType string
}

type listKeyRotationsOut struct {
	Rotations []rotationEntry
	pageOut
}

func (a *api) listKeyRotations(ctx context.Context, in *keyPageIn) (*listKeyRotationsOut, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	rs, next, err := a.e.ListKeyRotations(ctx, acct, in.KeyId, in.page())
	if err != nil {
		return nil, err
	}
	out := &listKeyRotationsOut{Rotations: make([]rotationEntry, len(rs)), pageOut: nextPage(next)}
	for i, r := range rs {
		out.Rotations[i] = rotationEntry{r.KeyID, epoch(r.Date), r.Type}
	}
	return out, nil
}

type tagResourceIn struct {
	KeyId string
	Tags  []wireTag
}

func (a *api) tagResource(ctx context.Context, in *tagResourceIn) (*struct{}, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	return nil, a.e.TagResource(ctx, acct, in.KeyId, fromWireTags(in.Tags))
}

type untagResourceIn struct {
	KeyId   string
	TagKeys []string
}

func (a *api) untagResource(ctx context.Context, in *untagResourceIn) (*struct{}, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	return nil, a.e.UntagResource(ctx, acct, in.KeyId, in.TagKeys)
}

type listResourceTagsOut struct {
	Tags []wireTag
	pageOut
}

func (a *api) listResourceTags(ctx context.Context, in *keyPageIn) (*listResourceTagsOut, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	tags, next, err := a.e.ListResourceTags(ctx, acct, in.KeyId, in.page())
	if err != nil {
		return nil, err
	}
	out := &listResourceTagsOut{Tags: make([]wireTag, len(tags)), pageOut: nextPage(next)}
	for i, t := range tags {
		out.Tags[i] = wireTag{t.Key, t.Value}
	}
	return out, nil
}
