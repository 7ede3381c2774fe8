package kinesisapi

import (
	"github.com/tarnhq/tarn/internal/awsproto/awsjson"
	"github.com/tarnhq/tarn/internal/streams"
)

// Wire shapes of Kinesis_20131202, named as in the AWS model. The same
// structs serve JSON and CBOR bodies.

type streamRef struct {
	StreamName string `json:"StreamName,omitempty"`
	StreamARN  string `json:"StreamARN,omitempty"`
}

func (r streamRef) ref() streams.Ref { return streams.Ref{Name: r.StreamName, ARN: r.StreamARN} }

type hashKeyRange struct {
	StartingHashKey string `json:"StartingHashKey"`
	EndingHashKey   string `json:"EndingHashKey"`
}

type sequenceNumberRange struct {
	StartingSequenceNumber string `json:"StartingSequenceNumber"`
	EndingSequenceNumber   string `json:"EndingSequenceNumber,omitempty"`
}

type shard struct {
	ShardId               string              `json:"ShardId"`
	ParentShardId         string              `json:"ParentShardId,omitempty"`
	AdjacentParentShardId string              `json:"AdjacentParentShardId,omitempty"`
	HashKeyRange          hashKeyRange        `json:"HashKeyRange"`
	SequenceNumberRange   sequenceNumberRange `json:"SequenceNumberRange"`
}

func toShard(s streams.Shard) shard {
	return shard{ShardId: s.ID, ParentShardId: s.ParentShardID, AdjacentParentShardId: s.AdjacentParentShardID,
		HashKeyRange:        hashKeyRange{s.HashKeyRange.Start.String(), s.HashKeyRange.End.String()},
		SequenceNumberRange: sequenceNumberRange{s.StartingSequence, s.EndingSequence}}
}

type streamModeDetails struct {
	StreamMode string `json:"StreamMode"`
}

type enhancedMetrics struct {
	ShardLevelMetrics []string `json:"ShardLevelMetrics"`
}

type createStreamIn struct {
	StreamName        string             `json:"StreamName"`
	ShardCount        *int               `json:"ShardCount,omitempty"`
	StreamModeDetails *streamModeDetails `json:"StreamModeDetails,omitempty"`
	Tags              map[string]string  `json:"Tags,omitempty"`
}

type deleteStreamIn struct {
	streamRef
	EnforceConsumerDeletion bool `json:"EnforceConsumerDeletion,omitempty"`
}

type describeStreamIn struct {
	streamRef
	Limit                 *int   `json:"Limit,omitempty"`
	ExclusiveStartShardId string `json:"ExclusiveStartShardId,omitempty"`
}

type streamDescription struct {
	StreamName              string            `json:"StreamName"`
	StreamARN               string            `json:"StreamARN"`
	StreamStatus            string            `json:"StreamStatus"`
	StreamModeDetails       streamModeDetails `json:"StreamModeDetails"`
	Shards                  []shard           `json:"Shards"`
	HasMoreShards           bool              `json:"HasMoreShards"`
	RetentionPeriodHours    int               `json:"RetentionPeriodHours"`
	StreamCreationTimestamp awsjson.Timestamp `json:"StreamCreationTimestamp"`
	EnhancedMonitoring      []enhancedMetrics `json:"EnhancedMonitoring"`
	EncryptionType          string            `json:"EncryptionType"`
	KeyId                   string            `json:"KeyId,omitempty"`
}

type describeStreamOut struct {
	StreamDescription streamDescription `json:"StreamDescription"`
}

type streamSummary struct {
	StreamName              string            `json:"StreamName"`
	StreamARN               string            `json:"StreamARN"`
	StreamStatus            string            `json:"StreamStatus"`
	StreamModeDetails       streamModeDetails `json:"StreamModeDetails"`
	RetentionPeriodHours    int               `json:"RetentionPeriodHours"`
	StreamCreationTimestamp awsjson.Timestamp `json:"StreamCreationTimestamp"`
	EnhancedMonitoring      []enhancedMetrics `json:"EnhancedMonitoring"`
	EncryptionType          string            `json:"EncryptionType"`
	KeyId                   string            `json:"KeyId,omitempty"`
	OpenShardCount          int               `json:"OpenShardCount"`
	ConsumerCount           int               `json:"ConsumerCount"`
	MaxRecordSizeInKiB      int               `json:"MaxRecordSizeInKiB"`
}

type describeStreamSummaryOut struct {
	StreamDescriptionSummary streamSummary `json:"StreamDescriptionSummary"`
}

type listStreamsIn struct {
	Limit                    *int   `json:"Limit,omitempty"`
	ExclusiveStartStreamName string `json:"ExclusiveStartStreamName,omitempty"`
	NextToken                string `json:"NextToken,omitempty"`
}

type streamListEntry struct {
	StreamName              string            `json:"StreamName"`
	StreamARN               string            `json:"StreamARN"`
	StreamStatus            string            `json:"StreamStatus"`
	StreamModeDetails       streamModeDetails `json:"StreamModeDetails"`
	StreamCreationTimestamp awsjson.Timestamp `json:"StreamCreationTimestamp"`
}

type listStreamsOut struct {
	StreamNames     []string          `json:"StreamNames"`
	HasMoreStreams  bool              `json:"HasMoreStreams"`
	NextToken       string            `json:"NextToken,omitempty"`
	StreamSummaries []streamListEntry `json:"StreamSummaries"`
}

type shardFilter struct {
	Type      string             `json:"Type"`
	ShardId   string             `json:"ShardId,omitempty"`
	Timestamp *awsjson.Timestamp `json:"Timestamp,omitempty"`
}

type listShardsIn struct {
	streamRef
	NextToken               string             `json:"NextToken,omitempty"`
	ExclusiveStartShardId   string             `json:"ExclusiveStartShardId,omitempty"`
	MaxResults              *int               `json:"MaxResults,omitempty"`
	StreamCreationTimestamp *awsjson.Timestamp `json:"StreamCreationTimestamp,omitempty"`
	ShardFilter             *shardFilter       `json:"ShardFilter,omitempty"`
}

type listShardsOut struct {
	Shards    []shard `json:"Shards"`
	NextToken string  `json:"NextToken,omitempty"`
}

type putRecordIn struct {
	streamRef
	Data                      []byte `json:"Data"`
	PartitionKey              string `json:"PartitionKey"`
	ExplicitHashKey           string `json:"ExplicitHashKey,omitempty"`
	SequenceNumberForOrdering string `json:"SequenceNumberForOrdering,omitempty"`
}

type putRecordOut struct {
	ShardId        string `json:"ShardId"`
	SequenceNumber string `json:"SequenceNumber"`
	EncryptionType string `json:"EncryptionType,omitempty"`
}

type putRecordsEntry struct {
	Data            []byte `json:"Data"`
	PartitionKey    string `json:"PartitionKey"`
	ExplicitHashKey string `json:"ExplicitHashKey,omitempty"`
}

type putRecordsIn struct {
	streamRef
	Records []putRecordsEntry `json:"Records"`
}

type putRecordsResult struct {
	SequenceNumber string `json:"SequenceNumber,omitempty"`
	ShardId        string `json:"ShardId,omitempty"`
	ErrorCode      string `json:"ErrorCode,omitempty"`
	ErrorMessage   string `json:"ErrorMessage,omitempty"`
}

type putRecordsOut struct {
	FailedRecordCount int                `json:"FailedRecordCount"`
	Records           []putRecordsResult `json:"Records"`
	EncryptionType    string             `json:"EncryptionType,omitempty"`
}

type getShardIteratorIn struct {
	streamRef
	ShardId                string             `json:"ShardId"`
	ShardIteratorType      string             `json:"ShardIteratorType"`
	StartingSequenceNumber string             `json:"StartingSequenceNumber,omitempty"`
	Timestamp              *awsjson.Timestamp `json:"Timestamp,omitempty"`
}

type getShardIteratorOut struct {
	ShardIterator string `json:"ShardIterator"`
}

type getRecordsIn struct {
	ShardIterator string `json:"ShardIterator"`
	Limit         *int   `json:"Limit,omitempty"`
	StreamARN     string `json:"StreamARN,omitempty"`
}

type record struct {
	SequenceNumber              string            `json:"SequenceNumber"`
	ApproximateArrivalTimestamp awsjson.Timestamp `json:"ApproximateArrivalTimestamp"`
	Data                        []byte            `json:"Data"`
	PartitionKey                string            `json:"PartitionKey"`
	EncryptionType              string            `json:"EncryptionType,omitempty"`
}

type childShard struct {
	ShardId      string       `json:"ShardId"`
	ParentShards []string     `json:"ParentShards"`
	HashKeyRange hashKeyRange `json:"HashKeyRange"`
}

type getRecordsOut struct {
	Records            []record     `json:"Records"`
	NextShardIterator  *string      `json:"NextShardIterator,omitempty"`
	MillisBehindLatest int64        `json:"MillisBehindLatest"`
	ChildShards        []childShard `json:"ChildShards,omitempty"`
}

type splitShardIn struct {
	streamRef
	ShardToSplit       string `json:"ShardToSplit"`
	NewStartingHashKey string `json:"NewStartingHashKey"`
}

type mergeShardsIn struct {
	streamRef
	ShardToMerge         string `json:"ShardToMerge"`
	AdjacentShardToMerge string `json:"AdjacentShardToMerge"`
}

type updateShardCountIn struct {
	streamRef
	TargetShardCount int    `json:"TargetShardCount"`
	ScalingType      string `json:"ScalingType"`
}

type updateShardCountOut struct {
	StreamName        string `json:"StreamName"`
	StreamARN         string `json:"StreamARN"`
	CurrentShardCount int    `json:"CurrentShardCount"`
	TargetShardCount  int    `json:"TargetShardCount"`
}

type retentionIn struct {
	streamRef
	RetentionPeriodHours int `json:"RetentionPeriodHours"`
}

type addTagsIn struct {
	streamRef
	Tags map[string]string `json:"Tags"`
}

type removeTagsIn struct {
	streamRef
	TagKeys []string `json:"TagKeys"`
}

type listTagsIn struct {
	streamRef
	ExclusiveStartTagKey string `json:"ExclusiveStartTagKey,omitempty"`
	Limit                *int   `json:"Limit,omitempty"`
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type listTagsOut struct {
	Tags        []tag `json:"Tags"`
	HasMoreTags bool  `json:"HasMoreTags"`
}

type tagResourceIn struct {
	ResourceARN string            `json:"ResourceARN"`
	Tags        map[string]string `json:"Tags"`
}

type untagResourceIn struct {
	ResourceARN string   `json:"ResourceARN"`
	TagKeys     []string `json:"TagKeys"`
}

type listTagsForResourceIn struct {
	ResourceARN string `json:"ResourceARN"`
}

type listTagsForResourceOut struct {
	Tags []tag `json:"Tags"`
}

type describeLimitsOut struct {
	ShardLimit               int `json:"ShardLimit"`
	OpenShardCount           int `json:"OpenShardCount"`
	OnDemandStreamCount      int `json:"OnDemandStreamCount"`
	OnDemandStreamCountLimit int `json:"OnDemandStreamCountLimit"`
}

type monitoringIn struct {
	streamRef
	ShardLevelMetrics []string `json:"ShardLevelMetrics"`
}

type monitoringOut struct {
	StreamName               string   `json:"StreamName"`
	StreamARN                string   `json:"StreamARN"`
	CurrentShardLevelMetrics []string `json:"CurrentShardLevelMetrics"`
	DesiredShardLevelMetrics []string `json:"DesiredShardLevelMetrics"`
}

type updateStreamModeIn struct {
	StreamARN         string            `json:"StreamARN"`
	StreamModeDetails streamModeDetails `json:"StreamModeDetails"`
}
