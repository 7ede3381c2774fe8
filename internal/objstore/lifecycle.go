package objstore

import (
	"context"
	"sync"
	"time"
)

// LifecycleOptions configure the background lifecycle engine.
type LifecycleOptions struct {
	// Interval between passes; 0 = Day/24 (hourly at a real day), at
	// least 100 ms.
	Interval time.Duration
	// ActionsPerSecond and BytesPerSecond rate-limit the engine's work
	// (token buckets) so that foreground traffic is not starved; 0 takes
	// the defaults (500 actions/s, 64 MiB/s), <0 means unlimited.
	ActionsPerSecond float64
	BytesPerSecond   float64
	// Workers is how many due keys a pass acts on at once (0: 4).
	Workers int
}

// LifecycleStats are the lifecycle engine's totals since start.
type LifecycleStats struct {
	Passes                int64     `json:"passes"`
	Running               bool      `json:"running"`
	Bucket                string    `json:"bucket,omitempty"` // being processed
	LastPassStart         time.Time `json:"last_pass_start,omitzero"`
	LastPassEnd           time.Time `json:"last_pass_end,omitzero"`
	Scanned               int64     `json:"scanned"`   // records read: Indexed + Evaluated
	Indexed               int64     `json:"indexed"`   // records read by index scans (after a configuration change)
	Evaluated             int64     `json:"evaluated"` // due-queue entries evaluated
	Transitions           int64     `json:"transitions"`
	BytesMoved            int64     `json:"bytes_moved"`
	Expirations           int64     `json:"expirations"`
	NoncurrentTransitions int64     `json:"noncurrent_transitions"`
	NoncurrentExpirations int64     `json:"noncurrent_expirations"`
	DeleteMarkersRemoved  int64     `json:"delete_markers_removed"`
	UploadsAborted        int64     `json:"uploads_aborted"`
	SkippedLocked         int64     `json:"skipped_locked"`
	TieringMoves          int64     `json:"tiering_moves"`
	RestoresCompleted     int64     `json:"restores_completed"`
	RestoresExpired       int64     `json:"restores_expired"`
	Errors                int64     `json:"errors"`
}

type lifecycleState struct {
	mu      sync.Mutex
	cmu     sync.Mutex // orders configuration changes and index-scan cursor writes
	stats   LifecycleStats
	wakeC   chan struct{}
	actions *tokenBucket
	bytes   *tokenBucket
}

func (l *lifecycleState) init(o *LifecycleOptions) {
	l.wakeC = make(chan struct{}, 1)
	l.actions = newTokenBucket(o.ActionsPerSecond, 500)
	l.bytes = newTokenBucket(o.BytesPerSecond, 64<<20)
}

func (l *lifecycleState) wake() {
	select {
	case l.wakeC <- struct{}{}:
	default:
	}
}

func (l *lifecycleState) count(fn func(*LifecycleStats)) {
	l.mu.Lock()
	fn(&l.stats)
	l.mu.Unlock()
}

// LifecycleStatus returns the lifecycle engine's totals.
func (s *Store) LifecycleStatus() LifecycleStats {
	s.lc.mu.Lock()
	defer s.lc.mu.Unlock()
	return s.lc.stats
}

// tokenBucket is a rate limiter on wall-clock time (it paces real work,
// so it does not follow the injected clock).
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64 // per second; 0 = unlimited
	tokens float64
	last   time.Time
}

func newTokenBucket(rate, def float64) *tokenBucket {
	if rate == 0 {
		rate = def
	}
	if rate < 0 {
		rate = 0
	}
	return &tokenBucket{rate: rate, tokens: rate, last: time.Now()}
}

// wait takes n tokens, sleeping while the bucket is in debt.
func (b *tokenBucket) wait(ctx context.Context, n float64) error {
	if b.rate == 0 || n <= 0 {
		return nil
	}
	b.mu.Lock()
	now := time.Now()
	b.tokens = min(b.rate, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	b.tokens -= n
	debt := -b.tokens
	b.mu.Unlock()
	if debt <= 0 {
		return nil
	}
	t := time.NewTimer(time.Duration(debt / b.rate * float64(time.Second)))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run runs the engine's background work until ctx ends: lifecycle passes,
// queued restore jobs, and Intelligent-Tiering access-time flushes.
func (s *Store) Run(ctx context.Context) {
	interval := s.opts.Lifecycle.Interval
	if interval <= 0 {
		interval = s.opts.Day / 24
	}
	interval = max(interval, 100*time.Millisecond)
	due := time.NewTicker(min(interval, 250*time.Millisecond))
	defer due.Stop()
	pass := time.NewTicker(interval)
	defer pass.Stop()
	for {
		select {
		case <-ctx.Done():
			s.FlushAccess(context.WithoutCancel(ctx))
			return
		case <-due.C:
			if _, err := s.RunDue(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("restore jobs", "err", err)
			}
			continue
		case <-pass.C:
		case <-s.lc.wakeC:
		}
		if err := s.FlushAccess(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("flush access times", "err", err)
		}
		if err := s.RunLifecycle(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("lifecycle pass", "err", err)
		}
	}
}
