package server

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/tarnhq/tarn/internal/auth/iam"
	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/kms"
	"github.com/tarnhq/tarn/internal/storage/seglog/file"
	"github.com/tarnhq/tarn/internal/streams"
)

// openKinesis opens the shard logs under the data dir and builds the
// streams engine over them and the metadata store.
func (s *Server) openKinesis(ctx context.Context) (*streams.Engine, error) {
	var err error
	s.logs, err = file.Open(filepath.Join(s.cfg.DataDir, "streams"), file.Options{})
	if err != nil {
		return nil, fmt.Errorf("server: shard logs: %w", err)
	}
	delay := s.cfg.KinesisStateDelay
	if delay == 0 {
		delay = -1 // streams.Options: negative means none
	}
	// Streams are per account; those stored before they were belong to
	// the root account.
	opts := streams.Options{Region: s.cfg.Region, Account: iam.RootAccountID, StateDelay: delay,
		ShardLimit: s.cfg.KinesisShardLimit, NoLimits: s.cfg.KinesisLimits == "off", Logger: s.log.With("component", "streams")}
	if s.kms != nil {
		opts.KMS = kinesisKeys{s.kms}
	}
	e, err := streams.New(ctx, s.meta, s.logs, opts)
	if err != nil {
		return nil, fmt.Errorf("server: streams: %w", err)
	}
	return e, nil
}

// kinesisKeys adapts the KMS engine to streams.KeyService.
type kinesisKeys struct{ *kms.Store }

// CheckKey implements streams.KeyService: an Enabled key is usable.
func (k kinesisKeys) CheckKey(ctx context.Context, account, keyID string) error {
	md, err := k.DescribeKey(ctx, account, keyID)
	if err != nil {
		return err
	}
	switch md.State {
	case kms.Enabled:
		return nil
	case kms.PendingDeletion:
		return errs.E("kms.CheckKey", errs.Precondition, errs.Code(kms.CodeInvalidState), fmt.Sprintf("%s is pending deletion.", md.ARN))
	case kms.Disabled:
		return errs.E("kms.CheckKey", errs.Precondition, errs.Code(kms.CodeDisabled), fmt.Sprintf("%s is disabled.", md.ARN))
	}
	return errs.E("kms.CheckKey", errs.Precondition, errs.Code(kms.CodeInvalidState), fmt.Sprintf("%s is %s.", md.ARN, md.State))
}
