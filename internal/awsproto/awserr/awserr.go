// Package awserr is the AWS-shaped error every front end returns: a code, an
// HTTP status and a message, with the catalogue of codes kept as data in
// codes.json. Encoders for each protocol live beside it (XML for S3 REST,
// JSON for awsjson/REST-JSON).
package awserr

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

//go:embed codes.json
var codesJSON []byte

type entry struct {
	Code    string `json:"code"`
	Status  int    `json:"status"`
	Message string `json:"message"`
}

var catalog = func() map[string]entry {
	var list []entry
	if err := json.Unmarshal(codesJSON, &list); err != nil {
		panic("awserr: codes.json: " + err.Error())
	}
	m := make(map[string]entry, len(list))
	for _, e := range list {
		m[e.Code] = e
	}
	return m
}()

// Error is an AWS error reply.
type Error struct {
	Code    string
	Message string
	Status  int
	// Extra are additional elements some codes carry (e.g. BucketName,
	// Key, RequestTime, ServerTime, StringToSign), rendered in order.
	Extra []KV
	// Header holds extra response headers (e.g. x-amz-delete-marker).
	Header http.Header
}

// KV is an extra error field.
type KV struct{ Key, Value string }

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New returns the catalogued error for code, with the catalogue's message
// unless msg is non-empty.
func New(code string, msg ...any) *Error {
	ent, ok := catalog[code]
	if !ok {
		ent = entry{Code: code, Status: http.StatusBadRequest}
	}
	e := &Error{Code: code, Status: ent.Status, Message: ent.Message}
	if len(msg) > 0 {
		if f, ok := msg[0].(string); ok {
			e.Message = fmt.Sprintf(f, msg[1:]...)
		}
	}
	return e
}

// With appends an extra field and returns e.
func (e *Error) With(key, value string) *Error {
	e.Extra = append(e.Extra, KV{key, value})
	return e
}

// WithStatus overrides the HTTP status and returns e.
func (e *Error) WithStatus(status int) *Error {
	e.Status = status
	return e
}

// Known reports whether code is in the catalogue.
func Known(code string) bool { _, ok := catalog[code]; return ok }

// As returns err as an *Error if it is one.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}
