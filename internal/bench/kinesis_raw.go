package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The raw clients of `tarn bench kinesis --raw`: producers send one
// pre-encoded PutRecords body again and again, rewriting only each
// record's 8-byte timestamp in place, and consumers read GetRecords
// replies with a scan that looks only at what the benchmark needs (each
// record's timestamp, the next iterator). Every request is SigV4-signed
// over its real body hash, as an SDK would; what is left is the server's
// work. With --cbor the bodies are CBOR (application/x-amz-cbor-1.1, what
// the Java SDK, KPL and KCL send): blobs are raw byte strings, no base64.

// rawClient signs and sends JSON-protocol requests over net/http.
type rawClient struct {
	o      KinesisOptions
	signer *v4.Signer
	http   *http.Client
}

func newRawClient(o KinesisOptions) *rawClient {
	return &rawClient{o: o, signer: v4.NewSigner(), http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
}

// call sends body as operation op and returns the reply body of a 200.
func (c *rawClient) call(ctx context.Context, op string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.o.Endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if c.o.CBOR {
		req.Header.Set("Content-Type", "application/x-amz-cbor-1.1")
	} else {
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	}
	req.Header.Set("X-Amz-Target", "Kinesis_20131202."+op)
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", h)
	if err := c.signer.SignHTTP(ctx, aws.Credentials{AccessKeyID: c.o.AccessKey, SecretAccessKey: c.o.Secret}, req, h, "kinesis", "us-east-1", time.Now()); err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d: %q", op, resp.StatusCode, b)
	}
	return b, nil
}

// rawPutter sends one pre-encoded PutRecords body again and again.
type rawPutter struct {
	c       *rawClient
	body    []byte
	patches []int // offset of each record's timestamp (JSON: its base64) in body
}

func newRawPutter(o KinesisOptions, stream string, producer int) *rawPutter {
	r := &rawPutter{c: newRawClient(o)}
	var b bytes.Buffer
	if o.CBOR {
		b.Write(cborMapHead(2))
		cborText(&b, "StreamName")
		cborText(&b, stream)
		cborText(&b, "Records")
		cborHead(&b, 4, uint64(o.Batch))
		for i := 0; i < o.Batch; i++ {
			b.Write(cborMapHead(2))
			cborText(&b, "Data")
			cborHead(&b, 2, uint64(o.Size))
			r.patches = append(r.patches, b.Len())
			b.Write(make([]byte, o.Size))
			cborText(&b, "PartitionKey")
			cborText(&b, fmt.Sprintf("p%d-%d", producer, i))
		}
		r.body = b.Bytes()
		return r
	}
	b.WriteString(`{"StreamName":"` + stream + `","Records":[`)
	data := base64.StdEncoding.EncodeToString(make([]byte, o.Size))
	for i := 0; i < o.Batch; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"PartitionKey":"p%d-%d","Data":"`, producer, i)
		r.patches = append(r.patches, b.Len())
		b.WriteString(data)
		b.WriteString(`"}`)
	}
	b.WriteString(`]}`)
	r.body = b.Bytes()
	return r
}

// put sends the body with every record stamped ns and returns the number
// of failed records.
func (r *rawPutter) put(ctx context.Context, ns int64) (int, error) {
	var head [9]byte
	binary.BigEndian.PutUint64(head[:], uint64(ns))
	if r.c.o.CBOR {
		for _, off := range r.patches {
			copy(r.body[off:off+8], head[:8])
		}
	} else {
		var enc [12]byte
		base64.StdEncoding.Encode(enc[:], head[:])
		for _, off := range r.patches {
			copy(r.body[off:off+12], enc[:])
		}
	}
	b, err := r.c.call(ctx, "PutRecords", r.body)
	if err != nil {
		return 0, err
	}
	if r.c.o.CBOR {
		n, ok := cborTopInt(b, "FailedRecordCount")
		if !ok {
			return 0, fmt.Errorf("PutRecords: no FailedRecordCount in %x", b[:min(len(b), 64)])
		}
		return int(n), nil
	}
	const key = `"FailedRecordCount":`
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, fmt.Errorf("PutRecords: no FailedRecordCount in %.64s", b)
	}
	j := i + len(key)
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	return strconv.Atoi(string(b[i+len(key) : j]))
}

// rawGetRecords reads one GetRecords page and returns each record's
// timestamp (its first 8 bytes) and the next iterator ("" at the end of
// a closed shard).
func (c *rawClient) getRecords(ctx context.Context, iter string, stamps []int64) ([]int64, string, error) {
	var body []byte
	if c.o.CBOR {
		var b bytes.Buffer
		b.Write(cborMapHead(1))
		cborText(&b, "ShardIterator")
		cborText(&b, iter)
		body = b.Bytes()
	} else {
		body = []byte(`{"ShardIterator":"` + iter + `"}`)
	}
	b, err := c.call(ctx, "GetRecords", body)
	if err != nil {
		return stamps, "", err
	}
	if c.o.CBOR {
		return cborGetRecords(b, stamps)
	}
	const data, next = `"Data":"`, `"NextShardIterator":"`
	for rest := b; ; {
		i := bytes.Index(rest, []byte(data))
		if i < 0 {
			break
		}
		rest = rest[i+len(data):]
		var ts [9]byte
		if len(rest) < 12 {
			return stamps, "", errors.New("GetRecords: short Data")
		}
		if _, err := base64.StdEncoding.Decode(ts[:], rest[:12]); err != nil {
			return stamps, "", fmt.Errorf("GetRecords: Data: %w", err)
		}
		stamps = append(stamps, int64(binary.BigEndian.Uint64(ts[:])))
	}
	i := bytes.Index(b, []byte(next))
	if i < 0 {
		return stamps, "", nil
	}
	rest := b[i+len(next):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return stamps, "", errors.New("GetRecords: bad NextShardIterator")
	}
	return stamps, string(rest[:j]), nil
}

// A few lines of CBOR (RFC 8949), definite lengths only: what the bench
// writes, and what the server writes.

func cborHead(b *bytes.Buffer, major byte, n uint64) {
	switch {
	case n < 24:
		b.WriteByte(major<<5 | byte(n))
	case n <= 0xff:
		b.Write([]byte{major<<5 | 24, byte(n)})
	case n <= 0xffff:
		b.WriteByte(major<<5 | 25)
		b.Write(binary.BigEndian.AppendUint16(nil, uint16(n)))
	case n <= 0xffffffff:
		b.WriteByte(major<<5 | 26)
		b.Write(binary.BigEndian.AppendUint32(nil, uint32(n)))
	default:
		b.WriteByte(major<<5 | 27)
		b.Write(binary.BigEndian.AppendUint64(nil, n))
	}
}

func cborMapHead(n int) []byte { var b bytes.Buffer; cborHead(&b, 5, uint64(n)); return b.Bytes() }

func cborText(b *bytes.Buffer, s string) { cborHead(b, 3, uint64(len(s))); b.WriteString(s) }

type cborScan struct {
	b []byte
	i int
}

var errCBOR = errors.New("bench: unexpected CBOR")

// head reads an item head: major type and argument (tags are skipped).
func (s *cborScan) head() (byte, uint64, error) {
	for {
		if s.i >= len(s.b) {
			return 0, 0, errCBOR
		}
		c := s.b[s.i]
		s.i++
		major, info := c>>5, c&31
		var n uint64
		switch {
		case info < 24:
			n = uint64(info)
		case info <= 27:
			w := 1 << (info - 24)
			if s.i+w > len(s.b) {
				return 0, 0, errCBOR
			}
			for _, x := range s.b[s.i : s.i+w] {
				n = n<<8 | uint64(x)
			}
			s.i += w
		default:
			return 0, 0, errCBOR // indefinite lengths: not written by tarn
		}
		if major == 6 {
			continue
		}
		return major, n, nil
	}
}

// skip skips one item.
func (s *cborScan) skip() error {
	major, n, err := s.head()
	if err != nil {
		return err
	}
	switch major {
	case 2, 3:
		if uint64(len(s.b)-s.i) < n {
			return errCBOR
		}
		s.i += int(n)
	case 4, 5:
		if major == 5 {
			n *= 2
		}
		for range n {
			if err := s.skip(); err != nil {
				return err
			}
		}
	}
	return nil
}

// str reads a byte or text string.
func (s *cborScan) str() ([]byte, error) {
	major, n, err := s.head()
	if err != nil || major != 2 && major != 3 || uint64(len(s.b)-s.i) < n {
		return nil, errCBOR
	}
	v := s.b[s.i : s.i+int(n)]
	s.i += int(n)
	return v, nil
}

// mapEach calls fn with each key of the map at s, positioned at its value;
// fn consumes the value.
func (s *cborScan) mapEach(fn func(key string) error) error {
	major, n, err := s.head()
	if err != nil || major != 5 {
		return errCBOR
	}
	for range n {
		k, err := s.str()
		if err != nil {
			return err
		}
		if err := fn(string(k)); err != nil {
			return err
		}
	}
	return nil
}

func cborTopInt(b []byte, key string) (uint64, bool) {
	s := &cborScan{b: b}
	var v uint64
	found := false
	err := s.mapEach(func(k string) error {
		if k != key {
			return s.skip()
		}
		major, n, err := s.head()
		if err != nil || major != 0 {
			return errCBOR
		}
		v, found = n, true
		return nil
	})
	return v, err == nil && found
}

func cborGetRecords(b []byte, stamps []int64) ([]int64, string, error) {
	s := &cborScan{b: b}
	next := ""
	err := s.mapEach(func(k string) error {
		switch k {
		case "NextShardIterator":
			if s.i < len(s.b) && s.b[s.i] == 0xf6 { // null: the end of a closed shard
				s.i++
				return nil
			}
			v, err := s.str()
			next = string(v)
			return err
		case "Records":
			major, n, err := s.head()
			if err != nil || major != 4 {
				return errCBOR
			}
			for range n {
				if err := s.mapEach(func(k string) error {
					if k != "Data" {
						return s.skip()
					}
					d, err := s.str()
					if err != nil || len(d) < 8 {
						return errCBOR
					}
					stamps = append(stamps, int64(binary.BigEndian.Uint64(d)))
					return nil
				}); err != nil {
					return err
				}
			}
			return nil
		}
		return s.skip()
	})
	return stamps, next, err
}

// KinesisLimits prints the ceilings beside the Kinesis figures: HTTP over
// loopback carrying the benchmark's exact PutRecords body to a handler
// that only reads it (Producers connections), and memory copy bandwidth,
// both as records/s.
func KinesisLimits(o KinesisOptions, d time.Duration, out io.Writer) error {
	o.defaults()
	body := newRawPutter(o, "limits", 0).body
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte(`{"FailedRecordCount":0}`))
	})}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	tr := &http.Transport{MaxIdleConnsPerHost: o.Producers * 2}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	url := "http://" + ln.Addr().String() + "/"
	r := run("loopback", len(body), o.Producers, d, func(int, int) error {
		resp, err := c.Post(url, "application/x-amz-json-1.1", bytes.NewReader(body))
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		return resp.Body.Close()
	})
	fmt.Fprintf(out, "loopback: no-op POST of the %s PutRecords body, %d connections: %.0f requests/s = %.0f records/s\n",
		fmt.Sprintf("%d KiB", len(body)>>10), o.Producers, r.OpsPerSec(), r.OpsPerSec()*float64(o.Batch))
	src, dst := make([]byte, 1<<20), make([]byte, 1<<20)
	n, start := 0, time.Now()
	for time.Since(start) < d/4 {
		for range 64 {
			copy(dst, src)
		}
		n += 64
	}
	rate := float64(n<<20) / time.Since(start).Seconds()
	fmt.Fprintf(out, "memcpy: %.1f GiB/s = %.0f records/s per copy of each record\n", rate/(1<<30), rate/float64(o.Size))
	return nil
}
