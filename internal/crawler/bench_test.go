package crawler

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkCrawl10k crawls 10,000 small CSV objects in 1,000 Hive
// partitions of the in-memory S3 engine into a fresh database each
// iteration, and reports objects/s and the peak heap in use.
func BenchmarkCrawl10k(b *testing.B) {
	const parts, per = 1000, 10
	e := newEnv(b, Options{})
	for p := range parts {
		for f := range per {
			e.put(fmt.Sprintf("bench/dt=2024-%04d/part-%02d.csv", p, f), []byte(fmt.Sprintf("id,name,amount\n%d,item%d,%d.5\n%d,x,%d\n", f, p, f, p, f)))
		}
	}
	stopHeap := samplePeakHeap()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		db := fmt.Sprintf("db%d", i)
		in := &CrawlerInput{Name: "bench", Role: ptr("r"), DatabaseName: &db, Targets: &Targets{S3Targets: []S3Target{{Path: "s3://bkt/bench/"}}}}
		var err error
		if i == 0 {
			err = e.eng.CreateCrawler(b.Context(), testCat, in)
		} else {
			err = e.eng.UpdateCrawler(b.Context(), testCat, in)
		}
		if err != nil {
			b.Fatal(err)
		}
		if err := e.eng.StartCrawler(b.Context(), testCat, "bench"); err != nil {
			b.Fatal(err)
		}
		e.eng.Wait(testCat, "bench")
		c, _ := e.eng.GetCrawler(b.Context(), testCat, "bench")
		if c.LastCrawl.Status != CrawlSucceeded {
			b.Fatalf("crawl %+v", c.LastCrawl)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	peak, base := stopHeap()
	b.ReportMetric(float64(parts*per*b.N)/elapsed.Seconds(), "objects/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peak-base)/(1<<20), "crawl-heap-MiB")
}

// samplePeakHeap garbage-collects, then samples HeapInuse every 5 ms
// until the returned stop, which gives the peak and the starting value.
func samplePeakHeap() (stop func() (peak, base uint64)) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	peak.Store(base)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() (uint64, uint64) {
		close(done)
		wg.Wait()
		return peak.Load(), base
	}
}
