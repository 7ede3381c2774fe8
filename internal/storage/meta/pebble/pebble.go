// Package pebble is the embedded, durable meta.Store, built on
// github.com/cockroachdb/pebble/v2. Every Apply is one pebble batch committed
// with pebble.Sync; pebble group-commits concurrent synced batches into one
// WAL fsync, so throughput grows with the number of concurrent writers while
// each caller still waits for its own durability.
package pebble

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/tarnhq/tarn/internal/storage/meta"
)

// DefaultCacheSize is the block cache size used when Options.CacheSize is 0.
const DefaultCacheSize = 64 << 20

// Options configure Open. The zero value is usable.
type Options struct {
	// Logger receives pebble's messages: its informational chatter at Debug,
	// errors at Error. Nil discards them.
	Logger *slog.Logger
	// CacheSize is the block cache size in bytes; 0 means DefaultCacheSize.
	CacheSize int64
	// MemTableSize is the size of one memtable in bytes; 0 keeps pebble's
	// default (4 MiB).
	MemTableSize uint64
	// FS is the filesystem pebble uses; nil is the OS filesystem. Tests pass
	// vfs.NewMem() or an errorfs wrapper to inject faults.
	FS vfs.FS
	// ReadOnly opens the store without allowing writes (for inspection tools).
	ReadOnly bool
}

// Store is a meta.Store on a pebble database. It is safe for concurrent use.
type Store struct {
	// mu guards closed and db against Close: every operation, including
	// each iterator move, holds it for reading.
	mu     sync.RWMutex
	closed bool
	db     *pebble.DB

	itersMu sync.Mutex
	iters   map[*iter]struct{} // open iterators, closed by Close
}

var _ meta.Store = (*Store)(nil)

// Open opens (creating if needed) the database in dir.
func Open(dir string, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	size := opts.CacheSize
	if size <= 0 {
		size = DefaultCacheSize
	}
	cache := pebble.NewCache(size)
	defer cache.Unref() // the DB holds its own reference
	po := &pebble.Options{
		Cache:        cache,
		Logger:       slogLogger{log},
		FS:           opts.FS,
		ReadOnly:     opts.ReadOnly,
		MemTableSize: opts.MemTableSize,
		// New databases use this pebble's newest stable format, and older
		// ones are ratcheted up on open. The cost: a database written by
		// this version cannot be opened by an older pebble (tarn downgrade).
		FormatMajorVersion: pebble.FormatNewest,
	}
	db, err := pebble.Open(dir, po)
	if err != nil {
		return nil, fmt.Errorf("meta/pebble: open %s: %w", dir, err)
	}
	return &Store{db: db, iters: make(map[*iter]struct{})}, nil
}

// Get returns a copy of the value at key.
func (s *Store) Get(ctx context.Context, key []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, meta.ErrClosed
	}
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, meta.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("meta/pebble: get: %w", err)
	}
	out := make([]byte, len(v))
	copy(out, v)
	return out, closer.Close()
}

// NewIter returns a point-in-time iterator over [lower, upper).
func (s *Store) NewIter(ctx context.Context, lower, upper []byte) (meta.Iter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, meta.ErrClosed
	}
	// Pebble retains the bounds; copy them so callers may reuse theirs.
	o := &pebble.IterOptions{LowerBound: clone(lower), UpperBound: clone(upper)}
	pi, err := s.db.NewIterWithContext(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("meta/pebble: new iter: %w", err)
	}
	it := &iter{s: s, it: pi}
	s.itersMu.Lock()
	s.iters[it] = struct{}{}
	s.itersMu.Unlock()
	return it, nil
}

// Apply commits b atomically with an fsync of the WAL before returning.
func (s *Store) Apply(ctx context.Context, b *meta.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return meta.ErrClosed
	}
	if b.Len() == 0 {
		return nil
	}
	pb := s.db.NewBatch()
	defer pb.Close()
	for _, op := range b.Ops {
		var err error
		if op.Delete {
			err = pb.Delete(op.Key, nil)
		} else {
			err = pb.Set(op.Key, op.Value, nil)
		}
		if err != nil {
			return fmt.Errorf("meta/pebble: batch: %w", err)
		}
	}
	if err := pb.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("meta/pebble: commit: %w", err)
	}
	return nil
}

// Close closes any iterators still open, then the database. Later calls,
// including moves of those iterators, return meta.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return meta.ErrClosed
	}
	s.closed = true
	var errs []error
	for it := range s.iters {
		errs = append(errs, it.it.Close())
	}
	s.iters = nil
	errs = append(errs, s.db.Close())
	return errors.Join(errs...)
}

// Metrics returns pebble's metrics, for /_tarn/metrics and the tool command.
func (s *Store) Metrics() (*pebble.Metrics, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, meta.ErrClosed
	}
	return s.db.Metrics(), nil
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// iter adapts *pebble.Iterator. Pebble iterators already read a consistent
// point-in-time view of the database taken at creation.
type iter struct {
	s      *Store
	it     *pebble.Iterator
	closed bool // by the caller
	err    error
	// kbuf and vbuf hold copies of the current key and value. Pebble hands
	// out slices of its memtable; a caller writing into one would corrupt
	// the database, so Key and Value copy into these reused buffers.
	kbuf, vbuf []byte
}

// use runs f under the store's read lock, unless the iterator or the store
// has been closed.
func (i *iter) use(f func() bool) bool {
	i.s.mu.RLock()
	defer i.s.mu.RUnlock()
	if i.closed || i.s.closed {
		if i.err == nil {
			i.err = meta.ErrClosed
		}
		return false
	}
	return f()
}

func (i *iter) First() bool            { return i.use(i.it.First) }
func (i *iter) Next() bool             { return i.use(i.it.Next) }
func (i *iter) Valid() bool            { return i.use(i.it.Valid) }
func (i *iter) SeekGE(key []byte) bool { return i.use(func() bool { return i.it.SeekGE(key) }) }
func (i *iter) Key() (k []byte) {
	i.use(func() bool {
		if i.it.Valid() {
			i.kbuf = append(i.kbuf[:0], i.it.Key()...)
			k = i.kbuf
		}
		return true
	})
	return k
}

func (i *iter) Value() (v []byte) {
	i.use(func() bool {
		if !i.it.Valid() {
			return true
		}
		pv, err := i.it.ValueAndErr()
		if err != nil {
			i.err = err
			return true
		}
		i.vbuf = append(i.vbuf[:0], pv...)
		v = i.vbuf
		return true
	})
	return v
}

func (i *iter) Error() error {
	var err error
	i.use(func() bool { err = i.it.Error(); return true })
	if err == nil {
		err = i.err
	}
	if i.closed && errors.Is(err, meta.ErrClosed) {
		return nil // the caller closed it: not an iteration error
	}
	return err
}

func (i *iter) Close() error {
	i.s.mu.RLock()
	defer i.s.mu.RUnlock()
	if i.closed {
		return nil
	}
	i.closed = true
	if i.s.closed {
		return nil // Close of the store already closed it
	}
	i.s.itersMu.Lock()
	delete(i.s.iters, i)
	i.s.itersMu.Unlock()
	return i.it.Close()
}

// slogLogger adapts *slog.Logger to pebble.Logger.
type slogLogger struct{ l *slog.Logger }

func (l slogLogger) Infof(format string, args ...any) {
	l.l.Debug(fmt.Sprintf(format, args...), "component", "pebble")
}

func (l slogLogger) Errorf(format string, args ...any) {
	l.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
}

// Fatalf logs and panics rather than exit the process: pebble calls it only
// on broken invariants or unrecoverable I/O, after which continuing to
// serve writes could lose acknowledged data.
func (l slogLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.l.Error(msg, "component", "pebble", "fatal", true)
	panic("meta/pebble: fatal: " + msg)
}
