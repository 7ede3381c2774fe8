package streams

import (
	"context"
	"errors"
	"io"
	"time"
)

// Enhanced fan-out: a registered consumer subscribes to a shard and the
// engine pushes events to it for up to five minutes.
const (
	// SubscriptionLifetime is how long one SubscribeToShard lasts.
	SubscriptionLifetime = 5 * time.Minute
	// subscriptionTakeover: a new subscription of the same consumer and
	// shard within this time of the last one is ResourceInUseException;
	// later, it takes over and the old one ends.
	subscriptionTakeover = 5 * time.Second
	// subscriptionHeartbeat bounds the time between events when no
	// records arrive, so consumers keep a fresh ContinuationSequenceNumber.
	subscriptionHeartbeat  = 5 * time.Second
	subscriptionMaxRecords = 10000
	subscriptionMaxBytes   = 4 << 20
)

// ErrSubscriptionTakenOver ends a subscription replaced by a newer one.
var ErrSubscriptionTakenOver = errors.New("streams: subscription taken over by a newer SubscribeToShard")

type subState struct {
	started time.Time
	gen     uint64
}

// StartingPosition is where a subscription starts.
type StartingPosition struct {
	Type           string // TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, AT_TIMESTAMP
	SequenceNumber string
	Timestamp      time.Time
}

// ShardEvent is one pushed batch (SubscribeToShardEvent).
type ShardEvent struct {
	Records                    []Record
	ContinuationSequenceNumber string
	MillisBehindLatest         int64
	ChildShards                []ChildShard // set at the end of a closed shard
}

// Subscription pushes a shard's records to one consumer.
type Subscription struct {
	e        *Engine
	key      string
	gen      uint64
	it       iterator
	deadline time.Time
	lastSeq  string
	lastSent time.Time
	ended    bool
}

// SubscribeToShard starts a subscription of consumerARN (ACTIVE) to
// shardID from pos. The consumer's owner may subscribe, and so may another
// account that the consumer's policy allows kinesis:SubscribeToShard.
func (e *Engine) SubscribeToShard(ctx context.Context, account, consumerARN, shardID string, pos StartingPosition) (*Subscription, error) {
	const op = "SubscribeToShard"
	if consumerARN == "" {
		var v validation
		v.add(nil, "consumerARN", "Member must not be null")
		return nil, v.err(op)
	}
	s, i, err := e.findConsumer(ctx, op, account, "", "", consumerARN)
	if err != nil {
		return nil, err
	}
	now := e.now()
	status := s.rec.Consumers[i].status(now)
	owner, streamName := s.rec.Account, s.rec.Name
	s.mu.Unlock()
	if status != StatusActive {
		return nil, fail(op, CodeInUse, "Consumer %s is not in ACTIVE state.", consumerARN)
	}
	// The consumer's permission covers reading its stream: the position
	// is checked and taken as the owner's GetShardIterator would.
	req := IteratorRequest{Ref: Ref{ARN: e.ARN(owner, streamName)}, ShardID: shardID, Type: pos.Type, SequenceNumber: pos.SequenceNumber, Timestamp: pos.Timestamp}
	k, err := e.checkIteratorRequest("GetShardIterator", owner, req)
	if err != nil {
		return nil, err
	}
	ss, err := e.getData(ctx, "GetShardIterator", k)
	if err != nil {
		return nil, err
	}
	token, err := e.issueIterator(ctx, "GetShardIterator", ss, account, req)
	if err != nil {
		return nil, err
	}
	it, _ := e.decodeIterator(token)
	key := consumerARN + "\x00" + shardID
	e.subMu.Lock()
	defer e.subMu.Unlock()
	if e.subs == nil {
		e.subs = map[string]subState{}
	}
	prev, live := e.subs[key]
	if live && now.Sub(prev.started) < subscriptionTakeover {
		return nil, fail(op, CodeInUse, "Another active subscription exists for this consumer: %s for shard %s in stream %s.", consumerARN, shardID, streamName)
	}
	st := subState{started: now, gen: prev.gen + 1}
	e.subs[key] = st
	return &Subscription{e: e, key: key, gen: st.gen, it: it, deadline: now.Add(SubscriptionLifetime), lastSent: now}, nil
}

func (sub *Subscription) current() bool {
	sub.e.subMu.Lock()
	defer sub.e.subMu.Unlock()
	return sub.e.subs[sub.key].gen == sub.gen
}

// Next blocks until the next event: new records, the end of the shard, or
// a heartbeat. It returns io.EOF when the subscription's lifetime is over
// or after the event carrying ChildShards, and ErrSubscriptionTakenOver
// when a newer subscription replaced this one.
func (sub *Subscription) Next(ctx context.Context) (*ShardEvent, error) {
	const op = "SubscribeToShard"
	e, account := sub.e, sub.it.account
	for {
		if sub.ended || !e.now().Before(sub.deadline) {
			return nil, io.EOF
		}
		if !sub.current() {
			return nil, ErrSubscriptionTakenOver
		}
		s, err := e.getData(ctx, op, streamKey{account, sub.it.name})
		if err != nil {
			return nil, err
		}
		s.mu.RLock()
		sh := s.shards[sub.it.shard]
		if s.rec.ID != sub.it.streamID || sh == nil {
			s.mu.RUnlock()
			return nil, shardNotFound(op, account, shardID(sub.it.shard), sub.it.name)
		}
		if err := e.checkReadKey(ctx, op, s.rec.Account, s.rec.Encryption, s.rec.KeyARN); err != nil {
			s.mu.RUnlock()
			return nil, err
		}
		wake := sh.waitAppend()
		now := e.now()
		out, next, err := e.readRecords(ctx, op, s, sh, sub.it, subscriptionMaxRecords, subscriptionMaxBytes, now)
		epoch, index := sh.rec.Epoch, sh.rec.Index
		s.mu.RUnlock()
		if err != nil {
			return nil, err
		}
		sub.it.offset = next
		if n := len(out.Records); n > 0 {
			sub.lastSeq = out.Records[n-1].SequenceNumber
		} else if sub.lastSeq == "" {
			// No record delivered yet: the position just before the next
			// record, so AFTER_SEQUENCE_NUMBER resumes here.
			pos := next
			if pos > 0 {
				pos--
			}
			sub.lastSeq = formatSeq(epoch, pos, now, index)
		}
		if len(out.Records) > 0 || out.ChildShards != nil || now.Sub(sub.lastSent) >= subscriptionHeartbeat {
			sub.lastSent = now
			sub.ended = out.ChildShards != nil
			return &ShardEvent{Records: out.Records, ContinuationSequenceNumber: sub.lastSeq,
				MillisBehindLatest: out.MillisBehindLatest, ChildShards: out.ChildShards}, nil
		}
		wait := min(subscriptionHeartbeat-now.Sub(sub.lastSent), sub.deadline.Sub(now))
		t := time.NewTimer(max(wait, time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-e.subStop:
			t.Stop()
			return nil, io.EOF
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// StopSubscriptions ends every subscription (at their next wait): the
// server calls it when it starts to shut down, so event streams close
// instead of holding the drain for five minutes.
func (e *Engine) StopSubscriptions() { e.subOnce.Do(func() { close(e.subStop) }) }

// Close ends the subscription. As on AWS, a new subscription of the same
// consumer and shard is still refused until 5 s after this one started.
func (sub *Subscription) Close() { sub.ended = true }
