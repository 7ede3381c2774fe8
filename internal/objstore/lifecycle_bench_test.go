package objstore

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	blobdisk "github.com/tarnhq/tarn/internal/storage/blob/disk"
	metapebble "github.com/tarnhq/tarn/internal/storage/meta/pebble"
)

// BenchmarkLifecycleTransition transitions N small objects (1 KiB, on a
// temp disk, Pebble metadata as the server runs it) from STANDARD to GLACIER (the compressed
// cold tier) in one unthrottled pass, while a foreground client PUTs and
// GETs; it reports objects and bytes moved per second and foreground
// latency percentiles beside the same client's latency with the engine
// idle. It also times the index scan a new configuration costs and a
// pass with nothing due (the due queue: no scan of the bucket). N is
// -benchtime's count (e.g. -benchtime=100000x). "unthrottled" lifts the
// engine's rate limits; "default-limits" runs with the server's defaults
// (500 actions/s, 64 MiB/s).
func BenchmarkLifecycleTransition(b *testing.B) {
	b.Run("unthrottled", func(b *testing.B) { benchLifecycle(b, LifecycleOptions{ActionsPerSecond: -1, BytesPerSecond: -1}) })
	b.Run("default-limits", func(b *testing.B) { benchLifecycle(b, LifecycleOptions{}) })
}

func benchLifecycle(b *testing.B, lc LifecycleOptions) {
	ctx := context.Background()
	n := b.N
	hot, err := blobdisk.Open(b.TempDir(), blobdisk.Options{})
	if err != nil {
		b.Fatal(err)
	}
	coldInner, _ := blobdisk.Open(b.TempDir(), blobdisk.Options{})
	cold, _ := compressedFor(coldInner)
	clock := newClock()
	m, err := metapebble.Open(b.TempDir(), metapebble.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	s, err := New(ctx, m, hot, Options{InlineLimit: 0, Logger: quietLogger(), Now: clock.Now,
		Tiers: map[string]blobStore{ColdTier: cold}, Lifecycle: lc})
	if err != nil {
		b.Fatal(err)
	}
	s.CreateBucket(ctx, testOwner, "bench", "")
	body := randBytes(1024, 1)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			if _, err := s.PutObject(ctx, &PutInput{Bucket: "bench", Key: fmt.Sprintf("obj/%08d", i), Body: bytes.NewReader(body), Size: 1024}); err != nil {
				b.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if err := s.PutBucketLifecycle(ctx, "bench", &LifecycleConfig{TransitionMinSize: TransitionMinVaries,
		Rules: []LifecycleRule{{Status: "Enabled", Filter: &LifecycleFilter{Prefix: "obj/"}, Transitions: []LifecycleTransition{{Days: ip(1), StorageClass: "GLACIER"}}}}}); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	if err := s.RunLifecycle(ctx); err != nil { // the index scan; nothing due yet
		b.Fatal(err)
	}
	indexS := time.Since(t0).Seconds()
	clock.Advance(time.Hour)
	t0 = time.Now()
	if err := s.RunLifecycle(ctx); err != nil {
		b.Fatal(err)
	}
	idlePass := float64(time.Since(t0).Microseconds())
	if st := s.LifecycleStatus(); st.Evaluated != 0 || st.Indexed != int64(n) {
		b.Fatalf("before anything is due: %+v", st)
	}
	foreground := func(stop <-chan struct{}) []time.Duration {
		var lat []time.Duration
		for i := 0; ; i++ {
			select {
			case <-stop:
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				return lat
			default:
			}
			t0 := time.Now()
			s.PutObject(ctx, &PutInput{Bucket: "bench", Key: fmt.Sprintf("fg/%d", i%100), Body: bytes.NewReader(body), Size: 1024})
			if out, err := s.GetObject(ctx, &GetInput{Bucket: "bench", Key: fmt.Sprintf("fg/%d", i%100)}); err == nil {
				out.Body.Close()
			}
			lat = append(lat, time.Since(t0))
		}
	}
	pct := func(lat []time.Duration, p int) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[len(lat)*p/100].Microseconds())
	}
	idle := make(chan struct{})
	time.AfterFunc(2*time.Second, func() { close(idle) })
	base := foreground(idle)

	clock.Advance(3 * day)
	stop, done := make(chan struct{}), make(chan []time.Duration)
	go func() { done <- foreground(stop) }()
	b.ResetTimer()
	start := time.Now()
	if err := s.RunLifecycle(ctx); err != nil {
		b.Fatal(err)
	}
	el := time.Since(start)
	b.StopTimer()
	close(stop)
	st := s.LifecycleStatus()
	if st.Transitions != int64(n) {
		b.Fatalf("transitioned %d of %d", st.Transitions, n)
	}
	b.ReportMetric(float64(st.Transitions)/el.Seconds(), "objects/s")
	b.ReportMetric(float64(st.BytesMoved)/el.Seconds()/(1<<20), "MiB/s")
	lat := <-done
	b.ReportMetric(pct(lat, 50), "fg-p50-µs")
	b.ReportMetric(pct(lat, 99), "fg-p99-µs")
	// Reported after ResetTimer, which deletes earlier metrics.
	b.ReportMetric(indexS, "index-scan-s")
	b.ReportMetric(idlePass, "idle-pass-µs")
	b.ReportMetric(pct(base, 50), "idle-fg-p50-µs")
	b.ReportMetric(pct(base, 99), "idle-fg-p99-µs")
}
