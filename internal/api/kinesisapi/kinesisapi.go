// Package kinesisapi is the Kinesis Data Streams front end: the AWS JSON 1.1
// protocol (X-Amz-Target Kinesis_20131202.*, JSON or CBOR bodies) over the
// streams engine. Handlers decode, call one engine method and encode;
// engine errors become AWS errors in one place, toAWSError.
package kinesisapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/awsproto/awsjson"
	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/streams"
)

// Prefix is the X-Amz-Target prefix of Kinesis.
const Prefix = "Kinesis_20131202"

// tokenLifetime is how long a ListShards/ListStreams NextToken lives.
const tokenLifetime = 300 * time.Second

type api struct {
	e   *streams.Engine
	now func() time.Time
}

// New returns the Kinesis service; now is the clock for NextToken expiry
// (nil means time.Now).
func New(e *streams.Engine, now func() time.Time) *awsjson.Service {
	if now == nil {
		now = time.Now
	}
	a := &api{e: e, now: now}
	s := &awsjson.Service{Name: "kinesis", Prefix: Prefix, Version: "1.1", MapError: toAWSError}
	s.Handle("CreateStream", awsjson.Op(a.createStream))
	s.Handle("DeleteStream", awsjson.Op(a.deleteStream))
	s.Handle("DescribeStream", awsjson.Op(a.describeStream))
	s.Handle("DescribeStreamSummary", awsjson.Op(a.describeStreamSummary))
	s.Handle("ListStreams", awsjson.Op(a.listStreams))
	s.Handle("ListShards", awsjson.Op(a.listShards))
	s.Handle("PutRecord", awsjson.Op(a.putRecord))
	s.Handle("PutRecords", a.fastPutRecords(awsjson.Op(a.putRecords)))
	s.Handle("GetShardIterator", awsjson.Op(a.getShardIterator))
	s.Handle("GetRecords", a.fastGetRecords(awsjson.Op(a.getRecords)))
	s.Handle("SplitShard", awsjson.Op(a.splitShard))
	s.Handle("MergeShards", awsjson.Op(a.mergeShards))
	s.Handle("UpdateShardCount", awsjson.Op(a.updateShardCount))
	s.Handle("UpdateStreamMode", awsjson.Op(a.updateStreamMode))
	s.Handle("IncreaseStreamRetentionPeriod", awsjson.Op(a.increaseRetention))
	s.Handle("DecreaseStreamRetentionPeriod", awsjson.Op(a.decreaseRetention))
	s.Handle("AddTagsToStream", awsjson.Op(a.addTags))
	s.Handle("RemoveTagsFromStream", awsjson.Op(a.removeTags))
	s.Handle("ListTagsForStream", awsjson.Op(a.listTags))
	s.Handle("TagResource", awsjson.Op(a.tagResource))
	s.Handle("UntagResource", awsjson.Op(a.untagResource))
	s.Handle("ListTagsForResource", awsjson.Op(a.listTagsForResource))
	s.Handle("DescribeLimits", awsjson.Op(a.describeLimits))
	s.Handle("EnableEnhancedMonitoring", awsjson.Op(a.enableMonitoring))
	s.Handle("DisableEnhancedMonitoring", awsjson.Op(a.disableMonitoring))
	s.Handle("RegisterStreamConsumer", awsjson.Op(a.registerConsumer))
	s.Handle("DescribeStreamConsumer", awsjson.Op(a.describeConsumer))
	s.Handle("DeregisterStreamConsumer", awsjson.Op(a.deregisterConsumer))
	s.Handle("ListStreamConsumers", awsjson.Op(a.listConsumers))
	s.Handle("SubscribeToShard", awsjson.Op(a.subscribeToShard))
	s.Handle("StartStreamEncryption", awsjson.Op(a.startEncryption))
	s.Handle("StopStreamEncryption", awsjson.Op(a.stopEncryption))
	s.Handle("PutResourcePolicy", awsjson.Op(a.putResourcePolicy))
	s.Handle("GetResourcePolicy", awsjson.Op(a.getResourcePolicy))
	s.Handle("DeleteResourcePolicy", awsjson.Op(a.deleteResourcePolicy))
	s.Handle("UpdateMaxRecordSize", awsjson.Op(a.updateMaxRecordSize))
	return s
}

// toAWSError maps an engine error to the wire: the engine's AWS code and
// message when it names one, otherwise a code derived from the Kind.
func toAWSError(err error) *awserr.Error {
	var e *errs.Error
	if !errorsAs(err, &e) {
		return awserr.New("InternalFailure")
	}
	if e.Code != "" {
		return awserr.New(e.Code, "%s", e.Msg)
	}
	switch e.Kind {
	case errs.NotExist:
		return awserr.New("ResourceNotFoundException", "%s", e.Msg)
	case errs.Invalid:
		return awserr.New("InvalidArgumentException", "%s", e.Msg)
	case errs.Conflict:
		return awserr.New("ResourceInUseException", "%s", e.Msg)
	}
	return awserr.New("InternalFailure")
}

type none struct{}

func validationError(value any, field, constraint string) *awserr.Error {
	return awserr.New("ValidationException", "1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: %s", value, field, constraint)
}

func checkLimit(l *int, field string, max int) (int, error) {
	if l == nil {
		return 0, nil
	}
	if *l < 1 {
		return 0, validationError(*l, field, "Member must have value greater than or equal to 1")
	}
	if *l > max {
		return 0, validationError(*l, field, "Member must have value less than or equal to "+itoa(max))
	}
	return *l, nil
}

func (a *api) createStream(ctx context.Context, in *createStreamIn) (*none, error) {
	n := 0
	if in.ShardCount != nil {
		n = *in.ShardCount
		if n < 1 {
			return nil, validationError(n, "shardCount", "Member must have value greater than or equal to 1")
		}
	}
	mode := ""
	if in.StreamModeDetails != nil {
		mode = in.StreamModeDetails.StreamMode
	}
	if in.ShardCount == nil && mode != streams.ModeOnDemand {
		return nil, awserr.New("InvalidArgumentException", "ShardCount is required for streams in PROVISIONED capacity mode.")
	}
	return nil, a.e.CreateStream(ctx, caller(ctx), in.StreamName, n, mode, in.Tags)
}

func (a *api) deleteStream(ctx context.Context, in *deleteStreamIn) (*none, error) {
	return nil, a.e.DeleteStream(ctx, caller(ctx), in.ref(), in.EnforceConsumerDeletion)
}

func metrics(list []string) []enhancedMetrics {
	if list == nil {
		list = []string{}
	}
	return []enhancedMetrics{{ShardLevelMetrics: list}}
}

func (a *api) describeStream(ctx context.Context, in *describeStreamIn) (*describeStreamOut, error) {
	limit, err := checkLimit(in.Limit, "limit", 10000)
	if err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = 100
	}
	d, err := a.e.DescribeStream(ctx, caller(ctx), in.ref())
	if err != nil {
		return nil, err
	}
	out := streamDescription{StreamName: d.Name, StreamARN: d.ARN, StreamStatus: d.Status, StreamModeDetails: streamModeDetails{d.Mode},
		RetentionPeriodHours: d.RetentionHours, StreamCreationTimestamp: awsjson.Timestamp{Time: d.Created},
		EnhancedMonitoring: metrics(d.ShardLevelMetrics), EncryptionType: d.EncryptionType, KeyId: d.KeyID, Shards: []shard{}}
	for _, s := range d.Shards {
		if in.ExclusiveStartShardId != "" && s.ID <= in.ExclusiveStartShardId {
			continue
		}
		if len(out.Shards) == limit {
			out.HasMoreShards = true
			break
		}
		out.Shards = append(out.Shards, toShard(s))
	}
	return &describeStreamOut{out}, nil
}

func (a *api) describeStreamSummary(ctx context.Context, in *streamRef) (*describeStreamSummaryOut, error) {
	d, err := a.e.DescribeStreamSummary(ctx, caller(ctx), in.ref())
	if err != nil {
		return nil, err
	}
	return &describeStreamSummaryOut{streamSummary{StreamName: d.Name, StreamARN: d.ARN, StreamStatus: d.Status,
		StreamModeDetails: streamModeDetails{d.Mode}, RetentionPeriodHours: d.RetentionHours,
		StreamCreationTimestamp: awsjson.Timestamp{Time: d.Created}, EnhancedMonitoring: metrics(d.ShardLevelMetrics),
		EncryptionType: d.EncryptionType, KeyId: d.KeyID, OpenShardCount: d.OpenShardCount, ConsumerCount: d.ConsumerCount,
		MaxRecordSizeInKiB: d.MaxRecordKiB}}, nil
}

// pageToken is the content of a NextToken: where the next page starts.
type pageToken struct {
	Stream string `json:"s,omitempty"`
	After  string `json:"a"`
	Issued int64  `json:"t"`
}

func (a *api) encodeToken(p pageToken) string {
	p.Issued = a.now().UnixMilli()
	b, _ := json.Marshal(p)
	return base64.StdEncoding.EncodeToString(b)
}

func (a *api) decodeToken(s string) (pageToken, error) {
	var p pageToken
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &p) != nil || p.Issued == 0 {
		return p, awserr.New("InvalidArgumentException", "Invalid NextToken.")
	}
	if a.now().Sub(time.UnixMilli(p.Issued)) > tokenLifetime {
		return p, awserr.New("ExpiredNextTokenException", "The timestamp of the NextToken (%d) has expired.", p.Issued)
	}
	return p, nil
}

func (a *api) listStreams(ctx context.Context, in *listStreamsIn) (*listStreamsOut, error) {
	limit, err := checkLimit(in.Limit, "limit", 10000)
	if err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = 100
	}
	after := in.ExclusiveStartStreamName
	if in.NextToken != "" {
		p, err := a.decodeToken(in.NextToken)
		if err != nil {
			return nil, err
		}
		after = p.After
	}
	list, err := a.e.ListStreams(ctx, caller(ctx))
	if err != nil {
		return nil, err
	}
	out := &listStreamsOut{StreamNames: []string{}, StreamSummaries: []streamListEntry{}}
	for _, d := range list {
		if after != "" && d.Name <= after {
			continue
		}
		if len(out.StreamNames) == limit {
			out.HasMoreStreams = true
			out.NextToken = a.encodeToken(pageToken{After: out.StreamNames[len(out.StreamNames)-1]})
			break
		}
		out.StreamNames = append(out.StreamNames, d.Name)
		out.StreamSummaries = append(out.StreamSummaries, streamListEntry{StreamName: d.Name, StreamARN: d.ARN, StreamStatus: d.Status,
			StreamModeDetails: streamModeDetails{d.Mode}, StreamCreationTimestamp: awsjson.Timestamp{Time: d.Created}})
	}
	return out, nil
}

func (a *api) listShards(ctx context.Context, in *listShardsIn) (*listShardsOut, error) {
	limit, err := checkLimit(in.MaxResults, "maxResults", 10000)
	if err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = 1000
	}
	ref, after := in.ref(), in.ExclusiveStartShardId
	if in.NextToken != "" {
		if in.StreamName != "" || in.StreamARN != "" {
			return nil, awserr.New("InvalidArgumentException", "NextToken and StreamName cannot be provided together.")
		}
		p, err := a.decodeToken(in.NextToken)
		if err != nil {
			return nil, err
		}
		ref, after = streams.Ref{Name: p.Stream}, p.After
		if strings.HasPrefix(p.Stream, "arn:") {
			ref = streams.Ref{ARN: p.Stream}
		}
	}
	var f streams.ShardFilter
	if in.ShardFilter != nil {
		f = streams.ShardFilter{Type: in.ShardFilter.Type, ShardID: in.ShardFilter.ShardId}
		if in.ShardFilter.Timestamp != nil {
			f.Timestamp = in.ShardFilter.Timestamp.Time
		}
	}
	list, err := a.e.ListShards(ctx, caller(ctx), ref, after, f)
	if err != nil {
		return nil, err
	}
	out := &listShardsOut{Shards: []shard{}}
	for _, s := range list {
		if len(out.Shards) == limit {
			// The token names the stream as the request did: by ARN, it
			// may be another account's.
			stream := ref.Name
			if stream == "" {
				stream = ref.ARN
			}
			out.NextToken = a.encodeToken(pageToken{Stream: stream, After: out.Shards[len(out.Shards)-1].ShardId})
			break
		}
		out.Shards = append(out.Shards, toShard(s))
	}
	return out, nil
}

func (a *api) putRecord(ctx context.Context, in *putRecordIn) (*putRecordOut, error) {
	r, err := a.e.PutRecord(ctx, caller(ctx), in.ref(), streams.PutEntry{PartitionKey: in.PartitionKey, ExplicitHashKey: in.ExplicitHashKey, Data: in.Data},
		in.SequenceNumberForOrdering)
	if err != nil {
		return nil, err
	}
	return &putRecordOut{ShardId: r.ShardID, SequenceNumber: r.SequenceNumber, EncryptionType: r.EncryptionType}, nil
}

func (a *api) putRecords(ctx context.Context, in *putRecordsIn) (*putRecordsOut, error) {
	entries := make([]streams.PutEntry, len(in.Records))
	for i, r := range in.Records {
		entries[i] = streams.PutEntry{PartitionKey: r.PartitionKey, ExplicitHashKey: r.ExplicitHashKey, Data: r.Data}
	}
	res, err := a.e.PutRecords(ctx, caller(ctx), in.ref(), entries)
	if err != nil {
		return nil, err
	}
	out := &putRecordsOut{Records: make([]putRecordsResult, len(res)), EncryptionType: streams.EncryptionNone}
	for i, r := range res {
		if r.EncryptionType == streams.EncryptionKMS {
			out.EncryptionType = streams.EncryptionKMS
		}
		if r.ErrorCode != "" {
			out.FailedRecordCount++
			out.Records[i] = putRecordsResult{ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorMessage}
			continue
		}
		out.Records[i] = putRecordsResult{SequenceNumber: r.SequenceNumber, ShardId: r.ShardID}
	}
	return out, nil
}

func (a *api) getShardIterator(ctx context.Context, in *getShardIteratorIn) (*getShardIteratorOut, error) {
	req := streams.IteratorRequest{Ref: in.ref(), ShardID: in.ShardId, Type: in.ShardIteratorType, SequenceNumber: in.StartingSequenceNumber}
	if in.Timestamp != nil {
		req.Timestamp = in.Timestamp.Time
	}
	it, err := a.e.GetShardIterator(ctx, caller(ctx), req)
	if err != nil {
		return nil, err
	}
	return &getShardIteratorOut{it}, nil
}

func (a *api) getRecords(ctx context.Context, in *getRecordsIn) (*getRecordsOut, error) {
	limit, err := checkLimit(in.Limit, "limit", streams.MaxGetRecordsLimit)
	if err != nil {
		return nil, err
	}
	r, err := a.e.GetRecords(ctx, caller(ctx), in.ShardIterator, limit)
	if err != nil {
		return nil, err
	}
	out := &getRecordsOut{Records: make([]record, len(r.Records)), MillisBehindLatest: r.MillisBehindLatest}
	for i, rec := range r.Records {
		out.Records[i] = record{SequenceNumber: rec.SequenceNumber, ApproximateArrivalTimestamp: awsjson.Timestamp{Time: rec.ArrivalTime},
			Data: rec.Data, PartitionKey: rec.PartitionKey, EncryptionType: rec.EncryptionType}
	}
	if r.NextShardIterator != "" {
		out.NextShardIterator = &r.NextShardIterator
	}
	for _, c := range r.ChildShards {
		out.ChildShards = append(out.ChildShards, childShard{ShardId: c.ShardID, ParentShards: c.ParentShards,
			HashKeyRange: hashKeyRange{c.HashKeyRange.Start.String(), c.HashKeyRange.End.String()}})
	}
	return out, nil
}

func (a *api) splitShard(ctx context.Context, in *splitShardIn) (*none, error) {
	return nil, a.e.SplitShard(ctx, caller(ctx), in.ref(), in.ShardToSplit, in.NewStartingHashKey)
}

func (a *api) mergeShards(ctx context.Context, in *mergeShardsIn) (*none, error) {
	return nil, a.e.MergeShards(ctx, caller(ctx), in.ref(), in.ShardToMerge, in.AdjacentShardToMerge)
}

func (a *api) updateShardCount(ctx context.Context, in *updateShardCountIn) (*updateShardCountOut, error) {
	cur, err := a.e.UpdateShardCount(ctx, caller(ctx), in.ref(), in.TargetShardCount, in.ScalingType)
	if err != nil {
		return nil, err
	}
	// The stream is the caller's (another account may not reshard it).
	ref := in.ref()
	name, arn := ref.Name, ref.ARN
	if name == "" {
		name = arn[strings.LastIndex(arn, "/")+1:]
	}
	if arn == "" {
		arn = a.e.ARN(caller(ctx), name)
	}
	return &updateShardCountOut{StreamName: name, StreamARN: arn, CurrentShardCount: cur, TargetShardCount: in.TargetShardCount}, nil
}

func (a *api) updateStreamMode(ctx context.Context, in *updateStreamModeIn) (*none, error) {
	return nil, a.e.UpdateStreamMode(ctx, caller(ctx), in.StreamARN, in.StreamModeDetails.StreamMode)
}

func (a *api) increaseRetention(ctx context.Context, in *retentionIn) (*none, error) {
	return nil, a.e.IncreaseRetention(ctx, caller(ctx), in.ref(), in.RetentionPeriodHours)
}

func (a *api) decreaseRetention(ctx context.Context, in *retentionIn) (*none, error) {
	return nil, a.e.DecreaseRetention(ctx, caller(ctx), in.ref(), in.RetentionPeriodHours)
}

func (a *api) addTags(ctx context.Context, in *addTagsIn) (*none, error) {
	if len(in.Tags) > 10 {
		return nil, validationError("{...}", "tags", "Member must have length less than or equal to 10")
	}
	return nil, a.e.AddTags(ctx, caller(ctx), in.ref(), in.Tags)
}

func (a *api) removeTags(ctx context.Context, in *removeTagsIn) (*none, error) {
	return nil, a.e.RemoveTags(ctx, caller(ctx), in.ref(), in.TagKeys)
}

func sortedTags(m map[string]string) []tag {
	out := make([]tag, 0, len(m))
	for k, v := range m {
		out = append(out, tag{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func (a *api) listTags(ctx context.Context, in *listTagsIn) (*listTagsOut, error) {
	limit, err := checkLimit(in.Limit, "limit", 50)
	if err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = 50
	}
	m, err := a.e.Tags(ctx, caller(ctx), in.ref())
	if err != nil {
		return nil, err
	}
	out := &listTagsOut{Tags: []tag{}}
	for _, t := range sortedTags(m) {
		if in.ExclusiveStartTagKey != "" && t.Key <= in.ExclusiveStartTagKey {
			continue
		}
		if len(out.Tags) == limit {
			out.HasMoreTags = true
			break
		}
		out.Tags = append(out.Tags, t)
	}
	return out, nil
}

func (a *api) tagResource(ctx context.Context, in *tagResourceIn) (*none, error) {
	return nil, a.e.TagResource(ctx, caller(ctx), in.ResourceARN, in.Tags)
}

func (a *api) untagResource(ctx context.Context, in *untagResourceIn) (*none, error) {
	return nil, a.e.UntagResource(ctx, caller(ctx), in.ResourceARN, in.TagKeys)
}

func (a *api) listTagsForResource(ctx context.Context, in *listTagsForResourceIn) (*listTagsForResourceOut, error) {
	m, err := a.e.ListTagsForResource(ctx, caller(ctx), in.ResourceARN)
	if err != nil {
		return nil, err
	}
	return &listTagsForResourceOut{sortedTags(m)}, nil
}

func (a *api) describeLimits(ctx context.Context, in *none) (*describeLimitsOut, error) {
	l, err := a.e.DescribeLimits(ctx, caller(ctx))
	if err != nil {
		return nil, err
	}
	return &describeLimitsOut{l.ShardLimit, l.OpenShardCount, l.OnDemandStreamCount, l.OnDemandStreamCountLimit}, nil
}

func (a *api) monitoring(ctx context.Context, in *monitoringIn, enable bool) (*monitoringOut, error) {
	name, before, after, err := a.e.SetMonitoring(ctx, caller(ctx), in.ref(), in.ShardLevelMetrics, enable)
	if err != nil {
		return nil, err
	}
	return &monitoringOut{StreamName: name, StreamARN: a.e.ARN(caller(ctx), name), CurrentShardLevelMetrics: before, DesiredShardLevelMetrics: after}, nil
}

func (a *api) enableMonitoring(ctx context.Context, in *monitoringIn) (*monitoringOut, error) {
	return a.monitoring(ctx, in, true)
}

func (a *api) disableMonitoring(ctx context.Context, in *monitoringIn) (*monitoringOut, error) {
	return a.monitoring(ctx, in, false)
}
