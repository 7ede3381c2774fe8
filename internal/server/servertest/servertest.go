// Package servertest starts a real tarn server in-process on a random
// loopback port with a temporary data dir, and hands out AWS SDK for Go v2
// clients pointed at it. Every integration test uses it.
package servertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tarnhq/tarn/internal/config"
	"github.com/tarnhq/tarn/internal/server"
)

// Root credentials of test servers.
const (
	AccessKey = "TARNTESTROOT"
	SecretKey = "tarn-test-root-secret-key"
)

// Server is a running test server.
type Server struct {
	*server.Server
	URL     string
	DataDir string
	Config  config.Config
}

// Option adjusts the config before start.
type Option func(*config.Config)

// Start starts a server; it is shut down when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.RootAccessKey, cfg.RootSecretKey = AccessKey, SecretKey
	for _, o := range opts {
		o(&cfg)
	}
	return StartConfig(t, cfg)
}

// StartConfig starts a server with cfg as given (e.g. to reopen a data dir).
func StartConfig(t testing.TB, cfg config.Config) *Server {
	t.Helper()
	var w io.Writer = io.Discard
	if os.Getenv("TARN_TEST_LOG") != "" {
		w = os.Stderr
	}
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := server.New(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	if err := srv.Listen(ln); err != nil {
		t.Fatalf("servertest: %v", err)
	}
	go srv.Serve()
	s := &Server{Server: srv, URL: "http://" + srv.Addr(), DataDir: cfg.DataDir, Config: cfg}
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// Stop shuts the server down (idempotent).
func (s *Server) Stop(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("servertest: shutdown: %v", err)
	}
}

// AWSConfig returns an SDK config with the given credentials (root when
// empty) for this server.
func (s *Server) AWSConfig(accessKey, secretKey string) aws.Config {
	if accessKey == "" {
		accessKey, secretKey = AccessKey, SecretKey
	}
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		BaseEndpoint:     aws.String(s.URL),
		HTTPClient:       &http.Client{Transport: detachedBodies{&http.Transport{MaxIdleConnsPerHost: 64}}},
		RetryMaxAttempts: 1,
	}
}

// S3 returns an S3 client (path-style) with root credentials.
func (s *Server) S3(opts ...func(*s3.Options)) *s3.Client {
	return s.S3As("", "", opts...)
}

// S3As returns an S3 client with the given credentials.
func (s *Server) S3As(accessKey, secretKey string, opts ...func(*s3.Options)) *s3.Client {
	opts = append([]func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}, opts...)
	return s3.NewFromConfig(s.AWSConfig(accessKey, secretKey), opts...)
}

// KMS returns a KMS client with root credentials.
func (s *Server) KMS(opts ...func(*kms.Options)) *kms.Client {
	return s.KMSAs("", "", opts...)
}

// KMSAs returns a KMS client with the given credentials.
func (s *Server) KMSAs(accessKey, secretKey string, opts ...func(*kms.Options)) *kms.Client {
	return kms.NewFromConfig(s.AWSConfig(accessKey, secretKey), opts...)
}

// Kinesis returns a Kinesis client with root credentials.
func (s *Server) Kinesis(opts ...func(*kinesis.Options)) *kinesis.Client {
	return s.KinesisAs("", "", opts...)
}

// KinesisAs returns a Kinesis client with the given credentials.
func (s *Server) KinesisAs(accessKey, secretKey string, opts ...func(*kinesis.Options)) *kinesis.Client {
	return kinesis.NewFromConfig(s.AWSConfig(accessKey, secretKey), opts...)
}

// Glue returns a Glue client with root credentials.
func (s *Server) Glue(opts ...func(*glue.Options)) *glue.Client {
	return s.GlueAs("", "", opts...)
}

// GlueAs returns a Glue client with the given credentials.
func (s *Server) GlueAs(accessKey, secretKey string, opts ...func(*glue.Options)) *glue.Client {
	return glue.NewFromConfig(s.AWSConfig(accessKey, secretKey), opts...)
}

// CreateAccount creates a tenant account through the admin API and returns
// its access key pair.
func (s *Server) CreateAccount(t testing.TB, name string) (string, string) {
	t.Helper()
	body := []byte(`{"name":"` + name + `"}`)
	req, err := http.NewRequest(http.MethodPost, s.URL+"/_tarn/admin/accounts", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", h)
	req.Header.Set("Content-Type", "application/json")
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: AccessKey, SecretAccessKey: SecretKey},
		req, h, "tarn", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessKey string `json:"access_key"`
		SecretKey string `json:"secret_key"`
	}
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&out) != nil {
		t.Fatalf("servertest: create account %s: HTTP %d", name, resp.StatusCode)
	}
	return out.AccessKey, out.SecretKey
}
