package servertest_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/tarnhq/tarn/internal/server/servertest"
)

func TestSmoke(t *testing.T) {
	s := servertest.Start(t)
	c := s.S3()
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bucket-one")}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{10, 200 << 10} {
		data := bytes.Repeat([]byte("x"), n)
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket-one"), Key: aws.String("k"), Body: bytes.NewReader(data)}); err != nil {
			t.Fatal(err)
		}
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket-one"), Key: aws.String("k")})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(out.Body)
		if !bytes.Equal(b, data) {
			t.Fatal("mismatch")
		}
	}
	l, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bucket-one")})
	if err != nil || len(l.Contents) != 1 {
		t.Fatal(err, l)
	}
}
