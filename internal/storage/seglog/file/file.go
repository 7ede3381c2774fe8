// Package file is the embedded seglog.Store: each log is a directory of
// segment files with per-record CRC32C framing, a sparse offset index and a
// time index (persisted when a segment is sealed), group-commit fsync (one
// fsync covers every Append waiting for it), and torn-tail recovery at open.
// The format is described in FORMAT.md.
package file

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tarnhq/tarn/internal/storage/seglog"
)

// Options tune a Store. Zero values take the defaults.
type Options struct {
	// SegmentBytes seals a segment once it holds this many bytes
	// (default 16 MiB).
	SegmentBytes int64
	// SegmentAge seals a segment whose first record is older than this
	// when the next record arrives (default 1 h): it bounds how long
	// trimmed-by-retention data outlives its deadline.
	SegmentAge time.Duration
	// IndexInterval is the byte distance between sparse index entries
	// (default 4 KiB).
	IndexInterval int64
}

func (o *Options) defaults() {
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = 16 << 20
	}
	if o.SegmentAge <= 0 {
		o.SegmentAge = time.Hour
	}
	if o.IndexInterval <= 0 {
		o.IndexInterval = 4 << 10
	}
}

// Store is a directory of logs.
type Store struct {
	dir    string
	opts   Options
	mu     sync.Mutex
	logs   map[string]*Log
	closed bool
}

// Open opens (creating) the store rooted at dir.
func Open(dir string, opts Options) (*Store, error) {
	opts.defaults()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &Store{dir: dir, opts: opts, logs: map[string]*Log{}}, nil
}

// Open implements seglog.Store.
func (s *Store) Open(ctx context.Context, name string) (seglog.Log, error) {
	if !seglog.ValidName(name) {
		return nil, seglog.ErrBadName
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, seglog.ErrClosed
	}
	if l, ok := s.logs[name]; ok {
		return l, nil
	}
	l, err := openLog(filepath.Join(s.dir, filepath.FromSlash(name)), s.opts)
	if err != nil {
		return nil, err
	}
	l.store, l.name = s, name
	s.logs[name] = l
	return l, nil
}

// Remove implements seglog.Store.
func (s *Store) Remove(ctx context.Context, name string) error {
	if !seglog.ValidName(name) {
		return seglog.ErrBadName
	}
	s.mu.Lock()
	l := s.logs[name]
	delete(s.logs, name)
	s.mu.Unlock()
	if l != nil {
		l.close()
	}
	return os.RemoveAll(filepath.Join(s.dir, filepath.FromSlash(name)))
}

// Close implements seglog.Store.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first error
	for name, l := range s.logs {
		if err := l.close(); err != nil && first == nil {
			first = err
		}
		delete(s.logs, name)
	}
	s.closed = true
	return first
}

// Log is one segment-file log.
type Log struct {
	dir   string
	opts  Options
	store *Store
	name  string

	// syncMu serialises fsyncs (group commit) and Trim; lock order is
	// syncMu before mu.
	syncMu sync.Mutex
	synced atomic.Uint64 // offsets below are durable and readable

	mu       sync.RWMutex
	segs     []*segment // ordered by base; the last is active
	lastTime int64
	closed   bool
}

func openLog(dir string, opts Options) (*Log, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	l := &Log{dir: dir, opts: opts}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var bases []uint64
	for _, e := range ents {
		name := e.Name()
		if strings.HasSuffix(name, ".tmp") {
			os.Remove(filepath.Join(dir, name))
			continue
		}
		if !strings.HasSuffix(name, ".log") {
			continue
		}
		b, err := strconv.ParseUint(strings.TrimSuffix(name, ".log"), 10, 64)
		if err != nil {
			continue
		}
		bases = append(bases, b)
	}
	sort.Slice(bases, func(i, j int) bool { return bases[i] < bases[j] })
	for i, b := range bases {
		f, err := os.OpenFile(segName(dir, b, "log"), os.O_RDWR, 0o600)
		if err != nil {
			l.closeFiles()
			return nil, err
		}
		s := &segment{base: b, next: b, f: f}
		l.segs = append(l.segs, s)
		last := i == len(bases)-1
		st, err := f.Stat()
		if err == nil && (last || !s.readIndex(dir, st.Size())) {
			err = s.scan(opts.IndexInterval, last)
		}
		if err == nil && i > 0 && l.segs[i-1].next != b {
			err = fmt.Errorf("seglog/file: %s: segment %d does not follow %d", dir, b, l.segs[i-1].next)
		}
		if err != nil {
			l.closeFiles()
			return nil, err
		}
		if !s.empty() {
			l.lastTime = s.lastTime
		}
	}
	if len(l.segs) == 0 {
		if err := l.newSegment(0); err != nil {
			return nil, err
		}
	}
	l.synced.Store(l.active().next)
	return l, nil
}

func (l *Log) active() *segment { return l.segs[len(l.segs)-1] }

// newSegment creates an empty active segment starting at base and makes
// its directory entry durable. Called with mu held (or before sharing).
func (l *Log) newSegment(base uint64) error {
	f, err := os.OpenFile(segName(l.dir, base, "log"), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := syncDir(l.dir); err != nil {
		f.Close()
		return err
	}
	l.segs = append(l.segs, &segment{base: base, next: base, f: f})
	return nil
}

// roll seals the active segment (fsync + index file) and starts a new one.
func (l *Log) roll() error {
	a := l.active()
	if err := a.f.Sync(); err != nil {
		return err
	}
	if err := a.writeIndex(l.dir); err != nil {
		return err
	}
	return l.newSegment(a.next)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// framePool holds Append's frame buffers (the encoded batch lives only
// until it is written).
var framePool = sync.Pool{New: func() any { return new([]byte) }}

// Append implements seglog.Log.
func (l *Log) Append(ctx context.Context, recs []seglog.Record) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return 0, seglog.ErrClosed
	}
	a := l.active()
	if a.size >= l.opts.SegmentBytes || !a.empty() && len(recs) > 0 &&
		recs[0].Time.UnixNano()-a.firstTime >= int64(l.opts.SegmentAge) {
		if err := l.roll(); err != nil {
			l.mu.Unlock()
			return 0, fmt.Errorf("seglog/file: roll: %w", err)
		}
		a = l.active()
	}
	first := a.next
	n := 0
	for i := range recs {
		n += frameHeader + len(recs[i].Data)
	}
	bp := framePool.Get().(*[]byte)
	buf := slices.Grow((*bp)[:0], n)
	defer func() {
		if cap(buf) <= 16<<20 {
			*bp = buf[:0]
			framePool.Put(bp)
		}
	}()
	pos := a.size
	lastIdx := int64(-l.opts.IndexInterval)
	if len(a.index) > 0 {
		lastIdx = a.index[len(a.index)-1].pos
	}
	var idx []indexEntry
	lastTime := l.lastTime
	for i := range recs {
		r := &recs[i]
		t := r.Time.UnixNano()
		if t < lastTime {
			t = lastTime
			r.Time = time.Unix(0, t)
		}
		lastTime = t
		r.Offset = first + uint64(i)
		p := pos + int64(len(buf))
		if p-lastIdx >= l.opts.IndexInterval {
			idx = append(idx, indexEntry{r.Offset, p, t})
			lastIdx = p
		}
		buf = appendFrame(buf, r.Offset, t, r.Data)
	}
	if _, err := a.f.WriteAt(buf, pos); err != nil {
		a.f.Truncate(pos) // best effort: keep the file a clean sequence of frames
		l.mu.Unlock()
		return 0, fmt.Errorf("seglog/file: write: %w", err)
	}
	if a.empty() && len(recs) > 0 {
		a.firstTime = recs[0].Time.UnixNano()
	}
	if len(recs) > 0 {
		a.lastTime = lastTime
		l.lastTime = lastTime
	}
	a.index = append(a.index, idx...)
	a.size += int64(len(buf))
	a.next += uint64(len(recs))
	end := a.next
	l.mu.Unlock()
	return first, l.sync(end)
}

// sync makes every offset below end durable. Concurrent callers share
// fsyncs: whoever holds syncMu syncs everything written so far, and the
// callers queued behind it usually find their records already covered.
func (l *Log) sync(end uint64) error {
	if l.synced.Load() >= end {
		return nil
	}
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if l.synced.Load() >= end {
		return nil
	}
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return seglog.ErrClosed
	}
	target, f := l.active().next, l.active().f
	l.mu.RUnlock()
	// Earlier segments were synced when they were sealed.
	if err := f.Sync(); err != nil {
		return fmt.Errorf("seglog/file: fsync: %w", err)
	}
	l.synced.Store(target)
	return nil
}

// Read implements seglog.Log. It reads ahead with few preads (see
// frameReader) and returns records as slices of those reads: their data
// share buffers and must not be modified.
func (l *Log) Read(ctx context.Context, from uint64, maxRecords, maxBytes int) ([]seglog.Record, error) {
	limit := l.synced.Load()
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return nil, seglog.ErrClosed
	}
	if from < l.segs[0].base {
		from = l.segs[0].base
	}
	i := sort.Search(len(l.segs), func(i int) bool { return l.segs[i].base > from }) - 1
	var out []seglog.Record
	if from < limit {
		out = make([]seglog.Record, 0, min(uint64(maxRecords), limit-from))
	}
	size := 0
	for ; i < len(l.segs) && from < limit && len(out) < maxRecords; i++ {
		s := l.segs[i]
		// The first read-ahead guesses 1 KiB per wanted record (at least
		// 64 KiB): a Limit of 1 does not read a megabyte.
		fr := newFrameReader(s.f, s.posFor(from), s.size, max(64<<10, min(maxRecords, maxBytes>>10)<<10))
		for len(out) < maxRecords {
			off, t, data, err := fr.next()
			if err == io.EOF || err == nil && off >= limit {
				break
			}
			if err != nil {
				return out, fmt.Errorf("seglog/file: %s: %w", s.f.Name(), err)
			}
			if off < from {
				continue
			}
			if len(out) > 0 && size+len(data) > maxBytes {
				return out, ctx.Err()
			}
			size += len(data)
			out = append(out, seglog.Record{Offset: off, Time: time.Unix(0, t), Data: data})
			from = off + 1
		}
	}
	return out, ctx.Err()
}

// SeekTime implements seglog.Log.
func (l *Log) SeekTime(ctx context.Context, t time.Time) (uint64, error) {
	limit := l.synced.Load()
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return 0, seglog.ErrClosed
	}
	tn := t.UnixNano()
	for _, s := range l.segs {
		if s.empty() || s.lastTime < tn {
			continue
		}
		fr := newFrameReader(s.f, s.posForTime(tn), s.size, 64<<10)
		for {
			off, rt, _, err := fr.next()
			if err == io.EOF || err == nil && off >= limit {
				return limit, nil
			}
			if err != nil {
				return 0, fmt.Errorf("seglog/file: %s: %w", s.f.Name(), err)
			}
			if rt >= tn {
				return off, nil
			}
		}
	}
	return limit, nil
}

// Trim implements seglog.Log.
func (l *Log) Trim(ctx context.Context, before time.Time) (uint64, error) {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, seglog.ErrClosed
	}
	bn := before.UnixNano()
	for len(l.segs) > 0 {
		s := l.segs[0]
		if s.empty() || s.lastTime >= bn || s.next > l.synced.Load() {
			break
		}
		if len(l.segs) == 1 {
			if err := l.roll(); err != nil {
				return l.segs[0].base, err
			}
		}
		s.f.Close()
		if err := os.Remove(s.f.Name()); err != nil {
			return s.base, err
		}
		os.Remove(segName(l.dir, s.base, "idx"))
		l.segs = l.segs[1:]
	}
	return l.segs[0].base, nil
}

// Bounds implements seglog.Log.
func (l *Log) Bounds() (uint64, uint64) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	first := l.segs[0].base
	next := l.synced.Load()
	if next < first {
		next = first
	}
	return first, next
}

// Close implements seglog.Log.
func (l *Log) Close() error {
	if l.store != nil {
		l.store.mu.Lock()
		if l.store.logs[l.name] == l {
			delete(l.store.logs, l.name)
		}
		l.store.mu.Unlock()
	}
	return l.close()
}

func (l *Log) close() error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	var err error
	if a := l.active(); a.next > l.synced.Load() {
		err = a.f.Sync()
	}
	l.closeFiles()
	return err
}

func (l *Log) closeFiles() {
	for _, s := range l.segs {
		s.f.Close()
	}
}
