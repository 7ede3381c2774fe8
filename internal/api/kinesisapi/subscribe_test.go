package kinesisapi_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// TestSubscribeToShard drives enhanced fan-out through the SDK's event
// stream reader: records written before and during the subscription arrive
// in order, ContinuationSequenceNumber tracks progress, and a second
// subscription within 5 s is refused.
func TestSubscribeToShard(t *testing.T) {
	_, c := start(t, "on")
	create(t, c, "fan", 1)
	arn := aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/fan")
	reg, err := c.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: arn, ConsumerName: aws.String("efo")})
	if err != nil {
		t.Fatal(err)
	}
	// Not ACTIVE yet: refused.
	_, err = c.SubscribeToShard(ctx, &kinesis.SubscribeToShardInput{ConsumerARN: reg.Consumer.ConsumerARN, ShardId: aws.String("shardId-000000000000"),
		StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon}})
	wantAPIError(t, err, "ResourceInUseException", "ACTIVE")
	for i := 0; ; i++ {
		d, err := c.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: reg.Consumer.ConsumerARN})
		if err == nil && d.ConsumerDescription.ConsumerStatus == types.ConsumerStatusActive {
			break
		}
		if i > 100 {
			t.Fatal("consumer never became ACTIVE")
		}
		time.Sleep(20 * time.Millisecond)
	}
	put := func(i int) {
		if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("fan"), PartitionKey: aws.String("k"),
			Data: []byte(fmt.Sprintf("rec-%03d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 5; i++ {
		put(i)
	}
	out, err := c.SubscribeToShard(ctx, &kinesis.SubscribeToShardInput{ConsumerARN: reg.Consumer.ConsumerARN, ShardId: aws.String("shardId-000000000000"),
		StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon}})
	if err != nil {
		t.Fatal(err)
	}
	stream := out.GetStream()
	defer stream.Close()
	// A second subscription within 5 s is refused.
	_, err = c.SubscribeToShard(ctx, &kinesis.SubscribeToShardInput{ConsumerARN: reg.Consumer.ConsumerARN, ShardId: aws.String("shardId-000000000000"),
		StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest}})
	wantAPIError(t, err, "ResourceInUseException", "Another active subscription")

	go func() {
		for i := 5; i < 20; i++ {
			put(i)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	var got []string
	var cont string
	deadline := time.After(10 * time.Second)
	for len(got) < 20 {
		select {
		case ev, ok := <-stream.Events():
			if !ok {
				t.Fatalf("stream closed after %d records: %v", len(got), stream.Err())
			}
			e, ok := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
			if !ok {
				t.Fatalf("unexpected event %T", ev)
			}
			for _, r := range e.Value.Records {
				got = append(got, string(r.Data))
			}
			cont = aws.ToString(e.Value.ContinuationSequenceNumber)
		case <-deadline:
			t.Fatalf("only %d records arrived: %v", len(got), got)
		}
	}
	for i, g := range got {
		if want := fmt.Sprintf("rec-%03d", i); g != want {
			t.Fatalf("record %d = %q, want %q", i, g, want)
		}
	}
	// The continuation number resumes exactly after the last record.
	it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("fan"), ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: types.ShardIteratorTypeAfterSequenceNumber, StartingSequenceNumber: aws.String(cont)})
	if err != nil {
		t.Fatal(err)
	}
	rest, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil || len(rest.Records) != 0 {
		t.Fatalf("after the continuation number: %d records, %v", len(rest.Records), err)
	}
}
