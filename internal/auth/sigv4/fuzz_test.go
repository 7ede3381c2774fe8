package sigv4

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
)

// FuzzChunkedDecoder feeds arbitrary bodies to the aws-chunked decoder: it
// must never panic or hang, and must either fail or yield exactly the
// declared number of bytes.
func FuzzChunkedDecoder(f *testing.F) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1100)
	for _, mode := range []string{StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedTrailer} {
		f.Add(newEncoder(mode, strings.Repeat("0", 64)).encode(data, 8192, "x-amz-checksum-crc32:AAAAAA=="), uint32(len(data)), modeIndex(mode))
		f.Add(newEncoder(mode, strings.Repeat("0", 64)).encode(data[:10], 8192), uint32(10), modeIndex(mode))
	}
	f.Add([]byte("0\r\n\r\n"), uint32(0), uint8(2))
	f.Add([]byte("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"), uint32(5), uint8(2))
	f.Add([]byte("ffffffff\r\n"), uint32(5), uint8(2))
	f.Add([]byte("5;chunk-signature=zz\r\nhello\r\n"), uint32(5), uint8(0))
	f.Fuzz(func(t *testing.T, body []byte, declared uint32, m uint8) {
		modes := []string{StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedTrailer}
		mode := modes[int(m)%len(modes)]
		res := &Result{PayloadMode: mode}
		c := newChunkedReader(io.NopCloser(bytes.NewReader(body)), int64(declared), res)
		if mode != StreamingUnsignedTrailer {
			e := newEncoder(mode, strings.Repeat("0", 64))
			c.signed, c.key, c.prevSig = true, e.key, e.prev
			c.prefix = "AWS4-HMAC-SHA256-PAYLOAD\n" + e.amzDate + "\n" + e.scope + "\n"
			c.trailerPrefix = "AWS4-HMAC-SHA256-TRAILER\n" + e.amzDate + "\n" + e.scope + "\n"
		}
		c.trailer = mode != StreamingPayload
		buf := make([]byte, 4096)
		var total int64
		for reads := 0; ; reads++ {
			// Every Read makes progress on a finite input, so the number
			// of reads is bounded by its length.
			if reads > 2*len(body)+10 {
				t.Fatalf("decoder does not terminate")
			}
			n, err := c.Read(buf)
			total += int64(n)
			if total > int64(declared) {
				t.Fatalf("decoded %d bytes, more than declared %d", total, declared)
			}
			if err == io.EOF {
				if total != int64(declared) {
					t.Fatalf("EOF after %d bytes, declared %d", total, declared)
				}
				return
			}
			if err != nil {
				if _, ok := err.(*awserr.Error); !ok {
					t.Fatalf("error %T %v is not *awserr.Error", err, err)
				}
				if _, err2 := c.Read(buf); err2 != err {
					t.Fatalf("error not sticky: %v then %v", err, err2)
				}
				return
			}
		}
	})
}

func modeIndex(mode string) uint8 {
	switch mode {
	case StreamingPayload:
		return 0
	case StreamingPayloadTrailer:
		return 1
	}
	return 2
}

// FuzzAuthorizationHeader checks that parsing and verifying arbitrary
// Authorization headers never panics and only yields *awserr.Error.
func FuzzAuthorizationHeader(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024", "/b/k", "a=b&c")
	f.Add("AWS4-HMAC-SHA256 Credential=/20130524//s3/aws4_request,SignedHeaders=;,Signature=", "/", "")
	f.Add("AWS AKID:sig", "/%zz", "%zz=%")
	f.Add("AWS4-HMAC-SHA256 ,,,===", "//a/../b", "X-Amz-Algorithm=x")
	f.Fuzz(func(t *testing.T, h, path, query string) {
		if _, err := parseAuthorization(h); err != nil && err.Code == "" {
			t.Fatal("empty code")
		}
		r, err := http.NewRequest("PUT", "http://localhost/", strings.NewReader("x"))
		if err != nil {
			t.Skip()
		}
		r.RequestURI = path + "?" + query
		r.URL.RawQuery = query
		r.Header.Set("Authorization", h)
		r.Header.Set("X-Amz-Date", "20130524T000000Z")
		r.Header.Set("X-Amz-Content-Sha256", StreamingPayload)
		_, err = testVerifier().Verify(r)
		if err != nil {
			if _, ok := err.(*awserr.Error); !ok {
				t.Fatalf("%T %v", err, err)
			}
		}
	})
}
