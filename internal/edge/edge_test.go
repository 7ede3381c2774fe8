package edge

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tarnhq/tarn/internal/auth/iam"
	"github.com/tarnhq/tarn/internal/auth/sigv4"
)

func TestProtocolOf(t *testing.T) {
	for _, c := range []struct {
		target, auth, query, ctype string
		want                       protocol
	}{
		{ctype: "application/json", want: protoXML}, // an S3 object may be JSON
		{target: "Kinesis_20131202.PutRecord", want: protoJSON},
		{auth: "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=x", want: protoJSON},
		{auth: "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x", want: protoXML},
		{query: "?X-Amz-Credential=AK%2F20260101%2Fus-east-1%2Flambda%2Faws4_request", want: protoJSON},
		{auth: "garbage", want: protoXML},
	} {
		r := httptest.NewRequest("POST", "/b/k"+c.query, nil)
		if c.target != "" {
			r.Header.Set("X-Amz-Target", c.target)
		}
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		if c.ctype != "" {
			r.Header.Set("Content-Type", c.ctype)
		}
		if got := protocolOf(r); got != c.want {
			t.Errorf("%+v: got %v", c, got)
		}
	}
}

func newTestEdge(s3 http.Handler) *Edge {
	return New(Options{
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Verifier:   &sigv4.Verifier{Creds: sigv4.StaticCredentials{}},
		Principals: noPrincipals{},
		S3:         s3,
		JSON: map[string]http.Handler{"Test_2020": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"ok":true}`))
		})},
		Internal: http.NotFoundHandler(),
	})
}

type noPrincipals struct{}

func (noPrincipals) Principal(string) (*iam.Principal, bool) { return nil, false }

func TestPanicBecomesInternalError(t *testing.T) {
	e := newTestEdge(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest("GET", "/bucket/key", nil))
	if w.Code != 500 || !strings.Contains(w.Body.String(), "<Code>InternalError</Code>") {
		t.Fatalf("got %d %s", w.Code, w.Body.String())
	}
	if w.Header().Get("x-amz-request-id") == "" {
		t.Fatal("no request id")
	}
}

func TestRouting(t *testing.T) {
	e := newTestEdge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("s3")) }))
	for _, c := range []struct{ target, want string }{
		{"", "s3"},
		{"Test_2020.Op", `{"ok":true}`},
		{"Other_2020.Op", `"__type":"UnknownOperationException"`},
	} {
		r := httptest.NewRequest("POST", "/", nil)
		if c.target != "" {
			r.Header.Set("X-Amz-Target", c.target)
			r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("target %q: got %d %s", c.target, w.Code, w.Body.String())
		}
	}
	// A signature from an unknown key is rejected before any service runs,
	// in the protocol of the request.
	r := httptest.NewRequest("POST", "/", nil)
	r.Header.Set("X-Amz-Target", "Test_2020.Op")
	r.Header.Set("X-Amz-Date", "20260101T000000Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=NOPE/20260101/us-east-1/test/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	if w.Code < 400 || !strings.Contains(w.Body.String(), "__type") {
		t.Fatalf("got %d %s", w.Code, w.Body.String())
	}
}
