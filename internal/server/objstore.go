package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tarnhq/tarn/internal/auth/sigv4"
	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/awsproto/reqctx"
	"github.com/tarnhq/tarn/internal/objstore"
	"github.com/tarnhq/tarn/internal/storage/blob"
	"github.com/tarnhq/tarn/internal/storage/blob/compressed"
	"github.com/tarnhq/tarn/internal/storage/blob/disk"
)

// objExtras are the object store's tiers and background work.
type objExtras struct {
	tiers  map[string]blob.Store
	prices map[string]float64
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// tierOptions opens the cold tier (DATA/tiers/cold, zstd-compressed) and
// sets the class map, lifecycle day, restore delays and rate limits.
func (s *Server) tierOptions(o *objstore.Options) error {
	cfg := s.cfg
	d, err := disk.Open(filepath.Join(cfg.DataDir, "tiers", objstore.ColdTier), disk.Options{Logger: s.log.With("component", "tier-cold")})
	if err != nil {
		return fmt.Errorf("server: cold tier: %w", err)
	}
	cold, err := compressed.New(d)
	if err != nil {
		d.Close()
		return fmt.Errorf("server: cold tier: %w", err)
	}
	s.objx.tiers = map[string]blob.Store{objstore.ColdTier: cold}
	o.Tiers = s.objx.tiers
	o.Day = cfg.LifecycleDay
	if len(cfg.StorageClassTiers) > 0 {
		o.ClassTiers = map[string]string{}
		for _, e := range cfg.StorageClassTiers {
			c, t, ok := strings.Cut(e, ":")
			if !ok {
				return fmt.Errorf("server: storage-class-tier %q: want CLASS:TIER", e)
			}
			o.ClassTiers[strings.ToUpper(c)] = t
		}
	}
	if len(cfg.RestoreDelays) > 0 {
		o.RestoreDelays = map[string]time.Duration{}
		for _, e := range cfg.RestoreDelays {
			t, v, ok := strings.Cut(e, ":")
			dur, err := time.ParseDuration(v)
			if !ok || err != nil {
				return fmt.Errorf("server: restore-delay %q: want TIER:DURATION", e)
			}
			o.RestoreDelays[t] = dur
		}
	}
	if len(cfg.StoragePrices) > 0 {
		s.objx.prices = map[string]float64{}
		for _, e := range cfg.StoragePrices {
			c, v, ok := strings.Cut(e, ":")
			p, err := strconv.ParseFloat(v, 64)
			if !ok || err != nil {
				return fmt.Errorf("server: storage-price %q: want CLASS:USD", e)
			}
			s.objx.prices[strings.ToUpper(c)] = p
		}
	}
	o.Lifecycle = objstore.LifecycleOptions{ActionsPerSecond: float64(cfg.LifecycleActionsPerSec), BytesPerSecond: float64(cfg.LifecycleBytesPerSec),
		Workers: cfg.LifecycleWorkers}
	return nil
}

func (s *Server) closeTiers() {
	for name, t := range s.objx.tiers {
		if err := t.Close(); err != nil {
			s.log.Error("close tier", "tier", name, "err", err)
		}
	}
	s.objx.tiers = nil
}

func (s *Server) startObjBackground() {
	ctx, cancel := context.WithCancel(context.Background())
	s.objx.cancel = cancel
	s.objx.wg.Add(1)
	go func() {
		defer s.objx.wg.Done()
		s.obj.Run(ctx)
	}()
}

func (s *Server) stopObjBackground() {
	if s.objx.cancel != nil {
		s.objx.cancel()
		s.objx.wg.Wait()
	}
}

// registerObjMetrics exports the lifecycle engine's totals.
func (s *Server) registerObjMetrics(reg *prometheus.Registry) {
	for _, c := range []struct {
		name, help string
		get        func(st objstore.LifecycleStats) int64
	}{
		{"passes", "Lifecycle passes completed.", func(st objstore.LifecycleStats) int64 { return st.Passes }},
		{"scanned", "Records examined by lifecycle.", func(st objstore.LifecycleStats) int64 { return st.Scanned }},
		{"indexed", "Records read by lifecycle index scans (after configuration changes).", func(st objstore.LifecycleStats) int64 { return st.Indexed }},
		{"evaluated", "Due-queue entries lifecycle evaluated.", func(st objstore.LifecycleStats) int64 { return st.Evaluated }},
		{"transitions", "Current versions transitioned.", func(st objstore.LifecycleStats) int64 { return st.Transitions }},
		{"bytes_moved", "Bytes moved between tiers.", func(st objstore.LifecycleStats) int64 { return st.BytesMoved }},
		{"expirations", "Current versions expired.", func(st objstore.LifecycleStats) int64 { return st.Expirations }},
		{"noncurrent_transitions", "Noncurrent versions transitioned.", func(st objstore.LifecycleStats) int64 { return st.NoncurrentTransitions }},
		{"noncurrent_expirations", "Noncurrent versions expired.", func(st objstore.LifecycleStats) int64 { return st.NoncurrentExpirations }},
		{"delete_markers_removed", "Expired object delete markers removed.", func(st objstore.LifecycleStats) int64 { return st.DeleteMarkersRemoved }},
		{"uploads_aborted", "Incomplete multipart uploads aborted.", func(st objstore.LifecycleStats) int64 { return st.UploadsAborted }},
		{"skipped_locked", "Actions skipped because Object Lock protects the version.", func(st objstore.LifecycleStats) int64 { return st.SkippedLocked }},
		{"tiering_moves", "Intelligent-Tiering access tier changes.", func(st objstore.LifecycleStats) int64 { return st.TieringMoves }},
		{"restores_completed", "Archive restores completed.", func(st objstore.LifecycleStats) int64 { return st.RestoresCompleted }},
		{"restores_expired", "Restored copies expired.", func(st objstore.LifecycleStats) int64 { return st.RestoresExpired }},
		{"errors", "Lifecycle actions that failed.", func(st objstore.LifecycleStats) int64 { return st.Errors }},
	} {
		get := c.get
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "tarn_lifecycle_" + c.name + "_total", Help: c.help},
			func() float64 {
				if s.obj == nil {
					return 0
				}
				return float64(get(s.obj.LifecycleStatus()))
			}))
	}
}

// mountObjAdmin serves the object store's admin endpoints (root only):
//
//	GET /_tarn/admin/lifecycle → objstore.LifecycleStats
//	GET /_tarn/admin/usage     → objstore.Usage
func (s *Server) mountObjAdmin(mux *http.ServeMux, verifier *sigv4.Verifier) {
	serve := func(op string, fn func(r *http.Request) (any, error)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			info := reqctx.From(r.Context())
			info.Service, info.Operation = "admin", op
			fail := func(e *awserr.Error) {
				info.Error = e.Code
				awserr.WriteJSON(w, e, "application/json", info.ID)
			}
			res, err := verifier.Verify(r)
			if err != nil {
				e, ok := awserr.As(sigv4.JSONProtocolError(err))
				if !ok {
					e = awserr.New("AccessDeniedException").WithStatus(http.StatusForbidden)
				}
				fail(e)
				return
			}
			if p, ok := s.iam.Principal(res.AccessKey); res.Anonymous || !ok || !p.Root {
				fail(awserr.New("AccessDeniedException", "Only the root credentials may use the admin API.").WithStatus(http.StatusForbidden))
				return
			}
			if r.Method != http.MethodGet {
				fail(awserr.New("UnknownOperationException", "Use GET.").WithStatus(http.StatusMethodNotAllowed))
				return
			}
			out, err := fn(r)
			if err != nil {
				fail(awserr.New("InternalFailure", "%v", err).WithStatus(http.StatusInternalServerError))
				return
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(out)
		}
	}
	mux.HandleFunc("/_tarn/admin/lifecycle", serve("LifecycleStatus", func(*http.Request) (any, error) {
		return s.obj.LifecycleStatus(), nil
	}))
	mux.HandleFunc("/_tarn/admin/usage", serve("Usage", func(r *http.Request) (any, error) {
		return s.obj.Usage(r.Context(), s.objx.prices)
	}))
}
