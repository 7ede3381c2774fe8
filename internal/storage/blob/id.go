package blob

import (
	"errors"
	"fmt"
)

// MaxIDLen is the longest blob ID accepted (it becomes a file name).
const MaxIDLen = 200

var (
	// ErrInvalidID is returned for an ID outside [A-Za-z0-9._-]{1,MaxIDLen},
	// or one of "." and "..".
	ErrInvalidID = errors.New("blob: invalid id")
	// ErrClosed is returned by a Store, Writer or Reader used after Close
	// (or a Writer after Commit or Abort).
	ErrClosed = errors.New("blob: closed")
)

// ValidID reports whether id may name a blob, as an error wrapping
// ErrInvalidID. Every implementation checks IDs with it so that an ID valid
// on one backend is valid on all.
func ValidID(id string) error {
	if id == "" || len(id) > MaxIDLen || id == "." || id == ".." {
		return fmt.Errorf("%w: %q", ErrInvalidID, id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return fmt.Errorf("%w: %q (byte %d)", ErrInvalidID, id, i)
		}
	}
	return nil
}
