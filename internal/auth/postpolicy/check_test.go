package postpolicy

import (
	"errors"
	"testing"
	"time"
)

var (
	expiry = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	before = expiry.Add(-time.Hour)
)

func mustParse(t *testing.T, conds string) *Policy {
	t.Helper()
	p, err := Parse(enc(`{"expiration":"2030-01-01T00:00:00.000Z","conditions":[` + conds + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheck(t *testing.T) {
	const ok = ""
	for _, tc := range []struct {
		name   string
		conds  string
		form   map[string]string
		bucket string
		now    time.Time
		want   string // message; ok for success
	}{
		{name: "exact object", conds: `{"acl":"public-read"}`, form: map[string]string{"acl": "public-read"}, want: ok},
		{name: "exact object fails", conds: `{"acl":"public-read"}`, form: map[string]string{"acl": "private"},
			want: `Invalid according to Policy: Policy Condition failed: ["eq", "$acl", "public-read"]`},
		{name: "exact is case-sensitive in value", conds: `{"acl":"public-read"}`, form: map[string]string{"acl": "Public-Read"},
			want: `Invalid according to Policy: Policy Condition failed: ["eq", "$acl", "public-read"]`},
		{name: "eq", conds: `["eq","$key","x"]`, form: map[string]string{"key": "x"}, want: ok},
		{name: "eq fails", conds: `["eq","$key","x"]`, form: map[string]string{"key": "y"},
			want: `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "x"]`},
		{name: "eq missing field", conds: `["eq","$key","x"]`, form: map[string]string{},
			want: `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "x"]`},
		{name: "starts-with", conds: `["starts-with","$key","user/"]`, form: map[string]string{"key": "user/a.txt"}, want: ok},
		{name: "starts-with fails", conds: `["starts-with","$key","user/"]`, form: map[string]string{"key": "admin/a.txt"},
			want: `Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "user/"]`},
		{name: "starts-with empty matches anything", conds: `["starts-with","$x-amz-meta-tag",""]`, form: map[string]string{"x-amz-meta-tag": "anything"}, want: ok},
		{name: "starts-with empty, field absent", conds: `["starts-with","$x-amz-meta-tag",""]`, form: map[string]string{}, want: ok},
		{name: "content-type list", conds: `["starts-with","$Content-Type","image/"]`, form: map[string]string{"Content-Type": "image/jpg,image/png, image/gif"}, want: ok},
		{name: "content-type list fails", conds: `["starts-with","$Content-Type","image/"]`, form: map[string]string{"content-type": "image/jpg,text/plain"},
			want: `Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"]`},
		{name: "eq content-type is not a list", conds: `["eq","$Content-Type","image/jpeg"]`, form: map[string]string{"Content-Type": "image/jpeg,image/jpeg"},
			want: `Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/jpeg"]`},
		{name: "field names case-insensitive", conds: `["eq","$Content-Type","image/jpeg"],{"X-Amz-Meta-UUID":"1"}`,
			form: map[string]string{"content-type": "image/jpeg", "x-amz-meta-uuid": "1"}, want: ok},
		{name: "bucket", conds: `{"bucket":"b"}`, bucket: "b", want: ok},
		{name: "bucket fails", conds: `{"bucket":"b"}`, bucket: "other",
			want: `Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "b"]`},
		{name: "bucket ignores form", conds: `{"bucket":"b"}`, form: map[string]string{"bucket": "b"}, bucket: "other",
			want: `Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "b"]`},
		{name: "all conditions must hold", conds: `["starts-with","$key","user/"],["starts-with","$key","user/eric/"]`, form: map[string]string{"key": "user/bob/x"},
			want: `Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "user/eric/"]`},
		{name: "escaped value in message", conds: `["eq","$key","a\"b"]`, form: map[string]string{"key": "ab"},
			want: `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "a\"b"]`},
		{name: "html not escaped in message", conds: `["eq","$key","<a&b>"]`, form: map[string]string{"key": "ab"},
			want: `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "<a&b>"]`},
		{name: "extra field", conds: `["starts-with","$key",""]`, form: map[string]string{"key": "k", "x-amz-meta-foo": "1"},
			want: "Invalid according to Policy: Extra input fields: x-amz-meta-foo"},
		{name: "extra fields sorted", conds: `["starts-with","$key",""]`, form: map[string]string{"key": "k", "zeta": "1", "Alpha": "2"},
			want: "Invalid according to Policy: Extra input fields: Alpha, zeta"},
		{name: "exempt fields", conds: `["starts-with","$key",""]`, form: map[string]string{
			"key": "k", "X-Amz-Signature": "s", "Policy": "p", "file": "", "x-ignore-foo": "1", "AWSAccessKeyId": "a", "signature": "s"}, want: ok},
		{name: "range covers nothing", conds: `["content-length-range",0,10]`, form: map[string]string{"content-length-range": "5"},
			want: "Invalid according to Policy: Extra input fields: content-length-range"},
		{name: "expired", conds: `["starts-with","$key",""]`, form: map[string]string{"key": "k"}, now: expiry.Add(time.Millisecond),
			want: "Invalid according to Policy: Policy expired."},
		{name: "at expiry", conds: `["starts-with","$key",""]`, form: map[string]string{"key": "k"}, now: expiry, want: ok},
		{name: "expiry checked first", conds: `["eq","$key","x"]`, form: map[string]string{"key": "y"}, now: expiry.Add(time.Hour),
			want: "Invalid according to Policy: Policy expired."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, tc.conds)
			now := tc.now
			if now.IsZero() {
				now = before
			}
			err := p.Check(tc.form, tc.bucket, now)
			if tc.want == ok {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			var pe *PolicyError
			if !errors.As(err, &pe) || pe.Code != CodeAccessDenied || pe.Message != tc.want || pe.HTTPStatus() != 403 {
				t.Fatalf("Check = %v\nwant AccessDenied: %s", err, tc.want)
			}
		})
	}
}

func TestCheckAWSExample(t *testing.T) {
	p, err := Parse(enc(awsExample))
	if err != nil {
		t.Fatal(err)
	}
	// The form of the AWS example, as a browser would send it.
	form := map[string]string{
		"key":                          "user/user1/${filename}",
		"acl":                          "public-read",
		"success_action_redirect":      "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html",
		"Content-Type":                 "image/jpeg",
		"x-amz-meta-uuid":              "14365123651274",
		"x-amz-server-side-encryption": "AES256",
		"X-Amz-Credential":             "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request",
		"X-Amz-Algorithm":              "AWS4-HMAC-SHA256",
		"X-Amz-Date":                   "20151229T000000Z",
		"x-amz-meta-tag":               "",
		"Policy":                       "...",
		"X-Amz-Signature":              "...",
		"file":                         "",
	}
	form["key"] = "user/user1/photo.jpg" // ${filename} substituted by the caller
	now := time.Date(2015, 12, 29, 0, 0, 0, 0, time.UTC)
	if err := p.Check(form, "sigv4examplebucket", now); err != nil {
		t.Fatal(err)
	}
	if err := p.Check(form, "sigv4examplebucket", now.AddDate(0, 0, 2)); err == nil {
		t.Error("expired policy accepted")
	}
}

func TestCheckLength(t *testing.T) {
	p := mustParse(t, `["content-length-range",10,100]`)
	for _, tc := range []struct {
		n    int64
		code string
	}{
		{0, CodeEntityTooSmall},
		{9, CodeEntityTooSmall},
		{10, ""},
		{100, ""},
		{101, CodeEntityTooLarge},
	} {
		err := p.CheckLength(tc.n)
		if tc.code == "" {
			if err != nil {
				t.Errorf("CheckLength(%d) = %v", tc.n, err)
			}
			continue
		}
		var pe *PolicyError
		if !errors.As(err, &pe) || pe.Code != tc.code || pe.HTTPStatus() != 400 {
			t.Errorf("CheckLength(%d) = %v, want %s", tc.n, err, tc.code)
		}
	}
	if err := mustParse(t, "").CheckLength(1 << 40); err != nil {
		t.Errorf("no range: %v", err)
	}
}
