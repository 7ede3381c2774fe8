package awsjson

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
)

type echoIn struct {
	Name  string
	Count int
}

type echoOut struct {
	Greeting string
}

func newService() *Service {
	s := &Service{Name: "test", Prefix: "Test_20200101", Version: "1.1",
		MapError: func(err error) *awserr.Error { return awserr.New("ResourceNotFoundException", "%s", err.Error()) }}
	s.Handle("Echo", Op(func(ctx context.Context, in *echoIn) (*echoOut, error) {
		if in.Name == "missing" {
			return nil, context.Canceled
		}
		if in.Count < 0 || in.Count > 10 {
			return nil, awserr.New("ValidationException", "Count must be 0..10")
		}
		return &echoOut{Greeting: strings.Repeat("hi "+in.Name, in.Count)}, nil
	}))
	return s
}

func call(s *Service, target, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("X-Amz-Target", target)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

func TestDispatch(t *testing.T) {
	s := newService()
	for _, c := range []struct {
		target, body string
		status       int
		want         string
	}{
		{"Test_20200101.Echo", `{"Name":"a","Count":2}`, 200, `{"Greeting":"hi ahi a"}`},
		{"Test_20200101.Echo", ``, 200, `{"Greeting":""}`},
		{"Test_20200101.Echo", `{"Count":"x"}`, 400, `"__type":"SerializationException"`},
		{"Test_20200101.Echo", `{`, 400, `"__type":"SerializationException"`},
		{"Test_20200101.Nope", `{}`, 400, `"__type":"UnknownOperationException"`},
		{"Other.Echo", `{}`, 400, `"__type":"UnknownOperationException"`},
		{"Test_20200101.Echo", `{"Name":"missing"}`, 400, `"__type":"ResourceNotFoundException"`},
	} {
		w := call(s, c.target, c.body)
		if w.Code != c.status || !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("%s %s: got %d %s", c.target, c.body, w.Code, w.Body.String())
		}
		if w.Header().Get("Content-Type") != "application/x-amz-json-1.1" {
			t.Errorf("content type %q", w.Header().Get("Content-Type"))
		}
	}
}

func FuzzDispatch(f *testing.F) {
	s := newService()
	for _, seed := range []string{`{"Name":"a","Count":2}`, `{`, `[]`, `null`, `{"Count":1e99}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		w := call(s, "Test_20200101.Echo", body)
		if w.Code >= 500 {
			t.Fatalf("status %d for %q", w.Code, body)
		}
	})
}
