package kmsapi

import (
	"context"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/kms"
)

// Wire shapes follow the KMS API reference; fields tarn ignores are still
// decoded so that a client sending them is not refused.

type wireTag struct {
	TagKey   string
	TagValue string
}

type keyMetadata struct {
	AWSAccountId                string
	KeyId                       string
	Arn                         string
	CreationDate                epoch
	Enabled                     bool
	Description                 string
	KeyUsage                    string
	KeyState                    string
	DeletionDate                epoch `json:",omitzero"`
	PendingDeletionWindowInDays int   `json:",omitempty"`
	Origin                      string
	KeyManager                  string
	CustomerMasterKeySpec       string
	KeySpec                     string
	EncryptionAlgorithms        []string
	MultiRegion                 bool
}

func toWire(m kms.KeyMetadata) *keyMetadata {
	return &keyMetadata{AWSAccountId: m.AccountID, KeyId: m.KeyID, Arn: m.ARN, CreationDate: epoch(m.Created),
		Enabled: m.Enabled, Description: m.Description, KeyUsage: "ENCRYPT_DECRYPT", KeyState: string(m.State),
		DeletionDate: epoch(m.DeletionDate), PendingDeletionWindowInDays: m.PendingWindowDays, Origin: "AWS_KMS",
		KeyManager: m.KeyManager, CustomerMasterKeySpec: "SYMMETRIC_DEFAULT", KeySpec: "SYMMETRIC_DEFAULT",
		EncryptionAlgorithms: []string{"SYMMETRIC_DEFAULT"}}
}

type keyIDIn struct{ KeyId string }

type keyMetadataOut struct{ KeyMetadata *keyMetadata }

type createKeyIn struct {
	Description                    string
	KeyUsage                       string
	KeySpec                        string
	CustomerMasterKeySpec          string
	Origin                         string
	Policy                         string
	Tags                           []wireTag
	MultiRegion                    bool
	BypassPolicyLockoutSafetyCheck bool
	CustomKeyStoreId               string
}

func (a *api) createKey(ctx context.Context, in *createKeyIn) (*keyMetadataOut, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct{ name, v, want string }{
		{"KeyUsage", in.KeyUsage, "ENCRYPT_DECRYPT"}, {"KeySpec", in.KeySpec, "SYMMETRIC_DEFAULT"},
		{"CustomerMasterKeySpec", in.CustomerMasterKeySpec, "SYMMETRIC_DEFAULT"}, {"Origin", in.Origin, "AWS_KMS"},
	} {
		if f.v != "" && f.v != f.want {
			return nil, awserr.New("UnsupportedOperationException", "%s %s is not supported by tarn; only %s.", f.name, f.v, f.want)
		}
	}
	if in.MultiRegion {
		return nil, awserr.New("UnsupportedOperationException", "Multi-Region keys are not supported by tarn.")
	}
	if in.CustomKeyStoreId != "" {
		return nil, awserr.New("UnsupportedOperationException", "Custom key stores are not supported by tarn.")
	}
	m, err := a.e.CreateKey(ctx, acct, kms.CreateKeyInput{Description: in.Description, Tags: fromWireTags(in.Tags), Policy: in.Policy})
	if err != nil {
		return nil, err
	}
	return &keyMetadataOut{toWire(m)}, nil
}

func fromWireTags(ts []wireTag) []kms.Tag {
	out := make([]kms.Tag, len(ts))
	for i, t := range ts {
		out[i] = kms.Tag{Key: t.TagKey, Value: t.TagValue}
	}
	return out
}

func (a *api) describeKey(ctx context.Context, in *keyIDIn) (*keyMetadataOut, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	m, err := a.e.DescribeKey(ctx, acct, in.KeyId)
	if err != nil {
		return nil, err
	}
	return &keyMetadataOut{toWire(m)}, nil
}

type pageIn struct {
	Limit  int
	Marker string
}

func (p pageIn) page() kms.Page { return kms.Page{Limit: p.Limit, Marker: p.Marker} }

type pageOut struct {
	NextMarker string `json:",omitempty"`
	Truncated  bool
}

func nextPage(next string) pageOut { return pageOut{NextMarker: next, Truncated: next != ""} }

type keyListEntry struct{ KeyId, KeyArn string }

type listKeysOut struct {
	Keys []keyListEntry
	pageOut
}

func (a *api) listKeys(ctx context.Context, in *pageIn) (*listKeysOut, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	keys, next, err := a.e.ListKeys(ctx, acct, in.page())
	if err != nil {
		return nil, err
	}
	out := &listKeysOut{Keys: make([]keyListEntry, len(keys)), pageOut: nextPage(next)}
	for i, k := range keys {
		out.Keys[i] = keyListEntry{k.KeyID, k.ARN}
	}
	return out, nil
}

// keyOp adapts the engine's (account, keyID) → error operations.
func (a *api) keyOp(fn func(context.Context, string, string) error) func(context.Context, *keyIDIn) (*struct{}, error) {
	return func(ctx context.Context, in *keyIDIn) (*struct{}, error) {
		acct, err := account(ctx)
		if err != nil {
			return nil, err
		}
		return nil, fn(ctx, acct, in.KeyId)
	}
}

func (a *api) enableKey(ctx context.Context, in *keyIDIn) (*struct{}, error) {
	return a.keyOp(a.e.EnableKey)(ctx, in)
}

func (a *api) disableKey(ctx context.Context, in *keyIDIn) (*struct{}, error) {
	return a.keyOp(a.e.DisableKey)(ctx, in)
}

func (a *api) disableKeyRotation(ctx context.Context, in *keyIDIn) (*struct{}, error) {
	return a.keyOp(a.e.DisableKeyRotation)(ctx, in)
}

type updateKeyDescriptionIn struct{ KeyId, Description string }

func (a *api) updateKeyDescription(ctx context.Context, in *updateKeyDescriptionIn) (*struct{}, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	return nil, a.e.UpdateKeyDescription(ctx, acct, in.KeyId, in.Description)
}

type scheduleKeyDeletionIn struct {
	KeyId               string
	PendingWindowInDays int
}

type scheduleKeyDeletionOut struct {
	KeyId               string
	DeletionDate        epoch
	KeyState            string
	PendingWindowInDays int
}

func (a *api) scheduleKeyDeletion(ctx context.Context, in *scheduleKeyDeletionIn) (*scheduleKeyDeletionOut, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	m, err := a.e.ScheduleKeyDeletion(ctx, acct, in.KeyId, in.PendingWindowInDays)
	if err != nil {
		return nil, err
	}
	return &scheduleKeyDeletionOut{KeyId: m.ARN, DeletionDate: epoch(m.DeletionDate), KeyState: string(m.State),
		PendingWindowInDays: m.PendingWindowDays}, nil
}

type keyIDOut struct{ KeyId string }

func (a *api) cancelKeyDeletion(ctx context.Context, in *keyIDIn) (*keyIDOut, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	m, err := a.e.CancelKeyDeletion(ctx, acct, in.KeyId)
	if err != nil {
		return nil, err
	}
	return &keyIDOut{m.ARN}, nil
}

type aliasIn struct{ AliasName, TargetKeyId string }

func (a *api) createAlias(ctx context.Context, in *aliasIn) (*struct{}, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	return nil, a.e.CreateAlias(ctx, acct, in.AliasName, in.TargetKeyId)
}

func (a *api) updateAlias(ctx context.Context, in *aliasIn) (*struct{}, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	return nil, a.e.UpdateAlias(ctx, acct, in.AliasName, in.TargetKeyId)
}

func (a *api) deleteAlias(ctx context.Context, in *aliasIn) (*struct{}, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	return nil, a.e.DeleteAlias(ctx, acct, in.AliasName)
}

type listAliasesIn struct {
	KeyId string
	pageIn
}

type aliasListEntry struct {
	AliasName       string
	AliasArn        string
	TargetKeyId     string
	CreationDate    epoch
	LastUpdatedDate epoch
}

type listAliasesOut struct {
	Aliases []aliasListEntry
	pageOut
}

func (a *api) listAliases(ctx context.Context, in *listAliasesIn) (*listAliasesOut, error) {
	acct, err := account(ctx)
	if err != nil {
		return nil, err
	}
	as, next, err := a.e.ListAliases(ctx, acct, in.KeyId, in.page())
	if err != nil {
		return nil, err
	}
	out := &listAliasesOut{Aliases: make([]aliasListEntry, len(as)), pageOut: nextPage(next)}
	for i, al := range as {
		out.Aliases[i] = aliasListEntry{al.Name, al.ARN, al.TargetKeyID, epoch(al.Created), epoch(al.Updated)}
	}
	return out, nil
}
