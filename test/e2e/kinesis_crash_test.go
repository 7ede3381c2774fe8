// Package e2e starts the real tarn binary and drives it with AWS SDK
// clients: crash and restart behaviour that an in-process server cannot show.
package e2e

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/tarnhq/tarn/internal/server/servertest"
)

const ak, sk = "E2EROOT", "e2e-root-secret-key"

func buildTarn(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "tarn")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/tarn")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startTarn(t *testing.T, bin, addr, dir string) *exec.Cmd {
	cmd := exec.Command(bin, "server", "--addr", addr, "--data", dir, "--kinesis-limits=off", "--log-level", "error")
	cmd.Env = append(os.Environ(), "TARN_ROOT_ACCESS_KEY="+ak, "TARN_ROOT_SECRET_KEY="+sk)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		if r, err := http.Get("http://" + addr + "/_tarn/health"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return cmd
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal("tarn did not become ready")
	return nil
}

// client is an SDK client of the binary at addr, with the test harness's
// transport (servertest.DetachBodies: the SDK's body-closing race otherwise
// fails GetRecords now and then with "use of closed network connection").
func client(addr string) *kinesis.Client {
	return kinesis.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, ""),
		HTTPClient:  &http.Client{Transport: servertest.DetachBodies(&http.Transport{MaxIdleConnsPerHost: 16})}})
}

// TestKinesisCrash kills the server with SIGKILL under PutRecords load,
// restarts it on the same data dir and reads everything back: no
// acknowledged record is lost, none is duplicated, and each producer's
// records (one partition key, so one shard) keep their order.
func TestKinesisCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ctx := context.Background()
	bin := buildTarn(t)
	dir, addr := t.TempDir(), freeAddr(t)
	srv := startTarn(t, bin, addr, dir)
	c := client(addr)
	if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("crash"), ShardCount: aws.Int32(4)}); err != nil {
		t.Fatal(err)
	}
	for {
		d, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("crash")})
		if err != nil {
			t.Fatal(err)
		}
		if d.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	const producers = 6
	acked := make([]int, producers) // records 0..acked[p]-1 of producer p were acknowledged
	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next := 0; ; {
				entries := make([]types.PutRecordsRequestEntry, 100)
				for i := range entries {
					data := make([]byte, 256)
					binary.BigEndian.PutUint32(data, uint32(p))
					binary.BigEndian.PutUint32(data[4:], uint32(next+i))
					entries[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprint("producer-", p)), Data: data}
				}
				out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("crash"), Records: entries})
				if err != nil {
					return // the server died
				}
				if *out.FailedRecordCount != 0 {
					t.Errorf("producer %d: %d records failed", p, *out.FailedRecordCount)
					return
				}
				next += len(entries)
				acked[p] = next
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	wg.Wait()

	srv = startTarn(t, bin, addr, dir)
	defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() }()
	c = client(addr) // no pooled connections to the dead process
	got := make([][]int, producers)
	for s := range 4 {
		id := fmt.Sprintf("shardId-%012d", s)
		it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("crash"), ShardId: &id, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		iter := it.ShardIterator
		for {
			r, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range r.Records {
				p, n := binary.BigEndian.Uint32(rec.Data), int(binary.BigEndian.Uint32(rec.Data[4:]))
				got[p] = append(got[p], n)
			}
			if len(r.Records) == 0 {
				break
			}
			iter = r.NextShardIterator
		}
	}
	total := 0
	for p := range producers {
		for i, n := range got[p] {
			if n != i {
				t.Fatalf("producer %d: record %d is #%d (lost, duplicated or reordered)", p, i, n)
			}
		}
		if len(got[p]) < acked[p] {
			t.Fatalf("producer %d: %d acknowledged, %d after restart", p, acked[p], len(got[p]))
		}
		total += acked[p]
	}
	if total == 0 {
		t.Fatal("nothing was acknowledged before the kill")
	}
	t.Logf("%d acknowledged records survived SIGKILL", total)
}
