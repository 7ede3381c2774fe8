package kinesisapi_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/tarnhq/tarn/internal/server/servertest"
)

func policyDoc(statements ...string) *string {
	return aws.String(`{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`)
}

// allow is a statement letting account perform actions (a JSON string or
// list) on resource.
func allow(account, actions, resource string) string {
	return fmt.Sprintf(`{"Effect":"Allow","Principal":{"AWS":"%s"},"Action":%s,"Resource":"%s"}`, account, actions, resource)
}

func accountOf(arn string) string { return strings.Split(arn, ":")[4] }

// readAllByARN reads every record of shard 0 of a stream by its ARN.
func readAllByARN(t *testing.T, c *kinesis.Client, arn string) ([]string, error) {
	t.Helper()
	it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamARN: aws.String(arn), ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		return nil, err
	}
	out, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator, StreamARN: aws.String(arn)})
	if err != nil {
		return nil, err
	}
	var got []string
	for _, r := range out.Records {
		got = append(got, string(r.Data))
	}
	return got, nil
}

// TestCrossAccountAccess drives resource policies through the SDK with two
// tenant accounts: A owns a stream and a consumer, B reads them by ARN
// once A's policies allow it, and all of it survives a restart.
func TestCrossAccountAccess(t *testing.T) {
	srv, _ := start(t, "off")
	akA, skA := srv.CreateAccount(t, "owner")
	akB, skB := srv.CreateAccount(t, "reader")
	a, b := srv.KinesisAs(akA, skA), srv.KinesisAs(akB, skB)
	create(t, a, "shared", 2)
	sum, err := a.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("shared")})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(sum.StreamDescriptionSummary.StreamARN)
	if _, err := a.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("shared"), PartitionKey: aws.String("k"),
		ExplicitHashKey: aws.String("0"), Data: []byte("from A")}); err != nil {
		t.Fatal(err)
	}
	// B's account id: from an ARN of one of its streams.
	create(t, b, "mine", 1)
	bs, _ := b.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("mine")})
	acctA, acctB := accountOf(arn), accountOf(aws.ToString(bs.StreamDescriptionSummary.StreamARN))

	// No policy: B is denied by ARN, in AWS's words.
	_, err = b.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamARN: aws.String(arn)})
	wantAPIError(t, err, "AccessDeniedException", "User: arn:aws:iam::"+acctB+":root is not authorized to perform: kinesis:DescribeStreamSummary on resource: "+arn+
		" because no resource-based policy allows the kinesis:DescribeStreamSummary action")
	_, err = readAllByARN(t, b, arn)
	wantAPIError(t, err, "AccessDeniedException", "kinesis:GetShardIterator")

	// Validation of the policy.
	for _, bad := range []struct{ doc, msg string }{
		{allow(acctB, `"kinesis:CreateStream"`, arn), "action kinesis:CreateStream cannot be granted by the resource policy of a stream"},
		{allow(acctB, `"kinesis:SubscribeToShard"`, arn), "cannot be granted by the resource policy of a stream"},
		{allow(acctB, `"kinesis:GetRecords"`, "arn:aws:s3:::b"), "is not a Kinesis resource"},
		{allow("someone", `"kinesis:GetRecords"`, arn), `invalid principal "someone"`},
		{`{"Effect":"Allow","Principal":"*","Action":"kinesis:GetRecords"}`, "missing required field Resource"},
	} {
		_, err := a.PutResourcePolicy(ctx, &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(arn), Policy: policyDoc(bad.doc)})
		wantAPIError(t, err, "InvalidArgumentException", bad.msg)
	}

	// A lets B read: B describes, lists shards (paging by token), reads by
	// ARN; it may not write, and by name it still sees only its own streams.
	read := `["kinesis:GetRecords","kinesis:GetShardIterator","kinesis:DescribeStreamSummary","kinesis:ListShards"]`
	if _, err := a.PutResourcePolicy(ctx, &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(arn), Policy: policyDoc(allow(acctB, read, arn))}); err != nil {
		t.Fatal(err)
	}
	if got, err := b.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamARN: aws.String(arn)}); err != nil ||
		aws.ToInt32(got.StreamDescriptionSummary.OpenShardCount) != 2 {
		t.Fatalf("B describes A's stream: %v, %v", got, err)
	}
	page, err := b.ListShards(ctx, &kinesis.ListShardsInput{StreamARN: aws.String(arn), MaxResults: aws.Int32(1)})
	if err != nil || len(page.Shards) != 1 || page.NextToken == nil {
		t.Fatalf("B's first page of shards: %v, %v", page, err)
	}
	page2, err := b.ListShards(ctx, &kinesis.ListShardsInput{NextToken: page.NextToken})
	if err != nil || len(page2.Shards) != 1 || aws.ToString(page2.Shards[0].ShardId) != "shardId-000000000001" {
		t.Fatalf("B's second page of A's shards: %v, %v", page2, err)
	}
	if got, err := readAllByARN(t, b, arn); err != nil || len(got) != 1 || got[0] != "from A" {
		t.Fatalf("B reads %v, %v", got, err)
	}
	_, err = b.PutRecords(ctx, &kinesis.PutRecordsInput{StreamARN: aws.String(arn), Records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String("k"), Data: []byte("x")}}})
	wantAPIError(t, err, "AccessDeniedException", "kinesis:PutRecords on resource: "+arn)
	_, err = b.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamARN: aws.String(arn)})
	wantAPIError(t, err, "AccessDeniedException", "kinesis:DescribeStream ")
	_, err = b.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("shared")})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream shared under account "+acctB+" not found.")
	_, err = b.GetResourcePolicy(ctx, &kinesis.GetResourcePolicyInput{ResourceARN: aws.String(arn)})
	wantAPIError(t, err, "AccessDeniedException", "")

	// Wildcards, case-insensitive: B writes too, into A's stream.
	wild := allow(acctB, `["kinesis:put*","kinesis:Get*","kinesis:List*","kinesis:Describe*"]`, "arn:aws:kinesis:*:"+acctA+":stream/*")
	if _, err := a.PutResourcePolicy(ctx, &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(arn), Policy: policyDoc(wild)}); err != nil {
		t.Fatal(err)
	}
	if out, err := b.PutRecords(ctx, &kinesis.PutRecordsInput{StreamARN: aws.String(arn), Records: []types.PutRecordsRequestEntry{
		{PartitionKey: aws.String("k"), ExplicitHashKey: aws.String("1"), Data: []byte("from B")}}}); err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
		t.Fatalf("B writes: %v, %v", out, err)
	}
	if recs, _ := getAll(t, a, "shared", "shardId-000000000000"); len(recs) != 2 || string(recs[1].Data) != "from B" {
		t.Fatalf("A reads %d records", len(recs))
	}
	_, err = b.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamARN: aws.String(arn)})
	wantAPIError(t, err, "AccessDeniedException", "kinesis:DeleteStream")

	// A Deny for the owner denies the owner; the owner still manages the policy.
	deny := fmt.Sprintf(`{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"kinesis:PutRecord*","Resource":"%s"}`, acctA, arn)
	if _, err := a.PutResourcePolicy(ctx, &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(arn), Policy: policyDoc(wild, deny)}); err != nil {
		t.Fatal(err)
	}
	_, err = a.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("shared"), PartitionKey: aws.String("k"), Data: []byte("x")})
	wantAPIError(t, err, "AccessDeniedException", "User: arn:aws:iam::"+acctA+":root is not authorized to perform: kinesis:PutRecord on resource: "+arn+" with an explicit deny in a resource-based policy")
	if _, err := b.PutRecord(ctx, &kinesis.PutRecordInput{StreamARN: aws.String(arn), PartitionKey: aws.String("k"), ExplicitHashKey: aws.String("2"), Data: []byte("B again")}); err != nil {
		t.Fatalf("B is not denied: %v", err)
	}

	// Enhanced fan-out across accounts: the consumer's own policy decides.
	reg, err := a.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("b-efo"),
		Tags: map[string]string{"team": "b"}})
	if err != nil {
		t.Fatal(err)
	}
	carn := aws.ToString(reg.Consumer.ConsumerARN)
	waitConsumer(t, a, carn)
	subscribe := func(c *kinesis.Client) (*kinesis.SubscribeToShardOutput, error) {
		return c.SubscribeToShard(ctx, &kinesis.SubscribeToShardInput{ConsumerARN: aws.String(carn), ShardId: aws.String("shardId-000000000000"),
			StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon}})
	}
	_, err = subscribe(b)
	wantAPIError(t, err, "AccessDeniedException", "kinesis:SubscribeToShard on resource: "+carn)
	_, err = a.PutResourcePolicy(ctx, &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(carn), Policy: policyDoc(allow(acctB, `"kinesis:GetRecords"`, carn))})
	wantAPIError(t, err, "InvalidArgumentException", "cannot be granted by the resource policy of a consumer")
	if _, err := a.PutResourcePolicy(ctx, &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(carn),
		Policy: policyDoc(allow(acctB, `["kinesis:SubscribeToShard","kinesis:DescribeStreamConsumer"]`, arn+"/consumer/b-efo:*"))}); err != nil {
		t.Fatal(err)
	}
	if d, err := b.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(carn)}); err != nil ||
		aws.ToString(d.ConsumerDescription.StreamARN) != arn {
		t.Fatalf("B describes the consumer: %v, %v", d, err)
	}
	out, err := subscribe(b)
	if err != nil {
		t.Fatal(err)
	}
	got := firstEvent(t, out)
	out.GetStream().Close()
	if strings.Join(got, ",") != "from A,from B,B again" {
		t.Fatalf("B's subscription delivered %v", got)
	}

	// Consumer tags: RegisterStreamConsumer's, then Tag/Untag/ListTagsForResource.
	if _, err := a.TagResource(ctx, &kinesis.TagResourceInput{ResourceARN: aws.String(carn), Tags: map[string]string{"env": "prod"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UntagResource(ctx, &kinesis.UntagResourceInput{ResourceARN: aws.String(carn), TagKeys: []string{"nope"}}); err != nil {
		t.Fatal(err)
	}
	if tags := tagsOf(t, a, carn); tags != "env=prod,team=b" {
		t.Fatalf("consumer tags %s", tags)
	}
	_, err = b.TagResource(ctx, &kinesis.TagResourceInput{ResourceARN: aws.String(carn), Tags: map[string]string{"x": "y"}})
	wantAPIError(t, err, "AccessDeniedException", "kinesis:TagResource")

	// Everything survives a restart.
	srv.Stop(t)
	srv2 := servertest.StartConfig(t, srv.Config)
	a2, b2 := srv2.KinesisAs(akA, skA), srv2.KinesisAs(akB, skB)
	if got, err := readAllByARN(t, b2, arn); err != nil || len(got) != 3 {
		t.Fatalf("B reads after restart: %v, %v", got, err)
	}
	_, err = a2.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("shared"), PartitionKey: aws.String("k"), Data: []byte("x")})
	wantAPIError(t, err, "AccessDeniedException", "explicit deny")
	if _, err := b2.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(carn)}); err != nil {
		t.Fatalf("consumer policy after restart: %v", err)
	}
	if tags := tagsOf(t, a2, carn); tags != "env=prod,team=b" {
		t.Fatalf("consumer tags after restart %s", tags)
	}
	// Deleting the policy ends B's access.
	if _, err := a2.DeleteResourcePolicy(ctx, &kinesis.DeleteResourcePolicyInput{ResourceARN: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = readAllByARN(t, b2, arn)
	wantAPIError(t, err, "AccessDeniedException", "")
}

func waitConsumer(t *testing.T, c *kinesis.Client, carn string) {
	t.Helper()
	for range 100 {
		d, err := c.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(carn)})
		if err == nil && d.ConsumerDescription.ConsumerStatus == types.ConsumerStatusActive {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("consumer never became ACTIVE")
}

// firstEvent returns the records of the first event with records.
func firstEvent(t *testing.T, out *kinesis.SubscribeToShardOutput) []string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-out.GetStream().Events():
			if !ok {
				t.Fatalf("stream closed: %v", out.GetStream().Err())
			}
			e, ok := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
			if !ok {
				t.Fatalf("unexpected event %T", ev)
			}
			if len(e.Value.Records) == 0 {
				continue
			}
			var got []string
			for _, r := range e.Value.Records {
				got = append(got, string(r.Data))
			}
			return got
		case <-deadline:
			t.Fatal("no event with records")
		}
	}
}

func tagsOf(t *testing.T, c *kinesis.Client, arn string) string {
	t.Helper()
	out, err := c.ListTagsForResource(ctx, &kinesis.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	var kv []string
	for _, tg := range out.Tags {
		kv = append(kv, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
	}
	sort.Strings(kv)
	return strings.Join(kv, ",")
}
