package s3api_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tarnhq/tarn/internal/server/servertest"
)

func TestAuthErrors(t *testing.T) {
	s, c := setup(t)
	mkBucket(t, c, "authb")
	put(t, c, "authb", "obj", "secret data")
	tests := []struct {
		name, ak, sk, code string
	}{
		{"wrong secret", servertest.AccessKey, "not-the-secret", "SignatureDoesNotMatch"},
		{"unknown access key", "AKIDUNKNOWN", "whatever", "InvalidAccessKeyId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := s.S3As(tt.ak, tt.sk)
			_, err := bad.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("authb"), Key: aws.String("obj")})
			wantErr(t, err, tt.code, 403)
			_, err = bad.ListBuckets(ctx, &s3.ListBucketsInput{})
			wantErr(t, err, tt.code, 403)
			_, err = bad.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("authb"), Key: aws.String("obj"), Body: strings.NewReader("overwritten")})
			wantErr(t, err, tt.code, 403)
		})
	}
	if got, _ := get(t, c, "authb", "obj"); got != "secret data" {
		t.Errorf("object changed by a rejected request: %q", got)
	}

	t.Run("clock skew", func(t *testing.T) {
		for _, off := range []time.Duration{-20 * time.Minute, 20 * time.Minute} {
			req := signedRequest(t, http.MethodGet, s.URL+"/authb/obj", nil, nil, "", "", "s3", time.Now().Add(off))
			resp, body := do(t, req)
			if resp.StatusCode != 403 || xmlCode(body) != "RequestTimeTooSkewed" {
				t.Errorf("offset %v: %d %s", off, resp.StatusCode, body)
			}
		}
		// 10 minutes is within the allowed 15.
		req := signedRequest(t, http.MethodGet, s.URL+"/authb/obj", nil, nil, "", "", "s3", time.Now().Add(-10*time.Minute))
		if resp, body := do(t, req); resp.StatusCode != 200 {
			t.Errorf("10 min skew: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("anonymous", func(t *testing.T) {
		for _, u := range []string{"/authb/obj", "/authb", "/authb/missing", "/"} {
			resp, body := do(t, mustReq(t, http.MethodGet, s.URL+u))
			if resp.StatusCode != 403 || xmlCode(body) != "AccessDenied" {
				t.Errorf("anonymous GET %s: %d %s", u, resp.StatusCode, body)
			}
		}
		req := mustReq(t, http.MethodPut, s.URL+"/authb/anon")
		if resp, body := do(t, req); resp.StatusCode != 403 || xmlCode(body) != "AccessDenied" {
			t.Errorf("anonymous PUT: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("tampered body", func(t *testing.T) {
		req := signedRequest(t, http.MethodPut, s.URL+"/authb/obj", []byte("signed body"), nil, "", "", "s3", time.Now())
		req.Body = http.NoBody
		req.Body = ioNopCloser("other body!")
		resp, body := do(t, req)
		if resp.StatusCode != 400 || xmlCode(body) != "XAmzContentSHA256Mismatch" {
			t.Errorf("tampered body: %d %s", resp.StatusCode, body)
		}
	})
}

func TestPresignedURLs(t *testing.T) {
	s, c := setup(t)
	mkBucket(t, c, "pre")
	put(t, c, "pre", "hello.txt", "hello presigned")
	pc := s3.NewPresignClient(c)

	g, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("pre"), Key: aws.String("hello.txt"),
		ResponseContentDisposition: aws.String("attachment")}, s3.WithPresignExpires(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	resp, body := do(t, mustReq(t, g.Method, g.URL))
	if resp.StatusCode != 200 || string(body) != "hello presigned" || resp.Header.Get("Content-Disposition") != "attachment" {
		t.Errorf("presigned GET: %d %q %v", resp.StatusCode, body, resp.Header)
	}

	p, err := pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("pre"), Key: aws.String("up load.txt")}, s3.WithPresignExpires(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(p.Method, p.URL, strings.NewReader("uploaded via presigned PUT"))
	for k, vs := range p.SignedHeader {
		if k != "Host" {
			req.Header[k] = vs
		}
	}
	if resp, body := do(t, req); resp.StatusCode != 200 {
		t.Fatalf("presigned PUT: %d %s", resp.StatusCode, body)
	}
	if got, _ := get(t, c, "pre", "up load.txt"); got != "uploaded via presigned PUT" {
		t.Errorf("uploaded %q", got)
	}

	// A URL signed an hour ago that expired after 60 s.
	req, _ = http.NewRequest(http.MethodGet, s.URL+"/pre/hello.txt?X-Amz-Expires=60", nil)
	u, _, err := v4.NewSigner().PresignHTTP(ctx, aws.Credentials{AccessKeyID: servertest.AccessKey, SecretAccessKey: servertest.SecretKey},
		req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	resp, body = do(t, mustReq(t, http.MethodGet, u))
	if resp.StatusCode != 403 || xmlCode(body) != "AccessDenied" {
		t.Errorf("expired presigned URL: %d %s", resp.StatusCode, body)
	}
	// A tampered presigned URL fails its signature.
	resp, body = do(t, mustReq(t, http.MethodGet, strings.Replace(g.URL, "hello.txt", "hello2.txt", 1)))
	if resp.StatusCode != 403 || xmlCode(body) != "SignatureDoesNotMatch" {
		t.Errorf("tampered presigned URL: %d %s", resp.StatusCode, body)
	}
	// A presigned URL with the wrong secret.
	bad := s3.NewPresignClient(s.S3As(servertest.AccessKey, "wrong"))
	g2, _ := bad.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("pre"), Key: aws.String("hello.txt")})
	resp, body = do(t, mustReq(t, http.MethodGet, g2.URL))
	if resp.StatusCode != 403 || xmlCode(body) != "SignatureDoesNotMatch" {
		t.Errorf("wrong-secret presigned URL: %d %s", resp.StatusCode, body)
	}
}

// createAccount creates an account through the admin API.
func createAccount(t *testing.T, s *servertest.Server, name, ak, sk string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"name": name, "access_key": ak, "secret_key": sk})
	req := signedRequest(t, http.MethodPost, s.URL+"/_tarn/admin/accounts", b, http.Header{"Content-Type": {"application/json"}}, "", "", "tarn", time.Now())
	resp, body := do(t, req)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create account: %d %s", resp.StatusCode, body)
	}
}

func TestAccounts(t *testing.T) {
	s, root := setup(t)
	createAccount(t, s, "alt", "ALTACCESSKEY", "alt-secret-key-0123456789")
	alt := s.S3As("ALTACCESSKEY", "alt-secret-key-0123456789")

	// The admin API refuses non-root credentials.
	b, _ := json.Marshal(map[string]string{"name": "evil"})
	resp, body := do(t, signedRequest(t, http.MethodPost, s.URL+"/_tarn/admin/accounts", b, http.Header{"Content-Type": {"application/json"}},
		"ALTACCESSKEY", "alt-secret-key-0123456789", "tarn", time.Now()))
	if resp.StatusCode != 403 {
		t.Errorf("admin API with alt creds: %d %s", resp.StatusCode, body)
	}

	mkBucket(t, root, "root-bucket")
	put(t, root, "root-bucket", "k", "root data")
	mkBucket(t, alt, "alt-bucket")
	put(t, alt, "alt-bucket", "k", "alt data")

	denied := []struct {
		name string
		call func() error
	}{
		{"GET", func() error {
			_, err := alt.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("root-bucket"), Key: aws.String("k")})
			return err
		}},
		{"GET missing key", func() error {
			_, err := alt.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("root-bucket"), Key: aws.String("nope")})
			return err
		}},
		{"PUT", func() error {
			_, err := alt.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("root-bucket"), Key: aws.String("k"), Body: strings.NewReader("x")})
			return err
		}},
		{"LIST", func() error {
			_, err := alt.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("root-bucket")})
			return err
		}},
		{"DELETE object", func() error {
			_, err := alt.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("root-bucket"), Key: aws.String("k")})
			return err
		}},
		{"DELETE bucket", func() error {
			_, err := alt.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("root-bucket")})
			return err
		}},
		{"copy from root's bucket", func() error {
			_, err := alt.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("alt-bucket"), Key: aws.String("stolen"), CopySource: aws.String("root-bucket/k")})
			return err
		}},
		{"tagging", func() error {
			_, err := alt.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("root-bucket"),
				Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}})
			return err
		}},
	}
	for _, tt := range denied {
		t.Run("denied "+tt.name, func(t *testing.T) { wantErr(t, tt.call(), "AccessDenied", 403) })
	}
	if got, _ := get(t, root, "root-bucket", "k"); got != "root data" {
		t.Errorf("root's object changed: %q", got)
	}
	_, err := alt.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("root-bucket")})
	if httpStatus(err) != 403 {
		t.Errorf("HeadBucket on root's bucket: %v", err)
	}

	lb, err := alt.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].Name) != "alt-bucket" || aws.ToString(lb.Owner.DisplayName) != "alt" {
		t.Errorf("alt ListBuckets: %+v owner %+v", lb.Buckets, lb.Owner)
	}
	_, err = alt.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("root-bucket")})
	wantErr(t, err, "BucketAlreadyExists", 409)
	// Re-creating its own bucket in us-east-1 answers 200 OK, as S3 does.
	if _, err = alt.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("alt-bucket")}); err != nil {
		t.Fatal(err)
	}

	// Owners in listings name the creator.
	l, err := alt.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("alt-bucket"), FetchOwner: aws.Bool(true)})
	if err != nil || len(l.Contents) != 1 || aws.ToString(l.Contents[0].Owner.DisplayName) != "alt" {
		t.Errorf("alt listing owner: %v %+v", err, l)
	}
	rl, err := root.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("root-bucket"), FetchOwner: aws.Bool(true)})
	if err != nil || len(rl.Contents) != 1 || aws.ToString(rl.Contents[0].Owner.ID) == aws.ToString(l.Contents[0].Owner.ID) {
		t.Errorf("root and alt share an owner id: %v %+v", err, rl)
	}
}

func TestUnknownOperations(t *testing.T) {
	s, c := setup(t)
	mkBucket(t, c, "unk")
	req := signedRequest(t, http.MethodPost, s.URL+"/", []byte("{}"),
		http.Header{"X-Amz-Target": {"Foo_2020.Bar"}, "Content-Type": {"application/x-amz-json-1.0"}}, "", "", "foo", time.Now())
	resp, body := do(t, req)
	var e struct {
		Type string `json:"__type"`
	}
	if err := json.Unmarshal(body, &e); err != nil || !strings.HasSuffix(e.Type, "UnknownOperationException") || resp.StatusCode != 400 {
		t.Errorf("unknown JSON target: %d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("x-amz-request-id") == "" && resp.Header.Get("x-amzn-RequestId") == "" {
		t.Error("no request id on JSON error")
	}

	_, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("unk")})
	wantErr(t, err, "NotImplemented", 501)
	resp, body = do(t, signedRequest(t, http.MethodGet, s.URL+"/unk?website", nil, nil, "", "", "s3", time.Now()))
	if resp.StatusCode != 501 || xmlCode(body) != "NotImplemented" || !strings.Contains(resp.Header.Get("Content-Type"), "xml") {
		t.Errorf("?website: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestRequestIDOnEveryResponse(t *testing.T) {
	s, c := setup(t)
	mkBucket(t, c, "rid")
	put(t, c, "rid", "k", "v")
	etag := `"` + md5hex("v") + `"`
	reqs := []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"GET object", signedRequest(t, http.MethodGet, s.URL+"/rid/k", nil, nil, "", "", "s3", time.Now()), 200},
		{"HEAD object", signedRequest(t, http.MethodHead, s.URL+"/rid/k", nil, nil, "", "", "s3", time.Now()), 200},
		{"HEAD missing", signedRequest(t, http.MethodHead, s.URL+"/rid/nope", nil, nil, "", "", "s3", time.Now()), 404},
		{"304", signedRequest(t, http.MethodGet, s.URL+"/rid/k", nil, http.Header{"If-None-Match": {etag}}, "", "", "s3", time.Now()), 304},
		{"PUT", signedRequest(t, http.MethodPut, s.URL+"/rid/k2", []byte("x"), nil, "", "", "s3", time.Now()), 200},
		{"DELETE", signedRequest(t, http.MethodDelete, s.URL+"/rid/k2", nil, nil, "", "", "s3", time.Now()), 204},
		{"list", signedRequest(t, http.MethodGet, s.URL+"/rid?list-type=2", nil, nil, "", "", "s3", time.Now()), 200},
		{"NoSuchBucket", signedRequest(t, http.MethodGet, s.URL+"/nobucket/k", nil, nil, "", "", "s3", time.Now()), 404},
		{"anonymous", mustReq(t, http.MethodGet, s.URL+"/rid/k"), 403},
		{"bad signature", signedRequest(t, http.MethodGet, s.URL+"/rid/k", nil, nil, servertest.AccessKey, "bad", "s3", time.Now()), 403},
		{"preflight", mustReq(t, http.MethodOptions, s.URL+"/rid/k"), 400},
		{"health", mustReq(t, http.MethodGet, s.URL+"/_tarn/health"), 200},
		{"method not allowed", signedRequest(t, http.MethodPatch, s.URL+"/rid/k", nil, nil, "", "", "s3", time.Now()), 405},
	}
	for _, tt := range reqs {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, tt.req)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if resp.Header.Get("x-amz-request-id") == "" {
				t.Errorf("no x-amz-request-id: %v", resp.Header)
			}
		})
	}
	// The SDK sees it on errors too.
	_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("rid"), Key: aws.String("nope")})
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.ServiceRequestID() == "" {
		t.Errorf("no request id in SDK error: %v", err)
	}
}

func mustReq(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
