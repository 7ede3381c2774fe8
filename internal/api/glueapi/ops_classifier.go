package glueapi

import (
	"context"

	"github.com/tarnhq/tarn/internal/awsproto/awsjson"
	"github.com/tarnhq/tarn/internal/crawler"
)

type wGrok struct {
	crawler.GrokClassifier
	CreationTime ts `json:"CreationTime,omitempty"`
	LastUpdated  ts `json:"LastUpdated,omitempty"`
}

type wXML struct {
	crawler.XMLClassifier
	CreationTime ts `json:"CreationTime,omitempty"`
	LastUpdated  ts `json:"LastUpdated,omitempty"`
}

type wJSON struct {
	crawler.JsonClassifier
	CreationTime ts `json:"CreationTime,omitempty"`
	LastUpdated  ts `json:"LastUpdated,omitempty"`
}

type wCSV struct {
	crawler.CsvClassifier
	CreationTime ts `json:"CreationTime,omitempty"`
	LastUpdated  ts `json:"LastUpdated,omitempty"`
}

// wClassifier is a Classifier on the wire (and, without the times, the
// CreateClassifier / UpdateClassifier request: Glue's request members
// carry the same field names).
type wClassifier struct {
	GrokClassifier *wGrok `json:"GrokClassifier,omitempty"`
	XMLClassifier  *wXML  `json:"XMLClassifier,omitempty"`
	JsonClassifier *wJSON `json:"JsonClassifier,omitempty"`
	CsvClassifier  *wCSV  `json:"CsvClassifier,omitempty"`
}

func (w *wClassifier) engine() crawler.ClassifierDef {
	var d crawler.ClassifierDef
	if w.GrokClassifier != nil {
		d.GrokClassifier = &w.GrokClassifier.GrokClassifier
	}
	if w.XMLClassifier != nil {
		d.XMLClassifier = &w.XMLClassifier.XMLClassifier
	}
	if w.JsonClassifier != nil {
		d.JsonClassifier = &w.JsonClassifier.JsonClassifier
	}
	if w.CsvClassifier != nil {
		d.CsvClassifier = &w.CsvClassifier.CsvClassifier
	}
	return d
}

func wireClassifier(d crawler.ClassifierDef) wClassifier {
	var w wClassifier
	if g := d.GrokClassifier; g != nil {
		w.GrokClassifier = &wGrok{*g, tm(g.CreationTime), tm(g.LastUpdated)}
	}
	if x := d.XMLClassifier; x != nil {
		w.XMLClassifier = &wXML{*x, tm(x.CreationTime), tm(x.LastUpdated)}
	}
	if j := d.JsonClassifier; j != nil {
		w.JsonClassifier = &wJSON{*j, tm(j.CreationTime), tm(j.LastUpdated)}
	}
	if c := d.CsvClassifier; c != nil {
		w.CsvClassifier = &wCSV{*c, tm(c.CreationTime), tm(c.LastUpdated)}
	}
	return w
}

func (a *api) registerClassifiers(s *awsjson.Service) {
	cr := a.cr
	s.Handle("CreateClassifier", awsjson.Op(func(ctx context.Context, in *wClassifier) (*struct{}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		return &struct{}{}, cr.CreateClassifier(ctx, cat, in.engine())
	}))
	s.Handle("UpdateClassifier", awsjson.Op(func(ctx context.Context, in *wClassifier) (*struct{}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		return &struct{}{}, cr.UpdateClassifier(ctx, cat, in.engine())
	}))
	s.Handle("GetClassifier", awsjson.Op(func(ctx context.Context, in *nameIn) (*struct{ Classifier wClassifier }, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		d, err := cr.GetClassifier(ctx, cat, in.Name)
		if err != nil {
			return nil, err
		}
		return &struct{ Classifier wClassifier }{wireClassifier(d)}, nil
	}))
	s.Handle("GetClassifiers", awsjson.Op(func(ctx context.Context, in *page) (*struct {
		Classifiers []wClassifier
		NextToken   string `json:"NextToken,omitempty"`
	}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		ds, next, err := cr.GetClassifiers(ctx, cat, crawler.Page{NextToken: in.NextToken, MaxResults: in.MaxResults})
		if err != nil {
			return nil, err
		}
		out := make([]wClassifier, len(ds))
		for i, d := range ds {
			out[i] = wireClassifier(d)
		}
		return &struct {
			Classifiers []wClassifier
			NextToken   string `json:"NextToken,omitempty"`
		}{out, next}, nil
	}))
	s.Handle("DeleteClassifier", awsjson.Op(func(ctx context.Context, in *nameIn) (*struct{}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		return &struct{}{}, cr.DeleteClassifier(ctx, cat, in.Name)
	}))
}
