package s3api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tarnhq/tarn/internal/server/servertest"
)

func mkLockBucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatalf("CreateBucket %s with Object Lock: %v", name, err)
	}
}

func TestObjectLockConfiguration(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "plain")
	_, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String("plain")})
	wantErr(t, err, "ObjectLockConfigurationNotFoundError", 404)
	_, err = c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String("plain"),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled}})
	wantErr(t, err, "InvalidBucketState", 409)

	mkLockBucket(t, c, "locked")
	v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("locked")})
	if err != nil || v.Status != types.BucketVersioningStatusEnabled {
		t.Fatalf("lock bucket versioning %q (%v)", v.Status, err)
	}
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("locked"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
	wantErr(t, err, "InvalidBucketState", 409)
	g, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String("locked")})
	if err != nil || g.ObjectLockConfiguration.ObjectLockEnabled != types.ObjectLockEnabledEnabled || g.ObjectLockConfiguration.Rule != nil {
		t.Fatalf("GetObjectLockConfiguration: %v %+v", err, g)
	}
	putCfg := func(r *types.DefaultRetention) error {
		_, err := c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String("locked"),
			ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
				Rule: &types.ObjectLockRule{DefaultRetention: r}}})
		return err
	}
	wantErr(t, putCfg(&types.DefaultRetention{Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(1), Years: aws.Int32(1)}), "MalformedXML", 400)
	wantErr(t, putCfg(&types.DefaultRetention{Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(0)}), "InvalidArgument", 400)
	wantErr(t, putCfg(&types.DefaultRetention{Mode: types.ObjectLockRetentionModeGovernance, Years: aws.Int32(1000)}), "InvalidRetentionPeriod", 400)
	if err := putCfg(&types.DefaultRetention{Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(3)}); err != nil {
		t.Fatal(err)
	}
	g, err = c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String("locked")})
	if err != nil || g.ObjectLockConfiguration.Rule == nil || aws.ToInt32(g.ObjectLockConfiguration.Rule.DefaultRetention.Days) != 3 {
		t.Fatalf("GetObjectLockConfiguration: %v %+v", err, g)
	}
	// The default retention applies to new versions.
	p := put(t, c, "locked", "k", "data")
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("locked"), Key: aws.String("k")})
	if err != nil || h.ObjectLockMode != types.ObjectLockModeGovernance || h.ObjectLockRetainUntilDate == nil ||
		time.Until(*h.ObjectLockRetainUntilDate) < 71*time.Hour {
		t.Fatalf("HEAD lock headers: %v %+v", err, h)
	}
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("locked"), Key: aws.String("k"), VersionId: p.VersionId})
	wantErr(t, err, "AccessDenied", 403)
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("locked"), Key: aws.String("k"), VersionId: p.VersionId,
		BypassGovernanceRetention: aws.Bool(true)}); err != nil {
		t.Fatalf("delete with bypass: %v", err)
	}
}

func TestObjectRetentionAndLegalHold(t *testing.T) {
	_, c := setup(t)
	mkLockBucket(t, c, "locked")
	until := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	p := put(t, c, "locked", "k", "data", func(in *s3.PutObjectInput) {
		in.ObjectLockMode = types.ObjectLockModeCompliance
		in.ObjectLockRetainUntilDate = aws.Time(until)
		in.ObjectLockLegalHoldStatus = types.ObjectLockLegalHoldStatusOff
	})
	vid := p.VersionId
	g, _ := get(t, c, "locked", "k")
	_ = g
	_, go2 := get(t, c, "locked", "k")
	if go2.ObjectLockMode != types.ObjectLockModeCompliance || !go2.ObjectLockRetainUntilDate.Equal(until) || go2.ObjectLockLegalHoldStatus != types.ObjectLockLegalHoldStatusOff {
		t.Fatalf("GET lock headers: %+v", go2)
	}
	r, err := c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String("locked"), Key: aws.String("k"), VersionId: vid})
	if err != nil || r.Retention.Mode != types.ObjectLockRetentionModeCompliance || !r.Retention.RetainUntilDate.Equal(until) {
		t.Fatalf("GetObjectRetention: %v %+v", err, r)
	}
	setRet := func(mode types.ObjectLockRetentionMode, u time.Time, bypass bool) error {
		_, err := c.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: aws.String("locked"), Key: aws.String("k"), VersionId: vid,
			BypassGovernanceRetention: aws.Bool(bypass), Retention: &types.ObjectLockRetention{Mode: mode, RetainUntilDate: aws.Time(u)}})
		return err
	}
	wantErr(t, setRet(types.ObjectLockRetentionModeCompliance, until.Add(-time.Hour), true), "AccessDenied", 403)
	wantErr(t, setRet(types.ObjectLockRetentionModeGovernance, until.Add(time.Hour), true), "AccessDenied", 403)
	wantErr(t, setRet(types.ObjectLockRetentionModeCompliance, time.Now().Add(-time.Hour), false), "InvalidArgument", 400)
	if err := setRet(types.ObjectLockRetentionModeCompliance, until.Add(time.Hour), false); err != nil {
		t.Fatalf("extend COMPLIANCE: %v", err)
	}
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("locked"), Key: aws.String("k"), VersionId: vid, BypassGovernanceRetention: aws.Bool(true)})
	wantErr(t, err, "AccessDenied", 403)
	// Legal hold.
	_, err = c.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: aws.String("locked"), Key: aws.String("nokey")})
	wantErr(t, err, "NoSuchKey", 404)
	if _, err := c.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: aws.String("locked"), Key: aws.String("k"),
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOn}}); err != nil {
		t.Fatal(err)
	}
	lh, err := c.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: aws.String("locked"), Key: aws.String("k"), VersionId: vid})
	if err != nil || lh.LegalHold.Status != types.ObjectLockLegalHoldStatusOn {
		t.Fatalf("GetObjectLegalHold: %v %+v", err, lh)
	}
	// A version without retention or hold has no configuration.
	put(t, c, "locked", "free", "x")
	_, err = c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String("locked"), Key: aws.String("free")})
	wantErr(t, err, "NoSuchObjectLockConfiguration", 404)
	_, err = c.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: aws.String("locked"), Key: aws.String("free")})
	wantErr(t, err, "NoSuchObjectLockConfiguration", 404)
	// Object Lock on a bucket without it.
	mkBucket(t, c, "plain")
	put(t, c, "plain", "k", "x")
	_, err = c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String("plain"), Key: aws.String("k")})
	wantErr(t, err, "InvalidRequest", 400)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("plain"), Key: aws.String("k2"), Body: strings.NewReader("x"),
		ObjectLockLegalHoldStatus: types.ObjectLockLegalHoldStatusOn})
	wantErr(t, err, "InvalidRequest", 400)
	// Bad headers.
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("locked"), Key: aws.String("bad"), Body: strings.NewReader("x"),
		ObjectLockMode: types.ObjectLockModeGovernance})
	wantErr(t, err, "InvalidArgument", 400)
}

// unsignedPayloadRequest is a SigV4-signed request whose body is not
// (x-amz-content-sha256: UNSIGNED-PAYLOAD).
func unsignedPayloadRequest(t *testing.T, method, url string, body []byte, hdr http.Header) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	creds := aws.Credentials{AccessKeyID: servertest.AccessKey, SecretAccessKey: servertest.SecretKey}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

// TestObjectLockNeedsDigest: a PUT with lock headers and neither
// Content-MD5, a checksum nor a signed payload is refused, and creates
// nothing.
func TestObjectLockNeedsDigest(t *testing.T) {
	s, c := setup(t)
	mkLockBucket(t, c, "locked")
	hdr := http.Header{}
	hdr.Set("x-amz-object-lock-mode", "GOVERNANCE")
	hdr.Set("x-amz-object-lock-retain-until-date", time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	resp, b := do(t, unsignedPayloadRequest(t, http.MethodPut, "http://"+s.Addr()+"/locked/k", []byte("body"), hdr))
	if resp.StatusCode != 400 || xmlCode(b) != "InvalidRequest" {
		t.Fatalf("PUT without digest: %d %s", resp.StatusCode, b)
	}
	_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("locked"), Key: aws.String("k")})
	wantErr(t, err, "NotFound", 404)
	body := []byte(`<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2099-01-01T00:00:00Z</RetainUntilDate></Retention>`)
	put(t, c, "locked", "k", "x")
	resp, b = do(t, unsignedPayloadRequest(t, http.MethodPut, "http://"+s.Addr()+"/locked/k?retention", body, nil))
	if resp.StatusCode != 400 || xmlCode(b) != "InvalidRequest" {
		t.Fatalf("PutObjectRetention without digest: %d %s", resp.StatusCode, b)
	}
	hdr = http.Header{}
	hdr.Set("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==") // MD5 of nothing
	resp, b = do(t, unsignedPayloadRequest(t, http.MethodPut, "http://"+s.Addr()+"/locked/k?retention", body, hdr))
	if resp.StatusCode != 400 || xmlCode(b) != "BadDigest" {
		t.Fatalf("PutObjectRetention with a wrong MD5: %d %s", resp.StatusCode, b)
	}
}
