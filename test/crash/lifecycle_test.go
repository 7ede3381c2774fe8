package crash

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestCrashLifecycle kills tarn with SIGKILL again and again while its
// lifecycle engine moves objects to GLACIER_IR and expires others (a
// 2-second lifecycle day, throttled so that the kills land mid-work),
// restarting it on the same data dir each time. Every object must read
// back byte-exact after every restart (or be absent, for those a rule
// expires), and once the kills stop the engine must finish the work it
// was doing: every transition made, every expiration done.
func TestCrashLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	const (
		lcBucket = "crash-lc"
		nMove    = 200
		nExpire  = 80
	)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed=%d", seed)
	h := &harness{t: t, bin: tarnBinary(t), dataDir: filepath.Join(t.TempDir(), "data"), logDir: t.TempDir(),
		rng:  rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		args: []string{"--lifecycle-day", "2s", "--lifecycle-actions-per-sec", "60"}}
	t.Cleanup(h.killIfRunning)
	h.start()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := h.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(lcBucket)})
	must(err)
	_, err = h.s3.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String(lcBucket),
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{
			{ID: aws.String("move"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("m/")},
				Transitions: []types.Transition{{Days: aws.Int32(1), StorageClass: types.TransitionStorageClassGlacierIr}}},
			{ID: aws.String("expire"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("e/")},
				Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}},
		}},
		TransitionDefaultMinimumObjectSize: types.TransitionDefaultMinimumObjectSizeVariesByStorageClass})
	must(err)
	body := func(key string) []byte { return content(key, 1, 0, 1+int(seedOf(key, 1, 0)[0])<<9) } // up to 128 KiB
	var keys []string
	for i := range nMove {
		keys = append(keys, fmt.Sprintf("m/%04d", i))
	}
	for i := range nExpire {
		keys = append(keys, fmt.Sprintf("e/%04d", i))
	}
	for _, k := range keys {
		_, err := h.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(lcBucket), Key: aws.String(k), Body: bytes.NewReader(body(k))})
		must(err)
	}
	// verify reads every key: m/ must read back exactly, e/ exactly or
	// not at all. It returns how many m/ objects are in GLACIER_IR and how
	// many e/ objects are left.
	verify := func(round int) (moved, left int) {
		for _, k := range keys {
			out, err := h.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(lcBucket), Key: aws.String(k)})
			if err != nil {
				var nsk *types.NoSuchKey
				if errors.As(err, &nsk) && k[0] == 'e' {
					continue
				}
				t.Fatalf("round %d: GET %s: %v", round, k, err)
			}
			got, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil || !bytes.Equal(got, body(k)) {
				t.Fatalf("round %d: %s reads %d bytes (err %v), want its %d acknowledged bytes", round, k, len(got), err, len(body(k)))
			}
			if k[0] == 'e' {
				left++
			} else if out.StorageClass == types.StorageClassGlacierIr {
				moved++
			}
		}
		return moved, left
	}
	for r := 1; r <= 4; r++ {
		time.Sleep(time.Duration(100+h.rng.IntN(500)) * time.Millisecond)
		h.killIfRunning()
		h.start()
		moved, left := verify(r)
		t.Logf("round %d: after kill -9 and restart: %d/%d moved, %d/%d not yet expired", r, moved, nMove, left, nExpire)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		moved, left := verify(0)
		if moved == nMove && left == 0 {
			t.Logf("the engine finished: %d moved, %d expired", moved, nExpire)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the kills the engine did not finish: %d/%d moved, %d not expired\n%s", moved, nMove, left, tail(h.logPath, 30))
		}
		time.Sleep(500 * time.Millisecond)
	}
	h.stopGracefully()
}
