package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// FileLimits measures what the disk under dir does for the same sizes:
// write+fsync of a new file (plus rename and directory fsync, as a durable
// store must), and reading a file back from the page cache.
func FileLimits(dir string, sizes, concs []int, d time.Duration, out io.Writer) ([]Result, error) {
	var res []Result
	for _, size := range sizes {
		data := make([]byte, size)
		rand.Read(data)
		for _, conc := range concs {
			sub, err := os.MkdirTemp(dir, "limits-")
			if err != nil {
				return nil, err
			}
			written := make([]int, conc)
			r := run("file write+fsync", size, conc, d, func(w, i int) error {
				tmp := filepath.Join(sub, fmt.Sprintf("tmp-%d-%d", w, i))
				final := filepath.Join(sub, fmt.Sprintf("f-%d-%d", w, i%64))
				f, err := os.Create(tmp)
				if err != nil {
					return err
				}
				if _, err := f.Write(data); err != nil {
					f.Close()
					return err
				}
				if err := f.Sync(); err != nil {
					f.Close()
					return err
				}
				if err := f.Close(); err != nil {
					return err
				}
				if err := os.Rename(tmp, final); err != nil {
					return err
				}
				dh, err := os.Open(sub)
				if err != nil {
					return err
				}
				err = dh.Sync()
				dh.Close()
				if i < 64 {
					written[w] = i + 1
				}
				return err
			})
			r.Print(out)
			res = append(res, r)
			buf := make([][]byte, conc)
			r = run("file read (page cache)", size, conc, d, func(w, i int) error {
				if buf[w] == nil {
					buf[w] = make([]byte, size)
				}
				f, err := os.Open(filepath.Join(sub, fmt.Sprintf("f-%d-%d", w, i%written[w])))
				if err != nil {
					return err
				}
				_, err = io.ReadFull(f, buf[w])
				f.Close()
				return err
			})
			r.Print(out)
			res = append(res, r)
			os.RemoveAll(sub)
		}
	}
	return res, nil
}

// LoopbackLimits measures HTTP/1.1 over loopback with a handler that does
// nothing but read the request body (PUT) or write size bytes (GET): the
// ceiling for any HTTP server on this machine with Go's net/http.
func LoopbackLimits(sizes, concs []int, d time.Duration, out io.Writer) ([]Result, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	payload := make([]byte, 64<<20)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusOK)
			return
		}
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil { // SDK requests: /bucket/<size>/...
			parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
			if len(parts) > 1 {
				n, _ = strconv.Atoi(parts[1])
			}
		}
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(payload[:n])
	})}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	url := "http://" + ln.Addr().String() + "/"
	var res []Result
	for _, size := range sizes {
		data := make([]byte, size)
		for _, conc := range concs {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.MaxIdleConnsPerHost = conc * 2
			c := &http.Client{Transport: tr}
			r := run("loopback no-op PUT", size, conc, d, func(w, i int) error {
				req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(data))
				resp, err := c.Do(req)
				if err != nil {
					return err
				}
				io.Copy(io.Discard, resp.Body)
				return resp.Body.Close()
			})
			r.Print(out)
			res = append(res, r)
			r = run("loopback no-op GET", size, conc, d, func(w, i int) error {
				resp, err := c.Get(url + "?n=" + strconv.Itoa(size))
				if err != nil {
					return err
				}
				io.Copy(io.Discard, resp.Body)
				return resp.Body.Close()
			})
			r.Print(out)
			res = append(res, r)
			tr.CloseIdleConnections()
			// The same AWS SDK client the S3 benchmark uses, against the
			// no-op handler: the ceiling for that client on this machine.
			sdk := NewS3Client(strings.TrimSuffix(url, "/"), "AKID", "secretsecret", conc)
			bucket := "noop"
			r = run("loopback no-op PUT (SDK)", size, conc, d, func(w, i int) error {
				key := fmt.Sprintf("%d/%d", size, i)
				_, err := sdk.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key,
					Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(size))})
				return err
			})
			r.Print(out)
			res = append(res, r)
			r = run("loopback no-op GET (SDK)", size, conc, d, func(w, i int) error {
				key := fmt.Sprintf("%d/%d", size, i)
				o, err := sdk.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
				if err != nil {
					return err
				}
				io.Copy(io.Discard, o.Body)
				return o.Body.Close()
			})
			r.Print(out)
			res = append(res, r)
		}
	}
	return res, nil
}
