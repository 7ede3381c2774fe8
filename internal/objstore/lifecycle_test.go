package objstore

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/storage/meta"
)

func ip(n int) *int       { return &n }
func i64p(n int64) *int64 { return &n }
func bp(b bool) *bool     { return &b }
func sp(s string) *string { return &s }

const day = 24 * time.Hour

func putLC(t *testing.T, s *Store, bucket string, rules ...LifecycleRule) {
	t.Helper()
	must(t, s.PutBucketLifecycle(ctxT(t), bucket, &LifecycleConfig{Rules: rules, TransitionMinSize: TransitionMinVaries}))
}

func runLC(t *testing.T, s *Store) LifecycleStats {
	t.Helper()
	must(t, s.RunLifecycle(ctxT(t)))
	return s.LifecycleStatus()
}

func TestLifecycleValidation(t *testing.T) {
	d1 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	noon := d1.Add(12 * time.Hour)
	all := &LifecycleFilter{}
	tests := []struct {
		name string
		r    LifecycleRule
		code string
		msg  string
	}{
		{"ok", LifecycleRule{Status: "Enabled", Filter: all, Expiration: &LifecycleExpiration{Days: ip(1)}}, "", ""},
		{"legacy prefix", LifecycleRule{Status: "Enabled", Prefix: sp("logs/"), Expiration: &LifecycleExpiration{Days: ip(1)}}, "", ""},
		{"prefix and filter", LifecycleRule{Status: "Enabled", Prefix: sp(""), Filter: all, Expiration: &LifecycleExpiration{Days: ip(1)}}, "MalformedXML", ""},
		{"bad status", LifecycleRule{Status: "On", Filter: all, Expiration: &LifecycleExpiration{Days: ip(1)}}, "MalformedXML", ""},
		{"no action", LifecycleRule{Status: "Enabled", Filter: all}, "InvalidRequest", "At least one action"},
		{"expiration days 0", LifecycleRule{Status: "Enabled", Filter: all, Expiration: &LifecycleExpiration{Days: ip(0)}}, "InvalidArgument", "'Days' for Expiration action must be a positive integer"},
		{"days and date", LifecycleRule{Status: "Enabled", Filter: all, Expiration: &LifecycleExpiration{Days: ip(1), Date: &d1}}, "MalformedXML", ""},
		{"date not midnight", LifecycleRule{Status: "Enabled", Filter: all, Expiration: &LifecycleExpiration{Date: &noon}}, "InvalidArgument", "midnight"},
		{"eodm with days", LifecycleRule{Status: "Enabled", Filter: all, Expiration: &LifecycleExpiration{Days: ip(1), ExpiredObjectDeleteMarker: bp(true)}}, "InvalidArgument", "ExpiredObjectDeleteMarker"},
		{"transition negative", LifecycleRule{Status: "Enabled", Filter: all, Transitions: []LifecycleTransition{{Days: ip(-1), StorageClass: "GLACIER"}}}, "InvalidArgument", "'Days' for Transition action must be a positive integer"},
		{"IA under 30", LifecycleRule{Status: "Enabled", Filter: all, Transitions: []LifecycleTransition{{Days: ip(10), StorageClass: "STANDARD_IA"}}}, "InvalidArgument", "greater than or equal to 30"},
		{"glacier day 0", LifecycleRule{Status: "Enabled", Filter: all, Transitions: []LifecycleTransition{{Days: ip(0), StorageClass: "GLACIER"}}}, "", ""},
		{"to STANDARD", LifecycleRule{Status: "Enabled", Filter: all, Transitions: []LifecycleTransition{{Days: ip(40), StorageClass: "STANDARD"}}}, "InvalidStorageClass", ""},
		{"same class twice", LifecycleRule{Status: "Enabled", Filter: all, Transitions: []LifecycleTransition{{Days: ip(40), StorageClass: "GLACIER"}, {Days: ip(50), StorageClass: "GLACIER"}}}, "InvalidRequest", ""},
		{"expire before transition", LifecycleRule{Status: "Enabled", Filter: all, Expiration: &LifecycleExpiration{Days: ip(30)}, Transitions: []LifecycleTransition{{Days: ip(40), StorageClass: "GLACIER"}}}, "InvalidArgument", ""},
		{"mixed days and date", LifecycleRule{Status: "Enabled", Filter: all, Transitions: []LifecycleTransition{{Days: ip(40), StorageClass: "GLACIER"}, {Date: &d1, StorageClass: "DEEP_ARCHIVE"}}}, "InvalidRequest", ""},
		{"newer noncurrent 101", LifecycleRule{Status: "Enabled", Filter: all, NoncurrentExpiration: &NoncurrentExpiration{NoncurrentDays: 1, NewerNoncurrentVersions: 101}}, "InvalidArgument", ""},
		{"noncurrent IA 10", LifecycleRule{Status: "Enabled", Filter: all, NoncurrentTransitions: []NoncurrentTransition{{NoncurrentDays: 10, StorageClass: "ONEZONE_IA"}}}, "InvalidArgument", ""},
		{"abort with tags", LifecycleRule{Status: "Enabled", Filter: &LifecycleFilter{Tags: []Tag{{Key: "a", Value: "b"}}}, AbortIncomplete: &AbortIncompleteUploads{DaysAfterInitiation: 1}}, "InvalidRequest", ""},
		{"size bounds", LifecycleRule{Status: "Enabled", Filter: &LifecycleFilter{SizeGreaterThan: i64p(10), SizeLessThan: i64p(5)}, Expiration: &LifecycleExpiration{Days: ip(1)}}, "InvalidArgument", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateLifecycle(&LifecycleConfig{Rules: []LifecycleRule{tt.r}})
			if tt.code == "" {
				must(t, err)
				return
			}
			wantCode(t, err, tt.code)
			if !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("message %q lacks %q", err, tt.msg)
			}
		})
	}
	wantCode(t, ValidateLifecycle(&LifecycleConfig{}), "MalformedXML")
	dup := LifecycleRule{ID: "x", Status: "Enabled", Filter: all, Expiration: &LifecycleExpiration{Days: ip(1)}}
	wantCode(t, ValidateLifecycle(&LifecycleConfig{Rules: []LifecycleRule{dup, dup}}), "InvalidArgument")
	many := make([]LifecycleRule, MaxLifecycleRules+1)
	for i := range many {
		many[i] = LifecycleRule{Status: "Enabled", Filter: all, Expiration: &LifecycleExpiration{Days: ip(1)}}
	}
	wantCode(t, ValidateLifecycle(&LifecycleConfig{Rules: many}), "InvalidRequest")
}

func TestLifecycleTransitionAndExpiration(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		putLC(t, s, defaultBkt,
			LifecycleRule{ID: "archive", Status: "Enabled", Filter: &LifecycleFilter{Prefix: "logs/"},
				Transitions: []LifecycleTransition{{Days: ip(30), StorageClass: "STANDARD_IA"}, {Days: ip(60), StorageClass: "GLACIER"}},
				Expiration:  &LifecycleExpiration{Days: ip(365)}},
			LifecycleRule{ID: "tagged", Status: "Enabled", Filter: &LifecycleFilter{Tags: []Tag{{Key: "tmp", Value: "1"}}},
				Expiration: &LifecycleExpiration{Days: ip(1)}},
			LifecycleRule{ID: "big", Status: "Enabled", Filter: &LifecycleFilter{Prefix: "size/", SizeGreaterThan: i64p(1000)},
				Expiration: &LifecycleExpiration{Days: ip(1)}},
			LifecycleRule{ID: "off", Status: "Disabled", Filter: &LifecycleFilter{}, Expiration: &LifecycleExpiration{Days: ip(1)}},
		)
		data := randBytes(100<<10, 9)
		put(t, s, defaultBkt, "logs/a", data)
		put(t, s, defaultBkt, "other", data)
		_, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "tmp", Body: bytes.NewReader([]byte("x")), Size: 1, Tags: []Tag{{Key: "tmp", Value: "1"}}})
		must(t, err)
		put(t, s, defaultBkt, "size/small", []byte("tiny"))
		put(t, s, defaultBkt, "size/big", randBytes(2000, 1))
		o, _ := s.Stat(ctx, defaultBkt, "logs/a")
		if exp, id := s.ExpirationOf(o); id != "archive" || !exp.Equal(time.Date(2025, 5, 2, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("ExpirationOf = %v %q", exp, id)
		}
		runLC(t, s)
		if tiersOf(t, s, defaultBkt, "logs/a")[0] != HotTier {
			t.Fatal("moved too early")
		}
		// Day rounding: due at midnight UTC after N days, not N*24h.
		c.Advance(day + 11*time.Hour) // 2024-05-02 23:00: not yet
		runLC(t, s)
		if _, err := s.Stat(ctx, defaultBkt, "tmp"); err != nil {
			t.Fatal("expired before midnight")
		}
		c.Advance(time.Hour + time.Minute) // past 2024-05-03 00:00
		st := runLC(t, s)
		for _, k := range []string{"tmp", "size/big"} {
			if _, err := s.Stat(ctx, defaultBkt, k); err == nil {
				t.Fatalf("%s not expired", k)
			}
		}
		for _, k := range []string{"size/small", "other", "logs/a"} {
			if _, err := s.Stat(ctx, defaultBkt, k); err != nil {
				t.Fatalf("%s expired: %v", k, err)
			}
		}
		if st.Expirations != 2 {
			t.Fatalf("stats %+v", st)
		}
		c.Advance(30 * day)
		runLC(t, s)
		o, _ = s.Stat(ctx, defaultBkt, "logs/a")
		if o.Class() != "STANDARD_IA" || tiersOf(t, s, defaultBkt, "logs/a")[0] != HotTier {
			t.Fatalf("after 31 days: %s %v", o.Class(), tiersOf(t, s, defaultBkt, "logs/a"))
		}
		c.Advance(30 * day)
		st = runLC(t, s)
		o, _ = s.Stat(ctx, defaultBkt, "logs/a")
		if o.Class() != "GLACIER" || tiersOf(t, s, defaultBkt, "logs/a")[0] != ColdTier {
			t.Fatalf("after 61 days: %s %v", o.Class(), tiersOf(t, s, defaultBkt, "logs/a"))
		}
		if st.Transitions != 2 || st.BytesMoved != int64(len(data)) {
			t.Fatalf("stats %+v", st)
		}
		_, err = s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "logs/a"})
		wantCode(t, err, "InvalidObjectState")
		c.Advance(310 * day)
		runLC(t, s)
		if _, err := s.Stat(ctx, defaultBkt, "logs/a"); err == nil {
			t.Fatal("not expired after 365 days")
		}
		checkNoLeaks(t, s)
		if keys := metaKeys(t, s, lcCursorPrefix); len(keys) != 0 {
			t.Fatalf("cursor left after a complete pass: %q", keys)
		}
	})
}

func TestLifecycleTransitionMinimumSize(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		mkBucket(t, s, defaultBkt)
		must(t, s.PutBucketLifecycle(ctxT(t), defaultBkt, &LifecycleConfig{Rules: []LifecycleRule{{Status: "Enabled", Filter: &LifecycleFilter{},
			Transitions: []LifecycleTransition{{Days: ip(1), StorageClass: "GLACIER"}}}}}))
		put(t, s, defaultBkt, "small", []byte("under 128 KiB"))
		put(t, s, defaultBkt, "large", randBytes(130<<10, 2))
		c.Advance(2 * day)
		runLC(t, s)
		if o, _ := s.Stat(ctxT(t), defaultBkt, "small"); o.Class() != "STANDARD" {
			t.Fatal("small object transitioned under all_storage_classes_128K")
		}
		if o, _ := s.Stat(ctxT(t), defaultBkt, "large"); o.Class() != "GLACIER" {
			t.Fatal("large object not transitioned")
		}
	})
}

func TestLifecycleVersioned(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		must(t, s.PutBucketVersioning(ctx, defaultBkt, VersioningEnabled, ""))
		putLC(t, s, defaultBkt,
			LifecycleRule{ID: "cur", Status: "Enabled", Filter: &LifecycleFilter{Prefix: "cur/"}, Expiration: &LifecycleExpiration{Days: ip(10)}},
			LifecycleRule{ID: "nc", Status: "Enabled", Filter: &LifecycleFilter{Prefix: "v/"},
				NoncurrentTransitions: []NoncurrentTransition{{NoncurrentDays: 5, StorageClass: "GLACIER"}},
				NoncurrentExpiration:  &NoncurrentExpiration{NoncurrentDays: 20, NewerNoncurrentVersions: 2}},
			LifecycleRule{ID: "dm", Status: "Enabled", Filter: &LifecycleFilter{Prefix: "dm/"}, Expiration: &LifecycleExpiration{ExpiredObjectDeleteMarker: bp(true)},
				NoncurrentExpiration: &NoncurrentExpiration{NoncurrentDays: 1}},
		)
		put(t, s, defaultBkt, "cur/a", []byte("a"))
		for i := 0; i < 5; i++ {
			put(t, s, defaultBkt, "v/k", randBytes(1000+i, uint64(i)))
			c.Advance(time.Minute)
		}
		put(t, s, defaultBkt, "dm/x", []byte("x"))
		must(t, s.DeleteObject(ctx, defaultBkt, "dm/x"))
		c.Advance(11 * day)
		st := runLC(t, s)
		// cur/a: a delete marker now hides it; its data stays as noncurrent.
		if _, err := s.Stat(ctx, defaultBkt, "cur/a"); err == nil {
			t.Fatal("cur/a not expired")
		}
		vs, err := s.ListObjectVersions(ctx, &ListVersionsInput{Bucket: defaultBkt, Prefix: "cur/", MaxKeys: 100})
		must(t, err)
		if len(vs.Versions) != 2 || !vs.Versions[0].DeleteMarker {
			t.Fatalf("cur/a versions after expiration: %+v", vs.Versions)
		}
		// v/k: 4 noncurrent versions moved to GLACIER; dm/x: noncurrent
		// version expired, then the lone marker removed.
		vs, err = s.ListObjectVersions(ctx, &ListVersionsInput{Bucket: defaultBkt, Prefix: "v/", MaxKeys: 100})
		must(t, err)
		for i, v := range vs.Versions {
			want := "GLACIER"
			if i == 0 {
				want = "STANDARD"
			}
			if v.Class() != want {
				t.Fatalf("v/k version %d class %s, want %s", i, v.Class(), want)
			}
		}
		if st.NoncurrentTransitions != 4 {
			t.Fatalf("stats %+v", st)
		}
		vs, _ = s.ListObjectVersions(ctx, &ListVersionsInput{Bucket: defaultBkt, Prefix: "dm/", MaxKeys: 100})
		if len(vs.Versions) != 0 {
			runLC(t, s) // the marker became lone this pass; AWS removes it on a later one
			vs, _ = s.ListObjectVersions(ctx, &ListVersionsInput{Bucket: defaultBkt, Prefix: "dm/", MaxKeys: 100})
		}
		if len(vs.Versions) != 0 {
			t.Fatalf("dm/x versions left: %d", len(vs.Versions))
		}
		c.Advance(10 * day)
		runLC(t, s)
		vs, _ = s.ListObjectVersions(ctx, &ListVersionsInput{Bucket: defaultBkt, Prefix: "v/", MaxKeys: 100})
		if len(vs.Versions) != 3 {
			t.Fatalf("v/k keeps %d versions, want current + 2 newer noncurrent", len(vs.Versions))
		}
		if st := s.LifecycleStatus(); st.DeleteMarkersRemoved != 1 || st.NoncurrentExpirations < 3 {
			t.Fatalf("stats %+v", st)
		}
		checkNoLeaks(t, s)
	})
}

func TestLifecycleRespectsObjectLock(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		ctx := ctxT(t)
		_, err := s.CreateBucketWith(ctx, CreateBucketInput{Owner: testOwner, Name: defaultBkt, ObjectLock: true})
		must(t, err)
		putLC(t, s, defaultBkt, LifecycleRule{Status: "Enabled", Filter: &LifecycleFilter{}, NoncurrentExpiration: &NoncurrentExpiration{NoncurrentDays: 1}})
		until := c.Now().Add(100 * day)
		o, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "k", Body: bytes.NewReader([]byte("v1")), Size: 2, SignedPayload: true,
			Lock: &LockRequest{Mode: LockCompliance, Until: &until}})
		must(t, err)
		put(t, s, defaultBkt, "k", []byte("v2"))
		c.Advance(3 * day)
		st := runLC(t, s)
		if _, err := s.StatVersion(ctx, defaultBkt, "k", o.VersionID); err != nil {
			t.Fatal("locked version deleted by lifecycle")
		}
		if st.SkippedLocked != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
}

func TestLifecycleAbortUploads(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		putLC(t, s, defaultBkt, LifecycleRule{Status: "Enabled", Filter: &LifecycleFilter{Prefix: "up/"}, AbortIncomplete: &AbortIncompleteUploads{DaysAfterInitiation: 2}})
		u, err := s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: "up/a"})
		must(t, err)
		uploadPart(t, s, defaultBkt, "up/a", u.ID, 1, randBytes(1000, 1))
		keep, err := s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: "other"})
		must(t, err)
		c.Advance(2 * day)
		runLC(t, s)
		if _, err := s.GetUpload(ctx, defaultBkt, "up/a", u.ID); err != nil {
			t.Fatal("aborted before its day boundary")
		}
		c.Advance(day)
		st := runLC(t, s)
		_, err = s.GetUpload(ctx, defaultBkt, "up/a", u.ID)
		wantCode(t, err, "NoSuchUpload")
		if _, err := s.GetUpload(ctx, defaultBkt, "other", keep.ID); err != nil {
			t.Fatal("upload outside the prefix aborted")
		}
		if st.UploadsAborted != 1 {
			t.Fatalf("stats %+v", st)
		}
		checkNoLeaks(t, s)
	})
}

// TestLifecycleResume checks that an index scan interrupted after saving
// its cursor resumes there rather than from the start, and that the queue
// then holds the rest.
func TestLifecycleResume(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		for i := 0; i < 600; i++ {
			put(t, s, defaultBkt, "k"+string(rune('a'+i%26))+strings.Repeat("x", i/26), []byte("x"))
		}
		c.Advance(2 * day)
		putLC(t, s, defaultBkt, LifecycleRule{Status: "Enabled", Filter: &LifecycleFilter{}, Expiration: &LifecycleExpiration{Days: ip(1)}})
		// A saved cursor says the first page is done.
		v, err := s.meta.Get(ctx, lcCursorKey(defaultBkt))
		must(t, err)
		var cur lcCursor
		must(t, json.Unmarshal(v, &cur))
		must(t, s.meta.Apply(ctx, cursorBatch(defaultBkt, "o", string(objectKey(defaultBkt, "kn")), cur.Gen)))
		st := runLC(t, s)
		n := 0
		out, err := s.ListObjects(ctx, &ListInput{Bucket: defaultBkt, MaxKeys: 1000})
		must(t, err)
		for _, o := range out.Objects {
			if o.Key > "kn" {
				t.Fatalf("%s after the cursor not expired", o.Key)
			}
			n++
		}
		if n == 0 || int(st.Indexed) != 600-n {
			t.Fatalf("resumed scan: %d objects left, %d indexed", n, st.Indexed)
		}
		if len(metaKeys(t, s, lcCursorPrefix)) != 0 || len(metaKeys(t, s, lcDonePrefix)) != 1 || len(metaKeys(t, s, lqPrefix)) != 0 {
			t.Fatalf("after the scan: cursors %q, done %q, queue %d", metaKeys(t, s, lcCursorPrefix), metaKeys(t, s, lcDonePrefix), len(metaKeys(t, s, lqPrefix)))
		}
	})
}

func TestIntelligentTiering(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		wantCode(t, s.PutBucketITiering(ctx, defaultBkt, &ITieringConfig{ID: "a", Status: "Enabled", Tierings: []ITiering{{AccessTier: ArchiveAccess, Days: 10}}}), "InvalidArgument")
		_, err := s.GetBucketITiering(ctx, defaultBkt, "a")
		wantCode(t, err, "NoSuchConfiguration")
		must(t, s.PutBucketITiering(ctx, defaultBkt, &ITieringConfig{ID: "a", Status: "Enabled", Tierings: []ITiering{{AccessTier: ArchiveAccess, Days: 100}}}))
		data := randBytes(5000, 4)
		putClass(t, s, defaultBkt, "it", "INTELLIGENT_TIERING", data)
		c.Advance(31 * day)
		runLC(t, s)
		o, _ := s.Stat(ctx, defaultBkt, "it")
		if o.AccessTier != AccessInfrequent {
			t.Fatalf("after 31 idle days: %q", o.AccessTier)
		}
		// A read moves it back to frequent (at the next flush).
		readAll(t, s, defaultBkt, "it")
		must(t, s.FlushAccess(ctx))
		o, _ = s.Stat(ctx, defaultBkt, "it")
		if o.AccessTier != AccessFrequent || o.LastAccess == nil {
			t.Fatalf("after a read: %q", o.AccessTier)
		}
		c.Advance(91 * day)
		runLC(t, s)
		o, _ = s.Stat(ctx, defaultBkt, "it")
		if o.AccessTier != AccessArchiveInstant {
			t.Fatalf("after 91 idle days: %q", o.AccessTier)
		}
		c.Advance(10 * day)
		runLC(t, s)
		o, _ = s.Stat(ctx, defaultBkt, "it")
		if o.ArchiveStatus != ArchiveAccess || tiersOf(t, s, defaultBkt, "it")[0] != ColdTier {
			t.Fatalf("after 101 idle days: %q %v", o.ArchiveStatus, tiersOf(t, s, defaultBkt, "it"))
		}
		_, err = s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "it"})
		wantCode(t, err, "InvalidObjectState")
		_, err = s.RestoreObject(ctx, &RestoreInput{Bucket: defaultBkt, Key: "it", Days: 1})
		must(t, err)
		c.Advance(time.Minute)
		_, err = s.RunDue(ctx)
		must(t, err)
		if !bytes.Equal(readAll(t, s, defaultBkt, "it"), data) {
			t.Fatal("bytes differ")
		}
		must(t, s.FlushAccess(ctx))
		o, _ = s.Stat(ctx, defaultBkt, "it")
		if o.ArchiveStatus != "" || o.Restore != nil || tiersOf(t, s, defaultBkt, "it")[0] != HotTier {
			t.Fatalf("access after restore did not bring it back: %+v", o)
		}
		checkNoLeaks(t, s)
		list, err := s.ListBucketITiering(ctx, defaultBkt)
		must(t, err)
		if len(list) != 1 {
			t.Fatal(list)
		}
		must(t, s.DeleteBucketITiering(ctx, defaultBkt, "a"))
		wantCode(t, s.DeleteBucketITiering(ctx, defaultBkt, "a"), "NoSuchConfiguration")
	})
}

func cursorBatch(bucket, phase, after string, gen int64) *meta.Batch {
	var b meta.Batch
	v, _ := json.Marshal(lcCursor{Phase: phase, After: after, Gen: gen})
	b.Set(lcCursorKey(bucket), v)
	return &b
}

// TestLifecycleExpireRacesPut puts a new object of a key in the window
// between the engine's decision to expire one of the key's versions and
// the delete: the acknowledged write must survive the pass and read back.
func TestLifecycleExpireRacesPut(t *testing.T) {
	type setup func(t *testing.T, s *Store, c *fakeClock)
	expire := LifecycleRule{ID: "exp", Status: "Enabled", Filter: &LifecycleFilter{}, Expiration: &LifecycleExpiration{Days: ip(1)}}
	noncurrent := LifecycleRule{ID: "nc", Status: "Enabled", Filter: &LifecycleFilter{}, NoncurrentExpiration: &NoncurrentExpiration{NoncurrentDays: 1}}
	marker := LifecycleRule{ID: "dm", Status: "Enabled", Filter: &LifecycleFilter{}, Expiration: &LifecycleExpiration{ExpiredObjectDeleteMarker: bp(true)}}
	versioning := func(t *testing.T, s *Store, status string) {
		t.Helper()
		must(t, s.PutBucketVersioning(ctxT(t), defaultBkt, status, ""))
	}
	cases := []struct {
		name  string
		setup setup
	}{
		{"current unversioned", func(t *testing.T, s *Store, c *fakeClock) {
			putLC(t, s, defaultBkt, expire)
			put(t, s, defaultBkt, "k", []byte("old"))
		}},
		{"current versioned", func(t *testing.T, s *Store, c *fakeClock) {
			versioning(t, s, VersioningEnabled)
			putLC(t, s, defaultBkt, expire)
			put(t, s, defaultBkt, "k", []byte("old"))
		}},
		{"noncurrent null version", func(t *testing.T, s *Store, c *fakeClock) {
			// A noncurrent null version; the racing PUT (versioning
			// Suspended) makes a new null version current.
			put(t, s, defaultBkt, "k", []byte("old"))
			versioning(t, s, VersioningEnabled)
			put(t, s, defaultBkt, "k", []byte("v2"))
			versioning(t, s, VersioningSuspended)
			putLC(t, s, defaultBkt, noncurrent)
		}},
		{"null delete marker", func(t *testing.T, s *Store, c *fakeClock) {
			// The only version left is a null delete marker; the racing
			// PUT replaces it with a null object.
			versioning(t, s, VersioningEnabled)
			versioning(t, s, VersioningSuspended)
			put(t, s, defaultBkt, "k", []byte("old"))
			must(t, s.DeleteObject(ctxT(t), defaultBkt, "k"))
			putLC(t, s, defaultBkt, marker)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
				mkBucket(t, s, defaultBkt)
				tc.setup(t, s, c)
				c.Advance(3 * day)
				fired := false
				s.testHookExpire = func(bucket, key, _ string) {
					if fired || key != "k" {
						return
					}
					fired = true
					put(t, s, bucket, key, []byte("new"))
				}
				runLC(t, s)
				if !fired {
					t.Fatal("the engine did not try to expire anything")
				}
				if got := readAll(t, s, defaultBkt, "k"); string(got) != "new" {
					t.Fatalf("after the pass: %q, want the racing write", got)
				}
				s.testHookExpire = nil
				checkNoLeaks(t, s)
			})
		})
	}
}

// TestLifecycleTransitionRacesPut puts a new object of a key while the
// engine copies the old one to the cold tier: the commit must see the
// change and leave the new object as written, in the hot tier.
func TestLifecycleTransitionRacesPut(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		mkBucket(t, s, defaultBkt)
		putLC(t, s, defaultBkt, LifecycleRule{ID: "cold", Status: "Enabled", Filter: &LifecycleFilter{},
			Transitions: []LifecycleTransition{{Days: ip(1), StorageClass: "GLACIER"}}})
		put(t, s, defaultBkt, "k", randBytes(300<<10, 5))
		c.Advance(3 * day)
		data := randBytes(200<<10, 6)
		fired := false
		s.testHookMove = func() error {
			if !fired {
				fired = true
				put(t, s, defaultBkt, "k", data)
			}
			return nil
		}
		runLC(t, s)
		s.testHookMove = nil
		if !fired {
			t.Fatal("the engine did not try to move anything")
		}
		o, err := s.Stat(ctxT(t), defaultBkt, "k")
		must(t, err)
		if o.Class() != DefaultStorageClass || tiersOf(t, s, defaultBkt, "k")[0] != HotTier {
			t.Fatalf("racing write moved: %s %v", o.Class(), tiersOf(t, s, defaultBkt, "k"))
		}
		if !bytes.Equal(readAll(t, s, defaultBkt, "k"), data) {
			t.Fatal("bytes differ")
		}
		if n := s.LifecycleStatus().Transitions; n != 0 {
			t.Fatalf("a skipped move counted as %d transitions", n)
		}
		checkNoLeaks(t, s)
	})
}
