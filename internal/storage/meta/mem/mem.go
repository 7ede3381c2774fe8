// Package mem is an in-memory meta.Store for tests and for engines that need
// a fake. It keeps the whole key space as one immutable sorted slice: Apply
// builds a new slice (copy-on-write, O(n) per batch) and swaps it in, so an
// iterator is a consistent snapshot at no cost beyond holding the old slice.
// Nothing is durable: Apply is atomic, and "durable" for the lifetime of the
// process.
package mem

import (
	"bytes"
	"context"
	"slices"
	"sync"

	"github.com/tarnhq/tarn/internal/storage/meta"
)

type entry struct {
	key, value []byte
}

// Store is an in-memory meta.Store. The zero value is not usable: call New.
type Store struct {
	mu      sync.RWMutex
	entries []entry // sorted by key, never mutated once published
	closed  bool
}

var _ meta.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store { return &Store{} }

func (s *Store) snapshot() ([]entry, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, meta.ErrClosed
	}
	return s.entries, nil
}

func search(es []entry, key []byte) (int, bool) {
	return slices.BinarySearchFunc(es, key, func(e entry, k []byte) int { return bytes.Compare(e.key, k) })
}

// Get returns a copy of the value at key.
func (s *Store) Get(ctx context.Context, key []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	es, err := s.snapshot()
	if err != nil {
		return nil, err
	}
	i, ok := search(es, key)
	if !ok {
		return nil, meta.ErrNotFound
	}
	return bytes.Clone(es[i].value), nil
}

// NewIter returns an iterator over the snapshot taken now.
func (s *Store) NewIter(ctx context.Context, lower, upper []byte) (meta.Iter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	es, err := s.snapshot()
	if err != nil {
		return nil, err
	}
	lo, hi := 0, len(es)
	if lower != nil {
		lo, _ = search(es, lower)
	}
	if upper != nil {
		hi, _ = search(es, upper)
	}
	if hi < lo {
		hi = lo
	}
	return &iter{es: es[lo:hi], pos: -1}, nil
}

// Apply commits b atomically. Keys and values are copied.
func (s *Store) Apply(ctx context.Context, b *meta.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// Collapse the batch: last operation on a key wins.
	ops := make([]meta.Op, 0, b.Len())
	for i := len(b.Ops) - 1; i >= 0; i-- {
		ops = append(ops, b.Ops[i])
	}
	slices.SortStableFunc(ops, func(a, b meta.Op) int { return bytes.Compare(a.Key, b.Key) })
	ops = slices.CompactFunc(ops, func(a, b meta.Op) bool { return bytes.Equal(a.Key, b.Key) })

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return meta.ErrClosed
	}
	old := s.entries
	next := make([]entry, 0, len(old)+len(ops))
	i := 0
	for _, op := range ops {
		for i < len(old) && bytes.Compare(old[i].key, op.Key) < 0 {
			next = append(next, old[i])
			i++
		}
		if i < len(old) && bytes.Equal(old[i].key, op.Key) {
			i++ // replaced or deleted
		}
		if !op.Delete {
			v := op.Value
			if v == nil {
				v = []byte{}
			}
			next = append(next, entry{key: bytes.Clone(op.Key), value: bytes.Clone(v)})
		}
	}
	next = append(next, old[i:]...)
	s.entries = next
	return nil
}

// Close releases the store; later calls return meta.ErrClosed. Open
// iterators keep working on their snapshot.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return meta.ErrClosed
	}
	s.closed = true
	s.entries = nil
	return nil
}

type iter struct {
	es     []entry
	pos    int // -1 before First/SeekGE; len(es) when exhausted
	closed bool
	k, v   []byte // copies of the current entry: callers cannot reach the store
}

func (it *iter) load() bool {
	if !it.Valid() {
		it.k, it.v = nil, nil
		return false
	}
	e := it.es[it.pos]
	it.k = append(it.k[:0:0], e.key...)
	it.v = append(it.v[:0:0], e.value...)
	return true
}

func (it *iter) First() bool { it.pos = 0; return it.load() }

func (it *iter) SeekGE(key []byte) bool {
	it.pos, _ = search(it.es, key)
	return it.load()
}

func (it *iter) Next() bool {
	if it.pos < len(it.es) {
		it.pos++
	}
	return it.load()
}

func (it *iter) Valid() bool { return !it.closed && it.pos >= 0 && it.pos < len(it.es) }

// Key returns a copy of the current key, valid until the next move.
func (it *iter) Key() []byte { return it.k }

// Value returns a copy of the current value, valid until the next move.
func (it *iter) Value() []byte { return it.v }

func (it *iter) Error() error { return nil }

func (it *iter) Close() error {
	it.closed = true
	it.es, it.k, it.v = nil, nil, nil
	return nil
}
