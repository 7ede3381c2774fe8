package glueapi

import (
	"time"

	"github.com/tarnhq/tarn/internal/awsproto/awsjson"
	"github.com/tarnhq/tarn/internal/catalog"
)

// The wire types embed the engine's types and shadow their time.Time
// fields with epoch-second timestamps (encoding/json prefers the
// shallower field of the same name).

type ts = *awsjson.Timestamp

func tm(t time.Time) ts { return awsjson.Time(t) }

func fromTS(t ts) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.Time.UTC()
}

type wDatabase struct {
	catalog.Database
	CreateTime ts `json:"CreateTime,omitempty"`
}

func database(d catalog.Database) wDatabase { return wDatabase{d, tm(d.CreateTime)} }

type wTable struct {
	catalog.Table
	CreateTime       ts `json:"CreateTime,omitempty"`
	UpdateTime       ts `json:"UpdateTime,omitempty"`
	LastAccessTime   ts `json:"LastAccessTime,omitempty"`
	LastAnalyzedTime ts `json:"LastAnalyzedTime,omitempty"`
}

func table(t catalog.Table) wTable {
	return wTable{t, tm(t.CreateTime), tm(t.UpdateTime), tm(t.LastAccessTime), tm(t.LastAnalyzedTime)}
}

func tables(ts []catalog.Table) []wTable {
	out := make([]wTable, len(ts))
	for i, t := range ts {
		out[i] = table(t)
	}
	return out
}

type wTableInput struct {
	catalog.TableInput
	LastAccessTime   ts `json:"LastAccessTime,omitempty"`
	LastAnalyzedTime ts `json:"LastAnalyzedTime,omitempty"`
}

func (w *wTableInput) engine() catalog.TableInput {
	in := w.TableInput
	in.LastAccessTime, in.LastAnalyzedTime = fromTS(w.LastAccessTime), fromTS(w.LastAnalyzedTime)
	return in
}

type wPartition struct {
	catalog.Partition
	CreationTime     ts `json:"CreationTime,omitempty"`
	LastAccessTime   ts `json:"LastAccessTime,omitempty"`
	LastAnalyzedTime ts `json:"LastAnalyzedTime,omitempty"`
}

func partitions(ps []catalog.Partition) []wPartition {
	out := make([]wPartition, len(ps))
	for i, p := range ps {
		out[i] = wPartition{p, tm(p.CreationTime), tm(p.LastAccessTime), tm(p.LastAnalyzedTime)}
	}
	return out
}

type wPartitionInput struct {
	catalog.PartitionInput
	LastAccessTime   ts `json:"LastAccessTime,omitempty"`
	LastAnalyzedTime ts `json:"LastAnalyzedTime,omitempty"`
}

func (w *wPartitionInput) engine() catalog.PartitionInput {
	in := w.PartitionInput
	in.LastAccessTime, in.LastAnalyzedTime = fromTS(w.LastAccessTime), fromTS(w.LastAnalyzedTime)
	return in
}

type wConnection struct {
	catalog.Connection
	CreationTime    ts `json:"CreationTime,omitempty"`
	LastUpdatedTime ts `json:"LastUpdatedTime,omitempty"`
}

func connection(c catalog.Connection) wConnection {
	return wConnection{c, tm(c.CreationTime), tm(c.LastUpdatedTime)}
}

type wFunction struct {
	catalog.UserDefinedFunction
	CreateTime ts `json:"CreateTime,omitempty"`
}

func function(f catalog.UserDefinedFunction) wFunction { return wFunction{f, tm(f.CreateTime)} }

type wDateStats struct {
	catalog.DateStats
	MinimumValue ts `json:"MinimumValue,omitempty"`
	MaximumValue ts `json:"MaximumValue,omitempty"`
}

type wStatsData struct {
	catalog.ColumnStatisticsData
	DateColumnStatisticsData *wDateStats `json:"DateColumnStatisticsData,omitempty"`
}

type wColumnStatistics struct {
	catalog.ColumnStatistics
	AnalyzedTime   ts         `json:"AnalyzedTime,omitempty"`
	StatisticsData wStatsData `json:"StatisticsData"`
}

func columnStats(s catalog.ColumnStatistics) wColumnStatistics {
	w := wColumnStatistics{ColumnStatistics: s, AnalyzedTime: tm(s.AnalyzedTime), StatisticsData: wStatsData{ColumnStatisticsData: s.StatisticsData}}
	if d := s.StatisticsData.DateColumnStatisticsData; d != nil {
		wd := &wDateStats{DateStats: *d}
		if d.MinimumValue != nil {
			wd.MinimumValue = tm(*d.MinimumValue)
		}
		if d.MaximumValue != nil {
			wd.MaximumValue = tm(*d.MaximumValue)
		}
		w.StatisticsData.DateColumnStatisticsData = wd
	}
	return w
}

func (w *wColumnStatistics) engine() catalog.ColumnStatistics {
	s := w.ColumnStatistics
	s.AnalyzedTime = fromTS(w.AnalyzedTime)
	s.StatisticsData = w.StatisticsData.ColumnStatisticsData
	if wd := w.StatisticsData.DateColumnStatisticsData; wd != nil {
		d := wd.DateStats
		if wd.MinimumValue != nil {
			t := fromTS(wd.MinimumValue)
			d.MinimumValue = &t
		}
		if wd.MaximumValue != nil {
			t := fromTS(wd.MaximumValue)
			d.MaximumValue = &t
		}
		s.StatisticsData.DateColumnStatisticsData = &d
	}
	return s
}
