package objstore

import (
	"bytes"
	"testing"
	"time"
)

func mkLockBucket(t *testing.T, s *Store, name string) {
	t.Helper()
	if _, err := s.CreateBucketWith(ctxT(t), CreateBucketInput{Owner: testOwner, Name: name, ObjectLock: true}); err != nil {
		t.Fatal(err)
	}
}

func putLocked(t *testing.T, s *Store, key string, lock *LockRequest) *Object {
	t.Helper()
	data := randBytes(5000, 7)
	o, err := s.PutObject(ctxT(t), &PutInput{Bucket: defaultBkt, Key: key, Body: bytes.NewReader(data), Size: int64(len(data)),
		ContentMD5: md5Of(data), Owner: testOwner, Lock: lock})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestObjectLockRetention(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, clock *fakeClock) {
		ctx := ctxT(t)
		mkLockBucket(t, s, defaultBkt)
		b, _ := s.Bucket(ctx, defaultBkt)
		if b.Versioning != VersioningEnabled || b.ObjectLock == nil {
			t.Fatalf("lock bucket = %+v", b)
		}
		wantCode(t, s.PutBucketVersioning(ctx, defaultBkt, VersioningSuspended, ""), "InvalidBucketState")
		day := 24 * time.Hour
		until := clock.Now().Add(10 * day)
		gov := putLocked(t, s, "gov", &LockRequest{Mode: LockGovernance, Until: &until})
		comp := putLocked(t, s, "comp", &LockRequest{Mode: LockCompliance, Until: &until})
		// Bad lock requests change nothing.
		past := clock.Now().Add(-time.Hour)
		for _, bad := range []*LockRequest{{Mode: LockGovernance}, {Until: &until}, {Mode: "FOREVER", Until: &until},
			{Mode: LockGovernance, Until: &past}, {LegalHold: "MAYBE"}} {
			_, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "bad", Body: bytes.NewReader(nil), ContentMD5: md5Of(nil), Lock: bad})
			wantCode(t, err, "InvalidArgument")
		}
		_, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "bad", Body: bytes.NewReader(nil), Lock: &LockRequest{Mode: LockGovernance, Until: &until}})
		wantCode(t, err, "InvalidRequest") // no Content-MD5 or checksum
		if _, err := s.Stat(ctx, defaultBkt, "bad"); err == nil {
			t.Fatal("a rejected PUT created an object")
		}
		// Locked versions cannot be deleted by id; a delete marker is fine.
		_, err = s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: "gov", VersionID: gov.VersionID})
		wantCode(t, err, "AccessDenied")
		_, err = s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: "comp", VersionID: comp.VersionID, BypassGovernance: true})
		wantCode(t, err, "AccessDenied")
		d, err := s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: "comp"})
		must(t, err)
		if !d.DeleteMarker {
			t.Fatal("no delete marker")
		}
		// Retention: COMPLIANCE can be extended, not shortened, removed or
		// turned into GOVERNANCE.
		later, sooner := until.Add(day), until.Add(-day)
		ret := func(key, vid, mode string, u *time.Time, bypass bool) error {
			_, err := s.PutObjectRetention(ctx, &RetentionInput{Bucket: defaultBkt, Key: key, VersionID: vid, Mode: mode, Until: u, BypassGovernance: bypass, Digest: true})
			return err
		}
		wantCode(t, ret("comp", comp.VersionID, LockCompliance, &sooner, true), "AccessDenied")
		wantCode(t, ret("comp", comp.VersionID, LockGovernance, &later, true), "AccessDenied")
		wantCode(t, ret("comp", comp.VersionID, "", nil, true), "AccessDenied")
		must(t, ret("comp", comp.VersionID, LockCompliance, &later, false))
		// GOVERNANCE: extending is free; shortening needs the bypass.
		wantCode(t, ret("gov", "", LockGovernance, &sooner, false), "AccessDenied")
		must(t, ret("gov", "", LockGovernance, &later, false))
		must(t, ret("gov", "", LockGovernance, &sooner, true))
		o, _ := s.Stat(ctx, defaultBkt, "gov")
		if !o.LockUntil.Equal(sooner) {
			t.Fatalf("retention %v, want %v", o.LockUntil, sooner)
		}
		wantCode(t, ret("gov", "", LockGovernance, &past, true), "InvalidArgument")
		_, err = s.PutObjectRetention(ctx, &RetentionInput{Bucket: defaultBkt, Key: "gov", Mode: LockGovernance, Until: &later})
		wantCode(t, err, "InvalidRequest") // no digest
		// GOVERNANCE yields to the bypass.
		_, err = s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: "gov", VersionID: gov.VersionID, BypassGovernance: true})
		must(t, err)
		// Once the retention expires, COMPLIANCE versions may go.
		clock.Advance(12 * day)
		_, err = s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: "comp", VersionID: comp.VersionID})
		must(t, err)
		checkNoLeaks(t, s)
	})
}

func TestObjectLockLegalHoldAndDefaults(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, clock *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, "plain")
		_, err := s.PutObjectLegalHold(ctx, "plain", "k", "", "ON")
		wantCode(t, err, "InvalidRequest")
		wantCode(t, s.PutObjectLockConfiguration(ctx, "plain", nil), "InvalidBucketState")
		_, err = s.PutObject(ctx, &PutInput{Bucket: "plain", Key: "k", Body: bytes.NewReader(nil), ContentMD5: md5Of(nil), Lock: &LockRequest{LegalHold: "ON"}})
		wantCode(t, err, "InvalidRequest")
		// Enabling Object Lock on a bucket with versioning Enabled works.
		setVersioning(t, s, "plain", VersioningEnabled)
		must(t, s.PutObjectLockConfiguration(ctx, "plain", nil))

		mkLockBucket(t, s, defaultBkt)
		for _, bad := range []*RetentionRule{{Mode: "X", Days: 1}, {Mode: LockGovernance}, {Mode: LockGovernance, Days: 1, Years: 1}} {
			wantCode(t, s.PutObjectLockConfiguration(ctx, defaultBkt, bad), "MalformedXML")
		}
		wantCode(t, s.PutObjectLockConfiguration(ctx, defaultBkt, &RetentionRule{Mode: LockGovernance, Years: 101}), "InvalidRetentionPeriod")
		must(t, s.PutObjectLockConfiguration(ctx, defaultBkt, &RetentionRule{Mode: LockCompliance, Days: 2}))
		o := putLocked(t, s, "k", nil)
		if o.LockMode != LockCompliance || !o.LockUntil.Equal(clock.Now().Add(48*time.Hour)) {
			t.Fatalf("default retention not applied: %v %v", o.LockMode, o.LockUntil)
		}
		// Default retention needs a digest.
		_, err = s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "nod", Body: bytes.NewReader(nil)})
		wantCode(t, err, "InvalidRequest")
		// Legal hold blocks deletion until released, whatever the bypass.
		clock.Advance(72 * time.Hour)
		_, err = s.PutObjectLegalHold(ctx, defaultBkt, "k", o.VersionID, "ON")
		must(t, err)
		_, err = s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: "k", VersionID: o.VersionID, BypassGovernance: true})
		wantCode(t, err, "AccessDenied")
		must(t, s.CheckVersionDeletable(o, true)) // o is the stale copy, without the hold
		st, _ := s.Stat(ctx, defaultBkt, "k")
		wantCode(t, s.CheckVersionDeletable(st, true), "AccessDenied")
		_, err = s.PutObjectLegalHold(ctx, defaultBkt, "k", o.VersionID, "MAYBE")
		wantCode(t, err, "MalformedXML")
		_, err = s.PutObjectLegalHold(ctx, defaultBkt, "k", o.VersionID, "OFF")
		must(t, err)
		_, err = s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: "k", VersionID: o.VersionID})
		must(t, err)
		checkNoLeaks(t, s)
	})
}
