package objstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// S3 bills a version deleted, overwritten or transitioned out of a class
// before the class's minimum storage duration for the rest of that
// duration (the early-deletion charge). The engine keeps a ledger of
// those events — s3/ec/<event time, 8 bytes big-endian ns><bucket>\x00
// <key>\x00<version> → earlyCharge — written in the batch that removes or
// moves the version, so the cost view can report the month's charges.
const earlyPrefix = "s3/ec/"

// earlyLedgerKeep is how long ledger events are kept.
const earlyLedgerKeep = 400 * 24 * time.Hour

type earlyCharge struct {
	Class    string  `json:"class"`
	Billable int64   `json:"bytes"` // billable bytes at the class's rules
	Days     float64 `json:"days"`  // of the minimum left
}

// leftClass records that o leaves its storage class now (deleted,
// replaced, or moved to another class).
func (vb *versionBatch) leftClass(o *Object) {
	if o.DeleteMarker || MinStorageDays[o.Class()] == 0 {
		return
	}
	c := *o
	vb.left = append(vb.left, &c)
}

// earlyCharges adds to vb's batch a ledger event for each version that
// leaves its class before the class's minimum storage duration.
func (s *Store) earlyCharges(vb *versionBatch) {
	if len(vb.left) == 0 {
		return
	}
	now := s.now()
	for _, o := range vb.left {
		since := o.LastModified
		if o.ClassSince != nil {
			since = *o.ClassSince
		}
		left := float64(MinStorageDays[o.Class()]) - float64(now.Sub(since))/float64(s.opts.Day)
		if left <= 0 {
			continue
		}
		k := binary.BigEndian.AppendUint64([]byte(earlyPrefix), uint64(max(now.UnixNano(), 0)))
		k = append(k, o.Bucket+"\x00"+o.Key+"\x00"+o.Version()...)
		v, _ := json.Marshal(earlyCharge{Class: o.Class(), Billable: billable(o), Days: left})
		vb.b.Set(k, v)
	}
}

// billable is the bytes S3 bills for o in its class: at least 128 KiB in
// the IA classes and GLACIER_IR, 40 KiB of index more in GLACIER and
// DEEP_ARCHIVE.
func billable(o *Object) int64 {
	switch o.Class() {
	case "STANDARD_IA", "ONEZONE_IA", "GLACIER_IR":
		return max(o.Size, 128<<10)
	case "GLACIER", "DEEP_ARCHIVE":
		return o.Size + 40<<10
	}
	return o.Size
}

// earlyUsage adds the early-deletion charges of events since from to acc.
func (s *Store) earlyUsage(ctx context.Context, from time.Time, prices map[string]float64, acc func(bucket, class string) *ClassUsage) error {
	lo := binary.BigEndian.AppendUint64([]byte(earlyPrefix), uint64(max(from.UnixNano(), 0)))
	it, err := s.meta.NewIter(ctx, lo, []byte(successor(earlyPrefix)))
	if err != nil {
		return errs.E("objstore.Usage", errs.IO, err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()[len(earlyPrefix)+8:]
		bucket := string(k)
		for i, c := range k {
			if c == 0 {
				bucket = string(k[:i])
				break
			}
		}
		var ev earlyCharge
		if err := json.Unmarshal(it.Value(), &ev); err != nil {
			continue
		}
		u := acc(bucket, ev.Class)
		u.EarlyDeletes++
		u.EarlyDeleteUSD += float64(ev.Billable) / gb * prices[ev.Class] * ev.Days / 30
	}
	return it.Error()
}

// pruneEarlyLedger deletes ledger events older than earlyLedgerKeep.
func (s *Store) pruneEarlyLedger(ctx context.Context) error {
	hi := binary.BigEndian.AppendUint64([]byte(earlyPrefix), uint64(max(s.now().Add(-earlyLedgerKeep).UnixNano(), 0)))
	for {
		it, err := s.meta.NewIter(ctx, []byte(earlyPrefix), hi)
		if err != nil {
			return err
		}
		var mb meta.Batch
		for ok := it.First(); ok && mb.Len() < 1000; ok = it.Next() {
			mb.Delete(append([]byte(nil), it.Key()...))
		}
		if err := it.Close(); err != nil {
			return err
		}
		if mb.Len() == 0 {
			return nil
		}
		if err := s.meta.Apply(ctx, &mb); err != nil {
			return err
		}
	}
}
