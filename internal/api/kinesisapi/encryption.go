package kinesisapi

import (
	"context"
)

// Stream encryption, resource policies and record size: operations added
// after the first release of the front end.

type streamEncryptionIn struct {
	streamRef
	EncryptionType string `json:"EncryptionType"`
	KeyId          string `json:"KeyId"`
}

type resourceARNIn struct {
	ResourceARN string `json:"ResourceARN"`
}

type putResourcePolicyIn struct {
	ResourceARN string `json:"ResourceARN"`
	Policy      string `json:"Policy"`
}

type getResourcePolicyOut struct {
	Policy string `json:"Policy"`
}

type updateMaxRecordSizeIn struct {
	StreamARN          string `json:"StreamARN"`
	MaxRecordSizeInKiB *int   `json:"MaxRecordSizeInKiB"`
}

func (a *api) startEncryption(ctx context.Context, in *streamEncryptionIn) (*none, error) {
	return nil, a.e.StartStreamEncryption(ctx, caller(ctx), in.ref(), in.EncryptionType, in.KeyId)
}

func (a *api) stopEncryption(ctx context.Context, in *streamEncryptionIn) (*none, error) {
	return nil, a.e.StopStreamEncryption(ctx, caller(ctx), in.ref(), in.EncryptionType, in.KeyId)
}

func (a *api) putResourcePolicy(ctx context.Context, in *putResourcePolicyIn) (*none, error) {
	return nil, a.e.PutResourcePolicy(ctx, caller(ctx), in.ResourceARN, in.Policy)
}

func (a *api) getResourcePolicy(ctx context.Context, in *resourceARNIn) (*getResourcePolicyOut, error) {
	p, err := a.e.GetResourcePolicy(ctx, caller(ctx), in.ResourceARN)
	if err != nil {
		return nil, err
	}
	return &getResourcePolicyOut{p}, nil
}

func (a *api) deleteResourcePolicy(ctx context.Context, in *resourceARNIn) (*none, error) {
	return nil, a.e.DeleteResourcePolicy(ctx, caller(ctx), in.ResourceARN)
}

func (a *api) updateMaxRecordSize(ctx context.Context, in *updateMaxRecordSizeIn) (*none, error) {
	if in.MaxRecordSizeInKiB == nil {
		return nil, validationError("null", "maxRecordSizeInKiB", "Member must not be null")
	}
	return nil, a.e.UpdateMaxRecordSize(ctx, caller(ctx), in.StreamARN, *in.MaxRecordSizeInKiB)
}
