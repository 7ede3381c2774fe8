package sigv4

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
)

// chunkEncoder produces aws-chunked bodies, signing chunks the way SDKs do.
type chunkEncoder struct {
	mode    string
	key     []byte
	amzDate string
	scope   string
	prev    string // seed, then each chunk's signature
}

func newEncoder(mode, seed string) *chunkEncoder {
	return &chunkEncoder{
		mode:    mode,
		key:     SigningKey(testSecret, "20130524", "us-east-1", "s3"),
		amzDate: "20130524T000000Z",
		scope:   "20130524/us-east-1/s3/aws4_request",
		prev:    seed,
	}
}

func (e *chunkEncoder) chunkSig(data []byte) string {
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + e.amzDate + "\n" + e.scope + "\n" + e.prev + "\n" + emptySHA256 + "\n" + sha(data)
	e.prev = signature(e.key, sts)
	return e.prev
}

func (e *chunkEncoder) writeChunk(b *bytes.Buffer, data []byte) {
	fmt.Fprintf(b, "%x", len(data))
	if e.mode != StreamingUnsignedTrailer {
		b.WriteString(";chunk-signature=" + e.chunkSig(data))
	}
	b.WriteString("\r\n")
	b.Write(data)
	if len(data) > 0 {
		b.WriteString("\r\n")
	}
}

// encode frames data in chunks of chunk bytes; trailers are "name:value".
func (e *chunkEncoder) encode(data []byte, chunk int, trailers ...string) []byte {
	var b bytes.Buffer
	for len(data) > 0 {
		n := min(chunk, len(data))
		e.writeChunk(&b, data[:n])
		data = data[n:]
	}
	e.writeChunk(&b, nil)
	var canon strings.Builder
	for _, t := range trailers {
		b.WriteString(t + "\r\n")
		canon.WriteString(t + "\n")
	}
	if e.mode == StreamingPayloadTrailer {
		sts := "AWS4-HMAC-SHA256-TRAILER\n" + e.amzDate + "\n" + e.scope + "\n" + e.prev + "\n" + sha([]byte(canon.String()))
		b.WriteString("x-amz-trailer-signature:" + signature(e.key, sts) + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

func seedOf(r *http.Request) string {
	h := r.Header.Get("Authorization")
	return h[strings.LastIndex(h, "=")+1:]
}

// streamingRequest signs an aws-chunked PUT with the SDK and attaches a
// body encoded with the resulting seed signature.
func streamingRequest(t testing.TB, mode string, data []byte, chunk int, decoded string, trailers ...string) *http.Request {
	t.Helper()
	return streamingRequestEnc(t, "aws-chunked", mode, data, chunk, decoded, trailers...)
}

func streamingRequestEnc(t testing.TB, enc, mode string, data []byte, chunk int, decoded string, trailers ...string) *http.Request {
	t.Helper()
	hdr := map[string]string{
		"Content-Encoding":             enc,
		"X-Amz-Decoded-Content-Length": decoded,
	}
	if len(trailers) > 0 {
		var names []string
		for _, tr := range trailers {
			names = append(names, tr[:strings.IndexByte(tr, ':')])
		}
		hdr["X-Amz-Trailer"] = strings.Join(names, ",")
	}
	dummy := newEncoder(mode, strings.Repeat("0", 64)).encode(data, chunk, trailers...)
	r := signed(t, "PUT", "http://localhost:9000/bucket/obj", "s3", dummy, mode, hdr, t0, testSecret)
	body := newEncoder(mode, seedOf(r)).encode(data, chunk, trailers...)
	r.Body = io.NopCloser(bytes.NewReader(body))
	return r
}

// TestAWSChunkedExample checks the example in the S3 API reference,
// "Signature Calculations for the Authorization Header: Transferring Payload
// in Multiple Chunks": a 65 KiB object of 'a' sent in 64 KiB chunks.
func TestAWSChunkedExample(t *testing.T) {
	const (
		seed   = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
		chunk1 = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
		chunk2 = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
		final  = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
	)
	e := newEncoder(StreamingPayload, seed)
	if got := e.chunkSig(bytes.Repeat([]byte("a"), 65536)); got != chunk1 {
		t.Fatalf("first chunk signature %s, want %s", got, chunk1)
	}

	var body bytes.Buffer
	body.WriteString("10000;chunk-signature=" + chunk1 + "\r\n")
	body.Write(bytes.Repeat([]byte("a"), 65536))
	body.WriteString("\r\n400;chunk-signature=" + chunk2 + "\r\n")
	body.Write(bytes.Repeat([]byte("a"), 1024))
	body.WriteString("\r\n0;chunk-signature=" + final + "\r\n\r\n")
	if body.Len() != 66824 {
		t.Fatalf("encoded length %d", body.Len())
	}
	r, _ := http.NewRequest("PUT", "http://s3.amazonaws.com/examplebucket/chunkObject.txt", bytes.NewReader(body.Bytes()))
	r.Header.Set("X-Amz-Date", "20130524T000000Z")
	r.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	r.Header.Set("X-Amz-Content-Sha256", StreamingPayload)
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Decoded-Content-Length", "66560")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature="+seed)
	r = onWire(t, r)
	res, err := testVerifier().Verify(r)
	if err != nil {
		t.Fatalf("%v %+v", err, err.(*awserr.Error).Extra)
	}
	got, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, bytes.Repeat([]byte("a"), 66560)) || r.ContentLength != 66560 || r.Header.Get("Content-Encoding") != "" {
		t.Fatalf("decoded %d bytes, ContentLength %d, encoding %q", len(got), r.ContentLength, r.Header.Get("Content-Encoding"))
	}
	if res.PayloadMode != StreamingPayload || res.Trailer != nil {
		t.Fatalf("%+v", res)
	}
}

func TestChunkedRoundTrip(t *testing.T) {
	data := make([]byte, 3*65536+17)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for _, mode := range []string{StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedTrailer} {
		for _, size := range []int{0, 1, 8192, 65536, len(data)} {
			for _, chunk := range []int{8192, 65536} {
				name := fmt.Sprintf("%s/%d/%d", mode, size, chunk)
				t.Run(name, func(t *testing.T) {
					var trailers []string
					if mode != StreamingPayload {
						trailers = []string{"x-amz-checksum-crc32:AAAAAA=="}
					}
					r := streamingRequestEnc(t, "aws-chunked, gzip", mode, data[:size], chunk, strconv.Itoa(size), trailers...)
					res, err := testVerifier().Verify(r)
					if err != nil {
						t.Fatalf("%v", err)
					}
					got, err := io.ReadAll(r.Body)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got, data[:size]) || r.ContentLength != int64(size) || r.Header.Get("Content-Encoding") != "gzip" {
						t.Fatalf("decoded %d bytes; ContentLength %d, encoding %q", len(got), r.ContentLength, r.Header.Get("Content-Encoding"))
					}
					if len(trailers) > 0 && res.Trailer.Get("x-amz-checksum-crc32") != "AAAAAA==" {
						t.Fatalf("trailer %v", res.Trailer)
					}
				})
			}
		}
	}
}

func readErr(t *testing.T, r *http.Request) error {
	t.Helper()
	if _, err := testVerifier().Verify(r); err != nil {
		return err
	}
	_, err := io.ReadAll(r.Body)
	return err
}

func TestChunkedTamper(t *testing.T) {
	data := bytes.Repeat([]byte("xyz"), 30000)
	n := strconv.Itoa(len(data))
	body := func(r *http.Request) []byte { b, _ := io.ReadAll(r.Body); return b }
	t.Run("data", func(t *testing.T) {
		r := streamingRequest(t, StreamingPayload, data, 65536, n)
		b := body(r)
		b[100] ^= 1
		r.Body = io.NopCloser(bytes.NewReader(b))
		wantCode(t, readErr(t, r), "SignatureDoesNotMatch")
	})
	t.Run("reordered-sig", func(t *testing.T) {
		r := streamingRequest(t, StreamingPayload, data, 65536, n)
		b := body(r)
		i := bytes.Index(b, []byte("chunk-signature=")) + 16
		b[i] ^= 1
		r.Body = io.NopCloser(bytes.NewReader(b))
		wantCode(t, readErr(t, r), "SignatureDoesNotMatch")
	})
	t.Run("trailer-value", func(t *testing.T) {
		r := streamingRequest(t, StreamingPayloadTrailer, data, 65536, n, "x-amz-checksum-crc32:AAAAAA==")
		b := bytes.Replace(body(r), []byte("AAAAAA=="), []byte("AAAAAB=="), 1)
		r.Body = io.NopCloser(bytes.NewReader(b))
		wantCode(t, readErr(t, r), "SignatureDoesNotMatch")
	})
	t.Run("trailer-signature-missing", func(t *testing.T) {
		r := streamingRequest(t, StreamingPayloadTrailer, data, 65536, n, "x-amz-checksum-crc32:AAAAAA==")
		b := body(r)
		i := bytes.Index(b, []byte("x-amz-trailer-signature"))
		b = append(b[:i:i], "\r\n"...)
		r.Body = io.NopCloser(bytes.NewReader(b))
		wantCode(t, readErr(t, r), "SignatureDoesNotMatch")
	})
	for _, mode := range []string{StreamingPayload, StreamingUnsignedTrailer} {
		t.Run("truncated/"+mode, func(t *testing.T) {
			r := streamingRequest(t, mode, data, 65536, n)
			b := body(r)
			for _, cut := range []int{1, 2, 5, 40, 70000} {
				r.Body = io.NopCloser(bytes.NewReader(b[:len(b)-cut]))
				err := readErr(t, r)
				if err == nil {
					t.Fatalf("cut %d: no error", cut)
				}
				r.Header.Set("Content-Encoding", "aws-chunked")
				r.Header.Set("Content-Length", strconv.Itoa(len(b)))
			}
		})
		t.Run("declared-longer/"+mode, func(t *testing.T) {
			wantCode(t, readErr(t, streamingRequest(t, mode, data, 65536, strconv.Itoa(len(data)+1))), "IncompleteBody")
		})
		t.Run("declared-shorter/"+mode, func(t *testing.T) {
			wantCode(t, readErr(t, streamingRequest(t, mode, data, 65536, strconv.Itoa(len(data)-1))), "IncompleteBody")
		})
	}
	t.Run("small-chunk", func(t *testing.T) {
		e := wantCode(t, readErr(t, streamingRequest(t, StreamingPayload, data, 4096, n)), "InvalidChunkSizeError")
		if extra(e, "BadChunkSize") != "4096" {
			t.Fatal(e.Extra)
		}
	})
	t.Run("bad-decoded-length", func(t *testing.T) {
		wantCode(t, readErr(t, streamingRequest(t, StreamingPayload, data, 65536, "12x")), "InvalidArgument")
	})
	t.Run("huge-chunk-header", func(t *testing.T) {
		r := streamingRequest(t, StreamingUnsignedTrailer, nil, 65536, "0")
		r.Body = io.NopCloser(strings.NewReader("7fffffffffffffff\r\n"))
		wantCode(t, readErr(t, r), "InvalidArgument")
	})
	t.Run("trailer-in-non-trailer-mode", func(t *testing.T) {
		r := streamingRequest(t, StreamingPayload, nil, 65536, "0")
		b := bytes.TrimSuffix(body(r), []byte("\r\n"))
		b = append(b, "x-amz-checksum-crc32:AAAAAA==\r\n\r\n"...)
		r.Body = io.NopCloser(bytes.NewReader(b))
		wantCode(t, readErr(t, r), "InvalidArgument")
	})
}

// TestSDKPutObject drives a real aws-sdk-go-v2 S3 client against a server
// that verifies with this package: current SDKs send PutObject over HTTPS
// as STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer.
func TestSDKPutObject(t *testing.T) {
	v := &Verifier{Creds: StaticCredentials{testAK: testSecret}}
	var gotMode, gotBody, gotTrailer string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := v.Verify(r)
		if err == nil {
			var b []byte
			b, err = io.ReadAll(r.Body)
			gotBody = string(b)
			gotMode = res.PayloadMode
			gotTrailer = res.Trailer.Get("x-amz-checksum-crc32")
		}
		if err != nil {
			e := err.(*awserr.Error)
			awserr.WriteXML(w, r, e, "req")
			return
		}
		w.Header().Set("ETag", `"x"`)
	}))
	defer srv.Close()
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		HTTPClient:   srv.Client(),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: testAK, SecretAccessKey: testSecret}, nil
		}),
	})
	payload := strings.Repeat("hello tarn ", 10000)
	_, err := client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket:            aws.String("bucket"),
		Key:               aws.String("dir/a key+~.txt"),
		Body:              strings.NewReader(payload),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	})
	if err != nil {
		t.Fatal(err)
	}
	if gotBody != payload || gotMode != StreamingUnsignedTrailer || gotTrailer == "" {
		t.Fatalf("mode %q trailer %q body %d bytes", gotMode, gotTrailer, len(gotBody))
	}
	// Presigned GET through the SDK's presigner.
	ps := s3.NewPresignClient(client)
	req, err := ps.PresignGetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("a b/ü.txt")})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Get(req.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("presigned GET: %d", resp.StatusCode)
	}
}

// TestAWSTrailerExample checks the chunk and trailer signatures of the
// example in "Signature calculations for trailing headers (chunked uploads)":
// the same 65 KiB object with an x-amz-checksum-crc32c trailer.
func TestAWSTrailerExample(t *testing.T) {
	const (
		seed     = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
		chunk1   = "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2"
		chunk2   = "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7"
		final    = "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"
		trailSig = "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"
	)
	var body bytes.Buffer
	body.WriteString("10000;chunk-signature=" + chunk1 + "\r\n")
	body.Write(bytes.Repeat([]byte("a"), 65536))
	body.WriteString("\r\n400;chunk-signature=" + chunk2 + "\r\n")
	body.Write(bytes.Repeat([]byte("a"), 1024))
	body.WriteString("\r\n0;chunk-signature=" + final + "\r\n")
	body.WriteString("x-amz-checksum-crc32c:sOO8/Q==\r\n")
	body.WriteString("x-amz-trailer-signature:" + trailSig + "\r\n\r\n")

	r, _ := http.NewRequest("PUT", "http://s3.amazonaws.com/examplebucket/chunkObject.txt", bytes.NewReader(body.Bytes()))
	r.Header.Set("X-Amz-Date", "20130524T000000Z")
	r.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	r.Header.Set("X-Amz-Content-Sha256", StreamingPayloadTrailer)
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Decoded-Content-Length", "66560")
	r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32c")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer,Signature="+seed)
	r = onWire(t, r)
	res, err := testVerifier().Verify(r)
	if err != nil {
		t.Fatalf("%v %+v", err, err.(*awserr.Error).Extra)
	}
	n, err := io.Copy(io.Discard, r.Body)
	if err != nil || n != 66560 {
		t.Fatalf("decoded %d, %v", n, err)
	}
	if res.Trailer.Get("x-amz-checksum-crc32c") != "sOO8/Q==" {
		t.Fatal(res.Trailer)
	}
	// Our encoder agrees with the documented chain.
	enc := newEncoder(StreamingPayloadTrailer, seed).encode(bytes.Repeat([]byte("a"), 66560), 65536, "x-amz-checksum-crc32c:sOO8/Q==")
	if !bytes.Contains(enc, []byte(trailSig)) {
		t.Fatal("encoder trailer signature differs from the AWS example")
	}
}
