package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/tarnhq/tarn/internal/server/servertest"
)

// runCLI runs the command line with args and returns stdout.
func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := &cobra.Command{Use: "tarn", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(serverCmd(), versionCmd(), adminCmd())
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestAdminAccountLifecycle(t *testing.T) {
	s := servertest.Start(t)
	t.Setenv("TARN_ROOT_ACCESS_KEY", servertest.AccessKey)
	t.Setenv("TARN_ROOT_SECRET_KEY", servertest.SecretKey)
	out, err := runCLI(t, "admin", "--endpoint", s.URL, "account", "create", "alt", "--access-key", "ALTKEY", "--secret-key", "alt-secret-key")
	if err != nil {
		t.Fatal(err, out)
	}
	if !strings.Contains(out, "access_key=ALTKEY") || !strings.Contains(out, "name=alt") {
		t.Fatalf("output: %s", out)
	}
	// Duplicate name is refused.
	if _, err := runCLI(t, "admin", "--endpoint", s.URL, "account", "create", "alt"); err == nil {
		t.Fatal("duplicate account accepted")
	}
	out, err = runCLI(t, "admin", "--endpoint", s.URL, "account", "list")
	if err != nil || !strings.Contains(out, "alt") || !strings.Contains(out, "000000000000") {
		t.Fatalf("list: %v %s", err, out)
	}
	// The new key works against S3 and owns what it creates.
	ctx := context.Background()
	alt := s.S3As("ALTKEY", "alt-secret-key")
	if _, err := alt.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("alt-bucket")}); err != nil {
		t.Fatal(err)
	}
	lb, err := s.S3().ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range lb.Buckets {
		if *b.Name == "alt-bucket" {
			t.Fatal("root's ListBuckets shows another account's bucket")
		}
	}
	// Delete the key: it stops working.
	if out, err := runCLI(t, "admin", "--endpoint", s.URL, "key", "delete", "ALTKEY"); err != nil {
		t.Fatal(err, out)
	}
	if _, err := alt.ListBuckets(ctx, &s3.ListBucketsInput{}); err == nil || !strings.Contains(err.Error(), "InvalidAccessKeyId") {
		t.Fatalf("deleted key still works: %v", err)
	}
}

func TestAdminNeedsRoot(t *testing.T) {
	s := servertest.Start(t)
	t.Setenv("TARN_ROOT_ACCESS_KEY", "WRONG")
	t.Setenv("TARN_ROOT_SECRET_KEY", "wrong-secret")
	_, err := runCLI(t, "admin", "--endpoint", s.URL, "account", "list")
	if err == nil || !strings.Contains(err.Error(), "UnrecognizedClient") {
		t.Fatalf("want UnrecognizedClientException, got %v", err)
	}
	os.Unsetenv("TARN_ROOT_ACCESS_KEY")
	if _, err := runCLI(t, "admin", "--endpoint", s.URL, "account", "list"); err == nil {
		t.Fatal("admin ran without credentials")
	}
}

func TestServerFlagsResolve(t *testing.T) {
	cmd := &cobra.Command{Use: "server"}
	resolve := bindConfig(cmd.Flags())
	t.Setenv("TARN_REGION", "eu-west-1")
	t.Setenv("TARN_ADDR", "127.0.0.1:9999")
	if err := cmd.Flags().Parse([]string{"--addr", "127.0.0.1:1234", "--access-log"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := resolve()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:1234" || cfg.Region != "eu-west-1" || !cfg.AccessLog {
		t.Fatalf("got %+v", cfg)
	}
}

func TestVersion(t *testing.T) {
	out, err := runCLI(t, "version")
	if err != nil || !strings.HasPrefix(out, "tarn ") {
		t.Fatalf("%v %q", err, out)
	}
}

func TestBenchS3Runs(t *testing.T) {
	root := &cobra.Command{Use: "tarn", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(benchCmd())
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"bench", "s3", "--duration", "100ms", "--concurrency", "2", "--sizes", "4KiB,100KiB", "--limits=false"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err, out.String())
	}
	s := out.String()
	for _, want := range []string{"| s3 PUT | 4KiB | 2 |", "| s3 GET | 100KiB | 2 |"} {
		if !strings.Contains(s, want) {
			t.Fatalf("missing %q in:\n%s", want, s)
		}
	}
	if strings.Contains(s, "error:") {
		t.Fatalf("benchmark reported errors:\n%s", s)
	}
}

func TestRepeatableKMSStaticKey(t *testing.T) {
	cmd := &cobra.Command{Use: "x"}
	resolve := bindConfig(cmd.Flags())
	k := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	if err := cmd.Flags().Parse([]string{"--kms-static-key", "a:" + k, "--kms-static-key", "b:" + k}); err != nil {
		t.Fatal(err)
	}
	cfg, err := resolve()
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.KMSStaticKeys) != 2 || cfg.KMSStaticKeys[1] != "b:"+k {
		t.Fatalf("got %q", cfg.KMSStaticKeys)
	}
}
