// Package bench measures tarn with real clients: `tarn bench s3` runs PUT
// and GET of fixed-size objects at several concurrencies through the AWS
// SDK for Go v2 against a tarn server, and measures the machine's physical
// limits beside it (file write+fsync and read of the same sizes, loopback
// HTTP to a no-op handler), so every figure has its ceiling next to it.
package bench

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// Result is one measured cell.
type Result struct {
	Name        string
	Size        int
	Concurrency int
	Ops         int
	Elapsed     time.Duration
	P50, P99    time.Duration
	Errors      int
}

// OpsPerSec is the throughput in operations.
func (r Result) OpsPerSec() float64 { return float64(r.Ops) / r.Elapsed.Seconds() }

// MiBPerSec is the throughput in bytes.
func (r Result) MiBPerSec() float64 { return r.OpsPerSec() * float64(r.Size) / (1 << 20) }

// run calls op from conc goroutines until d has passed (at least once each)
// and collects per-op latencies.
func run(name string, size, conc int, d time.Duration, op func(worker, i int) error) Result {
	var mu sync.Mutex
	var lat []time.Duration
	errors := 0
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var local []time.Duration
			localErr := 0
			for i := 0; i == 0 || time.Now().Before(deadline); i++ {
				t := time.Now()
				if err := op(w, i); err != nil {
					localErr++
					if localErr == 1 {
						fmt.Printf("  %s: error: %v\n", name, err)
					}
					continue
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, local...)
			errors += localErr
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	el := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := Result{Name: name, Size: size, Concurrency: conc, Ops: len(lat), Elapsed: el, Errors: errors}
	if len(lat) > 0 {
		r.P50 = lat[len(lat)*50/100]
		r.P99 = lat[len(lat)*99/100]
	}
	return r
}

// PrintHeader writes the table header in Markdown.
func PrintHeader(w io.Writer) {
	fmt.Fprintln(w, "| test | size | conc | ops/s | MiB/s | p50 | p99 | errors |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
}

// Print writes one result row.
func (r Result) Print(w io.Writer) {
	fmt.Fprintf(w, "| %s | %s | %d | %.0f | %.1f | %s | %s | %d |\n", r.Name, SizeString(r.Size), r.Concurrency,
		r.OpsPerSec(), r.MiBPerSec(), round(r.P50), round(r.P99), r.Errors)
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}

// SizeString formats a byte count as 4KiB / 1MiB.
func SizeString(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// ParseSize parses 4KiB, 1MiB, 512 (bytes).
func ParseSize(s string) (int, error) {
	var n int
	var unit string
	if _, err := fmt.Sscanf(s, "%d%s", &n, &unit); err != nil {
		if _, err2 := fmt.Sscanf(s, "%d", &n); err2 != nil {
			return 0, fmt.Errorf("bad size %q", s)
		}
		return n, nil
	}
	switch unit {
	case "B", "":
		return n, nil
	case "KiB", "K", "k", "KB":
		return n << 10, nil
	case "MiB", "M", "m", "MB":
		return n << 20, nil
	}
	return 0, fmt.Errorf("bad size unit %q", unit)
}
