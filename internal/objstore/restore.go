package objstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// Restore retrieval tiers.
const (
	RestoreExpedited = "Expedited"
	RestoreStandard  = "Standard"
	RestoreBulk      = "Bulk"
)

// DefaultRestoreDelays are the restore times per retrieval tier at a
// 24-hour Day (AWS takes minutes to hours; these keep demos short).
func DefaultRestoreDelays() map[string]time.Duration {
	return map[string]time.Duration{RestoreExpedited: time.Second, RestoreStandard: 5 * time.Second, RestoreBulk: 10 * time.Second}
}

// RestoreInput describes a RestoreObject.
type RestoreInput struct {
	Bucket, Key, VersionID string
	Days                   int
	Tier                   string // "" = Standard
}

// Timed work lives in a queue in the metadata store, ordered by due time:
//
//	s3/q/<16 hex due ns>\x00<kind>\x00<bucket>\x00<esc key>\x00<version id>
//
// Kinds: 'r' a restore completes, 'x' a restored copy expires. Entries are
// written in the batch that makes them due and removed in the batch that
// acts on them, so they survive restarts and are acted on exactly once.
const queuePrefix = "s3/q/"

const (
	jobRestore = 'r'
	jobExpire  = 'x'
)

func queueKey(due time.Time, kind byte, bucket, key, vid string) []byte {
	return []byte(fmt.Sprintf("%s%016x\x00%c\x00%s\x00%s\x00%s", queuePrefix, uint64(due.UnixNano()), kind, bucket, escKey(key), vid))
}

type job struct {
	mkey             []byte
	kind             byte
	bucket, key, vid string
}

func parseQueueKey(k []byte) (job, bool) {
	s := string(k[len(queuePrefix):])
	if len(s) < 20 || s[16] != 0 || s[18] != 0 {
		return job{}, false
	}
	j := job{mkey: k, kind: s[17]}
	rest := s[19:]
	i := strings.IndexByte(rest, 0)
	l := strings.LastIndexByte(rest, 0)
	if i < 0 || l <= i {
		return job{}, false
	}
	j.bucket, j.key, j.vid = rest[:i], unescKey(rest[i+1:l]), rest[l+1:]
	return j, true
}

// scale returns d scaled from a 24-hour day to the engine's Day.
func (s *Store) scale(d time.Duration) time.Duration {
	return time.Duration(float64(d) * float64(s.opts.Day) / float64(24*time.Hour))
}

// dayBoundary returns the first day boundary at or after t+days Days: at a
// 24-hour Day that is midnight UTC, as AWS rounds lifecycle and restore
// dates. Shorter Days count boundaries from the Unix epoch likewise.
func (s *Store) dayBoundary(t time.Time, days int) time.Time {
	d := s.opts.Day
	n := t.UnixNano() + int64(days)*int64(d)
	if r := n % int64(d); r != 0 {
		n += int64(d) - r
	}
	return time.Unix(0, n).UTC()
}

func (s *Store) restoreDelay(tier string) time.Duration {
	d, ok := s.opts.RestoreDelays[tier]
	if !ok {
		d = DefaultRestoreDelays()[tier]
	}
	return s.scale(d)
}

// RestoreObject starts a restore of an archived object's version, or
// extends a completed one. It reports whether a new restore started (S3
// answers 202) or an existing restored copy was extended (200).
func (s *Store) RestoreObject(ctx context.Context, in *RestoreInput) (started bool, err error) {
	const op = "objstore.RestoreObject"
	if in.Tier == "" {
		in.Tier = RestoreStandard
	}
	switch in.Tier {
	case RestoreExpedited, RestoreStandard, RestoreBulk:
	default:
		return false, errs.E(op, errs.Invalid, errs.Code("MalformedXML"), "The XML you provided was not well-formed or did not validate against our published schema")
	}
	if in.Days < 1 {
		return false, errs.E(op, errs.Invalid, errs.Code("InvalidArgument"), "Days must be a positive integer")
	}
	_, err = s.rewriteVersionWith(ctx, op, in.Bucket, in.Key, in.VersionID, func(o *Object, vb *versionBatch) error {
		if !o.archived() {
			return errs.E(op, errs.Permission, errs.Code("InvalidObjectState"), "Restore is not allowed for the object's current storage class")
		}
		if o.Class() == "DEEP_ARCHIVE" && in.Tier == RestoreExpedited || o.ArchiveStatus == ArchiveDeep && in.Tier == RestoreExpedited {
			return errs.E(op, errs.Invalid, errs.Code("InvalidArgument"), "Expedited retrieval is not available for the DEEP_ARCHIVE storage class")
		}
		now := s.now()
		r := o.Restore
		switch {
		case r != nil && r.Ongoing:
			return errs.E(op, errs.Conflict, errs.Code("RestoreAlreadyInProgress"), "Object restore is already in progress")
		case r != nil:
			// Extend the restored copy: the old expiry entry goes stale.
			exp := s.dayBoundary(now, in.Days)
			vb.b.Delete(queueKey(*r.Expiry, jobExpire, o.Bucket, o.Key, o.Version()))
			r.Days, r.Expiry = in.Days, &exp
			vb.b.Set(queueKey(exp, jobExpire, o.Bucket, o.Key, o.Version()), nil)
		default:
			ready := now.Add(s.restoreDelay(in.Tier))
			o.Restore = &RestoreState{Ongoing: true, Tier: in.Tier, Days: in.Days, ReadyAt: ready}
			vb.b.Set(queueKey(ready, jobRestore, o.Bucket, o.Key, o.Version()), nil)
			started = true
		}
		return nil
	})
	return started, err
}

// RunDue performs the queued jobs due by now (restores completing,
// restored copies expiring) and returns how many it did.
func (s *Store) RunDue(ctx context.Context) (int, error) {
	const op = "objstore.RunDue"
	end := queueKey(s.now(), 0xff, "", "", "")
	it, err := s.meta.NewIter(ctx, []byte(queuePrefix), end)
	if err != nil {
		return 0, errs.E(op, errs.IO, err)
	}
	var jobs []job
	for ok := it.First(); ok && len(jobs) < 1000; ok = it.Next() {
		if j, ok := parseQueueKey(append([]byte(nil), it.Key()...)); ok {
			jobs = append(jobs, j)
		}
	}
	if err := it.Close(); err != nil {
		return 0, errs.E(op, errs.IO, err)
	}
	n := 0
	for _, j := range jobs {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		if err := s.runJob(ctx, j); err != nil {
			s.log.Warn("queued job failed", "kind", string(j.kind), "bucket", j.bucket, "key", j.key, "err", err)
			continue
		}
		n++
	}
	return n, nil
}

func (s *Store) runJob(ctx context.Context, j job) error {
	const op = "objstore.runJob"
	vid := j.vid
	o, _, err := s.findVersion(ctx, j.bucket, j.key, vid)
	gone := errs.Is(errs.NotExist, err) || err == nil && o.DeleteMarker
	if err != nil && !gone {
		return err
	}
	if gone || o.Restore == nil {
		return s.dropJob(ctx, j)
	}
	switch j.kind {
	case jobRestore:
		if !o.Restore.Ongoing {
			return s.dropJob(ctx, j)
		}
		// The restored copy: the archived bytes, as stored, in the hot tier.
		var segs []Segment
		if !o.Inline() {
			if segs, _, err = s.copySegments(ctx, o.Segments, nil, HotTier); err != nil {
				return err
			}
		}
		_, err = s.rewriteVersionWith(ctx, op, j.bucket, j.key, vid, func(o *Object, vb *versionBatch) error {
			if o.Restore == nil || !o.Restore.Ongoing {
				return errs.E(op, errs.Conflict, "restore changed")
			}
			exp := s.dayBoundary(s.now(), o.Restore.Days)
			o.Restore = &RestoreState{Tier: o.Restore.Tier, Days: o.Restore.Days, ReadyAt: o.Restore.ReadyAt, Expiry: &exp, Segments: segs}
			for _, sg := range segs {
				vb.b.Set(refKey(sg.BlobID), []byte(o.Bucket+"\x00"+o.Key))
			}
			vb.b.Delete(j.mkey)
			vb.b.Set(queueKey(exp, jobExpire, o.Bucket, o.Key, o.Version()), nil)
			return nil
		})
		if err != nil {
			s.deleteBlobs(ctx, blobIDs(segs))
			if errs.Is(errs.Conflict, err) || errs.Is(errs.NotExist, err) {
				return s.dropJob(ctx, j)
			}
			return err
		}
		s.lc.count(func(c *LifecycleStats) { c.RestoresCompleted++ })
		return nil
	case jobExpire:
		_, err = s.rewriteVersionWith(ctx, op, j.bucket, j.key, vid, func(o *Object, vb *versionBatch) error {
			vb.b.Delete(j.mkey)
			r := o.Restore
			if r == nil || r.Ongoing || r.Expiry == nil || r.Expiry.After(s.now()) {
				return nil // extended or gone: only the stale entry goes
			}
			for _, id := range blobIDs(r.Segments) {
				vb.b.Delete(refKey(id))
				vb.dead = append(vb.dead, id)
			}
			o.Restore = nil
			return nil
		})
		if errs.Is(errs.NotExist, err) {
			return s.dropJob(ctx, j)
		}
		if err == nil {
			s.lc.count(func(c *LifecycleStats) { c.RestoresExpired++ })
		}
		return err
	}
	return s.dropJob(ctx, j)
}

func (s *Store) dropJob(ctx context.Context, j job) error {
	var b meta.Batch
	b.Delete(j.mkey)
	if err := s.meta.Apply(ctx, &b); err != nil {
		return errs.E("objstore.runJob", errs.IO, err)
	}
	return nil
}

// RestoreHeader renders the x-amz-restore header of o ("" when none).
func RestoreHeader(o *Object) string {
	r := o.Restore
	switch {
	case r == nil:
		return ""
	case r.Ongoing:
		return `ongoing-request="true"`
	case r.Expiry != nil:
		return `ongoing-request="false", expiry-date="` + r.Expiry.UTC().Format(time.RFC1123) + `"`
	}
	return ""
}
