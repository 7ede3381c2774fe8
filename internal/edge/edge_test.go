package edge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

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
		Verifier:   &sigv4.Verifier{Creds: sigv4.StaticCredentials{"AKID": "secretsecret"}},
		Principals: onePrincipal{},
		S3:         s3,
		JSON: map[string]http.Handler{"Test_2020": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"ok":true}`))
		})},
		Internal: http.NotFoundHandler(),
	})
}

type onePrincipal struct{}

func (onePrincipal) Principal(ak string) (*iam.Principal, bool) {
	if ak != "AKID" {
		return nil, false
	}
	return &iam.Principal{AccessKey: ak, Account: iam.Account{ID: iam.RootAccountID}, Root: true}, true
}

// sign signs r with the test key for service.
func sign(t *testing.T, r *http.Request, service string) {
	t.Helper()
	sum := sha256.Sum256(nil)
	h := hex.EncodeToString(sum[:])
	r.Header.Set("X-Amz-Content-Sha256", h)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secretsecret"},
		r, h, service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
}

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
			sign(t, r, "test")
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("target %q: got %d %s", c.target, w.Code, w.Body.String())
		}
	}
	// An unsigned request to a JSON service is refused.
	r0 := httptest.NewRequest("POST", "/", nil)
	r0.Header.Set("X-Amz-Target", "Test_2020.Op")
	w0 := httptest.NewRecorder()
	e.ServeHTTP(w0, r0)
	if w0.Code != 403 || !strings.Contains(w0.Body.String(), "MissingAuthenticationTokenException") {
		t.Fatalf("unsigned: %d %s", w0.Code, w0.Body.String())
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
