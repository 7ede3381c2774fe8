package s3api_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tarnhq/tarn/internal/config"
	"github.com/tarnhq/tarn/internal/server/servertest"
)

func TestCreateBucket(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "taken")
	tests := []struct {
		name, bucket, location string
		code                   string
		status                 int
	}{
		{"ok", "good-bucket.1", "", "", 0},
		{"us-east-1 default region explicit", "another-one", "", "", 0},
		{"too short", "ab", "", "InvalidBucketName", 400},
		{"too long", strings.Repeat("a", 64), "", "InvalidBucketName", 400},
		{"upper case", "BadBucket", "", "InvalidBucketName", 400},
		{"underscore", "bad_bucket", "", "InvalidBucketName", 400},
		{"leading dash", "-bucket", "", "InvalidBucketName", 400},
		{"trailing dot", "bucket.", "", "InvalidBucketName", 400},
		{"double dot", "a..b", "", "InvalidBucketName", 400},
		{"ip address", "192.168.1.1", "", "InvalidBucketName", 400},
		{"xn-- prefix", "xn--bucket", "", "InvalidBucketName", 400},
		{"-s3alias suffix", "bucket-s3alias", "", "InvalidBucketName", 400},
		// us-east-1 legacy: the owner re-creating a bucket gets 200 OK.
		{"twice in us-east-1", "taken", "", "", 0},
		{"other region", "elsewhere", "eu-west-1", "IllegalLocationConstraintException", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &s3.CreateBucketInput{Bucket: aws.String(tt.bucket)}
			if tt.location != "" {
				in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(tt.location)}
			}
			_, err := c.CreateBucket(ctx, in)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(tt.bucket)}); err != nil {
					t.Fatalf("HeadBucket after create: %v", err)
				}
				return
			}
			wantErr(t, err, tt.code, tt.status)
		})
	}
}

func TestCreateBucketTwiceOutsideUSEast1(t *testing.T) {
	s := servertest.Start(t, func(c *config.Config) { c.Region = "eu-west-1" })
	cfg := s.AWSConfig("", "")
	cfg.Region = "eu-west-1"
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	in := &s3.CreateBucketInput{Bucket: aws.String("mine"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}}
	if _, err := c.CreateBucket(ctx, in); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateBucket(ctx, in)
	wantErr(t, err, "BucketAlreadyOwnedByYou", 409)
}

func TestHeadBucket(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "exists")
	out, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("exists")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.BucketRegion) != "us-east-1" {
		t.Errorf("BucketRegion = %q", aws.ToString(out.BucketRegion))
	}
	_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("missing")})
	wantErr(t, err, "NotFound", 404)
}

func TestDeleteBucket(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "full")
	put(t, c, "full", "k", "v")
	_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("full")})
	wantErr(t, err, "BucketNotEmpty", 409)

	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("missing")})
	wantErr(t, err, "NoSuchBucket", 404)

	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("full"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("full")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("full")})
	wantErr(t, err, "NotFound", 404)
	// The name is free again.
	mkBucket(t, c, "full")
}

func TestListBuckets(t *testing.T) {
	_, c := setup(t)
	var names []string
	for i := range 7 {
		n := fmt.Sprintf("lb-%02d", i)
		names = append(names, n)
		mkBucket(t, c, n)
	}
	mkBucket(t, c, "other-bucket")

	all, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Buckets) != 8 || all.ContinuationToken != nil {
		t.Fatalf("got %d buckets, token %v", len(all.Buckets), all.ContinuationToken)
	}
	if all.Owner == nil || aws.ToString(all.Owner.ID) == "" {
		t.Errorf("missing owner: %+v", all.Owner)
	}
	for _, b := range all.Buckets {
		if b.CreationDate == nil || b.CreationDate.IsZero() {
			t.Errorf("bucket %s has no CreationDate", aws.ToString(b.Name))
		}
	}

	// Paging with MaxBuckets and ContinuationToken, restricted by Prefix.
	var got []string
	var token *string
	pages := 0
	for {
		out, err := c.ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: aws.Int32(3), ContinuationToken: token, Prefix: aws.String("lb-")})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(out.Buckets) > 3 {
			t.Fatalf("page of %d buckets with MaxBuckets 3", len(out.Buckets))
		}
		if aws.ToString(out.Prefix) != "lb-" {
			t.Errorf("Prefix = %q", aws.ToString(out.Prefix))
		}
		for _, b := range out.Buckets {
			got = append(got, aws.ToString(b.Name))
		}
		if out.ContinuationToken == nil {
			break
		}
		token = out.ContinuationToken
	}
	if pages != 3 || strings.Join(got, ",") != strings.Join(names, ",") {
		t.Fatalf("pages=%d got %v, want %v", pages, got, names)
	}
	if !sort.StringsAreSorted(got) {
		t.Errorf("not sorted: %v", got)
	}

	// The SDK paginator agrees.
	p := s3.NewListBucketsPaginator(c, &s3.ListBucketsInput{MaxBuckets: aws.Int32(2)})
	n := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.Buckets)
	}
	if n != 8 {
		t.Errorf("paginator saw %d buckets", n)
	}

	for _, bad := range []int32{0, 10001} {
		_, err := c.ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: aws.Int32(bad)})
		wantErr(t, err, "InvalidArgument", 400)
	}
}

func TestGetBucketLocation(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "loc")
	out, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("loc")})
	if err != nil {
		t.Fatal(err)
	}
	if out.LocationConstraint != "" {
		t.Errorf("us-east-1 bucket: LocationConstraint = %q, want empty", out.LocationConstraint)
	}
	_, err = c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("nope")})
	wantErr(t, err, "NoSuchBucket", 404)
}

func TestBucketTagging(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "tagged")
	_, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("tagged")})
	wantErr(t, err, "NoSuchTagSet", 404)

	tags := []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("team"), Value: aws.String("storage ünïcode")}}
	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("tagged"), Tagging: &types.Tagging{TagSet: tags}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("tagged")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tg := range out.TagSet {
		got[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	if len(got) != 2 || got["env"] != "prod" || got["team"] != "storage ünïcode" {
		t.Fatalf("tags = %v", got)
	}
	// Duplicate keys are rejected.
	dup := []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("a"), Value: aws.String("2")}}
	_, err = c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("tagged"), Tagging: &types.Tagging{TagSet: dup}})
	wantErr(t, err, "InvalidTag", 400)

	if _, err := c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String("tagged")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("tagged")})
	wantErr(t, err, "NoSuchTagSet", 404)
	_, err = c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("nope")})
	wantErr(t, err, "NoSuchBucket", 404)
}

func TestBucketCORS(t *testing.T) {
	s, c := setup(t)
	mkBucket(t, c, "web")
	put(t, c, "web", "page.html", "<html>", func(in *s3.PutObjectInput) { in.ContentType = aws.String("text/html") })

	_, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("web")})
	wantErr(t, err, "NoSuchCORSConfiguration", 404)

	cfg := &types.CORSConfiguration{CORSRules: []types.CORSRule{{
		AllowedOrigins: []string{"https://app.example.com", "https://*.example.org"},
		AllowedMethods: []string{"GET", "PUT"},
		AllowedHeaders: []string{"Content-Type", "x-amz-*"},
		ExposeHeaders:  []string{"ETag"},
		MaxAgeSeconds:  aws.Int32(600),
	}}}
	if _, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("web"), CORSConfiguration: cfg}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("web")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.CORSRules) != 1 || len(out.CORSRules[0].AllowedOrigins) != 2 || aws.ToInt32(out.CORSRules[0].MaxAgeSeconds) != 600 {
		t.Fatalf("rules = %+v", out.CORSRules)
	}

	preflight := []struct {
		name, origin, method, headers string
		status                        int
	}{
		{"allowed", "https://app.example.com", "PUT", "content-type", 200},
		{"wildcard origin", "https://cdn.example.org", "GET", "", 200},
		{"x-amz wildcard header", "https://app.example.com", "PUT", "x-amz-meta-foo", 200},
		{"disallowed origin", "https://evil.example.net", "GET", "", 403},
		{"disallowed method", "https://app.example.com", "DELETE", "", 403},
		{"disallowed header", "https://app.example.com", "PUT", "authorization-x", 403},
	}
	for _, tt := range preflight {
		t.Run("preflight "+tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodOptions, s.URL+"/web/page.html", nil)
			req.Header.Set("Origin", tt.origin)
			req.Header.Set("Access-Control-Request-Method", tt.method)
			if tt.headers != "" {
				req.Header.Set("Access-Control-Request-Headers", tt.headers)
			}
			resp, body := do(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if resp.Header.Get("x-amz-request-id") == "" {
				t.Error("no x-amz-request-id")
			}
			if tt.status != 200 {
				if code := xmlCode(body); code != "AccessForbidden" && code != "CORSForbidden" {
					t.Errorf("code %q", code)
				}
				if resp.Header.Get("Access-Control-Allow-Origin") != "" {
					t.Error("Access-Control-Allow-Origin on a refused preflight")
				}
				return
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tt.origin {
				t.Errorf("Allow-Origin = %q", got)
			}
			if got := resp.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(got, tt.method) {
				t.Errorf("Allow-Methods = %q", got)
			}
			if got := resp.Header.Get("Access-Control-Max-Age"); got != "600" {
				t.Errorf("Max-Age = %q", got)
			}
			if tt.headers != "" && !strings.EqualFold(resp.Header.Get("Access-Control-Allow-Headers"), tt.headers) {
				t.Errorf("Allow-Headers = %q", resp.Header.Get("Access-Control-Allow-Headers"))
			}
		})
	}

	// An actual GET with Origin gets the CORS headers (signed: the object is private).
	req := signedRequest(t, http.MethodGet, s.URL+"/web/page.html", nil, http.Header{"Origin": {"https://app.example.com"}}, "", "", "s3", nowUTC())
	resp, body := do(t, req)
	if resp.StatusCode != 200 || string(body) != "<html>" {
		t.Fatalf("GET: %d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "ETag") {
		t.Errorf("CORS headers on GET: %v", resp.Header)
	}
	// ... and a GET from an origin not allowed gets none.
	req = signedRequest(t, http.MethodGet, s.URL+"/web/page.html", nil, http.Header{"Origin": {"https://evil.example.net"}}, "", "", "s3", nowUTC())
	resp, _ = do(t, req)
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("GET from other origin: %d, Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}

	if _, err := c.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("web")})
	wantErr(t, err, "NoSuchCORSConfiguration", 404)
	// Without CORS the preflight is refused.
	req, _ = http.NewRequest(http.MethodOptions, s.URL+"/web/page.html", nil)
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "GET")
	resp, _ = do(t, req)
	if resp.StatusCode != 403 {
		t.Errorf("preflight without CORS config: %d", resp.StatusCode)
	}

	// Invalid configuration: an unknown method.
	bad := &types.CORSConfiguration{CORSRules: []types.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PATCH"}}}}
	_, err = c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("web"), CORSConfiguration: bad})
	wantErr(t, err, "InvalidRequest", 400)
}
