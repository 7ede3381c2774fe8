package kmsapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tarnhq/tarn/internal/api/adminapi"
	"github.com/tarnhq/tarn/internal/config"
	"github.com/tarnhq/tarn/internal/server"
	"github.com/tarnhq/tarn/internal/server/servertest"
)

// startErr builds a server from cfg and returns the error New gives.
func startErr(cfg config.Config) (*server.Server, error) {
	srv, err := server.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil {
		srv.Shutdown(context.Background())
	}
	return srv, err
}

// createAccount makes a second account through the admin API and returns
// its access key pair.
func createAccount(t *testing.T, s *servertest.Server) (string, string) {
	t.Helper()
	body, _ := json.Marshal(adminapi.KeyRequest{Name: "other"})
	req, _ := http.NewRequest("POST", s.URL+adminapi.Prefix+"accounts", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds, _ := s.AWSConfig("", "").Credentials.Retrieve(context.Background())
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, "tarn", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 && resp.StatusCode != 201 {
		t.Fatalf("create account: %d %s", resp.StatusCode, b)
	}
	var out adminapi.AccountReply
	if err := json.Unmarshal(b, &out); err != nil || out.AccessKey == "" {
		t.Fatalf("create account: %s", b)
	}
	return out.AccessKey, out.SecretKey
}
