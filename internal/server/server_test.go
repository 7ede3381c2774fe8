package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tarnhq/tarn/internal/config"
	"github.com/tarnhq/tarn/internal/server"
	"github.com/tarnhq/tarn/internal/server/servertest"
)

func TestHealthAndMetrics(t *testing.T) {
	s := servertest.Start(t)
	resp, err := http.Get(s.URL + "/_tarn/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"ready"`) {
		t.Fatalf("health: %d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("x-amz-request-id") == "" {
		t.Fatal("no request id on health")
	}
	// Make one S3 request so the counters have a sample.
	s.S3().ListBuckets(context.Background(), &s3.ListBucketsInput{})
	resp, err = http.Get(s.URL + "/_tarn/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `tarn_requests_total{operation="ListAllMyBuckets",service="s3",status="200"} 1`) {
		t.Fatalf("metrics lack the ListBuckets sample:\n%s", body)
	}
}

func TestHealthUnavailableWhenStopping(t *testing.T) {
	s := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// A request in flight during shutdown completes (drain).
	c := s.S3()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("drain-bucket")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(s.URL + "/_tarn/health"); err == nil {
		t.Fatal("server still answering after shutdown")
	}
}

func TestGeneratedRootCredentials(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Addr, cfg.DataDir = "127.0.0.1:0", dir
	srv, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !srv.GeneratedCredentials {
		t.Fatal("credentials not reported as generated")
	}
	ak, sk := srv.RootCredentials()
	srv.Shutdown(context.Background())
	st, err := os.Stat(filepath.Join(dir, "root-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file mode %v, want 0600", st.Mode().Perm())
	}
	// A restart reuses them and does not print them again.
	srv2, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Shutdown(context.Background())
	ak2, sk2 := srv2.RootCredentials()
	if srv2.GeneratedCredentials || ak2 != ak || sk2 != sk {
		t.Fatal("restart did not reuse the stored credentials")
	}
	var c map[string]string
	b, _ := os.ReadFile(filepath.Join(dir, "root-credentials.json"))
	if json.Unmarshal(b, &c) != nil || c["access_key"] != ak {
		t.Fatal("credentials file content")
	}
}

func TestRestartKeepsData(t *testing.T) {
	s := servertest.Start(t)
	ctx := context.Background()
	c := s.S3()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("persist")}); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("z", 300<<10)
	for k, v := range map[string]string{"small": "hello", "big": big} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("persist"), Key: aws.String(k), Body: strings.NewReader(v)}); err != nil {
			t.Fatal(err)
		}
	}
	s.Stop(t)
	s2 := servertest.StartConfig(t, s.Config)
	c2 := s2.S3()
	for k, v := range map[string]string{"small": "hello", "big": big} {
		out, err := c2.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("persist"), Key: aws.String(k)})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(out.Body)
		if string(b) != v {
			t.Fatalf("%s: got %d bytes", k, len(b))
		}
	}
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeSelfSigned(t, dir)
	s := servertest.Start(t, func(c *config.Config) { c.TLSCert, c.TLSKey = certFile, keyFile })
	url := strings.Replace(s.URL, "http://", "https://", 1)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := hc.Get(url + "/_tarn/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	cfg := s.AWSConfig("", "")
	cfg.BaseEndpoint = aws.String(url)
	cfg.HTTPClient = hc
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("tls-bucket")}); err != nil {
		t.Fatal(err)
	}
	// Plain HTTP on the TLS port fails.
	if resp, err := http.Get(s.URL + "/_tarn/health"); err == nil && resp.StatusCode == 200 {
		t.Fatal("plain HTTP served on a TLS port")
	}
}

func writeSelfSigned(t *testing.T, dir string) (string, string) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	cf, kf := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cf, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(kf, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cf, kf
}

func TestStartupIsFast(t *testing.T) {
	// Not a timing assertion (speed goals live in benchmarks): it reports
	// the figure and checks the server measured it.
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Addr, cfg.DataDir = "127.0.0.1:0", dir
	cfg.RootAccessKey, cfg.RootSecretKey = "AKID", "secretsecret"
	srv, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	if srv.StartupDuration <= 0 {
		t.Fatal("startup duration not measured")
	}
	t.Logf("start-up on an empty data dir: %v", srv.StartupDuration)
}

func BenchmarkStartupEmpty(b *testing.B) {
	for i := 0; i < b.N; i++ {
		cfg := config.Default()
		cfg.Addr, cfg.DataDir = "127.0.0.1:0", b.TempDir()
		cfg.RootAccessKey, cfg.RootSecretKey = "AKID", "secretsecret"
		srv, err := server.New(context.Background(), cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		srv.Shutdown(context.Background())
		b.StartTimer()
	}
}

func TestUnknownTarnEndpointIsJSON(t *testing.T) {
	s := servertest.Start(t)
	resp, err := http.Get(s.URL + "/_tarn/nope")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(b), `"__type":"UnknownOperationException"`) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}

func TestHTTP2(t *testing.T) {
	// h2 over TLS, negotiated by ALPN.
	certFile, keyFile := writeSelfSigned(t, t.TempDir())
	s := servertest.Start(t, func(c *config.Config) { c.TLSCert, c.TLSKey = certFile, keyFile })
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}
	resp, err := (&http.Client{Transport: tr}).Get(strings.Replace(s.URL, "http://", "https://", 1) + "/_tarn/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Proto != "HTTP/2.0" || resp.StatusCode != 200 {
		t.Fatalf("TLS: %s %d", resp.Proto, resp.StatusCode)
	}
	// h2c with prior knowledge on a plain port.
	s2 := servertest.Start(t)
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	resp, err = (&http.Client{Transport: &http.Transport{Protocols: &p}}).Get(s2.URL + "/_tarn/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Proto != "HTTP/2.0" || resp.StatusCode != 200 {
		t.Fatalf("h2c: %s %d", resp.Proto, resp.StatusCode)
	}
}
