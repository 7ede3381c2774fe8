// Package blob defines where object bytes live: a flat namespace of immutable
// blobs named by opaque IDs. Implementations: mem/ (tests), disk/ (files
// under the data dir); blobtest/ is the conformance suite.
//
// A blob becomes visible only when its Writer commits, and Commit returns
// only once the bytes are durable (fsync of file and directory). Every blob
// carries checksums that are verified on read: corrupted bytes give an error
// wrapping ErrCorrupt, never wrong data.
package blob

import (
	"context"
	"errors"
	"io"
	"time"
)

var (
	// ErrNotExist is returned for a missing blob.
	ErrNotExist = errors.New("blob: does not exist")
	// ErrCorrupt is returned when stored bytes fail their checksum.
	ErrCorrupt = errors.New("blob: checksum mismatch")
	// ErrExist is returned by Create for an ID already committed.
	ErrExist = errors.New("blob: already exists")
)

// IsNotExist reports whether err means a missing blob.
func IsNotExist(err error) bool { return errors.Is(err, ErrNotExist) }

// IsCorrupt reports whether err means bytes failed their checksum.
func IsCorrupt(err error) bool { return errors.Is(err, ErrCorrupt) }

// Store holds immutable blobs.
type Store interface {
	// Create starts writing blob id. Nothing is visible until Commit.
	Create(ctx context.Context, id string) (Writer, error)
	// Open opens a committed blob for random-access reads.
	Open(ctx context.Context, id string) (Reader, error)
	// Delete removes a blob. Deleting a missing blob returns ErrNotExist.
	Delete(ctx context.Context, id string) error
	// Walk calls fn for every committed blob (for garbage collection).
	Walk(ctx context.Context, fn func(id string, size int64, modTime time.Time) error) error
	// Close releases the store.
	Close() error
}

// Writer receives a blob's bytes.
type Writer interface {
	io.Writer
	// Commit makes the blob durable and visible, then releases the writer.
	Commit(ctx context.Context) error
	// Abort discards the bytes written so far. Safe after Commit (no-op).
	Abort() error
}

// Reader reads a committed blob. ReadAt verifies the checksums of the
// bytes it returns and fails with ErrCorrupt rather than return bad data.
type Reader interface {
	io.ReaderAt
	Size() int64
	Close() error
}
