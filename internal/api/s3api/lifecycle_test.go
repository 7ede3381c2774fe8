package s3api_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tarnhq/tarn/internal/config"
	"github.com/tarnhq/tarn/internal/server/servertest"
)

func TestLifecycleConfigurationSDK(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "lcbucket")
	_, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("lcbucket")})
	wantErr(t, err, "NoSuchLifecycleConfiguration", http.StatusNotFound)
	rules := []types.LifecycleRule{{
		ID: aws.String("r1"), Status: types.ExpirationStatusEnabled,
		Filter: &types.LifecycleRuleFilter{And: &types.LifecycleRuleAndOperator{Prefix: aws.String("logs/"),
			Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}, ObjectSizeGreaterThan: aws.Int64(10)}},
		Transitions: []types.Transition{{Days: aws.Int32(30), StorageClass: types.TransitionStorageClassStandardIa},
			{Days: aws.Int32(90), StorageClass: types.TransitionStorageClassGlacier}},
		Expiration:                  &types.LifecycleExpiration{Days: aws.Int32(365)},
		NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(10), NewerNoncurrentVersions: aws.Int32(3)},
	}, {
		ID: aws.String("r2"), Status: types.ExpirationStatusDisabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
		AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(7)},
	}}
	out, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("lcbucket"),
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: rules}})
	if err != nil {
		t.Fatal(err)
	}
	if out.TransitionDefaultMinimumObjectSize != types.TransitionDefaultMinimumObjectSizeAllStorageClasses128k {
		t.Fatalf("min size %q", out.TransitionDefaultMinimumObjectSize)
	}
	got, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("lcbucket")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rules) != 2 || aws.ToString(got.Rules[0].Filter.And.Prefix) != "logs/" || len(got.Rules[0].Transitions) != 2 ||
		aws.ToInt32(got.Rules[0].NoncurrentVersionExpiration.NewerNoncurrentVersions) != 3 || got.Rules[1].AbortIncompleteMultipartUpload == nil {
		t.Fatalf("round trip: %+v", got.Rules)
	}
	// x-amz-expiration on PUT and HEAD.
	po := put(t, c, "lcbucket", "logs/x", strings.Repeat("x", 20), func(in *s3.PutObjectInput) { in.Tagging = aws.String("a=b") })
	if !strings.Contains(aws.ToString(po.Expiration), `rule-id="r1"`) {
		t.Fatalf("PUT x-amz-expiration %q", aws.ToString(po.Expiration))
	}
	ho, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("lcbucket"), Key: aws.String("logs/x")})
	if err != nil || !strings.HasPrefix(aws.ToString(ho.Expiration), `expiry-date="`) {
		t.Fatalf("HEAD x-amz-expiration %q %v", aws.ToString(ho.Expiration), err)
	}
	// Errors change nothing.
	bad := []struct {
		rule   types.LifecycleRule
		code   string
		status int
	}{
		{types.LifecycleRule{Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			Transitions: []types.Transition{{Days: aws.Int32(10), StorageClass: types.TransitionStorageClassStandardIa}}}, "InvalidArgument", 400},
		{types.LifecycleRule{Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(0)}}, "InvalidArgument", 400},
		{types.LifecycleRule{Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(3), Date: aws.Time(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))}}, "MalformedXML", 400},
		{types.LifecycleRule{Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")}}, "InvalidRequest", 400},
	}
	for _, b := range bad {
		_, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("lcbucket"),
			LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{b.rule}}})
		wantErr(t, err, b.code, b.status)
	}
	got, _ = c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("lcbucket")})
	if len(got.Rules) != 2 {
		t.Fatal("a rejected configuration replaced the stored one")
	}
	if _, err := c.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String("lcbucket")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("lcbucket")})
	wantErr(t, err, "NoSuchLifecycleConfiguration", http.StatusNotFound)
}

func TestIntelligentTieringConfigurationSDK(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "itbucket")
	_, err := c.GetBucketIntelligentTieringConfiguration(ctx, &s3.GetBucketIntelligentTieringConfigurationInput{Bucket: aws.String("itbucket"), Id: aws.String("a")})
	wantErr(t, err, "NoSuchConfiguration", http.StatusNotFound)
	cfg := &types.IntelligentTieringConfiguration{Id: aws.String("a"), Status: types.IntelligentTieringStatusEnabled,
		Filter:   &types.IntelligentTieringFilter{Prefix: aws.String("p/")},
		Tierings: []types.Tiering{{AccessTier: types.IntelligentTieringAccessTierArchiveAccess, Days: aws.Int32(90)}}}
	if _, err := c.PutBucketIntelligentTieringConfiguration(ctx, &s3.PutBucketIntelligentTieringConfigurationInput{Bucket: aws.String("itbucket"), Id: aws.String("a"), IntelligentTieringConfiguration: cfg}); err != nil {
		t.Fatal(err)
	}
	cfg.Tierings[0].Days = aws.Int32(10)
	_, err = c.PutBucketIntelligentTieringConfiguration(ctx, &s3.PutBucketIntelligentTieringConfigurationInput{Bucket: aws.String("itbucket"), Id: aws.String("a"), IntelligentTieringConfiguration: cfg})
	wantErr(t, err, "InvalidArgument", 400)
	g, err := c.GetBucketIntelligentTieringConfiguration(ctx, &s3.GetBucketIntelligentTieringConfigurationInput{Bucket: aws.String("itbucket"), Id: aws.String("a")})
	if err != nil || aws.ToInt32(g.IntelligentTieringConfiguration.Tierings[0].Days) != 90 {
		t.Fatalf("get: %v", err)
	}
	l, err := c.ListBucketIntelligentTieringConfigurations(ctx, &s3.ListBucketIntelligentTieringConfigurationsInput{Bucket: aws.String("itbucket")})
	if err != nil || len(l.IntelligentTieringConfigurationList) != 1 {
		t.Fatalf("list: %v", err)
	}
	if _, err := c.DeleteBucketIntelligentTieringConfiguration(ctx, &s3.DeleteBucketIntelligentTieringConfigurationInput{Bucket: aws.String("itbucket"), Id: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	// INTELLIGENT_TIERING objects show their class.
	put(t, c, "itbucket", "o", "data", func(in *s3.PutObjectInput) { in.StorageClass = types.StorageClassIntelligentTiering })
	ho, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("itbucket"), Key: aws.String("o")})
	if err != nil || ho.StorageClass != types.StorageClassIntelligentTiering {
		t.Fatalf("head: %v %q", err, ho.StorageClass)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLifecycleEndToEnd runs the real background engine with a 300 ms day:
// transitions move bytes into DATA/tiers/cold, GET needs a restore,
// noncurrent versions expire keeping NewerNoncurrentVersions, delete markers
// are cleaned and incomplete uploads aborted.
func TestLifecycleEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for lifecycle days")
	}
	s := servertest.Start(t, func(c *config.Config) { c.LifecycleDay = 300 * time.Millisecond; c.InlineLimit = 0 })
	c := s.S3()
	mkBucket(t, c, "e2e")
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("e2e"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("cold bytes ", 1000)
	for i := 0; i < 3; i++ {
		put(t, c, "e2e", "k", body)
	}
	put(t, c, "e2e", "dm/x", "x")
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("e2e"), Key: aws.String("dm/x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("e2e"), Key: aws.String("up")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("e2e"),
		TransitionDefaultMinimumObjectSize: types.TransitionDefaultMinimumObjectSizeVariesByStorageClass,
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{
			ID: aws.String("k"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("k")},
			Transitions:                 []types.Transition{{Days: aws.Int32(2), StorageClass: types.TransitionStorageClassGlacier}},
			NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1), NewerNoncurrentVersions: aws.Int32(1)},
		}, {
			ID: aws.String("dm"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("dm/")},
			Expiration:                  &types.LifecycleExpiration{ExpiredObjectDeleteMarker: aws.Bool(true)},
			NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1)},
		}, {
			ID: aws.String("up"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("up")},
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)},
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	coldDir := filepath.Join(s.DataDir, "tiers", "cold")
	waitFor(t, "transition to GLACIER", func() bool {
		ho, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("e2e"), Key: aws.String("k")})
		return err == nil && ho.StorageClass == types.StorageClassGlacier
	})
	files := 0
	filepath.Walk(coldDir, func(p string, fi os.FileInfo, err error) error {
		rel, _ := filepath.Rel(coldDir, p)
		if err == nil && !fi.IsDir() && !strings.HasPrefix(rel, "tmp") {
			files++
		}
		return nil
	})
	if files != 1 {
		t.Fatalf("%d blob files in %s, want 1", files, coldDir)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("e2e"), Key: aws.String("k")})
	wantErr(t, err, "InvalidObjectState", http.StatusForbidden)
	waitFor(t, "noncurrent expiration keeping 1", func() bool {
		v, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("e2e"), Prefix: aws.String("k")})
		return err == nil && len(v.Versions) == 2
	})
	waitFor(t, "delete marker cleanup", func() bool {
		v, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("e2e"), Prefix: aws.String("dm/")})
		return err == nil && len(v.Versions) == 0 && len(v.DeleteMarkers) == 0
	})
	waitFor(t, "upload abort", func() bool {
		u, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("e2e")})
		return err == nil && len(u.Uploads) == 0
	})
	// Restore.
	_, err = c.RestoreObject(ctx, &s3.RestoreObjectInput{Bucket: aws.String("e2e"), Key: aws.String("k"), RestoreRequest: &types.RestoreRequest{
		Days: aws.Int32(1), GlacierJobParameters: &types.GlacierJobParameters{Tier: types.TierExpedited}}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "restore", func() bool {
		ho, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("e2e"), Key: aws.String("k")})
		return err == nil && strings.HasPrefix(aws.ToString(ho.Restore), `ongoing-request="false"`)
	})
	g, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("e2e"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(g.Body)
	g.Body.Close()
	if string(b) != body {
		t.Fatal("restored bytes differ")
	}
}

func TestRestoreObjectSDKErrors(t *testing.T) {
	s := servertest.Start(t, func(c *config.Config) {
		c.RestoreDelays = []string{"Standard:1h"}
	})
	c := s.S3()
	mkBucket(t, c, "rbucket")
	put(t, c, "rbucket", "std", "x")
	put(t, c, "rbucket", "g", "x", func(in *s3.PutObjectInput) { in.StorageClass = types.StorageClassGlacier })
	rr := &types.RestoreRequest{Days: aws.Int32(1), GlacierJobParameters: &types.GlacierJobParameters{Tier: types.TierStandard}}
	_, err := c.RestoreObject(ctx, &s3.RestoreObjectInput{Bucket: aws.String("rbucket"), Key: aws.String("std"), RestoreRequest: rr})
	wantErr(t, err, "InvalidObjectState", http.StatusForbidden)
	if _, err := c.RestoreObject(ctx, &s3.RestoreObjectInput{Bucket: aws.String("rbucket"), Key: aws.String("g"), RestoreRequest: rr}); err != nil {
		t.Fatal(err)
	}
	_, err = c.RestoreObject(ctx, &s3.RestoreObjectInput{Bucket: aws.String("rbucket"), Key: aws.String("g"), RestoreRequest: rr})
	wantErr(t, err, "RestoreAlreadyInProgress", http.StatusConflict)
	ho, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("rbucket"), Key: aws.String("g")})
	if err != nil || aws.ToString(ho.Restore) != `ongoing-request="true"` || ho.StorageClass != types.StorageClassGlacier {
		t.Fatalf("head: %v %q", err, aws.ToString(ho.Restore))
	}
	l, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("rbucket")})
	if err != nil || l.Contents[0].StorageClass != types.ObjectStorageClassGlacier {
		t.Fatalf("list: %v", err)
	}
}
