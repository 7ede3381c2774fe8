package kinesisapi

import (
	"bytes"
	"testing"
	"time"

	fx "github.com/fxamacker/cbor/v2"

	"github.com/tarnhq/tarn/internal/awsproto/awsjson"
	"github.com/tarnhq/tarn/internal/awsproto/cbor"
)

func cborSeeds(t testing.TB) [][]byte {
	definite, err := cbor.Marshal(map[string]any{"StreamName": "s", "Records": []map[string]any{
		{"Data": []byte("hello"), "PartitionKey": "pk"}, {"Data": []byte{}, "PartitionKey": "ü", "ExplicitHashKey": "12"}}})
	if err != nil {
		t.Fatal(err)
	}
	// As Jackson writes it: indefinite-length map and array.
	indef := []byte{0xbf, 0x6a}
	indef = append(indef, "StreamName"...)
	indef = append(indef, 0x61, 's', 0x67)
	indef = append(indef, "Records"...)
	indef = append(indef, 0x9f, 0xbf, 0x64)
	indef = append(indef, "Data"...)
	indef = append(indef, 0x43, 1, 2, 3, 0x6c)
	indef = append(indef, "PartitionKey"...)
	indef = append(indef, 0x62, 'p', 'k', 0xff, 0xff, 0xff)
	seeds := [][]byte{definite, indef,
		indef[:len(indef)-1],                     // no final break
		append(append([]byte{}, definite...), 0), // trailing byte
		append(append([]byte{}, indef...), 0xff), // extra break
		{0xa0}, {}, {0xf6}, {0x80},
	}
	for _, v := range []any{
		map[string]any{"StreamARN": "arn:aws:kinesis:us-east-1:000000000000:stream/s", "Records": []any{}},
		map[string]any{"StreamName": "s", "Records": []map[string]any{{"Data": nil, "PartitionKey": "pk"}}},
		map[string]any{"StreamName": "s", "Records": []map[string]any{{"Data": "text, not bytes", "PartitionKey": "pk"}}},
		map[string]any{"streamname": "s", "Records": []map[string]any{{"Data": []byte("x"), "PartitionKey": "pk"}}},
		map[string]any{"StreamName": "s", "Records": []map[string]any{{"Data": []byte("x"), "PartitionKey": "pk", "Other": 1}}},
		map[string]any{"StreamName": "s", "Records": []map[string]any{{"Data": fx.Tag{Number: 24, Content: []byte("x")}, "PartitionKey": "pk"}}},
		map[string]any{"StreamName": "s", "Records": []map[string]any{{"PartitionKey": "pk"}}},
		map[string]any{"StreamName": 5, "Records": []any{}},
		map[string]any{"StreamName": "s", "Records": []map[string]any{{"Data": []byte("x"), "PartitionKey": string([]byte{0xff})}}},
	} {
		b, err := fx.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// FuzzPutRecordsCBOR checks the fast CBOR decoder against the generic
// one: whatever it accepts, the generic decoder decodes to the same value.
func FuzzPutRecordsCBOR(f *testing.F) {
	for _, s := range cborSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast, slow putRecordsIn
		ok := decodePutRecordsCBOR(body, &fast)
		err := cbor.Unmarshal(body, &slow)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("fast decoder accepted %x, generic: %v", body, err)
		}
		if fast.StreamName != slow.StreamName || fast.StreamARN != slow.StreamARN || len(fast.Records) != len(slow.Records) {
			t.Fatalf("%x: fast %+v, generic %+v", body, fast, slow)
		}
		for i := range fast.Records {
			a, b := fast.Records[i], slow.Records[i]
			if !bytes.Equal(a.Data, b.Data) || a.PartitionKey != b.PartitionKey || a.ExplicitHashKey != b.ExplicitHashKey {
				t.Fatalf("%x record %d: fast %+v, generic %+v", body, i, a, b)
			}
		}
	})
}

func TestFastCBORDecoderTakesTheCommonShapes(t *testing.T) {
	for _, s := range cborSeeds(t)[:2] {
		var in putRecordsIn
		if !decodePutRecordsCBOR(s, &in) || in.StreamName != "s" || len(in.Records) == 0 {
			t.Errorf("fast decoder gave up on %x", s)
		}
	}
}

func TestFastCBOREncoders(t *testing.T) {
	it := "AAAA+/=="
	ts := awsjson.Timestamp{Time: time.UnixMilli(1764140000123)}
	long := string(bytes.Repeat([]byte("k"), 300))
	recs := []record{{SequenceNumber: "4960", ApproximateArrivalTimestamp: ts, Data: bytes.Repeat([]byte{7}, 70000), PartitionKey: "pk<&>\"é"},
		{SequenceNumber: "4961", ApproximateArrivalTimestamp: awsjson.Timestamp{Time: time.Unix(5, 0)}, Data: []byte{}, PartitionKey: long, EncryptionType: "KMS"},
		{SequenceNumber: "4962", ApproximateArrivalTimestamp: awsjson.Timestamp{Time: time.UnixMilli(-5)}, PartitionKey: "nil data"}}
	for _, o := range []*getRecordsOut{
		{Records: recs, NextShardIterator: &it, MillisBehindLatest: 42},
		{Records: []record{}, MillisBehindLatest: 1 << 40},
		{},
	} {
		want, err := cbor.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := o.appendCBOR(nil); !ok || !bytes.Equal(got, want) {
			t.Errorf("getRecordsOut:\n got %x\nwant %x", got, want)
		}
	}
	if _, ok := (&getRecordsOut{Records: []record{}, ChildShards: []childShard{{ShardId: "x"}}}).appendCBOR(nil); ok {
		t.Error("ChildShards should take the generic encoder")
	}
	for _, o := range []*subscribeEvent{
		{Records: recs, ContinuationSequenceNumber: "4962", MillisBehindLatest: 7},
		{Records: []record{}, ContinuationSequenceNumber: "1"},
		{},
	} {
		want, err := cbor.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := o.appendCBOR(nil); !ok || !bytes.Equal(got, want) {
			t.Errorf("subscribeEvent:\n got %x\nwant %x", got, want)
		}
	}
	many := make([]putRecordsResult, 300)
	for i := range many {
		many[i] = putRecordsResult{SequenceNumber: "49" + long[:i%60], ShardId: "shardId-000000000000"}
	}
	for _, o := range []*putRecordsOut{
		{Records: []putRecordsResult{{SequenceNumber: "1", ShardId: "shardId-000000000000"}, {ErrorCode: "X", ErrorMessage: "Rate <exceeded>"}}, FailedRecordCount: 1, EncryptionType: "NONE"},
		{Records: many, FailedRecordCount: 300},
		{},
	} {
		want, err := cbor.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.appendCBOR(nil); !bytes.Equal(got, want) {
			t.Errorf("putRecordsOut:\n got %x\nwant %x", got, want)
		}
	}
}

func cborBenchBody() []byte {
	var in putRecordsIn
	in.StreamName = "bench"
	for i := range 500 {
		in.Records = append(in.Records, putRecordsEntry{Data: bytes.Repeat([]byte{byte(i)}, 1024), PartitionKey: "pk-" + string(rune('a'+i%26))})
	}
	b, _ := cbor.Marshal(&in)
	return b
}

// BenchmarkPutRecordsDecodeCBOR compares the fast CBOR decoder with the
// generic one on a 500 × 1 KiB PutRecords body.
func BenchmarkPutRecordsDecodeCBOR(b *testing.B) {
	body := cborBenchBody()
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var in putRecordsIn
			if !decodePutRecordsCBOR(body, &in) {
				b.Fatal("gave up")
			}
		}
	})
	b.Run("generic", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var in putRecordsIn
			if err := cbor.Unmarshal(body, &in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
