package server

import (
	"context"
	"fmt"
	"path/filepath"

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
	e, err := streams.New(ctx, s.meta, s.logs, streams.Options{Region: s.cfg.Region, StateDelay: delay,
		ShardLimit: s.cfg.KinesisShardLimit, NoLimits: s.cfg.KinesisLimits == "off", Logger: s.log.With("component", "streams")})
	if err != nil {
		return nil, fmt.Errorf("server: streams: %w", err)
	}
	return e, nil
}
