// Package streams is the Kinesis Data Streams engine: streams of shards
// with hash-key ranges, per-shard ordered logs with AWS-shaped sequence
// numbers, shard iterators, retention with real trimming, resharding with
// parent/child lineage, tags and provisioned throughput limits. It knows
// no HTTP: the kinesisapi front end and other engines (Firehose, Lambda
// event sources) call it directly. Streams belong to accounts: every
// method takes the caller's account id, stream names are per account, ARNs
// carry the account, the shard quota is per account, and another account's
// stream or consumer ARN is AccessDeniedException unless the resource's
// policy grants the call (policy.go). Stream metadata lives in a
// meta.Store; each shard's records live in a seglog.Log. Time comes from
// Options.Now.
package streams

import (
	"log/slog"
	"math/big"
	"time"
)

// Stream statuses.
const (
	StatusCreating = "CREATING"
	StatusActive   = "ACTIVE"
	StatusUpdating = "UPDATING"
	StatusDeleting = "DELETING"
)

// Capacity modes.
const (
	ModeProvisioned = "PROVISIONED"
	ModeOnDemand    = "ON_DEMAND"
)

// Shard iterator types.
const (
	AtSequenceNumber    = "AT_SEQUENCE_NUMBER"
	AfterSequenceNumber = "AFTER_SEQUENCE_NUMBER"
	TrimHorizon         = "TRIM_HORIZON"
	Latest              = "LATEST"
	AtTimestamp         = "AT_TIMESTAMP"
)

// Limits and defaults (AWS's).
const (
	MinRetentionHours    = 24
	MaxRetentionHours    = 8760
	MaxRecordBytes       = 1 << 20 // data + partition key
	MaxPutRecordsEntries = 500
	MaxPutRecordsBytes   = 5 << 20
	// MaxPutRecordsBytesLarge is the request limit of streams whose
	// records may exceed 1 MiB (UpdateMaxRecordSize).
	MaxPutRecordsBytesLarge = 10 << 20
	MinRecordKiB            = 1024
	MaxRecordKiB            = 10240
	MaxGetRecordsLimit      = 10000
	MaxGetRecordsBytes      = 10 << 20
	IteratorLifetime        = 5 * time.Minute
	OnDemandShards          = 4
	DefaultShardLimit       = 500
	DefaultStateDelay       = 500 * time.Millisecond
	ShardWriteBytesPerSec   = 1 << 20
	ShardWriteRecsPerSec    = 1000
	ShardReadBytesPerSec    = 2 << 20
	ShardReadCallsPerSec    = 5
	MaxTags                 = 50
)

// Options configure an Engine.
type Options struct {
	Region string // default us-east-1
	// Account owns the streams stored before streams were per account
	// (default 000000000000, tarn's root account): New moves them to it.
	Account string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// StateDelay is how long CREATING, UPDATING and DELETING last
	// (default 500 ms; negative means no delay).
	StateDelay time.Duration
	// ShardLimit is each account's open-shard quota (default 500).
	ShardLimit int
	// NoLimits lifts the provisioned per-shard throughput limits.
	NoLimits bool
	// SweepInterval is how often retention trimming and expiry run in
	// the background (default 1 min; negative disables the loop).
	SweepInterval time.Duration
	Logger        *slog.Logger
	// KMS provides data keys for stream encryption (nil: encryption is
	// refused).
	KMS KeyService
	// DataKeyLifetime is how long one data key seals new records
	// (default 5 min).
	DataKeyLifetime time.Duration
	// ScaleCooldown is the least time between two automatic splits of an
	// on-demand stream (default 1 min).
	ScaleCooldown time.Duration
	// ScaleAfter is how many consecutive hot seconds (a shard's writes over
	// 1 MiB/s or 1000 records/s) make an on-demand shard split (default 3).
	ScaleAfter int
}

func (o *Options) defaults() {
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Account == "" {
		o.Account = "000000000000"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.StateDelay == 0 {
		o.StateDelay = DefaultStateDelay
	}
	if o.StateDelay < 0 {
		o.StateDelay = 0
	}
	if o.ShardLimit <= 0 {
		o.ShardLimit = DefaultShardLimit
	}
	if o.SweepInterval == 0 {
		o.SweepInterval = time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Ref names a stream by name or ARN (either may be empty, not both).
type Ref struct {
	Name string
	ARN  string
}

// HashRange is an inclusive range of 128-bit hash keys.
type HashRange struct {
	Start, End *big.Int
}

// Shard describes one shard.
type Shard struct {
	ID                    string
	ParentShardID         string
	AdjacentParentShardID string
	HashKeyRange          HashRange
	StartingSequence      string
	EndingSequence        string // set when the shard is closed
	Created               time.Time
}

// Open reports whether the shard still takes writes.
func (s Shard) Open() bool { return s.EndingSequence == "" }

// StreamDescription is a stream with its live shards.
type StreamDescription struct {
	Name              string
	ARN               string
	Status            string
	Mode              string
	Created           time.Time
	RetentionHours    int
	Shards            []Shard
	OpenShardCount    int
	ConsumerCount     int
	EncryptionType    string // NONE or KMS
	KeyID             string // the KMS key as given to StartStreamEncryption
	ShardLevelMetrics []string
	MaxRecordKiB      int
}

// PutEntry is one record to write.
type PutEntry struct {
	PartitionKey    string
	ExplicitHashKey string // optional decimal 128-bit key
	Data            []byte
}

// PutResult is one record's outcome: a sequence number, or an error code
// and message (PutRecords reports failures per record).
type PutResult struct {
	ShardID        string
	SequenceNumber string
	EncryptionType string // NONE or KMS
	ErrorCode      string
	ErrorMessage   string
}

// Record is a record read back.
type Record struct {
	SequenceNumber string
	ArrivalTime    time.Time
	PartitionKey   string
	Data           []byte
	EncryptionType string // NONE or KMS: how the record is stored
}

// ChildShard is lineage returned at the end of a closed shard.
type ChildShard struct {
	ShardID      string
	ParentShards []string
	HashKeyRange HashRange
}

// GetRecordsResult is one GetRecords page.
type GetRecordsResult struct {
	Records            []Record
	NextShardIterator  string // empty at the end of a closed shard
	MillisBehindLatest int64
	ChildShards        []ChildShard

	bytes int // bytes read, for the shard's read limit
}

// IteratorRequest asks for a shard iterator.
type IteratorRequest struct {
	Ref            Ref
	ShardID        string
	Type           string
	SequenceNumber string
	Timestamp      time.Time
}

// Limits answers DescribeLimits.
type Limits struct {
	ShardLimit, OpenShardCount, OnDemandStreamCount, OnDemandStreamCountLimit int
}
