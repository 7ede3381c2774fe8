// Package errs is tarn's one error type for engines and storage: an error
// carries a Kind that front ends map to a protocol error once, at the edge.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error for mapping to a wire error.
type Kind uint8

const (
	Other        Kind = iota // unclassified: an internal error
	NotExist                 // resource does not exist
	Exist                    // resource already exists
	Invalid                  // invalid argument from the caller
	Permission               // caller may not do this
	Precondition             // a condition of the request failed
	Conflict                 // state conflict (e.g. bucket not empty)
	Corrupt                  // stored data failed its checksum
	IO                       // storage I/O failure
	TooLarge                 // entity too large
	Unavailable              // service is starting or stopping
)

func (k Kind) String() string {
	switch k {
	case NotExist:
		return "not exist"
	case Exist:
		return "exist"
	case Invalid:
		return "invalid"
	case Permission:
		return "permission"
	case Precondition:
		return "precondition"
	case Conflict:
		return "conflict"
	case Corrupt:
		return "corrupt"
	case IO:
		return "io"
	case TooLarge:
		return "too large"
	case Unavailable:
		return "unavailable"
	}
	return "other"
}

// Error is an engine error. Code, when set, names the exact AWS error code the
// engine wants the front end to use (e.g. "NoSuchBucket"); otherwise the
// front end derives one from Kind.
type Error struct {
	Op   string // operation, e.g. "objstore.PutObject"
	Kind Kind
	Code string // optional AWS error code
	Msg  string // human message, safe to show to the client
	Err  error  // underlying error, not shown to clients
}

func (e *Error) Error() string {
	s := e.Op
	if e.Code != "" {
		s += ": " + e.Code
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an *Error from its arguments, by type: string values set Op (first)
// then Msg; a Kind sets Kind; a Code sets Code; an error sets Err.
func E(args ...any) error {
	e := &Error{}
	for _, a := range args {
		switch v := a.(type) {
		case string:
			if e.Op == "" {
				e.Op = v
			} else {
				e.Msg = v
			}
		case Kind:
			e.Kind = v
		case Code:
			e.Code = string(v)
		case error:
			e.Err = v
		default:
			panic(fmt.Sprintf("errs.E: bad argument %T", a))
		}
	}
	if e.Kind == Other && e.Err != nil {
		var inner *Error
		if errors.As(e.Err, &inner) {
			e.Kind = inner.Kind
			if e.Code == "" {
				e.Code = inner.Code
			}
			if e.Msg == "" {
				e.Msg = inner.Msg
			}
		}
	}
	return e
}

// Code is an AWS error code passed to E.
type Code string

// Is reports whether err has the given Kind.
func Is(k Kind, err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind == k
	}
	return false
}

// KindOf returns the Kind of err, or Other.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Other
}

// CodeOf returns the AWS code carried by err, or "".
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
