package sigv4

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func benchChunked(b *testing.B, mode string) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB
	seed := strings.Repeat("0", 64)
	body := newEncoder(mode, seed).encode(data, 64<<10)
	e := newEncoder(mode, seed)
	buf := make([]byte, 256<<10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res := &Result{PayloadMode: mode}
		c := newChunkedReader(io.NopCloser(bytes.NewReader(body)), int64(len(data)), res)
		if mode != StreamingUnsignedTrailer {
			c.signed, c.key, c.prevSig = true, e.key, seed
			c.prefix = "AWS4-HMAC-SHA256-PAYLOAD\n" + e.amzDate + "\n" + e.scope + "\n"
		}
		c.trailer = mode != StreamingPayload
		var n int64
		for {
			k, err := c.Read(buf)
			n += int64(k)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		if n != int64(len(data)) {
			b.Fatal(n)
		}
	}
}

// BenchmarkChunkedDecode decodes and verifies a 16 MiB signed aws-chunked
// body in 64 KiB chunks.
func BenchmarkChunkedDecode(b *testing.B) {
	b.Run("signed", func(b *testing.B) { benchChunked(b, StreamingPayload) })
	b.Run("unsigned-trailer", func(b *testing.B) { benchChunked(b, StreamingUnsignedTrailer) })
}

// BenchmarkVerifyHeader verifies an SDK-signed GET.
func BenchmarkVerifyHeader(b *testing.B) {
	r := signed(b, "GET", "http://localhost:9000/bucket/some/key.txt?versionId=abc&partNumber=2", "s3", nil, "",
		map[string]string{"Range": "bytes=0-99", "X-Amz-Meta-A": "b"}, t0, testSecret)
	v := testVerifier()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r); err != nil {
			b.Fatal(err)
		}
	}
}
