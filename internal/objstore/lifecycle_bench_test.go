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
	metamem "github.com/tarnhq/tarn/internal/storage/meta/mem"
)

// BenchmarkLifecycleTransition transitions N small objects (1 KiB, on a
// temp disk, in-memory metadata) from STANDARD to GLACIER (the compressed
// cold tier) in one unthrottled pass, while a foreground client PUTs and
// GETs; it reports objects and bytes moved per second and foreground
// latency percentiles. N is -benchtime's count (e.g. -benchtime=100000x).
func BenchmarkLifecycleTransition(b *testing.B) {
	ctx := context.Background()
	n := b.N
	hot, err := blobdisk.Open(b.TempDir(), blobdisk.Options{})
	if err != nil {
		b.Fatal(err)
	}
	coldInner, _ := blobdisk.Open(b.TempDir(), blobdisk.Options{})
	cold, _ := compressedFor(coldInner)
	clock := newClock()
	s, err := New(ctx, metamem.New(), hot, Options{InlineLimit: 0, Logger: quietLogger(), Now: clock.Now,
		Tiers: map[string]blobStore{ColdTier: cold}, Lifecycle: LifecycleOptions{ActionsPerSecond: -1, BytesPerSecond: -1}})
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
	clock.Advance(3 * day)
	stop, done := make(chan struct{}), make(chan struct{})
	var lat []time.Duration
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			t0 := time.Now()
			s.PutObject(ctx, &PutInput{Bucket: "bench", Key: fmt.Sprintf("fg/%d", i%100), Body: bytes.NewReader(body), Size: 1024})
			if out, err := s.GetObject(ctx, &GetInput{Bucket: "bench", Key: fmt.Sprintf("fg/%d", i%100)}); err == nil {
				out.Body.Close()
			}
			lat = append(lat, time.Since(t0))
		}
	}()
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
	<-done
	if len(lat) > 0 {
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "fg-p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "fg-p99-µs")
	}
}
