// Package mem is an in-memory blob.Store for tests and fakes. Blobs are
// byte slices in a map; nothing is durable and nothing can be corrupted, so
// ReadAt never returns blob.ErrCorrupt.
package mem

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/tarnhq/tarn/internal/storage/blob"
)

type object struct {
	data    []byte
	modTime time.Time
}

// Store is an in-memory blob.Store, safe for concurrent use.
type Store struct {
	mu     sync.RWMutex
	blobs  map[string]object
	closed bool
	now    func() time.Time
}

var _ blob.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store { return &Store{blobs: make(map[string]object), now: time.Now} }

func (s *Store) check(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := blob.ValidID(id); err != nil {
		return err
	}
	if s.closed {
		return blob.ErrClosed
	}
	return nil
}

// Create starts a blob. It fails early with blob.ErrExist if id is already
// committed, and Commit checks again.
func (s *Store) Create(ctx context.Context, id string) (blob.Writer, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx, id); err != nil {
		return nil, err
	}
	if _, ok := s.blobs[id]; ok {
		return nil, fmt.Errorf("blob/mem: create %s: %w", id, blob.ErrExist)
	}
	return &writer{s: s, id: id}, nil
}

// Open returns a reader over the committed bytes.
func (s *Store) Open(ctx context.Context, id string) (blob.Reader, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.check(ctx, id); err != nil {
		return nil, err
	}
	o, ok := s.blobs[id]
	if !ok {
		return nil, fmt.Errorf("blob/mem: open %s: %w", id, blob.ErrNotExist)
	}
	return &reader{r: bytes.NewReader(o.data)}, nil
}

// Delete removes a blob.
func (s *Store) Delete(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, id); err != nil {
		return err
	}
	if _, ok := s.blobs[id]; !ok {
		return fmt.Errorf("blob/mem: delete %s: %w", id, blob.ErrNotExist)
	}
	delete(s.blobs, id)
	return nil
}

// Walk calls fn for each committed blob in ID order, over a snapshot taken
// at the start: fn may Create or Delete.
func (s *Store) Walk(ctx context.Context, fn func(id string, size int64, modTime time.Time) error) error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return blob.ErrClosed
	}
	snap := maps.Clone(s.blobs)
	s.mu.RUnlock()
	for _, id := range slices.Sorted(maps.Keys(snap)) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(id, int64(len(snap[id].data)), snap[id].modTime); err != nil {
			return err
		}
	}
	return nil
}

// Close releases the store; later calls fail with blob.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.blobs = nil
	return nil
}

type writer struct {
	s    *Store
	id   string
	buf  bytes.Buffer
	done bool
}

func (w *writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, blob.ErrClosed
	}
	return w.buf.Write(p)
}

func (w *writer) Commit(ctx context.Context) error {
	if w.done {
		return blob.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w.done = true
	s := w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return blob.ErrClosed
	}
	if _, ok := s.blobs[w.id]; ok {
		return fmt.Errorf("blob/mem: commit %s: %w", w.id, blob.ErrExist)
	}
	s.blobs[w.id] = object{data: bytes.Clone(w.buf.Bytes()), modTime: s.now()}
	w.buf = bytes.Buffer{}
	return nil
}

func (w *writer) Abort() error {
	w.done = true
	w.buf = bytes.Buffer{}
	return nil
}

type reader struct {
	r      *bytes.Reader
	closed bool
}

func (r *reader) ReadAt(p []byte, off int64) (int, error) {
	if r.closed {
		return 0, blob.ErrClosed
	}
	return r.r.ReadAt(p, off)
}

func (r *reader) Size() int64 { return r.r.Size() }

func (r *reader) Close() error {
	r.closed = true
	return nil
}

var _ io.ReaderAt = (*reader)(nil)
