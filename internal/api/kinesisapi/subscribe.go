package kinesisapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/tarnhq/tarn/internal/awsproto/awsjson"
	"github.com/tarnhq/tarn/internal/awsproto/cbor"
	"github.com/tarnhq/tarn/internal/streams"
)

type startingPosition struct {
	Type           string             `json:"Type"`
	SequenceNumber string             `json:"SequenceNumber,omitempty"`
	Timestamp      *awsjson.Timestamp `json:"Timestamp,omitempty"`
}

type subscribeIn struct {
	ConsumerARN      string           `json:"ConsumerARN"`
	ShardId          string           `json:"ShardId"`
	StartingPosition startingPosition `json:"StartingPosition"`
}

type subscribeEvent struct {
	Records                    []record     `json:"Records"`
	ContinuationSequenceNumber string       `json:"ContinuationSequenceNumber"`
	MillisBehindLatest         int64        `json:"MillisBehindLatest"`
	ChildShards                []childShard `json:"ChildShards,omitempty"`
}

// subscription is the streaming reply of SubscribeToShard: an AWS event
// stream (application/vnd.amazon.eventstream) of an initial-response, then
// SubscribeToShardEvent events until the five minutes are over.
type subscription struct {
	sub  *streams.Subscription
	cbor bool
}

func (a *api) subscribeToShard(ctx context.Context, in *subscribeIn) (*subscription, error) {
	pos := streams.StartingPosition{Type: in.StartingPosition.Type, SequenceNumber: in.StartingPosition.SequenceNumber}
	if in.StartingPosition.Timestamp != nil {
		pos.Timestamp = in.StartingPosition.Timestamp.Time
	}
	sub, err := a.e.SubscribeToShard(ctx, caller(ctx), in.ConsumerARN, in.ShardId, pos)
	if err != nil {
		return nil, err
	}
	return &subscription{sub: sub, cbor: awsjson.IsCBOR(ctx)}, nil
}

func (s *subscription) encode(v any) ([]byte, string) {
	if s.cbor {
		if ev, ok := v.(subscribeEvent); ok {
			if b, ok := ev.appendCBOR(nil); ok {
				return b, "application/cbor"
			}
		}
		b, _ := cbor.Marshal(v)
		return b, "application/cbor"
	}
	if ev, ok := v.(subscribeEvent); ok {
		return ev.appendJSON(nil), "application/json"
	}
	b, _ := json.Marshal(v)
	return b, "application/json"
}

func (s *subscription) Stream(ctx context.Context, w http.ResponseWriter, requestID string) {
	defer s.sub.Close()
	w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	enc := eventstream.NewEncoder()
	var buf bytes.Buffer
	send := func(msg eventstream.Message) bool {
		buf.Reset()
		if err := enc.Encode(&buf, msg); err != nil {
			return false
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	event := func(typ string, v any) bool {
		payload, ct := s.encode(v)
		var m eventstream.Message
		m.Headers.Set(":message-type", eventstream.StringValue("event"))
		m.Headers.Set(":event-type", eventstream.StringValue(typ))
		m.Headers.Set(":content-type", eventstream.StringValue(ct))
		m.Payload = payload
		return send(m)
	}
	exception := func(code, msg string) {
		payload, ct := s.encode(map[string]string{"message": msg})
		var m eventstream.Message
		m.Headers.Set(":message-type", eventstream.StringValue("exception"))
		m.Headers.Set(":exception-type", eventstream.StringValue(code))
		m.Headers.Set(":content-type", eventstream.StringValue(ct))
		m.Payload = payload
		send(m)
	}
	if !event("initial-response", struct{}{}) {
		return
	}
	for {
		ev, err := s.sub.Next(ctx)
		switch {
		case errors.Is(err, io.EOF):
			return // the subscription ran its course: the stream ends cleanly
		case errors.Is(err, streams.ErrSubscriptionTakenOver):
			exception("ResourceInUseException", "Another subscription for this consumer and shard took over this one.")
			return
		case ctx.Err() != nil:
			return // the client went away
		case err != nil:
			e := toAWSError(err)
			exception(e.Code, e.Message)
			return
		}
		out := subscribeEvent{Records: make([]record, len(ev.Records)), ContinuationSequenceNumber: ev.ContinuationSequenceNumber,
			MillisBehindLatest: ev.MillisBehindLatest}
		for i, r := range ev.Records {
			out.Records[i] = record{SequenceNumber: r.SequenceNumber, ApproximateArrivalTimestamp: awsjson.Timestamp{Time: r.ArrivalTime},
				Data: r.Data, PartitionKey: r.PartitionKey, EncryptionType: r.EncryptionType}
		}
		for _, c := range ev.ChildShards {
			out.ChildShards = append(out.ChildShards, childShard{ShardId: c.ShardID, ParentShards: c.ParentShards,
				HashKeyRange: hashKeyRange{c.HashKeyRange.Start.String(), c.HashKeyRange.End.String()}})
		}
		if !event("SubscribeToShardEvent", out) {
			return
		}
	}
}
