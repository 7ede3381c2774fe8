package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
)

const (
	testAK     = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

var t0 = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

func testVerifier() *Verifier {
	return &Verifier{
		Creds: StaticCredentials{testAK: testSecret},
		Now:   func() time.Time { return t0 },
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// onWire serialises a client request and parses it back as a server would
// see it (RequestURI set, Host moved out of the header map).
func onWire(t testing.TB, r *http.Request) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	return sr
}

// signed builds a request signed by the AWS SDK and returns it as received
// by a server.
func signed(t testing.TB, method, url, service string, body []byte, payload string, hdr map[string]string, at time.Time, secret string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	if payload == "" {
		payload = sha(body)
	} else {
		r.Header.Set("X-Amz-Content-Sha256", payload)
	}
	if service == "s3" && r.Header.Get("X-Amz-Content-Sha256") == "" {
		r.Header.Set("X-Amz-Content-Sha256", payload)
	}
	s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	err = s.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testAK, SecretAccessKey: secret}, r, payload, service, "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	return onWire(t, r)
}

func presigned(t testing.TB, method, url, service string, expires string, at time.Time) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := r.URL.Query()
	q.Set("X-Amz-Expires", expires)
	r.URL.RawQuery = q.Encode()
	payload := UnsignedPayload
	if service != "s3" {
		payload = emptySHA256
	}
	s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	u, _, err := s.PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: testAK, SecretAccessKey: testSecret}, r, payload, service, "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return onWire(t, r2)
}

func wantCode(t *testing.T, err error, code string) *awserr.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got nil", code)
	}
	e, ok := err.(*awserr.Error)
	if !ok {
		t.Fatalf("want *awserr.Error %s, got %T %v", code, err, err)
	}
	if e.Code != code {
		t.Fatalf("want %s, got %s: %s", code, e.Code, e.Message)
	}
	return e
}

func extra(e *awserr.Error, k string) string {
	for _, kv := range e.Extra {
		if kv.Key == k {
			return kv.Value
		}
	}
	return ""
}

func TestSignHTTPRoundTrip(t *testing.T) {
	body := []byte(`{"StreamName":"s","Data":"aGVsbG8="}`)
	cases := []struct {
		name, method, url, service string
		body                       []byte
		payload                    string
		hdr                        map[string]string
	}{
		{"s3-get", "GET", "http://localhost:9000/bucket/key.txt", "s3", nil, "", nil},
		{"s3-list-query", "GET", "http://localhost:9000/bucket?list-type=2&prefix=a%20b%2Fc&delimiter=%2F&marker=x~y&empty", "s3", nil, "", nil},
		{"s3-odd-key", "GET", "http://bucket.localhost:9000/some%20dir/%C3%BC%2Bx%3D%26%28%29.txt", "s3", nil, "", nil},
		{"s3-put-signed", "PUT", "http://localhost:9000/bucket/k", "s3", []byte("hello world"), "", map[string]string{"Content-Type": "text/plain", "X-Amz-Meta-Foo": "  a   b  "}},
		{"s3-put-unsigned", "PUT", "http://localhost:9000/bucket/k", "s3", []byte("hello world"), UnsignedPayload, nil},
		{"kinesis", "POST", "https://kinesis.us-east-1.amazonaws.com/", "kinesis", body, "", map[string]string{"X-Amz-Target": "Kinesis_20131202.PutRecord", "Content-Type": "application/x-amz-json-1.1"}},
		{"lambda-path", "POST", "http://localhost:9000/2015-03-31/functions/my%20fn:1/invocations", "lambda", body, "", nil},
		{"glue-with-hash", "POST", "http://localhost:9000/", "glue", body, sha(body), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := signed(t, c.method, c.url, c.service, c.body, c.payload, c.hdr, t0, testSecret)
			res, err := testVerifier().Verify(r)
			if err != nil {
				t.Fatalf("verify: %v %+v", err, err.(*awserr.Error).Extra)
			}
			if res.AccessKey != testAK || res.Service != c.service || res.Region != "us-east-1" || res.Presigned || res.Anonymous {
				t.Fatalf("result %+v", res)
			}
			got, err := io.ReadAll(r.Body)
			if err != nil || !bytes.Equal(got, c.body) {
				t.Fatalf("body %q, %v", got, err)
			}
		})
	}
}

func TestTamper(t *testing.T) {
	v := testVerifier()
	put := func() *http.Request {
		return signed(t, "PUT", "http://localhost:9000/bucket/k?tagging", "s3", []byte("hello"), "",
			map[string]string{"X-Amz-Meta-A": "1"}, t0, testSecret)
	}
	t.Run("wrong-secret", func(t *testing.T) {
		r := signed(t, "GET", "http://localhost:9000/b/k", "s3", nil, "", nil, t0, "nope")
		e := wantCode(t, mustErr(v.Verify(r)), "SignatureDoesNotMatch")
		if e.Status != 403 || !strings.HasPrefix(extra(e, "StringToSign"), "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n") ||
			!strings.HasPrefix(extra(e, "CanonicalRequest"), "GET\n/b/k\n") || extra(e, "StringToSignBytes") == "" {
			t.Fatalf("extras %+v", e.Extra)
		}
	})
	t.Run("changed-header", func(t *testing.T) {
		r := put()
		r.Header.Set("X-Amz-Meta-A", "2")
		wantCode(t, mustErr(v.Verify(r)), "SignatureDoesNotMatch")
	})
	t.Run("unsigned-amz-header", func(t *testing.T) {
		r := put()
		r.Header.Set("X-Amz-Acl", "public-read")
		e := wantCode(t, mustErr(v.Verify(r)), "AccessDenied")
		if extra(e, "HeadersNotSigned") != "x-amz-acl" {
			t.Fatalf("%+v", e.Extra)
		}
	})
	t.Run("changed-query", func(t *testing.T) {
		r := put()
		r.URL.RawQuery = "acl"
		wantCode(t, mustErr(v.Verify(r)), "SignatureDoesNotMatch")
	})
	t.Run("changed-path", func(t *testing.T) {
		r := put()
		r.RequestURI = "/bucket/other?tagging"
		wantCode(t, mustErr(v.Verify(r)), "SignatureDoesNotMatch")
	})
	t.Run("changed-host", func(t *testing.T) {
		r := put()
		r.Host = "evil:9000"
		wantCode(t, mustErr(v.Verify(r)), "SignatureDoesNotMatch")
	})
	t.Run("changed-body", func(t *testing.T) {
		r := put()
		r.Body = io.NopCloser(strings.NewReader("HELLO"))
		if _, err := v.Verify(r); err != nil {
			t.Fatal(err)
		}
		_, err := io.ReadAll(r.Body)
		e := wantCode(t, err, "XAmzContentSHA256Mismatch")
		if extra(e, "ClientComputedContentSHA256") != sha([]byte("hello")) || extra(e, "S3ComputedContentSHA256") != sha([]byte("HELLO")) {
			t.Fatalf("%+v", e.Extra)
		}
	})
	t.Run("empty-body-wrong-hash", func(t *testing.T) {
		r := signed(t, "GET", "http://localhost:9000/b/k", "s3", nil, sha([]byte("x")), nil, t0, testSecret)
		wantCode(t, mustErr(v.Verify(r)), "XAmzContentSHA256Mismatch")
	})
	t.Run("changed-body-kinesis", func(t *testing.T) {
		r := signed(t, "POST", "http://localhost:9000/", "kinesis", []byte("{}"), "", nil, t0, testSecret)
		r.Body = io.NopCloser(strings.NewReader(`{"a":1}`))
		wantCode(t, mustErr(v.Verify(r)), "SignatureDoesNotMatch")
	})
	t.Run("unknown-key", func(t *testing.T) {
		v2 := &Verifier{Creds: StaticCredentials{"OTHER": "x"}, Now: v.Now}
		e := wantCode(t, mustErr(v2.Verify(put())), "InvalidAccessKeyId")
		if e.Status != 403 || extra(e, "AWSAccessKeyId") != testAK {
			t.Fatal(e)
		}
	})
	t.Run("skew", func(t *testing.T) {
		for _, d := range []time.Duration{16 * time.Minute, -16 * time.Minute} {
			r := signed(t, "GET", "http://localhost:9000/b/k", "s3", nil, "", nil, t0.Add(d), testSecret)
			e := wantCode(t, mustErr(v.Verify(r)), "RequestTimeTooSkewed")
			if e.Status != 403 || extra(e, "MaxAllowedSkewMilliseconds") != "900000" || extra(e, "ServerTime") != "2013-05-24T00:00:00Z" || extra(e, "RequestTime") == "" {
				t.Fatalf("%+v", e.Extra)
			}
		}
		r := signed(t, "GET", "http://localhost:9000/b/k", "s3", nil, "", nil, t0.Add(14*time.Minute), testSecret)
		if _, err := v.Verify(r); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("missing-date", func(t *testing.T) {
		r := put()
		r.Header.Del("X-Amz-Date")
		e := wantCode(t, mustErr(v.Verify(r)), "AccessDenied")
		if e.Message != "AWS authentication requires a valid Date or x-amz-date header" {
			t.Fatal(e.Message)
		}
	})
	t.Run("date-scope-mismatch", func(t *testing.T) {
		r := put()
		r.Header.Set("X-Amz-Date", "20130525T000000Z")
		wantCode(t, mustErr(v.Verify(r)), "AuthorizationHeaderMalformed")
	})
	t.Run("missing-content-sha256-s3", func(t *testing.T) {
		r := put()
		r.Header.Del("X-Amz-Content-Sha256")
		wantCode(t, mustErr(v.Verify(r)), "InvalidRequest")
	})
	t.Run("bad-content-sha256", func(t *testing.T) {
		r := put()
		r.Header.Set("X-Amz-Content-Sha256", "nope")
		wantCode(t, mustErr(v.Verify(r)), "InvalidArgument")
	})
	t.Run("header-and-query", func(t *testing.T) {
		r := put()
		r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
		wantCode(t, mustErr(v.Verify(r)), "InvalidArgument")
	})
	t.Run("region", func(t *testing.T) {
		v2 := *testVerifier()
		v2.Region = "eu-west-1"
		e := wantCode(t, mustErr(v2.Verify(put())), "AuthorizationHeaderMalformed")
		if extra(e, "Region") != "eu-west-1" {
			t.Fatal(e)
		}
	})
}

func mustErr(_ *Result, err error) error { return err }

func TestAnonymous(t *testing.T) {
	r, _ := http.NewRequest("GET", "http://localhost/b/k?x=1", nil)
	res, err := testVerifier().Verify(r)
	if err != nil || !res.Anonymous {
		t.Fatal(res, err)
	}
	r, _ = http.NewRequest("GET", "http://localhost/b/k?AWSAccessKeyId=a&Signature=b&Expires=1", nil)
	wantCode(t, mustErr(testVerifier().Verify(r)), "InvalidRequest")
}

func TestMalformedAuthorization(t *testing.T) {
	cred := "Credential=" + testAK + "/20130524/us-east-1/s3/aws4_request"
	sh := "SignedHeaders=host;x-amz-date"
	sig := "Signature=" + strings.Repeat("a", 64)
	cases := []struct{ h, code string }{
		{"Bearer xyz", "InvalidArgument"},
		{"AWS " + testAK + ":abc", "InvalidRequest"},
		{"AWS4-HMAC-SHA256", "InvalidArgument"},
		{"AWS4-HMAC-SHA256 ", "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 " + cred + ", " + sh, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 " + cred + ", " + sh + ", " + sig + ", Foo=bar", "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 " + cred + ", " + cred + ", " + sh + ", " + sig, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 Credential=" + testAK + "/20130524/us-east-1/s3, " + sh + ", " + sig, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 Credential=" + testAK + "/2013-05-24/us-east-1/s3/aws4_request, " + sh + ", " + sig, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 Credential=" + testAK + "/20130524/us-east-1/s3/aws5_request, " + sh + ", " + sig, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=, " + sig, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;;x, " + sig, "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 " + cred + ", " + sh + ", Signature=", "AuthorizationHeaderMalformed"},
		{"AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=" + strings.Repeat("a", 64), "SignatureDoesNotMatch"},
		{"AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=x-amz-date, " + sig, "AccessDenied"},
	}
	for _, c := range cases {
		r, _ := http.NewRequest("GET", "http://localhost/b/k", nil)
		r.Header.Set("Authorization", c.h)
		r.Header.Set("X-Amz-Date", "20130524T000000Z")
		r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
		_, err := testVerifier().Verify(r)
		if err == nil {
			t.Errorf("%q: no error", c.h)
			continue
		}
		if e := err.(*awserr.Error); e.Code != c.code {
			t.Errorf("%q: got %s (%s), want %s", c.h, e.Code, e.Message, c.code)
		}
	}
}

func TestPresign(t *testing.T) {
	v := testVerifier()
	t.Run("s3", func(t *testing.T) {
		r := presigned(t, "GET", "http://localhost:9000/bucket/a%20b.txt?versionId=3", "s3", "3600", t0.Add(-30*time.Minute))
		res, err := v.Verify(r)
		if err != nil {
			t.Fatalf("%v %+v", err, err.(*awserr.Error).Extra)
		}
		if !res.Presigned || res.PayloadMode != UnsignedPayload || res.AccessKey != testAK {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("non-s3", func(t *testing.T) {
		r := presigned(t, "GET", "http://localhost:9000/?Action=GetCallerIdentity&Version=2011-06-15", "sts", "60", t0)
		if _, err := v.Verify(r); err != nil {
			t.Fatalf("%v %+v", err, err.(*awserr.Error).Extra)
		}
	})
	t.Run("expired", func(t *testing.T) {
		r := presigned(t, "GET", "http://localhost:9000/bucket/k", "s3", "60", t0.Add(-61*time.Second))
		e := wantCode(t, mustErr(v.Verify(r)), "AccessDenied")
		if e.Message != "Request has expired" || extra(e, "X-Amz-Expires") != "60" || extra(e, "Expires") != "2013-05-23T23:59:59Z" || extra(e, "ServerTime") != "2013-05-24T00:00:00Z" {
			t.Fatalf("%s %+v", e.Message, e.Extra)
		}
	})
	t.Run("future", func(t *testing.T) {
		r := presigned(t, "GET", "http://localhost:9000/bucket/k", "s3", "60", t0.Add(20*time.Minute))
		wantCode(t, mustErr(v.Verify(r)), "AccessDenied")
	})
	t.Run("too-long", func(t *testing.T) {
		r := presigned(t, "GET", "http://localhost:9000/bucket/k", "s3", "604801", t0)
		wantCode(t, mustErr(v.Verify(r)), "AuthorizationQueryParametersError")
		r = presigned(t, "GET", "http://localhost:9000/bucket/k", "s3", "604800", t0)
		if _, err := v.Verify(r); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("tampered-query", func(t *testing.T) {
		r := presigned(t, "GET", "http://localhost:9000/bucket/k?x=1", "s3", "60", t0)
		r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "x=1", "x=2", 1)
		wantCode(t, mustErr(v.Verify(r)), "SignatureDoesNotMatch")
	})
	t.Run("tampered-path", func(t *testing.T) {
		r := presigned(t, "GET", "http://localhost:9000/bucket/k", "s3", "60", t0)
		r.RequestURI = strings.Replace(r.RequestURI, "/bucket/k", "/bucket/j", 1)
		wantCode(t, mustErr(v.Verify(r)), "SignatureDoesNotMatch")
	})
	t.Run("missing-param", func(t *testing.T) {
		r := presigned(t, "GET", "http://localhost:9000/bucket/k", "s3", "60", t0)
		q := r.URL.Query()
		q.Del("X-Amz-SignedHeaders")
		r.URL.RawQuery = q.Encode()
		wantCode(t, mustErr(v.Verify(r)), "AuthorizationQueryParametersError")
	})
	t.Run("unknown-key", func(t *testing.T) {
		r := presigned(t, "GET", "http://localhost:9000/bucket/k", "s3", "60", t0)
		v2 := &Verifier{Creds: StaticCredentials{}, Now: v.Now}
		wantCode(t, mustErr(v2.Verify(r)), "InvalidAccessKeyId")
	})
}

func TestJSONProtocolError(t *testing.T) {
	r := signed(t, "POST", "http://localhost:9000/", "kinesis", []byte("{}"), "", nil, t0, "bad")
	_, err := testVerifier().Verify(r)
	wantCode(t, JSONProtocolError(err), "InvalidSignatureException")
	wantCode(t, JSONProtocolError(errUnknownKey("x")), "UnrecognizedClientException")
}

func TestPOSTPolicy(t *testing.T) {
	policy := "eyAiZXhwaXJhdGlvbiI6ICIyMDEzLTA4LTA2VDEyOjAwOjAwLjAwMFoiIH0="
	key := SigningKey(testSecret, "20130524", "us-east-1", "s3")
	form := map[string]string{
		"X-Amz-Algorithm":  "AWS4-HMAC-SHA256",
		"X-Amz-Credential": testAK + "/20130524/us-east-1/s3/aws4_request",
		"X-Amz-Date":       "20130524T000000Z",
		"Policy":           policy,
		"x-amz-signature":  signature(key, policy),
		"key":              "user/${filename}",
	}
	v := testVerifier()
	res, err := v.VerifyPOSTPolicy(form)
	if err != nil || res.AccessKey != testAK || res.Service != "s3" {
		t.Fatal(res, err)
	}
	form["Policy"] = policy + "x"
	wantCode(t, mustErr(v.VerifyPOSTPolicy(form)), "SignatureDoesNotMatch")
	delete(form, "X-Amz-Date")
	wantCode(t, mustErr(v.VerifyPOSTPolicy(form)), "InvalidArgument")
	res, err = v.VerifyPOSTPolicy(map[string]string{"key": "k"})
	if err != nil || !res.Anonymous {
		t.Fatal(res, err)
	}
	wantCode(t, mustErr(v.VerifyPOSTPolicy(map[string]string{"AWSAccessKeyId": testAK, "signature": "x", "policy": "p"})), "InvalidRequest")
}
