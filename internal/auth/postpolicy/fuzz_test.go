package postpolicy

import (
	"encoding/base64"
	"testing"
	"time"
)

// FuzzParse feeds Parse both the fuzzed bytes as a JSON document (base64
// encoded, so the mutator works on JSON structure) and the bytes as they are
// (exercising the base64 layer).
func FuzzParse(f *testing.F) {
	for _, doc := range []string{
		awsExample,
		`{"expiration":"2030-01-01T00:00:00Z","conditions":[]}`,
		`{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",0,1048576],["eq","$Content-Type","image/jpeg"]]}`,
		`{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range","1","2"],{"acl":"x"}]}`,
		`{"expiration":"2030-01-01T00:00:00Z","conditions":[["eq","$key","a\$b\vc\\"]]}`,
		`{"expiration":"2030-01-01T00:00:00Z","conditions":[["starts-with","$key"]]}`,
		`{"expiration":"x","conditions":{}}`,
		`[1,2,3]`,
		`"\`,
	} {
		f.Add([]byte(doc))
	}
	f.Add([]byte(""))
	f.Add([]byte("not base64 at all"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		check(t, string(doc))
		check(t, base64.StdEncoding.EncodeToString(doc))
	})
}

func check(t *testing.T, s string) {
	t.Helper()
	p, err := Parse(s)
	if err != nil {
		if _, ok := err.(*PolicyError); !ok {
			t.Fatalf("error of type %T: %v", err, err)
		}
		return
	}
	// Intersecting disjoint ranges may leave min > max, which just rejects
	// every size; a negative bound must never appear.
	if p.HasLengthRange && p.ContentLengthMin < 0 {
		t.Fatalf("negative range %d", p.ContentLengthMin)
	}
	for _, c := range p.Conditions {
		switch c.Op {
		case OpEq, OpStartsWith:
			if c.Field == "" {
				t.Fatalf("empty field in %v", c)
			}
		case OpContentLengthRange:
			if c.Min < 0 || c.Min > c.Max {
				t.Fatalf("bad range %v", c)
			}
		default:
			t.Fatalf("unknown op %q", c.Op)
		}
		_ = c.String()
	}
	form := map[string]string{"key": "k", "acl": "public-read", "Content-Type": "image/jpeg"}
	_ = p.Check(form, "b", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	_ = p.CheckLength(5)
}
