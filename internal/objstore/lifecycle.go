package objstore

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
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
}

// LifecycleStats are the lifecycle engine's totals since start.
type LifecycleStats struct {
	Passes                int64     `json:"passes"`
	Running               bool      `json:"running"`
	Bucket                string    `json:"bucket,omitempty"` // being processed
	LastPassStart         time.Time `json:"last_pass_start,omitzero"`
	LastPassEnd           time.Time `json:"last_pass_end,omitzero"`
	Scanned               int64     `json:"scanned"`
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

// lcCursor is where a bucket's interrupted pass resumes (s3/lc/<bucket>).
type lcCursor struct {
	Phase string `json:"phase"` // "o" current objects, "v" versions, "u" uploads
	After string `json:"after"` // last key done in that phase
}

const lcCursorPrefix = "s3/lc/"

func lcCursorKey(bucket string) []byte { return []byte(lcCursorPrefix + bucket) }

// RunLifecycle runs one pass of lifecycle (and Intelligent-Tiering) over
// every bucket that has rules, acting on what is due now. A pass
// interrupted by a crash resumes at the bucket's saved cursor.
func (s *Store) RunLifecycle(ctx context.Context) error {
	s.lc.count(func(c *LifecycleStats) { c.Running, c.LastPassStart = true, s.now() })
	defer s.lc.count(func(c *LifecycleStats) { c.Running, c.Bucket, c.LastPassEnd = false, "", s.now(); c.Passes++ })
	s.bmu.RLock()
	var names []string
	for n, b := range s.buckets {
		if b.Lifecycle != nil || len(b.ITiering) > 0 {
			names = append(names, n)
		}
	}
	s.bmu.RUnlock()
	for _, n := range names {
		if err := s.lifecycleBucket(ctx, n); err != nil {
			if errs.Is(errs.NotExist, err) {
				continue
			}
			return err
		}
	}
	return nil
}

func (s *Store) lifecycleBucket(ctx context.Context, bucket string) error {
	b, err := s.bucket(bucket)
	if err != nil {
		return err
	}
	s.lc.count(func(c *LifecycleStats) { c.Bucket = bucket })
	cur := lcCursor{Phase: "o"}
	if v, err := s.meta.Get(ctx, lcCursorKey(bucket)); err == nil {
		json.Unmarshal(v, &cur)
	} else if !meta.IsNotFound(err) {
		return errs.E("objstore.lifecycle", errs.IO, err)
	}
	phases := []struct {
		name   string
		prefix string
		fn     func(ctx context.Context, b *Bucket, k []byte, v []byte) (string, error)
	}{
		{"o", objectKeyPrefix(bucket), s.lcCurrent},
		{"v", versionKeyPrefix(bucket), s.lcVersions},
		{"u", uploadKeyPrefix(bucket), s.lcUpload},
	}
	started := false
	for _, ph := range phases {
		if !started && ph.name != cur.Phase {
			continue
		}
		from := ph.prefix
		if started || cur.After == "" {
			cur.After = ""
		} else {
			from = cur.After + "\x00" // resume after the last key done
		}
		started = true
		cur.Phase = ph.name
		if err := s.lcScan(ctx, b, &cur, from, ph.prefix, ph.fn); err != nil {
			return err
		}
	}
	var mb meta.Batch
	mb.Delete(lcCursorKey(bucket))
	if err := s.meta.Apply(ctx, &mb); err != nil {
		return errs.E("objstore.lifecycle", errs.IO, err)
	}
	return nil
}

// lcScan walks the records of one phase in pages (no iterator is held
// while acting), saving the cursor after every page.
func (s *Store) lcScan(ctx context.Context, b *Bucket, cur *lcCursor, from, prefix string,
	fn func(ctx context.Context, b *Bucket, k, v []byte) (string, error)) error {
	const page = 256
	end := []byte(successor(prefix))
	for {
		type rec struct{ k, v []byte }
		var recs []rec
		it, err := s.meta.NewIter(ctx, []byte(from), end)
		if err != nil {
			return errs.E("objstore.lifecycle", errs.IO, err)
		}
		for ok := it.First(); ok && len(recs) < page; ok = it.Next() {
			recs = append(recs, rec{append([]byte(nil), it.Key()...), append([]byte(nil), it.Value()...)})
		}
		if err := it.Close(); err != nil {
			return errs.E("objstore.lifecycle", errs.IO, err)
		}
		if len(recs) == 0 {
			return nil
		}
		last := ""
		for _, r := range recs {
			if string(r.k) < last { // already covered by a key group
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			s.lc.count(func(c *LifecycleStats) { c.Scanned++ })
			done, err := fn(ctx, b, r.k, r.v)
			if err != nil {
				s.lc.count(func(c *LifecycleStats) { c.Errors++ })
				s.log.Warn("lifecycle action failed", "bucket", b.Name, "record", string(r.k), "err", err)
			}
			if done == "" {
				done = string(r.k)
			}
			last = done
		}
		cur.After = last
		v, _ := json.Marshal(cur)
		var mb meta.Batch
		mb.Set(lcCursorKey(b.Name), v)
		if err := s.meta.Apply(ctx, &mb); err != nil {
			return errs.E("objstore.lifecycle", errs.IO, err)
		}
		from = last + "\x00"
		if len(recs) < page {
			return nil
		}
	}
}

func (s *Store) act(ctx context.Context, bytes int64) error {
	if err := s.lc.actions.wait(ctx, 1); err != nil {
		return err
	}
	return s.lc.bytes.wait(ctx, float64(bytes))
}

func (b *Bucket) lcRules() []LifecycleRule {
	if b.Lifecycle == nil {
		return nil
	}
	return b.Lifecycle.Rules
}

// lcCurrent evaluates a current object: expiration, then transitions,
// then Intelligent-Tiering.
func (s *Store) lcCurrent(ctx context.Context, b *Bucket, k, v []byte) (string, error) {
	key := string(k[len(objectKeyPrefix(b.Name)):])
	o, err := decodeObject(b.Name, key, v, false)
	if err != nil {
		return "", err
	}
	now := s.now()
	rules := b.lcRules()
	for i := range rules {
		r := &rules[i]
		e := r.Expiration
		if e == nil || !r.matches(o) || e.Days == nil && e.Date == nil {
			continue
		}
		if due := s.ruleDue(o.LastModified, e.Days, e.Date); due.After(now) {
			continue
		}
		if err := s.act(ctx, 0); err != nil {
			return "", err
		}
		if s.testHookExpire != nil {
			s.testHookExpire(b.Name, key, o.Version())
		}
		// Expire only the record evaluated: compared and deleted under the
		// key's lock, so a write landing meanwhile is never expired.
		_, done, err := s.deleteIf(ctx, &DeleteInput{Bucket: b.Name, Key: key, Owner: b.Owner}, func(_ *snap, ks *keyState) (bool, error) {
			return ks.cur != nil && ks.cur.seq() == o.seq() && r.matches(ks.cur), nil
		})
		if err != nil {
			if lockErr(err) {
				s.lc.count(func(c *LifecycleStats) { c.SkippedLocked++ })
				return "", nil
			}
			return "", err
		}
		if done {
			s.lc.count(func(c *LifecycleStats) { c.Expirations++ })
		}
		return "", nil // when not done, the key changed since read: the next pass decides
	}
	if class, ok := s.dueTransition(b, o, now); ok {
		if err := s.act(ctx, o.Size); err != nil {
			return "", err
		}
		n, err := s.moveVersion(ctx, &MoveInput{Bucket: b.Name, Key: key, VersionID: o.Version(), Seq: o.seq(), Class: class})
		if errors.Is(err, errMoveSkipped) {
			return "", nil // the key changed since read: the next pass decides
		}
		if err != nil {
			return "", err
		}
		s.lc.count(func(c *LifecycleStats) { c.Transitions++; c.BytesMoved += n })
		return "", nil
	}
	return "", s.tierIntelligent(ctx, b, o, now)
}

func lockErr(err error) bool {
	return errs.CodeOf(err) == "AccessDenied" || errs.Is(errs.Permission, err)
}

// ruleDue is the day boundary after days, or the date.
func (s *Store) ruleDue(from time.Time, days *int, date *time.Time) time.Time {
	if days != nil {
		return s.dayBoundary(from, *days)
	}
	return *date
}

// dueTransition returns the furthest class a due transition moves o to.
func (s *Store) dueTransition(b *Bucket, o *Object, now time.Time) (string, bool) {
	best := ""
	for i, rules := 0, b.lcRules(); i < len(rules); i++ {
		r := &rules[i]
		if !r.matches(o) || len(r.Transitions) == 0 {
			continue
		}
		if b.Lifecycle.TransitionMinSize != TransitionMinVaries && o.Size < 128<<10 &&
			(r.Filter == nil || r.Filter.SizeGreaterThan == nil) {
			continue
		}
		for _, t := range r.Transitions {
			if s.ruleDue(o.LastModified, t.Days, t.Date).After(now) {
				continue
			}
			if classRank(t.StorageClass) > classRank(o.Class()) && classRank(t.StorageClass) > classRank(best) {
				best = t.StorageClass
			}
		}
	}
	return best, best != ""
}

// lcVersions evaluates every version of the key of an s3/v/ record:
// noncurrent expirations and transitions (keeping NewerNoncurrentVersions),
// then an expired object delete marker. It returns the last s3/v/ key of
// the key's versions, so the scan skips the rest of the group.
func (s *Store) lcVersions(ctx context.Context, b *Bucket, k, _ []byte) (string, error) {
	key, _, ok := splitVersionKey(string(k[len(versionKeyPrefix(b.Name)):]))
	groupEnd := afterKeyVersions(b.Name, key)
	if !ok {
		return "", nil
	}
	cur, vers, err := s.keyVersions(ctx, b.Name, key)
	if err != nil {
		return groupEnd, err
	}
	now := s.now()
	rules := b.lcRules()
	noncurrent := vers
	if cur == nil && len(vers) > 0 {
		noncurrent = vers[1:] // vers[0] is the current delete marker
	}
	left := len(noncurrent)
	for i, v := range noncurrent {
		since := v.LastModified
		if v.NoncurrentSince != nil {
			since = *v.NoncurrentSince
		}
		expired, class := false, ""
		for j := range rules {
			r := &rules[j]
			if !r.matches(v) {
				continue
			}
			if e := r.NoncurrentExpiration; e != nil && i >= e.NewerNoncurrentVersions && !s.dayBoundary(since, e.NoncurrentDays).After(now) {
				expired = true
			}
			for _, t := range r.NoncurrentTransitions {
				if i >= t.NewerNoncurrentVersions && !s.dayBoundary(since, t.NoncurrentDays).After(now) &&
					classRank(t.StorageClass) > classRank(v.Class()) && classRank(t.StorageClass) > classRank(class) && !v.DeleteMarker {
					class = t.StorageClass
				}
			}
		}
		switch {
		case expired:
			if err := s.act(ctx, 0); err != nil {
				return groupEnd, err
			}
			if s.testHookExpire != nil {
				s.testHookExpire(b.Name, key, v.Version())
			}
			_, done, err := s.deleteIf(ctx, &DeleteInput{Bucket: b.Name, Key: key, VersionID: v.Version()}, func(sn *snap, ks *keyState) (bool, error) {
				return s.sameNoncurrent(sn, ks, v)
			})
			if err != nil {
				if lockErr(err) {
					s.lc.count(func(c *LifecycleStats) { c.SkippedLocked++ })
					continue
				}
				return groupEnd, err
			}
			if !done {
				continue // changed since read (e.g. a "null" id now names a new version)
			}
			left--
			s.lc.count(func(c *LifecycleStats) { c.NoncurrentExpirations++ })
		case class != "":
			if err := s.act(ctx, v.Size); err != nil {
				return groupEnd, err
			}
			n, err := s.moveVersion(ctx, &MoveInput{Bucket: b.Name, Key: key, VersionID: v.Version(), Seq: v.seq(), Class: class})
			if errors.Is(err, errMoveSkipped) {
				continue
			}
			if err != nil {
				return groupEnd, err
			}
			s.lc.count(func(c *LifecycleStats) { c.NoncurrentTransitions++; c.BytesMoved += n })
		}
	}
	// An expired object delete marker: the only version left is a marker.
	if cur == nil && len(vers) > 0 && vers[0].DeleteMarker && left == 0 {
		for j := range rules {
			r := &rules[j]
			if e := r.Expiration; e != nil && e.ExpiredObjectDeleteMarker != nil && *e.ExpiredObjectDeleteMarker && r.matches(vers[0]) {
				if err := s.act(ctx, 0); err != nil {
					return groupEnd, err
				}
				if s.testHookExpire != nil {
					s.testHookExpire(b.Name, key, vers[0].Version())
				}
				m := vers[0]
				_, done, err := s.deleteIf(ctx, &DeleteInput{Bucket: b.Name, Key: key, VersionID: m.Version()}, func(sn *snap, ks *keyState) (bool, error) {
					return s.soleMarker(sn, ks, m)
				})
				if err != nil {
					return groupEnd, err
				}
				if done {
					s.lc.count(func(c *LifecycleStats) { c.DeleteMarkersRemoved++ })
				}
				break
			}
		}
	}
	return groupEnd, nil
}

// sameNoncurrent reports whether v, as the engine read it, is still a
// noncurrent version of its key in sn (same stamp, id and noncurrent
// time, and not the current version). For deleteIf conditions.
func (s *Store) sameNoncurrent(sn *snap, ks *keyState, v *Object) (bool, error) {
	if ks.cur != nil && (ks.cur.seq() == v.seq() || ks.cur.Version() == v.Version()) {
		return false, nil
	}
	o, err := sn.object(versionKey(v.Bucket, v.Key, v.seq()), v.Bucket, v.Key)
	if err != nil || o == nil {
		return false, err
	}
	sameSince := o.NoncurrentSince == nil && v.NoncurrentSince == nil ||
		o.NoncurrentSince != nil && v.NoncurrentSince != nil && o.NoncurrentSince.Equal(*v.NoncurrentSince)
	return o.VersionID == v.VersionID && o.DeleteMarker == v.DeleteMarker && sameSince, nil
}

// soleMarker reports whether delete marker m, as the engine read it, is
// still the only version of its key in sn. For deleteIf conditions.
func (s *Store) soleMarker(sn *snap, ks *keyState, m *Object) (bool, error) {
	if ks.cur != nil || ks.top == nil || !ks.top.DeleteMarker || ks.top.seq() != m.seq() || ks.top.VersionID != m.VersionID {
		return false, nil
	}
	next, err := sn.firstVersion(m.Bucket, m.Key, append(versionKey(m.Bucket, m.Key, m.seq()), 0))
	if err != nil {
		return false, errs.E("objstore.lifecycle", errs.IO, err)
	}
	return next == nil, nil
}

// keyVersions returns a key's current object (nil when its newest
// version is a delete marker or it has none) and its s3/v/ records,
// newest first.
func (s *Store) keyVersions(ctx context.Context, bucket, key string) (*Object, []*Object, error) {
	sn, err := s.snapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer sn.close()
	cur, err := sn.object(objectKey(bucket, key), bucket, key)
	if err != nil {
		return nil, nil, err
	}
	base := versionKeyBase(bucket, key)
	var vers []*Object
	for ok := sn.it.SeekGE([]byte(base)); ok; ok = sn.it.Next() {
		k := string(sn.it.Key())
		if !strings.HasPrefix(k, base) {
			break
		}
		if len(k) != len(base)+16 {
			continue
		}
		o, err := decodeObject(bucket, key, sn.it.Value(), false)
		if err != nil {
			return nil, nil, err
		}
		vers = append(vers, o)
	}
	return cur, vers, sn.it.Error()
}

// lcUpload aborts an incomplete multipart upload that a rule says is due.
func (s *Store) lcUpload(ctx context.Context, b *Bucket, k, v []byte) (string, error) {
	key, id := splitUploadKey(string(k[len(uploadKeyPrefix(b.Name)):]))
	var u Upload
	if err := json.Unmarshal(v, &u); err != nil {
		return "", errs.E("objstore.lifecycle", errs.Corrupt, err)
	}
	now := s.now()
	for i, rules := 0, b.lcRules(); i < len(rules); i++ {
		r := &rules[i]
		a := r.AbortIncomplete
		if a == nil || r.Status != "Enabled" || !strings.HasPrefix(key, r.prefix()) || s.dayBoundary(u.Initiated, a.DaysAfterInitiation).After(now) {
			continue
		}
		if err := s.act(ctx, 0); err != nil {
			return "", err
		}
		if err := s.AbortUpload(ctx, b.Name, key, id); err != nil && !errs.Is(errs.NotExist, err) {
			return "", err
		}
		s.lc.count(func(c *LifecycleStats) { c.UploadsAborted++ })
		return "", nil
	}
	return "", nil
}
