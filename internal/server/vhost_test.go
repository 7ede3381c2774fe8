package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tarnhq/tarn/internal/config"
	"github.com/tarnhq/tarn/internal/server/servertest"
)

// TestVirtualHostedStyle drives the SDK in its default virtual-hosted
// addressing (bucket.DOMAIN) with every name dialled to the test server.
func TestVirtualHostedStyle(t *testing.T) {
	s := servertest.Start(t, func(c *config.Config) { c.Domain = "s3.tarn.test" })
	_, port, _ := net.SplitHostPort(s.Addr())
	dialer := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, s.Addr())
	}}
	cfg := s.AWSConfig("", "")
	cfg.BaseEndpoint = aws.String("http://s3.tarn.test:" + port)
	cfg.HTTPClient = &http.Client{Transport: tr}
	c := s3.NewFromConfig(cfg) // UsePathStyle false: bucket goes in the host name
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vhost-bucket")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vhost-bucket"), Key: aws.String("dir/a b.txt"),
		Body: strings.NewReader("hello")}); err != nil {
		t.Fatal(err)
	}
	// Path-style requests keep working beside it.
	out, err := s.S3().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("vhost-bucket"), Key: aws.String("dir/a b.txt")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	if string(b) != "hello" {
		t.Fatalf("got %q", b)
	}
	l, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("vhost-bucket"), Prefix: aws.String("dir/")})
	if err != nil || len(l.Contents) != 1 || *l.Contents[0].Key != "dir/a b.txt" {
		t.Fatalf("list: %v %+v", err, l)
	}
}
