package sigv4

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
)

const (
	// MaxChunkSize is the largest aws-chunked chunk accepted.
	MaxChunkSize = 16 << 20
	// MinChunkSize is the smallest size of a signed chunk other than the last
	// data chunk.
	MinChunkSize = 8 << 10

	maxTrailers   = 64
	bufReaderSize = 32 << 10
)

var bufPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, bufReaderSize) }}

// wrapBody installs the payload checks for the mode in res.PayloadMode.
func (v *Verifier) wrapBody(r *http.Request, res *Result, key []byte, amzDate, scope, seed string) error {
	switch mode := res.PayloadMode; mode {
	case UnsignedPayload:
		return nil
	case StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedTrailer:
		declared, err := decodedLength(r)
		if err != nil {
			return err
		}
		c := newChunkedReader(r.Body, declared, res)
		if mode != StreamingUnsignedTrailer {
			c.signed = true
			c.key = key
			c.prevSig = seed
			c.prefix = "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + scope + "\n"
			c.trailerPrefix = "AWS4-HMAC-SHA256-TRAILER\n" + amzDate + "\n" + scope + "\n"
		}
		c.trailer = mode != StreamingPayload
		r.Body = c
		r.ContentLength = declared
		r.Header.Set("Content-Length", strconv.FormatInt(declared, 10))
		stripAWSChunked(r.Header)
		return nil
	default: // hex SHA-256
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			if !strings.EqualFold(mode, emptySHA256) {
				return errContentSHA(mode, emptySHA256)
			}
			return nil
		}
		r.Body = &shaReader{body: r.Body, h: sha256.New(), want: mode}
		return nil
	}
}

func errContentSHA(client, computed string) *awserr.Error {
	return awserr.New("XAmzContentSHA256Mismatch").
		With("ClientComputedContentSHA256", client).
		With("S3ComputedContentSHA256", computed)
}

func decodedLength(r *http.Request) (int64, error) {
	s := r.Header.Get("X-Amz-Decoded-Content-Length")
	if s == "" {
		return 0, awserr.New("MissingContentLength", "You must provide the x-amz-decoded-content-length header for aws-chunked uploads.")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, awserr.New("InvalidArgument", "x-amz-decoded-content-length must be a non-negative integer").
			With("ArgumentName", "x-amz-decoded-content-length").With("ArgumentValue", s)
	}
	return n, nil
}

// stripAWSChunked removes the aws-chunked coding from Content-Encoding,
// keeping any other codings.
func stripAWSChunked(h http.Header) {
	vals := h.Values("Content-Encoding")
	if len(vals) == 0 {
		return
	}
	var keep []string
	for _, v := range vals {
		for _, c := range strings.Split(v, ",") {
			if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "aws-chunked") {
				keep = append(keep, c)
			}
		}
	}
	if len(keep) == 0 {
		h.Del("Content-Encoding")
	} else {
		h.Set("Content-Encoding", strings.Join(keep, ","))
	}
}

// shaReader checks a body against a declared hex SHA-256 at EOF.
type shaReader struct {
	body io.ReadCloser
	h    hash.Hash
	want string
	err  error
}

func (s *shaReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.body.Read(p)
	s.h.Write(p[:n])
	switch {
	case err == io.EOF:
		if got := hex.EncodeToString(s.h.Sum(nil)); !strings.EqualFold(got, s.want) {
			s.err = errContentSHA(s.want, got)
		} else {
			s.err = io.EOF
		}
		return n, s.err
	case err != nil:
		s.err = readError(err)
		return n, s.err
	}
	return n, nil
}

func (s *shaReader) Close() error { return s.body.Close() }

func readError(err error) *awserr.Error {
	if e, ok := awserr.As(err); ok {
		return e
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return awserr.New("IncompleteBody")
	}
	return awserr.New("IncompleteBody", "Error reading request body: %v", err)
}

// chunkedReader decodes (and, when signed, verifies) an aws-chunked body:
//
//	hex-size[;chunk-signature=sig]\r\n data \r\n ... 0[;chunk-signature=sig]\r\n
//	[trailer-name:value\r\n ... [x-amz-trailer-signature:sig\r\n]] \r\n
//
// It streams: memory is one bufio buffer regardless of chunk size.
type chunkedReader struct {
	body io.ReadCloser
	br   *bufio.Reader
	res  *Result

	signed        bool
	trailer       bool
	key           []byte
	prefix        string // string-to-sign prefix for chunks
	trailerPrefix string // string-to-sign prefix for the trailer
	prevSig       string
	chunkSig      string
	h             hash.Hash

	left     int64 // data bytes left in the current chunk
	inChunk  bool
	chunks   int
	lastSize int64
	decoded  int64
	declared int64
	err      error // sticky; io.EOF once fully verified
}

func newChunkedReader(body io.ReadCloser, declared int64, res *Result) *chunkedReader {
	if body == nil {
		body = http.NoBody
	}
	br := bufPool.Get().(*bufio.Reader)
	br.Reset(body)
	return &chunkedReader{body: body, br: br, res: res, declared: declared, h: sha256.New()}
}

func (c *chunkedReader) fail(err error) error {
	if c.err == nil {
		c.err = readError(err)
	}
	c.release()
	return c.err
}

func (c *chunkedReader) release() {
	if c.br != nil {
		c.br.Reset(nil)
		bufPool.Put(c.br)
		c.br = nil
	}
}

// Close releases the decoder and closes the underlying body.
func (c *chunkedReader) Close() error {
	if c.err == nil {
		c.err = awserr.New("IncompleteBody", "read after close")
	}
	c.release()
	return c.body.Close()
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	for c.left == 0 {
		if c.inChunk {
			if err := c.endChunk(); err != nil {
				return 0, c.fail(err)
			}
		}
		done, err := c.nextChunk()
		if err != nil {
			return 0, c.fail(err)
		}
		if done {
			c.err = io.EOF
			c.release()
			return 0, io.EOF
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.br.Read(p)
	c.left -= int64(n)
	c.decoded += int64(n)
	if c.signed {
		c.h.Write(p[:n])
	}
	if err != nil {
		return n, c.fail(readError(err))
	}
	return n, nil
}

// endChunk consumes the CRLF after a chunk's data and checks its signature.
func (c *chunkedReader) endChunk() error {
	b, err := c.br.Peek(2)
	if err != nil {
		return readError(err)
	}
	if b[0] != '\r' || b[1] != '\n' {
		return errChunk("chunk %d data is not followed by CRLF", c.chunks)
	}
	c.br.Discard(2)
	c.inChunk = false
	if c.signed {
		return c.checkChunkSig(hex.EncodeToString(c.h.Sum(nil)))
	}
	return nil
}

func (c *chunkedReader) checkChunkSig(dataHash string) error {
	sts := c.prefix + c.prevSig + "\n" + emptySHA256 + "\n" + dataHash
	if !sigEqual(signature(c.key, sts), c.chunkSig) {
		return errSignature(c.res.AccessKey, sts, c.chunkSig, "")
	}
	c.prevSig = c.chunkSig
	return nil
}

// readLine returns the next CRLF-terminated line without its terminator.
func (c *chunkedReader) readLine() ([]byte, error) {
	b, err := c.br.ReadSlice('\n')
	if err != nil {
		if err == bufio.ErrBufferFull {
			return nil, errChunk("line too long")
		}
		return nil, readError(err)
	}
	if len(b) < 2 || b[len(b)-2] != '\r' {
		return nil, errChunk("line not terminated by CRLF")
	}
	return b[:len(b)-2], nil
}

// nextChunk parses the next chunk header; on the final chunk it also reads
// the trailer and reports done.
func (c *chunkedReader) nextChunk() (done bool, err error) {
	line, err := c.readLine()
	if err != nil {
		return false, readError(err)
	}
	sizePart, ext := line, []byte(nil)
	for i, b := range line {
		if b == ';' {
			sizePart, ext = line[:i], line[i+1:]
			break
		}
	}
	size, ok := parseHexSize(sizePart)
	if !ok {
		return false, errChunk("invalid chunk size %q", truncate(sizePart))
	}
	if c.signed {
		sig, ok := strings.CutPrefix(string(ext), "chunk-signature=")
		if !ok || len(sig) != 64 {
			return false, errChunk("chunk %d has no valid chunk-signature", c.chunks+1)
		}
		c.chunkSig = sig
		if size > 0 && c.chunks > 0 && c.lastSize < MinChunkSize {
			return false, awserr.New("InvalidChunkSizeError").
				With("Chunk", strconv.Itoa(c.chunks)).
				With("BadChunkSize", strconv.FormatInt(c.lastSize, 10))
		}
	}
	if c.decoded+size > c.declared {
		return false, awserr.New("IncompleteBody", "The aws-chunked body is longer than x-amz-decoded-content-length (%d).", c.declared)
	}
	c.chunks++
	c.lastSize = size
	if size > 0 {
		c.left = size
		c.inChunk = true
		c.h.Reset()
		return false, nil
	}
	if c.signed {
		if err := c.checkChunkSig(emptySHA256); err != nil {
			return false, err
		}
	}
	if err := c.readTrailer(); err != nil {
		return false, err
	}
	if c.decoded != c.declared {
		return false, awserr.New("IncompleteBody", "The aws-chunked body holds %d bytes; x-amz-decoded-content-length is %d.", c.decoded, c.declared)
	}
	return true, nil
}

func truncate(b []byte) string {
	if len(b) > 32 {
		b = b[:32]
	}
	return string(b)
}

func parseHexSize(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var n int64
	for _, ch := range b {
		var d byte
		switch {
		case '0' <= ch && ch <= '9':
			d = ch - '0'
		case 'a' <= ch && ch <= 'f':
			d = ch - 'a' + 10
		case 'A' <= ch && ch <= 'F':
			d = ch - 'A' + 10
		default:
			return 0, false
		}
		n = n<<4 | int64(d)
		if n > MaxChunkSize {
			return 0, false
		}
	}
	return n, true
}

// readTrailer reads the trailing header lines up to the empty line ending
// the body and, for signed trailers, checks x-amz-trailer-signature.
func (c *chunkedReader) readTrailer() error {
	var trailer http.Header
	var names []string
	var sig string
	for {
		line, err := c.readLine()
		if err != nil {
			return readError(err)
		}
		if len(line) == 0 {
			break
		}
		if !c.trailer {
			return errChunk("trailing headers are not allowed with %s", c.res.PayloadMode)
		}
		k, v, ok := strings.Cut(string(line), ":")
		k = strings.ToLower(strings.TrimSpace(k))
		if !ok || k == "" || sig != "" {
			return errChunk("malformed trailer line")
		}
		v = strings.TrimSpace(v)
		if k == "x-amz-trailer-signature" {
			if !c.signed {
				continue
			}
			sig = v
			continue
		}
		if len(names) >= maxTrailers {
			return errChunk("too many trailing headers")
		}
		if trailer == nil {
			trailer = make(http.Header)
		}
		if _, dup := trailer[http.CanonicalHeaderKey(k)]; !dup {
			names = append(names, k)
		}
		trailer.Add(k, v)
	}
	if c.signed && c.trailer {
		sort.Strings(names)
		var b strings.Builder
		for _, n := range names {
			b.WriteString(n)
			b.WriteByte(':')
			b.WriteString(strings.Join(trailer.Values(n), ","))
			b.WriteByte('\n')
		}
		sts := c.trailerPrefix + c.prevSig + "\n" + hexSHA256(b.String())
		if sig == "" || !sigEqual(signature(c.key, sts), sig) {
			return errSignature(c.res.AccessKey, sts, sig, "")
		}
	}
	c.res.Trailer = trailer
	return nil
}
