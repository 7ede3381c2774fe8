package streams

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
	"github.com/tarnhq/tarn/internal/storage/seglog"
)

const (
	streamPrefix = "kinesis/stream/"
	keyKey       = "kinesis/iterator-key"
)

// streamRec is a stream's persisted metadata.
type streamRec struct {
	Name      string            `json:"name"`
	ID        int64             `json:"id"` // creation time in ns: names its logs
	Created   time.Time         `json:"created"`
	Status    string            `json:"status"`
	Until     time.Time         `json:"until,omitzero"` // Status lasts until then (CREATING/UPDATING → ACTIVE, DELETING → gone)
	Mode      string            `json:"mode"`
	Retention int               `json:"retention_hours"`
	NextShard int               `json:"next_shard"`
	Shards    []shardRec        `json:"shards"`
	Tags      map[string]string `json:"tags,omitempty"`
	Metrics   []string          `json:"metrics,omitempty"`
	Consumers []consumerRec     `json:"consumers,omitempty"`

	// Server-side encryption: Encryption is EncryptionKMS while new
	// records are sealed; KeyID is the key as given, KeyARN as resolved.
	// DataKeys (KMS-sealed) stay after StopStreamEncryption, so records
	// sealed under them remain readable; CurKey is the version in use.
	Encryption string       `json:"encryption,omitempty"`
	KeyID      string       `json:"key_id,omitempty"`
	KeyARN     string       `json:"key_arn,omitempty"`
	CurKey     uint32       `json:"cur_key,omitempty"`
	DataKeys   []dataKeyRec `json:"data_keys,omitempty"`
	// MaxRecordKiB is UpdateMaxRecordSize's limit (0 means 1024).
	MaxRecordKiB int `json:"max_record_kib,omitempty"`
	// Policy is the resource policy (PutResourcePolicy), "" for none.
	Policy string `json:"policy,omitempty"`
	// LastScale is when on-demand scaling last split a shard.
	LastScale time.Time `json:"last_scale,omitzero"`
}

type shardRec struct {
	Index     int       `json:"index"`
	Parent    int       `json:"parent"`   // -1 for none
	Adjacent  int       `json:"adjacent"` // -1 for none
	Start     string    `json:"start"`
	End       string    `json:"end"`
	Created   time.Time `json:"created"`
	Epoch     int64     `json:"epoch"`
	Closed    bool      `json:"closed,omitempty"`
	ClosedAt  time.Time `json:"closed_at,omitzero"`
	EndOffset uint64    `json:"end_offset,omitempty"`
}

// stream is a loaded stream. mu guards rec and shards; appends hold it
// shared so that resharding (exclusive) sees no write in flight.
type stream struct {
	mu     sync.RWMutex
	rec    streamRec
	shards map[int]*shard

	kmu  sync.Mutex          // serialises data key rotation; taken before mu
	cmu  sync.Mutex          // guards keys; a leaf
	keys map[uint32]*dataKey // opened data keys by version
}

type shard struct {
	rec   *shardRec
	start *big.Int
	end   *big.Int
	log   seglog.Log
	lim   limiter
	load  loadMeter // on-demand scaling

	wmu  sync.Mutex
	wake chan struct{} // closed when records are appended (subscriptions wait on it)
}

// appended wakes subscriptions waiting for new records.
func (sh *shard) appended() {
	sh.wmu.Lock()
	if sh.wake != nil {
		close(sh.wake)
		sh.wake = nil
	}
	sh.wmu.Unlock()
}

// waitAppend returns a channel closed at the next append.
func (sh *shard) waitAppend() <-chan struct{} {
	sh.wmu.Lock()
	defer sh.wmu.Unlock()
	if sh.wake == nil {
		sh.wake = make(chan struct{})
	}
	return sh.wake
}

func shardID(index int) string { return fmt.Sprintf("shardId-%012d", index) }

func parseShardID(id string) (int, bool) {
	var n int
	if _, err := fmt.Sscanf(id, "shardId-%d", &n); err != nil || n < 0 || shardID(n) != id {
		return 0, false
	}
	return n, true
}

// status is the stream's status at now; "" once a deletion has finished.
func (s *stream) status(now time.Time) string {
	if !s.rec.Until.IsZero() && !now.Before(s.rec.Until) {
		if s.rec.Status == StatusDeleting {
			return ""
		}
		return StatusActive
	}
	return s.rec.Status
}

// Engine is the Kinesis engine.
type Engine struct {
	opts  Options
	meta  meta.Store
	logs  seglog.Store
	log   *slog.Logger
	key   []byte
	mu    sync.Mutex // guards streams
	strms map[string]*stream
	nonce atomic.Uint32
	once  sync.Once
	stop  chan struct{}
	done  chan struct{}

	subMu   sync.Mutex
	subs    map[string]subState // consumer ARN + shard → the live subscription
	subStop chan struct{}       // closed by StopSubscriptions
	subOnce sync.Once
}

// New loads the streams kept in m and opens their shard logs in l.
func New(ctx context.Context, m meta.Store, l seglog.Store, opts Options) (*Engine, error) {
	opts.defaults()
	e := &Engine{opts: opts, meta: m, logs: l, log: opts.Logger, strms: map[string]*stream{}, subStop: make(chan struct{})}
	key, err := m.Get(ctx, []byte(keyKey))
	if meta.IsNotFound(err) {
		key = make([]byte, 32)
		rand.Read(key)
		var b meta.Batch
		b.Set([]byte(keyKey), key)
		err = m.Apply(ctx, &b)
	}
	if err != nil {
		return nil, errs.E("streams.New", errs.IO, err)
	}
	e.key = key
	it, err := m.NewIter(ctx, []byte(streamPrefix), []byte(streamPrefix+"\xff"))
	if err != nil {
		return nil, errs.E("streams.New", errs.IO, err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		s := &stream{shards: map[int]*shard{}}
		if err := json.Unmarshal(it.Value(), &s.rec); err != nil {
			return nil, errs.E("streams.New", errs.Corrupt, fmt.Sprintf("stream record %q", it.Key()), err)
		}
		for i := range s.rec.Shards {
			if err := e.openShard(ctx, s, &s.rec.Shards[i]); err != nil {
				e.closeLogs()
				return nil, err
			}
		}
		e.strms[s.rec.Name] = s
	}
	if err := it.Error(); err != nil {
		return nil, errs.E("streams.New", errs.IO, err)
	}
	e.stop, e.done = make(chan struct{}), make(chan struct{})
	go e.sweepLoop()
	return e, nil
}

func (e *Engine) sweepLoop() {
	defer close(e.done)
	if e.opts.SweepInterval < 0 {
		<-e.stop
		return
	}
	t := time.NewTicker(e.opts.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
			if err := e.Sweep(context.Background()); err != nil {
				e.log.Warn("kinesis retention sweep", "err", err)
			}
		}
	}
}

// Close stops background work and closes the shard logs (not the stores).
func (e *Engine) Close() error {
	e.once.Do(func() {
		close(e.stop)
		<-e.done
		e.closeLogs()
	})
	return nil
}

func (e *Engine) closeLogs() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.strms {
		for _, sh := range s.shards {
			sh.log.Close()
		}
	}
}

func (e *Engine) now() time.Time { return e.opts.Now() }

func (e *Engine) logName(s *streamRec, index int) string {
	return fmt.Sprintf("%s-%d/%s", s.Name, s.ID, shardID(index))
}

func (e *Engine) openShard(ctx context.Context, s *stream, r *shardRec) error {
	l, err := e.logs.Open(ctx, e.logName(&s.rec, r.Index))
	if err != nil {
		return errs.E("streams.openShard", errs.IO, err)
	}
	start, _ := new(big.Int).SetString(r.Start, 10)
	end, _ := new(big.Int).SetString(r.End, 10)
	s.shards[r.Index] = &shard{rec: r, start: start, end: end, log: l}
	return nil
}

// rebind points the shards at the (possibly reallocated) rec.Shards slice.
func (s *stream) rebind() {
	for i := range s.rec.Shards {
		if sh := s.shards[s.rec.Shards[i].Index]; sh != nil {
			sh.rec = &s.rec.Shards[i]
		}
	}
}

func (e *Engine) save(ctx context.Context, s *stream) error {
	b, err := json.Marshal(&s.rec)
	if err != nil {
		return errs.E("streams.save", err)
	}
	var batch meta.Batch
	batch.Set([]byte(streamPrefix+s.rec.Name), b)
	if err := e.meta.Apply(ctx, &batch); err != nil {
		return errs.E("streams.save", errs.IO, err)
	}
	return nil
}

// ARN returns the stream ARN for name.
func (e *Engine) ARN(name string) string {
	return fmt.Sprintf("arn:aws:kinesis:%s:%s:stream/%s", e.opts.Region, e.opts.Account, name)
}

// resolve validates ref and returns the stream name it designates.
func (e *Engine) resolve(op string, ref Ref, v *validation) (string, error) {
	v.streamName(ref.Name, "streamName")
	v.streamARN(ref.ARN, "streamARN")
	if err := v.err(op); err != nil {
		return "", err
	}
	name := ref.Name
	if ref.ARN != "" {
		prefix := fmt.Sprintf("arn:aws:kinesis:%s:%s:stream/", e.opts.Region, e.opts.Account)
		n, ok := strings.CutPrefix(ref.ARN, prefix)
		if !ok || strings.Contains(n, "/") {
			return "", fail(op, CodeNotFound, "Stream %s under account %s not found.", ref.ARN, e.opts.Account)
		}
		if name != "" && name != n {
			return "", fail(op, CodeInvalidArgument, "StreamARN %s does not match StreamName %s.", ref.ARN, name)
		}
		name = n
	}
	if name == "" {
		return "", fail(op, CodeValidation, "Either StreamName or StreamARN should be provided.")
	}
	return name, nil
}

// get returns the named stream unless it is gone, finishing a deletion
// whose delay has passed.
func (e *Engine) get(ctx context.Context, op, name string) (*stream, error) {
	e.mu.Lock()
	s := e.strms[name]
	e.mu.Unlock()
	if s == nil {
		return nil, e.notFound(op, name)
	}
	s.mu.RLock()
	st := s.status(e.now())
	s.mu.RUnlock()
	if st == "" {
		e.finishDelete(ctx, s)
		return nil, e.notFound(op, name)
	}
	return s, nil
}

func (e *Engine) lookup(ctx context.Context, op string, ref Ref) (*stream, error) {
	var v validation
	name, err := e.resolve(op, ref, &v)
	if err != nil {
		return nil, err
	}
	return e.get(ctx, op, name)
}

// lookupData returns a stream that takes reads and writes (ACTIVE or
// UPDATING).
func (e *Engine) lookupData(ctx context.Context, op string, ref Ref) (*stream, error) {
	s, err := e.lookup(ctx, op, ref)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	st := s.status(e.now())
	s.mu.RUnlock()
	if st != StatusActive && st != StatusUpdating {
		return nil, e.notFound(op, s.rec.Name)
	}
	return s, nil
}

func (e *Engine) finishDelete(ctx context.Context, s *stream) {
	e.mu.Lock()
	if e.strms[s.rec.Name] != s {
		e.mu.Unlock()
		return
	}
	delete(e.strms, s.rec.Name)
	e.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sh := range s.shards {
		sh.log.Close()
		if err := e.logs.Remove(ctx, e.logName(&s.rec, sh.rec.Index)); err != nil {
			e.log.Warn("kinesis: removing shard log", "stream", s.rec.Name, "err", err)
		}
	}
	var b meta.Batch
	b.Delete([]byte(streamPrefix + s.rec.Name))
	if err := e.meta.Apply(ctx, &b); err != nil {
		e.log.Warn("kinesis: removing stream record", "stream", s.rec.Name, "err", err)
	}
}

// openShardCount counts open shards over the account's live streams.
func (e *Engine) openShardCount() int {
	e.mu.Lock()
	list := make([]*stream, 0, len(e.strms))
	for _, s := range e.strms {
		list = append(list, s)
	}
	e.mu.Unlock()
	n := 0
	for _, s := range list {
		s.mu.RLock()
		for _, r := range s.rec.Shards {
			if !r.Closed {
				n++
			}
		}
		s.mu.RUnlock()
	}
	return n
}

func (e *Engine) shardLimitError(op string, current, more int) error {
	return fail(op, CodeLimitExceeded, "This request would exceed the shard limit for the account %s in %s. Current shard count for the account: %d. Limit: %d. Number of additional shards that would have resulted from this request: %d. Refer to the AWS Service Limits page (https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.",
		e.opts.Account, e.opts.Region, current, e.opts.ShardLimit, more)
}

// CreateStream creates a stream with shardCount shards (PROVISIONED) or
// the on-demand starting shards (mode ON_DEMAND, shardCount 0).
func (e *Engine) CreateStream(ctx context.Context, name string, shardCount int, mode string, tags map[string]string) error {
	const op = "CreateStream"
	var v validation
	if name == "" {
		v.add(nil, "streamName", "Member must not be null")
	}
	v.streamName(name, "streamName")
	if mode == "" {
		mode = ModeProvisioned
	}
	if mode != ModeProvisioned && mode != ModeOnDemand {
		v.add(mode, "streamModeDetails.streamMode", "Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]")
	}
	if shardCount < 0 || mode == ModeProvisioned && shardCount == 0 {
		v.add(shardCount, "shardCount", "Member must have value greater than or equal to 1")
	}
	validateTags(&v, tags, "tags")
	if err := v.err(op); err != nil {
		return err
	}
	if mode == ModeOnDemand {
		if shardCount > 0 {
			return fail(op, CodeInvalidArgument, "ShardCount is not supported for streams in ON_DEMAND capacity mode.")
		}
		shardCount = OnDemandShards
	}
	if len(tags) > MaxTags {
		return fail(op, CodeInvalidArgument, "Failed to create stream %s under account %s because a given stream cannot have more than %d tags associated with it.", name, e.opts.Account, MaxTags)
	}
	if cur := e.openShardCount(); cur+shardCount > e.opts.ShardLimit {
		return e.shardLimitError(op, cur, shardCount)
	}
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if old := e.strms[name]; old != nil {
		old.mu.RLock()
		gone := old.status(now) == ""
		old.mu.RUnlock()
		if !gone {
			return fail(op, CodeInUse, "Stream %s under account %s already exists.", name, e.opts.Account)
		}
		e.mu.Unlock()
		e.finishDelete(ctx, old)
		e.mu.Lock()
		if e.strms[name] != nil {
			return fail(op, CodeInUse, "Stream %s under account %s already exists.", name, e.opts.Account)
		}
	}
	s := &stream{shards: map[int]*shard{}, rec: streamRec{
		Name: name, ID: now.UnixNano(), Created: now, Status: StatusCreating, Until: now.Add(e.opts.StateDelay),
		Mode: mode, Retention: MinRetentionHours, NextShard: shardCount, Tags: tags,
	}}
	step := new(big.Int).Div(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(int64(shardCount)))
	for i := range shardCount {
		start := new(big.Int).Mul(step, big.NewInt(int64(i)))
		end := new(big.Int).Sub(new(big.Int).Add(start, step), big.NewInt(1))
		if i == shardCount-1 {
			end = maxHash
		}
		s.rec.Shards = append(s.rec.Shards, shardRec{Index: i, Parent: -1, Adjacent: -1, Start: start.String(), End: end.String(),
			Created: now, Epoch: now.Unix()})
	}
	for i := range s.rec.Shards {
		if err := e.openShard(ctx, s, &s.rec.Shards[i]); err != nil {
			return err
		}
	}
	if err := e.save(ctx, s); err != nil {
		for _, sh := range s.shards {
			sh.log.Close()
		}
		return err
	}
	e.strms[name] = s
	return nil
}

// DeleteStream starts deleting a stream: it is DELETING for the state
// delay, then gone.
func (e *Engine) DeleteStream(ctx context.Context, ref Ref, enforceConsumerDeletion bool) error {
	const op = "DeleteStream"
	s, err := e.lookup(ctx, op, ref)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := e.now()
	if s.status(now) == StatusDeleting {
		return fail(op, CodeInUse, "Stream %s under account %s is already being deleted.", s.rec.Name, e.opts.Account)
	}
	s.liveConsumers(now)
	if len(s.rec.Consumers) > 0 && !enforceConsumerDeletion {
		return fail(op, CodeInUse, "Stream %s under account %s has registered consumers. Deregister them or set EnforceConsumerDeletion.", s.rec.Name, e.opts.Account)
	}
	s.rec.Consumers = nil
	s.rec.Status, s.rec.Until = StatusDeleting, now.Add(e.opts.StateDelay)
	return e.save(ctx, s)
}

// describe builds the description of s (held at least shared).
func (e *Engine) describe(s *stream) *StreamDescription {
	now := e.now()
	d := &StreamDescription{Name: s.rec.Name, ARN: e.ARN(s.rec.Name), Status: s.status(now), Mode: s.rec.Mode,
		Created: s.rec.Created, RetentionHours: s.rec.Retention, EncryptionType: EncryptionNone,
		ShardLevelMetrics: append([]string{}, s.rec.Metrics...), MaxRecordKiB: s.rec.maxRecordKiB()}
	if s.rec.Encryption == EncryptionKMS {
		d.EncryptionType, d.KeyID = EncryptionKMS, s.rec.KeyID
	}
	for _, c := range s.rec.Consumers {
		if c.status(now) != "" {
			d.ConsumerCount++
		}
	}
	for i := range s.rec.Shards {
		r := &s.rec.Shards[i]
		sh := s.shards[r.Index]
		d.Shards = append(d.Shards, e.shardInfo(s, sh))
		if !r.Closed {
			d.OpenShardCount++
		}
	}
	sort.Slice(d.Shards, func(i, j int) bool { return d.Shards[i].ID < d.Shards[j].ID })
	return d
}

func (e *Engine) shardInfo(s *stream, sh *shard) Shard {
	r := sh.rec
	out := Shard{ID: shardID(r.Index), HashKeyRange: HashRange{sh.start, sh.end}, Created: r.Created,
		StartingSequence: formatSeq(r.Epoch, 0, r.Created, r.Index)}
	if r.Parent >= 0 {
		out.ParentShardID = shardID(r.Parent)
	}
	if r.Adjacent >= 0 {
		out.AdjacentParentShardID = shardID(r.Adjacent)
	}
	if r.Closed {
		out.EndingSequence = formatSeq(r.Epoch, r.EndOffset, r.ClosedAt, r.Index)
	}
	return out
}

// DescribeStream describes a stream and all its live shards (the front
// end pages them).
func (e *Engine) DescribeStream(ctx context.Context, ref Ref) (*StreamDescription, error) {
	s, err := e.lookup(ctx, "DescribeStream", ref)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return e.describe(s), nil
}

// ListStreams lists live stream names in order with their summaries.
func (e *Engine) ListStreams(ctx context.Context) []*StreamDescription {
	e.mu.Lock()
	list := make([]*stream, 0, len(e.strms))
	for _, s := range e.strms {
		list = append(list, s)
	}
	e.mu.Unlock()
	var out []*StreamDescription
	for _, s := range list {
		s.mu.RLock()
		st := s.status(e.now())
		var d *StreamDescription
		if st != "" {
			d = e.describe(s)
			d.Shards = nil
		}
		s.mu.RUnlock()
		if st == "" {
			e.finishDelete(ctx, s)
			continue
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Sweep trims every shard to its stream's retention, forgets closed
// shards whose records have all expired, and finishes deletions.
func (e *Engine) Sweep(ctx context.Context) error {
	e.mu.Lock()
	list := make([]*stream, 0, len(e.strms))
	for _, s := range e.strms {
		list = append(list, s)
	}
	e.mu.Unlock()
	var first error
	for _, s := range list {
		if err := e.sweepStream(ctx, s); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (e *Engine) sweepStream(ctx context.Context, s *stream) error {
	now := e.now()
	s.mu.RLock()
	gone := s.status(now) == ""
	s.mu.RUnlock()
	if gone {
		e.finishDelete(ctx, s)
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cutoff := now.Add(-time.Duration(s.rec.Retention) * time.Hour)
	var keep []shardRec
	changed := false
	for _, r := range s.rec.Shards {
		sh := s.shards[r.Index]
		if _, err := sh.log.Trim(ctx, cutoff); err != nil {
			return errs.E("streams.Sweep", errs.IO, err)
		}
		if r.Closed && r.ClosedAt.Before(cutoff) {
			sh.log.Close()
			e.logs.Remove(ctx, e.logName(&s.rec, r.Index))
			delete(s.shards, r.Index)
			changed = true
			continue
		}
		keep = append(keep, r)
	}
	if !changed {
		return nil
	}
	s.rec.Shards = keep
	s.rebind()
	return e.save(ctx, s)
}
