package streams

import (
	"context"
	"math/big"
	"sort"
)

// reshardable returns the stream locked exclusively if it may be
// resharded now (ACTIVE, PROVISIONED). The caller unlocks.
func (e *Engine) reshardable(ctx context.Context, op, account string, ref Ref, v *validation) (*stream, error) {
	k, err := e.resolve(op, account, ref, v)
	if err != nil {
		return nil, err
	}
	s, err := e.open(ctx, op, account, k)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if st := s.status(e.now()); st != StatusActive {
		s.mu.Unlock()
		return nil, fail(op, CodeInUse, "Stream %s under account %s not ACTIVE, instead in state %s", k.name, account, st)
	}
	if s.rec.Mode != ModeProvisioned {
		s.mu.Unlock()
		return nil, fail(op, CodeValidation, "%s is not supported for streams with ON_DEMAND capacity mode.", op)
	}
	return s, nil
}

// closeShard closes an open shard at its current end. Called with s.mu
// held exclusively, so no append is in flight.
func (e *Engine) closeShard(s *stream, sh *shard) {
	_, next := sh.log.Bounds()
	sh.rec.Closed, sh.rec.ClosedAt, sh.rec.EndOffset = true, e.now(), next
}

// addShard creates an open child shard; parents' epochs bound its epoch
// so its sequence numbers exceed theirs.
func (e *Engine) addShard(ctx context.Context, s *stream, start, end *big.Int, parent, adjacent int) error {
	now := e.now()
	epoch := now.Unix()
	for _, p := range []int{parent, adjacent} {
		if sh := s.shards[p]; p >= 0 && sh != nil && sh.rec.Epoch >= epoch {
			epoch = sh.rec.Epoch + 1
		}
	}
	ix := s.rec.NextShard
	s.rec.NextShard++
	s.rec.Shards = append(s.rec.Shards, shardRec{Index: ix, Parent: parent, Adjacent: adjacent, Start: start.String(), End: end.String(),
		Created: now, Epoch: epoch})
	s.rebind()
	return e.openShard(ctx, s, &s.rec.Shards[len(s.rec.Shards)-1])
}

func (e *Engine) split(ctx context.Context, s *stream, sh *shard, at *big.Int) error {
	e.closeShard(s, sh)
	parent := sh.rec.Index
	lo, hi := new(big.Int).Set(sh.start), new(big.Int).Set(sh.end)
	if err := e.addShard(ctx, s, lo, new(big.Int).Sub(at, big.NewInt(1)), parent, -1); err != nil {
		return err
	}
	return e.addShard(ctx, s, at, hi, parent, -1)
}

func (e *Engine) merge(ctx context.Context, s *stream, a, b *shard) error {
	e.closeShard(s, a)
	e.closeShard(s, b)
	lo, hi := a.start, b.end
	if b.start.Cmp(a.start) < 0 {
		lo, hi = b.start, a.end
	}
	return e.addShard(ctx, s, new(big.Int).Set(lo), new(big.Int).Set(hi), a.rec.Index, b.rec.Index)
}

func (e *Engine) startUpdating(s *stream) {
	now := e.now()
	s.rec.Status, s.rec.Until = StatusUpdating, now.Add(e.opts.StateDelay)
}

// SplitShard closes a shard and opens two children split at newStart.
func (e *Engine) SplitShard(ctx context.Context, account string, ref Ref, shardToSplit, newStart string) error {
	const op = "SplitShard"
	var v validation
	v.shardID(shardToSplit, "shardToSplit")
	v.hashKeyString(newStart, "newStartingHashKey", true)
	if cur := e.openShardCount(account); cur+1 > e.opts.ShardLimit {
		return e.shardLimitError(op, account, cur, 1)
	}
	s, err := e.reshardable(ctx, op, account, ref, &v)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	sh := s.shardByID(shardToSplit)
	if sh == nil || sh.rec.Closed {
		return shardNotFound(op, account, shardToSplit, s.rec.Name)
	}
	at, _ := new(big.Int).SetString(newStart, 10)
	if at.Cmp(sh.start) <= 0 || at.Cmp(sh.end) > 0 {
		return fail(op, CodeInvalidArgument, "NewStartingHashKey %s used in SplitShard() on shard %s in stream %s under account %s is not both greater than one plus the shard's StartingHashKey %s and less than the shard's EndingHashKey %s.",
			newStart, shardToSplit, s.rec.Name, account, sh.start, sh.end)
	}
	if err := e.split(ctx, s, sh, at); err != nil {
		return err
	}
	e.startUpdating(s)
	return e.save(ctx, s)
}

func adjacent(a, b *shard) bool {
	one := big.NewInt(1)
	return new(big.Int).Add(a.end, one).Cmp(b.start) == 0 || new(big.Int).Add(b.end, one).Cmp(a.start) == 0
}

// MergeShards closes two adjacent shards and opens their union.
func (e *Engine) MergeShards(ctx context.Context, account string, ref Ref, shardToMerge, adjacentShard string) error {
	const op = "MergeShards"
	var v validation
	v.shardID(shardToMerge, "shardToMerge")
	v.shardID(adjacentShard, "adjacentShardToMerge")
	s, err := e.reshardable(ctx, op, account, ref, &v)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	a, b := s.shardByID(shardToMerge), s.shardByID(adjacentShard)
	if a == nil || a.rec.Closed {
		return shardNotFound(op, account, shardToMerge, s.rec.Name)
	}
	if b == nil || b.rec.Closed {
		return shardNotFound(op, account, adjacentShard, s.rec.Name)
	}
	if a == b || !adjacent(a, b) {
		return fail(op, CodeInvalidArgument, "Shards %s and %s in stream %s under account %s are not an adjacent pair of shards eligible for merging",
			shardToMerge, adjacentShard, s.rec.Name, account)
	}
	if err := e.merge(ctx, s, a, b); err != nil {
		return err
	}
	e.startUpdating(s)
	return e.save(ctx, s)
}

// UpdateShardCount scales to target open shards (UNIFORM_SCALING) by
// splitting the widest shards or merging the narrowest adjacent pairs, so
// lineage stays exact. It returns the previous open shard count.
func (e *Engine) UpdateShardCount(ctx context.Context, account string, ref Ref, target int, scalingType string) (int, error) {
	const op = "UpdateShardCount"
	var v validation
	if target < 1 {
		v.add(target, "targetShardCount", "Member must have value greater than or equal to 1")
	}
	if target > 100000 {
		v.add(target, "targetShardCount", "Member must have value less than or equal to 100000")
	}
	if scalingType != "UNIFORM_SCALING" {
		v.add(scalingType, "scalingType", "Member must satisfy enum value set: [UNIFORM_SCALING]")
	}
	cur := e.openShardCount(account)
	s, err := e.reshardable(ctx, op, account, ref, &v)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	open := s.openShards()
	n := len(open)
	if target > 2*n || 2*target < n {
		return 0, fail(op, CodeInvalidArgument, "UpdateShardCount cannot scale up over double or down below half your current open shard count. Current open shard count: %d Target shard count: %d", n, target)
	}
	if target > n && cur+target-n > e.opts.ShardLimit {
		return 0, e.shardLimitError(op, account, cur, target-n)
	}
	for len(open) < target {
		w := open[0]
		for _, sh := range open {
			if width(sh).Cmp(width(w)) > 0 {
				w = sh
			}
		}
		mid := new(big.Int).Add(w.start, new(big.Int).Rsh(new(big.Int).Add(width(w), big.NewInt(1)), 1))
		if err := e.split(ctx, s, w, mid); err != nil {
			return 0, err
		}
		open = s.openShards()
	}
	for len(open) > target {
		best := 0
		for i := 1; i+1 < len(open); i++ {
			if new(big.Int).Add(width(open[i]), width(open[i+1])).Cmp(new(big.Int).Add(width(open[best]), width(open[best+1]))) < 0 {
				best = i
			}
		}
		if err := e.merge(ctx, s, open[best], open[best+1]); err != nil {
			return 0, err
		}
		open = s.openShards()
	}
	e.startUpdating(s)
	return n, e.save(ctx, s)
}

func width(sh *shard) *big.Int { return new(big.Int).Sub(sh.end, sh.start) }

// openShards lists open shards by hash range.
func (s *stream) openShards() []*shard {
	var out []*shard
	for i := range s.rec.Shards {
		if !s.rec.Shards[i].Closed {
			out = append(out, s.shards[s.rec.Shards[i].Index])
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start.Cmp(out[j].start) < 0 })
	return out
}
