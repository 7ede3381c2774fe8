package server

import (
	"context"
	"fmt"

	"github.com/tarnhq/tarn/internal/catalog"
)

// openCatalog builds the Glue Data Catalog engine over the metadata store.
func (s *Server) openCatalog(ctx context.Context) (*catalog.Catalog, error) {
	c, err := catalog.Open(ctx, s.meta, catalog.Options{Region: s.cfg.Region, Logger: s.log.With("component", "catalog")})
	if err != nil {
		return nil, fmt.Errorf("server: glue catalog: %w", err)
	}
	return c, nil
}
