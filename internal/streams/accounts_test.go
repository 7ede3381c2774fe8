package streams

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/storage/meta"
	metamem "github.com/tarnhq/tarn/internal/storage/meta/mem"
	"github.com/tarnhq/tarn/internal/storage/seglog"
	"github.com/tarnhq/tarn/internal/storage/seglog/file"
	logmem "github.com/tarnhq/tarn/internal/storage/seglog/mem"
)

const acctB = "111122223333"

func TestAccountsAreSeparate(t *testing.T) {
	e := newEnv(t, Options{ShardLimit: 3, NoLimits: true})
	if err := e.CreateStream(e.ctx, acct, "s", 2, "", nil); err != nil {
		t.Fatal(err)
	}
	// The same name in another account is another stream.
	if err := e.CreateStream(e.ctx, acctB, "s", 3, "", nil); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(time.Second)
	a, _ := e.DescribeStream(e.ctx, acct, Ref{Name: "s"})
	b, _ := e.DescribeStream(e.ctx, acctB, Ref{Name: "s"})
	if a.ARN != "arn:aws:kinesis:us-east-1:000000000000:stream/s" || b.ARN != "arn:aws:kinesis:us-east-1:111122223333:stream/s" ||
		len(a.Shards) != 2 || len(b.Shards) != 3 {
		t.Fatalf("A %s %d shards, B %s %d shards", a.ARN, len(a.Shards), b.ARN, len(b.Shards))
	}
	// The shard quota is per account: B is full, A has room for one more.
	wantCode(t, e.CreateStream(e.ctx, acctB, "t", 1, "", nil), CodeLimitExceeded, "shard limit for the account 111122223333 in us-east-1. Current shard count for the account: 3. Limit: 3.")
	if err := e.CreateStream(e.ctx, acct, "only-a", 1, "", nil); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(time.Second)
	if l, _ := e.DescribeLimits(e.ctx, acctB); l.OpenShardCount != 3 {
		t.Fatalf("B limits %+v", l)
	}
	// By name another account's stream does not exist; by ARN it is denied.
	_, err := e.PutRecords(e.ctx, acctB, Ref{Name: "only-a"}, []PutEntry{{PartitionKey: "k", Data: []byte("x")}})
	wantCode(t, err, CodeNotFound, "Stream only-a under account 111122223333 not found.")
	_, err = e.PutRecords(e.ctx, acctB, Ref{ARN: e.ARN(acct, "only-a")}, []PutEntry{{PartitionKey: "k", Data: []byte("x")}})
	wantCode(t, err, CodeAccessDenied, "User: arn:aws:iam::111122223333:root is not authorized to perform: kinesis:PutRecords on resource: arn:aws:kinesis:us-east-1:000000000000:stream/only-a")
	_, err = e.DescribeStream(e.ctx, acctB, Ref{ARN: e.ARN(acct, "no-such-stream")})
	wantCode(t, err, CodeAccessDenied, "")
	wantCode(t, e.DeleteStream(e.ctx, acctB, Ref{ARN: e.ARN(acct, "s")}, true), CodeAccessDenied, "")
	_, err = e.RegisterConsumer(e.ctx, acctB, e.ARN(acct, "s"), "c", nil)
	wantCode(t, err, CodeAccessDenied, "")
	_, err = e.GetResourcePolicy(e.ctx, acctB, e.ARN(acct, "s"))
	wantCode(t, err, CodeAccessDenied, "")
	// Writes land in the caller's stream only.
	if _, err := e.PutRecord(e.ctx, acctB, Ref{Name: "s"}, PutEntry{PartitionKey: "k", Data: []byte("for B")}, ""); err != nil {
		t.Fatal(err)
	}
	if n := len(readAllAs(t, e, acct, "s")); n != 0 {
		t.Fatalf("A's stream s has %d records written by B", n)
	}
	if got := readAllAs(t, e, acctB, "s"); len(got) != 1 || string(got[0].Data) != "for B" {
		t.Fatalf("B reads %v", got)
	}
	// A shard iterator of one account is refused to another.
	it, err := e.GetShardIterator(e.ctx, acctB, IteratorRequest{Ref: Ref{Name: "s"}, ShardID: "shardId-000000000000", Type: TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.GetRecords(e.ctx, acct, it, 0)
	wantCode(t, err, CodeAccessDenied, "on resource: arn:aws:kinesis:us-east-1:111122223333:stream/s")
	// Consumers carry the account in their ARN.
	c, err := e.RegisterConsumer(e.ctx, acctB, b.ARN, "c", nil)
	if err != nil || !strings.HasPrefix(c.ARN, "arn:aws:kinesis:us-east-1:111122223333:stream/s/consumer/c:") {
		t.Fatalf("consumer %+v, %v", c, err)
	}
	_, err = e.DescribeConsumer(e.ctx, acct, "", "", c.ARN)
	wantCode(t, err, CodeAccessDenied, "")
	// Listing shows the caller's streams only.
	la, _ := e.ListStreams(e.ctx, acct)
	lb, _ := e.ListStreams(e.ctx, acctB)
	if len(la) != 2 || la[0].Name != "only-a" || la[1].Name != "s" || len(lb) != 1 || lb[0].Name != "s" {
		t.Fatalf("A lists %d, B lists %d", len(la), len(lb))
	}
	// Deleting B's stream leaves A's of the same name.
	if err := e.DeleteStream(e.ctx, acctB, Ref{Name: "s"}, true); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(time.Second)
	if _, err := e.DescribeStream(e.ctx, acctB, Ref{Name: "s"}); err == nil {
		t.Fatal("B's stream outlived its deletion")
	}
	if _, err := e.DescribeStream(e.ctx, acct, Ref{Name: "s"}); err != nil {
		t.Fatal(err)
	}
	// No account, or a malformed one, is refused.
	wantCode(t, e.CreateStream(e.ctx, "", "x", 1, "", nil), CodeAccessDenied, "")
	_, err = e.ListStreams(e.ctx, "../etc")
	wantCode(t, err, CodeAccessDenied, "")
}

func TestAccountsSurviveRestart(t *testing.T) {
	m := metamem.New()
	dir := t.TempDir()
	l, _ := file.Open(dir, file.Options{})
	e := newEnvOn(t, m, l, Options{})
	for _, a := range []string{acct, acctB} {
		if err := e.CreateStream(e.ctx, a, "s", 1, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	e.clk.Add(time.Second)
	for _, a := range []string{acct, acctB} {
		if _, err := e.PutRecord(e.ctx, a, Ref{Name: "s"}, PutEntry{PartitionKey: "k", Data: []byte("from " + a)}, ""); err != nil {
			t.Fatal(err)
		}
	}
	itB, _ := e.GetShardIterator(e.ctx, acctB, IteratorRequest{Ref: Ref{Name: "s"}, ShardID: "shardId-000000000000", Type: TrimHorizon})
	e.Close()
	l.Close()
	l, _ = file.Open(dir, file.Options{})
	defer l.Close()
	e2 := &env{mustNew(t, m, l, Options{Now: e.clk.Now, SweepInterval: -1}), e.clk, e.ctx}
	for _, a := range []string{acct, acctB} {
		if got := readAllAs(t, e2, a, "s"); len(got) != 1 || string(got[0].Data) != "from "+a {
			t.Fatalf("account %s reads %v after restart", a, got)
		}
	}
	if got, err := e2.GetRecords(e.ctx, acctB, itB, 0); err != nil || len(got.Records) != 1 {
		t.Fatalf("B's iterator after restart: %v %v", got, err)
	}
}

// TestLegacyStreamsBecomeRoots opens the engine on data written before
// streams were per account: stream records at kinesis/stream/<name>, shard
// logs at <name>-<id>/, iterator tokens of version 1. The streams become
// the legacy account's (root's), with their records, and old iterators
// keep working.
func TestLegacyStreamsBecomeRoots(t *testing.T) {
	m, l := metamem.New(), logmem.New()
	ctx := t.Context()
	created := time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC)
	rec := streamRec{Name: "old", ID: created.UnixNano(), Created: created, Status: StatusActive, Mode: ModeProvisioned,
		Retention: 24, NextShard: 1, Shards: []shardRec{{Index: 0, Parent: -1, Adjacent: -1, Start: "0", End: maxHash.String(),
			Created: created, Epoch: created.Unix()}}}
	b, _ := json.Marshal(&rec)
	if strings.Contains(string(b), "account") || strings.Contains(string(b), "log_dir") {
		t.Fatalf("legacy record %s", b)
	}
	var batch meta.Batch
	batch.Set([]byte("kinesis/stream/old"), b)
	key := make([]byte, 32)
	batch.Set([]byte(keyKey), key)
	if err := m.Apply(ctx, &batch); err != nil {
		t.Fatal(err)
	}
	log, err := l.Open(ctx, "old-"+itoa64(rec.ID)+"/shardId-000000000000")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := log.Append(ctx, []seglog.Record{{Time: created, Data: encodePayload("k", []byte("before accounts"))}}); err != nil {
		t.Fatal(err)
	}
	oldToken := v1Token(key, rec.ID, 0, 0, created.Add(58*time.Minute), "old")

	e := newEnvOn(t, m, l, Options{})
	d, err := e.DescribeStream(e.ctx, acct, Ref{Name: "old"})
	if err != nil || d.ARN != "arn:aws:kinesis:us-east-1:000000000000:stream/old" {
		t.Fatalf("legacy stream as root: %+v, %v", d, err)
	}
	if _, err := e.DescribeStream(e.ctx, acctB, Ref{Name: "old"}); err == nil {
		t.Fatal("another account sees the legacy stream")
	}
	if got := readAllAs(t, e, acct, "old"); len(got) != 1 || string(got[0].Data) != "before accounts" {
		t.Fatalf("legacy records: %v", got)
	}
	got, err := e.GetRecords(e.ctx, acct, oldToken, 0)
	if err != nil || len(got.Records) != 1 {
		t.Fatalf("version 1 iterator: %v, %v", got, err)
	}
	_, err = e.GetRecords(e.ctx, acctB, oldToken, 0)
	wantCode(t, err, CodeAccessDenied, "")
	// The record moved to its account's key, in one batch.
	if _, err := m.Get(ctx, []byte("kinesis/stream/old")); !meta.IsNotFound(err) {
		t.Fatalf("legacy key still there: %v", err)
	}
	v, err := m.Get(ctx, []byte("kinesis/stream/000000000000/old"))
	if err != nil || !strings.Contains(string(v), `"account":"000000000000"`) {
		t.Fatalf("migrated record %s, %v", v, err)
	}
	// Writes after the upgrade go to the same log, and all survive reopening.
	if _, err := e.PutRecord(e.ctx, acct, Ref{Name: "old"}, PutEntry{PartitionKey: "k", Data: []byte("after")}, ""); err != nil {
		t.Fatal(err)
	}
	e.Close()
	e2 := &env{mustNew(t, m, l, Options{Now: e.clk.Now, SweepInterval: -1}), e.clk, e.ctx}
	if got := readAllAs(t, e2, acct, "old"); len(got) != 2 {
		t.Fatalf("after reopening: %d records", len(got))
	}
}

func mustNew(t *testing.T, m meta.Store, l seglog.Store, opts Options) *Engine {
	t.Helper()
	e, err := New(t.Context(), m, l, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// readAllAs reads every record of account's stream (all shards, from
// TRIM_HORIZON).
func readAllAs(t *testing.T, e *env, account, name string) []Record {
	t.Helper()
	d, err := e.DescribeStream(e.ctx, account, Ref{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	var out []Record
	for _, sh := range d.Shards {
		it, err := e.GetShardIterator(e.ctx, account, IteratorRequest{Ref: Ref{Name: name}, ShardID: sh.ID, Type: TrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		for {
			r, err := e.GetRecords(e.ctx, account, it, 0)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r.Records...)
			if len(r.Records) == 0 || r.NextShardIterator == "" {
				break
			}
			it = r.NextShardIterator
		}
	}
	return out
}

// v1Token is a shard iterator as tarn issued them before streams were per
// account (version 1: no account).
func v1Token(key []byte, streamID int64, shard int, offset uint64, issued time.Time, name string) string {
	b := []byte{1}
	b = binary.BigEndian.AppendUint32(b, 7)
	b = binary.BigEndian.AppendUint64(b, uint64(streamID))
	b = binary.BigEndian.AppendUint32(b, uint32(shard))
	b = binary.BigEndian.AppendUint64(b, offset)
	b = binary.BigEndian.AppendUint64(b, uint64(issued.UnixMilli()))
	b = append(b, name...)
	m := hmac.New(sha256.New, key)
	m.Write(b)
	b = m.Sum(b)[:len(b)+16]
	return base64.StdEncoding.EncodeToString(b)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
