// Package edge is the front door every request passes: it assigns the
// request id, recovers panics, authenticates (SigV4), routes by protocol to
// the service front ends on one port, and records access logs and metrics.
//
// Routing: /_tarn/... goes to tarn's own endpoints; a request with an
// X-Amz-Target header goes to the JSON (1.0/1.1) service registered for the
// target's prefix; a request whose SigV4 scope names a registered REST-JSON
// service goes there; everything else is S3.
package edge

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/auth/iam"
	"github.com/tarnhq/tarn/internal/auth/sigv4"
	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/awsproto/reqctx"
)

// Principals resolves an access key to its principal.
type Principals interface {
	Principal(accessKey string) (*iam.Principal, bool)
}

// Options configure the edge.
type Options struct {
	Logger     *slog.Logger
	AccessLog  bool
	Verifier   *sigv4.Verifier
	Principals Principals
	Metrics    *Metrics
	// S3 serves S3 REST requests (the default route).
	S3 http.Handler
	// JSON maps an X-Amz-Target prefix (before the '.') to its service.
	JSON map[string]http.Handler
	// REST maps a SigV4 service name to a REST-JSON service.
	REST map[string]http.Handler
	// Internal serves /_tarn/...; it authenticates for itself.
	Internal http.Handler
}

// Edge is the root HTTP handler.
type Edge struct {
	opts Options
	log  *slog.Logger
}

// New returns the edge handler.
func New(opts Options) *Edge {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics()
	}
	return &Edge{opts: opts, log: opts.Logger}
}

// protocol is how errors are encoded for a request.
type protocol int

const (
	protoXML protocol = iota
	protoJSON
)

func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength == 0 && r.ProtoMajor == 1 && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		// Go sends 100 Continue only when a handler reads a non-empty
		// body, so an empty PUT (aws s3 cp/sync of an empty file) gets
		// its final status straight away. The AWS CLI v1's vendored
		// botocore then keeps that status line for the next response on
		// the kept-alive connection, loses its Content-Length and waits
		// out the 60 s read timeout. Answering 100 first, as for any
		// other body, keeps such clients on their common path.
		w.WriteHeader(http.StatusContinue)
	}
	info := &reqctx.Info{ID: reqctx.NewID(), Start: time.Now(), Principal: iam.Anonymous}
	rw := &responseWriter{ResponseWriter: w}
	h := rw.Header()
	h.Set("x-amz-request-id", info.ID)
	h.Set("x-amz-id-2", info.ID)
	h.Set("Server", "tarn")
	m := e.opts.Metrics
	m.inFlight.Inc()
	defer func() {
		m.inFlight.Dec()
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			e.log.Error("panic serving request", "id", info.ID, "method", r.Method, "path", r.URL.Path, "panic", p)
			if !rw.wroteHeader {
				e.writeError(rw, r, protocolOf(r), awserr.New("InternalError"), info)
			}
		}
		e.observe(rw, r, info)
	}()
	if strings.HasPrefix(r.URL.Path, "/_tarn/") {
		info.Service = "tarn"
		e.opts.Internal.ServeHTTP(rw, r.WithContext(reqctx.With(r.Context(), info)))
		return
	}
	proto := protocolOf(r)
	res, err := e.opts.Verifier.Verify(r)
	if err != nil {
		if proto == protoJSON {
			err = sigv4.JSONProtocolError(err)
		}
		e.writeError(rw, r, proto, err, info)
		return
	}
	info.Auth = res
	if !res.Anonymous {
		p, ok := e.opts.Principals.Principal(res.AccessKey)
		if !ok { // the key was deleted between Verify and here
			e.writeError(rw, r, proto, awserr.New("InvalidAccessKeyId"), info)
			return
		}
		info.Principal = p
	}
	r = r.WithContext(reqctx.With(r.Context(), info))
	if proto == protoJSON && res.Anonymous {
		// Only S3 serves anonymous requests (to be judged by policies);
		// every JSON service requires a signature, as on AWS.
		e.writeError(rw, r, protoJSON, awserr.New("MissingAuthenticationTokenException", "Missing Authentication Token").WithStatus(http.StatusForbidden), info)
		return
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		prefix, _, _ := strings.Cut(target, ".")
		if svc, ok := e.opts.JSON[prefix]; ok {
			svc.ServeHTTP(rw, r)
			return
		}
		info.Service = prefix
		e.writeError(rw, r, protoJSON, awserr.New("UnknownOperationException", "The operation %s is not supported by this server.", target), info)
		return
	}
	if res.Service != "" && res.Service != "s3" {
		if svc, ok := e.opts.REST[res.Service]; ok {
			svc.ServeHTTP(rw, r)
			return
		}
		info.Service = res.Service
		e.writeError(rw, r, protoJSON, awserr.New("UnknownOperationException", "The service %s is not supported by this server.", res.Service), info)
		return
	}
	e.opts.S3.ServeHTTP(rw, r)
}

// protocolOf decides how to encode an error raised before a front end
// takes the request: JSON for X-Amz-Target requests and for SigV4 scopes
// naming a service other than S3; S3's XML otherwise. (The Content-Type
// cannot decide: an S3 object may well be application/json.)
func protocolOf(r *http.Request) protocol {
	if r.Header.Get("X-Amz-Target") != "" {
		return protoJSON
	}
	if svc := scopeService(r); svc != "" && svc != "s3" {
		return protoJSON
	}
	return protoXML
}

// scopeService extracts the service of the SigV4 credential scope
// (AK/date/region/SERVICE/aws4_request) from the header or the query.
func scopeService(r *http.Request) string {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if a := r.Header.Get("Authorization"); a != "" {
		if i := strings.Index(a, "Credential="); i >= 0 {
			cred = a[i+len("Credential="):]
			if j := strings.IndexAny(cred, ", "); j >= 0 {
				cred = cred[:j]
			}
		}
	}
	parts := strings.Split(cred, "/")
	if len(parts) == 5 {
		return parts[3]
	}
	return ""
}

func (e *Edge) writeError(w http.ResponseWriter, r *http.Request, p protocol, err error, info *reqctx.Info) {
	ae, ok := awserr.As(err)
	if !ok {
		e.log.Error("internal error", "id", info.ID, "err", err)
		ae = awserr.New("InternalError")
	}
	info.Error = ae.Code
	if p == protoJSON {
		awserr.WriteJSON(w, ae, r.Header.Get("Content-Type"), info.ID)
		return
	}
	awserr.WriteXML(w, r, ae, info.ID)
}

func (e *Edge) observe(rw *responseWriter, r *http.Request, info *reqctx.Info) {
	status := rw.status
	if status == 0 {
		status = http.StatusOK
	}
	d := time.Since(info.Start)
	op := info.Operation
	if op == "" {
		op = "unknown"
	}
	svc := info.Service
	if svc == "" {
		svc = "unknown"
	}
	e.opts.Metrics.observe(svc, op, status, d, r.ContentLength, rw.written)
	if e.opts.AccessLog || status >= 500 {
		lvl := slog.LevelInfo
		if status >= 500 {
			lvl = slog.LevelError
		}
		e.log.Log(r.Context(), lvl, "request", "id", info.ID, "method", r.Method, "path", r.URL.Path,
			"service", svc, "op", op, "status", status, "error", info.Error, "bytes", rw.written,
			"dur_ms", float64(d.Microseconds())/1000, "principal", principalName(info.Principal), "remote", r.RemoteAddr)
	}
}

func principalName(p *iam.Principal) string {
	if p == nil || p.Anonymous {
		return "anonymous"
	}
	return p.Account.Name
}

// responseWriter records the status and bytes written.
type responseWriter struct {
	http.ResponseWriter
	status      int
	written     int64
	wroteHeader bool
}

func (w *responseWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	w.written += int64(n)
	return n, err
}

// Flush supports streaming responses.
func (w *responseWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
