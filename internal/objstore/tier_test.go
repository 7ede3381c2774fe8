package objstore

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func putClass(t *testing.T, s *Store, bucket, key, class string, data []byte) *Object {
	t.Helper()
	o, err := s.PutObject(ctxT(t), &PutInput{Bucket: bucket, Key: key, Body: bytes.NewReader(data), Size: int64(len(data)), Owner: testOwner, StorageClass: class})
	if err != nil {
		t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
	}
	return o
}

func tiersOf(t *testing.T, s *Store, bucket, key string) []string {
	t.Helper()
	o, err := s.Stat(ctxT(t), bucket, key)
	must(t, err)
	var out []string
	for _, sg := range o.Segments {
		if sg.BlobID == "" {
			out = append(out, "inline")
		} else {
			out = append(out, TierOf(sg.BlobID))
		}
	}
	return out
}

func TestStorageClassTiers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		small := []byte("small but archived")
		putClass(t, s, defaultBkt, "g", "GLACIER", small)
		putClass(t, s, defaultBkt, "ia", "STANDARD_IA", small)
		putClass(t, s, defaultBkt, "d", "DEEP_ARCHIVE", randBytes(10000, 1))
		if got := tiersOf(t, s, defaultBkt, "g"); got[0] != ColdTier {
			t.Fatalf("GLACIER object stored in %v, want cold (never inline)", got)
		}
		if got := tiersOf(t, s, defaultBkt, "ia"); got[0] != "inline" {
			t.Fatalf("small STANDARD_IA object in %v, want inline in the hot tier", got)
		}
		o, err := s.Stat(ctx, defaultBkt, "g")
		must(t, err)
		if o.Class() != "GLACIER" {
			t.Fatalf("class %q", o.Class())
		}
		_, err = s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "g"})
		wantCode(t, err, "InvalidObjectState")
		if _, err := s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: "g"}); err != nil {
			t.Fatalf("HEAD of an archived object: %v", err)
		}
		if !bytes.Equal(readAll(t, s, defaultBkt, "ia"), small) {
			t.Fatal("STANDARD_IA bytes differ")
		}
		// Copy of an archived source needs a restore.
		_, err = s.CopyObject(ctx, &CopyInput{SrcBucket: defaultBkt, SrcKey: "g", Dst: PutInput{Bucket: defaultBkt, Key: "c"}})
		wantCode(t, err, "InvalidObjectState")
		// In-place class change moves the bytes.
		_, err = s.CopyObject(ctx, &CopyInput{SrcBucket: defaultBkt, SrcKey: "ia", Dst: PutInput{Bucket: defaultBkt, Key: "ia", StorageClass: "GLACIER"}})
		must(t, err)
		if got := tiersOf(t, s, defaultBkt, "ia"); got[0] != ColdTier {
			t.Fatalf("after class change to GLACIER: %v", got)
		}
		checkNoLeaks(t, s)
	})
}

func TestRestoreObject(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		data := randBytes(200<<10, 7)
		putClass(t, s, defaultBkt, "g", "GLACIER", data)
		put(t, s, defaultBkt, "std", []byte("hot"))
		_, err := s.RestoreObject(ctx, &RestoreInput{Bucket: defaultBkt, Key: "std", Days: 1})
		wantCode(t, err, "InvalidObjectState")
		_, err = s.RestoreObject(ctx, &RestoreInput{Bucket: defaultBkt, Key: "g", Days: 0})
		wantCode(t, err, "InvalidArgument")
		_, err = s.RestoreObject(ctx, &RestoreInput{Bucket: defaultBkt, Key: "g", Days: 1, Tier: "Fast"})
		wantCode(t, err, "MalformedXML")
		started, err := s.RestoreObject(ctx, &RestoreInput{Bucket: defaultBkt, Key: "g", Days: 2, Tier: RestoreStandard})
		must(t, err)
		if !started {
			t.Fatal("first restore did not start")
		}
		_, err = s.RestoreObject(ctx, &RestoreInput{Bucket: defaultBkt, Key: "g", Days: 2})
		wantCode(t, err, "RestoreAlreadyInProgress")
		o, _ := s.Stat(ctx, defaultBkt, "g")
		if h := RestoreHeader(o); h != `ongoing-request="true"` {
			t.Fatalf("x-amz-restore %q", h)
		}
		// Not yet due.
		n, err := s.RunDue(ctx)
		must(t, err)
		if n != 0 {
			t.Fatalf("ran %d jobs before the delay", n)
		}
		c.Advance(6 * time.Second)
		n, err = s.RunDue(ctx)
		must(t, err)
		if n != 1 {
			t.Fatalf("ran %d jobs, want 1", n)
		}
		o, _ = s.Stat(ctx, defaultBkt, "g")
		if !strings.HasPrefix(RestoreHeader(o), `ongoing-request="false", expiry-date="`) {
			t.Fatalf("x-amz-restore %q", RestoreHeader(o))
		}
		// Expiry is midnight UTC after Days: the clock is 2024-05-01 12:00.
		if want := time.Date(2024, 5, 4, 0, 0, 0, 0, time.UTC); !o.Restore.Expiry.Equal(want) {
			t.Fatalf("expiry %v, want %v", o.Restore.Expiry, want)
		}
		if TierOf(o.Restore.Segments[0].BlobID) != HotTier || TierOf(o.Segments[0].BlobID) != ColdTier {
			t.Fatal("restored copy is not in the hot tier, or the archive moved")
		}
		if !bytes.Equal(readAll(t, s, defaultBkt, "g"), data) {
			t.Fatal("restored bytes differ")
		}
		checkNoLeaks(t, s)
		// A second restore extends.
		started, err = s.RestoreObject(ctx, &RestoreInput{Bucket: defaultBkt, Key: "g", Days: 5})
		must(t, err)
		if started {
			t.Fatal("restore of a restored object started a new job")
		}
		c.Advance(3 * 24 * time.Hour) // past the first expiry
		_, err = s.RunDue(ctx)
		must(t, err)
		readAll(t, s, defaultBkt, "g")
		c.Advance(4 * 24 * time.Hour)
		_, err = s.RunDue(ctx)
		must(t, err)
		_, err = s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "g"})
		wantCode(t, err, "InvalidObjectState")
		o, _ = s.Stat(ctx, defaultBkt, "g")
		if o.Restore != nil {
			t.Fatal("restore state left after expiry")
		}
		checkNoLeaks(t, s)
		if keys := metaKeys(t, s, queuePrefix); len(keys) != 0 {
			t.Fatalf("queue entries left: %q", keys)
		}
	})
}

func TestRestoreSurvivesRestart(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			m, b := be.open(t)
			t.Cleanup(func() { b.Close(); m.Close() })
			tiers, _ := coldTiers(t, be.realDisk)
			c := newClock()
			s := newStoreOnTiers(t, m, b, c, tiers)
			ctx := ctxT(t)
			mkBucket(t, s, defaultBkt)
			putClass(t, s, defaultBkt, "g", "DEEP_ARCHIVE", []byte("deep"))
			_, err := s.RestoreObject(ctx, &RestoreInput{Bucket: defaultBkt, Key: "g", Days: 1, Tier: RestoreExpedited})
			wantCode(t, err, "InvalidArgument")
			_, err = s.RestoreObject(ctx, &RestoreInput{Bucket: defaultBkt, Key: "g", Days: 1, Tier: RestoreBulk})
			must(t, err)
			// A new engine on the same stores finds the job.
			s2 := newStoreOnTiers(t, m, b, c, tiers)
			c.Advance(11 * time.Second)
			n, err := s2.RunDue(ctx)
			must(t, err)
			if n != 1 || string(readAll(t, s2, defaultBkt, "g")) != "deep" {
				t.Fatalf("restore after restart: %d jobs", n)
			}
		})
	}
}

// TestTierMoveCrash injects a failure between a move's copy and its commit:
// the object stays readable where it was, and GC collects the new copy.
func TestTierMoveCrash(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		data := randBytes(300<<10, 3)
		put(t, s, defaultBkt, "k", data)
		s.testHookMove = func() error { return errors.New("crash") }
		if _, err := s.moveVersion(ctx, &MoveInput{Bucket: defaultBkt, Key: "k", VersionID: NullVersion, Class: "GLACIER"}); err == nil {
			t.Fatal("move did not fail")
		}
		if got := tiersOf(t, s, defaultBkt, "k"); got[0] != HotTier {
			t.Fatalf("after a failed move: %v", got)
		}
		if !bytes.Equal(readAll(t, s, defaultBkt, "k"), data) {
			t.Fatal("bytes differ after failed move")
		}
		if len(blobIDsInStore(t, s)) != 2 {
			t.Fatalf("want the old blob and an orphaned copy: %v", blobIDsInStore(t, s))
		}
		n, err := s.CollectGarbage(ctx, time.Now().Add(time.Hour))
		must(t, err)
		if n != 1 {
			t.Fatalf("GC collected %d, want the orphaned cold copy", n)
		}
		s.testHookMove = nil
		moved, err := s.moveVersion(ctx, &MoveInput{Bucket: defaultBkt, Key: "k", VersionID: NullVersion, Class: "GLACIER"})
		must(t, err)
		if moved != int64(len(data)) {
			t.Fatalf("moved %d bytes", moved)
		}
		if got := tiersOf(t, s, defaultBkt, "k"); got[0] != ColdTier {
			t.Fatalf("after the move: %v", got)
		}
		checkNoLeaks(t, s)
	})
}

func TestUsage(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		mkBucket(t, s, defaultBkt)
		putClass(t, s, defaultBkt, "ia", "STANDARD_IA", []byte("tiny"))
		putClass(t, s, defaultBkt, "g", "GLACIER", randBytes(1<<20, 1))
		put(t, s, defaultBkt, "s", randBytes(1000, 2))
		u, err := s.Usage(ctxT(t), nil)
		must(t, err)
		if len(u.Classes) != 3 {
			t.Fatalf("%+v", u.Classes)
		}
		byClass := map[string]ClassUsage{}
		for _, c := range u.Classes {
			byClass[c.Class] = c
		}
		if c := byClass["STANDARD_IA"]; c.BillableBytes != 128<<10 || c.Bytes != 4 {
			t.Fatalf("IA %+v", c)
		}
		if c := byClass["GLACIER"]; c.BillableBytes != 1<<20+40<<10 {
			t.Fatalf("GLACIER %+v", c)
		}
		if u.SavedUSD <= 0 {
			t.Fatalf("saved %v", u.SavedUSD)
		}
		// Minimum storage durations: GLACIER bills 90 days, STANDARD_IA 30.
		g := byClass["GLACIER"]
		want := (float64(1<<20+32<<10)/gb*DefaultPrices()["GLACIER"] + float64(8<<10)/gb*DefaultPrices()["STANDARD"]) * 3 // 90 days left = 3 months
		if g.UnderMinimum != 1 || !near(g.MinimumChargeUSD, want) || byClass["STANDARD"].UnderMinimum != 0 {
			t.Fatalf("minimum durations at day 0: %+v, want %v", g, want)
		}
		c.Advance(60 * day)
		u, err = s.Usage(ctxT(t), nil)
		must(t, err)
		for _, cu := range u.Classes {
			switch cu.Class {
			case "GLACIER":
				if cu.UnderMinimum != 1 || !near(cu.MinimumChargeUSD, want/3) {
					t.Fatalf("GLACIER at day 60: %+v, want %v", cu, want/3)
				}
			case "STANDARD_IA":
				if cu.UnderMinimum != 0 || cu.MinimumChargeUSD != 0 {
					t.Fatalf("STANDARD_IA past 30 days: %+v", cu)
				}
			}
		}
		if !near(u.MinimumChargeUSD, want/3) {
			t.Fatalf("total minimum charge %v", u.MinimumChargeUSD)
		}
		// A class change restarts the clock in the new class.
		_, err = s.CopyObject(ctxT(t), &CopyInput{SrcBucket: defaultBkt, SrcKey: "s", Dst: PutInput{Bucket: defaultBkt, Key: "s", StorageClass: "DEEP_ARCHIVE"}})
		must(t, err)
		u, err = s.Usage(ctxT(t), nil)
		must(t, err)
		for _, cu := range u.Classes {
			if cu.Class == "DEEP_ARCHIVE" && cu.UnderMinimum != 1 {
				t.Fatalf("DEEP_ARCHIVE after the copy: %+v", cu)
			}
		}
	})
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9+1e-6*math.Abs(b) }

// TestEarlyDeleteLedger checks S3's early-deletion charge: a version
// deleted, overwritten or moved out of its class before the class's
// minimum storage duration is billed for the rest of it, in the month it
// happened.
func TestEarlyDeleteLedger(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, c *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		putClass(t, s, defaultBkt, "ia", "STANDARD_IA", randBytes(1024, 1))
		g := putClass(t, s, defaultBkt, "g", "GLACIER", randBytes(1<<20, 2))
		putClass(t, s, defaultBkt, "old", "STANDARD_IA", randBytes(1024, 3))
		c.Advance(10 * day)
		put(t, s, defaultBkt, "ia", []byte("overwritten in STANDARD")) // 20 of 30 days left
		_, err := s.moveVersion(ctx, &MoveInput{Bucket: defaultBkt, Key: "g", VersionID: g.Version(), Seq: g.seq(), Class: "DEEP_ARCHIVE"})
		must(t, err)                                    // 80 of 90 days left
		c.Advance(20*day + 6*time.Hour)                 // May 31, 18:00: same month
		must(t, s.DeleteObject(ctx, defaultBkt, "old")) // past its 30 days: no charge
		u, err := s.Usage(ctx, nil)
		must(t, err)
		byClass := map[string]ClassUsage{}
		for _, cu := range u.Classes {
			byClass[cu.Class] = cu
		}
		p := DefaultPrices()
		wantIA := float64(128<<10) / gb * p["STANDARD_IA"] * 20 / 30
		wantG := float64(1<<20+40<<10) / gb * p["GLACIER"] * 80 / 30
		if ia := byClass["STANDARD_IA"]; ia.EarlyDeletes != 1 || !near(ia.EarlyDeleteUSD, wantIA) {
			t.Fatalf("STANDARD_IA %+v, want 1 early delete of %v", ia, wantIA)
		}
		if gl := byClass["GLACIER"]; gl.EarlyDeletes != 1 || !near(gl.EarlyDeleteUSD, wantG) {
			t.Fatalf("GLACIER %+v, want 1 early delete of %v", gl, wantG)
		}
		if !near(u.EarlyDeleteUSD, wantIA+wantG) {
			t.Fatalf("total %v", u.EarlyDeleteUSD)
		}
		c.Advance(30 * day) // next month
		u, err = s.Usage(ctx, nil)
		must(t, err)
		if u.EarlyDeleteUSD != 0 {
			t.Fatalf("last month's charges in this month: %v", u.EarlyDeleteUSD)
		}
		if n := len(metaKeys(t, s, earlyPrefix)); n != 2 {
			t.Fatalf("%d ledger events, want 2", n)
		}
		c.Advance(400 * day)
		runLC(t, s)
		if n := len(metaKeys(t, s, earlyPrefix)); n != 0 {
			t.Fatalf("%d ledger events older than %v kept", n, earlyLedgerKeep)
		}
	})
}
