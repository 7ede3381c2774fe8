package streams

import (
	"fmt"
	"testing"
	"time"
)

// hotLoad writes 1100 records of 1 KiB per simulated second for secs
// seconds to the partition key pk of an on-demand stream.
func (e *env) hotLoad(t *testing.T, name, pk string, secs int) {
	t.Helper()
	data := make([]byte, 1024)
	for range secs {
		for range 3 {
			entries := make([]PutEntry, 0, 367)
			for range 367 {
				entries = append(entries, PutEntry{PartitionKey: pk, Data: data})
			}
			res, err := e.PutRecords(e.ctx, acct, Ref{Name: name}, entries)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.ErrorCode != "" {
					t.Fatalf("on-demand write throttled: %s", r.ErrorMessage)
				}
			}
		}
		e.clk.Add(time.Second)
	}
}

func openShardIDs(t *testing.T, e *env, name string) []string {
	t.Helper()
	d, err := e.DescribeStream(e.ctx, acct, Ref{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range d.Shards {
		if s.Open() {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

func TestOnDemandScaling(t *testing.T) {
	e := newEnv(t, Options{ScaleCooldown: time.Minute, ScaleAfter: 3, ShardLimit: 6})
	if err := e.CreateStream(e.ctx, acct, "od", 0, ModeOnDemand, nil); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(time.Second)
	if got := openShardIDs(t, e, "od"); len(got) != OnDemandShards {
		t.Fatalf("on-demand stream starts with %d shards", len(got))
	}
	pk := "hot-key"
	parent := shardID(e.mustRoute(t, "od", pk))

	// Two hot seconds are not sustained load; a quiet second resets it.
	e.hotLoad(t, "od", pk, 2)
	e.clk.Add(time.Second)
	e.hotLoad(t, "od", pk, 2)
	if got := openShardIDs(t, e, "od"); len(got) != 4 {
		t.Fatalf("split without sustained load: %v", got)
	}
	// The third consecutive hot second splits the hot shard, as SplitShard would.
	e.hotLoad(t, "od", pk, 1)
	d, _ := e.DescribeStream(e.ctx, acct, Ref{Name: "od"})
	var kids []Shard
	for _, s := range d.Shards {
		if s.ID == parent && s.Open() {
			t.Fatalf("hot shard %s still open", parent)
		}
		if s.ParentShardID == parent {
			kids = append(kids, s)
		}
	}
	if len(kids) != 2 || kids[0].AdjacentParentShardID != "" || kids[0].HashKeyRange.End.Cmp(kids[1].HashKeyRange.Start) >= 0 ||
		kids[0].StartingSequence <= "" || d.Status != StatusActive {
		t.Fatalf("children of %s: %+v (status %s)", parent, kids, d.Status)
	}
	// Cool-down: sustained load on the new hot child splits nothing for a minute.
	e.hotLoad(t, "od", pk, 10)
	if got := openShardIDs(t, e, "od"); len(got) != 5 {
		t.Fatalf("split during the cool-down: %v", got)
	}
	e.clk.Add(time.Minute)
	e.hotLoad(t, "od", pk, 3)
	if got := openShardIDs(t, e, "od"); len(got) != 6 {
		t.Fatalf("no split after the cool-down: %v", got)
	}
	// The account quota (6) stops further splits.
	e.clk.Add(2 * time.Minute)
	e.hotLoad(t, "od", pk, 4)
	if got := openShardIDs(t, e, "od"); len(got) != 6 {
		t.Fatalf("split past the shard quota: %v", got)
	}
	// Every record is still readable, parents first.
	total := 0
	d, _ = e.DescribeStream(e.ctx, acct, Ref{Name: "od"})
	for _, s := range d.Shards {
		it, err := e.GetShardIterator(e.ctx, acct, IteratorRequest{Ref: Ref{Name: "od"}, ShardID: s.ID, Type: TrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		for it != "" {
			r, err := e.GetRecords(e.ctx, acct, it, 0)
			if err != nil {
				t.Fatal(err)
			}
			total += len(r.Records)
			if len(r.Records) == 0 {
				break
			}
			it = r.NextShardIterator
		}
	}
	if want := (2 + 2 + 1 + 10 + 3 + 4) * 1101; total != want {
		t.Fatalf("read %d records, wrote %d", total, want)
	}
}

// Provisioned streams never scale by themselves.
func TestProvisionedDoesNotScale(t *testing.T) {
	e := newEnv(t, Options{NoLimits: true, ScaleAfter: 1})
	e.create(t, "p", 1)
	e.hotLoad(t, "p", "k", 3)
	if got := openShardIDs(t, e, "p"); len(got) != 1 {
		t.Fatalf("provisioned stream scaled: %v", got)
	}
}

func (e *env) mustRoute(t *testing.T, name, pk string) int {
	s, err := e.lookup(e.ctx, "test", acct, Ref{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	sh := s.router().route(hashKey(pk, ""))
	if sh == nil {
		t.Fatal(fmt.Sprint("no shard for ", pk))
	}
	return sh.rec.Index
}
