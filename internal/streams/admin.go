package streams

import (
	"context"
)

// IncreaseRetention raises a stream's retention period (hours).
func (e *Engine) IncreaseRetention(ctx context.Context, account string, ref Ref, hours int) error {
	return e.setRetention(ctx, account, "IncreaseStreamRetentionPeriod", ref, hours, true)
}

// DecreaseRetention lowers a stream's retention period (hours); the next
// sweep trims what falls outside it, and reads hide it at once.
func (e *Engine) DecreaseRetention(ctx context.Context, account string, ref Ref, hours int) error {
	return e.setRetention(ctx, account, "DecreaseStreamRetentionPeriod", ref, hours, false)
}

func (e *Engine) setRetention(ctx context.Context, account, op string, ref Ref, hours int, up bool) error {
	var v validation
	if hours < 1 {
		v.add(hours, "retentionPeriodHours", "Member must have value greater than or equal to 1")
	}
	if hours > 8760 {
		v.add(hours, "retentionPeriodHours", "Member must have value less than or equal to 8760")
	}
	k, err := e.resolve(op, account, ref, &v)
	if err != nil {
		return err
	}
	if hours < MinRetentionHours {
		return fail(op, CodeInvalidArgument, "Minimum allowed retention period is %d hours. Requested retention period (%d hours) is too short.", MinRetentionHours, hours)
	}
	s, err := e.open(ctx, op, account, k)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.status(e.now()); st != StatusActive {
		return fail(op, CodeInUse, "Stream %s under account %s not ACTIVE, instead in state %s", k.name, account, st)
	}
	if up && hours < s.rec.Retention {
		return fail(op, CodeInvalidArgument, "Requested retention period (%d hours) for stream %s can not be shorter than existing retention period (%d hours). Use DecreaseRetentionPeriod API.", hours, k.name, s.rec.Retention)
	}
	if !up && hours > s.rec.Retention {
		return fail(op, CodeInvalidArgument, "Requested retention period (%d hours) for stream %s can not be longer than existing retention period (%d hours). Use IncreaseRetentionPeriod API.", hours, k.name, s.rec.Retention)
	}
	s.rec.Retention = hours
	return e.save(ctx, s)
}

// Metrics lists the shard-level metric names.
var Metrics = []string{"IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
	"WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds"}

// SetMonitoring enables (or disables) shard-level metrics and returns the
// metrics before and after.
func (e *Engine) SetMonitoring(ctx context.Context, account string, ref Ref, metrics []string, enable bool) (name string, before, after []string, err error) {
	op := "EnableEnhancedMonitoring"
	if !enable {
		op = "DisableEnhancedMonitoring"
	}
	var v validation
	if len(metrics) == 0 {
		v.add("[]", "shardLevelMetrics", "Member must have length greater than or equal to 1")
	}
	for i, m := range metrics {
		if m != "ALL" && !contains(Metrics, m) {
			v.add(m, "shardLevelMetrics."+itoa(i+1)+".member", "Member must satisfy enum value set: [IncomingBytes, IncomingRecords, OutgoingBytes, OutgoingRecords, WriteProvisionedThroughputExceeded, ReadProvisionedThroughputExceeded, IteratorAgeMilliseconds, ALL]")
		}
	}
	k, err := e.resolve(op, account, ref, &v)
	if err != nil {
		return "", nil, nil, err
	}
	s, err := e.open(ctx, op, account, k)
	if err != nil {
		return "", nil, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	before = append([]string{}, s.rec.Metrics...)
	set := map[string]bool{}
	for _, m := range s.rec.Metrics {
		set[m] = true
	}
	for _, m := range metrics {
		list := []string{m}
		if m == "ALL" {
			list = Metrics
		}
		for _, x := range list {
			set[x] = enable
		}
	}
	after = []string{}
	for _, m := range Metrics {
		if set[m] {
			after = append(after, m)
		}
	}
	s.rec.Metrics = after
	return k.name, before, after, e.save(ctx, s)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// DescribeLimits reports the account's shard quota and usage.
func (e *Engine) DescribeLimits(ctx context.Context, account string) (Limits, error) {
	list, err := e.ListStreams(ctx, account)
	if err != nil {
		return Limits{}, err
	}
	l := Limits{ShardLimit: e.opts.ShardLimit, OpenShardCount: e.openShardCount(account), OnDemandStreamCountLimit: 50}
	for _, d := range list {
		if d.Mode == ModeOnDemand {
			l.OnDemandStreamCount++
		}
	}
	return l, nil
}

// UpdateStreamMode switches a stream between PROVISIONED and ON_DEMAND.
func (e *Engine) UpdateStreamMode(ctx context.Context, account, arn, mode string) error {
	const op = "UpdateStreamMode"
	var v validation
	if arn == "" {
		v.add(nil, "streamARN", "Member must not be null")
	}
	if mode != ModeProvisioned && mode != ModeOnDemand {
		v.add(mode, "streamModeDetails.streamMode", "Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]")
	}
	k, err := e.resolve(op, account, Ref{ARN: arn}, &v)
	if err != nil {
		return err
	}
	s, err := e.open(ctx, op, account, k)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.status(e.now()); st != StatusActive {
		return fail(op, CodeInUse, "Stream %s under account %s not ACTIVE, instead in state %s", k.name, account, st)
	}
	if s.rec.Mode == mode {
		return fail(op, CodeInvalidArgument, "Stream %s under account %s is already in %s mode.", k.name, account, mode)
	}
	s.rec.Mode = mode
	e.startUpdating(s)
	return e.save(ctx, s)
}

// UpdateMaxRecordSize sets the largest record (data plus partition key,
// in KiB, 1024–10240) the stream accepts.
func (e *Engine) UpdateMaxRecordSize(ctx context.Context, account, arn string, kib int) error {
	const op = "UpdateMaxRecordSize"
	var v validation
	if arn == "" {
		v.add(nil, "streamARN", "Member must not be null")
	}
	if kib < MinRecordKiB {
		v.add(kib, "maxRecordSizeInKiB", "Member must have value greater than or equal to 1024")
	} else if kib > MaxRecordKiB {
		v.add(kib, "maxRecordSizeInKiB", "Member must have value less than or equal to 10240")
	}
	k, err := e.resolve(op, account, Ref{ARN: arn}, &v)
	if err != nil {
		return err
	}
	s, err := e.open(ctx, op, account, k)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.status(e.now()); st != StatusActive {
		return fail(op, CodeInUse, "Stream %s under account %s not ACTIVE, instead in state %s", k.name, account, st)
	}
	before := s.rec.MaxRecordKiB
	s.rec.MaxRecordKiB = kib
	if err := e.save(ctx, s); err != nil {
		s.rec.MaxRecordKiB = before
		return err
	}
	return nil
}
