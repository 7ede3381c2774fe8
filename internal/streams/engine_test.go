package streams

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	metamem "github.com/tarnhq/tarn/internal/storage/meta/mem"
	"github.com/tarnhq/tarn/internal/storage/seglog"
	"github.com/tarnhq/tarn/internal/storage/seglog/file"
	logmem "github.com/tarnhq/tarn/internal/storage/seglog/mem"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	*Engine
	clk *clock
	ctx context.Context
}

func newEnv(t *testing.T, opts Options) *env {
	return newEnvOn(t, metamem.New(), logmem.New(), opts)
}

func newEnvOn(t *testing.T, m *metamem.Store, l seglog.Store, opts Options) *env {
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	opts.Now = clk.Now
	opts.SweepInterval = -1
	e, err := New(context.Background(), m, l, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return &env{e, clk, context.Background()}
}

func (e *env) create(t *testing.T, name string, shards int) {
	t.Helper()
	if err := e.CreateStream(e.ctx, acct, name, shards, "", nil); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(time.Second)
}

func wantCode(t *testing.T, err error, code, msgPart string) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if msgPart != "" && !strings.Contains(err.Error(), msgPart) {
		t.Fatalf("err = %v, want text %q", err, msgPart)
	}
}

func TestStatesAndValidation(t *testing.T) {
	e := newEnv(t, Options{})
	err := e.CreateStream(e.ctx, acct, "bad name!", 1, "", nil)
	wantCode(t, err, CodeValidation, "1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	wantCode(t, e.CreateStream(e.ctx, acct, "s", 0, "", nil), CodeValidation, "Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1")
	if err := e.CreateStream(e.ctx, acct, "s", 3, "", nil); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.CreateStream(e.ctx, acct, "s", 1, "", nil), CodeInUse, "Stream s under account 000000000000 already exists.")
	d, _ := e.DescribeStream(e.ctx, acct, Ref{Name: "s"})
	if d.Status != StatusCreating || len(d.Shards) != 3 {
		t.Fatalf("describe = %+v", d)
	}
	if _, err := e.PutRecord(e.ctx, acct, Ref{Name: "s"}, PutEntry{PartitionKey: "k", Data: []byte("x")}, ""); errs.CodeOf(err) != CodeNotFound {
		t.Fatalf("put on CREATING stream: %v", err)
	}
	e.clk.Add(DefaultStateDelay)
	d, _ = e.DescribeStream(e.ctx, acct, Ref{ARN: "arn:aws:kinesis:us-east-1:000000000000:stream/s"})
	if d.Status != StatusActive {
		t.Fatalf("status = %s", d.Status)
	}
	if d.Shards[0].HashKeyRange.Start.Sign() != 0 || d.Shards[2].HashKeyRange.End.Cmp(maxHash) != 0 ||
		d.Shards[0].HashKeyRange.End.String() != "113427455640312821154458202477256070484" {
		t.Fatalf("hash ranges = %v %v", d.Shards[0].HashKeyRange, d.Shards[2].HashKeyRange)
	}
	if err := e.DeleteStream(e.ctx, acct, Ref{Name: "s"}, false); err != nil {
		t.Fatal(err)
	}
	d, _ = e.DescribeStream(e.ctx, acct, Ref{Name: "s"})
	if d.Status != StatusDeleting {
		t.Fatalf("status = %s", d.Status)
	}
	e.clk.Add(DefaultStateDelay)
	_, err = e.DescribeStream(e.ctx, acct, Ref{Name: "s"})
	wantCode(t, err, CodeNotFound, "Stream s under account 000000000000 not found.")
}

func TestShardLimit(t *testing.T) {
	e := newEnv(t, Options{ShardLimit: 5})
	e.create(t, "a", 4)
	err := e.CreateStream(e.ctx, acct, "b", 2, "", nil)
	wantCode(t, err, CodeLimitExceeded, "This request would exceed the shard limit for the account 000000000000 in us-east-1. Current shard count for the account: 4. Limit: 5. Number of additional shards that would have resulted from this request: 2.")
}

func readAll(t *testing.T, e *env, name, shard, typ string) []Record {
	t.Helper()
	it, err := e.GetShardIterator(e.ctx, acct, IteratorRequest{Ref: Ref{Name: name}, ShardID: shard, Type: typ})
	if err != nil {
		t.Fatal(err)
	}
	var out []Record
	for it != "" {
		r, err := e.GetRecords(e.ctx, acct, it, 3)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r.Records...)
		if len(r.Records) == 0 && r.ChildShards == nil {
			break
		}
		it = r.NextShardIterator
	}
	return out
}

func TestPutGetOrder(t *testing.T) {
	e := newEnv(t, Options{NoLimits: true})
	e.create(t, "s", 1)
	var seqs []string
	for i := range 10 {
		r, err := e.PutRecord(e.ctx, acct, Ref{Name: "s"}, PutEntry{PartitionKey: fmt.Sprint(i), Data: []byte{byte(i)}}, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(r.SequenceNumber) != 56 || !strings.HasPrefix(r.SequenceNumber, "49") {
			t.Fatalf("sequence number %s", r.SequenceNumber)
		}
		if len(seqs) > 0 && r.SequenceNumber <= seqs[len(seqs)-1] {
			t.Fatalf("not increasing: %s after %s", r.SequenceNumber, seqs[len(seqs)-1])
		}
		seqs = append(seqs, r.SequenceNumber)
	}
	got := readAll(t, e, "s", "shardId-000000000000", TrimHorizon)
	if len(got) != 10 {
		t.Fatalf("read %d", len(got))
	}
	for i, r := range got {
		if r.SequenceNumber != seqs[i] || r.Data[0] != byte(i) || r.PartitionKey != fmt.Sprint(i) {
			t.Fatalf("record %d = %+v", i, r)
		}
	}
	it, _ := e.GetShardIterator(e.ctx, acct, IteratorRequest{Ref: Ref{Name: "s"}, ShardID: "shardId-000000000000", Type: AfterSequenceNumber, SequenceNumber: seqs[4]})
	r, _ := e.GetRecords(e.ctx, acct, it, 1)
	if r.Records[0].SequenceNumber != seqs[5] || r.MillisBehindLatest < 0 {
		t.Fatalf("AFTER_SEQUENCE_NUMBER read %+v", r)
	}
	it, _ = e.GetShardIterator(e.ctx, acct, IteratorRequest{Ref: Ref{Name: "s"}, ShardID: "shardId-000000000000", Type: Latest})
	r, _ = e.GetRecords(e.ctx, acct, it, 0)
	if len(r.Records) != 0 || r.NextShardIterator == "" || r.NextShardIterator == it {
		t.Fatalf("LATEST read %+v", r)
	}
	e.clk.Add(IteratorLifetime + time.Second)
	_, err := e.GetRecords(e.ctx, acct, it, 0)
	wantCode(t, err, CodeExpiredIterator, "which is further in the future than the tolerated delay of 300000 milliseconds.")
	_, err = e.GetRecords(e.ctx, acct, "AAAA"+it[4:], 0)
	wantCode(t, err, CodeInvalidArgument, "Invalid ShardIterator.")
	// AT_TIMESTAMP
	e.clk.Add(time.Minute)
	mark := e.clk.Now()
	e.PutRecord(e.ctx, acct, Ref{Name: "s"}, PutEntry{PartitionKey: "late", Data: []byte("late")}, "")
	it, _ = e.GetShardIterator(e.ctx, acct, IteratorRequest{Ref: Ref{Name: "s"}, ShardID: "shardId-000000000000", Type: AtTimestamp, Timestamp: mark})
	r, _ = e.GetRecords(e.ctx, acct, it, 0)
	if len(r.Records) != 1 || string(r.Records[0].Data) != "late" {
		t.Fatalf("AT_TIMESTAMP read %+v", r.Records)
	}
}

func TestPutRecordsValidationAndLimits(t *testing.T) {
	e := newEnv(t, Options{})
	e.create(t, "s", 1)
	_, err := e.PutRecords(e.ctx, acct, Ref{Name: "s"}, []PutEntry{{PartitionKey: "", Data: nil}})
	wantCode(t, err, CodeValidation, "Value null at 'records.1.member.partitionKey' failed to satisfy constraint: Member must not be null")
	_, err = e.PutRecords(e.ctx, acct, Ref{Name: "s"}, make([]PutEntry, 501))
	wantCode(t, err, CodeValidation, "at 'records' failed to satisfy constraint: Member must have length less than or equal to 500")
	entries := make([]PutEntry, 500)
	for i := range entries {
		entries[i] = PutEntry{PartitionKey: "k", Data: make([]byte, 3000)}
	}
	res, err := e.PutRecords(e.ctx, acct, Ref{Name: "s"}, entries)
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, r := range res {
		if r.ErrorCode == CodeThroughput {
			failed++
		}
	}
	// 1 MiB/s: 349 records of 3001 bytes fit.
	if failed != 500-349 {
		t.Fatalf("%d throttled", failed)
	}
	e.clk.Add(time.Second)
	for i := range ShardReadCallsPerSec {
		it, _ := e.GetShardIterator(e.ctx, acct, IteratorRequest{Ref: Ref{Name: "s"}, ShardID: "shardId-000000000000", Type: Latest})
		if _, err := e.GetRecords(e.ctx, acct, it, 1); err != nil {
			t.Fatal(i, err)
		}
	}
	it, _ := e.GetShardIterator(e.ctx, acct, IteratorRequest{Ref: Ref{Name: "s"}, ShardID: "shardId-000000000000", Type: Latest})
	_, err = e.GetRecords(e.ctx, acct, it, 1)
	wantCode(t, err, CodeThroughput, "Rate exceeded for shard shardId-000000000000 in stream s under account 000000000000.")

	e2 := newEnv(t, Options{NoLimits: true})
	e2.create(t, "s", 1)
	res, _ = e2.PutRecords(e2.ctx, acct, Ref{Name: "s"}, entries)
	for _, r := range res {
		if r.ErrorCode != "" {
			t.Fatal("limits lifted but record failed:", r.ErrorCode)
		}
	}
}

func TestReshardLineage(t *testing.T) {
	e := newEnv(t, Options{NoLimits: true})
	e.create(t, "s", 2)
	seq := 0
	put := func(n int) {
		for range n {
			if _, err := e.PutRecord(e.ctx, acct, Ref{Name: "s"}, PutEntry{PartitionKey: fmt.Sprint(seq % 7), Data: []byte(fmt.Sprint(seq))}, ""); err != nil {
				t.Fatal(err)
			}
			seq++
		}
	}
	put(50)
	d, _ := e.DescribeStream(e.ctx, acct, Ref{Name: "s"})
	mid := d.Shards[0].HashKeyRange.End.String()
	mid = mid[:len(mid)-5] + "00000"
	if err := e.SplitShard(e.ctx, acct, Ref{Name: "s"}, "shardId-000000000000", mid); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.SplitShard(e.ctx, acct, Ref{Name: "s"}, "shardId-000000000001", "5"), CodeInUse, "not ACTIVE, instead in state UPDATING")
	put(50)
	e.clk.Add(time.Second)
	if err := e.MergeShards(e.ctx, acct, Ref{Name: "s"}, "shardId-000000000003", "shardId-000000000001"); err != nil {
		t.Fatal(err)
	}
	put(50)
	e.clk.Add(time.Second)
	if _, err := e.UpdateShardCount(e.ctx, acct, Ref{Name: "s"}, 4, "UNIFORM_SCALING"); err != nil {
		t.Fatal(err)
	}
	put(50)
	d, _ = e.DescribeStream(e.ctx, acct, Ref{Name: "s"})
	if d.OpenShardCount != 4 {
		t.Fatalf("open = %d", d.OpenShardCount)
	}
	// Follow lineage: a shard is read once all its parents are done.
	done := map[string]bool{}
	byKey := map[string][]int{}
	total := 0
	for progress := true; progress; {
		progress = false
		for _, sh := range d.Shards {
			if done[sh.ID] || sh.ParentShardID != "" && !done[sh.ParentShardID] || sh.AdjacentParentShardID != "" && !done[sh.AdjacentParentShardID] {
				continue
			}
			for _, r := range readAll(t, e, "s", sh.ID, TrimHorizon) {
				var n int
				fmt.Sscan(string(r.Data), &n)
				byKey[r.PartitionKey] = append(byKey[r.PartitionKey], n)
				total++
			}
			done[sh.ID], progress = true, true
		}
	}
	if total != seq {
		t.Fatalf("read %d records, wrote %d", total, seq)
	}
	for k, ns := range byKey {
		for i := 1; i < len(ns); i++ {
			if ns[i] <= ns[i-1] {
				t.Fatalf("key %s out of order: %v", k, ns)
			}
		}
	}
	// Children's sequence numbers exceed their parents'.
	for _, sh := range d.Shards {
		if sh.ParentShardID != "" {
			for _, p := range d.Shards {
				if p.ID == sh.ParentShardID && !(sh.StartingSequence > p.EndingSequence) {
					t.Fatalf("child %s starts at %s, parent ends at %s", sh.ID, sh.StartingSequence, p.EndingSequence)
				}
			}
		}
	}
}

func TestRetention(t *testing.T) {
	e := newEnv(t, Options{NoLimits: true})
	e.create(t, "s", 1)
	for i := range 200 {
		e.PutRecord(e.ctx, acct, Ref{Name: "s"}, PutEntry{PartitionKey: "k", Data: []byte{byte(i)}}, "")
	}
	wantCode(t, e.DecreaseRetention(e.ctx, acct, Ref{Name: "s"}, 48), CodeInvalidArgument, "can not be longer than existing retention period (24 hours). Use IncreaseRetentionPeriod API.")
	wantCode(t, e.IncreaseRetention(e.ctx, acct, Ref{Name: "s"}, 8761), CodeValidation, "Member must have value less than or equal to 8760")
	if err := e.IncreaseRetention(e.ctx, acct, Ref{Name: "s"}, 48); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(30 * time.Hour)
	if got := readAll(t, e, "s", "shardId-000000000000", TrimHorizon); len(got) != 200 {
		t.Fatalf("read %d within retention", len(got))
	}
	if err := e.DecreaseRetention(e.ctx, acct, Ref{Name: "s"}, 24); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, e, "s", "shardId-000000000000", TrimHorizon); len(got) != 0 {
		t.Fatalf("read %d past retention", len(got))
	}
	if err := e.Sweep(e.ctx); err != nil {
		t.Fatal(err)
	}
	s, _ := e.get(e.ctx, "", streamKey{acct, "s"})
	if first, _ := s.shards[0].log.Bounds(); first < 192 {
		t.Fatalf("after sweep the log starts at %d: segments were not trimmed", first)
	}
}

func TestRestart(t *testing.T) {
	m := metamem.New()
	dir := t.TempDir()
	l, _ := file.Open(dir, file.Options{})
	e := newEnvOn(t, m, l, Options{})
	e.create(t, "s", 2)
	r, _ := e.PutRecord(e.ctx, acct, Ref{Name: "s"}, PutEntry{PartitionKey: "a", Data: []byte("hello")}, "")
	it, _ := e.GetShardIterator(e.ctx, acct, IteratorRequest{Ref: Ref{Name: "s"}, ShardID: r.ShardID, Type: TrimHorizon})
	e.Close()
	l.Close()
	l, _ = file.Open(dir, file.Options{})
	defer l.Close()
	e2, err := New(e.ctx, m, l, Options{Now: e.clk.Now, SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	got, err := e2.GetRecords(e.ctx, acct, it, 0)
	if err != nil || len(got.Records) != 1 || string(got.Records[0].Data) != "hello" || got.Records[0].SequenceNumber != r.SequenceNumber {
		t.Fatalf("after restart: %+v, %v", got, err)
	}
}

// acct is the account the engine tests act for.
const acct = "000000000000"
