package streams

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"sort"
	"strconv"
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

// streamRec is a stream's persisted metadata, kept at
// kinesis/stream/<account>/<name>.
type streamRec struct {
	// Account owns the stream. Records written before streams were per
	// account have none; New migrates them to Options.Account.
	Account   string            `json:"account,omitempty"`
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
	// LogDir is the directory of the stream's shard logs in the seglog
	// store: <account>/<name>-<id>. Streams created before streams were
	// per account have none; theirs is <name>-<id>.
	LogDir string `json:"log_dir,omitempty"`
	// KeyStarts and KeyStops are the times of the successful
	// StartStreamEncryption and StopStreamEncryption calls of the last
	// 24 hours (each is limited to 25 per rolling 24 hours).
	KeyStarts []time.Time `json:"key_starts,omitempty"`
	KeyStops  []time.Time `json:"key_stops,omitempty"`
}

// streamKey names a stream: streams are per account.
type streamKey struct{ account, name string }

func (r *streamRec) key() streamKey { return streamKey{r.Account, r.Name} }

func metaKey(account, name string) []byte { return []byte(streamPrefix + account + "/" + name) }

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

	pol atomic.Pointer[policy] // rec.Policy parsed; nil for none
}

type shard struct {
	rec   *shardRec
	start *big.Int
	end   *big.Int
	first u128 // start and end, for routing
	last  u128
	id    string // shardId-NNNNNNNNNNNN
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
	mu    sync.Mutex // guards strms
	strms map[streamKey]*stream
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
	e := &Engine{opts: opts, meta: m, logs: l, log: opts.Logger, strms: map[streamKey]*stream{}, subStop: make(chan struct{})}
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
	// Streams stored before streams were per account sit at
	// kinesis/stream/<name> with no account: they are Options.Account's
	// and move to kinesis/stream/<account>/<name> in one batch. Their
	// shard logs stay where they are (LogDir stays empty).
	var migrate meta.Batch
	for ok := it.First(); ok; ok = it.Next() {
		s := &stream{shards: map[int]*shard{}}
		if err := json.Unmarshal(it.Value(), &s.rec); err != nil {
			it.Close()
			return nil, errs.E("streams.New", errs.Corrupt, fmt.Sprintf("stream record %q", it.Key()), err)
		}
		if legacy := !strings.Contains(string(it.Key()[len(streamPrefix):]), "/"); legacy {
			s.rec.Account = opts.Account
			b, err := json.Marshal(&s.rec)
			if err != nil {
				it.Close()
				return nil, errs.E("streams.New", err)
			}
			migrate.Set(metaKey(s.rec.Account, s.rec.Name), b)
			migrate.Delete(append([]byte(nil), it.Key()...))
		}
		e.strms[s.rec.key()] = s
	}
	err = it.Error()
	it.Close()
	if err != nil {
		return nil, errs.E("streams.New", errs.IO, err)
	}
	if len(migrate.Ops) > 0 {
		if err := m.Apply(ctx, &migrate); err != nil {
			return nil, errs.E("streams.New", errs.IO, "moving streams to the legacy account", err)
		}
		e.log.Info("kinesis: streams from before accounts now belong to account "+opts.Account, "streams", len(migrate.Ops)/2)
	}
	for _, s := range e.strms {
		s.pol.Store(e.compilePolicy(s.rec.Policy, e.ARN(s.rec.Account, s.rec.Name)))
		for i := range s.rec.Shards {
			if err := e.openShard(ctx, s, &s.rec.Shards[i]); err != nil {
				e.closeLogs()
				return nil, err
			}
		}
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
	if s.LogDir == "" {
		return fmt.Sprintf("%s-%d/%s", s.Name, s.ID, shardID(index))
	}
	return s.LogDir + "/" + shardID(index)
}

func (e *Engine) openShard(ctx context.Context, s *stream, r *shardRec) error {
	l, err := e.logs.Open(ctx, e.logName(&s.rec, r.Index))
	if err != nil {
		return errs.E("streams.openShard", errs.IO, err)
	}
	start, _ := new(big.Int).SetString(r.Start, 10)
	end, _ := new(big.Int).SetString(r.End, 10)
	s.shards[r.Index] = &shard{rec: r, start: start, end: end, first: u128Of(start), last: u128Of(end), id: shardID(r.Index), log: l}
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
	batch.Set(metaKey(s.rec.Account, s.rec.Name), b)
	if err := e.meta.Apply(ctx, &batch); err != nil {
		return errs.E("streams.save", errs.IO, err)
	}
	return nil
}

// ARN returns the ARN of account's stream name.
func (e *Engine) ARN(account, name string) string {
	return "arn:aws:kinesis:" + e.opts.Region + ":" + account + ":stream/" + name
}

// checkAccount refuses a call made for no account or a malformed one: the
// account is the caller's, given by the front end (or the engine calling).
func checkAccount(op, account string) error {
	if len(account) != 12 || strings.Trim(account, "0123456789") != "" {
		return errs.E("streams."+op, errs.Permission, errs.Code(CodeAccessDenied), fmt.Sprintf("Account %q may not call %s.", account, op))
	}
	return nil
}

// resolve validates ref and returns the stream it designates: a name is
// one of the caller's (account's) streams, an ARN names its owner. Whether
// the caller may act on another account's stream is for open to decide.
func (e *Engine) resolve(op, account string, ref Ref, v *validation) (streamKey, error) {
	v.streamName(ref.Name, "streamName")
	v.streamARN(ref.ARN, "streamARN")
	if err := v.err(op); err != nil {
		return streamKey{}, err
	}
	if err := checkAccount(op, account); err != nil {
		return streamKey{}, err
	}
	k := streamKey{account, ref.Name}
	if ref.ARN != "" {
		ak, err := e.parseARN(op, account, ref.ARN)
		if err != nil {
			return streamKey{}, err
		}
		if k.name != "" && k.name != ak.name {
			return streamKey{}, fail(op, CodeInvalidArgument, "StreamARN %s does not match StreamName %s.", ref.ARN, k.name)
		}
		k = ak
	}
	if k.name == "" {
		return streamKey{}, fail(op, CodeValidation, "Either StreamName or StreamARN should be provided.")
	}
	return k, nil
}

// parseARN returns the stream a stream ARN names (checked against the ARN
// pattern already). An ARN of the caller's account that cannot name one
// of its streams is ResourceNotFoundException; one of another account is
// AccessDeniedException, as AWS answers when no policy grants access.
func (e *Engine) parseARN(op, account, arn string) (streamKey, error) {
	parts := strings.SplitN(arn, ":", 6) // arn aws kinesis region account stream/name
	owner := parts[4]
	n, ok := strings.CutPrefix(arn, "arn:aws:kinesis:"+e.opts.Region+":"+owner+":stream/")
	if !ok || strings.Contains(n, "/") {
		if owner != account {
			return streamKey{}, denied(op, account, arn)
		}
		return streamKey{}, fail(op, CodeNotFound, "Stream %s under account %s not found.", arn, account)
	}
	return streamKey{owner, n}, nil
}

// get returns the stream k unless it is gone, finishing a deletion whose
// delay has passed. It checks no permission: open does.
func (e *Engine) get(ctx context.Context, op string, k streamKey) (*stream, error) {
	e.mu.Lock()
	s := e.strms[k]
	e.mu.Unlock()
	if s == nil {
		return nil, notFound(op, k.account, k.name)
	}
	s.mu.RLock()
	st := s.status(e.now())
	s.mu.RUnlock()
	if st == "" {
		e.finishDelete(ctx, s)
		return nil, notFound(op, k.account, k.name)
	}
	return s, nil
}

// open returns the stream k for a call of op by account: the stream's
// owner, unless the stream's policy denies it, or another account the
// policy allows (see authorize). Another account's stream that does not
// exist is AccessDeniedException, as on AWS.
func (e *Engine) open(ctx context.Context, op, account string, k streamKey) (*stream, error) {
	s, err := e.get(ctx, op, k)
	if err != nil {
		if k.account != account {
			return nil, denied(op, account, e.ARN(k.account, k.name))
		}
		return nil, err
	}
	if err := e.authorize(op, account, s, k); err != nil {
		return nil, err
	}
	return s, nil
}

func (e *Engine) lookup(ctx context.Context, op, account string, ref Ref) (*stream, error) {
	var v validation
	k, err := e.resolve(op, account, ref, &v)
	if err != nil {
		return nil, err
	}
	return e.open(ctx, op, account, k)
}

// active reports whether s takes reads and writes (ACTIVE or UPDATING).
func (e *Engine) active(s *stream) bool {
	s.mu.RLock()
	st := s.status(e.now())
	s.mu.RUnlock()
	return st == StatusActive || st == StatusUpdating
}

// openData is open for a stream that must take reads and writes.
func (e *Engine) openData(ctx context.Context, op, account string, k streamKey) (*stream, error) {
	s, err := e.open(ctx, op, account, k)
	if err != nil {
		return nil, err
	}
	if !e.active(s) {
		return nil, notFound(op, k.account, k.name)
	}
	return s, nil
}

// getData is get for a stream that must take reads and writes; it checks
// no permission (the engine's own reads, such as subscriptions).
func (e *Engine) getData(ctx context.Context, op string, k streamKey) (*stream, error) {
	s, err := e.get(ctx, op, k)
	if err != nil {
		return nil, err
	}
	if !e.active(s) {
		return nil, notFound(op, k.account, k.name)
	}
	return s, nil
}

func (e *Engine) finishDelete(ctx context.Context, s *stream) {
	e.mu.Lock()
	if e.strms[s.rec.key()] != s {
		e.mu.Unlock()
		return
	}
	delete(e.strms, s.rec.key())
	e.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sh := range s.shards {
		sh.log.Close()
		if err := e.logs.Remove(ctx, e.logName(&s.rec, sh.rec.Index)); err != nil {
			e.log.Warn("kinesis: removing shard log", "account", s.rec.Account, "stream", s.rec.Name, "err", err)
		}
	}
	var b meta.Batch
	b.Delete(metaKey(s.rec.Account, s.rec.Name))
	if err := e.meta.Apply(ctx, &b); err != nil {
		e.log.Warn("kinesis: removing stream record", "account", s.rec.Account, "stream", s.rec.Name, "err", err)
	}
}

// streamsOf lists account's loaded streams ("" for every account's).
func (e *Engine) streamsOf(account string) []*stream {
	e.mu.Lock()
	defer e.mu.Unlock()
	list := make([]*stream, 0, len(e.strms))
	for k, s := range e.strms {
		if account == "" || k.account == account {
			list = append(list, s)
		}
	}
	return list
}

// openShardCount counts open shards over the account's live streams.
func (e *Engine) openShardCount(account string) int {
	n := 0
	for _, s := range e.streamsOf(account) {
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

func (e *Engine) shardLimitError(op, account string, current, more int) error {
	return fail(op, CodeLimitExceeded, "This request would exceed the shard limit for the account %s in %s. Current shard count for the account: %d. Limit: %d. Number of additional shards that would have resulted from this request: %d. Refer to the AWS Service Limits page (https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.",
		account, e.opts.Region, current, e.opts.ShardLimit, more)
}

// CreateStream creates account's stream name with shardCount shards
// (PROVISIONED) or the on-demand starting shards (mode ON_DEMAND,
// shardCount 0). The account's open shards count against ShardLimit.
func (e *Engine) CreateStream(ctx context.Context, account, name string, shardCount int, mode string, tags map[string]string) error {
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
	if err := checkAccount(op, account); err != nil {
		return err
	}
	if mode == ModeOnDemand {
		if shardCount > 0 {
			return fail(op, CodeInvalidArgument, "ShardCount is not supported for streams in ON_DEMAND capacity mode.")
		}
		shardCount = OnDemandShards
	}
	if len(tags) > MaxTags {
		return fail(op, CodeInvalidArgument, "Failed to create stream %s under account %s because a given stream cannot have more than %d tags associated with it.", name, account, MaxTags)
	}
	if cur := e.openShardCount(account); cur+shardCount > e.opts.ShardLimit {
		return e.shardLimitError(op, account, cur, shardCount)
	}
	now := e.now()
	key := streamKey{account, name}
	e.mu.Lock()
	defer e.mu.Unlock()
	if old := e.strms[key]; old != nil {
		old.mu.RLock()
		gone := old.status(now) == ""
		old.mu.RUnlock()
		if !gone {
			return fail(op, CodeInUse, "Stream %s under account %s already exists.", name, account)
		}
		e.mu.Unlock()
		e.finishDelete(ctx, old)
		e.mu.Lock()
		if e.strms[key] != nil {
			return fail(op, CodeInUse, "Stream %s under account %s already exists.", name, account)
		}
	}
	id := now.UnixNano()
	s := &stream{shards: map[int]*shard{}, rec: streamRec{
		Account: account, Name: name, ID: id, Created: now, Status: StatusCreating, Until: now.Add(e.opts.StateDelay),
		Mode: mode, Retention: MinRetentionHours, NextShard: shardCount, Tags: tags,
		LogDir: account + "/" + name + "-" + strconv.FormatInt(id, 10),
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
	e.strms[key] = s
	return nil
}

// DeleteStream starts deleting a stream: it is DELETING for the state
// delay, then gone.
func (e *Engine) DeleteStream(ctx context.Context, account string, ref Ref, enforceConsumerDeletion bool) error {
	const op = "DeleteStream"
	s, err := e.lookup(ctx, op, account, ref)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := e.now()
	if s.status(now) == StatusDeleting {
		return fail(op, CodeInUse, "Stream %s under account %s is already being deleted.", s.rec.Name, account)
	}
	s.liveConsumers(now)
	if len(s.rec.Consumers) > 0 && !enforceConsumerDeletion {
		return fail(op, CodeInUse, "Stream %s under account %s has registered consumers. Deregister them or set EnforceConsumerDeletion.", s.rec.Name, account)
	}
	s.rec.Consumers = nil
	s.rec.Status, s.rec.Until = StatusDeleting, now.Add(e.opts.StateDelay)
	return e.save(ctx, s)
}

// describe builds the description of s (held at least shared).
func (e *Engine) describe(s *stream) *StreamDescription {
	now := e.now()
	d := &StreamDescription{Name: s.rec.Name, ARN: e.ARN(s.rec.Account, s.rec.Name), Status: s.status(now), Mode: s.rec.Mode,
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
func (e *Engine) DescribeStream(ctx context.Context, account string, ref Ref) (*StreamDescription, error) {
	return e.describeAs(ctx, "DescribeStream", account, ref)
}

// DescribeStreamSummary is DescribeStream authorized as
// kinesis:DescribeStreamSummary (the front end leaves the shards out).
func (e *Engine) DescribeStreamSummary(ctx context.Context, account string, ref Ref) (*StreamDescription, error) {
	return e.describeAs(ctx, "DescribeStreamSummary", account, ref)
}

func (e *Engine) describeAs(ctx context.Context, op, account string, ref Ref) (*StreamDescription, error) {
	s, err := e.lookup(ctx, op, account, ref)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return e.describe(s), nil
}

// ListStreams lists account's live streams in name order with their
// summaries.
func (e *Engine) ListStreams(ctx context.Context, account string) ([]*StreamDescription, error) {
	if err := checkAccount("ListStreams", account); err != nil {
		return nil, err
	}
	var out []*StreamDescription
	for _, s := range e.streamsOf(account) {
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
	return out, nil
}

// Sweep trims every shard to its stream's retention, forgets closed
// shards whose records have all expired, and finishes deletions.
func (e *Engine) Sweep(ctx context.Context) error {
	var first error
	for _, s := range e.streamsOf("") {
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
