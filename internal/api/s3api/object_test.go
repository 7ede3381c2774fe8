package s3api_test

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestPutGetHeadDelete(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "bkt")
	bodies := map[string]string{"small": "hello, world", "empty": "", "binary": "\x00\x01\xff\xfe", "big": strings.Repeat("0123456789abcdef", 40000)}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			out := put(t, c, "bkt", name, body)
			wantETag := `"` + md5hex(body) + `"`
			if aws.ToString(out.ETag) != wantETag {
				t.Errorf("PUT ETag %s, want %s", aws.ToString(out.ETag), wantETag)
			}
			got, g := get(t, c, "bkt", name)
			if got != body {
				t.Fatalf("GET body mismatch (%d vs %d bytes)", len(got), len(body))
			}
			if aws.ToString(g.ETag) != wantETag || aws.ToInt64(g.ContentLength) != int64(len(body)) {
				t.Errorf("GET ETag %s length %d", aws.ToString(g.ETag), aws.ToInt64(g.ContentLength))
			}
			if aws.ToString(g.ContentType) != "binary/octet-stream" && aws.ToString(g.ContentType) != "application/octet-stream" {
				t.Errorf("default Content-Type %q", aws.ToString(g.ContentType))
			}
			h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String(name)})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(h.ETag) != wantETag || aws.ToInt64(h.ContentLength) != int64(len(body)) || h.LastModified == nil {
				t.Errorf("HEAD: ETag %s length %d LastModified %v", aws.ToString(h.ETag), aws.ToInt64(h.ContentLength), h.LastModified)
			}
			if time.Since(*h.LastModified) > time.Minute {
				t.Errorf("LastModified %v", h.LastModified)
			}
			if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String(name)}); err != nil {
				t.Fatal(err)
			}
			_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(name)})
			wantErr(t, err, "NoSuchKey", 404)
			_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String(name)})
			wantErr(t, err, "NotFound", 404)
		})
	}
	// Deleting a missing key succeeds (204), as in S3.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("never-existed")}); err != nil {
		t.Errorf("DeleteObject of missing key: %v", err)
	}
	// Overwrite: last writer wins.
	put(t, c, "bkt", "k", "one")
	put(t, c, "bkt", "k", "two")
	if got, _ := get(t, c, "bkt", "k"); got != "two" {
		t.Errorf("after overwrite: %q", got)
	}
	_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("nope"), Key: aws.String("k")})
	wantErr(t, err, "NoSuchBucket", 404)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("nope"), Key: aws.String("k"), Body: strings.NewReader("x")})
	wantErr(t, err, "NoSuchBucket", 404)
}

func TestObjectMetadataAndHeaders(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "bkt")
	expires := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	put(t, c, "bkt", "doc.txt", "content", func(in *s3.PutObjectInput) {
		in.ContentType = aws.String("text/plain; charset=utf-8")
		in.ContentEncoding = aws.String("identity")
		in.ContentDisposition = aws.String(`attachment; filename="doc.txt"`)
		in.ContentLanguage = aws.String("fr-CA")
		in.CacheControl = aws.String("max-age=3600, public")
		in.Expires = aws.Time(expires)
		in.Metadata = map[string]string{"author": "Ada", "Mixed-Case": "Value With Spaces", "empty": ""}
	})
	check := func(t *testing.T, ct, ce, cd, cl, cc, exp *string, meta map[string]string) {
		t.Helper()
		for _, f := range []struct{ name, got, want string }{
			{"Content-Type", aws.ToString(ct), "text/plain; charset=utf-8"},
			{"Content-Encoding", aws.ToString(ce), "identity"},
			{"Content-Disposition", aws.ToString(cd), `attachment; filename="doc.txt"`},
			{"Content-Language", aws.ToString(cl), "fr-CA"},
			{"Cache-Control", aws.ToString(cc), "max-age=3600, public"},
			{"Expires", aws.ToString(exp), expires.Format(http.TimeFormat)},
		} {
			if f.got != f.want {
				t.Errorf("%s = %q, want %q", f.name, f.got, f.want)
			}
		}
		if meta["author"] != "Ada" || meta["mixed-case"] != "Value With Spaces" {
			t.Errorf("metadata = %v", meta)
		}
	}
	_, g := get(t, c, "bkt", "doc.txt")
	check(t, g.ContentType, g.ContentEncoding, g.ContentDisposition, g.ContentLanguage, g.CacheControl, g.ExpiresString, g.Metadata)
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("doc.txt")})
	if err != nil {
		t.Fatal(err)
	}
	check(t, h.ContentType, h.ContentEncoding, h.ContentDisposition, h.ContentLanguage, h.CacheControl, h.ExpiresString, h.Metadata)

	// response-* overrides on GET.
	_, g = get(t, c, "bkt", "doc.txt", func(in *s3.GetObjectInput) {
		in.ResponseContentType = aws.String("application/json")
		in.ResponseContentDisposition = aws.String("inline")
		in.ResponseCacheControl = aws.String("no-cache")
		in.ResponseContentLanguage = aws.String("de")
		in.ResponseContentEncoding = aws.String("gzip-not-really")
		in.ResponseExpires = aws.Time(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	})
	if aws.ToString(g.ContentType) != "application/json" || aws.ToString(g.ContentDisposition) != "inline" ||
		aws.ToString(g.CacheControl) != "no-cache" || aws.ToString(g.ContentLanguage) != "de" ||
		aws.ToString(g.ContentEncoding) != "gzip-not-really" || aws.ToString(g.ExpiresString) != "Tue, 01 Jan 2030 00:00:00 GMT" {
		t.Errorf("overrides not applied: %q %q %q %q %q %q", aws.ToString(g.ContentType), aws.ToString(g.ContentDisposition),
			aws.ToString(g.CacheControl), aws.ToString(g.ContentLanguage), aws.ToString(g.ContentEncoding), aws.ToString(g.ExpiresString))
	}
}

func TestGetRange(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "bkt")
	const body = "0123456789"
	put(t, c, "bkt", "k", body)
	tests := []struct {
		rng, want, contentRange string
	}{
		{"bytes=0-4", "01234", "bytes 0-4/10"},
		{"bytes=3-3", "3", "bytes 3-3/10"},
		{"bytes=7-", "789", "bytes 7-9/10"},
		{"bytes=-3", "789", "bytes 7-9/10"},
		{"bytes=-20", body, "bytes 0-9/10"},
		{"bytes=5-100", "56789", "bytes 5-9/10"},
		{"bytes=9-9", "9", "bytes 9-9/10"},
	}
	for _, tt := range tests {
		t.Run(tt.rng, func(t *testing.T) {
			got, out := get(t, c, "bkt", "k", func(in *s3.GetObjectInput) { in.Range = aws.String(tt.rng) })
			if got != tt.want || aws.ToString(out.ContentRange) != tt.contentRange || aws.ToInt64(out.ContentLength) != int64(len(tt.want)) {
				t.Errorf("got %q Content-Range %q length %d", got, aws.ToString(out.ContentRange), aws.ToInt64(out.ContentLength))
			}
		})
	}
	for _, rng := range []string{"bytes=10-", "bytes=100-200"} {
		t.Run("unsatisfiable "+rng, func(t *testing.T) {
			_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Range: aws.String(rng)})
			wantErr(t, err, "InvalidRange", 416)
		})
	}
	// A header S3 cannot parse is ignored: the whole object, 200.
	got, out := get(t, c, "bkt", "k", func(in *s3.GetObjectInput) { in.Range = aws.String("bytes=5-2") })
	if got != body || out.ContentRange != nil {
		t.Errorf("invalid range: %q %v", got, out.ContentRange)
	}
	// HEAD honours Range too.
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Range: aws.String("bytes=2-5")})
	if err != nil || aws.ToInt64(h.ContentLength) != 4 {
		t.Errorf("HEAD range: %v %d", err, aws.ToInt64(h.ContentLength))
	}
}

func TestConditionalRequests(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "bkt")
	etag := aws.ToString(put(t, c, "bkt", "k", "data").ETag)
	past := time.Now().Add(-time.Hour)
	future := time.Now().Add(time.Hour)
	tests := []struct {
		name   string
		mut    func(*s3.GetObjectInput)
		code   string
		status int
	}{
		{"If-Match ok", func(in *s3.GetObjectInput) { in.IfMatch = aws.String(etag) }, "", 200},
		{"If-Match star", func(in *s3.GetObjectInput) { in.IfMatch = aws.String("*") }, "", 200},
		{"If-Match mismatch", func(in *s3.GetObjectInput) { in.IfMatch = aws.String(`"0123"`) }, "PreconditionFailed", 412},
		{"If-None-Match match", func(in *s3.GetObjectInput) { in.IfNoneMatch = aws.String(etag) }, "NotModified", 304},
		{"If-None-Match other", func(in *s3.GetObjectInput) { in.IfNoneMatch = aws.String(`"0123"`) }, "", 200},
		{"If-Modified-Since past", func(in *s3.GetObjectInput) { in.IfModifiedSince = aws.Time(past) }, "", 200},
		{"If-Modified-Since future", func(in *s3.GetObjectInput) { in.IfModifiedSince = aws.Time(future) }, "NotModified", 304},
		{"If-Unmodified-Since future", func(in *s3.GetObjectInput) { in.IfUnmodifiedSince = aws.Time(future) }, "", 200},
		{"If-Unmodified-Since past", func(in *s3.GetObjectInput) { in.IfUnmodifiedSince = aws.Time(past) }, "PreconditionFailed", 412},
		// RFC 7232 precedence as S3 applies it: If-Match true + If-Unmodified-Since false → 200.
		{"If-Match wins over If-Unmodified-Since", func(in *s3.GetObjectInput) {
			in.IfMatch = aws.String(etag)
			in.IfUnmodifiedSince = aws.Time(past)
		}, "", 200},
		// If-None-Match false + If-Modified-Since true → 304.
		{"If-None-Match wins over If-Modified-Since", func(in *s3.GetObjectInput) {
			in.IfNoneMatch = aws.String(etag)
			in.IfModifiedSince = aws.Time(past)
		}, "NotModified", 304},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")}
			tt.mut(in)
			out, err := c.GetObject(ctx, in)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(out.Body)
				out.Body.Close()
				if string(b) != "data" {
					t.Errorf("body %q", b)
				}
			} else {
				wantErr(t, err, tt.code, tt.status)
			}
			// HEAD gives the same status.
			hin := &s3.HeadObjectInput{Bucket: in.Bucket, Key: in.Key, IfMatch: in.IfMatch, IfNoneMatch: in.IfNoneMatch,
				IfModifiedSince: in.IfModifiedSince, IfUnmodifiedSince: in.IfUnmodifiedSince}
			_, err = c.HeadObject(ctx, hin)
			if tt.code == "" && err != nil {
				t.Errorf("HEAD: %v", err)
			}
			if tt.code != "" && httpStatus(err) != tt.status {
				t.Errorf("HEAD status %d, want %d", httpStatus(err), tt.status)
			}
		})
	}
}

func TestConditionalWrite(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "bkt")
	// If-None-Match: * creates a new key ...
	put(t, c, "bkt", "k", "first", func(in *s3.PutObjectInput) { in.IfNoneMatch = aws.String("*") })
	// ... and refuses to overwrite an existing one.
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("second"), IfNoneMatch: aws.String("*")})
	wantErr(t, err, "PreconditionFailed", 412)
	if got, _ := get(t, c, "bkt", "k"); got != "first" {
		t.Errorf("object changed to %q", got)
	}
	// If-Match with the current ETag overwrites; with another ETag it fails.
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("x"), IfMatch: aws.String(`"` + md5hex("nope") + `"`)})
	wantErr(t, err, "PreconditionFailed", 412)
	put(t, c, "bkt", "k", "third", func(in *s3.PutObjectInput) { in.IfMatch = aws.String(`"` + md5hex("first") + `"`) })
	if got, _ := get(t, c, "bkt", "k"); got != "third" {
		t.Errorf("object = %q", got)
	}
	// If-Match on a missing key: NoSuchKey (AWS).
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("missing"), Body: strings.NewReader("x"), IfMatch: aws.String(`"abc"`)})
	wantErr(t, err, "NoSuchKey", 404)
}

func TestContentMD5(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "bkt")
	put(t, c, "bkt", "k", "original")
	good := md5.Sum([]byte("new body"))
	put(t, c, "bkt", "k", "new body", func(in *s3.PutObjectInput) { in.ContentMD5 = aws.String(base64.StdEncoding.EncodeToString(good[:])) })
	bad := md5.Sum([]byte("something else"))
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("evil body"),
		ContentMD5: aws.String(base64.StdEncoding.EncodeToString(bad[:]))})
	wantErr(t, err, "BadDigest", 400)
	if got, _ := get(t, c, "bkt", "k"); got != "new body" {
		t.Errorf("object changed after BadDigest: %q", got)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("x"), ContentMD5: aws.String("not-base64!")})
	wantErr(t, err, "InvalidDigest", 400)
}

func TestObjectKeys(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "bkt")
	keys := []string{
		"unicode/日本語/ключ/🙂", "with space", "plus+sign", "percent%20literal", "question?mark", "hash#tag",
		"a/b/c/./d", "tilde~and=equals&amp", "trailing/", "//double//slash", "semi;colon:colon", "quote'\"",
		strings.Repeat("k", 1024), strings.Repeat("é", 512), // 1024 bytes of UTF-8
	}
	for _, k := range keys {
		name := k
		if len(name) > 40 {
			name = fmt.Sprintf("%d-byte key", len(k))
		}
		t.Run(name, func(t *testing.T) {
			put(t, c, "bkt", k, "v:"+k)
			if got, _ := get(t, c, "bkt", k); got != "v:"+k {
				t.Fatalf("got %q", got)
			}
			l, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), Prefix: aws.String(k)})
			if err != nil || len(l.Contents) == 0 || aws.ToString(l.Contents[0].Key) != k {
				t.Fatalf("list: %v %+v", err, l)
			}
		})
	}
	for _, k := range []string{strings.Repeat("k", 1025), strings.Repeat("é", 512) + "x"} {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(k), Body: strings.NewReader("x")})
		wantErr(t, err, "KeyTooLongError", 400)
	}
}

func TestDeleteObjects(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "bkt")
	for _, k := range []string{"a", "bkt", "c", "d"} {
		put(t, c, "bkt", k, k)
	}
	ids := func(keys ...string) []types.ObjectIdentifier {
		var out []types.ObjectIdentifier
		for _, k := range keys {
			out = append(out, types.ObjectIdentifier{Key: aws.String(k)})
		}
		return out
	}
	out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{Objects: ids("a", "bkt", "missing")}})
	if err != nil {
		t.Fatal(err)
	}
	var deleted []string
	for _, d := range out.Deleted {
		deleted = append(deleted, aws.ToString(d.Key))
	}
	if strings.Join(deleted, ",") != "a,bkt,missing" || len(out.Errors) != 0 {
		t.Errorf("Deleted %v Errors %+v", deleted, out.Errors)
	}
	// Quiet mode reports only errors.
	out, err = c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{Objects: ids("c", "zz"), Quiet: aws.Bool(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 0 || len(out.Errors) != 0 {
		t.Errorf("quiet: Deleted %+v Errors %+v", out.Deleted, out.Errors)
	}
	l, _ := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt")})
	if len(l.Contents) != 1 || aws.ToString(l.Contents[0].Key) != "d" {
		t.Errorf("left: %+v", l.Contents)
	}
	// More than 1000 keys is MalformedXML.
	many := make([]string, 1001)
	for i := range many {
		many[i] = fmt.Sprint(i)
	}
	_, err = c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{Objects: ids(many...)}})
	wantErr(t, err, "MalformedXML", 400)
	_, err = c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("nope"), Delete: &types.Delete{Objects: ids("a")}})
	wantErr(t, err, "NoSuchBucket", 404)
}

func TestObjectTagging(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "bkt")
	put(t, c, "bkt", "k", "v", func(in *s3.PutObjectInput) { in.Tagging = aws.String("color=blue&size=x%20l") })
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	_, g := get(t, c, "bkt", "k")
	if aws.ToInt32(g.TagCount) != 2 {
		t.Errorf("GET TagCount = %d", aws.ToInt32(g.TagCount))
	}
	_ = h // HeadObject does not model x-amz-tagging-count in the SDK
	tg, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, x := range tg.TagSet {
		got[aws.ToString(x.Key)] = aws.ToString(x.Value)
	}
	if got["color"] != "blue" || got["size"] != "x l" || len(got) != 2 {
		t.Errorf("tags %v", got)
	}
	if _, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("only"), Value: aws.String("one")}}}}); err != nil {
		t.Fatal(err)
	}
	_, g = get(t, c, "bkt", "k")
	if aws.ToInt32(g.TagCount) != 1 {
		t.Errorf("TagCount after replace = %d", aws.ToInt32(g.TagCount))
	}
	// Tagging does not change the data or ETag.
	if aws.ToString(g.ETag) != `"`+md5hex("v")+`"` {
		t.Errorf("ETag changed: %s", aws.ToString(g.ETag))
	}
	if _, err := c.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	tg, err = c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil || len(tg.TagSet) != 0 {
		t.Errorf("after delete: %v %+v", err, tg)
	}
	_, err = c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("missing")})
	wantErr(t, err, "NoSuchKey", 404)
	_, err = c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("missing"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("a"), Value: aws.String("bkt")}}}})
	wantErr(t, err, "NoSuchKey", 404)
	// More than 10 tags on an object is rejected.
	var many []types.Tag
	for i := range 11 {
		many = append(many, types.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")})
	}
	_, err = c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Tagging: &types.Tagging{TagSet: many}})
	wantErr(t, err, "BadRequest", 400)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k2"), Body: strings.NewReader("x"), Tagging: aws.String("a=1&a=2")})
	wantErr(t, err, "InvalidArgument", 400)
}
