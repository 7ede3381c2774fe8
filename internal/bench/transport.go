package bench

import (
	"bytes"
	"io"
	"net/http"
)

// detachedBodies is the test clients' transport. The AWS SDK for Go closes
// a request's body as soon as the response headers arrive; if net/http's
// write loop is still probing that body for EOF at that instant — likely
// against a server that answers on loopback in microseconds — the write
// loop sees a read error and closes the connection under the response
// being read, and the SDK reports "deserialization failed … use of closed
// network connection" (aws-sdk-go-v2 issues #1825, #2737). Giving the
// transport its own copy of the body removes the race; it is a client-side
// fix and changes nothing the server sees.
type detachedBodies struct{ next http.RoundTripper }

func (t detachedBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		var buf bytes.Buffer
		if r.ContentLength > 0 {
			buf.Grow(int(r.ContentLength) + bytes.MinRead)
		}
		if _, err := buf.ReadFrom(r.Body); err != nil {
			return nil, err
		}
		b := buf.Bytes()
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	return t.next.RoundTrip(r)
}
