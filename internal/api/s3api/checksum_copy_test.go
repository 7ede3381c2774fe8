package s3api_test

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"hash/crc64"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

var crc64nvme = crc64.MakeTable(0x9a6c9329ac4bc9b5)

// checksumOf computes the base64 additional checksum S3 reports.
func checksumOf(alg types.ChecksumAlgorithm, data []byte) string {
	var sum []byte
	switch alg {
	case types.ChecksumAlgorithmCrc32:
		sum = binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(data))
	case types.ChecksumAlgorithmCrc32c:
		sum = binary.BigEndian.AppendUint32(nil, crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	case types.ChecksumAlgorithmCrc64nvme:
		sum = binary.BigEndian.AppendUint64(nil, crc64.Checksum(data, crc64nvme))
	case types.ChecksumAlgorithmSha1:
		h := sha1.Sum(data)
		sum = h[:]
	case types.ChecksumAlgorithmSha256:
		h := sha256.Sum256(data)
		sum = h[:]
	}
	return base64.StdEncoding.EncodeToString(sum)
}

type checksums struct{ crc32, crc32c, crc64, sha1, sha256 *string }

func (c checksums) of(alg types.ChecksumAlgorithm) string {
	return aws.ToString(map[types.ChecksumAlgorithm]*string{types.ChecksumAlgorithmCrc32: c.crc32, types.ChecksumAlgorithmCrc32c: c.crc32c,
		types.ChecksumAlgorithmCrc64nvme: c.crc64, types.ChecksumAlgorithmSha1: c.sha1, types.ChecksumAlgorithmSha256: c.sha256}[alg])
}

func TestAdditionalChecksums(t *testing.T) {
	_, c := setup(t)
	testChecksums(t, c)
}

// TestAdditionalChecksumsTLS runs the same checks over HTTPS, where the SDK
// sends the checksum as a trailer of an aws-chunked body
// (STREAMING-UNSIGNED-PAYLOAD-TRAILER) rather than as a header.
func TestAdditionalChecksumsTLS(t *testing.T) {
	_, c := startTLS(t)
	testChecksums(t, c)
}

func testChecksums(t *testing.T, c *s3.Client) {
	mkBucket(t, c, "sums")
	data := []byte(strings.Repeat("checksum me please ", 5000))
	for _, alg := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c,
		types.ChecksumAlgorithmCrc64nvme, types.ChecksumAlgorithmSha1, types.ChecksumAlgorithmSha256} {
		t.Run(string(alg), func(t *testing.T) {
			key := "obj-" + string(alg)
			want := checksumOf(alg, data)
			out := put(t, c, "sums", key, string(data), func(in *s3.PutObjectInput) { in.ChecksumAlgorithm = alg })
			if got := (checksums{out.ChecksumCRC32, out.ChecksumCRC32C, out.ChecksumCRC64NVME, out.ChecksumSHA1, out.ChecksumSHA256}).of(alg); got != want {
				t.Errorf("PUT returned %s %q, want %q", alg, got, want)
			}
			_, g := get(t, c, "sums", key, func(in *s3.GetObjectInput) { in.ChecksumMode = types.ChecksumModeEnabled })
			if got := (checksums{g.ChecksumCRC32, g.ChecksumCRC32C, g.ChecksumCRC64NVME, g.ChecksumSHA1, g.ChecksumSHA256}).of(alg); got != want {
				t.Errorf("GET returned %s %q, want %q", alg, got, want)
			}
			if g.ChecksumType != types.ChecksumTypeFullObject {
				t.Errorf("GET ChecksumType %q", g.ChecksumType)
			}
			h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("sums"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
			if err != nil {
				t.Fatal(err)
			}
			if got := (checksums{h.ChecksumCRC32, h.ChecksumCRC32C, h.ChecksumCRC64NVME, h.ChecksumSHA1, h.ChecksumSHA256}).of(alg); got != want {
				t.Errorf("HEAD returned %s %q, want %q", alg, got, want)
			}
			// Without checksum mode no checksum is returned.
			h, _ = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("sums"), Key: aws.String(key)})
			if got := (checksums{h.ChecksumCRC32, h.ChecksumCRC32C, h.ChecksumCRC64NVME, h.ChecksumSHA1, h.ChecksumSHA256}).of(alg); got != "" {
				t.Errorf("HEAD without checksum mode returned %q", got)
			}
		})
	}
	t.Run("wrong crc32 value", func(t *testing.T) {
		put(t, c, "sums", "victim", "old")
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sums"), Key: aws.String("victim"), Body: strings.NewReader("new data"),
			ChecksumCRC32: aws.String(checksumOf(types.ChecksumAlgorithmCrc32, []byte("other data")))})
		wantErr(t, err, "BadDigest", 400)
		if got, _ := get(t, c, "sums", "victim"); got != "old" {
			t.Errorf("object changed to %q", got)
		}
	})
	t.Run("malformed sha256 value", func(t *testing.T) {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sums"), Key: aws.String("victim"), Body: strings.NewReader("new data"),
			ChecksumSHA256: aws.String("AAAA")})
		wantErr(t, err, "InvalidRequest", 400)
	})
}

func TestCopyObject(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "src")
	mkBucket(t, c, "dst")
	srcETag := aws.ToString(put(t, c, "src", "orig file.txt", "payload", func(in *s3.PutObjectInput) {
		in.ContentType = aws.String("text/plain")
		in.Metadata = map[string]string{"a": "1"}
		in.Tagging = aws.String("t=1")
	}).ETag)
	copySrc := "src/orig%20file.txt"

	t.Run("COPY directive across buckets", func(t *testing.T) {
		out, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy"), CopySource: aws.String(copySrc),
			Metadata: map[string]string{"ignored": "yes"}})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.CopyObjectResult.ETag) != srcETag || out.CopyObjectResult.LastModified == nil {
			t.Errorf("result %+v", out.CopyObjectResult)
		}
		body, g := get(t, c, "dst", "copy")
		if body != "payload" || aws.ToString(g.ContentType) != "text/plain" || g.Metadata["a"] != "1" || g.Metadata["ignored"] != "" {
			t.Errorf("copy: %q %q %v", body, aws.ToString(g.ContentType), g.Metadata)
		}
		if aws.ToInt32(g.TagCount) != 1 {
			t.Errorf("tags not copied: %d", aws.ToInt32(g.TagCount))
		}
	})
	t.Run("REPLACE directive", func(t *testing.T) {
		_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("replaced"), CopySource: aws.String(copySrc),
			MetadataDirective: types.MetadataDirectiveReplace, Metadata: map[string]string{"b": "2"}, ContentType: aws.String("application/x-new")})
		if err != nil {
			t.Fatal(err)
		}
		_, g := get(t, c, "dst", "replaced")
		if aws.ToString(g.ContentType) != "application/x-new" || g.Metadata["b"] != "2" || g.Metadata["a"] != "" {
			t.Errorf("replace: %q %v", aws.ToString(g.ContentType), g.Metadata)
		}
	})
	t.Run("onto itself with REPLACE changes metadata", func(t *testing.T) {
		put(t, c, "src", "self", "same data", func(in *s3.PutObjectInput) { in.Metadata = map[string]string{"v": "old"} })
		_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("src"), Key: aws.String("self"), CopySource: aws.String("src/self"),
			MetadataDirective: types.MetadataDirectiveReplace, Metadata: map[string]string{"v": "new"}})
		if err != nil {
			t.Fatal(err)
		}
		body, g := get(t, c, "src", "self")
		if body != "same data" || g.Metadata["v"] != "new" {
			t.Errorf("self copy: %q %v", body, g.Metadata)
		}
	})
	t.Run("onto itself without changes", func(t *testing.T) {
		_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("src"), Key: aws.String("self"), CopySource: aws.String("src/self")})
		wantErr(t, err, "InvalidRequest", 400)
	})
	conds := []struct {
		name string
		mut  func(*s3.CopyObjectInput)
		code string
	}{
		{"if-match ok", func(in *s3.CopyObjectInput) { in.CopySourceIfMatch = aws.String(srcETag) }, ""},
		{"if-match mismatch", func(in *s3.CopyObjectInput) { in.CopySourceIfMatch = aws.String(`"abc"`) }, "PreconditionFailed"},
		{"if-none-match match", func(in *s3.CopyObjectInput) { in.CopySourceIfNoneMatch = aws.String(srcETag) }, "PreconditionFailed"},
		{"if-unmodified-since past", func(in *s3.CopyObjectInput) {
			in.CopySourceIfUnmodifiedSince = aws.Time(time.Now().Add(-time.Hour))
		}, "PreconditionFailed"},
		{"if-modified-since future", func(in *s3.CopyObjectInput) {
			in.CopySourceIfModifiedSince = aws.Time(time.Now().Add(time.Hour))
		}, "PreconditionFailed"},
	}
	for _, tt := range conds {
		t.Run("copy-source-"+tt.name, func(t *testing.T) {
			in := &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("cond-" + tt.name), CopySource: aws.String(copySrc)}
			tt.mut(in)
			_, err := c.CopyObject(ctx, in)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, tt.code, 412)
			_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("dst"), Key: in.Key})
			wantErr(t, err, "NotFound", 404)
		})
	}
	errCases := []struct {
		name, bucket, src, code string
		status                  int
	}{
		{"missing source key", "dst", "src/nope", "NoSuchKey", 404},
		{"missing source bucket", "dst", "nosuchbucket/k", "NoSuchBucket", 404},
		{"missing destination bucket", "nosuchbucket", copySrc, "NoSuchBucket", 404},
		{"malformed source", "dst", "justabucket", "InvalidArgument", 400},
	}
	for _, tt := range errCases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(tt.bucket), Key: aws.String("x"), CopySource: aws.String(tt.src)})
			wantErr(t, err, tt.code, tt.status)
		})
	}
}
