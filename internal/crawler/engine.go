package crawler

import (
	"context"
	"encoding/json"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/tarnhq/tarn/internal/catalog"
	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// Options configure an Engine.
type Options struct {
	Region string
	// Now is the wall clock for timestamps (default time.Now).
	Now func() time.Time
	// ScheduleMinute is how long one minute of schedule time lasts
	// (default a minute); tests and demos shorten it.
	ScheduleMinute time.Duration
	Logger         *slog.Logger
	// Registry holds the classifier kinds (default DefaultRegistry).
	Registry *Registry
	// Workers bounds the files read at once across all crawls.
	Workers int
	// SimilarityThreshold is the share of a folder's columns that must
	// be in the merged schema of its siblings for them to become
	// partitions of one table (default 0.7).
	SimilarityThreshold float64
	// SampleRows bounds the records read per text file (default 1000).
	SampleRows int
}

// Engine is the crawler and classifier engine of one tarn.
type Engine struct {
	meta  meta.Store
	cat   *catalog.Catalog
	obj   ObjectStore
	opts  Options
	log   *slog.Logger
	reg   *Registry
	sem   chan struct{}
	mu    sync.Mutex // serializes read-modify-write of definitions
	runs  map[string]*run
	sched map[string]chan struct{} // running schedule loops by crawler key
	wg    sync.WaitGroup
	done  chan struct{}
	epoch time.Time // schedule clock origin
}

// Open returns an engine over the metadata store, the catalog and the S3
// engine. Crawlers left RUNNING by a crash are marked FAILED, and their
// schedules resume.
func Open(ctx context.Context, m meta.Store, c *catalog.Catalog, obj ObjectStore, opts Options) (*Engine, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ScheduleMinute <= 0 {
		opts.ScheduleMinute = time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Registry == nil {
		opts.Registry = DefaultRegistry
	}
	if opts.Workers <= 0 {
		opts.Workers = max(4, 2*runtime.GOMAXPROCS(0))
	}
	if opts.SimilarityThreshold <= 0 {
		opts.SimilarityThreshold = 0.7
	}
	if opts.SampleRows <= 0 {
		opts.SampleRows = 1000
	}
	e := &Engine{meta: m, cat: c, obj: obj, opts: opts, log: opts.Logger, reg: opts.Registry,
		sem: make(chan struct{}, opts.Workers), runs: map[string]*run{}, sched: map[string]chan struct{}{},
		done: make(chan struct{}), epoch: time.Now()}
	if err := e.recover(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// Close cancels running crawls and schedules and waits for them.
func (e *Engine) Close() {
	e.mu.Lock()
	select {
	case <-e.done:
		e.mu.Unlock()
		return
	default:
	}
	close(e.done)
	for _, r := range e.runs {
		r.cancel()
	}
	e.mu.Unlock()
	e.wg.Wait()
}

const sep = "\x00"

func key(kind string, parts ...string) []byte {
	return []byte("crawler/" + kind + "/" + strings.Join(parts, sep))
}

func prefix(kind string, parts ...string) []byte { return append(key(kind, parts...), sep...) }

func upperBound(p []byte) []byte {
	u := append([]byte(nil), p...)
	for i := len(u) - 1; i >= 0; i-- {
		if u[i] < 0xff {
			u[i]++
			return u[:i+1]
		}
	}
	return nil
}

func (e *Engine) now() time.Time { return e.opts.Now().UTC().Truncate(time.Millisecond) }

func (e *Engine) getJSON(ctx context.Context, op string, k []byte, v any) (bool, error) {
	b, err := e.meta.Get(ctx, k)
	if meta.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, errIO(op, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, errs.E(op, errs.Corrupt, errs.Code(CodeInternal), "Internal service error.", err)
	}
	return true, nil
}

func setJSON(b *meta.Batch, k []byte, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		panic("crawler: marshal: " + err.Error()) // only plain data types are stored
	}
	b.Set(k, data)
}

func (e *Engine) apply(ctx context.Context, op string, b *meta.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	if err := e.meta.Apply(ctx, b); err != nil {
		return errIO(op, err)
	}
	return nil
}

// scan calls fn for each entry in [lower, upper) after start.
func (e *Engine) scan(ctx context.Context, op string, lower, upper []byte, fn func(k, v []byte) (bool, error)) error {
	it, err := e.meta.NewIter(ctx, lower, upper)
	if err != nil {
		return errIO(op, err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		more, err := fn(it.Key(), it.Value())
		if err != nil {
			return err
		}
		if !more {
			break
		}
	}
	if err := it.Error(); err != nil {
		return errIO(op, err)
	}
	return nil
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
