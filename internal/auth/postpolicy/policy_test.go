package postpolicy

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func enc(doc string) string { return base64.StdEncoding.EncodeToString([]byte(doc)) }

// awsExample is the policy of the AWS example "Browser-Based Upload using
// HTTP POST (Using AWS Signature Version 4)".
const awsExample = `{ "expiration": "2015-12-30T12:00:00.000Z",
  "conditions": [
    {"bucket": "sigv4examplebucket"},
    ["starts-with", "$key", "user/user1/"],
    {"acl": "public-read"},
    {"success_action_redirect": "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html"},
    ["starts-with", "$Content-Type", "image/"],
    {"x-amz-meta-uuid": "14365123651274"},
    {"x-amz-server-side-encryption": "AES256"},
    ["starts-with", "$x-amz-meta-tag", ""],

    {"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
    {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
    {"x-amz-date": "20151229T000000Z" }
  ]
}`

func TestParseAWSExample(t *testing.T) {
	p, err := Parse(enc(awsExample))
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2015, 12, 30, 12, 0, 0, 0, time.UTC); !p.Expiration.Equal(want) {
		t.Errorf("Expiration = %v", p.Expiration)
	}
	if len(p.Conditions) != 11 || p.HasLengthRange {
		t.Fatalf("conditions %d, range %v", len(p.Conditions), p.HasLengthRange)
	}
	want := []string{
		`["eq", "$bucket", "sigv4examplebucket"]`,
		`["starts-with", "$key", "user/user1/"]`,
		`["eq", "$acl", "public-read"]`,
		`["eq", "$success_action_redirect", "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html"]`,
		`["starts-with", "$Content-Type", "image/"]`,
	}
	for i, w := range want {
		if got := p.Conditions[i].String(); got != w {
			t.Errorf("condition %d = %s, want %s", i, got, w)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		ok   bool
		min  int64
		max  int64
	}{
		{name: "minimal", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[]}`, ok: true},
		{name: "fractional seconds", doc: `{"expiration":"2030-01-01T00:00:00.123Z","conditions":[]}`, ok: true},
		{name: "range", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",1,1048576]]}`, ok: true, min: 1, max: 1048576},
		{name: "range as strings", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range","10","20"]]}`, ok: true, min: 10, max: 20},
		{name: "ranges intersect", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",0,100],["content-length-range",10,1000]]}`, ok: true, min: 10, max: 100},
		{name: "operator case", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[["EQ","$key","a"],["Starts-With","$acl",""]]}`, ok: true},
		{name: "dollar escape", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[["eq","$key","price\$5"]]}`, ok: true},

		{name: "not base64"},
		{name: "empty", doc: ``},
		{name: "not json", doc: `expiration`},
		{name: "array", doc: `[]`},
		{name: "null", doc: `null`},
		{name: "trailing data", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[]} {}`},
		{name: "trailing comma", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[{"acl":"x"},]}`},
		{name: "missing expiration", doc: `{"conditions":[]}`},
		{name: "missing conditions", doc: `{"expiration":"2030-01-01T00:00:00Z"}`},
		{name: "null conditions", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":null}`},
		{name: "unknown key", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[],"extra":1}`},
		{name: "bad expiration", doc: `{"expiration":"tomorrow","conditions":[]}`},
		{name: "numeric expiration", doc: `{"expiration":1893456000,"conditions":[]}`},
		{name: "two-key object", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[{"acl":"a","key":"b"}]}`},
		{name: "empty object", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[{}]}`},
		{name: "numeric object value", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[{"success_action_status":201}]}`},
		{name: "unknown operator", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[["in","$key","a"]]}`},
		{name: "field without dollar", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[["eq","key","a"]]}`},
		{name: "bare dollar", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[["eq","$","a"]]}`},
		{name: "four elements", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[["starts-with","$key","a","b"]]}`},
		{name: "two elements", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[["eq","$key"]]}`},
		{name: "empty array", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[[]]}`},
		{name: "range reversed", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",10,1]]}`},
		{name: "range negative", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",-1,1]]}`},
		{name: "range fraction", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",0,1.5]]}`},
		{name: "range overflow", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",0,99999999999999999999]]}`},
		{name: "condition string", doc: `{"expiration":"2030-01-01T00:00:00Z","conditions":["acl"]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := enc(tc.doc)
			if tc.name == "not base64" {
				in = "!!!"
			}
			p, err := Parse(in)
			if !tc.ok {
				var pe *PolicyError
				if !errors.As(err, &pe) || pe.Code != CodeInvalidPolicyDocument || pe.HTTPStatus() != 400 {
					t.Fatalf("Parse = %v, %v; want InvalidPolicyDocument", p, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.max != 0 && (!p.HasLengthRange || p.ContentLengthMin != tc.min || p.ContentLengthMax != tc.max) {
				t.Errorf("range = %v [%d, %d], want [%d, %d]", p.HasLengthRange, p.ContentLengthMin, p.ContentLengthMax, tc.min, tc.max)
			}
		})
	}
}

func TestParseEscapes(t *testing.T) {
	p, err := Parse(enc(`{"expiration":"2030-01-01T00:00:00Z","conditions":[["eq","$key","a\$b\\$c\vd\"e"]]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Conditions[0].Value, "a$b\\$c\vd\"e"; got != want {
		t.Errorf("value = %q, want %q", got, want)
	}
}

func TestParseWrappedBase64(t *testing.T) {
	e := enc(awsExample)
	wrapped := e[:40] + "\r\n" + e[40:80] + "\n" + e[80:]
	if _, err := Parse(wrapped); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(strings.Repeat("A", MaxPolicySize+4)); err == nil {
		t.Error("oversized policy accepted")
	}
}
