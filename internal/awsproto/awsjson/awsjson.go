// Package awsjson serves AWS JSON 1.0/1.1 protocol services: the operation
// comes from X-Amz-Target ("Prefix.Operation"), the input is a JSON object,
// the output is a JSON object, and errors are {"__type","message"} with the
// x-amzn-ErrorType header. Front ends (Kinesis, KMS, Glue, ...) register
// typed operations; decoding, encoding and error shape live here once.
// A request whose Content-Type is application/x-amz-cbor-1.1 is decoded
// from CBOR and answered in CBOR (errors too), with the same types.
package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/awsproto/cbor"
	"github.com/tarnhq/tarn/internal/awsproto/reqctx"
)

// MaxBody bounds a request document.
const MaxBody = 16 << 20

// Handler serves one operation: body is the request document.
type Handler func(ctx context.Context, body []byte) (any, error)

type cborKey struct{}

// IsCBOR reports whether the request in ctx has a CBOR body.
func IsCBOR(ctx context.Context) bool { return ctx.Value(cborKey{}) != nil }

// Op adapts a typed operation: the body is decoded into In (a missing or
// empty body is {}), and Out is encoded as the reply.
func Op[In, Out any](fn func(ctx context.Context, in *In) (*Out, error)) Handler {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if IsCBOR(ctx) {
			if len(body) > 0 {
				if err := cbor.Unmarshal(body, in); err != nil {
					return nil, awserr.New("SerializationException", "%s", err.Error())
				}
			}
		} else if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, in); err != nil {
				return nil, SerializationError(err)
			}
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		if out == nil {
			return struct{}{}, nil
		}
		return out, nil
	}
}

// Streamer is an operation result that writes its own streaming reply
// (an event stream): errors found before it are ordinary JSON errors,
// errors after the first byte are in-stream exception events.
type Streamer interface {
	Stream(ctx context.Context, w http.ResponseWriter, requestID string)
}

// SerializationError describes a request document that does not decode.
func SerializationError(err error) *awserr.Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return awserr.New("SerializationException", "Unexpected value for field %s: expected %s", te.Field, te.Type)
	}
	return awserr.New("SerializationException", "%s", err.Error())
}

// Service is one JSON-protocol service.
type Service struct {
	// Name is the service name for logs and metrics (e.g. "kinesis").
	Name string
	// Prefix is the X-Amz-Target prefix (e.g. "Kinesis_20131202").
	Prefix string
	// Version is "1.0" or "1.1"; it sets the reply Content-Type.
	Version string
	// MapError turns an engine error into a wire error; errors that are
	// already *awserr.Error pass through untouched.
	MapError func(error) *awserr.Error
	ops      map[string]Handler
}

// Handle registers an operation.
func (s *Service) Handle(op string, h Handler) {
	if s.ops == nil {
		s.ops = map[string]Handler{}
	}
	s.ops[op] = h
}

// Operations lists the registered operation names.
func (s *Service) Operations() []string {
	out := make([]string, 0, len(s.ops))
	for k := range s.ops {
		out = append(out, k)
	}
	return out
}

func (s *Service) contentType() string { return "application/x-amz-json-" + s.Version }

func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := reqctx.From(r.Context())
	info.Service = s.Name
	prefix, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	info.Operation = op
	h, ok := s.ops[op]
	ctx := r.Context()
	isCBOR := strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-cbor")
	if isCBOR {
		ctx = context.WithValue(ctx, cborKey{}, true)
		w = cborWriter{w}
	}
	if prefix != s.Prefix || !ok {
		s.writeError(w, info, awserr.New("UnknownOperationException", "The operation %s is not supported by this server.", op))
		return
	}
	if r.Method != http.MethodPost {
		s.writeError(w, info, awserr.New("UnknownOperationException", "JSON protocol operations use POST."))
		return
	}
	body, err := readBody(r)
	if err != nil {
		if e, ok := awserr.As(err); ok {
			s.writeError(w, info, e)
			return
		}
		s.writeError(w, info, awserr.New("SerializationException", "Cannot read the request body."))
		return
	}
	if len(body) > MaxBody {
		s.writeError(w, info, awserr.New("SerializationException", "The request body is larger than %d bytes.", MaxBody))
		return
	}
	out, err := h(ctx, body)
	if err != nil {
		s.writeError(w, info, s.toAWS(err))
		return
	}
	if st, ok := out.(Streamer); ok {
		if cw, ok := w.(cborWriter); ok {
			w = cw.ResponseWriter
		}
		st.Stream(ctx, w, info.ID)
		return
	}
	ct := s.contentType()
	var b []byte
	if isCBOR {
		b, err = cbor.Marshal(out)
		ct = cbor.ContentType
	} else {
		b, err = json.Marshal(out)
	}
	if err != nil {
		s.writeError(w, info, awserr.New("InternalFailure"))
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("x-amzn-RequestId", info.ID)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// readBody reads the request document (at most MaxBody+1 bytes, so a
// larger one is seen). With a Content-Length the buffer is sized once: a
// 700 KB PutRecords body is not grown and copied a dozen times.
func readBody(r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	if n := r.ContentLength; n > 0 && n <= MaxBody {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(r.Body, MaxBody+1))
	return buf.Bytes(), err
}

func (s *Service) toAWS(err error) *awserr.Error {
	if e, ok := awserr.As(err); ok {
		return e
	}
	if s.MapError != nil {
		if e := s.MapError(err); e != nil {
			return e
		}
	}
	return awserr.New("InternalFailure", "%s", fmt.Sprint("internal error"))
}

func (s *Service) writeError(w http.ResponseWriter, info *reqctx.Info, e *awserr.Error) {
	info.Error = e.Code
	if _, ok := w.(cborWriter); ok {
		writeCBORError(w, e, info.ID)
		return
	}
	awserr.WriteJSON(w, e, s.contentType(), info.ID)
}

// cborWriter marks a response to a CBOR request.
type cborWriter struct{ http.ResponseWriter }

// writeCBORError writes e as a CBOR document {"__type", "message"} with
// the same headers as a JSON error.
func writeCBORError(w http.ResponseWriter, e *awserr.Error, requestID string) {
	body, _ := cbor.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
	w.Header().Set("Content-Type", cbor.ContentType)
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	w.Write(body)
}
