package objstore

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
)

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

// lcObject acts on a key's current object: expiration, then transitions,
// then Intelligent-Tiering, whichever is due at now.
func (s *Store) lcObject(ctx context.Context, b *Bucket, o *Object, now time.Time) error {
	key := o.Key
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
			return err
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
				return nil
			}
			return err
		}
		if done {
			s.lc.count(func(c *LifecycleStats) { c.Expirations++ })
		}
		return nil // when not done, the key changed since read: the next pass decides
	}
	if class, ok := s.dueTransition(b, o, now); ok {
		if err := s.act(ctx, o.Size); err != nil {
			return err
		}
		n, err := s.moveVersion(ctx, &MoveInput{Bucket: b.Name, Key: key, VersionID: o.Version(), Seq: o.seq(), Class: class})
		if errors.Is(err, errMoveSkipped) {
			return nil // the key changed since read: the next pass decides
		}
		if err != nil {
			return err
		}
		s.lc.count(func(c *LifecycleStats) { c.Transitions++; c.BytesMoved += n })
		return nil
	}
	return s.tierIntelligent(ctx, b, o, now)
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

// transitions reports whether rule r of b may transition o at all: it has
// transitions, and o is not under the bucket's default minimum
// transition size (128 KiB unless varies_by_storage_class) without the
// rule's own ObjectSizeGreaterThan.
func (b *Bucket) transitions(r *LifecycleRule, o *Object) bool {
	return len(r.Transitions) > 0 && (b.Lifecycle.TransitionMinSize == TransitionMinVaries || o.Size >= 128<<10 ||
		r.Filter != nil && r.Filter.SizeGreaterThan != nil)
}

// dueTransition returns the furthest class a due transition moves o to.
func (s *Store) dueTransition(b *Bucket, o *Object, now time.Time) (string, bool) {
	best := ""
	for i, rules := 0, b.lcRules(); i < len(rules); i++ {
		r := &rules[i]
		if !r.matches(o) || !b.transitions(r, o) {
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

// lcVersions acts on the s3/v/ records of a key (vers, newest first; cur
// is its current object or nil): noncurrent expirations and transitions
// (keeping NewerNoncurrentVersions), then an expired object delete marker.
func (s *Store) lcVersions(ctx context.Context, b *Bucket, key string, cur *Object, vers []*Object, now time.Time) error {
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
		expired, class, keep := false, "", 0
		for j := range rules {
			r := &rules[j]
			if !r.matches(v) {
				continue
			}
			if e := r.NoncurrentExpiration; e != nil && i >= e.NewerNoncurrentVersions && !s.dayBoundary(since, e.NoncurrentDays).After(now) {
				if !expired || e.NewerNoncurrentVersions < keep {
					keep = e.NewerNoncurrentVersions
				}
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
				return err
			}
			if s.testHookExpire != nil {
				s.testHookExpire(b.Name, key, v.Version())
			}
			_, done, err := s.deleteIf(ctx, &DeleteInput{Bucket: b.Name, Key: key, VersionID: v.Version()}, func(sn *snap, ks *keyState) (bool, error) {
				return s.sameNoncurrent(sn, ks, v, keep)
			})
			if err != nil {
				if lockErr(err) {
					s.lc.count(func(c *LifecycleStats) { c.SkippedLocked++ })
					continue
				}
				return err
			}
			if !done {
				continue // changed since read (e.g. a "null" id now names a new version)
			}
			left--
			s.lc.count(func(c *LifecycleStats) { c.NoncurrentExpirations++ })
		case class != "":
			if err := s.act(ctx, v.Size); err != nil {
				return err
			}
			n, err := s.moveVersion(ctx, &MoveInput{Bucket: b.Name, Key: key, VersionID: v.Version(), Seq: v.seq(), Class: class})
			if errors.Is(err, errMoveSkipped) {
				continue
			}
			if err != nil {
				return err
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
					return err
				}
				if s.testHookExpire != nil {
					s.testHookExpire(b.Name, key, vers[0].Version())
				}
				m := vers[0]
				_, done, err := s.deleteIf(ctx, &DeleteInput{Bucket: b.Name, Key: key, VersionID: m.Version()}, func(sn *snap, ks *keyState) (bool, error) {
					return s.soleMarker(sn, ks, m)
				})
				if err != nil {
					return err
				}
				if done {
					s.lc.count(func(c *LifecycleStats) { c.DeleteMarkersRemoved++ })
				}
				break
			}
		}
	}
	return nil
}

// sameNoncurrent reports whether v, as the engine read it, is still a
// noncurrent version of its key in sn (same stamp, id and noncurrent
// time, and not the current version) with at least keep noncurrent
// versions newer than it (NewerNoncurrentVersions: a newer one deleted
// meanwhile moves v into the kept set). For deleteIf conditions.
func (s *Store) sameNoncurrent(sn *snap, ks *keyState, v *Object, keep int) (bool, error) {
	if ks.cur != nil && (ks.cur.seq() == v.seq() || ks.cur.Version() == v.Version()) {
		return false, nil
	}
	if keep > 0 {
		base := versionKeyBase(v.Bucket, v.Key)
		stop := string(versionKey(v.Bucket, v.Key, v.seq()))
		newer := 0
		for ok := sn.it.SeekGE([]byte(base)); ok; ok = sn.it.Next() {
			k := string(sn.it.Key())
			if k >= stop || !strings.HasPrefix(k, base) {
				break
			}
			if len(k) == len(base)+16 {
				newer++
			}
		}
		if err := sn.it.Error(); err != nil {
			return false, errs.E("objstore.lifecycle", errs.IO, err)
		}
		if ks.cur == nil && newer > 0 {
			newer-- // the newest record is the current delete marker
		}
		if newer < keep {
			return false, nil
		}
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
func (s *Store) lcUpload(ctx context.Context, b *Bucket, u *Upload, now time.Time) error {
	key, id := u.Key, u.ID
	for i, rules := 0, b.lcRules(); i < len(rules); i++ {
		r := &rules[i]
		a := r.AbortIncomplete
		if a == nil || r.Status != "Enabled" || !strings.HasPrefix(key, r.prefix()) || s.dayBoundary(u.Initiated, a.DaysAfterInitiation).After(now) {
			continue
		}
		if err := s.act(ctx, 0); err != nil {
			return err
		}
		if err := s.AbortUpload(ctx, b.Name, key, id); err != nil && !errs.Is(errs.NotExist, err) {
			return err
		}
		s.lc.count(func(c *LifecycleStats) { c.UploadsAborted++ })
		return nil
	}
	return nil
}

// The due functions below say when the engine next has something to do
// for a key: the earliest time a rule or Intelligent-Tiering acts on it,
// zero when nothing ever will (until the key or the rules change). They
// may be early — the engine re-evaluates and reschedules — but must never
// be late.

// dueObject is when a rule or Intelligent-Tiering next acts on current
// object o.
func (s *Store) dueObject(b *Bucket, o *Object) time.Time {
	var due time.Time
	soonest := func(t time.Time) {
		if due.IsZero() || t.Before(due) {
			due = t
		}
	}
	rules := b.lcRules()
	for i := range rules {
		r := &rules[i]
		if !r.matches(o) {
			continue
		}
		if e := r.Expiration; e != nil && (e.Days != nil || e.Date != nil) {
			soonest(s.ruleDue(o.LastModified, e.Days, e.Date))
		}
		if !b.transitions(r, o) {
			continue
		}
		for _, t := range r.Transitions {
			if classRank(t.StorageClass) > classRank(o.Class()) {
				soonest(s.ruleDue(o.LastModified, t.Days, t.Date))
			}
		}
	}
	if o.Class() != "INTELLIGENT_TIERING" || o.ArchiveStatus == ArchiveDeep {
		return due
	}
	last := o.LastModified
	if o.LastAccess != nil {
		last = *o.LastAccess
	}
	after := func(days int) { soonest(last.Add(time.Duration(days) * s.opts.Day)) }
	if o.ArchiveStatus == "" {
		switch o.AccessTier {
		case AccessFrequent:
			after(30)
		case AccessInfrequent:
			after(90)
		}
	}
	for _, c := range b.ITiering {
		if !c.matches(o) {
			continue
		}
		for _, t := range c.Tierings {
			if o.ArchiveStatus == "" || t.AccessTier == ArchiveDeep {
				after(t.Days)
			}
		}
	}
	return due
}

// dueVersions is when a rule next acts on a key's s3/v/ records (vers,
// newest first; cur is the current object or nil), now when its only
// version is a delete marker that a rule removes.
func (s *Store) dueVersions(b *Bucket, cur *Object, vers []*Object, now time.Time) time.Time {
	var due time.Time
	soonest := func(t time.Time) {
		if due.IsZero() || t.Before(due) {
			due = t
		}
	}
	rules := b.lcRules()
	noncurrent := vers
	if cur == nil && len(vers) > 0 {
		noncurrent = vers[1:]
	}
	for i, v := range noncurrent {
		since := v.LastModified
		if v.NoncurrentSince != nil {
			since = *v.NoncurrentSince
		}
		for j := range rules {
			r := &rules[j]
			if !r.matches(v) {
				continue
			}
			if e := r.NoncurrentExpiration; e != nil && i >= e.NewerNoncurrentVersions {
				soonest(s.dayBoundary(since, e.NoncurrentDays))
			}
			for _, t := range r.NoncurrentTransitions {
				if i >= t.NewerNoncurrentVersions && !v.DeleteMarker && classRank(t.StorageClass) > classRank(v.Class()) {
					soonest(s.dayBoundary(since, t.NoncurrentDays))
				}
			}
		}
	}
	if cur == nil && len(vers) == 1 && vers[0].DeleteMarker {
		for j := range rules {
			r := &rules[j]
			if e := r.Expiration; e != nil && e.ExpiredObjectDeleteMarker != nil && *e.ExpiredObjectDeleteMarker && r.matches(vers[0]) {
				soonest(now)
			}
		}
	}
	return due
}

// dueUpload is when a rule aborts incomplete upload u.
func (s *Store) dueUpload(b *Bucket, u *Upload) time.Time {
	var due time.Time
	for i, rules := 0, b.lcRules(); i < len(rules); i++ {
		r := &rules[i]
		if a := r.AbortIncomplete; a != nil && r.Status == "Enabled" && strings.HasPrefix(u.Key, r.prefix()) {
			if t := s.dayBoundary(u.Initiated, a.DaysAfterInitiation); due.IsZero() || t.Before(due) {
				due = t
			}
		}
	}
	return due
}
