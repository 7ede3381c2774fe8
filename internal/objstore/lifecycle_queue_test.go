package objstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/storage/meta"
)

// TestLifecycleReadsOnlyDue checks that a pass reads the due queue, not
// the bucket: after the index scan a configuration change asks for, a
// pass evaluates only the keys a rule acts on, and only when due.
func TestLifecycleReadsOnlyDue(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		mkBucket(t, s, defaultBkt)
		for i := 0; i < 1000; i++ {
			prefix := "keep/"
			if i%10 == 0 {
				prefix = "tmp/"
			}
			put(t, s, defaultBkt, fmt.Sprintf("%s%04d", prefix, i), []byte("x"))
		}
		putLC(t, s, defaultBkt, LifecycleRule{ID: "tmp", Status: "Enabled", Filter: &LifecycleFilter{Prefix: "tmp/"}, Expiration: &LifecycleExpiration{Days: ip(2)}})
		st := runLC(t, s)
		if st.Indexed != 1000 || st.Evaluated != 0 {
			t.Fatalf("first pass: %+v", st)
		}
		if n := len(metaKeys(t, s, lqPrefix)); n != 100 {
			t.Fatalf("%d queue entries, want one per tmp/ object", n)
		}
		c.Advance(day)
		st = runLC(t, s)
		if st.Indexed != 1000 || st.Evaluated != 0 {
			t.Fatalf("a pass with nothing due read something: %+v", st)
		}
		c.Advance(2 * day)
		st = runLC(t, s)
		if st.Indexed != 1000 || st.Evaluated != 100 || st.Expirations != 100 {
			t.Fatalf("due pass: %+v", st)
		}
		if n := len(metaKeys(t, s, lqPrefix)); n != 0 {
			t.Fatalf("%d queue entries left", n)
		}
		out, err := s.ListObjects(ctxT(t), &ListInput{Bucket: defaultBkt, MaxKeys: 1000})
		must(t, err)
		if len(out.Objects) != 900 {
			t.Fatalf("%d objects left, want 900", len(out.Objects))
		}
	})
}

// TestLifecycleQueuesWrites checks that writes after the configuration —
// new objects, a tag change that makes a rule match, new noncurrent
// versions, uploads — reach the engine without another scan.
func TestLifecycleQueuesWrites(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		must(t, s.PutBucketVersioning(ctx, defaultBkt, VersioningEnabled, ""))
		putLC(t, s, defaultBkt,
			LifecycleRule{ID: "tagged", Status: "Enabled", Filter: &LifecycleFilter{Tags: []Tag{{Key: "tmp", Value: "1"}}}, Expiration: &LifecycleExpiration{Days: ip(1)}},
			LifecycleRule{ID: "nc", Status: "Enabled", Filter: &LifecycleFilter{Prefix: "v/"}, NoncurrentExpiration: &NoncurrentExpiration{NoncurrentDays: 1}},
			LifecycleRule{ID: "up", Status: "Enabled", Filter: &LifecycleFilter{Prefix: "up/"}, AbortIncomplete: &AbortIncompleteUploads{DaysAfterInitiation: 1}})
		runLC(t, s) // the index scan of an empty bucket
		put(t, s, defaultBkt, "t", []byte("x"))
		put(t, s, defaultBkt, "v/k", []byte("1"))
		put(t, s, defaultBkt, "v/k", []byte("2"))
		u, err := s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: "up/a"})
		must(t, err)
		st := runLC(t, s)
		if st.Indexed != 0 || st.Evaluated == 0 {
			t.Fatalf("writes not queued: %+v", st)
		}
		must(t, setTags(s, ctx, defaultBkt, "t", []Tag{{Key: "tmp", Value: "1"}}))
		c.Advance(2 * day)
		st = runLC(t, s)
		if st.Indexed != 0 || st.Expirations != 1 || st.NoncurrentExpirations != 1 || st.UploadsAborted != 1 {
			t.Fatalf("after 2 days: %+v", st)
		}
		if _, err := s.Stat(ctx, defaultBkt, "t"); err == nil {
			t.Fatal("tagged object not expired")
		}
		_, err = s.GetUpload(ctx, defaultBkt, "up/a", u.ID)
		wantCode(t, err, "NoSuchUpload")
		if got := readAll(t, s, defaultBkt, "v/k"); string(got) != "2" {
			t.Fatalf("current version %q", got)
		}
	})
}

// TestLifecycleQueueUpgrade checks that a bucket configured before the
// due queue existed is indexed once at start.
func TestLifecycleQueueUpgrade(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		putLC(t, s, defaultBkt, LifecycleRule{Status: "Enabled", Filter: &LifecycleFilter{}, Expiration: &LifecycleExpiration{Days: ip(1)}})
		runLC(t, s)
		// As an old data dir: no queue, no scan record.
		var mb meta.Batch
		mb.Delete(lcDoneKey(defaultBkt))
		must(t, s.meta.Apply(ctx, &mb))
		must(t, s.lcUpgrade(ctx))
		if len(metaKeys(t, s, lcCursorPrefix)) != 1 {
			t.Fatal("no index scan scheduled for an unindexed bucket")
		}
		runLC(t, s)
		must(t, s.lcUpgrade(ctx))
		if len(metaKeys(t, s, lcCursorPrefix)) != 0 {
			t.Fatal("an indexed bucket scheduled again")
		}
	})
}

// TestLifecycleScanSuperseded checks that a configuration change during
// an index scan restarts it: the old scan's cursor never overwrites the
// new one.
func TestLifecycleScanSuperseded(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		putLC(t, s, defaultBkt, LifecycleRule{Status: "Enabled", Filter: &LifecycleFilter{}, Expiration: &LifecycleExpiration{Days: ip(1)}})
		scans, err := s.lcPendingScans(ctx)
		must(t, err)
		old := scans[defaultBkt]
		time.Sleep(time.Microsecond)
		putLC(t, s, defaultBkt, LifecycleRule{Status: "Enabled", Filter: &LifecycleFilter{}, Expiration: &LifecycleExpiration{Days: ip(2)}})
		old.After = "zzz"
		ok, err := s.lcSaveCursor(ctx, defaultBkt, &old, &meta.Batch{}, true)
		must(t, err)
		scans, _ = s.lcPendingScans(ctx)
		if ok || scans[defaultBkt].Gen == old.Gen || scans[defaultBkt].After != "" {
			t.Fatalf("superseded scan saved: ok=%v now %+v", ok, scans[defaultBkt])
		}
	})
}

// TestLifecycleNewerNoncurrentRace deletes a newer noncurrent version
// between the engine's decision to expire an older one and the delete:
// the older one is now within NewerNoncurrentVersions and must be kept.
func TestLifecycleNewerNoncurrentRace(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		must(t, s.PutBucketVersioning(ctx, defaultBkt, VersioningEnabled, ""))
		putLC(t, s, defaultBkt, LifecycleRule{Status: "Enabled", Filter: &LifecycleFilter{},
			NoncurrentExpiration: &NoncurrentExpiration{NoncurrentDays: 1, NewerNoncurrentVersions: 1}})
		v1 := put(t, s, defaultBkt, "k", []byte("1"))
		v2 := put(t, s, defaultBkt, "k", []byte("2"))
		put(t, s, defaultBkt, "k", []byte("3"))
		c.Advance(3 * day)
		fired := false
		s.testHookExpire = func(bucket, key, vid string) {
			if vid == v1.VersionID && !fired {
				fired = true
				_, err := s.Delete(ctx, &DeleteInput{Bucket: bucket, Key: key, VersionID: v2.VersionID})
				must(t, err)
			}
		}
		st := runLC(t, s)
		s.testHookExpire = nil
		if !fired {
			t.Fatal("the engine did not try to expire v1")
		}
		if _, err := s.StatVersion(ctx, defaultBkt, "k", v1.VersionID); err != nil {
			t.Fatalf("v1 expired though it became the newest noncurrent version: %v (%+v)", err, st)
		}
	})
}

// TestIntelligentTieringWithoutConfiguration checks that an
// INTELLIGENT_TIERING object moves down its access tiers in a bucket with
// no lifecycle or Intelligent-Tiering configuration, as on S3.
func TestIntelligentTieringWithoutConfiguration(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		putClass(t, s, defaultBkt, "it", "INTELLIGENT_TIERING", randBytes(1000, 1))
		put(t, s, defaultBkt, "plain", []byte("x"))
		c.Advance(31 * day)
		st := runLC(t, s)
		o, _ := s.Stat(ctx, defaultBkt, "it")
		if o.AccessTier != AccessInfrequent || st.Evaluated != 1 { // the plain object is never queued
			t.Fatalf("after 31 idle days: %q (%+v)", o.AccessTier, st)
		}
		c.Advance(60 * day)
		runLC(t, s)
		o, _ = s.Stat(ctx, defaultBkt, "it")
		if o.AccessTier != AccessArchiveInstant {
			t.Fatalf("after 91 idle days: %q", o.AccessTier)
		}
	})
}
