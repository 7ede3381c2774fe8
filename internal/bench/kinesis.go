package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// KinesisOptions configure the Kinesis benchmark.
type KinesisOptions struct {
	Endpoint, AccessKey, Secret string
	Shards                      int           // default 4
	Producers                   int           // concurrent PutRecords callers (default 8)
	Batch                       int           // records per PutRecords (default 500)
	Size                        int           // record size (default 1 KiB)
	Duration                    time.Duration // write phase (default 5 s)
	// Rate caps the total records/s the producers send (0: as fast as
	// they can), to measure latency at a given load.
	Rate int
	// Raw producers send pre-encoded PutRecords bodies over net/http
	// (signed with SigV4), patching only each record's timestamp, and raw
	// consumers scan GetRecords replies for just the timestamps and the
	// next iterator: the server's capacity without the SDK's encoding and
	// decoding costs (kinesis_raw.go).
	Raw bool
	// CBOR makes the raw clients speak CBOR (application/x-amz-cbor-1.1),
	// as the Java SDK, KPL and KCL do; it implies Raw.
	CBOR bool
	Out  io.Writer
}

func (o *KinesisOptions) defaults() {
	if o.Shards == 0 {
		o.Shards = 4
	}
	if o.Producers == 0 {
		o.Producers = 8
	}
	if o.Batch == 0 {
		o.Batch = 500
	}
	if o.Size < 8 {
		o.Size = 1024
	}
	if o.Duration == 0 {
		o.Duration = 5 * time.Second
	}
	if o.CBOR {
		o.Raw = true
	}
}

// KinesisResult is what the benchmark measured.
type KinesisResult struct {
	Records                int64
	WriteRecsPerSec        float64
	WriteMiBPerSec         float64
	ReadRecsPerSec         float64
	LatencyP50, LatencyP99 time.Duration
	// PutP50 and PutP99 are the PutRecords call times (send to durable
	// acknowledgement), per call.
	PutP50, PutP99 time.Duration
	// CPUCores is the process's CPU time over the write phase, in cores
	// (client and an in-process server together).
	CPUCores float64
}

// Kinesis writes Size-byte records in PutRecords batches over Shards shards
// for Duration while one tailing consumer per shard measures put→get
// latency (the producer's clock is in each record), then reads everything
// back from TRIM_HORIZON. The server should run with --kinesis-limits=off.
func Kinesis(ctx context.Context, o KinesisOptions) (KinesisResult, error) {
	o.defaults()
	c := kinesis.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(o.Endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(o.AccessKey, o.Secret, ""),
		HTTPClient:  &http.Client{Transport: detachedBodies{&http.Transport{MaxIdleConnsPerHost: 256}}}})
	name := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(int32(o.Shards))}); err != nil {
		return KinesisResult{}, err
	}
	for {
		d, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &name})
		if err != nil {
			return KinesisResult{}, err
		}
		if d.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var res KinesisResult
	stop := make(chan struct{})
	var lmu sync.Mutex
	var lats []time.Duration
	var wg sync.WaitGroup
	var readErr atomic.Value
	for s := range o.Shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("shardId-%012d", s)
			it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: &id, ShardIteratorType: types.ShardIteratorTypeLatest})
			if err != nil {
				readErr.Store(err)
				return
			}
			iter := it.ShardIterator
			var local []time.Duration
			var raw *rawClient
			if o.Raw {
				raw = newRawClient(o)
			}
			var stamps []int64
			for {
				n := 0
				if raw != nil {
					var next string
					stamps, next, err = raw.getRecords(ctx, *iter, stamps[:0])
					if err != nil {
						readErr.Store(err)
						return
					}
					now := time.Now()
					for _, ns := range stamps {
						local = append(local, now.Sub(time.Unix(0, ns)))
					}
					n, iter = len(stamps), &next
				} else {
					r, err := getRecords(ctx, c, iter)
					if err != nil {
						readErr.Store(err)
						return
					}
					now := time.Now()
					for _, rec := range r.Records {
						local = append(local, now.Sub(time.Unix(0, int64(binary.BigEndian.Uint64(rec.Data)))))
					}
					n, iter = len(r.Records), r.NextShardIterator
				}
				if n == 0 {
					select {
					case <-stop:
						lmu.Lock()
						lats = append(lats, local...)
						lmu.Unlock()
						return
					case <-time.After(2 * time.Millisecond):
					}
				}
			}
		}()
	}
	var total atomic.Int64
	var pwg sync.WaitGroup
	cpu0 := cpuTime()
	start := time.Now()
	deadline := start.Add(o.Duration)
	var putErr atomic.Value
	var pmu sync.Mutex
	var acks []time.Duration // PutRecords call → reply
	for p := range o.Producers {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			entries := make([]types.PutRecordsRequestEntry, o.Batch)
			for i := range entries {
				entries[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprintf("p%d-%d", p, i)), Data: make([]byte, o.Size)}
			}
			var raw *rawPutter
			if o.Raw {
				raw = newRawPutter(o, name, p)
			}
			var interval time.Duration
			if o.Rate > 0 {
				interval = time.Duration(float64(time.Second) * float64(o.Batch*o.Producers) / float64(o.Rate))
			}
			// Paced producers are spread evenly over the interval, as
			// independent producers would be, not sent in bursts.
			next := time.Now().Add(interval * time.Duration(p) / time.Duration(o.Producers))
			var local []time.Duration
			defer func() {
				pmu.Lock()
				acks = append(acks, local...)
				pmu.Unlock()
			}()
			for time.Now().Before(deadline) {
				if interval > 0 {
					if d := time.Until(next); d > 0 {
						time.Sleep(d)
					}
					next = next.Add(interval)
				}
				t := time.Now()
				now := t.UnixNano()
				if raw != nil {
					failed, err := raw.put(ctx, now)
					if err != nil {
						putErr.Store(err)
						return
					}
					local = append(local, time.Since(t))
					total.Add(int64(o.Batch - failed))
					continue
				}
				for i := range entries { // the SDK is done with them once PutRecords returns
					binary.BigEndian.PutUint64(entries[i].Data, uint64(now))
				}
				out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &name, Records: entries})
				if err != nil {
					putErr.Store(err)
					return
				}
				local = append(local, time.Since(t))
				total.Add(int64(o.Batch - int(*out.FailedRecordCount)))
			}
		}()
	}
	pwg.Wait()
	elapsed := time.Since(start)
	res.CPUCores = (cpuTime() - cpu0).Seconds() / elapsed.Seconds()
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	if err, ok := putErr.Load().(error); ok {
		return res, err
	}
	if err, ok := readErr.Load().(error); ok {
		return res, err
	}
	res.Records = total.Load()
	res.WriteRecsPerSec = float64(res.Records) / elapsed.Seconds()
	res.WriteMiBPerSec = res.WriteRecsPerSec * float64(o.Size) / (1 << 20)
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	if len(lats) > 0 {
		res.LatencyP50, res.LatencyP99 = lats[len(lats)/2], lats[len(lats)*99/100]
	}
	sort.Slice(acks, func(i, j int) bool { return acks[i] < acks[j] })
	if len(acks) > 0 {
		res.PutP50, res.PutP99 = acks[len(acks)/2], acks[len(acks)*99/100]
	}
	// Read-back from TRIM_HORIZON, all shards in parallel.
	var read atomic.Int64
	rstart := time.Now()
	var rwg sync.WaitGroup
	for s := range o.Shards {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			id := fmt.Sprintf("shardId-%012d", s)
			it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: &id, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
			if err != nil {
				readErr.Store(err)
				return
			}
			iter := it.ShardIterator
			var raw *rawClient
			if o.Raw {
				raw = newRawClient(o)
			}
			var stamps []int64
			for {
				n := 0
				if raw != nil {
					var next string
					if stamps, next, err = raw.getRecords(ctx, *iter, stamps[:0]); err != nil {
						readErr.Store(err)
						return
					}
					n, iter = len(stamps), &next
				} else {
					r, err := getRecords(ctx, c, iter)
					if err != nil {
						readErr.Store(err)
						return
					}
					n, iter = len(r.Records), r.NextShardIterator
				}
				read.Add(int64(n))
				if n == 0 {
					return
				}
			}
		}()
	}
	rwg.Wait()
	res.ReadRecsPerSec = float64(read.Load()) / time.Since(rstart).Seconds()
	c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: &name})
	if o.Out != nil {
		client := "aws-sdk-go-v2"
		if o.CBOR {
			client = "raw clients, CBOR"
		} else if o.Raw {
			client = "raw clients, JSON"
		}
		rate := "unlimited"
		if o.Rate > 0 {
			rate = fmt.Sprintf("%d records/s", o.Rate)
		}
		fmt.Fprintf(o.Out, "kinesis: %d shards, %d producers (%s, rate %s), PutRecords of %d × %s, %s\n", o.Shards, o.Producers, client, rate, o.Batch, SizeString(o.Size), round(elapsed))
		fmt.Fprintf(o.Out, "  write      %10.0f records/s  %8.1f MiB/s  (%d records)\n", res.WriteRecsPerSec, res.WriteMiBPerSec, res.Records)
		fmt.Fprintf(o.Out, "  read-back  %10.0f records/s  %8.1f MiB/s  (%d records)\n", res.ReadRecsPerSec, res.ReadRecsPerSec*float64(o.Size)/(1<<20), read.Load())
		fmt.Fprintf(o.Out, "  put→get    p50 %s  p99 %s  (%d samples)\n", round(res.LatencyP50), round(res.LatencyP99), len(lats))
		fmt.Fprintf(o.Out, "  PutRecords p50 %s  p99 %s  (%d calls: request sent → durable reply)\n", round(res.PutP50), round(res.PutP99), len(acks))
		fmt.Fprintf(o.Out, "  CPU        %.2f cores used by this process during the write phase (of %d)\n", res.CPUCores, runtime.NumCPU())
	}
	if err, ok := readErr.Load().(error); ok {
		return res, err
	}
	return res, nil
}

// AppendLimit measures the disk's raw append+fsync rate for batches of
// batchBytes in dir: the ceiling for a durable log on this machine.
func AppendLimit(dir string, batchBytes int, d time.Duration, out io.Writer) (float64, error) {
	f, err := os.CreateTemp(dir, "tarn-bench-append-")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, batchBytes)
	n := 0
	start := time.Now()
	for time.Since(start) < d {
		if _, err := f.Write(buf); err != nil {
			return 0, err
		}
		if err := f.Sync(); err != nil {
			return 0, err
		}
		n++
	}
	rate := float64(n) / time.Since(start).Seconds()
	if out != nil {
		fmt.Fprintf(out, "disk: append+fsync of %s batches in %s: %.0f fsyncs/s = %.1f MiB/s\n", SizeString(batchBytes), filepath.Dir(f.Name()), rate, rate*float64(batchBytes)/(1<<20))
	}
	return rate, nil
}

// getRecords retries a GetRecords whose response the SDK failed to read
// because its HTTP transport closed the connection under it ("use of closed
// network connection", a client-side race known in aws-sdk-go-v2, e.g.
// issues #1825 and #2737). A shard iterator stays valid for five minutes,
// so re-reading with the same one is safe.
func getRecords(ctx context.Context, c *kinesis.Client, iter *string) (*kinesis.GetRecordsOutput, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var r *kinesis.GetRecordsOutput
		if r, err = c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter}); err == nil {
			return r, nil
		}
		if !strings.Contains(err.Error(), "use of closed network connection") {
			return nil, err
		}
	}
	return nil, err
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
