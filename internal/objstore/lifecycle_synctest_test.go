package objstore

import (
	"bytes"
	"context"
	"testing"
	"testing/synctest"
	"time"

	blobmem "github.com/tarnhq/tarn/internal/storage/blob/mem"
	metamem "github.com/tarnhq/tarn/internal/storage/meta/mem"
)

// TestLifecycleRunLoop runs the background engine (Store.Run: its
// tickers, passes, restore jobs and the rate limiter) on synctest's fake
// clock, with real days: an object whose rule expires it after 1 day is
// gone after the next hourly pass past its day boundary, another moves to
// GLACIER, and a restore of it completes after the Standard tier's delay.
func TestLifecycleRunLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cold := blobmem.New()
		s, err := New(ctx, metamem.New(), blobmem.New(), Options{Logger: quietLogger(), Tiers: map[string]blobStore{ColdTier: cold}})
		must(t, err)
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		mkBucket(t, s, defaultBkt)
		putLC(t, s, defaultBkt,
			LifecycleRule{ID: "tmp", Status: "Enabled", Filter: &LifecycleFilter{Prefix: "tmp/"}, Expiration: &LifecycleExpiration{Days: ip(1)}},
			LifecycleRule{ID: "cold", Status: "Enabled", Filter: &LifecycleFilter{Prefix: "cold/"}, Transitions: []LifecycleTransition{{Days: ip(1), StorageClass: "GLACIER"}}})
		put(t, s, defaultBkt, "tmp/a", []byte("bye"))
		data := randBytes(200<<10, 3)
		put(t, s, defaultBkt, "cold/a", data)
		due := s.dayBoundary(time.Now(), 1)

		time.Sleep(time.Until(due) - time.Minute)
		synctest.Wait()
		if _, err := s.Stat(ctx, defaultBkt, "tmp/a"); err != nil {
			t.Fatal("expired before its day boundary")
		}
		time.Sleep(time.Minute + time.Hour) // the next hourly pass after the boundary
		synctest.Wait()
		if _, err := s.Stat(ctx, defaultBkt, "tmp/a"); err == nil {
			t.Fatal("not expired an hour past its day boundary")
		}
		o, err := s.Stat(ctx, defaultBkt, "cold/a")
		must(t, err)
		if o.Class() != "GLACIER" {
			t.Fatalf("class %s", o.Class())
		}
		_, err = s.RestoreObject(ctx, &RestoreInput{Bucket: defaultBkt, Key: "cold/a", Days: 1, Tier: RestoreStandard})
		must(t, err)
		time.Sleep(6 * time.Second) // Standard: 5 s by default
		synctest.Wait()
		out, err := s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "cold/a"})
		must(t, err)
		var got bytes.Buffer
		got.ReadFrom(out.Body)
		out.Body.Close()
		if !bytes.Equal(got.Bytes(), data) {
			t.Fatal("restored bytes differ")
		}
		st := s.LifecycleStatus()
		if st.Expirations != 1 || st.Transitions != 1 || st.RestoresCompleted != 1 || st.Passes < 24 {
			t.Fatalf("stats %+v", st)
		}
		cancel()
		<-done
	})
}
