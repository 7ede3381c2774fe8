package postpolicy

import (
	"encoding/base64"
	"testing"
	"time"
)

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
		f.Add(base64.StdEncoding.EncodeToString([]byte(doc)))
	}
	f.Add("")
	f.Add("not base64 at all")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			if _, ok := err.(*PolicyError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if p.HasLengthRange && (p.ContentLengthMin < 0 || p.ContentLengthMin > p.ContentLengthMax) {
			// Intersecting disjoint ranges may give min > max; that just
			// rejects every size. Negative bounds must never appear.
			if p.ContentLengthMin < 0 {
				t.Fatalf("negative range %d", p.ContentLengthMin)
			}
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
	})
}
