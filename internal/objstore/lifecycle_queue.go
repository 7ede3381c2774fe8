package objstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// The lifecycle engine reads only what is due. Its work list, the due
// queue, holds entries s3/lq/<due><bucket>\x00<kind><rest>: due is 8
// bytes of big-endian Unix nanoseconds, so one ordered range read finds
// what is due now in every bucket. Kind 'k' names a key (rest = the key):
// its current object and versions are evaluated; 'u' an incomplete upload
// (rest = key\x00uploadID).
//
// Entries are hints, never the truth: processing one re-reads the key,
// acts on what is due, deletes the entry and adds one at the key's next
// due time (dueObject, dueVersions, dueUpload). Every write of a key's
// records in a bucket with a lifecycle or Intelligent-Tiering
// configuration (or of an INTELLIGENT_TIERING object anywhere) adds an
// entry at the write's time in the write's own batch; a configuration
// change schedules an index scan of the bucket (cursor s3/lc/<bucket>, in
// the configuration's batch) that adds an entry for each record a rule
// will act on. A crash anywhere leaves entries that are re-evaluated,
// never lost work.
const (
	lqPrefix       = "s3/lq/"
	lcCursorPrefix = "s3/lc/" // an index scan to do or in progress
	lcDonePrefix   = "s3/lx/" // the bucket's records have been indexed
)

const (
	lqKind     = 'k'
	lqKindUp   = 'u'
	lcPageSize = 256
)

func lcCursorKey(bucket string) []byte { return []byte(lcCursorPrefix + bucket) }
func lcDoneKey(bucket string) []byte   { return []byte(lcDonePrefix + bucket) }

func lqKey(due time.Time, bucket string, kind byte, rest string) []byte {
	b := make([]byte, 0, len(lqPrefix)+8+len(bucket)+2+len(rest))
	b = append(b, lqPrefix...)
	b = binary.BigEndian.AppendUint64(b, uint64(max(due.UnixNano(), 0)))
	b = append(b, bucket...)
	b = append(b, 0, kind)
	return append(b, rest...)
}

// lqUntil is the upper bound of the entries due at or before t.
func lqUntil(t time.Time) []byte {
	return binary.BigEndian.AppendUint64([]byte(lqPrefix), uint64(max(t.UnixNano()+1, 0)))
}

func parseLQKey(k []byte) (bucket string, kind byte, rest string, ok bool) {
	if len(k) < len(lqPrefix)+8 || string(k[:len(lqPrefix)]) != lqPrefix {
		return "", 0, "", false
	}
	s := string(k[len(lqPrefix)+8:])
	i := strings.IndexByte(s, 0)
	if i <= 0 || i+1 >= len(s) {
		return "", 0, "", false
	}
	return s[:i], s[i+1], s[i+2:], true
}

// lcCursor is where a bucket's index scan resumes.
type lcCursor struct {
	Phase string `json:"phase"` // "o" current objects, "v" versions, "u" uploads
	After string `json:"after"` // last record done in that phase
	// Gen identifies the configuration change that asked for the scan: a
	// newer change restarts it.
	Gen int64 `json:"gen,omitempty"`
}

// lcWatched reports whether writes of b's keys are queued for the engine.
func (b *Bucket) lcWatched() bool { return b.Lifecycle != nil || len(b.ITiering) > 0 }

// lcMarks queues, in vb's batch, an entry due now for each key whose
// records vb changes, when b is watched (or vb writes an
// INTELLIGENT_TIERING object).
func (s *Store) lcMarks(b *Bucket, vb *versionBatch) {
	if !b.lcWatched() && !vb.lcMark {
		return
	}
	now := s.now()
	op, vp := objectKeyPrefix(b.Name), versionKeyPrefix(b.Name)
	last, any := "", false
	for i, n := 0, len(vb.b.Ops); i < n; i++ {
		k := string(vb.b.Ops[i].Key)
		var key string
		switch {
		case strings.HasPrefix(k, op):
			key = k[len(op):]
		case strings.HasPrefix(k, vp):
			kk, _, ok := splitVersionKey(k[len(vp):])
			if !ok {
				continue
			}
			key = kk
		default:
			continue
		}
		if any && key == last {
			continue
		}
		last, any = key, true
		vb.b.Set(lqKey(now, b.Name, lqKind, key), nil)
	}
}

// lcScheduleScan adds to mb a new index scan of bucket (a configuration
// change).
func lcScheduleScan(mb *meta.Batch, bucket string) {
	v, _ := json.Marshal(lcCursor{Phase: "o", Gen: time.Now().UnixNano()})
	mb.Set(lcCursorKey(bucket), v)
}

// lcUpgrade schedules an index scan of every watched bucket never
// indexed (data written before the due queue existed).
func (s *Store) lcUpgrade(ctx context.Context) error {
	var mb meta.Batch
	for name, b := range s.buckets {
		if !b.lcWatched() {
			continue
		}
		_, err := s.meta.Get(ctx, lcDoneKey(name))
		if err == nil {
			continue
		}
		if !meta.IsNotFound(err) {
			return err
		}
		if _, err := s.meta.Get(ctx, lcCursorKey(name)); meta.IsNotFound(err) {
			lcScheduleScan(&mb, name)
		}
	}
	if mb.Len() == 0 {
		return nil
	}
	return s.meta.Apply(ctx, &mb)
}

// RunLifecycle runs one pass: the index scans that configuration changes
// asked for, then every due-queue entry due now. A pass interrupted by a
// crash resumes where its saved cursors and entries say.
func (s *Store) RunLifecycle(ctx context.Context) error {
	now := s.now()
	s.lc.count(func(c *LifecycleStats) { c.Running, c.LastPassStart = true, now })
	defer s.lc.count(func(c *LifecycleStats) { c.Running, c.Bucket, c.LastPassEnd = false, "", s.now(); c.Passes++ })
	scans, err := s.lcPendingScans(ctx)
	if err != nil {
		return err
	}
	for bucket, cur := range scans {
		if err := s.lcIndex(ctx, bucket, cur, now); err != nil {
			return err
		}
	}
	if err := s.pruneEarlyLedger(ctx); err != nil {
		return errs.E("objstore.lifecycle", errs.IO, err)
	}
	return s.lcQueue(ctx, now)
}

func (s *Store) lcPendingScans(ctx context.Context) (map[string]lcCursor, error) {
	it, err := s.meta.NewIter(ctx, []byte(lcCursorPrefix), []byte(successor(lcCursorPrefix)))
	if err != nil {
		return nil, errs.E("objstore.lifecycle", errs.IO, err)
	}
	defer it.Close()
	out := map[string]lcCursor{}
	for ok := it.First(); ok; ok = it.Next() {
		var c lcCursor
		if err := json.Unmarshal(it.Value(), &c); err != nil {
			c = lcCursor{Phase: "o"}
		}
		out[string(it.Key()[len(lcCursorPrefix):])] = c
	}
	return out, it.Error()
}

// lcSaveCursor applies mb with the scan's cursor saved as cur — or, if
// the scan was superseded by a newer configuration change, nothing.
func (s *Store) lcSaveCursor(ctx context.Context, bucket string, cur *lcCursor, mb *meta.Batch, done bool) (bool, error) {
	s.lc.cmu.Lock()
	defer s.lc.cmu.Unlock()
	v, err := s.meta.Get(ctx, lcCursorKey(bucket))
	if err != nil && !meta.IsNotFound(err) {
		return false, errs.E("objstore.lifecycle", errs.IO, err)
	}
	var now lcCursor
	if err == nil {
		json.Unmarshal(v, &now)
	}
	if err != nil || now.Gen != cur.Gen {
		return false, nil // superseded (or the bucket was deleted)
	}
	if done {
		mb.Delete(lcCursorKey(bucket))
		mb.Set(lcDoneKey(bucket), []byte{'1'})
	} else {
		v, _ := json.Marshal(cur)
		mb.Set(lcCursorKey(bucket), v)
	}
	if err := s.meta.Apply(ctx, mb); err != nil {
		return false, errs.E("objstore.lifecycle", errs.IO, err)
	}
	return true, nil
}

// lcIndex runs (or resumes) a bucket's index scan: every current object,
// version group and upload that a rule will act on gets a due-queue
// entry. It reads records in pages and holds no iterator while writing.
func (s *Store) lcIndex(ctx context.Context, bucket string, cur lcCursor, now time.Time) error {
	b, err := s.bucket(bucket)
	if errs.Is(errs.NotExist, err) {
		var mb meta.Batch
		mb.Delete(lcCursorKey(bucket))
		mb.Delete(lcDoneKey(bucket))
		return s.meta.Apply(ctx, &mb)
	}
	if err != nil {
		return err
	}
	s.lc.count(func(c *LifecycleStats) { c.Bucket = bucket })
	type phase struct {
		name, prefix string
		fn           func(k, v []byte, mb *meta.Batch) (string, error)
	}
	phases := []phase{
		{"o", objectKeyPrefix(bucket), func(k, v []byte, mb *meta.Batch) (string, error) {
			key := string(k[len(objectKeyPrefix(bucket)):])
			o, err := decodeObject(bucket, key, v, false)
			if err != nil {
				return "", err
			}
			if due := s.dueObject(b, o); !due.IsZero() {
				mb.Set(lqKey(due, bucket, lqKind, key), nil)
			}
			return "", nil
		}},
		{"v", versionKeyPrefix(bucket), func(k, _ []byte, mb *meta.Batch) (string, error) {
			key, _, ok := splitVersionKey(string(k[len(versionKeyPrefix(bucket)):]))
			if !ok {
				return "", nil
			}
			groupEnd := afterKeyVersions(bucket, key)
			cur, vers, err := s.keyVersions(ctx, bucket, key)
			if err != nil {
				return groupEnd, err
			}
			if due := s.dueVersions(b, cur, vers, now); !due.IsZero() {
				mb.Set(lqKey(due, bucket, lqKind, key), nil)
			}
			return groupEnd, nil
		}},
		{"u", uploadKeyPrefix(bucket), func(k, v []byte, mb *meta.Batch) (string, error) {
			var u Upload
			if err := json.Unmarshal(v, &u); err != nil {
				return "", errs.E("objstore.lifecycle", errs.Corrupt, err)
			}
			rest := string(k[len(uploadKeyPrefix(bucket)):])
			u.Bucket = bucket
			u.Key, u.ID = splitUploadKey(rest)
			if due := s.dueUpload(b, &u); !due.IsZero() {
				mb.Set(lqKey(due, bucket, lqKindUp, rest), nil)
			}
			return "", nil
		}},
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
			from = cur.After + "\x00" // resume after the last record done
		}
		started = true
		cur.Phase = ph.name
		end := []byte(successor(ph.prefix))
		for {
			type rec struct{ k, v []byte }
			var recs []rec
			it, err := s.meta.NewIter(ctx, []byte(from), end)
			if err != nil {
				return errs.E("objstore.lifecycle", errs.IO, err)
			}
			for ok := it.First(); ok && len(recs) < lcPageSize; ok = it.Next() {
				recs = append(recs, rec{append([]byte(nil), it.Key()...), append([]byte(nil), it.Value()...)})
			}
			if err := it.Close(); err != nil {
				return errs.E("objstore.lifecycle", errs.IO, err)
			}
			if len(recs) == 0 {
				break
			}
			var mb meta.Batch
			last := ""
			for _, r := range recs {
				if string(r.k) < last { // already covered by a key group
					continue
				}
				if err := ctx.Err(); err != nil {
					return err
				}
				s.lc.count(func(c *LifecycleStats) { c.Scanned++; c.Indexed++ })
				done, err := ph.fn(r.k, r.v, &mb)
				if err != nil {
					s.lc.count(func(c *LifecycleStats) { c.Errors++ })
					s.log.Warn("lifecycle index", "bucket", bucket, "record", string(r.k), "err", err)
				}
				if done == "" {
					done = string(r.k)
				}
				last = done
			}
			cur.After = last
			if ok, err := s.lcSaveCursor(ctx, bucket, &cur, &mb, false); err != nil || !ok {
				return err // superseded: the next pass scans anew
			}
			from = last + "\x00"
			if len(recs) < lcPageSize {
				break
			}
		}
	}
	_, err = s.lcSaveCursor(ctx, bucket, &cur, &meta.Batch{}, true)
	return err
}

// lcRetry is how long the engine waits before re-evaluating a key whose
// due action did not happen (Object Lock, a failed move).
func (s *Store) lcRetry() time.Duration {
	return max(s.opts.Lifecycle.Interval, s.opts.Day/24)
}

// lcQueue processes every due-queue entry due at or before now, a page at
// a time; each page's entries are replaced by their keys' next ones in
// one batch.
func (s *Store) lcQueue(ctx context.Context, now time.Time) error {
	end := lqUntil(now)
	retry := s.lcRetry()
	// A key queued twice (a write's entry and a scan's, say) is evaluated
	// once a pass; the set is bounded, and beyond it a duplicate is merely
	// evaluated again.
	const maxSeen = 1 << 16
	seen := map[string]bool{}
	for {
		var keys [][]byte
		it, err := s.meta.NewIter(ctx, []byte(lqPrefix), end)
		if err != nil {
			return errs.E("objstore.lifecycle", errs.IO, err)
		}
		for ok := it.First(); ok && len(keys) < lcPageSize; ok = it.Next() {
			keys = append(keys, append([]byte(nil), it.Key()...))
		}
		if err := it.Close(); err != nil {
			return errs.E("objstore.lifecycle", errs.IO, err)
		}
		if len(keys) == 0 {
			return nil
		}
		type task struct {
			k                  []byte
			bucket, rest, id   string
			kind               byte
			next               time.Time
			err                error
			dup, bad, finished bool
		}
		tasks := make([]task, len(keys))
		for i, k := range keys {
			t := &tasks[i]
			t.k = k
			var ok bool
			if t.bucket, t.kind, t.rest, ok = parseLQKey(k); !ok {
				t.bad = true
				continue
			}
			t.id = string(k[len(lqPrefix)+8:])
			if t.dup = seen[t.id]; !t.dup && len(seen) < maxSeen {
				seen[t.id] = true
			}
		}
		// Keys are independent (each action takes its key's lock), so a
		// few workers overlap the actions' fsyncs.
		var wg sync.WaitGroup
		work := make(chan *task)
		for range s.lcWorkers() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for t := range work {
					s.lc.count(func(c *LifecycleStats) { c.Scanned++; c.Evaluated++; c.Bucket = t.bucket })
					t.next, t.err = s.lcEntry(ctx, t.bucket, t.kind, t.rest, now)
					t.finished = t.err == nil || ctx.Err() == nil
				}
			}()
		}
		for i := range tasks {
			if t := &tasks[i]; !t.bad && !t.dup {
				if ctx.Err() != nil {
					break
				}
				work <- t
			}
		}
		close(work)
		wg.Wait()
		var mb meta.Batch
		for i := range tasks {
			t := &tasks[i]
			if t.bad || t.dup && ctx.Err() == nil { // a duplicate goes once its original was done
				mb.Delete(t.k)
				continue
			}
			if t.dup {
				continue
			}
			if !t.finished {
				continue // interrupted: the entry stays for the next pass
			}
			mb.Delete(t.k)
			next := t.next
			if t.err != nil {
				s.lc.count(func(c *LifecycleStats) { c.Errors++ })
				s.log.Warn("lifecycle action failed", "bucket", t.bucket, "key", t.rest, "err", t.err)
				next = now
			}
			if !next.IsZero() {
				if !next.After(now) { // due but not done: locked, skipped, failed
					next = now.Add(retry)
				}
				mb.Set(lqKey(next, t.bucket, t.kind, t.rest), nil)
			}
		}
		if mb.Len() > 0 {
			if err := s.meta.Apply(context.WithoutCancel(ctx), &mb); err != nil {
				return errs.E("objstore.lifecycle", errs.IO, err)
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// lcWorkers is how many due-queue entries a pass works on at once.
func (s *Store) lcWorkers() int {
	if n := s.opts.Lifecycle.Workers; n > 0 {
		return n
	}
	return 4
}

// lcEntry acts on what is due for one entry and returns its next due time
// (zero: nothing left to do).
func (s *Store) lcEntry(ctx context.Context, bucket string, kind byte, rest string, now time.Time) (time.Time, error) {
	b, err := s.bucket(bucket)
	if errs.Is(errs.NotExist, err) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	if kind == lqKindUp {
		key, id := splitUploadKey(rest)
		load := func() (*Upload, error) {
			v, err := s.meta.Get(ctx, uploadKey(bucket, key, id))
			if meta.IsNotFound(err) {
				return nil, nil
			}
			if err != nil {
				return nil, errs.E("objstore.lifecycle", errs.IO, err)
			}
			var u Upload
			if err := json.Unmarshal(v, &u); err != nil {
				return nil, errs.E("objstore.lifecycle", errs.Corrupt, err)
			}
			u.Bucket, u.Key, u.ID = bucket, key, id
			return &u, nil
		}
		u, err := load()
		if err != nil || u == nil {
			return time.Time{}, err
		}
		if err := s.lcUpload(ctx, b, u, now); err != nil {
			return time.Time{}, err
		}
		if u, err = load(); err != nil || u == nil {
			return time.Time{}, err
		}
		return s.dueUpload(b, u), nil
	}
	cur, vers, err := s.keyVersions(ctx, bucket, rest)
	if err != nil {
		return time.Time{}, err
	}
	if cur != nil {
		if err := s.lcObject(ctx, b, cur, now); err != nil {
			return time.Time{}, err
		}
	}
	if len(vers) > 0 {
		if err := s.lcVersions(ctx, b, rest, cur, vers, now); err != nil {
			return time.Time{}, err
		}
	}
	if b, err = s.bucket(bucket); err != nil { // rules as they are now
		return time.Time{}, nil
	}
	if cur, vers, err = s.keyVersions(ctx, bucket, rest); err != nil {
		return time.Time{}, err
	}
	due := s.dueVersions(b, cur, vers, now)
	if cur != nil {
		if d := s.dueObject(b, cur); !d.IsZero() && (due.IsZero() || d.Before(due)) {
			due = d
		}
	}
	return due, nil
}
