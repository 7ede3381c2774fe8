package crawler

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tarnhq/tarn/internal/formats"
	"github.com/tarnhq/tarn/internal/objstore"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// gatedStore is an ObjectStore whose reads wait for a gate and count the
// bytes they return.
type gatedStore struct {
	ObjectStore
	gate chan struct{}
	read atomic.Int64
}

func (g *gatedStore) GetObject(ctx context.Context, in *objstore.GetInput) (*objstore.GetOutput, error) {
	if g.gate != nil {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	out, err := g.ObjectStore.GetObject(ctx, in)
	if err == nil {
		out.Body = &countingBody{out.Body, &g.read}
	}
	return out, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func reopen(t *testing.T, e *env, m meta.Store, obj ObjectStore) *Engine {
	eng, err := Open(context.Background(), m, e.cat, obj, Options{Workers: 2, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	return eng
}

func TestProgressAndStop(t *testing.T) {
	e := newEnv(t, Options{})
	for i := range 20 {
		e.put("p/d="+string(rune('a'+i))+"/x.json", []byte(`{"a":1}`))
	}
	g := &gatedStore{ObjectStore: e.obj, gate: make(chan struct{})}
	eng := reopen(t, e, e.eng.meta, g)
	ctx := context.Background()
	in := &CrawlerInput{Name: "p", Role: ptr("r"), DatabaseName: ptr("db"), Targets: &Targets{S3Targets: []S3Target{{Path: "s3://bkt/p/"}}}}
	if err := eng.CreateCrawler(ctx, testCat, in); err != nil {
		t.Fatal(err)
	}
	if err := eng.StartCrawler(ctx, testCat, "p"); err != nil {
		t.Fatal(err)
	}
	g.gate <- struct{}{} // one read gets through: the crawl is under way
	time.Sleep(10 * time.Millisecond)
	c, _ := eng.GetCrawler(ctx, testCat, "p")
	m, _, _ := eng.GetCrawlerMetrics(ctx, testCat, []string{"p"}, Page{})
	if c.State != StateRunning || c.CrawlElapsedTime <= 0 || len(m) != 1 {
		t.Fatalf("while running: %+v %+v", c, m)
	}
	if err := eng.StopCrawler(ctx, testCat, "p"); err != nil {
		t.Fatal(err)
	}
	if c, _ = eng.GetCrawler(ctx, testCat, "p"); c.State != StateStopping && c.State != StateReady {
		t.Fatalf("after stop: %s", c.State)
	}
	eng.Wait(testCat, "p")
	c, _ = eng.GetCrawler(ctx, testCat, "p")
	if c.State != StateReady || c.LastCrawl.Status != CrawlCancelled {
		t.Fatalf("stopped: %+v %+v", c.State, c.LastCrawl)
	}
	if _, err := e.cat.GetTable(ctx, testCat, "db", "p"); err == nil {
		t.Fatal("a cancelled crawl wrote its table")
	}
}

// TestRecoverAfterCrash: a crawler left RUNNING in the store (the process
// died mid-crawl) is READY with a FAILED last crawl after a restart.
func TestRecoverAfterCrash(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	in := &CrawlerInput{Name: "x", Role: ptr("r"), DatabaseName: ptr("db"), Targets: &Targets{S3Targets: []S3Target{{Path: "s3://bkt/x/"}}}}
	if err := e.eng.CreateCrawler(ctx, testCat, in); err != nil {
		t.Fatal(err)
	}
	r, _ := e.eng.load(ctx, "t", testCat, "x")
	r.State = StateRunning
	if err := e.eng.store(ctx, "t", testCat, r); err != nil {
		t.Fatal(err)
	}
	eng := reopen(t, e, e.eng.meta, e.obj)
	c, _ := eng.GetCrawler(ctx, testCat, "x")
	if c.State != StateReady || c.LastCrawl == nil || c.LastCrawl.Status != CrawlFailed {
		t.Fatalf("after restart: %+v %+v", c.State, c.LastCrawl)
	}
}

// TestParquetMetadataOnly: classifying a Parquet file reads its footer,
// not its data pages.
func TestParquetMetadataOnly(t *testing.T) {
	e := newEnv(t, Options{})
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	var buf bytes.Buffer
	w, err := formats.NewWriter(formats.Parquet, &buf, schema, formats.Options{Parquet: formats.ParquetOptions{Compression: "UNCOMPRESSED"}})
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	for i := range 200000 {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.StringBuilder).Append("some longer string value to make the pages big")
	}
	rec := b.NewRecord()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	w.Close()
	e.put("pq/a.parquet", buf.Bytes())
	g := &gatedStore{ObjectStore: e.obj}
	eng := reopen(t, e, e.eng.meta, g)
	ctx := context.Background()
	in := &CrawlerInput{Name: "pq", Role: ptr("r"), DatabaseName: ptr("db"), Targets: &Targets{S3Targets: []S3Target{{Path: "s3://bkt/pq/"}}}}
	if err := eng.CreateCrawler(ctx, testCat, in); err != nil {
		t.Fatal(err)
	}
	if err := eng.StartCrawler(ctx, testCat, "pq"); err != nil {
		t.Fatal(err)
	}
	eng.Wait(testCat, "pq")
	tbl, err := e.cat.GetTable(ctx, testCat, "db", "pq")
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Parameters["recordCount"] != "200000" || tbl.Parameters["classification"] != "parquet" {
		t.Fatalf("table params %v", tbl.Parameters)
	}
	if n, size := g.read.Load(), int64(buf.Len()); n*100 > size {
		t.Fatalf("read %d of %d bytes to classify a Parquet file", n, size)
	} else {
		t.Logf("read %d of %d bytes to classify a Parquet file", n, size)
	}
}
