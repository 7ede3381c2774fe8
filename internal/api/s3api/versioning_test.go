package s3api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func enableVersioning(t *testing.T, c *s3.Client, bucket string, status types.BucketVersioningStatus) {
	t.Helper()
	_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: status}})
	if err != nil {
		t.Fatalf("PutBucketVersioning %s: %v", status, err)
	}
}

func TestBucketVersioningConfig(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "vbkt")
	g, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("vbkt")})
	if err != nil || g.Status != "" {
		t.Fatalf("never-versioned bucket: %v %q", err, g.Status)
	}
	for _, st := range []types.BucketVersioningStatus{types.BucketVersioningStatusEnabled, types.BucketVersioningStatusSuspended} {
		enableVersioning(t, c, "vbkt", st)
		g, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("vbkt")})
		if err != nil || g.Status != st {
			t.Fatalf("after %s: %v %q", st, err, g.Status)
		}
	}
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("vbkt"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: "Sometimes"}})
	wantErr(t, err, "MalformedXML", 400)
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("vbkt"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled, MFADelete: types.MFADeleteEnabled}})
	wantErr(t, err, "NotImplemented", 501)
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("nobucket"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	wantErr(t, err, "NoSuchBucket", 404)
	g, _ = c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("vbkt")})
	if g.Status != types.BucketVersioningStatusSuspended {
		t.Fatalf("a rejected request changed the state to %q", g.Status)
	}
}

func TestVersionedObjects(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "vbkt")
	// Unversioned: no version header.
	if p := put(t, c, "vbkt", "k", "v0"); p.VersionId != nil {
		t.Fatalf("unversioned PUT has version %q", aws.ToString(p.VersionId))
	}
	enableVersioning(t, c, "vbkt", types.BucketVersioningStatusEnabled)
	v1 := aws.ToString(put(t, c, "vbkt", "k", "v1").VersionId)
	v2 := aws.ToString(put(t, c, "vbkt", "k", "v2").VersionId)
	if v1 == "" || v2 == "" || v1 == v2 || v1 == "null" {
		t.Fatalf("version ids %q %q", v1, v2)
	}
	body, g := get(t, c, "vbkt", "k")
	if body != "v2" || aws.ToString(g.VersionId) != v2 {
		t.Fatalf("GET current = %q version %q", body, aws.ToString(g.VersionId))
	}
	body, g = get(t, c, "vbkt", "k", func(in *s3.GetObjectInput) { in.VersionId = aws.String(v1) })
	if body != "v1" || aws.ToString(g.VersionId) != v1 {
		t.Fatalf("GET v1 = %q", body)
	}
	body, _ = get(t, c, "vbkt", "k", func(in *s3.GetObjectInput) { in.VersionId = aws.String("null") })
	if body != "v0" {
		t.Fatalf("GET null = %q", body)
	}
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("vbkt"), Key: aws.String("k"), VersionId: aws.String(v1)})
	if err != nil || aws.ToString(h.VersionId) != v1 || aws.ToInt64(h.ContentLength) != 2 {
		t.Fatalf("HEAD v1: %v", err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("vbkt"), Key: aws.String("k"), VersionId: aws.String("bogus")})
	wantErr(t, err, "InvalidArgument", 400)
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("vbkt"), Key: aws.String("k"), VersionId: aws.String(v1[:16] + "AAAAAAAAAAAAAAAA")})
	wantErr(t, err, "NoSuchVersion", 404)

	// DELETE makes a delete marker.
	d, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vbkt"), Key: aws.String("k")})
	if err != nil || !aws.ToBool(d.DeleteMarker) || aws.ToString(d.VersionId) == "" {
		t.Fatalf("DELETE: %v %+v", err, d)
	}
	dm := aws.ToString(d.VersionId)
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("vbkt"), Key: aws.String("k")})
	wantErr(t, err, "NoSuchKey", 404)
	// The raw replies carry the marker headers.
	resp, _ := rawGet(t, c, "vbkt", "k", "")
	if resp.Header.Get("x-amz-delete-marker") != "true" || resp.Header.Get("x-amz-version-id") != dm {
		t.Fatalf("404 of a deleted key: headers %v", resp.Header)
	}
	resp, b := rawGet(t, c, "vbkt", "k", dm)
	if resp.StatusCode != 405 || xmlCode(b) != "MethodNotAllowed" || resp.Header.Get("x-amz-delete-marker") != "true" || resp.Header.Get("Last-Modified") == "" {
		t.Fatalf("GET of a marker by id: %d %s %v", resp.StatusCode, b, resp.Header)
	}
	// Tagging by version.
	_, err = c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("vbkt"), Key: aws.String("k"), VersionId: aws.String(v1),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("vbkt"), Key: aws.String("k"), VersionId: aws.String(v1)})
	if err != nil || len(tg.TagSet) != 1 || aws.ToString(tg.VersionId) != v1 {
		t.Fatalf("GetObjectTagging v1: %v %+v", err, tg)
	}
	// Copy from a version.
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("vbkt"), Key: aws.String("copy"),
		CopySource: aws.String("vbkt/k?versionId=" + v1)})
	if err != nil || aws.ToString(cp.CopySourceVersionId) != v1 || aws.ToString(cp.VersionId) == "" {
		t.Fatalf("CopyObject from v1: %v %+v", err, cp)
	}
	if body, _ := get(t, c, "vbkt", "copy"); body != "v1" {
		t.Fatalf("copy = %q", body)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("vbkt"), Key: aws.String("copy2"), CopySource: aws.String("vbkt/k?versionId=" + dm)})
	wantErr(t, err, "InvalidRequest", 400)
	// Multipart completion answers a version id.
	cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("vbkt"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("vbkt"), Key: aws.String("mp"), UploadId: cr.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
	if err != nil {
		t.Fatal(err)
	}
	done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("vbkt"), Key: aws.String("mp"), UploadId: cr.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: up.ETag}}}})
	if err != nil || aws.ToString(done.VersionId) == "" {
		t.Fatalf("Complete: %v", err)
	}
	// Permanent delete of the marker brings v2 back.
	d, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vbkt"), Key: aws.String("k"), VersionId: aws.String(dm)})
	if err != nil || !aws.ToBool(d.DeleteMarker) || aws.ToString(d.VersionId) != dm {
		t.Fatalf("DELETE marker by id: %v %+v", err, d)
	}
	if body, _ := get(t, c, "vbkt", "k"); body != "v2" {
		t.Fatalf("after removing the marker GET = %q", body)
	}
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vbkt"), Key: aws.String("k"), VersionId: aws.String("bad id")})
	wantErr(t, err, "InvalidArgument", 400)
	// DeleteBucket counts versions.
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("vbkt")})
	wantErr(t, err, "BucketNotEmpty", 409)
	// ListObjectsV2 shows only current objects.
	lo, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("vbkt")})
	if err != nil || len(lo.Contents) != 3 {
		t.Fatalf("ListObjectsV2: %v %d", err, len(lo.Contents))
	}
	// Suspended: PUT answers version null.
	enableVersioning(t, c, "vbkt", types.BucketVersioningStatusSuspended)
	if p := put(t, c, "vbkt", "k", "s"); aws.ToString(p.VersionId) != "null" {
		t.Fatalf("suspended PUT version %q", aws.ToString(p.VersionId))
	}
}

// rawGet sends a signed GET (with versionId when set) and returns the reply.
func rawGet(t *testing.T, c *s3.Client, bucket, key, vid string) (*http.Response, []byte) {
	t.Helper()
	u := c.Options().BaseEndpoint
	url := aws.ToString(u) + "/" + bucket + "/" + key
	if vid != "" {
		url += "?versionId=" + vid
	}
	return do(t, signedRequest(t, http.MethodGet, url, nil, nil, "", "", "s3", nowUTC()))
}

func TestListObjectVersionsPaginator(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "vbkt")
	enableVersioning(t, c, "vbkt", types.BucketVersioningStatusEnabled)
	const keys, per = 30, 10
	for k := 0; k < keys; k++ {
		for v := 0; v < per; v++ {
			put(t, c, "vbkt", fmt.Sprintf("dir/key-%02d", k), fmt.Sprint(v))
		}
	}
	for k := 0; k < 3; k++ {
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vbkt"), Key: aws.String(fmt.Sprintf("dir/key-%02d", k))}); err != nil {
			t.Fatal(err)
		}
	}
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: aws.String("vbkt"), MaxKeys: aws.Int32(37)})
	var versions, markers, latest, pages int
	lastKey := ""
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, v := range out.Versions {
			if aws.ToString(v.Key) < lastKey {
				t.Fatalf("keys out of order: %s after %s", aws.ToString(v.Key), lastKey)
			}
			lastKey = aws.ToString(v.Key)
			versions++
			if aws.ToBool(v.IsLatest) {
				latest++
			}
			if aws.ToInt64(v.Size) != 1 || aws.ToString(v.ETag) == "" {
				t.Fatalf("version %+v", v)
			}
		}
		for _, m := range out.DeleteMarkers {
			markers++
			if !aws.ToBool(m.IsLatest) {
				t.Fatalf("marker of %s not latest", aws.ToString(m.Key))
			}
		}
	}
	if versions != keys*per || markers != 3 || latest != keys-3 || pages != (keys*per+3+36)/37 {
		t.Fatalf("versions %d markers %d latest %d pages %d", versions, markers, latest, pages)
	}
	// Delimiter and url encoding.
	out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("vbkt"), Delimiter: aws.String("/"), EncodingType: types.EncodingTypeUrl})
	if err != nil || len(out.CommonPrefixes) != 1 || aws.ToString(out.CommonPrefixes[0].Prefix) != "dir/" || len(out.Versions) != 0 {
		t.Fatalf("delimited listing: %v %+v", err, out)
	}
	_, err = c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("vbkt"), VersionIdMarker: aws.String("null")})
	wantErr(t, err, "InvalidArgument", 400)
	_, err = c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("nobucket")})
	wantErr(t, err, "NoSuchBucket", 404)
}

func TestDeleteObjectsWithVersions(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "vbkt")
	enableVersioning(t, c, "vbkt", types.BucketVersioningStatusEnabled)
	v1 := aws.ToString(put(t, c, "vbkt", "a", "1").VersionId)
	put(t, c, "vbkt", "a", "2")
	out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("vbkt"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("a"), VersionId: aws.String(v1)},
		{Key: aws.String("b")},
		{Key: aws.String("a"), VersionId: aws.String("garbage")},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 2 || len(out.Errors) != 1 || aws.ToString(out.Errors[0].Code) != "InvalidArgument" {
		t.Fatalf("DeleteObjects = %+v", out)
	}
	for _, d := range out.Deleted {
		switch aws.ToString(d.Key) {
		case "a":
			if aws.ToString(d.VersionId) != v1 || aws.ToBool(d.DeleteMarker) {
				t.Fatalf("deleted a = %+v", d)
			}
		case "b":
			if !aws.ToBool(d.DeleteMarker) || aws.ToString(d.DeleteMarkerVersionId) == "" {
				t.Fatalf("deleted b = %+v", d)
			}
		}
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("vbkt"), Key: aws.String("a"), VersionId: aws.String(v1)})
	wantErr(t, err, "NoSuchVersion", 404)
}
