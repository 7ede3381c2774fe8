package s3api_test

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"hash/crc64"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

const mib = 1 << 20

func randBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// multipartETag is S3's ETag of a multipart object: md5 of the part md5s, "-N".
func multipartETag(parts ...[]byte) string {
	var cat []byte
	for _, p := range parts {
		h := md5.Sum(p)
		cat = append(cat, h[:]...)
	}
	h := md5.Sum(cat)
	return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(h[:]), len(parts))
}

func createUpload(t *testing.T, c *s3.Client, bucket, key string, mut ...func(*s3.CreateMultipartUploadInput)) string {
	t.Helper()
	in := &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	for _, m := range mut {
		m(in)
	}
	out, err := c.CreateMultipartUpload(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.UploadId)
}

func uploadPart(t *testing.T, c *s3.Client, bucket, key, id string, n int32, data []byte, mut ...func(*s3.UploadPartInput)) *s3.UploadPartOutput {
	t.Helper()
	in := &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(id), PartNumber: aws.Int32(n), Body: bytes.NewReader(data)}
	for _, m := range mut {
		m(in)
	}
	out, err := c.UploadPart(ctx, in)
	if err != nil {
		t.Fatalf("UploadPart %d: %v", n, err)
	}
	return out
}

func TestMultipartUpload(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "mpu")
	p1, p2, p3 := randBytes(t, 5*mib), randBytes(t, 5*mib+123), []byte("tail")
	id := createUpload(t, c, "mpu", "big", func(in *s3.CreateMultipartUploadInput) {
		in.ContentType = aws.String("video/mp4")
		in.Metadata = map[string]string{"m": "1"}
	})
	var completed []types.CompletedPart
	for i, p := range [][]byte{p1, p2, p3} {
		out := uploadPart(t, c, "mpu", "big", id, int32(i+1), p)
		if aws.ToString(out.ETag) != `"`+md5hex(string(p))+`"` {
			t.Errorf("part %d ETag %s", i+1, aws.ToString(out.ETag))
		}
		completed = append(completed, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
	}
	// Re-uploading a part replaces it.
	out := uploadPart(t, c, "mpu", "big", id, 3, []byte("TAIL"))
	completed[2].ETag = out.ETag
	p3 = []byte("TAIL")

	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("big"), UploadId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if len(lp.Parts) != 3 || aws.ToInt64(lp.Parts[1].Size) != 5*mib+123 || aws.ToString(lp.Parts[2].ETag) != `"`+md5hex("TAIL")+`"` {
		t.Errorf("ListParts %+v", lp.Parts)
	}
	if lp.Owner == nil || aws.ToString(lp.Owner.ID) == "" || lp.Initiator == nil {
		t.Errorf("ListParts owner %+v initiator %+v", lp.Owner, lp.Initiator)
	}
	lp, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("big"), UploadId: aws.String(id), MaxParts: aws.Int32(2)})
	if err != nil || len(lp.Parts) != 2 || !aws.ToBool(lp.IsTruncated) || aws.ToString(lp.NextPartNumberMarker) != "2" {
		t.Errorf("ListParts max 2: %v %+v", err, lp)
	}
	lp, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("big"), UploadId: aws.String(id), PartNumberMarker: aws.String("2")})
	if err != nil || len(lp.Parts) != 1 || aws.ToInt32(lp.Parts[0].PartNumber) != 3 {
		t.Errorf("ListParts after 2: %v %+v", err, lp)
	}

	cout, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("big"), UploadId: aws.String(id),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed}})
	if err != nil {
		t.Fatal(err)
	}
	wantETag := multipartETag(p1, p2, p3)
	if aws.ToString(cout.ETag) != wantETag || aws.ToString(cout.Key) != "big" || aws.ToString(cout.Bucket) != "mpu" {
		t.Errorf("complete: ETag %s want %s; %+v", aws.ToString(cout.ETag), wantETag, cout)
	}
	whole := bytes.Join([][]byte{p1, p2, p3}, nil)
	body, g := get(t, c, "mpu", "big")
	if body != string(whole) || aws.ToString(g.ETag) != wantETag || aws.ToString(g.ContentType) != "video/mp4" || g.Metadata["m"] != "1" {
		t.Errorf("GET after complete: %d bytes, ETag %s, type %q, meta %v", len(body), aws.ToString(g.ETag), aws.ToString(g.ContentType), g.Metadata)
	}
	// The upload is gone.
	_, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("big"), UploadId: aws.String(id)})
	wantErr(t, err, "NoSuchUpload", 404)

	// GET ?partNumber=N returns that part and the part count.
	for n, want := range map[int32][]byte{1: p1, 2: p2, 3: p3} {
		body, g := get(t, c, "mpu", "big", func(in *s3.GetObjectInput) { in.PartNumber = aws.Int32(n) })
		if body != string(want) || aws.ToInt32(g.PartsCount) != 3 {
			t.Errorf("part %d: %d bytes, PartsCount %d", n, len(body), aws.ToInt32(g.PartsCount))
		}
		if g.ContentRange == nil {
			t.Errorf("part %d: no Content-Range", n)
		}
	}
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big"), PartNumber: aws.Int32(2)})
	if err != nil || aws.ToInt32(h.PartsCount) != 3 || aws.ToInt64(h.ContentLength) != int64(len(p2)) {
		t.Errorf("HEAD part 2: %v %+v", err, h)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big"), PartNumber: aws.Int32(4)})
	wantErr(t, err, "InvalidPartNumber", 416)
	// partNumber=1 of a single-part object is the whole object.
	put(t, c, "mpu", "single", "abc")
	body, g = get(t, c, "mpu", "single", func(in *s3.GetObjectInput) { in.PartNumber = aws.Int32(1) })
	if body != "abc" {
		t.Errorf("part 1 of single-part object: %q", body)
	}
}

func TestMultipartErrors(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "mpu")
	big, small := randBytes(t, 5*mib), []byte("small")

	complete := func(id string, parts ...types.CompletedPart) error {
		_, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("k"), UploadId: aws.String(id),
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		return err
	}
	part := func(n int32, etag *string) types.CompletedPart {
		return types.CompletedPart{PartNumber: aws.Int32(n), ETag: etag}
	}

	t.Run("EntityTooSmall", func(t *testing.T) {
		id := createUpload(t, c, "mpu", "k")
		e1 := uploadPart(t, c, "mpu", "k", id, 1, small).ETag
		e2 := uploadPart(t, c, "mpu", "k", id, 2, big).ETag
		wantErr(t, complete(id, part(1, e1), part(2, e2)), "EntityTooSmall", 400)
		// The upload survives a failed complete; a small last part is fine.
		e1 = uploadPart(t, c, "mpu", "k", id, 1, big).ETag
		e2 = uploadPart(t, c, "mpu", "k", id, 2, small).ETag
		if err := complete(id, part(1, e1), part(2, e2)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("InvalidPart wrong etag", func(t *testing.T) {
		id := createUpload(t, c, "mpu", "k")
		uploadPart(t, c, "mpu", "k", id, 1, small)
		wantErr(t, complete(id, part(1, aws.String(`"`+md5hex("other")+`"`))), "InvalidPart", 400)
	})
	t.Run("InvalidPart missing part", func(t *testing.T) {
		id := createUpload(t, c, "mpu", "k")
		e1 := uploadPart(t, c, "mpu", "k", id, 1, big).ETag
		wantErr(t, complete(id, part(1, e1), part(2, aws.String(`"`+md5hex("x")+`"`))), "InvalidPart", 400)
	})
	t.Run("InvalidPartOrder", func(t *testing.T) {
		id := createUpload(t, c, "mpu", "k")
		e1 := uploadPart(t, c, "mpu", "k", id, 1, big).ETag
		e2 := uploadPart(t, c, "mpu", "k", id, 2, small).ETag
		wantErr(t, complete(id, part(2, e2), part(1, e1)), "InvalidPartOrder", 400)
	})
	t.Run("empty part list", func(t *testing.T) {
		id := createUpload(t, c, "mpu", "k")
		wantErr(t, complete(id), "MalformedXML", 400)
	})
	t.Run("bad part numbers", func(t *testing.T) {
		id := createUpload(t, c, "mpu", "k")
		for _, n := range []int32{0, 10001} {
			_, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("k"), UploadId: aws.String(id), PartNumber: aws.Int32(n), Body: strings.NewReader("x")})
			wantErr(t, err, "InvalidArgument", 400)
		}
	})
	t.Run("abort", func(t *testing.T) {
		id := createUpload(t, c, "mpu", "aborted")
		uploadPart(t, c, "mpu", "aborted", id, 1, small)
		if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("aborted"), UploadId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
		_, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("aborted"), UploadId: aws.String(id), PartNumber: aws.Int32(2), Body: strings.NewReader("x")})
		wantErr(t, err, "NoSuchUpload", 404)
		_, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("aborted"), UploadId: aws.String(id)})
		wantErr(t, err, "NoSuchUpload", 404)
		_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("aborted"), UploadId: aws.String(id),
			MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{part(1, aws.String(`"`+md5hex("small")+`"`))}}})
		wantErr(t, err, "NoSuchUpload", 404)
		_, err = c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("aborted"), UploadId: aws.String(id)})
		wantErr(t, err, "NoSuchUpload", 404)
		_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mpu"), Key: aws.String("aborted")})
		wantErr(t, err, "NotFound", 404)
	})
	t.Run("unknown upload id", func(t *testing.T) {
		_, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("k"), UploadId: aws.String("nonexistent"), PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
		wantErr(t, err, "NoSuchUpload", 404)
	})
}

func TestListMultipartUploads(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "mpu")
	ids := map[string]string{}
	for _, k := range []string{"a/1", "a/2", "b", "c"} {
		ids[k] = createUpload(t, c, "mpu", k)
	}
	out, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Uploads) != 4 {
		t.Fatalf("uploads %+v", out.Uploads)
	}
	for _, u := range out.Uploads {
		if ids[aws.ToString(u.Key)] != aws.ToString(u.UploadId) || u.Initiated == nil || u.Owner == nil {
			t.Errorf("upload %+v", u)
		}
	}
	out, err = c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu"), Delimiter: aws.String("/")})
	if err != nil || len(out.Uploads) != 2 || len(out.CommonPrefixes) != 1 || aws.ToString(out.CommonPrefixes[0].Prefix) != "a/" {
		t.Errorf("with delimiter: %v %+v", err, out)
	}
	out, err = c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu"), MaxUploads: aws.Int32(3)})
	if err != nil || len(out.Uploads) != 3 || !aws.ToBool(out.IsTruncated) {
		t.Fatalf("max 3: %v %+v", err, out)
	}
	out, err = c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu"), KeyMarker: out.NextKeyMarker, UploadIdMarker: out.NextUploadIdMarker})
	if err != nil || len(out.Uploads) != 1 || aws.ToString(out.Uploads[0].Key) != "c" {
		t.Errorf("after marker: %v %+v", err, out)
	}
	c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("b"), UploadId: aws.String(ids["b"])})
	out, _ = c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu"), Prefix: aws.String("b")})
	if len(out.Uploads) != 0 {
		t.Errorf("aborted upload still listed")
	}
}

func TestUploadPartCopy(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "mpu")
	src := randBytes(t, 6*mib)
	put(t, c, "mpu", "source", string(src))
	id := createUpload(t, c, "mpu", "dest")
	o1, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("mpu"), Key: aws.String("dest"), UploadId: aws.String(id), PartNumber: aws.Int32(1),
		CopySource: aws.String("mpu/source"), CopySourceRange: aws.String(fmt.Sprintf("bytes=0-%d", 5*mib-1))})
	if err != nil {
		t.Fatal(err)
	}
	o2, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("mpu"), Key: aws.String("dest"), UploadId: aws.String(id), PartNumber: aws.Int32(2),
		CopySource: aws.String("mpu/source"), CopySourceRange: aws.String("bytes=100-199")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(o2.CopyPartResult.ETag) != `"`+md5hex(string(src[100:200]))+`"` {
		t.Errorf("part copy ETag %s", aws.ToString(o2.CopyPartResult.ETag))
	}
	_, err = c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("mpu"), Key: aws.String("dest"), UploadId: aws.String(id), PartNumber: aws.Int32(3),
		CopySource: aws.String("mpu/source"), CopySourceRange: aws.String(fmt.Sprintf("bytes=0-%d", 7*mib))})
	// S3 answers a copy range past the source's end with InvalidArgument
	// ("Range specified is not valid for source object of size: N").
	wantErr(t, err, "InvalidArgument", 400)
	_, err = c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("mpu"), Key: aws.String("dest"), UploadId: aws.String(id), PartNumber: aws.Int32(3),
		CopySource: aws.String("mpu/source"), CopySourceIfMatch: aws.String(`"nope"`)})
	wantErr(t, err, "PreconditionFailed", 412)
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("dest"), UploadId: aws.String(id),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
			{PartNumber: aws.Int32(1), ETag: o1.CopyPartResult.ETag}, {PartNumber: aws.Int32(2), ETag: o2.CopyPartResult.ETag}}}})
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte(nil), src[:5*mib]...), src[100:200]...)
	if body, _ := get(t, c, "mpu", "dest"); body != string(want) {
		t.Errorf("copied object differs (%d bytes)", len(body))
	}
}

func TestTransferManager(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "tmgr")
	data := randBytes(t, 40*mib+12345)
	up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 5 * mib; u.Concurrency = 4 })
	res, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("tmgr"), Key: aws.String("big/object.bin"), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(res.ETag), `-9"`) {
		t.Errorf("ETag %s, want a 9-part multipart ETag", aws.ToString(res.ETag))
	}
	// An unseekable body is uploaded too (the manager buffers parts).
	if _, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("tmgr"), Key: aws.String("stream"), Body: io.MultiReader(bytes.NewReader(data[:12*mib]))}); err != nil {
		t.Fatal(err)
	}
	down := manager.NewDownloader(c, func(d *manager.Downloader) { d.PartSize = 5 * mib; d.Concurrency = 4 })
	buf := manager.NewWriteAtBuffer(make([]byte, 0, len(data)))
	n, err := down.Download(ctx, buf, &s3.GetObjectInput{Bucket: aws.String("tmgr"), Key: aws.String("big/object.bin")})
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(data)) || sha256hex(buf.Bytes()) != sha256hex(data) {
		t.Fatalf("download: %d bytes, sha256 mismatch=%v", n, sha256hex(buf.Bytes()) != sha256hex(data))
	}
	buf = manager.NewWriteAtBuffer(nil)
	if _, err := down.Download(ctx, buf, &s3.GetObjectInput{Bucket: aws.String("tmgr"), Key: aws.String("stream")}); err != nil {
		t.Fatal(err)
	}
	if sha256hex(buf.Bytes()) != sha256hex(data[:12*mib]) {
		t.Fatal("streamed upload differs")
	}
}

func TestMultipartChecksums(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "mpu")
	p1, p2 := randBytes(t, 5*mib), randBytes(t, 1000)
	whole := append(append([]byte(nil), p1...), p2...)

	t.Run("CRC32C composite", func(t *testing.T) {
		id := createUpload(t, c, "mpu", "crc32c", func(in *s3.CreateMultipartUploadInput) { in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32c })
		var parts []types.CompletedPart
		var raw []byte
		for i, p := range [][]byte{p1, p2} {
			out := uploadPart(t, c, "mpu", "crc32c", id, int32(i+1), p, func(in *s3.UploadPartInput) { in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32c })
			want := checksumOf(types.ChecksumAlgorithmCrc32c, p)
			if aws.ToString(out.ChecksumCRC32C) != want {
				t.Errorf("part %d checksum %q want %q", i+1, aws.ToString(out.ChecksumCRC32C), want)
			}
			b, _ := base64.StdEncoding.DecodeString(want)
			raw = append(raw, b...)
			parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag, ChecksumCRC32C: out.ChecksumCRC32C})
		}
		lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("crc32c"), UploadId: aws.String(id)})
		if err != nil || lp.ChecksumAlgorithm != types.ChecksumAlgorithmCrc32c || aws.ToString(lp.Parts[0].ChecksumCRC32C) == "" {
			t.Errorf("ListParts checksums: %v %+v", err, lp)
		}
		out, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("crc32c"), UploadId: aws.String(id),
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		if err != nil {
			t.Fatal(err)
		}
		composite := base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.Checksum(raw, crc32.MakeTable(crc32.Castagnoli)))) + "-2"
		if aws.ToString(out.ChecksumCRC32C) != composite || out.ChecksumType != types.ChecksumTypeComposite {
			t.Errorf("complete: %q (%s), want %q COMPOSITE", aws.ToString(out.ChecksumCRC32C), out.ChecksumType, composite)
		}
		h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mpu"), Key: aws.String("crc32c"), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil || aws.ToString(h.ChecksumCRC32C) != composite || h.ChecksumType != types.ChecksumTypeComposite {
			t.Errorf("HEAD: %v %q %s", err, aws.ToString(h.ChecksumCRC32C), h.ChecksumType)
		}
	})
	t.Run("CRC32C part checksum mismatch", func(t *testing.T) {
		id := createUpload(t, c, "mpu", "bad", func(in *s3.CreateMultipartUploadInput) { in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32c })
		_, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("bad"), UploadId: aws.String(id), PartNumber: aws.Int32(1),
			Body: bytes.NewReader(p2), ChecksumCRC32C: aws.String(checksumOf(types.ChecksumAlgorithmCrc32c, []byte("zzz")))})
		wantErr(t, err, "BadDigest", 400)
	})
	t.Run("CRC64NVME full object", func(t *testing.T) {
		id := createUpload(t, c, "mpu", "crc64", func(in *s3.CreateMultipartUploadInput) {
			in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc64nvme
			in.ChecksumType = types.ChecksumTypeFullObject
		})
		var parts []types.CompletedPart
		for i, p := range [][]byte{p1, p2} {
			out := uploadPart(t, c, "mpu", "crc64", id, int32(i+1), p, func(in *s3.UploadPartInput) { in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc64nvme })
			parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag, ChecksumCRC64NVME: out.ChecksumCRC64NVME})
		}
		full := base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint64(nil, crc64.Checksum(whole, crc64nvme)))
		out, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("crc64"), UploadId: aws.String(id),
			ChecksumType: types.ChecksumTypeFullObject, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.ChecksumCRC64NVME) != full || out.ChecksumType != types.ChecksumTypeFullObject {
			t.Errorf("complete: %q (%s), want %q FULL_OBJECT", aws.ToString(out.ChecksumCRC64NVME), out.ChecksumType, full)
		}
		_, g := get(t, c, "mpu", "crc64", func(in *s3.GetObjectInput) { in.ChecksumMode = types.ChecksumModeEnabled })
		if aws.ToString(g.ChecksumCRC64NVME) != full || g.ChecksumType != types.ChecksumTypeFullObject {
			t.Errorf("GET: %q %s", aws.ToString(g.ChecksumCRC64NVME), g.ChecksumType)
		}
	})
}
