// Package mem is an in-memory seglog.Store for tests. Trim drops records one
// "segment" (SegmentRecords records) at a time, like the file store.
package mem

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/tarnhq/tarn/internal/storage/seglog"
)

// SegmentRecords is how many records make one trimmable segment.
const SegmentRecords = 64

// Store is an in-memory seglog.Store.
type Store struct {
	mu     sync.Mutex
	logs   map[string]*Log
	closed bool
}

// New returns an empty store.
func New() *Store { return &Store{logs: map[string]*Log{}} }

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
	l, ok := s.logs[name]
	if !ok {
		l = &Log{}
		s.logs[name] = l
	}
	l.mu.Lock()
	l.closed = false
	l.mu.Unlock()
	return l, nil
}

// Remove implements seglog.Store.
func (s *Store) Remove(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.logs[name]; ok {
		l.Close()
		delete(s.logs, name)
	}
	return nil
}

// Close implements seglog.Store.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.logs {
		l.Close()
	}
	s.closed = true
	return nil
}

// Log is one in-memory log.
type Log struct {
	mu     sync.RWMutex
	first  uint64 // offset of recs[0]
	recs   []seglog.Record
	last   time.Time
	closed bool
}

// Append implements seglog.Log.
func (l *Log) Append(ctx context.Context, recs []seglog.Record) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, seglog.ErrClosed
	}
	first := l.first + uint64(len(l.recs))
	for i := range recs {
		r := &recs[i]
		r.Offset = first + uint64(i)
		if r.Time.Before(l.last) {
			r.Time = l.last
		}
		l.last = r.Time
		l.recs = append(l.recs, seglog.Record{Offset: r.Offset, Time: r.Time, Data: append([]byte(nil), r.Data...)})
	}
	return first, nil
}

// Read implements seglog.Log.
func (l *Log) Read(ctx context.Context, from uint64, maxRecords, maxBytes int) ([]seglog.Record, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return nil, seglog.ErrClosed
	}
	if from < l.first {
		from = l.first
	}
	var out []seglog.Record
	size := 0
	for i := from - l.first; i < uint64(len(l.recs)) && len(out) < maxRecords; i++ {
		r := l.recs[i]
		if len(out) > 0 && size+len(r.Data) > maxBytes {
			break
		}
		size += len(r.Data)
		out = append(out, seglog.Record{Offset: r.Offset, Time: r.Time, Data: append([]byte(nil), r.Data...)})
	}
	return out, nil
}

// SeekTime implements seglog.Log.
func (l *Log) SeekTime(ctx context.Context, t time.Time) (uint64, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return 0, seglog.ErrClosed
	}
	i := sort.Search(len(l.recs), func(i int) bool { return !l.recs[i].Time.Before(t) })
	return l.first + uint64(i), nil
}

// Trim implements seglog.Log.
func (l *Log) Trim(ctx context.Context, before time.Time) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, seglog.ErrClosed
	}
	for len(l.recs) > 0 {
		// The "segment" holding recs[0] ends at the next multiple of SegmentRecords.
		n := int(SegmentRecords - l.first%SegmentRecords)
		if n > len(l.recs) {
			n = len(l.recs)
		}
		if !l.recs[n-1].Time.Before(before) {
			break
		}
		l.recs = append([]seglog.Record(nil), l.recs[n:]...)
		l.first += uint64(n)
	}
	return l.first, nil
}

// Bounds implements seglog.Log.
func (l *Log) Bounds() (uint64, uint64) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.first, l.first + uint64(len(l.recs))
}

// Close implements seglog.Log. The data stays in the store: reopening the
// name sees it, as a file log would.
func (l *Log) Close() error {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	return nil
}

// Reopen returns a new open Store over the same logs, as reopening a
// directory would: for restart tests.
func (s *Store) Reopen() *Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := New()
	for k, l := range s.logs {
		n.logs[k] = l
	}
	return n
}
