package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3Options configure an S3 benchmark.
type S3Options struct {
	Endpoint          string
	AccessKey, Secret string
	Sizes             []int
	Concurrency       []int
	Duration          time.Duration
	Bucket            string
	Out               io.Writer
}

// NewS3Client returns a path-style SDK client tuned for many connections.
func NewS3Client(endpoint, ak, sk string, maxConns int) *s3.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = maxConns * 2
	tr.MaxIdleConnsPerHost = maxConns * 2
	return s3.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(ak, sk, ""),
		BaseEndpoint:     aws.String(endpoint),
		HTTPClient:       &http.Client{Transport: detachedBodies{tr}},
		RetryMaxAttempts: 1,
	}, func(o *s3.Options) { o.UsePathStyle = true })
}

// S3 runs PUT then GET for each size and concurrency.
func S3(ctx context.Context, o S3Options) ([]Result, error) {
	maxConc := 1
	for _, c := range o.Concurrency {
		maxConc = max(maxConc, c)
	}
	c := NewS3Client(o.Endpoint, o.AccessKey, o.Secret, maxConc)
	if o.Bucket == "" {
		o.Bucket = fmt.Sprintf("bench-%d", time.Now().UnixNano())
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &o.Bucket}); err != nil {
		return nil, fmt.Errorf("create bucket: %w", err)
	}
	var out []Result
	for _, size := range o.Sizes {
		data := make([]byte, size)
		rand.Read(data)
		for _, conc := range o.Concurrency {
			puts := make([]int, conc) // keys each worker wrote (at most 64)
			r := run("s3 PUT", size, conc, o.Duration, func(w, i int) error {
				key := fmt.Sprintf("%s/%d/%d/%d", SizeString(size), conc, w, i%64)
				_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &o.Bucket, Key: &key, Body: bytes.NewReader(data),
					ContentLength: aws.Int64(int64(size))})
				if err == nil && i < 64 {
					puts[w] = i + 1
				}
				return err
			})
			r.Print(o.Out)
			out = append(out, r)
			r = run("s3 GET", size, conc, o.Duration, func(w, i int) error {
				if puts[w] == 0 {
					return fmt.Errorf("worker %d stored no object to read", w)
				}
				key := fmt.Sprintf("%s/%d/%d/%d", SizeString(size), conc, w, i%puts[w])
				res, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &o.Bucket, Key: &key})
				if err != nil {
					return err
				}
				n, err := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if err == nil && n != int64(size) {
					err = fmt.Errorf("GET %s: %d bytes, want %d", key, n, size)
				}
				return err
			})
			r.Print(o.Out)
			out = append(out, r)
		}
	}
	return out, nil
}
