// Package server is tarn's composition root: it opens the storage
// backends, builds the engines and the protocol front ends, mounts them on
// the edge, and runs one HTTP server with a graceful stop. Nothing else
// wires components together.
package server

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/tarnhq/tarn/internal/api/adminapi"
	"github.com/tarnhq/tarn/internal/api/glueapi"
	"github.com/tarnhq/tarn/internal/api/kinesisapi"
	"github.com/tarnhq/tarn/internal/api/kmsapi"
	"github.com/tarnhq/tarn/internal/api/s3api"
	"github.com/tarnhq/tarn/internal/auth/iam"
	"github.com/tarnhq/tarn/internal/auth/sigv4"
	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/awsproto/reqctx"
	"github.com/tarnhq/tarn/internal/catalog"
	"github.com/tarnhq/tarn/internal/config"
	"github.com/tarnhq/tarn/internal/crawler"
	"github.com/tarnhq/tarn/internal/edge"
	"github.com/tarnhq/tarn/internal/kms"
	"github.com/tarnhq/tarn/internal/objstore"
	"github.com/tarnhq/tarn/internal/sse"
	"github.com/tarnhq/tarn/internal/storage/blob/disk"
	"github.com/tarnhq/tarn/internal/storage/meta/pebble"
	"github.com/tarnhq/tarn/internal/storage/seglog/file"
	"github.com/tarnhq/tarn/internal/streams"
)

// Version is set at build time (-ldflags "-X .../server.Version=...").
var Version = "dev"

// Server is one running tarn.
type Server struct {
	cfg     config.Config
	log     *slog.Logger
	meta    *pebble.Store
	blobs   *disk.Store
	iam     *iam.Store
	keyring *sse.Keyring
	obj     *objstore.Store
	objx    objExtras // tiers and background work of the object store (objstore.go)
	edge    *edge.Edge
	http    *http.Server
	ln      net.Listener
	kms     *kms.Store
	logs    *file.Store
	kin     *streams.Engine
	glue    *catalog.Catalog
	crawl   *crawler.Engine

	ready    atomic.Bool
	stopping atomic.Bool
	done     chan struct{}
	// GeneratedCredentials is true when New generated root credentials
	// (first start without TARN_ROOT_*): the CLI prints them once.
	GeneratedCredentials bool
	StartupDuration      time.Duration
}

// rootCredsFile holds generated root credentials, mode 0600.
const rootCredsFile = "root-credentials.json"

type rootCreds struct {
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key"`
}

// New opens the data directory and builds every component. It does not
// listen yet.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Server, error) {
	start := time.Now()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, log: log, done: make(chan struct{})}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("server: data dir: %w", err)
	}
	if err := s.rootCredentials(); err != nil {
		return nil, err
	}
	var err error
	s.meta, err = pebble.Open(filepath.Join(cfg.DataDir, "meta"), pebble.Options{Logger: log.With("component", "pebble")})
	if err != nil {
		return nil, fmt.Errorf("server: metadata store: %w", err)
	}
	s.blobs, err = disk.Open(filepath.Join(cfg.DataDir, "blobs"), disk.Options{Logger: log.With("component", "blobs")})
	if err != nil {
		s.meta.Close()
		return nil, fmt.Errorf("server: blob store: %w", err)
	}
	s.iam, err = iam.Open(ctx, s.meta, s.cfg.RootAccessKey, s.cfg.RootSecretKey)
	if err != nil {
		s.closeStores()
		return nil, fmt.Errorf("server: accounts: %w", err)
	}
	root, err := s.rootKey()
	if err != nil {
		s.closeStores()
		return nil, err
	}
	s.keyring, err = sse.OpenKeyring(ctx, s.meta, root, nil)
	if err != nil {
		s.closeStores()
		return nil, fmt.Errorf("server: SSE-S3 keyring: %w", err)
	}
	defEnc := objstore.SSES3
	if cfg.S3DefaultEncryption == "none" {
		defEnc = ""
	}
	if s.kms, err = openKMS(ctx, cfg, s.meta, log); err != nil {
		s.closeStores()
		return nil, fmt.Errorf("server: %w", err)
	}
	objOpts := objstore.Options{InlineLimit: cfg.InlineLimit, Region: cfg.Region,
		Logger: log.With("component", "objstore"), Keyring: s.keyring, KMS: s.kms, DefaultEncryption: defEnc}
	if err := s.tierOptions(&objOpts); err != nil {
		s.closeStores()
		return nil, err
	}
	s.obj, err = objstore.New(ctx, s.meta, s.blobs, objOpts)
	if err != nil {
		s.closeTiers()
		s.closeStores()
		return nil, fmt.Errorf("server: object store: %w", err)
	}
	if s.kin, err = s.openKinesis(ctx); err != nil {
		s.closeStores()
		return nil, err
	}
	if s.glue, err = s.openCatalog(ctx); err != nil {
		s.closeStores()
		return nil, err
	}
	if s.crawl, err = s.openCrawler(ctx); err != nil {
		s.closeStores()
		return nil, err
	}
	verifier := &sigv4.Verifier{Creds: s.iam, MaxSkew: cfg.MaxSkew}
	metrics := edge.NewMetrics()
	s.registerObjMetrics(metrics.Registry)
	s3h := s3api.New(s.obj, iam.OwnerAuthorizer{}, s.iam, verifier, s3api.Options{Domain: cfg.Domain, Region: cfg.Region,
		Logger: log.With("component", "s3api"), SSECOverHTTPLoopback: cfg.SSECHTTPLoopback})
	internal := http.NewServeMux()
	internal.HandleFunc("/_tarn/health", s.health)
	internal.Handle("/_tarn/metrics", metrics.Handler())
	internal.Handle(adminapi.Prefix, adminapi.New(s.iam, verifier))
	s.mountObjAdmin(internal, verifier)
	internal.HandleFunc("/_tarn/", func(w http.ResponseWriter, r *http.Request) {
		awserr.WriteJSON(w, awserr.New("UnknownOperationException", "No tarn endpoint %s.", r.URL.Path).WithStatus(http.StatusNotFound),
			"application/json", reqctx.From(r.Context()).ID)
	})
	s.edge = edge.New(edge.Options{Logger: log.With("component", "edge"), AccessLog: cfg.AccessLog, Verifier: verifier,
		Principals: s.iam, Metrics: metrics, S3: s3h, Internal: internal,
		JSON: map[string]http.Handler{kmsapi.Prefix: kmsapi.New(s.kms), kinesisapi.Prefix: kinesisapi.New(s.kin, nil),
			glueapi.Prefix: glueapi.New(s.glue, s.crawl)}})
	s.http = &http.Server{Handler: s.edge, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	s.http.RegisterOnShutdown(s.kin.StopSubscriptions)
	// HTTP/1.1, HTTP/2 over TLS (ALPN), and HTTP/2 with prior knowledge on
	// plain connections (h2c), which Kinesis's SubscribeToShard clients
	// built on Netty use against http:// endpoints.
	s.http.Protocols = new(http.Protocols)
	s.http.Protocols.SetHTTP1(true)
	s.http.Protocols.SetHTTP2(true)
	s.http.Protocols.SetUnencryptedHTTP2(true)
	s.StartupDuration = time.Since(start)
	return s, nil
}

func (s *Server) rootCredentials() error {
	if s.cfg.RootAccessKey != "" {
		return nil
	}
	path := filepath.Join(s.cfg.DataDir, rootCredsFile)
	b, err := os.ReadFile(path)
	if err == nil {
		var c rootCreds
		if err := json.Unmarshal(b, &c); err != nil || c.AccessKey == "" || c.SecretKey == "" {
			return fmt.Errorf("server: %s is damaged; delete it to generate new root credentials", path)
		}
		s.cfg.RootAccessKey, s.cfg.RootSecretKey = c.AccessKey, c.SecretKey
		return nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("server: %w", err)
	}
	ak, sk := iam.GenerateRootCredentials()
	b, _ = json.MarshalIndent(rootCreds{ak, sk}, "", "  ")
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	if _, err := f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("server: writing root credentials: %w", err)
	}
	s.cfg.RootAccessKey, s.cfg.RootSecretKey = ak, sk
	s.GeneratedCredentials = true
	return nil
}

// RootCredentials returns the root access key and secret.
func (s *Server) RootCredentials() (string, string) { return s.cfg.RootAccessKey, s.cfg.RootSecretKey }

// Listen binds the configured address (or uses ln when non-nil).
func (s *Server) Listen(ln net.Listener) error {
	if ln == nil {
		var err error
		ln, err = net.Listen("tcp", s.cfg.Addr)
		if err != nil {
			return fmt.Errorf("server: %w", err)
		}
	}
	if s.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("server: TLS: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}, MinVersion: tls.VersionTLS12})
	}
	s.ln = ln
	return nil
}

// Addr is the bound address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until Shutdown. It starts background work (garbage
// collection of blobs orphaned by a crash) and marks the server ready.
func (s *Server) Serve() error {
	started := time.Now()
	go func() {
		n, err := s.obj.CollectGarbage(context.Background(), started)
		if err != nil {
			s.log.Warn("blob garbage collection", "err", err)
		} else if n > 0 {
			s.log.Info("removed blobs orphaned by an earlier crash", "count", n)
		}
	}()
	if s.cfg.SSEMasterRotation > 0 {
		go s.rotateMasterKeys(s.cfg.SSEMasterRotation)
	}
	s.startObjBackground()
	s.ready.Store(true)
	err := s.http.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		<-s.done
		return nil
	}
	return err
}

// rotateMasterKeys rotates the SSE-S3 master key whenever the current
// version is older than every, and re-wraps data keys left under older
// versions (by a crash during an earlier rotation) at start.
func (s *Server) rotateMasterKeys(every time.Duration) {
	ctx := context.Background()
	if n, err := s.obj.RewrapMasterKeys(ctx); err != nil {
		s.log.Warn("SSE-S3 re-wrap", "err", err)
	} else if n > 0 {
		s.log.Info("re-wrapped SSE-S3 data keys", "count", n)
	}
	check := min(every/10, time.Hour)
	t := time.NewTicker(max(check, time.Second))
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		if time.Since(s.keyring.CurrentCreated()) < every || s.stopping.Load() {
			continue
		}
		n, err := s.obj.RotateMasterKey(ctx)
		if err != nil {
			s.log.Warn("SSE-S3 master key rotation", "err", err)
			continue
		}
		v, _ := s.keyring.Current()
		s.log.Info("rotated the SSE-S3 master key", "version", v, "rewrapped", n)
	}
}

// Shutdown stops accepting requests, drains in-flight ones (up to ctx),
// and closes the stores.
func (s *Server) Shutdown(ctx context.Context) error {
	if !s.stopping.CompareAndSwap(false, true) {
		<-s.done
		return nil
	}
	defer close(s.done)
	s.ready.Store(false)
	err := s.http.Shutdown(ctx)
	if err != nil {
		s.http.Close()
	}
	s.stopObjBackground()
	s.closeStores()
	return err
}

func (s *Server) closeStores() {
	if s.crawl != nil {
		s.crawl.Close()
	}
	if s.kin != nil {
		s.kin.Close()
	}
	if s.logs != nil {
		if err := s.logs.Close(); err != nil {
			s.log.Error("close shard logs", "err", err)
		}
	}
	s.closeTiers()
	if s.blobs != nil {
		if err := s.blobs.Close(); err != nil {
			s.log.Error("close blob store", "err", err)
		}
	}
	if s.meta != nil {
		if err := s.meta.Close(); err != nil {
			s.log.Error("close metadata store", "err", err)
		}
	}
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if !s.ready.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `{"status":"unavailable","version":%q}`+"\n", Version)
		return
	}
	fmt.Fprintf(w, `{"status":"ready","version":%q}`+"\n", Version)
}
