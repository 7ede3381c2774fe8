// Package seglog defines the append-only log that holds one Kinesis shard:
// records get consecutive offsets, are durable when Append returns, are read
// back by offset or found by arrival time, and are deleted a whole segment at
// a time when retention trims them. Implementations: mem/ (tests), file/
// (segment files, the embedded default); seglogtest/ is the conformance
// suite every implementation passes. A Kafka or NATS JetStream backend would
// map a log to a partition or subject.
package seglog

import (
	"context"
	"errors"
	"strings"
	"time"
)

// ErrClosed is returned after Close.
var ErrClosed = errors.New("seglog: log closed")

// ErrBadName is returned for a log name outside [A-Za-z0-9_.-] segments
// joined by '/'.
var ErrBadName = errors.New("seglog: bad log name")

// Record is one log entry.
type Record struct {
	// Offset is assigned by Append: consecutive from 0 over the log's life.
	Offset uint64
	// Time is the arrival time, set by the caller. A log keeps times
	// non-decreasing: an earlier time than the last appended one is raised
	// to it, so SeekTime can search.
	Time time.Time
	// Data is the opaque payload.
	Data []byte
}

// Log is one append-only shard log. Methods are safe for concurrent use.
type Log interface {
	// Append writes recs in order, assigning consecutive offsets (also set
	// in recs[i].Offset and the normalised Time), and returns the first
	// offset. When it returns nil every record is on stable storage. The
	// data slices are not retained.
	Append(ctx context.Context, recs []Record) (first uint64, err error)
	// Read returns up to maxRecords records starting at offset from (or at
	// the oldest retained record when from is older), stopping before
	// maxBytes of Data unless that would return nothing. Only durable
	// records are returned; a from at or past the end returns none. The
	// records' Data may share memory and must not be modified.
	Read(ctx context.Context, from uint64, maxRecords, maxBytes int) ([]Record, error)
	// SeekTime returns the offset of the first retained record whose Time
	// is at or after t, or the next offset to be assigned if there is none.
	SeekTime(ctx context.Context, t time.Time) (uint64, error)
	// Trim deletes whole segments whose records are all older than before
	// and returns the first retained offset. Records in a partly old
	// segment stay until the whole segment is old.
	Trim(ctx context.Context, before time.Time) (first uint64, err error)
	// Bounds returns the oldest retained offset and the next offset to be
	// assigned; the log is empty when first == next.
	Bounds() (first, next uint64)
	// Close releases the log.
	Close() error
}

// Store holds named logs.
type Store interface {
	// Open opens the named log, creating it if missing. Opening an open log
	// returns the same Log.
	Open(ctx context.Context, name string) (Log, error)
	// Remove closes and deletes the named log; removing a missing log is
	// not an error.
	Remove(ctx context.Context, name string) error
	// Close closes every open log.
	Close() error
}

// ValidName reports whether name is a valid log name: segments of
// [A-Za-z0-9_.-] (not "." or "..") joined by '/'.
func ValidName(name string) bool {
	if name == "" || len(name) > 512 {
		return false
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		for _, c := range seg {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
				return false
			}
		}
	}
	return true
}
