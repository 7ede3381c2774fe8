package kinesisapi

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/awsproto/awsjson"
)

var putRecordsSeeds = []string{
	`{"Records":[{"Data":"aGVsbG8=","PartitionKey":"pk"}],"StreamName":"s"}`,
	`{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","Records":[{"Data":"","PartitionKey":"p","ExplicitHashKey":"12"},{"PartitionKey":"ü","Data":"AAEC"}]}`,
	` { "StreamName" : "s" , "Records" : [ ] } `,
	`{"Records":[{"Data":"aGVsbG8","PartitionKey":"pk"}],"StreamName":"s"}`,
	`{"Records":[{"Data":"aGVs\nbG8=","PartitionKey":"pk"}],"StreamName":"s"}`,
	`{"Records":[{"Data":"aGVs\\nbG8=","PartitionKey":"pk"}],"StreamName":"s"}`,
	"{\"Records\":[{\"Data\":\"aGVs\r\n\r\nbG8=\",\"PartitionKey\":\"pk\"}],\"StreamName\":\"s\"}",
	`{"Records":[{"Data":"aGVsbG8=\"","PartitionKey":"pk"}],"StreamName":"s"}`,
	`{"records":[{"data":"aGVsbG8=","partitionKey":"pk"}],"streamName":"s"}`,
	`{"Records":[{"Data":null,"PartitionKey":"pk"}],"StreamName":"s"}`,
	`{"Records":[{"Data":[1,2],"PartitionKey":"pk"}],"StreamName":"s"}`,
	`{"Records":[{"Data":"aGVsbG8=","PartitionKey":"pk"}],"StreamName":"s"} x`,
	`{"Records":[{"Data":"aGVsbG8=","PartitionKey":"pk","PartitionKey":"q"}],"StreamName":"s","StreamName":"t"}`,
	`{"Records":[{"Data":"aGVsbG8=","PartitionKey":"\u00fc\"x"}],"StreamName":"s"}`,
	`{"Records":[{"Data":"aGVsbG8=","PartitionKey":"` + "\xff" + `"}],"StreamName":"s"}`,
	`{"Records":{},"StreamName":5}`,
	`{}`, ``, `[]`, `{"Records":[{"Data":"aGVsbG8=","PartitionKey":"pk"},]}`,
}

// FuzzPutRecordsDecoder checks the fast decoder against encoding/json:
// whenever it accepts a body, encoding/json decodes the same value; it
// never accepts a body encoding/json rejects.
func FuzzPutRecordsDecoder(f *testing.F) {
	for _, s := range putRecordsSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast, slow putRecordsIn
		ok := decodePutRecords(body, &fast)
		err := json.Unmarshal(body, &slow)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("fast decoder accepted %q, encoding/json: %v", body, err)
		}
		if fast.StreamName != slow.StreamName || fast.StreamARN != slow.StreamARN || len(fast.Records) != len(slow.Records) {
			t.Fatalf("%q: fast %+v, encoding/json %+v", body, fast, slow)
		}
		for i := range fast.Records {
			a, b := fast.Records[i], slow.Records[i]
			if !bytes.Equal(a.Data, b.Data) || (a.Data == nil) != (b.Data == nil) || a.PartitionKey != b.PartitionKey || a.ExplicitHashKey != b.ExplicitHashKey {
				t.Fatalf("%q record %d: fast %+v, encoding/json %+v", body, i, a, b)
			}
		}
	})
}

func TestFastDecoderTakesTheCommonShape(t *testing.T) {
	for _, s := range putRecordsSeeds[:3] {
		var in putRecordsIn
		if !decodePutRecords([]byte(s), &in) {
			t.Errorf("fast decoder gave up on %s", s)
		}
	}
}

func TestFastEncoders(t *testing.T) {
	it := "AAAA+/=="
	ts := awsjson.Timestamp{Time: time.UnixMilli(1764140000123)}
	recs := []record{{SequenceNumber: "4960", ApproximateArrivalTimestamp: ts, Data: []byte("\x00\xff<>&"), PartitionKey: "pk<&>\"\u2028é\xff"},
		{SequenceNumber: "4961", ApproximateArrivalTimestamp: awsjson.Timestamp{Time: time.Unix(5, 0)}, Data: []byte{}, PartitionKey: "k", EncryptionType: "KMS"}}
	kids := []childShard{{ShardId: "shardId-000000000001", ParentShards: []string{"shardId-000000000000"}, HashKeyRange: hashKeyRange{"0", "9"}}}
	cases := []interface{ appendJSON([]byte) []byte }{
		&getRecordsOut{Records: recs, NextShardIterator: &it, MillisBehindLatest: 42},
		&getRecordsOut{Records: []record{}, ChildShards: kids},
		&getRecordsOut{},
		&subscribeEvent{Records: recs, ContinuationSequenceNumber: "4961", ChildShards: kids},
		&subscribeEvent{Records: []record{}},
		&putRecordsOut{Records: []putRecordsResult{{SequenceNumber: "1", ShardId: "shardId-000000000000"}, {ErrorCode: "X", ErrorMessage: "Rate <exceeded>"}}, FailedRecordCount: 1, EncryptionType: "NONE"},
		&putRecordsOut{},
	}
	for _, c := range cases {
		want, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.appendJSON(nil); !bytes.Equal(got, want) {
			t.Errorf("%T:\n got %s\nwant %s", c, got, want)
		}
	}
}

func benchBody() []byte {
	var in putRecordsIn
	in.StreamName = "bench"
	for i := range 500 {
		in.Records = append(in.Records, putRecordsEntry{Data: bytes.Repeat([]byte{byte(i)}, 1024), PartitionKey: "pk-" + string(rune('a'+i%26))})
	}
	b, _ := json.Marshal(&in)
	return b
}

// BenchmarkPutRecordsDecode compares the fast decoder with encoding/json
// on a 500 × 1 KiB PutRecords body.
func BenchmarkPutRecordsDecode(b *testing.B) {
	body := benchBody()
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var in putRecordsIn
			if !decodePutRecords(body, &in) {
				b.Fatal("gave up")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var in putRecordsIn
			if err := json.Unmarshal(body, &in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGetRecordsEncode compares the append encoder with
// encoding/json on 500 × 1 KiB records.
func BenchmarkGetRecordsEncode(b *testing.B) {
	it := "AAAA"
	out := &getRecordsOut{NextShardIterator: &it}
	for i := range 500 {
		out.Records = append(out.Records, record{SequenceNumber: "49660000000000000000000000000000000000000000000000000002",
			ApproximateArrivalTimestamp: awsjson.Timestamp{Time: time.UnixMilli(int64(i))}, Data: bytes.Repeat([]byte{1}, 1024), PartitionKey: "pk"})
	}
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			out.appendJSON(make([]byte, 0, 800<<10))
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			json.Marshal(out)
		}
	})
}
