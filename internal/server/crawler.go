package server

import (
	"context"
	"fmt"

	"github.com/tarnhq/tarn/internal/crawler"
)

// openCrawler builds the Glue crawler engine over the metadata store, the
// catalog and the S3 engine.
func (s *Server) openCrawler(ctx context.Context) (*crawler.Engine, error) {
	e, err := crawler.Open(ctx, s.meta, s.glue, s.obj, crawler.Options{Region: s.cfg.Region, Workers: s.cfg.CrawlerWorkers,
		ScheduleMinute: s.cfg.CrawlerScheduleMinute, Logger: s.log.With("component", "crawler")})
	if err != nil {
		return nil, fmt.Errorf("server: glue crawlers: %w", err)
	}
	return e, nil
}

// Crawler is the crawler engine (for tests and tools).
func (s *Server) Crawler() *crawler.Engine { return s.crawl }
