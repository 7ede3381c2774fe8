package adminapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tarnhq/tarn/internal/server/servertest"
)

func call(t *testing.T, s *servertest.Server, ak, sk, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+"/_tarn/admin/"+path, strings.NewReader(body))
	sum := sha256.Sum256([]byte(body))
	h := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", h)
	if ak != "" {
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk}, req, h, "tarn", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAdminAPI(t *testing.T) {
	s := servertest.Start(t)
	root := func(method, path, body string) (int, string) {
		return call(t, s, servertest.AccessKey, servertest.SecretKey, method, path, body)
	}
	for _, c := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"POST", "accounts", `{"name":"team-a","access_key":"TEAMAKEY","secret_key":"team-a-secret"}`, 201, `"access_key":"TEAMAKEY"`},
		{"POST", "accounts", `{"name":"team-a"}`, 409, "ResourceInUseException"},
		{"POST", "accounts", `{"name":"bad name!"}`, 400, "ValidationException"},
		{"POST", "accounts", `{"name":`, 400, "SerializationException"},
		{"POST", "accounts", `{"nam":"x"}`, 400, "SerializationException"},
		{"POST", "accounts", `{"name":"team-b","access_key":"TEAMAKEY"}`, 409, "ResourceInUseException"},
		{"GET", "accounts", ``, 200, `"name":"team-a"`},
		{"POST", "accounts/999999999999/keys", `{}`, 404, "ResourceNotFoundException"},
		{"DELETE", "keys/NOPE", ``, 404, "ResourceNotFoundException"},
		{"PATCH", "accounts", ``, 404, "UnknownOperationException"},
	} {
		status, body := root(c.method, c.path, c.body)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s %s %s: got %d %s", c.method, c.path, c.body, status, body)
		}
	}
	// Only root may administer: an account's own key, or no signature, is refused.
	if status, body := call(t, s, "TEAMAKEY", "team-a-secret", "GET", "accounts", ""); status != 403 || !strings.Contains(body, "AccessDenied") {
		t.Errorf("account key: %d %s", status, body)
	}
	if status, _ := call(t, s, "", "", "GET", "accounts", ""); status != 403 {
		t.Errorf("anonymous: %d", status)
	}
}
