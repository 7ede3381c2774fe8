package s3api_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tarnhq/tarn/internal/auth/sigv4"
	"github.com/tarnhq/tarn/internal/server/servertest"
)

// postForm is a browser upload form signed with root credentials.
type postForm struct {
	expiration time.Time
	conditions []any             // besides bucket and the x-amz-* signature fields
	fields     map[string]string // form fields besides the signature fields
	file       []byte
}

func (p postForm) request(t *testing.T, url, bucket string) *http.Request {
	t.Helper()
	now := time.Now().UTC()
	date := now.Format("20060102")
	cred := servertest.AccessKey + "/" + date + "/us-east-1/s3/aws4_request"
	amzDate := now.Format("20060102T150405Z")
	conds := append([]any{
		map[string]string{"bucket": bucket},
		map[string]string{"x-amz-algorithm": "AWS4-HMAC-SHA256"},
		map[string]string{"x-amz-credential": cred},
		map[string]string{"x-amz-date": amzDate},
	}, p.conditions...)
	doc, _ := json.Marshal(map[string]any{"expiration": p.expiration.UTC().Format("2006-01-02T15:04:05.000Z"), "conditions": conds})
	policy := base64.StdEncoding.EncodeToString(doc)
	mac := hmac.New(sha256.New, sigv4.SigningKey(servertest.SecretKey, date, "us-east-1", "s3"))
	mac.Write([]byte(policy))

	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range p.fields {
		w.WriteField(k, v)
	}
	w.WriteField("x-amz-algorithm", "AWS4-HMAC-SHA256")
	w.WriteField("x-amz-credential", cred)
	w.WriteField("x-amz-date", amzDate)
	w.WriteField("policy", policy)
	w.WriteField("x-amz-signature", hex.EncodeToString(mac.Sum(nil)))
	fw, _ := w.CreateFormFile("file", "local name.txt")
	fw.Write(p.file)
	w.Close()
	req, err := http.NewRequest(http.MethodPost, url+"/"+bucket, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req
}

func TestPostObject(t *testing.T) {
	s, c := setup(t)
	mkBucket(t, c, "post")
	later := time.Now().Add(time.Hour)
	base := func() postForm {
		return postForm{
			expiration: later,
			conditions: []any{
				[]any{"starts-with", "$key", "uploads/"},
				[]any{"starts-with", "$Content-Type", "text/"},
				map[string]string{"x-amz-meta-origin": "browser"},
				[]any{"content-length-range", 1, 100},
			},
			fields: map[string]string{"key": "uploads/${filename}", "Content-Type": "text/plain", "x-amz-meta-origin": "browser"},
			file:   []byte("posted content"),
		}
	}

	t.Run("204 default", func(t *testing.T) {
		resp, body := do(t, base().request(t, s.URL, "post"))
		if resp.StatusCode != 204 || resp.Header.Get("ETag") != `"`+md5hex("posted content")+`"` {
			t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, body)
		}
		got, g := get(t, c, "post", "uploads/local name.txt")
		if got != "posted content" || aws.ToString(g.ContentType) != "text/plain" || g.Metadata["origin"] != "browser" {
			t.Errorf("object %q %q %v", got, aws.ToString(g.ContentType), g.Metadata)
		}
	})
	t.Run("201 PostResponse", func(t *testing.T) {
		f := base()
		f.fields["key"] = "uploads/created.txt"
		f.fields["success_action_status"] = "201"
		f.conditions = append(f.conditions, map[string]string{"success_action_status": "201"})
		resp, body := do(t, f.request(t, s.URL, "post"))
		if resp.StatusCode != 201 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		// S3 percent-encodes the whole key, '/' included, in Location.
		var pr struct {
			Location, Bucket, Key, ETag string
		}
		if err := xml.Unmarshal(body, &pr); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		if pr.Bucket != "post" || pr.Key != "uploads/created.txt" || pr.ETag != `"`+md5hex("posted content")+`"` || !strings.HasSuffix(pr.Location, "/post/uploads%2Fcreated.txt") {
			t.Errorf("PostResponse %+v", pr)
		}
	})

	failures := []struct {
		name   string
		mut    func(*postForm)
		key    string
		status int
		code   string
	}{
		{"content-length-range exceeded", func(f *postForm) { f.fields["key"] = "uploads/big"; f.file = bytes.Repeat([]byte("x"), 101) }, "uploads/big", 400, "EntityTooLarge"},
		{"content-length-range too small", func(f *postForm) { f.fields["key"] = "uploads/empty"; f.file = nil }, "uploads/empty", 400, "EntityTooSmall"},
		{"key prefix violated", func(f *postForm) { f.fields["key"] = "elsewhere/x" }, "elsewhere/x", 403, "AccessDenied"},
		{"content-type violated", func(f *postForm) { f.fields["key"] = "uploads/ct"; f.fields["Content-Type"] = "image/png" }, "uploads/ct", 403, "AccessDenied"},
		{"eq violated", func(f *postForm) { f.fields["key"] = "uploads/eq"; f.fields["x-amz-meta-origin"] = "curl" }, "uploads/eq", 403, "AccessDenied"},
		{"extra field", func(f *postForm) { f.fields["key"] = "uploads/extra"; f.fields["x-amz-meta-sneaky"] = "1" }, "uploads/extra", 403, "AccessDenied"},
		{"expired policy", func(f *postForm) { f.fields["key"] = "uploads/expired"; f.expiration = time.Now().Add(-time.Minute) }, "uploads/expired", 403, "AccessDenied"},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			f := base()
			tt.mut(&f)
			resp, body := do(t, f.request(t, s.URL, "post"))
			if resp.StatusCode != tt.status || xmlCode(body) != tt.code {
				t.Errorf("%d %s, want %d %s", resp.StatusCode, body, tt.status, tt.code)
			}
			_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("post"), Key: aws.String(tt.key)})
			wantErr(t, err, "NotFound", 404)
		})
	}
	t.Run("bad signature", func(t *testing.T) {
		req := base().request(t, s.URL, "post")
		b := new(bytes.Buffer)
		b.ReadFrom(req.Body)
		// Flip the policy: the signature no longer matches.
		tampered := strings.Replace(b.String(), "uploads/", "uploadz/", 1)
		req, _ = http.NewRequest(http.MethodPost, req.URL.String(), strings.NewReader(tampered))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundaryOf(b.String()))
		resp, body := do(t, req)
		if resp.StatusCode != 403 {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("anonymous post to private bucket", func(t *testing.T) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.WriteField("key", "anon.txt")
		fw, _ := w.CreateFormFile("file", "a.txt")
		fw.Write([]byte("anon"))
		w.Close()
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/post", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		resp, body := do(t, req)
		if resp.StatusCode != 403 || xmlCode(body) != "AccessDenied" {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
	})
}

func boundaryOf(body string) string {
	line, _, _ := strings.Cut(body, "\r\n")
	return strings.TrimPrefix(line, "--")
}
