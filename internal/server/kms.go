package server

import (
	"context"
	"log/slog"

	"github.com/tarnhq/tarn/internal/auth/iam"
	"github.com/tarnhq/tarn/internal/config"
	"github.com/tarnhq/tarn/internal/kms"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// openKMS builds the KMS engine from the config: root key, static keys
// (owned by the root account).
func openKMS(ctx context.Context, cfg config.Config, m meta.Store, log *slog.Logger) (*kms.Store, error) {
	opts := kms.Options{Region: cfg.Region, RootKey: cfg.KMSRootKey, RootKeyFile: cfg.KMSRootKeyFile, DataDir: cfg.DataDir,
		StaticAccount: iam.RootAccountID, Logger: log.With("component", "kms")}
	for _, s := range cfg.KMSStaticKeys {
		name, key, err := config.ParseStaticKey(s)
		if err != nil {
			return nil, err
		}
		opts.StaticKeys = append(opts.StaticKeys, kms.StaticKey{ID: name, Material: key})
	}
	return kms.Open(ctx, m, opts)
}
