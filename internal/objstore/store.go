package objstore

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/sse"
	"github.com/tarnhq/tarn/internal/storage/blob"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// Options configure a Store.
type Options struct {
	// InlineLimit is the largest object kept inside its metadata record.
	InlineLimit int
	// Region is the default bucket region.
	Region string
	Now    func() time.Time
	Logger *slog.Logger
	// Keyring seals SSE-S3 data keys; nil disables SSE-S3.
	Keyring *sse.Keyring
	// KMS serves SSE-KMS; nil disables it.
	KMS KeyService
	// DefaultEncryption applies to buckets without their own rule:
	// SSES3 (S3's behaviour) or "" for none.
	DefaultEncryption string

	// Tiers are the blob stores besides the hot one, by tier name (the
	// server configures ColdTier). The engine closes them on Close.
	Tiers map[string]blob.Store
	// ClassTiers maps storage classes to tiers; missing classes take
	// DefaultClassTiers (mapped to hot when their tier is not configured).
	ClassTiers map[string]string
	// Day is the length of a lifecycle "day" (default 24h). Shortening it
	// scales lifecycle rules, restore delays and expiries, and
	// Intelligent-Tiering's 30/90/180-day thresholds alike.
	Day time.Duration
	// RestoreDelays is how long a restore takes per retrieval tier
	// (Expedited, Standard, Bulk) at a 24-hour Day; it scales with Day.
	// Missing tiers take DefaultRestoreDelays.
	RestoreDelays map[string]time.Duration
	// Lifecycle configures the background lifecycle engine.
	Lifecycle LifecycleOptions
}

// Store is the S3 engine.
type Store struct {
	meta  meta.Store
	blobs blob.Store
	opts  Options
	log   *slog.Logger

	locks [256]sync.Mutex // key locks, striped
	seed  maphash.Seed

	bmu     sync.RWMutex // guards buckets; held for read across object commits
	buckets map[string]*Bucket

	stats Stats
	bkeys bucketKeys

	lastSeq atomic.Int64 // newest version stamp issued

	classTier map[string]string // storage class → tier
	// testHookMove, when set, runs between a tier move's copy and its
	// commit; an error aborts the move there (crash-safety tests).
	testHookMove func() error
	// testHookExpire, when set, runs after the lifecycle engine decides to
	// expire a version and before it takes the key's lock to do so
	// (race tests: a write landing there must survive).
	testHookExpire func(bucket, key, versionID string)

	lc     lifecycleState
	access accessTracker
}

// Stats are engine counters for metrics.
type Stats struct {
	mu          sync.Mutex
	OrphansGCed int64
}

// New opens the engine on m and b. It loads the bucket table.
func New(ctx context.Context, m meta.Store, b blob.Store, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Day <= 0 {
		opts.Day = 24 * time.Hour
	}
	s := &Store{meta: m, blobs: b, opts: opts, log: opts.Logger, seed: maphash.MakeSeed(), buckets: map[string]*Bucket{}}
	if err := s.setupTiers(); err != nil {
		return nil, errs.E("objstore.New", errs.Invalid, err)
	}
	s.lc.init(&opts.Lifecycle)
	it, err := m.NewIter(ctx, []byte(bucketPrefix), []byte(successor(bucketPrefix)))
	if err != nil {
		return nil, errs.E("objstore.New", errs.IO, err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		var bk Bucket
		if err := json.Unmarshal(it.Value(), &bk); err != nil {
			return nil, errs.E("objstore.New", errs.Corrupt, fmt.Errorf("bucket record %q: %w", it.Key(), err))
		}
		s.buckets[bk.Name] = &bk
	}
	if err := it.Error(); err != nil {
		return nil, errs.E("objstore.New", errs.IO, err)
	}
	if err := s.lcUpgrade(ctx); err != nil {
		return nil, errs.E("objstore.New", errs.IO, err)
	}
	return s, nil
}

func (s *Store) now() time.Time { return s.opts.Now().UTC() }

func (s *Store) stripe(bucket, key string) int {
	var h maphash.Hash
	h.SetSeed(s.seed)
	h.WriteString(bucket)
	h.WriteByte(0)
	h.WriteString(key)
	return int(h.Sum64() % uint64(len(s.locks)))
}

// lockKey locks the stripe of bucket/key and returns its unlock.
func (s *Store) lockKey(bucket, key string) func() {
	mu := &s.locks[s.stripe(bucket, key)]
	mu.Lock()
	return mu.Unlock
}

// lock2 locks two stripes in index order (once if they are the same), so
// callers holding two never deadlock.
func (s *Store) lock2(i, j int) func() {
	if i == j {
		s.locks[i].Lock()
		return s.locks[i].Unlock
	}
	if i > j {
		i, j = j, i
	}
	s.locks[i].Lock()
	s.locks[j].Lock()
	return func() { s.locks[j].Unlock(); s.locks[i].Unlock() }
}

// newBlobID returns a fresh random blob id.
func newBlobID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// encodeObject renders an object record: uvarint length, JSON, inline data.
func encodeObject(o *Object) []byte {
	j, err := json.Marshal(o)
	if err != nil {
		panic(err) // only plain data types: cannot fail
	}
	b := make([]byte, 0, binary.MaxVarintLen64+len(j)+len(o.inline))
	b = binary.AppendUvarint(b, uint64(len(j)))
	b = append(b, j...)
	return append(b, o.inline...)
}

func decodeObject(bucket, key string, v []byte, withData bool) (*Object, error) {
	n, w := binary.Uvarint(v)
	if w <= 0 || uint64(len(v)-w) < n {
		return nil, errs.E("objstore.decode", errs.Corrupt, fmt.Sprintf("object record %s/%s is truncated", bucket, key))
	}
	o := &Object{Bucket: bucket, Key: key}
	if err := json.Unmarshal(v[w:w+int(n)], o); err != nil {
		return nil, errs.E("objstore.decode", errs.Corrupt, fmt.Errorf("object record %s/%s: %w", bucket, key, err))
	}
	if withData {
		o.inline = append([]byte(nil), v[w+int(n):]...)
	}
	return o, nil
}

// getObject reads the current record of bucket/key.
func (s *Store) getObject(ctx context.Context, bucket, key string, withData bool) (*Object, error) {
	v, err := s.meta.Get(ctx, objectKey(bucket, key))
	if meta.IsNotFound(err) {
		return nil, errs.E("objstore.get", errs.NotExist, errs.Code("NoSuchKey"), "The specified key does not exist.")
	}
	if err != nil {
		return nil, errs.E("objstore.get", errs.IO, err)
	}
	return decodeObject(bucket, key, v, withData)
}

// bucket returns the bucket record or NoSuchBucket.
func (s *Store) bucket(name string) (*Bucket, error) {
	s.bmu.RLock()
	b, ok := s.buckets[name]
	s.bmu.RUnlock()
	if !ok {
		return nil, errs.E("objstore.bucket", errs.NotExist, errs.Code("NoSuchBucket"), "The specified bucket does not exist")
	}
	return b, nil
}

// deleteBlobs removes blobs no longer referenced; failures only leave
// orphans for the next GC, so they are logged, not returned.
func (s *Store) deleteBlobs(ctx context.Context, ids []string) {
	for _, id := range ids {
		if id == "" {
			continue
		}
		if err := s.blobs.Delete(context.WithoutCancel(ctx), id); err != nil && !blob.IsNotExist(err) {
			s.log.Warn("delete blob", "blob", id, "err", err)
		}
	}
}

func blobIDs(segs []Segment) []string {
	var ids []string
	for _, sg := range segs {
		if sg.BlobID != "" {
			ids = append(ids, sg.BlobID)
		}
	}
	return ids
}

// CollectGarbage deletes blobs that no metadata record references and that
// are older than olderThan (so blobs of in-flight writes are spared). It
// returns the number deleted. Run at start; a crash between a blob's commit
// and its metadata commit leaves such orphans.
func (s *Store) CollectGarbage(ctx context.Context, olderThan time.Time) (int, error) {
	var orphans []string
	err := s.blobs.Walk(ctx, func(id string, _ int64, mod time.Time) error {
		if !mod.Before(olderThan) {
			return nil
		}
		_, err := s.meta.Get(ctx, refKey(id))
		if meta.IsNotFound(err) {
			orphans = append(orphans, id)
			return nil
		}
		return err
	})
	if err != nil {
		return 0, errs.E("objstore.CollectGarbage", errs.IO, err)
	}
	s.deleteBlobs(ctx, orphans)
	if len(orphans) > 0 {
		s.log.Info("collected orphaned blobs", "count", len(orphans))
	}
	s.stats.mu.Lock()
	s.stats.OrphansGCed += int64(len(orphans))
	s.stats.mu.Unlock()
	return len(orphans), nil
}
