package glueapi

import (
	"context"
	"encoding/json"

	"github.com/tarnhq/tarn/internal/awsproto/awsjson"
	"github.com/tarnhq/tarn/internal/crawler"
)

// Crawler and classifier operations: each decodes the request, calls one
// method of the crawler engine and encodes the reply.

type wLastCrawl struct {
	crawler.LastCrawl
	StartTime ts `json:"StartTime,omitempty"`
}

type wCrawler struct {
	crawler.Crawler
	CreationTime ts          `json:"CreationTime,omitempty"`
	LastUpdated  ts          `json:"LastUpdated,omitempty"`
	LastCrawl    *wLastCrawl `json:"LastCrawl,omitempty"`
}

func wireCrawler(c crawler.Crawler) wCrawler {
	w := wCrawler{Crawler: c, CreationTime: tm(c.CreationTime), LastUpdated: tm(c.LastUpdated)}
	if c.LastCrawl != nil {
		w.LastCrawl = &wLastCrawl{*c.LastCrawl, tm(c.LastCrawl.StartTime)}
	}
	return w
}

func wireCrawlers(cs []crawler.Crawler) []wCrawler {
	out := make([]wCrawler, len(cs))
	for i, c := range cs {
		out[i] = wireCrawler(c)
	}
	return out
}

// wTargets are a crawler's targets; the kinds tarn does not crawl are
// decoded only to be refused.
type wTargets struct {
	crawler.Targets
	MongoDBTargets  json.RawMessage `json:"MongoDBTargets,omitempty"`
	DynamoDBTargets json.RawMessage `json:"DynamoDBTargets,omitempty"`
	DeltaTargets    json.RawMessage `json:"DeltaTargets,omitempty"`
	IcebergTargets  json.RawMessage `json:"IcebergTargets,omitempty"`
	HudiTargets     json.RawMessage `json:"HudiTargets,omitempty"`
}

type crawlerIn struct {
	Name                         string
	Role                         *string
	DatabaseName                 *string
	Description                  *string
	Targets                      *wTargets
	Schedule                     *string
	Classifiers                  []string
	TablePrefix                  *string
	SchemaChangePolicy           *crawler.SchemaChangePolicy
	RecrawlPolicy                *crawler.RecrawlPolicy
	LineageConfiguration         *crawler.LineageConfiguration
	LakeFormationConfiguration   *crawler.LakeFormationConfiguration
	Configuration                *string
	CrawlerSecurityConfiguration *string
	Tags                         map[string]string
}

func (in *crawlerIn) engine() (*crawler.CrawlerInput, error) {
	out := &crawler.CrawlerInput{Name: in.Name, Role: in.Role, DatabaseName: in.DatabaseName, Description: in.Description,
		Schedule: in.Schedule, Classifiers: in.Classifiers, TablePrefix: in.TablePrefix, SchemaChangePolicy: in.SchemaChangePolicy,
		RecrawlPolicy: in.RecrawlPolicy, LineageConfiguration: in.LineageConfiguration, LakeFormationConfiguration: in.LakeFormationConfiguration,
		Configuration: in.Configuration, CrawlerSecurityConfiguration: in.CrawlerSecurityConfiguration, Tags: in.Tags}
	if t := in.Targets; t != nil {
		for name, raw := range map[string]json.RawMessage{"MongoDB": t.MongoDBTargets, "DynamoDB": t.DynamoDBTargets,
			"Delta": t.DeltaTargets, "Iceberg": t.IcebergTargets, "Hudi": t.HudiTargets} {
			if len(raw) > 0 && string(raw) != "[]" && string(raw) != "null" {
				return nil, invalid("tarn does not crawl %s targets.", name)
			}
		}
		out.Targets = &t.Targets
	}
	return out, nil
}

type wCrawlHistory struct {
	CrawlId       string  `json:"CrawlId"`
	State         string  `json:"State"`
	StartTime     ts      `json:"StartTime,omitempty"`
	EndTime       ts      `json:"EndTime,omitempty"`
	Summary       string  `json:"Summary,omitempty"`
	ErrorMessage  string  `json:"ErrorMessage,omitempty"`
	LogGroup      string  `json:"LogGroup,omitempty"`
	LogStream     string  `json:"LogStream,omitempty"`
	MessagePrefix string  `json:"MessagePrefix,omitempty"`
	DPUHour       float64 `json:"DPUHour"`
}

type nameIn struct{ Name string }

type crawlerNameIn struct{ CrawlerName string }

func (a *api) registerCrawlers(s *awsjson.Service) {
	cr := a.cr
	s.Handle("CreateCrawler", awsjson.Op(func(ctx context.Context, in *crawlerIn) (*struct{}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		ci, err := in.engine()
		if err != nil {
			return nil, err
		}
		if ci.Targets == nil {
			return nil, invalid("1 validation error detected: Value null at 'targets' failed to satisfy constraint: Member must not be null")
		}
		return &struct{}{}, cr.CreateCrawler(ctx, cat, ci)
	}))
	s.Handle("UpdateCrawler", awsjson.Op(func(ctx context.Context, in *crawlerIn) (*struct{}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		ci, err := in.engine()
		if err != nil {
			return nil, err
		}
		return &struct{}{}, cr.UpdateCrawler(ctx, cat, ci)
	}))
	s.Handle("GetCrawler", awsjson.Op(func(ctx context.Context, in *nameIn) (*struct{ Crawler wCrawler }, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		c, err := cr.GetCrawler(ctx, cat, in.Name)
		if err != nil {
			return nil, err
		}
		return &struct{ Crawler wCrawler }{wireCrawler(c)}, nil
	}))
	s.Handle("DeleteCrawler", awsjson.Op(func(ctx context.Context, in *nameIn) (*struct{}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		return &struct{}{}, cr.DeleteCrawler(ctx, cat, in.Name)
	}))
	type crawlersOut struct {
		Crawlers  []wCrawler
		NextToken string `json:"NextToken,omitempty"`
	}
	s.Handle("GetCrawlers", awsjson.Op(func(ctx context.Context, in *page) (*crawlersOut, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		cs, next, err := cr.GetCrawlers(ctx, cat, crawler.Page{NextToken: in.NextToken, MaxResults: in.MaxResults})
		if err != nil {
			return nil, err
		}
		return &crawlersOut{wireCrawlers(cs), next}, nil
	}))
	s.Handle("BatchGetCrawlers", awsjson.Op(func(ctx context.Context, in *struct{ CrawlerNames []string }) (*struct {
		Crawlers         []wCrawler
		CrawlersNotFound []string
	}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		cs, missing, err := cr.BatchGetCrawlers(ctx, cat, in.CrawlerNames)
		if err != nil {
			return nil, err
		}
		return &struct {
			Crawlers         []wCrawler
			CrawlersNotFound []string
		}{wireCrawlers(cs), missing}, nil
	}))
	s.Handle("ListCrawlers", awsjson.Op(func(ctx context.Context, in *struct {
		page
		Tags map[string]string
	}) (*struct {
		CrawlerNames []string
		NextToken    string `json:"NextToken,omitempty"`
	}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		names, next, err := cr.ListCrawlers(ctx, cat, in.Tags, crawler.Page{NextToken: in.NextToken, MaxResults: in.MaxResults})
		if err != nil {
			return nil, err
		}
		return &struct {
			CrawlerNames []string
			NextToken    string `json:"NextToken,omitempty"`
		}{names, next}, nil
	}))
	s.Handle("StartCrawler", awsjson.Op(func(ctx context.Context, in *nameIn) (*struct{}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		return &struct{}{}, cr.StartCrawler(ctx, cat, in.Name)
	}))
	s.Handle("StopCrawler", awsjson.Op(func(ctx context.Context, in *nameIn) (*struct{}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		return &struct{}{}, cr.StopCrawler(ctx, cat, in.Name)
	}))
	s.Handle("GetCrawlerMetrics", awsjson.Op(func(ctx context.Context, in *struct {
		page
		CrawlerNameList []string
	}) (*struct {
		CrawlerMetricsList []crawler.CrawlerMetrics
		NextToken          string `json:"NextToken,omitempty"`
	}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		ms, next, err := cr.GetCrawlerMetrics(ctx, cat, in.CrawlerNameList, crawler.Page{NextToken: in.NextToken, MaxResults: in.MaxResults})
		if err != nil {
			return nil, err
		}
		return &struct {
			CrawlerMetricsList []crawler.CrawlerMetrics
			NextToken          string `json:"NextToken,omitempty"`
		}{ms, next}, nil
	}))
	s.Handle("ListCrawls", awsjson.Op(func(ctx context.Context, in *struct {
		page
		CrawlerName string
		Filters     []crawler.CrawlsFilter
	}) (*struct {
		Crawls    []wCrawlHistory
		NextToken string `json:"NextToken,omitempty"`
	}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		hs, next, err := cr.ListCrawls(ctx, cat, in.CrawlerName, in.Filters, crawler.Page{NextToken: in.NextToken, MaxResults: in.MaxResults})
		if err != nil {
			return nil, err
		}
		out := make([]wCrawlHistory, len(hs))
		for i, h := range hs {
			out[i] = wCrawlHistory{h.CrawlId, h.State, tm(h.StartTime), tm(h.EndTime), h.Summary, h.ErrorMessage, h.LogGroup,
				h.LogStream, h.MessagePrefix, h.DPUHour}
		}
		return &struct {
			Crawls    []wCrawlHistory
			NextToken string `json:"NextToken,omitempty"`
		}{out, next}, nil
	}))
	s.Handle("StartCrawlerSchedule", awsjson.Op(func(ctx context.Context, in *crawlerNameIn) (*struct{}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		return &struct{}{}, cr.StartCrawlerSchedule(ctx, cat, in.CrawlerName)
	}))
	s.Handle("StopCrawlerSchedule", awsjson.Op(func(ctx context.Context, in *crawlerNameIn) (*struct{}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		return &struct{}{}, cr.StopCrawlerSchedule(ctx, cat, in.CrawlerName)
	}))
	s.Handle("UpdateCrawlerSchedule", awsjson.Op(func(ctx context.Context, in *struct {
		CrawlerName string
		Schedule    string
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		return &struct{}{}, cr.UpdateCrawlerSchedule(ctx, cat, in.CrawlerName, in.Schedule)
	}))
	a.registerClassifiers(s)
}
