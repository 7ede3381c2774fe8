package s3api_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tarnhq/tarn/internal/config"
	"github.com/tarnhq/tarn/internal/server/servertest"
)

type ssec struct{ alg, key, md5 *string }

func newSSEC() ssec {
	raw := make([]byte, 32)
	for i := range raw {
		raw[i] = byte(i*7 + len(raw))
	}
	return ssecFrom(raw)
}

func ssecFrom(raw []byte) ssec {
	sum := md5.Sum(raw)
	return ssec{aws.String("AES256"), aws.String(base64.StdEncoding.EncodeToString(raw)), aws.String(base64.StdEncoding.EncodeToString(sum[:]))}
}

// scanDataDir fails if any file under dir contains marker.
func scanDataDir(t *testing.T, dir string, marker []byte) {
	t.Helper()
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, marker) {
			t.Errorf("plaintext marker found at rest in %s", p)
		}
		return nil
	})
}

func TestSSEDefaultAndExplicitAES256(t *testing.T) {
	s, c := setup(t)
	mkBucket(t, c, "enc")
	marker := "TARN-SSE-MARKER-"
	small, big := strings.Repeat(marker, 4), strings.Repeat(marker, 20000)
	for i, body := range []string{small, big} {
		key := []string{"small", "big"}[i]
		out := put(t, c, "enc", key, body)
		if out.ServerSideEncryption != types.ServerSideEncryptionAes256 {
			t.Fatalf("default encryption: %q", out.ServerSideEncryption)
		}
		got, gout := get(t, c, "enc", key)
		if got != body || gout.ServerSideEncryption != types.ServerSideEncryptionAes256 {
			t.Fatalf("%s: read back %d bytes, sse %q", key, len(got), gout.ServerSideEncryption)
		}
		// SSE-S3 ETags stay the MD5 of the data, as in S3.
		sum := md5.Sum([]byte(body))
		if strings.Trim(aws.ToString(out.ETag), `"`) != base64Hex(sum[:]) {
			t.Fatalf("ETag %s", aws.ToString(out.ETag))
		}
	}
	put(t, c, "enc", "explicit", small, func(in *s3.PutObjectInput) { in.ServerSideEncryption = types.ServerSideEncryptionAes256 })
	scanDataDir(t, s.DataDir, []byte(marker))
}

func base64Hex(b []byte) string {
	const hexd = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, hexd[x>>4], hexd[x&15])
	}
	return string(out)
}

func TestSSEC(t *testing.T) {
	s, c := setup(t)
	mkBucket(t, c, "ssec")
	k := newSSEC()
	marker := "SSEC-PLAINTEXT-MARKER"
	body := strings.Repeat(marker, 5000)
	out := put(t, c, "ssec", "obj", body, func(in *s3.PutObjectInput) {
		in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = k.alg, k.key, k.md5
	})
	if aws.ToString(out.SSECustomerKeyMD5) != *k.md5 || aws.ToString(out.SSECustomerAlgorithm) != "AES256" {
		t.Fatalf("PUT response: %+v", out)
	}
	// Without the key: 400; with another key: 403; with the key: the data.
	_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("ssec"), Key: aws.String("obj")})
	wantErr(t, err, "InvalidRequest", 400)
	other := ssecFrom(bytes.Repeat([]byte{9}, 32))
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("ssec"), Key: aws.String("obj"),
		SSECustomerAlgorithm: other.alg, SSECustomerKey: other.key, SSECustomerKeyMD5: other.md5})
	if httpStatus(err) != 403 {
		t.Fatalf("wrong key: %v", err)
	}
	got, gout := get(t, c, "ssec", "obj", func(in *s3.GetObjectInput) {
		in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = k.alg, k.key, k.md5
		in.Range = aws.String("bytes=100-199")
	})
	if got != body[100:200] || aws.ToString(gout.SSECustomerKeyMD5) != *k.md5 {
		t.Fatalf("range read %q", got)
	}
	// A wrong key MD5 is refused before anything is stored.
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("ssec"), Key: aws.String("bad"), Body: strings.NewReader("x"),
		SSECustomerAlgorithm: k.alg, SSECustomerKey: k.key, SSECustomerKeyMD5: other.md5})
	wantErr(t, err, "InvalidArgument", 400)
	// Copy from an SSE-C source needs the source key; the copy can use a new key.
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("ssec"), Key: aws.String("copy"), CopySource: aws.String("ssec/obj")})
	wantErr(t, err, "InvalidRequest", 400)
	k2 := ssecFrom(bytes.Repeat([]byte{7}, 32))
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("ssec"), Key: aws.String("copy"), CopySource: aws.String("ssec/obj"),
		CopySourceSSECustomerAlgorithm: k.alg, CopySourceSSECustomerKey: k.key, CopySourceSSECustomerKeyMD5: k.md5,
		SSECustomerAlgorithm: k2.alg, SSECustomerKey: k2.key, SSECustomerKeyMD5: k2.md5})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = get(t, c, "ssec", "copy", func(in *s3.GetObjectInput) {
		in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = k2.alg, k2.key, k2.md5
	})
	if got != body {
		t.Fatal("copy re-encrypted under the new key does not read back")
	}
	// Tagging and ACLs do not need the key, as in S3.
	if _, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("ssec"), Key: aws.String("obj")}); err != nil {
		t.Fatal(err)
	}
	scanDataDir(t, s.DataDir, []byte(marker))
}

func TestSSECMultipart(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "ssec-mp")
	k := newSSEC()
	cu, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("ssec-mp"), Key: aws.String("mp"),
		SSECustomerAlgorithm: k.alg, SSECustomerKey: k.key, SSECustomerKeyMD5: k.md5})
	if err != nil {
		t.Fatal(err)
	}
	part1 := bytes.Repeat([]byte("a"), 5<<20)
	part2 := []byte("end")
	var done []types.CompletedPart
	for i, p := range [][]byte{part1, part2} {
		up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("ssec-mp"), Key: aws.String("mp"), UploadId: cu.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p),
			SSECustomerAlgorithm: k.alg, SSECustomerKey: k.key, SSECustomerKeyMD5: k.md5})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: up.ETag})
	}
	_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("ssec-mp"), Key: aws.String("mp"), UploadId: cu.UploadId,
		PartNumber: aws.Int32(3), Body: strings.NewReader("no key")})
	wantErr(t, err, "InvalidRequest", 400)
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("ssec-mp"), Key: aws.String("mp"),
		UploadId: cu.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("ssec-mp"), Key: aws.String("mp"),
		SSECustomerAlgorithm: k.alg, SSECustomerKey: k.key, SSECustomerKeyMD5: k.md5})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if !bytes.Equal(b, append(part1, part2...)) {
		t.Fatal("multipart SSE-C object does not read back")
	}
}

func TestSSECNeedsTLSUnlessLoopbackAllowed(t *testing.T) {
	s := servertest.Start(t, func(c *config.Config) { c.SSECHTTPLoopback = false })
	c := s.S3()
	mkBucket(t, c, "strict")
	k := newSSEC()
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("strict"), Key: aws.String("x"), Body: strings.NewReader("x"),
		SSECustomerAlgorithm: k.alg, SSECustomerKey: k.key, SSECustomerKeyMD5: k.md5})
	wantErr(t, err, "InvalidRequest", 400)
}

func TestBucketEncryptionAPI(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "benc")
	// A bucket with no rule reports S3's default (SSE-S3).
	out, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("benc")})
	if err != nil {
		t.Fatal(err)
	}
	if r := out.ServerSideEncryptionConfiguration.Rules[0]; r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 {
		t.Fatalf("default rule %+v", r)
	}
	_, err = c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("benc"),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256},
			BucketKeyEnabled:                   aws.Bool(false)}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("benc"),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: "DES"}}}}})
	wantErr(t, err, "MalformedXML", 400)
	if _, err := c.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String("benc")}); err != nil {
		t.Fatal(err)
	}
	// With the server default off, a bucket without a rule has none.
	s2 := servertest.Start(t, func(c *config.Config) { c.S3DefaultEncryption = "none" })
	c2 := s2.S3()
	mkBucket(t, c2, "plain")
	_, err = c2.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("plain")})
	wantErr(t, err, "ServerSideEncryptionConfigurationNotFoundError", 404)
	if o := put(t, c2, "plain", "k", "v"); o.ServerSideEncryption != "" {
		t.Fatalf("unencrypted server reported %q", o.ServerSideEncryption)
	}
}

func TestSSEKMSWithRealKMS(t *testing.T) {
	s, c := setup(t)
	k := s.KMS()
	mkBucket(t, c, "kmsb")
	key, err := k.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("s3 test")})
	if err != nil {
		t.Fatal(err)
	}
	keyID := aws.ToString(key.KeyMetadata.KeyId)
	encCtx := base64.StdEncoding.EncodeToString([]byte(`{"team":"data"}`))
	out := put(t, c, "kmsb", "obj", "kms secret", func(in *s3.PutObjectInput) {
		in.ServerSideEncryption = types.ServerSideEncryptionAwsKms
		in.SSEKMSKeyId = aws.String(keyID)
		in.SSEKMSEncryptionContext = aws.String(encCtx)
	})
	if out.ServerSideEncryption != types.ServerSideEncryptionAwsKms || !strings.HasSuffix(aws.ToString(out.SSEKMSKeyId), keyID) {
		t.Fatalf("PUT: %q %q", out.ServerSideEncryption, aws.ToString(out.SSEKMSKeyId))
	}
	if aws.ToString(out.SSEKMSEncryptionContext) != encCtx {
		t.Fatalf("PUT context %q", aws.ToString(out.SSEKMSEncryptionContext))
	}
	if got, gout := get(t, c, "kmsb", "obj"); got != "kms secret" || gout.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
		t.Fatalf("GET %q %q", got, gout.ServerSideEncryption)
	}
	// A disabled key makes GET fail until it is enabled again.
	if _, err := k.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("kmsb"), Key: aws.String("obj")})
	wantErr(t, err, "KMS.DisabledException", 400)
	if _, err := k.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := get(t, c, "kmsb", "obj"); got != "kms secret" {
		t.Fatal("GET after re-enable")
	}
	// No key id: the account's AWS-managed aws/s3 key; bucket keys too.
	out = put(t, c, "kmsb", "managed", "m", func(in *s3.PutObjectInput) {
		in.ServerSideEncryption = types.ServerSideEncryptionAwsKms
		in.BucketKeyEnabled = aws.Bool(true)
	})
	if aws.ToString(out.SSEKMSKeyId) == "" || !aws.ToBool(out.BucketKeyEnabled) {
		t.Fatalf("managed key PUT: %+v", out)
	}
	if got, _ := get(t, c, "kmsb", "managed"); got != "m" {
		t.Fatal("managed key GET")
	}
	// Unknown key: the write is refused and nothing is stored.
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kmsb"), Key: aws.String("nokey"), Body: strings.NewReader("x"),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String("alias/does-not-exist")})
	wantErr(t, err, "KMS.NotFoundException", 400)
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("kmsb"), Key: aws.String("nokey")}); err == nil {
		t.Fatal("object stored despite the KMS error")
	}
	// Bucket default with a KMS key applies to plain PUTs.
	_, err = c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("kmsb"),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(keyID)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if o := put(t, c, "kmsb", "dflt", "d"); o.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
		t.Fatalf("bucket default: %q", o.ServerSideEncryption)
	}
}
