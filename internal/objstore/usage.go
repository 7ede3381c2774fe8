package objstore

import (
	"context"
	"sort"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
)

// DefaultPrices are AWS us-east-1 list prices, USD per GB-month (first
// tier), by storage class; INTELLIGENT_TIERING is priced by access tier.
func DefaultPrices() map[string]float64 {
	return map[string]float64{
		"STANDARD": 0.023, "REDUCED_REDUNDANCY": 0.024, "STANDARD_IA": 0.0125, "ONEZONE_IA": 0.01,
		"GLACIER_IR": 0.004, "GLACIER": 0.0036, "DEEP_ARCHIVE": 0.00099,
		"INTELLIGENT_TIERING": 0.023, "INTELLIGENT_TIERING/" + AccessInfrequent: 0.0125,
		"INTELLIGENT_TIERING/" + AccessArchiveInstant: 0.004, "INTELLIGENT_TIERING/" + ArchiveAccess: 0.0036,
		"INTELLIGENT_TIERING/" + ArchiveDeep: 0.00099,
	}
}

// MinStorageDays are the minimum storage durations S3 bills per class.
var MinStorageDays = map[string]int{"STANDARD_IA": 30, "ONEZONE_IA": 30, "GLACIER_IR": 90, "GLACIER": 90, "DEEP_ARCHIVE": 180}

// ClassUsage is one bucket's usage of one storage class.
type ClassUsage struct {
	Bucket        string  `json:"bucket"`
	Class         string  `json:"class"`
	Objects       int64   `json:"objects"`
	Bytes         int64   `json:"bytes"`
	BillableBytes int64   `json:"billable_bytes"`
	MonthlyUSD    float64 `json:"monthly_usd"`
	// StandardUSD is what the same objects would cost in STANDARD.
	StandardUSD float64 `json:"standard_usd"`
	// MinStorageDays is the class's minimum billed storage duration.
	MinStorageDays int `json:"min_storage_days,omitempty"`
	// UnderMinimum counts the objects stored in the class for less than
	// its minimum duration; MinimumChargeUSD is what the rest of their
	// minimum durations costs — billed even if they are deleted,
	// overwritten or transitioned now (S3's early-deletion charge).
	UnderMinimum     int64   `json:"under_minimum,omitempty"`
	MinimumChargeUSD float64 `json:"minimum_charge_usd,omitempty"`
	// EarlyDeletes counts the versions deleted, overwritten or moved out
	// of the class this month before its minimum duration, and
	// EarlyDeleteUSD is what S3 bills for the rest of their minimums.
	EarlyDeletes   int64   `json:"early_deletes,omitempty"`
	EarlyDeleteUSD float64 `json:"early_delete_usd,omitempty"`
}

// Usage is the cost view: usage per bucket and class, and what keeping
// objects out of STANDARD saves.
type Usage struct {
	Classes    []ClassUsage `json:"classes"`
	MonthlyUSD float64      `json:"monthly_usd"`
	// MinimumChargeUSD sums the classes' committed minimum-duration
	// charges; EarlyDeleteUSD the early-deletion charges of this month.
	MinimumChargeUSD float64 `json:"minimum_charge_usd"`
	EarlyDeleteUSD   float64 `json:"early_delete_usd"`
	// SavedUSD is the monthly cost of everything in STANDARD minus the
	// actual monthly cost: what lifecycle and class choices save.
	SavedUSD float64 `json:"saved_usd"`
}

const gb = 1 << 30

// Usage scans every version of every bucket (current and noncurrent:
// both are billed) and prices it with prices (nil: DefaultPrices).
func (s *Store) Usage(ctx context.Context, prices map[string]float64) (*Usage, error) {
	def := DefaultPrices()
	for k, v := range prices {
		def[k] = v
	}
	prices = def
	now := s.now()
	acc := map[[2]string]*ClassUsage{}
	for _, prefix := range []string{objectPrefix, versionPrefix} {
		it, err := s.meta.NewIter(ctx, []byte(prefix), []byte(successor(prefix)))
		if err != nil {
			return nil, errs.E("objstore.Usage", errs.IO, err)
		}
		for ok := it.First(); ok; ok = it.Next() {
			rest := string(it.Key()[len(prefix):])
			bucket := rest
			for i := 0; i < len(rest); i++ {
				if rest[i] == 0 {
					bucket = rest[:i]
					break
				}
			}
			o, err := decodeObject(bucket, "", it.Value(), false)
			if err != nil {
				it.Close()
				return nil, err
			}
			if o.DeleteMarker {
				continue
			}
			class := o.Class()
			k := [2]string{bucket, class}
			u := acc[k]
			if u == nil {
				u = &ClassUsage{Bucket: bucket, Class: class, MinStorageDays: MinStorageDays[class]}
				acc[k] = u
			}
			bill, price, atStandard := billable(o), prices[class], int64(0)
			switch class {
			case "GLACIER", "DEEP_ARCHIVE":
				atStandard = 8 << 10 // of the 40 KiB of index, 8 KiB are billed at STANDARD's price
			case "INTELLIGENT_TIERING":
				tier := o.AccessTier
				if o.ArchiveStatus != "" {
					tier = o.ArchiveStatus
				}
				if p, ok := prices["INTELLIGENT_TIERING/"+tier]; ok && tier != "" {
					price = p
				}
			}
			monthly := float64(bill-atStandard)/gb*price + float64(atStandard)/gb*prices["STANDARD"]
			u.Objects++
			u.Bytes += o.Size
			u.BillableBytes += bill
			u.MonthlyUSD += monthly
			u.StandardUSD += float64(o.Size) / gb * prices["STANDARD"]
			if d := MinStorageDays[class]; d > 0 {
				since := o.LastModified
				if o.ClassSince != nil {
					since = *o.ClassSince
				}
				if left := float64(d) - float64(now.Sub(since))/float64(s.opts.Day); left > 0 {
					u.UnderMinimum++
					u.MinimumChargeUSD += monthly * left / 30
				}
			}
		}
		if err := it.Close(); err != nil {
			return nil, errs.E("objstore.Usage", errs.IO, err)
		}
	}
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if err := s.earlyUsage(ctx, month, prices, func(bucket, class string) *ClassUsage {
		k := [2]string{bucket, class}
		if acc[k] == nil {
			acc[k] = &ClassUsage{Bucket: bucket, Class: class, MinStorageDays: MinStorageDays[class]}
		}
		return acc[k]
	}); err != nil {
		return nil, err
	}
	out := &Usage{}
	for _, u := range acc {
		out.Classes = append(out.Classes, *u)
		out.MonthlyUSD += u.MonthlyUSD
		out.MinimumChargeUSD += u.MinimumChargeUSD
		out.EarlyDeleteUSD += u.EarlyDeleteUSD
		out.SavedUSD += u.StandardUSD - u.MonthlyUSD
	}
	sort.Slice(out.Classes, func(i, j int) bool {
		a, b := out.Classes[i], out.Classes[j]
		return a.Bucket < b.Bucket || a.Bucket == b.Bucket && a.Class < b.Class
	})
	return out, nil
}
