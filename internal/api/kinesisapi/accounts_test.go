package kinesisapi_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/tarnhq/tarn/internal/server/servertest"
)

// TestStreamsPerAccount drives two tenant accounts and root through the
// SDK: each has its own stream names, ARNs carry the account, another
// account's stream is ResourceNotFoundException by name and
// AccessDeniedException by ARN, and all of it survives a restart.
func TestStreamsPerAccount(t *testing.T) {
	srv, root := start(t, "off")
	akA, skA := srv.CreateAccount(t, "team-a")
	akB, skB := srv.CreateAccount(t, "team-b")
	a, b := srv.KinesisAs(akA, skA), srv.KinesisAs(akB, skB)

	// The same name in each account.
	create(t, a, "events", 1)
	create(t, b, "events", 2)
	create(t, root, "events", 3)
	arn := func(c *kinesis.Client) string {
		t.Helper()
		s, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("events")})
		if err != nil {
			t.Fatal(err)
		}
		return *s.StreamDescriptionSummary.StreamARN
	}
	arnA, arnB, arnRoot := arn(a), arn(b), arn(root)
	acctA := strings.Split(arnA, ":")[4]
	acctB := strings.Split(arnB, ":")[4]
	if acctA == acctB || acctA == "000000000000" || arnRoot != "arn:aws:kinesis:us-east-1:000000000000:stream/events" ||
		arnA != "arn:aws:kinesis:us-east-1:"+acctA+":stream/events" {
		t.Fatalf("ARNs %s %s %s", arnA, arnB, arnRoot)
	}
	for c, want := range map[*kinesis.Client]int{a: 1, b: 2, root: 3} {
		if s, _ := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("events")}); int(*s.StreamDescriptionSummary.OpenShardCount) != want {
			t.Fatalf("%s has %d shards, want %d", *s.StreamDescriptionSummary.StreamARN, *s.StreamDescriptionSummary.OpenShardCount, want)
		}
	}

	// Records stay in their account's stream.
	if _, err := a.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("events"), PartitionKey: aws.String("k"), Data: []byte("from A")}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.PutRecords(ctx, &kinesis.PutRecordsInput{StreamARN: aws.String(arnB), Records: []types.PutRecordsRequestEntry{
		{PartitionKey: aws.String("k"), Data: []byte("from B")}}}); err != nil {
		t.Fatal(err)
	}
	if recs, _ := getAll(t, a, "events", "shardId-000000000000"); len(recs) != 1 || string(recs[0].Data) != "from A" {
		t.Fatalf("A reads %v", recs)
	}
	if recs, _ := getAll(t, root, "events", "shardId-000000000000"); len(recs) != 0 {
		t.Fatalf("root reads %d records it did not write", len(recs))
	}

	// Another account's stream: not found by name, denied by ARN (whether
	// or not it exists), for the data plane and the control plane alike.
	create(t, a, "only-a", 1)
	_, err := b.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("only-a")})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream only-a under account "+acctB+" not found.")
	_, err = b.PutRecord(ctx, &kinesis.PutRecordInput{StreamARN: aws.String(arnA), PartitionKey: aws.String("k"), Data: []byte("x")})
	wantAPIError(t, err, "AccessDeniedException", "User: arn:aws:iam::"+acctB+":root is not authorized to perform: kinesis:PutRecord on resource: "+arnA)
	_, err = b.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:" + acctA + ":stream/nope")})
	wantAPIError(t, err, "AccessDeniedException", "")
	_, err = root.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamARN: aws.String(arnA)})
	wantAPIError(t, err, "AccessDeniedException", "")
	_, err = b.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamARN: aws.String(arnA), ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	wantAPIError(t, err, "AccessDeniedException", "")
	it, err := a.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("events"), ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	wantAPIError(t, err, "AccessDeniedException", "")
	_, err = b.ListTagsForResource(ctx, &kinesis.ListTagsForResourceInput{ResourceARN: aws.String(arnA)})
	wantAPIError(t, err, "AccessDeniedException", "")
	_, err = b.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(arnA), ConsumerName: aws.String("spy")})
	wantAPIError(t, err, "AccessDeniedException", "")

	// Consumers are the account's, with its id in their ARN.
	rc, err := b.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(arnB), ConsumerName: aws.String("c")})
	if err != nil || !strings.HasPrefix(*rc.Consumer.ConsumerARN, arnB+"/consumer/c:") {
		t.Fatalf("consumer %v %v", rc, err)
	}
	_, err = a.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: rc.Consumer.ConsumerARN})
	wantAPIError(t, err, "AccessDeniedException", "")

	// Encryption uses the account's own KMS keys (alias/aws/kinesis is
	// created in B's account).
	if _, err := b.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: aws.String("events"), EncryptionType: types.EncryptionTypeKms,
		KeyId: aws.String("alias/aws/kinesis")}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, b, "events")
	if out, err := b.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("events"), PartitionKey: aws.String("k"), Data: []byte("sealed")}); err != nil || out.EncryptionType != types.EncryptionTypeKms {
		t.Fatalf("encrypted put in B: %v %v", out, err)
	}

	// Listing and limits are per account.
	la, _ := a.ListStreams(ctx, &kinesis.ListStreamsInput{})
	lb, _ := b.ListStreams(ctx, &kinesis.ListStreamsInput{})
	if strings.Join(la.StreamNames, ",") != "events,only-a" || strings.Join(lb.StreamNames, ",") != "events" {
		t.Fatalf("A lists %v, B lists %v", la.StreamNames, lb.StreamNames)
	}
	if l, _ := b.DescribeLimits(ctx, &kinesis.DescribeLimitsInput{}); *l.OpenShardCount != 2 {
		t.Fatalf("B's open shards %d", *l.OpenShardCount)
	}

	// After a restart every account still has its own streams and records.
	srv.Stop(t)
	srv2 := servertest.StartConfig(t, srv.Config)
	a2, b2 := srv2.KinesisAs(akA, skA), srv2.KinesisAs(akB, skB)
	if recs, _ := getAll(t, a2, "events", "shardId-000000000000"); len(recs) != 1 || string(recs[0].Data) != "from A" {
		t.Fatalf("A after restart reads %v", recs)
	}
	var fromB []string
	for _, sh := range []string{"shardId-000000000000", "shardId-000000000001"} {
		recs, _ := getAll(t, b2, "events", sh)
		for _, r := range recs {
			fromB = append(fromB, string(r.Data))
		}
	}
	if strings.Join(fromB, ",") != "from B,sealed" && strings.Join(fromB, ",") != "sealed,from B" {
		t.Fatalf("B after restart reads %v", fromB)
	}
	_, err = b2.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("only-a")})
	wantAPIError(t, err, "ResourceNotFoundException", "")
}
