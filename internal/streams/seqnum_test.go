package streams

import (
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestSequenceNumbers(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a := formatSeq(at.Unix(), 0, at, 0)
	b := formatSeq(at.Unix(), 1, at, 0)
	child := formatSeq(at.Unix()+1, 0, at, 2)
	for _, s := range []string{a, b, child} {
		if len(s) != 56 || !strings.HasPrefix(s, "49") || !validSeqSyntax(s) {
			t.Fatalf("sequence number %s", s)
		}
	}
	if !(a < b && b < child) {
		t.Fatalf("order: %s %s %s", a, b, child)
	}
	p, ok := parseSeq(formatSeq(at.Unix(), 123456789, at.Add(time.Hour), 77))
	if !ok || p.offset != 123456789 || p.index != 77 || p.epoch != at.Unix() {
		t.Fatalf("parse = %+v, %v", p, ok)
	}
	for _, bad := range []string{"", "0", "12", "abc", strings.Repeat("9", 130)} {
		if _, ok := parseSeq(bad); ok {
			t.Errorf("parseSeq(%q) succeeded", bad)
		}
	}
}

func TestHashKey(t *testing.T) {
	// MD5("a") = 0cc175b9c0f1b6a831c399e269772661.
	if k, ok := hashKey("a", ""); !ok || k != (u128{0x0cc175b9c0f1b6a8, 0x31c399e269772661}) {
		t.Fatalf("hashKey(a) = %x, %v", k, ok)
	}
	for _, s := range []string{"0", "42", "18446744073709551616", maxHash.String(), "99999999999999999999999999999999999999"} {
		n, _ := new(big.Int).SetString(s, 10)
		if k, ok := hashKey("a", s); !ok || k != u128Of(n) {
			t.Errorf("explicit %s = %x, %v", s, k, ok)
		}
	}
	over := new(big.Int).Add(maxHash, big.NewInt(1)).String()
	for _, s := range []string{over, "999999999999999999999999999999999999999"} {
		if _, ok := hashKey("a", s); ok {
			t.Errorf("explicit %s accepted", s)
		}
	}
}

func TestAppendSeqMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(epoch int64, off uint64, unix int64, ix int) {
		t.Helper()
		if got, want := string(appendSeq(nil, epoch, off, unix, ix)), slowSeq(epoch, off, unix, ix); got != want {
			t.Fatalf("appendSeq(%d, %d, %d, %d) = %s, want %s", epoch, off, unix, ix, got, want)
		}
	}
	check(0, 0, 0, 0)
	check(1<<36-1, ^uint64(0), 1<<36-1, 1<<32-1)
	check(1<<36, 5, 6, 7) // outside the layout: the slow path
	for range 100000 {
		check(r.Int64N(1<<36), r.Uint64()>>r.UintN(64), r.Int64N(1<<40), int(r.Int64N(1<<32)))
	}
}

func BenchmarkFormatSeq(b *testing.B) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	b.Run("fast", func(b *testing.B) {
		for i := range b.N {
			formatSeq(at.Unix(), uint64(i), at, 3)
		}
	})
	b.Run("big.Int", func(b *testing.B) {
		for i := range b.N {
			slowSeq(at.Unix(), uint64(i), at.Unix(), 3)
		}
	})
}

// TestRouter checks the binary-search router against a linear big.Int
// search, at random keys and at every shard boundary, after resharding.
func TestRouter(t *testing.T) {
	e := newEnv(t, Options{})
	e.create(t, "s", 7)
	if err := e.SplitShard(e.ctx, acct, Ref{Name: "s"}, "shardId-000000000003", "170141183460469231731687303715884105728"); err != nil {
		t.Fatal(err)
	}
	s, _ := e.get(e.ctx, "", streamKey{acct, "s"})
	s.mu.RLock()
	defer s.mu.RUnlock()
	rt := s.router()
	linear := func(k *big.Int) int {
		for _, r := range s.rec.Shards {
			sh := s.shards[r.Index]
			if !r.Closed && k.Cmp(sh.start) >= 0 && k.Cmp(sh.end) <= 0 {
				return r.Index
			}
		}
		return -1
	}
	keys := []*big.Int{big.NewInt(0), maxHash}
	for _, sh := range s.shards {
		keys = append(keys, sh.start, sh.end, new(big.Int).Add(sh.end, big.NewInt(1)))
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		var b [16]byte
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		keys = append(keys, new(big.Int).SetBytes(b[:]))
	}
	for _, k := range keys {
		if k.Cmp(maxHash) > 0 {
			continue
		}
		got := -1
		if sh := rt.route(hashKey("", k.String())); sh != nil {
			got = sh.rec.Index
		}
		if want := linear(k); got != want {
			t.Fatalf("key %s: router %d, linear %d", k, got, want)
		}
	}
}
