package kinesisapi_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/tarnhq/tarn/internal/config"
	"github.com/tarnhq/tarn/internal/server/servertest"
)

var ctx = context.Background()

func start(t *testing.T, limits string) (*servertest.Server, *kinesis.Client) {
	srv := servertest.Start(t, func(c *config.Config) {
		c.KinesisStateDelay = 100 * time.Millisecond
		c.KinesisLimits = limits
	})
	return srv, srv.Kinesis()
}

func waitActive(t *testing.T, c *kinesis.Client, name string) {
	t.Helper()
	for range 100 {
		out, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("stream %s never became ACTIVE", name)
}

func create(t *testing.T, c *kinesis.Client, name string, shards int32) {
	t.Helper()
	if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, name)
}

func wantAPIError(t *testing.T, err error, code, msgPart string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msgPart) {
		t.Fatalf("err = %s: %s; want %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), code, msgPart)
	}
}

func TestStreamAdmin(t *testing.T) {
	_, c := start(t, "on")
	_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("bad/name"), ShardCount: aws.Int32(1)})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value 'bad/name' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("s1"), ShardCount: aws.Int32(3)}); err != nil {
		t.Fatal(err)
	}
	sum, _ := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("s1")})
	if sum.StreamDescriptionSummary.StreamStatus != types.StreamStatusCreating {
		t.Fatalf("status right after create = %s", sum.StreamDescriptionSummary.StreamStatus)
	}
	_, err = c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("s1"), ShardCount: aws.Int32(1)})
	var inUse *types.ResourceInUseException
	if !errors.As(err, &inUse) {
		t.Fatalf("duplicate create: %v", err)
	}
	waitActive(t, c, "s1")
	if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("od"),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "od")

	ls, err := c.ListStreams(ctx, &kinesis.ListStreamsInput{Limit: aws.Int32(1)})
	if err != nil || len(ls.StreamNames) != 1 || !*ls.HasMoreStreams || ls.NextToken == nil {
		t.Fatalf("ListStreams page 1 = %+v, %v", ls, err)
	}
	ls2, err := c.ListStreams(ctx, &kinesis.ListStreamsInput{NextToken: ls.NextToken})
	if err != nil || len(ls2.StreamNames) != 1 || ls2.StreamNames[0] != "s1" || ls2.StreamSummaries[0].StreamModeDetails.StreamMode != types.StreamModeProvisioned {
		t.Fatalf("ListStreams page 2 = %+v, %v", ls2, err)
	}

	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/s1"
	d, err := c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamARN: aws.String(arn), Limit: aws.Int32(2)})
	if err != nil || len(d.StreamDescription.Shards) != 2 || !*d.StreamDescription.HasMoreShards || *d.StreamDescription.StreamARN != arn {
		t.Fatalf("DescribeStream = %+v, %v", d, err)
	}
	shards, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("s1"), MaxResults: aws.Int32(2)})
	if err != nil || len(shards.Shards) != 2 || shards.NextToken == nil {
		t.Fatalf("ListShards = %+v, %v", shards, err)
	}
	_, err = c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("s1"), NextToken: shards.NextToken})
	wantAPIError(t, err, "InvalidArgumentException", "NextToken and StreamName cannot be provided together.")
	more, err := c.ListShards(ctx, &kinesis.ListShardsInput{NextToken: shards.NextToken})
	if err != nil || len(more.Shards) != 1 || *more.Shards[0].ShardId != "shardId-000000000002" {
		t.Fatalf("ListShards page 2 = %+v, %v", more, err)
	}

	if _, err := c.AddTagsToStream(ctx, &kinesis.AddTagsToStreamInput{StreamName: aws.String("s1"), Tags: map[string]string{"team": "data", "env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagResource(ctx, &kinesis.TagResourceInput{ResourceARN: aws.String(arn), Tags: map[string]string{"x": "1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RemoveTagsFromStream(ctx, &kinesis.RemoveTagsFromStreamInput{StreamName: aws.String("s1"), TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForStream(ctx, &kinesis.ListTagsForStreamInput{StreamName: aws.String("s1"), Limit: aws.Int32(1)})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].Key != "team" || !*tags.HasMoreTags {
		t.Fatalf("ListTagsForStream = %+v, %v", tags, err)
	}
	if _, err := c.UntagResource(ctx, &kinesis.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	rt, err := c.ListTagsForResource(ctx, &kinesis.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
	if err != nil || len(rt.Tags) != 1 {
		t.Fatalf("ListTagsForResource = %+v, %v", rt, err)
	}

	_, err = c.DecreaseStreamRetentionPeriod(ctx, &kinesis.DecreaseStreamRetentionPeriodInput{StreamName: aws.String("s1"), RetentionPeriodHours: aws.Int32(48)})
	wantAPIError(t, err, "InvalidArgumentException", "can not be longer than existing retention period (24 hours)")
	if _, err := c.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("s1"), RetentionPeriodHours: aws.Int32(168)}); err != nil {
		t.Fatal(err)
	}
	mon, err := c.EnableEnhancedMonitoring(ctx, &kinesis.EnableEnhancedMonitoringInput{StreamName: aws.String("s1"), ShardLevelMetrics: []types.MetricsName{types.MetricsNameIncomingBytes}})
	if err != nil || len(mon.DesiredShardLevelMetrics) != 1 {
		t.Fatalf("EnableEnhancedMonitoring = %+v, %v", mon, err)
	}
	if _, err := c.DisableEnhancedMonitoring(ctx, &kinesis.DisableEnhancedMonitoringInput{StreamName: aws.String("s1"), ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}}); err != nil {
		t.Fatal(err)
	}
	sum, _ = c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("s1")})
	if *sum.StreamDescriptionSummary.RetentionPeriodHours != 168 || *sum.StreamDescriptionSummary.OpenShardCount != 3 {
		t.Fatalf("summary = %+v", sum.StreamDescriptionSummary)
	}
	lim, err := c.DescribeLimits(ctx, &kinesis.DescribeLimitsInput{})
	if err != nil || *lim.ShardLimit != 500 || *lim.OpenShardCount != 7 || *lim.OnDemandStreamCount != 1 {
		t.Fatalf("DescribeLimits = %+v, %v", lim, err)
	}
	if _, err := c.UpdateStreamMode(ctx, &kinesis.UpdateStreamModeInput{StreamARN: aws.String(arn),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "s1")
	_, err = c.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: aws.String("s1"), ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("10")})
	wantAPIError(t, err, "ValidationException", "ON_DEMAND")

	if _, err := c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String("s1")}); err != nil {
		t.Fatal(err)
	}
	sum, _ = c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("s1")})
	if sum.StreamDescriptionSummary.StreamStatus != types.StreamStatusDeleting {
		t.Fatalf("status after delete = %s", sum.StreamDescriptionSummary.StreamStatus)
	}
	time.Sleep(150 * time.Millisecond)
	_, err = c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("s1")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || !strings.Contains(*nf.Message, "Stream s1 under account 000000000000 not found.") {
		t.Fatalf("describe deleted: %v", err)
	}
}

func getAll(t *testing.T, c *kinesis.Client, stream, shard string) ([]types.Record, *kinesis.GetRecordsOutput) {
	t.Helper()
	it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: aws.String(shard), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	var out []types.Record
	iter := it.ShardIterator
	for {
		r, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(100)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r.Records...)
		if r.NextShardIterator == nil || len(r.Records) == 0 {
			return out, r
		}
		iter = r.NextShardIterator
	}
}

// kplRecord builds a KPL aggregated record: magic, protobuf
// AggregatedRecord, MD5 of the protobuf.
func kplRecord(keys []string, datas [][]byte) []byte {
	var pb []byte
	field := func(num int, b []byte) {
		pb = append(pb, byte(num<<3|2))
		pb = appendVarint(pb, uint64(len(b)))
		pb = append(pb, b...)
	}
	for _, k := range keys {
		field(1, []byte(k))
	}
	for i, d := range datas {
		var rec []byte
		rec = append(rec, 1<<3|0)
		rec = appendVarint(rec, uint64(i%len(keys)))
		rec = append(rec, 3<<3|2)
		rec = appendVarint(rec, uint64(len(d)))
		rec = append(rec, d...)
		field(3, rec)
	}
	sum := md5.Sum(pb)
	out := append([]byte{0xF3, 0x89, 0x9A, 0xC2}, pb...)
	return append(out, sum[:]...)
}

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func TestPutGet(t *testing.T) {
	_, c := start(t, "on")
	create(t, c, "s", 1)
	var seqs []string
	for i := range 20 {
		r, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String(fmt.Sprint(i)), Data: []byte(fmt.Sprintf("r%02d", i))})
		if err != nil {
			t.Fatal(err)
		}
		if *r.ShardId != "shardId-000000000000" || len(*r.SequenceNumber) != 56 {
			t.Fatalf("PutRecord = %s %s", *r.ShardId, *r.SequenceNumber)
		}
		seqs = append(seqs, *r.SequenceNumber)
	}
	agg := kplRecord([]string{"a", "b"}, [][]byte{[]byte("one"), []byte("two"), bytes.Repeat([]byte{0, 0xff}, 100)})
	if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("a"), Data: agg}); err != nil {
		t.Fatal(err)
	}
	recs, last := getAll(t, c, "s", "shardId-000000000000")
	if len(recs) != 21 || *last.MillisBehindLatest != 0 || last.NextShardIterator == nil {
		t.Fatalf("read %d records, last page %+v", len(recs), last)
	}
	for i, r := range recs[:20] {
		if *r.SequenceNumber != seqs[i] || string(r.Data) != fmt.Sprintf("r%02d", i) || r.ApproximateArrivalTimestamp == nil ||
			time.Since(*r.ApproximateArrivalTimestamp) > time.Minute {
			t.Fatalf("record %d = %+v", i, r)
		}
	}
	if !bytes.Equal(recs[20].Data, agg) {
		t.Fatal("KPL aggregated record changed in transit")
	}
	// AT_SEQUENCE_NUMBER and AT_TIMESTAMP.
	it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String(seqs[7])})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(1)})
	if len(r.Records) != 1 || *r.Records[0].SequenceNumber != seqs[7] || *r.MillisBehindLatest < 0 {
		t.Fatalf("AT_SEQUENCE_NUMBER = %+v", r)
	}
	it, err = c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(time.Now().Add(-time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	r, _ = c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(1)})
	if len(r.Records) != 1 || *r.Records[0].SequenceNumber != seqs[0] {
		t.Fatalf("AT_TIMESTAMP = %+v", r)
	}
	// Errors.
	_, err = c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String("shardId-000000000009"), ShardIteratorType: types.ShardIteratorTypeLatest})
	wantAPIError(t, err, "ResourceNotFoundException", "Shard shardId-000000000009 in stream s under account 000000000000 does not exist")
	_, err = c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String("bm90IGFuIGl0ZXJhdG9y")})
	wantAPIError(t, err, "InvalidArgumentException", "Invalid ShardIterator.")
	_, err = c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(10001)})
	wantAPIError(t, err, "ValidationException", "Member must have value less than or equal to 10000")
	_, err = c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("nope"), PartitionKey: aws.String("k"), Data: []byte("x")})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream nope under account 000000000000 not found.")
	_, err = c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: make([]byte, 1<<20+1)})
	wantAPIError(t, err, "ValidationException", "at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576")

	// PutRecords: per-record throughput failures under provisioned limits.
	entries := make([]types.PutRecordsRequestEntry, 500)
	for i := range entries {
		entries[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: make([]byte, 4000)}
	}
	pr, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: entries})
	if err != nil {
		t.Fatal(err)
	}
	if *pr.FailedRecordCount == 0 || *pr.FailedRecordCount == 500 || len(pr.Records) != 500 {
		t.Fatalf("FailedRecordCount = %d", *pr.FailedRecordCount)
	}
	for _, r := range pr.Records {
		if r.ErrorCode != nil && (*r.ErrorCode != "ProvisionedThroughputExceededException" || r.SequenceNumber != nil) {
			t.Fatalf("failed entry = %+v", r)
		}
	}
	_, err = c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: append(entries, entries[0])})
	wantAPIError(t, err, "ValidationException", "Member must have length less than or equal to 500")
}

func TestResharding(t *testing.T) {
	_, c := start(t, "off")
	create(t, c, "s", 2)
	n := 0
	put := func(k int) {
		entries := make([]types.PutRecordsRequestEntry, k)
		for i := range entries {
			entries[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprint(n % 13)), Data: []byte(fmt.Sprint(n))}
			n++
		}
		out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: entries})
		if err != nil || *out.FailedRecordCount != 0 {
			t.Fatalf("PutRecords: %v", err)
		}
	}
	put(100)
	if _, err := c.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: aws.String("s"), ShardToSplit: aws.String("shardId-000000000000"),
		NewStartingHashKey: aws.String("85070591730234615865843651857942052864")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: aws.String("s"), ShardToMerge: aws.String("shardId-000000000002"), AdjacentShardToMerge: aws.String("shardId-000000000003")})
	wantAPIError(t, err, "ResourceInUseException", "not ACTIVE, instead in state UPDATING")
	put(100)
	waitActive(t, c, "s")
	_, err = c.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: aws.String("s"), ShardToMerge: aws.String("shardId-000000000002"), AdjacentShardToMerge: aws.String("shardId-000000000001")})
	wantAPIError(t, err, "InvalidArgumentException", "are not an adjacent pair of shards eligible for merging")
	if _, err := c.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: aws.String("s"), ShardToMerge: aws.String("shardId-000000000003"), AdjacentShardToMerge: aws.String("shardId-000000000001")}); err != nil {
		t.Fatal(err)
	}
	put(100)
	waitActive(t, c, "s")
	us, err := c.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{StreamName: aws.String("s"), TargetShardCount: aws.Int32(4), ScalingType: types.ScalingTypeUniformScaling})
	if err != nil || *us.CurrentShardCount != 2 || *us.TargetShardCount != 4 {
		t.Fatalf("UpdateShardCount = %+v, %v", us, err)
	}
	put(100)
	open, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("s"), ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}})
	if err != nil || len(open.Shards) != 4 {
		t.Fatalf("open shards = %d, %v", len(open.Shards), err)
	}
	// A consumer that starts at the roots and follows ChildShards reads
	// every record exactly once, in order per partition key.
	all, _ := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("s")})
	queue := []string{}
	parents := map[string][]string{}
	for _, s := range all.Shards {
		if s.ParentShardId == nil {
			queue = append(queue, *s.ShardId)
		}
	}
	done := map[string]bool{}
	seen := map[int]bool{}
	lastByKey := map[string]int{}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if done[id] {
			continue
		}
		ready := true
		for _, p := range parents[id] {
			ready = ready && done[p]
		}
		if !ready {
			queue = append(queue, id)
			continue
		}
		recs, last := getAll(t, c, "s", id)
		for _, r := range recs {
			var v int
			fmt.Sscan(string(r.Data), &v)
			if seen[v] {
				t.Fatalf("record %d read twice", v)
			}
			seen[v] = true
			if p, ok := lastByKey[*r.PartitionKey]; ok && v <= p {
				t.Fatalf("key %s: %d after %d", *r.PartitionKey, v, p)
			}
			lastByKey[*r.PartitionKey] = v
		}
		done[id] = true
		if last.NextShardIterator == nil {
			if len(last.ChildShards) == 0 {
				t.Fatalf("closed shard %s ended without ChildShards", id)
			}
			for _, ch := range last.ChildShards {
				parents[*ch.ShardId] = ch.ParentShards
				queue = append(queue, *ch.ShardId)
			}
		}
	}
	if len(seen) != n {
		t.Fatalf("read %d distinct records, wrote %d", len(seen), n)
	}
}

func TestRestartKeepsData(t *testing.T) {
	srv, c := start(t, "off")
	create(t, c, "keep", 2)
	var want []string
	for i := range 50 {
		r, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("keep"), PartitionKey: aws.String("p"), Data: []byte(fmt.Sprint(i))})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, *r.SequenceNumber)
	}
	shard := "shardId-000000000000"
	if r, _ := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("keep"), PartitionKey: aws.String("p"), Data: []byte("x")}); *r.ShardId != shard {
		shard = *r.ShardId
	}
	srv.Stop(t)
	cfg := srv.Config
	srv2 := servertest.StartConfig(t, cfg)
	c2 := srv2.Kinesis()
	recs, _ := getAll(t, c2, "keep", shard)
	if len(recs) != 51 {
		t.Fatalf("after restart read %d records", len(recs))
	}
	for i, s := range want {
		if *recs[i].SequenceNumber != s {
			t.Fatalf("record %d: %s, want %s", i, *recs[i].SequenceNumber, s)
		}
	}
	r, err := c2.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("keep"), PartitionKey: aws.String("p"), Data: []byte("after")})
	if err != nil || *r.SequenceNumber <= want[len(want)-1] {
		t.Fatalf("put after restart: %v", err)
	}
}

func TestConsumers(t *testing.T) {
	_, c := start(t, "on")
	create(t, c, "s", 1)
	arn := aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/s")
	reg, err := c.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: arn, ConsumerName: aws.String("app")})
	if err != nil || reg.Consumer.ConsumerStatus != types.ConsumerStatusCreating || !strings.HasPrefix(*reg.Consumer.ConsumerARN, *arn+"/consumer/app:") {
		t.Fatalf("Register = %+v, %v", reg, err)
	}
	_, err = c.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: arn, ConsumerName: aws.String("app")})
	wantAPIError(t, err, "ResourceInUseException", "already exists")
	c.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: arn, ConsumerName: aws.String("b")})
	time.Sleep(120 * time.Millisecond)
	d, err := c.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: reg.Consumer.ConsumerARN})
	if err != nil || d.ConsumerDescription.ConsumerStatus != types.ConsumerStatusActive || *d.ConsumerDescription.StreamARN != *arn {
		t.Fatalf("Describe = %+v, %v", d, err)
	}
	l, err := c.ListStreamConsumers(ctx, &kinesis.ListStreamConsumersInput{StreamARN: arn, MaxResults: aws.Int32(1)})
	if err != nil || len(l.Consumers) != 1 || l.NextToken == nil {
		t.Fatalf("List = %+v, %v", l, err)
	}
	l, err = c.ListStreamConsumers(ctx, &kinesis.ListStreamConsumersInput{StreamARN: arn, NextToken: l.NextToken})
	if err != nil || len(l.Consumers) != 1 || *l.Consumers[0].ConsumerName != "b" {
		t.Fatalf("List page 2 = %+v, %v", l, err)
	}
	_, err = c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String("s")})
	wantAPIError(t, err, "ResourceInUseException", "has registered consumers")
	if _, err := c.DeregisterStreamConsumer(ctx, &kinesis.DeregisterStreamConsumerInput{StreamARN: arn, ConsumerName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(120 * time.Millisecond)
	_, err = c.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{StreamARN: arn, ConsumerName: aws.String("app")})
	wantAPIError(t, err, "ResourceNotFoundException", "Consumer app under stream s not found")
	if _, err := c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String("s"), EnforceConsumerDeletion: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
}
