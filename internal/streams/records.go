package streams

import (
	"context"
	"math/big"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/tarnhq/tarn/internal/storage/seglog"
)

// limiter enforces a shard's provisioned throughput in one-second windows.
type limiter struct {
	mu             sync.Mutex
	sec            int64
	wBytes, wRecs  int
	rCalls, rBytes int
}

func (l *limiter) roll(now time.Time) {
	if s := now.Unix(); s != l.sec {
		l.sec, l.wBytes, l.wRecs, l.rCalls, l.rBytes = s, 0, 0, 0, 0
	}
}

// write reserves one record of n bytes; false when over the limit.
func (l *limiter) write(now time.Time, n int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roll(now)
	if l.wRecs+1 > ShardWriteRecsPerSec || l.wBytes+n > ShardWriteBytesPerSec {
		return false
	}
	l.wRecs++
	l.wBytes += n
	return true
}

func (l *limiter) read(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roll(now)
	if l.rCalls >= ShardReadCallsPerSec || l.rBytes >= ShardReadBytesPerSec {
		return false
	}
	l.rCalls++
	return true
}

func (l *limiter) readBytes(n int) {
	l.mu.Lock()
	l.rBytes += n
	l.mu.Unlock()
}

func (e *Engine) limited(s *stream) bool { return !e.opts.NoLimits && s.rec.Mode == ModeProvisioned }

// router finds the open shard of a hash key by binary search over the
// open shards in hash order (they cover the key space without overlap).
type router []*shard

func (s *stream) router() router {
	var r router
	for i := range s.rec.Shards {
		if !s.rec.Shards[i].Closed {
			r = append(r, s.shards[s.rec.Shards[i].Index])
		}
	}
	slices.SortFunc(r, func(a, b *shard) int { return a.first.cmp(b.first) })
	return r
}

func (r router) route(key u128, ok bool) *shard {
	if !ok {
		return nil
	}
	i := sort.Search(len(r), func(i int) bool { return r[i].last.cmp(key) >= 0 })
	if i < len(r) && r[i].first.cmp(key) <= 0 {
		return r[i]
	}
	return nil
}

func validateEntry(v *validation, p PutEntry, prefix string, maxBytes int) {
	if len(p.Data) > maxBytes {
		v.add("java.nio.HeapByteBuffer[pos=0 lim="+itoa(len(p.Data))+" cap="+itoa(len(p.Data))+"]", prefix+"data", "Member must have length less than or equal to "+itoa(maxBytes))
	}
	if p.PartitionKey == "" {
		v.add(nil, prefix+"partitionKey", "Member must not be null")
	} else if n := len([]rune(p.PartitionKey)); n > 256 {
		v.add(p.PartitionKey, prefix+"partitionKey", "Member must have length less than or equal to 256")
	}
	v.hashKeyString(p.ExplicitHashKey, prefix+"explicitHashKey", false)
}

// maxRecordKiB is the stream's record size limit in KiB.
func (r *streamRec) maxRecordKiB() int {
	if r.MaxRecordKiB == 0 {
		return MaxRecordBytes >> 10
	}
	return r.MaxRecordKiB
}

// recordLimit is the record size limit (bytes) of the stream ref names,
// or the default when it names none (or one of another account that op
// is not allowed on): the size checks of PutRecord(s) are per stream
// since UpdateMaxRecordSize.
func (e *Engine) recordLimit(op, account string, ref Ref) int {
	var v validation
	k, err := e.resolve(op, account, ref, &v)
	if err != nil {
		return MaxRecordBytes
	}
	e.mu.Lock()
	s := e.strms[k]
	e.mu.Unlock()
	if s == nil || k.account != account && e.authorize(op, account, s, k) != nil {
		return MaxRecordBytes
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.rec.maxRecordKiB() << 10
}

// requestLimit is PutRecords' request size limit for a stream whose
// records may be limit bytes: 5 MiB, or 10 MiB once records may exceed
// 1 MiB.
func requestLimit(limit int) int {
	if limit > MaxRecordBytes {
		return MaxPutRecordsBytesLarge
	}
	return MaxPutRecordsBytes
}

func sizeText(n int) string {
	if n%(1<<20) == 0 {
		return itoa(n>>20) + " MiB"
	}
	return itoa(n>>10) + " KiB"
}

// PutRecord writes one record and returns its shard and sequence number.
// sequenceNumberForOrdering, when given, must be a sequence number; every
// new record in a shard already sorts after it.
func (e *Engine) PutRecord(ctx context.Context, account string, ref Ref, p PutEntry, sequenceNumberForOrdering string) (PutResult, error) {
	const op = "PutRecord"
	var v validation
	limit := e.recordLimit(op, account, ref)
	validateEntry(&v, p, "", limit)
	if sequenceNumberForOrdering != "" && !validSeqSyntax(sequenceNumberForOrdering) {
		v.add(sequenceNumberForOrdering, "sequenceNumberForOrdering", "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})")
	}
	k, err := e.resolve(op, account, ref, &v)
	if err != nil {
		return PutResult{}, err
	}
	if len(p.Data)+len(p.PartitionKey) > limit {
		return PutResult{}, fail(op, CodeInvalidArgument, "Record size exceeds %s limit (data plus partition key).", sizeText(limit))
	}
	res, err := e.put(ctx, account, op, k, []PutEntry{p})
	if err != nil {
		return PutResult{}, err
	}
	if r := res[0]; r.ErrorCode != "" {
		return PutResult{}, fail(op, r.ErrorCode, "%s", r.ErrorMessage)
	}
	return res[0], nil
}

// PutRecords writes up to 500 records; each result carries a sequence
// number or a per-record error (throughput or internal failure). Results
// are returned only when every accepted record is durable.
func (e *Engine) PutRecords(ctx context.Context, account string, ref Ref, entries []PutEntry) ([]PutResult, error) {
	const op = "PutRecords"
	var v validation
	if len(entries) == 0 {
		v.add("[]", "records", "Member must have length greater than or equal to 1")
	} else if len(entries) > MaxPutRecordsEntries {
		v.add("[...]", "records", "Member must have length less than or equal to 500")
	}
	limit := e.recordLimit(op, account, ref)
	total := 0
	for i, p := range entries {
		validateEntry(&v, p, "records."+itoa(i+1)+".member.", limit)
		total += len(p.Data) + len(p.PartitionKey)
	}
	k, err := e.resolve(op, account, ref, &v)
	if err != nil {
		return nil, err
	}
	for _, p := range entries {
		if len(p.Data)+len(p.PartitionKey) > limit {
			return nil, fail(op, CodeInvalidArgument, "Record size exceeds %s limit (data plus partition key).", sizeText(limit))
		}
	}
	if rl := requestLimit(limit); total > rl {
		return nil, fail(op, CodeInvalidArgument, "Records size exceeds %d MB limit", rl>>20)
	}
	return e.put(ctx, account, op, k, entries)
}

func (e *Engine) put(ctx context.Context, account, op string, k streamKey, entries []PutEntry) ([]PutResult, error) {
	s, err := e.openData(ctx, op, account, k)
	if err != nil {
		return nil, err
	}
	dk, err := e.writeKey(ctx, op, s)
	if err != nil {
		return nil, err
	}
	res, hot := e.putLocked(ctx, s, entries, dk)
	if hot != nil {
		e.autoSplit(ctx, s, hot)
	}
	return res, nil
}

// putLocked appends entries to their shards under s.mu (shared); hot is
// an on-demand shard whose sustained load asks for a split.
func (e *Engine) putLocked(ctx context.Context, s *stream, entries []PutEntry, dk *dataKey) ([]PutResult, *shard) {
	now := e.now()
	s.mu.RLock()
	defer s.mu.RUnlock()
	limited := e.limited(s)
	encType := EncryptionNone
	if dk != nil {
		encType = EncryptionKMS
	}
	type batch struct {
		sh    *shard
		idx   []int
		recs  []seglog.Record
		bytes int
	}
	byShard := map[int]*batch{}
	var order []int
	res := make([]PutResult, len(entries))
	rt := s.router()
	// Plain payloads (partition key length, key, data) share one buffer.
	size := 0
	for _, p := range entries {
		size += 2 + len(p.PartitionKey) + len(p.Data)
	}
	arena := make([]byte, 0, size)
	for i, p := range entries {
		sh := rt.route(hashKey(p.PartitionKey, p.ExplicitHashKey))
		if sh == nil { // an explicit hash key above 2^128-1
			res[i] = PutResult{ErrorCode: CodeInternal, ErrorMessage: "Internal service failure."}
			continue
		}
		res[i].ShardID = sh.id
		if limited && !sh.lim.write(now, len(p.Data)+len(p.PartitionKey)) {
			res[i].ErrorCode = CodeThroughput
			res[i].ErrorMessage = "Rate exceeded for shard " + res[i].ShardID + " in stream " + s.rec.Name + " under account " + s.rec.Account + "."
			continue
		}
		b := byShard[sh.rec.Index]
		if b == nil {
			b = &batch{sh: sh}
			byShard[sh.rec.Index] = b
			order = append(order, sh.rec.Index)
		}
		b.idx = append(b.idx, i)
		start := len(arena)
		arena = appendPayload(arena, p.PartitionKey, p.Data)
		payload := arena[start:len(arena):len(arena)]
		if dk != nil {
			payload = dk.seal(payload)
		}
		b.bytes += len(p.Data) + len(p.PartitionKey)
		b.recs = append(b.recs, seglog.Record{Time: now, Data: payload})
	}
	appendBatch := func(b *batch) {
		_, err := b.sh.log.Append(ctx, b.recs)
		if err != nil {
			for _, i := range b.idx {
				res[i].ErrorCode, res[i].ErrorMessage = CodeInternal, "Internal service failure."
			}
			e.log.Error("kinesis: append", "stream", s.rec.Name, "shard", b.sh.id, "err", err)
			return
		}
		// The batch's sequence numbers are written into one string.
		r := b.sh.rec
		seqs := make([]byte, 0, 57*len(b.idx))
		ends := make([]int, len(b.idx))
		for j := range b.idx {
			seqs = appendSeq(seqs, r.Epoch, b.recs[j].Offset, b.recs[j].Time.Unix(), r.Index)
			ends[j] = len(seqs)
		}
		all, from := string(seqs), 0
		for j, i := range b.idx {
			res[i].SequenceNumber, from = all[from:ends[j]], ends[j]
			res[i].EncryptionType = encType
		}
		b.sh.appended()
	}
	if len(order) == 1 {
		appendBatch(byShard[order[0]])
	} else {
		var wg sync.WaitGroup
		for _, ix := range order {
			wg.Add(1)
			go func() { defer wg.Done(); appendBatch(byShard[ix]) }()
		}
		wg.Wait()
	}
	var hot *shard
	if s.rec.Mode == ModeOnDemand {
		for _, ix := range order {
			b := byShard[ix]
			if b.sh.load.add(now, len(b.idx), b.bytes, e.scaleAfter()) && hot == nil {
				hot = b.sh
			}
		}
	}
	return res, hot
}

func (s *stream) shardByID(id string) *shard {
	ix, ok := parseShardID(id)
	if !ok {
		return nil
	}
	return s.shards[ix]
}

func shardNotFound(op, account, id, stream string) error {
	return fail(op, CodeNotFound, "Shard %s in stream %s under account %s does not exist", id, stream, account)
}

// GetShardIterator returns an iterator token for a position in a shard.
// The token names the stream (its owner's) and the account it was issued
// to: GetRecords takes it from that account, or from the owner.
func (e *Engine) GetShardIterator(ctx context.Context, account string, req IteratorRequest) (string, error) {
	const op = "GetShardIterator"
	k, err := e.checkIteratorRequest(op, account, req)
	if err != nil {
		return "", err
	}
	s, err := e.openData(ctx, op, account, k)
	if err != nil {
		return "", err
	}
	return e.issueIterator(ctx, op, s, account, req)
}

// checkIteratorRequest validates req and returns the stream it names.
func (e *Engine) checkIteratorRequest(op, account string, req IteratorRequest) (streamKey, error) {
	var v validation
	v.shardID(req.ShardID, "shardId")
	switch req.Type {
	case AtSequenceNumber, AfterSequenceNumber, TrimHorizon, Latest, AtTimestamp:
	case "":
		v.add(nil, "shardIteratorType", "Member must not be null")
	default:
		v.add(req.Type, "shardIteratorType", "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, AT_SEQUENCE_NUMBER, AT_TIMESTAMP, TRIM_HORIZON, LATEST]")
	}
	if req.SequenceNumber != "" && !validSeqSyntax(req.SequenceNumber) {
		v.add(req.SequenceNumber, "startingSequenceNumber", "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})")
	}
	k, err := e.resolve(op, account, req.Ref, &v)
	if err != nil {
		return streamKey{}, err
	}
	seqType := req.Type == AtSequenceNumber || req.Type == AfterSequenceNumber
	if seqType != (req.SequenceNumber != "") {
		return streamKey{}, fail(op, CodeInvalidArgument, "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON, LATEST or AT_TIMESTAMP and no StartingSequenceNumber. Request specified StartingSequenceNumber=%s and ShardIteratorType=%s.", nullable(req.SequenceNumber), req.Type)
	}
	if req.Type == AtTimestamp && req.Timestamp.IsZero() {
		return streamKey{}, fail(op, CodeInvalidArgument, "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.")
	}
	return k, nil
}

// issueIterator positions an iterator on s (a stream that takes reads)
// for caller.
func (e *Engine) issueIterator(ctx context.Context, op string, s *stream, caller string, req IteratorRequest) (string, error) {
	now := e.now()
	s.mu.RLock()
	defer s.mu.RUnlock()
	owner, name := s.rec.Account, s.rec.Name
	sh := s.shardByID(req.ShardID)
	if sh == nil {
		return "", shardNotFound(op, owner, req.ShardID, name)
	}
	first, next := sh.log.Bounds()
	if sh.rec.Closed {
		next = sh.rec.EndOffset
	}
	var off uint64
	switch req.Type {
	case TrimHorizon:
		off = first
		if at, err := sh.log.SeekTime(ctx, now.Add(-time.Duration(s.rec.Retention)*time.Hour)); err == nil && at > off {
			off = at
		}
	case Latest:
		off = next
	case AtTimestamp:
		if req.Timestamp.After(now) {
			return "", fail(op, CodeInvalidArgument, "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: %d, currentTimestampInMillis: %d", req.Timestamp.UnixMilli(), now.UnixMilli())
		}
		var err error
		if off, err = sh.log.SeekTime(ctx, req.Timestamp); err != nil {
			return "", fail(op, CodeInternal, "Internal service failure.")
		}
	default:
		p, ok := parseSeq(req.SequenceNumber)
		if !ok || p.index != sh.rec.Index || p.epoch != sh.rec.Epoch {
			return "", fail(op, CodeInvalidArgument, "StartingSequenceNumber %s used in GetShardIterator on shard %s in stream %s under account %s is invalid because it did not come from this stream.", req.SequenceNumber, req.ShardID, name, owner)
		}
		off = p.offset
		if req.Type == AfterSequenceNumber {
			off++
		}
		if off < first {
			off = first
		}
	}
	return e.encodeIterator(iterator{account: owner, caller: caller, streamID: s.rec.ID, shard: sh.rec.Index, offset: off, issued: now, name: name}), nil
}

func nullable(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

const javaTime = "Mon Jan 02 15:04:05 UTC 2006"

// GetRecords reads from a shard iterator. limit 0 means the maximum.
func (e *Engine) GetRecords(ctx context.Context, account, token string, limit int) (*GetRecordsResult, error) {
	const op = "GetRecords"
	var v validation
	if token == "" {
		v.add(nil, "shardIterator", "Member must not be null")
	} else if len(token) > 512 {
		v.add(token, "shardIterator", "Member must have length less than or equal to 512")
	}
	if limit < 0 || limit > MaxGetRecordsLimit {
		v.add(limit, "limit", "Member must have value less than or equal to 10000")
	}
	if err := v.err(op); err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = MaxGetRecordsLimit
	}
	if err := checkAccount(op, account); err != nil {
		return nil, err
	}
	it, ok := e.decodeIterator(token)
	if !ok {
		return nil, fail(op, CodeInvalidArgument, "Invalid ShardIterator.")
	}
	// An iterator serves the account it was issued to and the stream's
	// owner; each call is authorized against the stream (its policy may
	// have changed since).
	if account != it.account && account != it.caller {
		return nil, denied(op, account, e.ARN(it.account, it.name))
	}
	now := e.now()
	if now.Sub(it.issued) > IteratorLifetime {
		return nil, fail(op, CodeExpiredIterator, "Iterator expired. The iterator was created at time %s while right now it is %s which is further in the future than the tolerated delay of %d milliseconds.",
			it.issued.UTC().Format(javaTime), now.UTC().Format(javaTime), IteratorLifetime.Milliseconds())
	}
	s, err := e.openData(ctx, op, account, streamKey{it.account, it.name})
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	sh := s.shards[it.shard]
	if s.rec.ID != it.streamID || sh == nil {
		return nil, shardNotFound(op, it.account, shardID(it.shard), it.name)
	}
	if err := e.checkReadKey(ctx, op, s.rec.Account, s.rec.Encryption, s.rec.KeyARN); err != nil {
		return nil, err
	}
	if e.limited(s) && !sh.lim.read(now) {
		return nil, fail(op, CodeThroughput, "Rate exceeded for shard %s in stream %s under account %s.", shardID(it.shard), it.name, it.account)
	}
	out, next, err := e.readRecords(ctx, op, s, sh, it, limit, MaxGetRecordsBytes, now)
	if err != nil {
		return nil, err
	}
	if e.limited(s) {
		sh.lim.readBytes(out.bytes)
	}
	if out.ChildShards == nil {
		it.offset, it.issued = next, now
		out.NextShardIterator = e.encodeIterator(it)
	}
	return out, nil
}

// readRecords reads from it's position (s.mu held for reading) without
// throughput accounting of its own: GetRecords charges the shard's read
// limit, subscriptions (enhanced fan-out) have their own pipe. It returns
// the records, the next offset, and ChildShards at the end of a closed
// shard.
func (e *Engine) readRecords(ctx context.Context, op string, s *stream, sh *shard, it iterator, limit, maxBytes int, now time.Time) (*GetRecordsResult, uint64, error) {
	recs, err := sh.log.Read(ctx, it.offset, limit, maxBytes)
	if err != nil {
		e.log.Error("kinesis: read", "account", it.account, "stream", it.name, "shard", shardID(it.shard), "err", err)
		return nil, 0, fail(op, CodeInternal, "Internal service failure.")
	}
	out := &GetRecordsResult{Records: make([]Record, 0, len(recs))}
	next := it.offset
	cutoff := now.Add(-time.Duration(s.rec.Retention) * time.Hour)
	size := 0
	// Sequence numbers and partition keys are written into one buffer and
	// become substrings of one string: two allocations per page, not two
	// per record.
	type span struct{ seq, pk int }
	var strs []byte
	var ends []span
	for _, r := range recs {
		next = r.Offset + 1
		if r.Time.Before(cutoff) {
			continue // expired but not yet trimmed with its segment
		}
		plain, sealed, err := e.openPayload(ctx, op, s, r.Data)
		if err != nil {
			return nil, 0, err
		}
		pk, data, ok := splitPayload(plain)
		if !ok {
			return nil, 0, fail(op, CodeInternal, "Internal service failure.")
		}
		encType := EncryptionNone
		if sealed {
			encType = EncryptionKMS
		}
		size += len(r.Data)
		if strs == nil {
			strs = make([]byte, 0, len(recs)*(57+len(pk)))
		}
		strs = appendSeq(strs, sh.rec.Epoch, r.Offset, r.Time.Unix(), sh.rec.Index)
		sp := span{seq: len(strs)}
		strs = append(strs, pk...)
		sp.pk = len(strs)
		ends = append(ends, sp)
		out.Records = append(out.Records, Record{ArrivalTime: r.Time, Data: data, EncryptionType: encType})
	}
	all, from := string(strs), 0
	for i, sp := range ends {
		out.Records[i].SequenceNumber, out.Records[i].PartitionKey = all[from:sp.seq], all[sp.seq:sp.pk]
		from = sp.pk
	}
	out.bytes = size
	_, end := sh.log.Bounds()
	if next < end && len(recs) > 0 {
		out.MillisBehindLatest = max(0, now.Sub(recs[len(recs)-1].Time).Milliseconds())
	}
	if sh.rec.Closed && next >= sh.rec.EndOffset {
		out.ChildShards = s.children(sh.rec.Index)
	}
	return out, next, nil
}

// children lists the shards whose parent or adjacent parent is ix.
func (s *stream) children(ix int) []ChildShard {
	out := []ChildShard{}
	for _, r := range s.rec.Shards {
		if r.Parent != ix && r.Adjacent != ix {
			continue
		}
		c := ChildShard{ShardID: shardID(r.Index), HashKeyRange: HashRange{s.shards[r.Index].start, s.shards[r.Index].end}}
		c.ParentShards = append(c.ParentShards, shardID(r.Parent))
		if r.Adjacent >= 0 {
			c.ParentShards = append(c.ParentShards, shardID(r.Adjacent))
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ShardID < out[j].ShardID })
	return out
}

// ShardFilter selects shards in ListShards.
type ShardFilter struct {
	Type      string // AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP
	ShardID   string
	Timestamp time.Time
}

// ListShards lists a stream's live shards in ID order, after
// exclusiveStart when set, filtered.
func (e *Engine) ListShards(ctx context.Context, account string, ref Ref, exclusiveStart string, f ShardFilter) ([]Shard, error) {
	const op = "ListShards"
	var v validation
	if exclusiveStart != "" {
		v.shardID(exclusiveStart, "exclusiveStartShardId")
	}
	switch f.Type {
	case "", "AFTER_SHARD_ID", "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON", "AT_LATEST", "AT_TIMESTAMP", "FROM_TIMESTAMP":
	default:
		v.add(f.Type, "shardFilter.type", "Member must satisfy enum value set: [AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]")
	}
	s, err := e.lookup(ctx, op, account, ref)
	if err != nil {
		return nil, err
	}
	if f.Type == "AFTER_SHARD_ID" && f.ShardID == "" {
		return nil, fail(op, CodeInvalidArgument, "Must specify ShardId in ShardFilter when ShardFilterType is AFTER_SHARD_ID.")
	}
	if (f.Type == "AT_TIMESTAMP" || f.Type == "FROM_TIMESTAMP") && f.Timestamp.IsZero() {
		return nil, fail(op, CodeInvalidArgument, "Must specify Timestamp in ShardFilter when ShardFilterType is %s.", f.Type)
	}
	s.mu.RLock()
	d := e.describe(s)
	s.mu.RUnlock()
	if f.Type == "AFTER_SHARD_ID" && (exclusiveStart == "" || f.ShardID > exclusiveStart) {
		exclusiveStart = f.ShardID
	}
	now := e.now()
	retentionStart := now.Add(-time.Duration(d.RetentionHours) * time.Hour)
	var out []Shard
	for _, sh := range d.Shards {
		if exclusiveStart != "" && sh.ID <= exclusiveStart {
			continue
		}
		switch f.Type {
		case "AT_LATEST":
			if !sh.Open() {
				continue
			}
		case "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON":
			// Every live shard is within retention.
		case "AT_TIMESTAMP", "FROM_TIMESTAMP":
			t := f.Timestamp
			if f.Type == "FROM_TIMESTAMP" && t.Before(retentionStart) {
				t = retentionStart
			}
			if sh.Created.After(t) && f.Type == "AT_TIMESTAMP" && sh.ParentShardID != "" {
				continue // a child created after t: its parents cover t
			}
			if !sh.Open() && s.closedBefore(sh.ID, t) {
				continue
			}
		}
		out = append(out, sh)
	}
	return out, nil
}

func (s *stream) closedBefore(id string, t time.Time) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if sh := s.shardByID(id); sh != nil && sh.rec.Closed {
		return sh.rec.ClosedAt.Before(t)
	}
	return false
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }
