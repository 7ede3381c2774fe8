// Package meta defines the ordered key-value store that holds all of tarn's
// metadata (buckets, object records, uploads, accounts). Implementations:
// mem/ (tests), pebble/ (the embedded default); metatest/ is the conformance
// suite every implementation passes.
//
// Keys are ordered bytewise. Apply is atomic and durable: when it returns nil
// every operation in the batch is on stable storage (fsync), and a crash
// leaves either all or none of the batch applied.
package meta

import (
	"context"
	"errors"
)

// ErrNotFound is returned by Get for a missing key.
var ErrNotFound = errors.New("meta: key not found")

// ErrClosed is returned after Close.
var ErrClosed = errors.New("meta: store closed")

// IsNotFound reports whether err means a missing key.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// Store is an ordered, durable key-value store.
type Store interface {
	// Get returns a copy of the value at key, or ErrNotFound.
	Get(ctx context.Context, key []byte) ([]byte, error)
	// NewIter returns an iterator over keys in [lower, upper). A nil bound
	// is open. The iterator sees a consistent snapshot.
	NewIter(ctx context.Context, lower, upper []byte) (Iter, error)
	// Apply commits b atomically and durably.
	Apply(ctx context.Context, b *Batch) error
	// Close flushes and releases the store.
	Close() error
}

// Iter walks keys in order. Key and Value are valid until the next move.
type Iter interface {
	First() bool
	// SeekGE positions at the first key >= key.
	SeekGE(key []byte) bool
	Next() bool
	Valid() bool
	Key() []byte
	Value() []byte
	// Error returns any error met while iterating.
	Error() error
	Close() error
}

// Op is one batch operation.
type Op struct {
	Key    []byte
	Value  []byte // nil for Delete
	Delete bool
}

// Batch is an ordered list of writes applied atomically. Later operations on
// the same key win.
type Batch struct {
	Ops []Op
}

// Set queues key=value. The slices are retained: do not modify them after.
func (b *Batch) Set(key, value []byte) {
	if value == nil {
		value = []byte{}
	}
	b.Ops = append(b.Ops, Op{Key: key, Value: value})
}

// Delete queues deletion of key.
func (b *Batch) Delete(key []byte) { b.Ops = append(b.Ops, Op{Key: key, Delete: true}) }

// Len is the number of queued operations.
func (b *Batch) Len() int { return len(b.Ops) }
