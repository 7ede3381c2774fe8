package streams

import (
	"context"
	"math/big"
	"sync"
	"time"
)

// On-demand scaling: an ON_DEMAND stream starts with OnDemandShards shards
// and splits a shard (at the middle of its hash range, exactly as
// SplitShard does, so lineage is the same) once its writes have exceeded
// one shard's capacity (1 MiB/s or 1000 records/s) for ScaleAfter
// consecutive seconds. Splits are at least ScaleCooldown apart per stream
// and never exceed the account's shard quota. The stream stays ACTIVE.

const (
	defaultScaleCooldown = time.Minute
	defaultScaleAfter    = 3
)

func (e *Engine) scaleAfter() int {
	if e.opts.ScaleAfter > 0 {
		return e.opts.ScaleAfter
	}
	return defaultScaleAfter
}

func (e *Engine) scaleCooldown() time.Duration {
	if e.opts.ScaleCooldown > 0 {
		return e.opts.ScaleCooldown
	}
	return defaultScaleCooldown
}

// loadMeter measures a shard's write rate in one-second windows.
type loadMeter struct {
	mu          sync.Mutex
	sec         int64
	recs, bytes int
	hot         int   // consecutive hot seconds ending at lastHot
	lastHot     int64 // the last finished second that was hot
}

func overCapacity(recs, bytes int) bool {
	return recs > ShardWriteRecsPerSec || bytes > ShardWriteBytesPerSec
}

// add counts n records of b bytes written at now and reports whether the
// shard has been over capacity for after consecutive seconds (the current
// one included once it is over).
func (m *loadMeter) add(now time.Time, n, b, after int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if sec := now.Unix(); sec != m.sec {
		if overCapacity(m.recs, m.bytes) {
			if m.lastHot == m.sec-1 && m.hot > 0 {
				m.hot++
			} else {
				m.hot = 1
			}
			m.lastHot = m.sec
		}
		m.sec, m.recs, m.bytes = sec, 0, 0
	}
	m.recs += n
	m.bytes += b
	streak := 0
	if m.hot > 0 && m.lastHot == m.sec-1 {
		streak = m.hot
	}
	if overCapacity(m.recs, m.bytes) {
		streak++
	}
	return streak >= after
}

// autoSplit splits hot, an open shard of the on-demand stream s, unless
// the cool-down or the shard quota forbids it.
func (e *Engine) autoSplit(ctx context.Context, s *stream, hot *shard) {
	cur := e.openShardCount(s.rec.Account)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := e.now()
	if s.rec.Mode != ModeOnDemand || hot.rec.Closed || s.shards[hot.rec.Index] != hot || s.status(now) != StatusActive {
		return
	}
	if !s.rec.LastScale.IsZero() && now.Sub(s.rec.LastScale) < e.scaleCooldown() {
		return
	}
	if cur+1 > e.opts.ShardLimit {
		e.log.Warn("kinesis: on-demand scaling stopped by the shard quota", "stream", s.rec.Name, "limit", e.opts.ShardLimit)
		return
	}
	w := width(hot)
	if w.Sign() <= 0 {
		return // a one-key shard cannot split
	}
	mid := new(big.Int).Add(hot.start, new(big.Int).Rsh(new(big.Int).Add(w, big.NewInt(1)), 1))
	if err := e.split(ctx, s, hot, mid); err != nil {
		e.log.Error("kinesis: on-demand split", "stream", s.rec.Name, "err", err)
		return
	}
	s.rec.LastScale = now
	if err := e.save(ctx, s); err != nil {
		e.log.Error("kinesis: on-demand split", "stream", s.rec.Name, "err", err)
		return
	}
	e.log.Info("kinesis: on-demand split", "stream", s.rec.Name, "shard", shardID(hot.rec.Index))
}
