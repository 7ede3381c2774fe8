//go:build crawlbench

package crawler

// The Parquet dataset benchmark (make bench-crawl, scripts/bench_crawl.sh;
// not part of make test). One process generates a Hive-partitioned Parquet
// dataset of -crawlbench.gib GiB (~128 MiB files, four per partition) into
// a disk-backed tarn data dir (pebble metadata, disk blobs); a second
// process opens that dir and crawls it, so its peak RSS is the crawl's
// alone. The crawler reads only each file's first bytes and footer.

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tarnhq/tarn/internal/catalog"
	"github.com/tarnhq/tarn/internal/formats"
	"github.com/tarnhq/tarn/internal/objstore"
	"github.com/tarnhq/tarn/internal/storage/blob/disk"
	"github.com/tarnhq/tarn/internal/storage/meta/pebble"
)

var (
	benchDir = flag.String("crawlbench.dir", "", "data dir of the Parquet crawl benchmark")
	benchGiB = flag.Float64("crawlbench.gib", 1, "dataset size to generate, GiB")
)

const (
	benchBucket   = "lake"
	benchFileSize = 128 << 20
	benchPerPart  = 4
)

type benchStores struct {
	obj  *objstore.Store
	cat  *catalog.Catalog
	meta *pebble.Store
}

func openBenchStores(t testing.TB, dir string) *benchStores {
	ctx := context.Background()
	m, err := pebble.Open(filepath.Join(dir, "meta"), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := disk.Open(filepath.Join(dir, "blobs"), disk.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	obj, err := objstore.New(ctx, m, b, objstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Open(ctx, m, catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(); m.Close() })
	return &benchStores{obj: obj, cat: c, meta: m}
}

var benchSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "user_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}},
	{Name: "category", Type: arrow.BinaryTypes.String},
	{Name: "note", Type: arrow.BinaryTypes.String},
}, nil)

// writeBenchFile writes about benchFileSize bytes of uncompressed Parquet
// (random values, 512 Ki-row row groups) to w.
func writeBenchFile(w io.Writer, seed uint64) error {
	pw, err := formats.NewWriter(formats.Parquet, w, benchSchema,
		formats.Options{Parquet: formats.ParquetOptions{Compression: "UNCOMPRESSED", RowGroupRows: 512 << 10}})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const batch, rowBytes = 64 << 10, 60 // ≈ bytes per row in the file
	rows := benchFileSize / rowBytes
	note := make([]byte, 24)
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	bld := array.NewRecordBuilder(memory.DefaultAllocator, benchSchema)
	defer bld.Release()
	for done := 0; done < rows; done += batch {
		n := min(batch, rows-done)
		for i := range n {
			id := int64(done + i)
			bld.Field(0).(*array.Int64Builder).Append(id)
			bld.Field(1).(*array.Int64Builder).Append(rng.Int64N(1 << 30))
			bld.Field(2).(*array.Float64Builder).Append(rng.Float64() * 1000)
			bld.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(1704067200000000 + id*1000))
			bld.Field(4).(*array.StringBuilder).Append("cat" + strconv.Itoa(int(id%16)))
			for k := range note {
				note[k] = letters[rng.IntN(len(letters))]
			}
			bld.Field(5).(*array.StringBuilder).Append(string(note))
		}
		rec := bld.NewRecord()
		err := pw.Write(rec)
		rec.Release()
		if err != nil {
			return err
		}
	}
	return pw.Close()
}

// TestCrawlBenchGenerate writes the dataset (run only by the benchmark
// script: -crawlbench.dir must name an empty directory).
func TestCrawlBenchGenerate(t *testing.T) {
	if *benchDir == "" {
		t.Skip("-crawlbench.dir not set")
	}
	ctx := context.Background()
	s := openBenchStores(t, *benchDir)
	if _, err := s.obj.CreateBucket(ctx, testCat, benchBucket, ""); err != nil {
		t.Fatal(err)
	}
	files := int(*benchGiB*(1<<30)/benchFileSize + 0.5)
	start := time.Now()
	var total int64
	for i := range files {
		pr, pw := io.Pipe()
		go func() {
			bw := bufio.NewWriterSize(pw, 1<<20)
			err := writeBenchFile(bw, uint64(i+1))
			if err == nil {
				err = bw.Flush()
			}
			pw.CloseWithError(err)
		}()
		key := fmt.Sprintf("events/dt=2024-01-%02d/part-%05d.parquet", 1+i/benchPerPart, i%benchPerPart)
		o, err := s.obj.PutObject(ctx, &objstore.PutInput{Bucket: benchBucket, Key: key, Body: pr, Size: -1, Owner: testCat})
		if err != nil {
			t.Fatal(err)
		}
		total += o.Size
	}
	t.Logf("generated %d files, %.2f GiB in %v", files, float64(total)/(1<<30), time.Since(start).Round(time.Second))
}

// countingStore counts the object bytes the crawler reads.
type countingStore struct {
	ObjectStore
	bytes, gets atomic.Int64
}

func (c *countingStore) GetObject(ctx context.Context, in *objstore.GetInput) (*objstore.GetOutput, error) {
	out, err := c.ObjectStore.GetObject(ctx, in)
	if err == nil {
		c.gets.Add(1)
		out.Body = &countingBody{ReadCloser: out.Body, n: &c.bytes}
	}
	return out, err
}

// procStatus returns a /proc/self/status field in KiB (VmRSS, VmHWM).
func procStatus(field string) int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return -1
}

// BenchmarkCrawlParquetDataset crawls the dataset of -crawlbench.dir into
// a fresh database per iteration (run it with -benchtime 1x).
func BenchmarkCrawlParquetDataset(b *testing.B) {
	if *benchDir == "" {
		b.Skip("-crawlbench.dir not set")
	}
	ctx := context.Background()
	s := openBenchStores(b, *benchDir)
	counting := &countingStore{ObjectStore: s.obj}
	eng, err := Open(ctx, s.meta, s.cat, counting, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	list, err := s.obj.ListObjects(ctx, &objstore.ListInput{Bucket: benchBucket, MaxKeys: 1000})
	if err != nil {
		b.Fatal(err)
	}
	var objects, size int64
	for _, o := range list.Objects {
		objects++
		size += o.Size
	}
	runtime.GC()
	// Reset the peak RSS (VmHWM) so it covers the crawl only.
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	rssBase := procStatus("VmRSS")
	stopHeap := samplePeakHeap()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		db := fmt.Sprintf("bench%d_%d", time.Now().UnixNano(), i)
		name := "pq" + strconv.Itoa(i) + strconv.FormatInt(time.Now().UnixNano(), 36)
		in := &CrawlerInput{Name: name, Role: ptr("r"), DatabaseName: &db,
			Targets: &Targets{S3Targets: []S3Target{{Path: "s3://" + benchBucket + "/events/"}}}}
		if err := eng.CreateCrawler(ctx, testCat, in); err != nil {
			b.Fatal(err)
		}
		if err := eng.StartCrawler(ctx, testCat, name); err != nil {
			b.Fatal(err)
		}
		eng.Wait(testCat, name)
		c, _ := eng.GetCrawler(ctx, testCat, name)
		if c.LastCrawl.Status != CrawlSucceeded {
			b.Fatalf("crawl %+v", c.LastCrawl)
		}
		if i == 0 {
			ps, _, err := s.cat.GetPartitions(ctx, testCat, db, "events", catalog.PartitionQuery{MaxResults: 1000})
			if err != nil {
				b.Fatal(err)
			}
			tb, err := s.cat.GetTable(ctx, testCat, db, "events")
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("table events: %d columns, %d partitions, recordCount=%s", len(tb.StorageDescriptor.Columns), len(ps), tb.Parameters["recordCount"])
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	peak, base := stopHeap()
	n := float64(b.N)
	b.ReportMetric(float64(objects)*n/elapsed.Seconds(), "objects/s")
	b.ReportMetric(elapsed.Seconds()/n, "s/crawl")
	b.ReportMetric(float64(size)/(1<<30), "dataset-GiB")
	b.ReportMetric(float64(counting.bytes.Load())/n/(1<<20), "read-MiB/crawl")
	b.ReportMetric(float64(counting.gets.Load())/n, "GETs/crawl")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peak-base)/(1<<20), "crawl-heap-MiB")
	b.ReportMetric(float64(procStatus("VmHWM"))/1024, "peak-RSS-MiB")
	b.ReportMetric(float64(rssBase)/1024, "start-RSS-MiB")
}
