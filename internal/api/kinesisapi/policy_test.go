package kinesisapi_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/tarnhq/tarn/internal/server/servertest"
)

func TestResourcePolicies(t *testing.T) {
	srv, c := start(t, "on")
	create(t, c, "pol", 1)
	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/pol"
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kinesis:GetRecords","Resource":"` + arn + `"}]}`

	got, err := c.GetResourcePolicy(ctx, &kinesis.GetResourcePolicyInput{ResourceARN: aws.String(arn)})
	if err != nil || aws.ToString(got.Policy) != "{}" {
		t.Fatalf("policy before any: %v %v", err, got)
	}
	for _, bad := range []struct{ doc, msg string }{
		{`not json`, "not a valid JSON object"},
		{`{"Statement":[]}`, "Version"},
		{`{"Version":"2012-10-17"}`, "Statement"},
		{`{"Version":"2012-10-17","Statement":"x"}`, "Statement must be"},
		{`{"Version":"2012-10-17","Statement":[],"Pad":"` + strings.Repeat("x", 20<<10) + `"}`, "exceeds the maximum"},
	} {
		_, err := c.PutResourcePolicy(ctx, &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(arn), Policy: aws.String(bad.doc)})
		wantAPIError(t, err, "InvalidArgumentException", bad.msg)
	}
	_, err = c.PutResourcePolicy(ctx, &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(arn + "x"), Policy: aws.String(policy)})
	wantAPIError(t, err, "ResourceNotFoundException", "polx")
	_, err = c.PutResourcePolicy(ctx, &kinesis.PutResourcePolicyInput{ResourceARN: aws.String("arn:aws:s3:::bucket"), Policy: aws.String(policy)})
	wantAPIError(t, err, "InvalidArgumentException", "Invalid ResourceARN")
	_, err = c.DeleteResourcePolicy(ctx, &kinesis.DeleteResourcePolicyInput{ResourceARN: aws.String(arn)})
	wantAPIError(t, err, "ResourceNotFoundException", "No resource policy")

	if _, err := c.PutResourcePolicy(ctx, &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(arn), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	reg, err := c.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("c1")})
	if err != nil {
		t.Fatal(err)
	}
	carn := aws.ToString(reg.Consumer.ConsumerARN)
	cpolicy := strings.ReplaceAll(policy, "GetRecords", "SubscribeToShard")
	if _, err := c.PutResourcePolicy(ctx, &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(carn), Policy: aws.String(cpolicy)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetResourcePolicy(ctx, &kinesis.GetResourcePolicyInput{ResourceARN: aws.String(arn + "/consumer/nope:1")})
	wantAPIError(t, err, "ResourceNotFoundException", "nope")

	// Durable: both survive a restart.
	srv.Stop(t)
	c = servertest.StartConfig(t, srv.Config).Kinesis()
	if got, err := c.GetResourcePolicy(ctx, &kinesis.GetResourcePolicyInput{ResourceARN: aws.String(arn)}); err != nil || aws.ToString(got.Policy) != policy {
		t.Fatalf("stream policy after restart: %v %v", err, got)
	}
	if got, err := c.GetResourcePolicy(ctx, &kinesis.GetResourcePolicyInput{ResourceARN: aws.String(carn)}); err != nil || aws.ToString(got.Policy) != cpolicy {
		t.Fatalf("consumer policy after restart: %v %v", err, got)
	}
	if _, err := c.DeleteResourcePolicy(ctx, &kinesis.DeleteResourcePolicyInput{ResourceARN: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.GetResourcePolicy(ctx, &kinesis.GetResourcePolicyInput{ResourceARN: aws.String(arn)}); aws.ToString(got.Policy) != "{}" {
		t.Fatalf("policy after delete: %v", aws.ToString(got.Policy))
	}
}

func TestUpdateMaxRecordSize(t *testing.T) {
	_, c := start(t, "off")
	create(t, c, "big", 1)
	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/big"
	twoMiB := bytes.Repeat([]byte("z"), 2<<20)
	_, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("big"), PartitionKey: aws.String("k"), Data: twoMiB})
	wantAPIError(t, err, "ValidationException", "Member must have length less than or equal to 1048576")

	for _, bad := range []int32{1023, 10241} {
		_, err := c.UpdateMaxRecordSize(ctx, &kinesis.UpdateMaxRecordSizeInput{StreamARN: aws.String(arn), MaxRecordSizeInKiB: aws.Int32(bad)})
		wantAPIError(t, err, "ValidationException", "maxRecordSizeInKiB")
	}
	_, err = c.UpdateMaxRecordSize(ctx, &kinesis.UpdateMaxRecordSizeInput{StreamARN: aws.String(arn + "x"), MaxRecordSizeInKiB: aws.Int32(4096)})
	wantAPIError(t, err, "ResourceNotFoundException", "bigx")
	if _, err := c.UpdateMaxRecordSize(ctx, &kinesis.UpdateMaxRecordSizeInput{StreamARN: aws.String(arn), MaxRecordSizeInKiB: aws.Int32(4096)}); err != nil {
		t.Fatal(err)
	}
	sum, _ := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("big")})
	if aws.ToInt32(sum.StreamDescriptionSummary.MaxRecordSizeInKiB) != 4096 {
		t.Fatalf("MaxRecordSizeInKiB = %v", sum.StreamDescriptionSummary.MaxRecordSizeInKiB)
	}
	if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("big"), PartitionKey: aws.String("k"), Data: twoMiB}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("big"), PartitionKey: aws.String("k"), Data: bytes.Repeat([]byte("z"), 4<<20+1)})
	wantAPIError(t, err, "ValidationException", "Member must have length less than or equal to 4194304")
	_, err = c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("big"), PartitionKey: aws.String("kk"), Data: bytes.Repeat([]byte("z"), 4<<20-1)})
	wantAPIError(t, err, "InvalidArgumentException", "Record size exceeds 4 MiB limit")
	// PutRecords: 10 MiB per request on a stream with large records.
	entries := func(n int) []types.PutRecordsRequestEntry {
		var out []types.PutRecordsRequestEntry
		for range n {
			out = append(out, types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: twoMiB})
		}
		return out
	}
	if out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("big"), Records: entries(4)}); err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
		t.Fatalf("8 MiB PutRecords: %v", err)
	}
	_, err = c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("big"), Records: entries(5)})
	wantAPIError(t, err, "InvalidArgumentException", "Records size exceeds 10 MB limit")
	recs, _ := getAll(t, c, "big", "shardId-000000000000")
	if len(recs) != 5 || !bytes.Equal(recs[0].Data, twoMiB) {
		t.Fatalf("read back %d records", len(recs))
	}
}
