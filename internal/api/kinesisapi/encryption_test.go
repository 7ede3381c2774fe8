package kinesisapi_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	kmssdk "github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/tarnhq/tarn/internal/server/servertest"
)

func firstRecords(t *testing.T, c *kinesis.Client, stream string) []types.Record {
	t.Helper()
	it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	return r.Records
}

// grepDataDir counts the files under dir and those that contain marker.
func grepDataDir(t *testing.T, dir string, marker []byte) (files, hits int) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files++
		if bytes.Contains(b, marker) {
			hits++
		}
		return nil
	})
	return files, hits
}

func TestStreamEncryption(t *testing.T) {
	srv, c := start(t, "on")
	create(t, c, "enc", 1)
	put := func(data string) *kinesis.PutRecordOutput {
		t.Helper()
		out, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("enc"), PartitionKey: aws.String("pk"), Data: []byte(data)})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if out := put("before-encryption"); out.EncryptionType != types.EncryptionTypeNone {
		t.Fatalf("plain PutRecord EncryptionType = %q", out.EncryptionType)
	}

	// Bad input changes nothing.
	_, err := c.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: aws.String("enc"), EncryptionType: "AES", KeyId: aws.String("alias/aws/kinesis")})
	wantAPIError(t, err, "ValidationException", "Member must satisfy enum value set: [NONE, KMS]")
	_, err = c.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: aws.String("enc"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/nope")})
	wantAPIError(t, err, "KMSNotFoundException", "alias/nope")
	_, err = c.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: aws.String("enc"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("1234abcd-0000-0000-0000-000000000000")})
	wantAPIError(t, err, "KMSNotFoundException", "")
	_, err = c.StopStreamEncryption(ctx, &kinesis.StopStreamEncryptionInput{StreamName: aws.String("enc"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")})
	wantAPIError(t, err, "InvalidArgumentException", "is not encrypted")
	_, err = c.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: aws.String("nope"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")})
	wantAPIError(t, err, "ResourceNotFoundException", "nope")

	if _, err := c.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: aws.String("enc"), EncryptionType: types.EncryptionTypeKms,
		KeyId: aws.String("alias/aws/kinesis")}); err != nil {
		t.Fatal(err)
	}
	sum, _ := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("enc")})
	if d := sum.StreamDescriptionSummary; d.StreamStatus != types.StreamStatusUpdating || d.EncryptionType != types.EncryptionTypeKms || aws.ToString(d.KeyId) != "alias/aws/kinesis" {
		t.Fatalf("summary after start: %s %s %s", d.StreamStatus, d.EncryptionType, aws.ToString(d.KeyId))
	}
	_, err = c.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: aws.String("enc"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")})
	wantAPIError(t, err, "ResourceInUseException", "UPDATING")
	waitActive(t, c, "enc")
	desc, _ := c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("enc")})
	if desc.StreamDescription.EncryptionType != types.EncryptionTypeKms || aws.ToString(desc.StreamDescription.KeyId) != "alias/aws/kinesis" {
		t.Fatalf("describe: %s %s", desc.StreamDescription.EncryptionType, aws.ToString(desc.StreamDescription.KeyId))
	}

	marker := "MARKER-plaintext-7f3a9c2e-never-on-disk"
	if out := put(marker); out.EncryptionType != types.EncryptionTypeKms {
		t.Fatalf("encrypted PutRecord EncryptionType = %q", out.EncryptionType)
	}
	pr, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("enc"), Records: []types.PutRecordsRequestEntry{
		{PartitionKey: aws.String("pk"), Data: []byte(marker + "-batch")}}})
	if err != nil || pr.EncryptionType != types.EncryptionTypeKms {
		t.Fatalf("PutRecords: %v %v", err, pr)
	}
	recs := firstRecords(t, c, "enc")
	if len(recs) != 3 || string(recs[0].Data) != "before-encryption" || recs[0].EncryptionType != types.EncryptionTypeNone ||
		string(recs[1].Data) != marker || recs[1].EncryptionType != types.EncryptionTypeKms || string(recs[2].Data) != marker+"-batch" {
		t.Fatalf("records: %+v", recs)
	}

	// A customer key: disabling it stops writes and reads with AWS's errors.
	kc := srv.KMS()
	key, err := kc.CreateKey(ctx, &kmssdk.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	create(t, c, "enc2", 1)
	if _, err := c.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: aws.String("enc2"), EncryptionType: types.EncryptionTypeKms,
		KeyId: key.KeyMetadata.Arn}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "enc2")
	if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("enc2"), PartitionKey: aws.String("pk"), Data: []byte(marker)}); err != nil {
		t.Fatal(err)
	}
	it, _ := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("enc2"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if _, err := kc.DisableKey(ctx, &kmssdk.DisableKeyInput{KeyId: key.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("enc2"), PartitionKey: aws.String("pk"), Data: []byte("x")})
	wantAPIError(t, err, "KMSDisabledException", "is disabled")
	_, err = c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("enc2"), Records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String("pk"), Data: []byte("x")}}})
	wantAPIError(t, err, "KMSDisabledException", "is disabled")
	_, err = c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	wantAPIError(t, err, "KMSDisabledException", "is disabled")
	kc.EnableKey(ctx, &kmssdk.EnableKeyInput{KeyId: key.KeyMetadata.KeyId})
	if _, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator}); err != nil {
		t.Fatal(err)
	}
	kc.ScheduleKeyDeletion(ctx, &kmssdk.ScheduleKeyDeletionInput{KeyId: key.KeyMetadata.KeyId, PendingWindowInDays: aws.Int32(7)})
	_, err = c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("enc2"), PartitionKey: aws.String("pk"), Data: []byte("x")})
	wantAPIError(t, err, "KMSInvalidStateException", "pending deletion")
	kc.CancelKeyDeletion(ctx, &kmssdk.CancelKeyDeletionInput{KeyId: key.KeyMetadata.KeyId})
	kc.EnableKey(ctx, &kmssdk.EnableKeyInput{KeyId: key.KeyMetadata.KeyId})

	// Stop: later records are plain, earlier ones stay encrypted and readable.
	if _, err := c.StopStreamEncryption(ctx, &kinesis.StopStreamEncryptionInput{StreamName: aws.String("enc"), EncryptionType: types.EncryptionTypeKms,
		KeyId: aws.String("alias/aws/kinesis")}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "enc")
	if out := put("after-stop"); out.EncryptionType != types.EncryptionTypeNone {
		t.Fatalf("PutRecord after stop EncryptionType = %q", out.EncryptionType)
	}
	recs = firstRecords(t, c, "enc")
	if len(recs) != 4 || string(recs[1].Data) != marker || recs[1].EncryptionType != types.EncryptionTypeKms || recs[3].EncryptionType != types.EncryptionTypeNone {
		t.Fatalf("records after stop: %+v", recs)
	}

	// The marker is nowhere on disk, and the sealed data keys survive a restart.
	srv.Stop(t)
	if n, hits := grepDataDir(t, srv.DataDir, []byte(marker)); n == 0 || hits != 0 {
		t.Fatalf("%d files under the data dir, %d hold the plaintext marker", n, hits)
	}
	if _, hits := grepDataDir(t, srv.DataDir, []byte("before-encryption")); hits == 0 {
		t.Fatal("the scan does not find a record written before encryption")
	}
	if strings.Contains(srv.DataDir, marker) {
		t.Fatal("marker in path")
	}
	srv2 := servertest.StartConfig(t, srv.Config)
	recs = firstRecords(t, srv2.Kinesis(), "enc")
	if len(recs) != 4 || string(recs[1].Data) != marker || string(recs[2].Data) != marker+"-batch" {
		t.Fatalf("records after restart: %+v", recs)
	}
}
