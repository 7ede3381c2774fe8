// Package crash is tarn's kill -9 crash-recovery test. It builds the tarn
// binary, runs it as a child process on one data dir, drives a concurrent
// PUT / multipart / DELETE load with aws-sdk-go-v2, kills the process with
// SIGKILL at a random moment, restarts it on the same data dir and checks
// that every acknowledged write survived byte-exact, acknowledged deletes
// stay deleted, nothing torn is visible, and listings agree with reads.
//
// A plain `go test ./...` runs 2 rounds (skipped with -short); the soak
// (`make crash`, build tag crash) runs 20. TARN_CRASH_ROUNDS overrides
// both, TARN_CRASH_BIN uses a prebuilt binary instead of building one, and
// TARN_CRASH_SEED replays a run's random choices (load timing still varies).
package crash

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

const (
	accessKey     = "TARNCRASHROOT"
	secretKey     = "tarn-crash-root-secret-key"
	bucket        = "crash"
	workers       = 8
	keysPerWorker = 12
	maxPutSize    = 300 << 10
	partSize      = 5 << 20
)

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	rounds := defaultRounds
	if v := os.Getenv("TARN_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("TARN_CRASH_ROUNDS=%q: want a positive integer", v)
		}
		rounds = n
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("TARN_CRASH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("TARN_CRASH_SEED=%q: %v", v, err)
		}
		seed = n
	}
	t.Logf("rounds=%d seed=%d (TARN_CRASH_SEED=%d replays the random choices)", rounds, seed, seed)

	bin := tarnBinary(t)
	h := &harness{t: t, bin: bin, dataDir: filepath.Join(t.TempDir(), "data"), logDir: t.TempDir(),
		rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), model: newModel()}

	t.Cleanup(func() {
		// Runs before the temp dirs are removed: on failure keep the
		// server logs and the data dir for a post-mortem.
		h.killIfRunning()
		if !t.Failed() {
			return
		}
		keep, err := os.MkdirTemp("", "tarn-crash-failure-")
		if err == nil {
			err = os.Rename(h.logDir, filepath.Join(keep, "logs"))
		}
		if err == nil {
			err = os.Rename(h.dataDir, filepath.Join(keep, "data"))
		}
		t.Logf("kept server logs and data dir in %s (err %v)", keep, err)
	})
	h.start()
	if _, err := h.s3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	for r := 1; r <= rounds && !t.Failed(); r++ {
		loadFor := time.Duration(300+h.rng.IntN(1200)) * time.Millisecond
		st := h.loadAndKill(r, loadFor)
		h.start()
		v := h.verify(r)
		t.Logf("round %d: load %v, acked put=%d hot-key put=%d multipart=%d delete=%d, unacked at kill=%d, unexpected errors=%d; "+
			"verified %d keys (%d present, %d absent, %d took an in-flight outcome)",
			r, loadFor, st.puts, st.hotPuts, st.multiparts, st.deletes, st.unacked, st.unexpected,
			v.keys, v.present, v.absent, v.tookInflight)
		h.total.add(st)
	}
	if !t.Failed() {
		h.reportSpace()
	}
	// Leave the data dir as a graceful stop would: SIGTERM must drain and exit 0.
	h.stopGracefully()
	t.Logf("total over %d rounds: acked put=%d hot-key put=%d multipart=%d delete=%d, unacked at kill=%d, lost or torn=%d",
		rounds, h.total.puts, h.total.hotPuts, h.total.multiparts, h.total.deletes, h.total.unacked, h.lost)
}

// tarnBinary builds cmd/tarn into a temp dir (or uses TARN_CRASH_BIN).
func tarnBinary(t *testing.T) string {
	if b := os.Getenv("TARN_CRASH_BIN"); b != "" {
		abs, err := filepath.Abs(b)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	out := filepath.Join(t.TempDir(), "tarn")
	if runtime.GOOS == "windows" {
		out += ".exe"
	}
	cmd := exec.Command("go", "build", "-o", out, "github.com/tarnhq/tarn/cmd/tarn")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// ---- the model of what the server acknowledged ----

// version is one object content: generated from (key, id) so it can be
// re-derived, with its size and MD5 remembered.
type version struct {
	id        uint64
	size      int64
	md5       [16]byte
	multipart bool
}

// outcome is the state an op leaves a key in: an object version or absent.
type outcome struct {
	absent bool
	v      version
}

func (o outcome) String() string {
	if o.absent {
		return "absent"
	}
	kind := "put"
	if o.v.multipart {
		kind = "multipart"
	}
	return fmt.Sprintf("%s v%d (%d bytes, md5 %x)", kind, o.v.id, o.v.size, o.v.md5)
}

// keyState is what is known of one key. Each key belongs to one worker,
// so its ops are sequential: state is the last acknowledged (or verified)
// outcome; pending holds the outcomes of later ops that were not
// acknowledged (in flight or failed at the kill), any one of which may
// have taken effect.
type keyState struct {
	state   outcome
	pending []outcome
}

type model struct {
	mu   sync.Mutex
	keys map[string]*keyState
	hot  map[string][]*hotWrite
}

// hotWrite is one PUT to a key that every worker writes concurrently.
// Last writer wins: a write that was acknowledged before another
// acknowledged write began cannot be the final state.
type hotWrite struct {
	v          version
	start, end time.Time // end is zero while unacknowledged
}

const hotKeys = 2

func hotKey(i int) string { return fmt.Sprintf("hot/%d", i) }

func newModel() *model { return &model{keys: map[string]*keyState{}, hot: map[string][]*hotWrite{}} }

func (m *model) beginHot(key string, v version) *hotWrite {
	m.mu.Lock()
	defer m.mu.Unlock()
	hw := &hotWrite{v: v, start: time.Now()}
	m.hot[key] = append(m.hot[key], hw)
	return hw
}

func (m *model) ackHot(hw *hotWrite) {
	m.mu.Lock()
	defer m.mu.Unlock()
	hw.end = time.Now()
}

// hotAllowed returns the outcomes last-writer-wins allows for a hot key.
func (m *model) hotAllowed(key string) []outcome {
	ws := m.hot[key]
	var out []outcome
	anyAcked := false
	for _, w := range ws {
		anyAcked = anyAcked || !w.end.IsZero()
	}
	if !anyAcked {
		out = append(out, outcome{absent: true})
	}
	for _, v := range ws {
		superseded := false
		for _, w := range ws {
			if w != v && !w.end.IsZero() && !v.end.IsZero() && v.end.Before(w.start) {
				superseded = true
				break
			}
		}
		if !superseded {
			out = append(out, outcome{v: v.v})
		}
	}
	return out
}

func keyName(w, i int) string {
	// Some keys need URL escaping, to cover the path encoding too.
	if i%4 == 3 {
		return fmt.Sprintf("w%d/dir %d/ké+y=%d", w, i, i)
	}
	return fmt.Sprintf("w%d/k%02d", w, i)
}

func (m *model) begin(key string, o outcome) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ks := m.keys[key]
	if ks == nil {
		ks = &keyState{state: outcome{absent: true}}
		m.keys[key] = ks
	}
	ks.pending = append(ks.pending, o)
}

func (m *model) ack(key string, o outcome) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ks := m.keys[key]
	ks.state, ks.pending = o, nil
}

// ---- content ----

func seedOf(key string, id uint64, part int) [32]byte {
	h := fnv.New64a()
	h.Write([]byte(key))
	var s [32]byte
	binary.LittleEndian.PutUint64(s[0:], h.Sum64())
	binary.LittleEndian.PutUint64(s[8:], id)
	binary.LittleEndian.PutUint64(s[16:], uint64(part))
	copy(s[24:], "tarncrsh")
	return s
}

// content returns the bytes of part (0 for a single PUT) of version id of key.
func content(key string, id uint64, part int, size int) []byte {
	b := make([]byte, size)
	rand.NewChaCha8(seedOf(key, id, part)).Read(b)
	return b
}

// ---- the server process ----

type harness struct {
	t       *testing.T
	bin     string
	dataDir string
	logDir  string
	rng     *rand.Rand
	model   *model
	// args are extra server flags.
	args []string

	cmd     *exec.Cmd
	exited  chan error
	url     string
	s3      *s3.Client
	starts  int
	total   loadStats
	lost    int
	logPath string
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// start runs tarn on the data dir and waits until it is healthy.
func (h *harness) start() {
	t := h.t
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		h.starts++
		port := freePort(t)
		h.logPath = filepath.Join(h.logDir, fmt.Sprintf("tarn-%02d.log", h.starts))
		logf, err := os.Create(h.logPath)
		if err != nil {
			t.Fatal(err)
		}
		args := append([]string{"server", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--data", h.dataDir,
			"--access-log", "--log-level", "debug"}, h.args...)
		cmd := exec.Command(h.bin, args...)
		cmd.Env = append(os.Environ(), "TARN_ROOT_ACCESS_KEY="+accessKey, "TARN_ROOT_SECRET_KEY="+secretKey)
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			logf.Close()
			t.Fatalf("start tarn: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait(); logf.Close() }()
		h.cmd, h.exited = cmd, exited
		h.url = fmt.Sprintf("http://127.0.0.1:%d", port)
		if lastErr = h.waitHealthy(exited, 30*time.Second); lastErr == nil {
			h.s3 = newClient(h.url)
			return
		}
		h.killIfRunning()
		t.Logf("start attempt %d: %v\n%s", attempt+1, lastErr, tail(h.logPath, 20))
	}
	t.Fatalf("tarn did not start: %v", lastErr)
}

func (h *harness) waitHealthy(exited chan error, timeout time.Duration) error {
	c := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("tarn exited before becoming ready: %v", err)
		default:
		}
		resp, err := c.Get(h.url + "/_tarn/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("not healthy after %v", timeout)
}

func (h *harness) killIfRunning() {
	if h.cmd == nil {
		return
	}
	h.cmd.Process.Kill()
	<-h.exited
	h.cmd = nil
}

func (h *harness) stopGracefully() {
	t := h.t
	if h.cmd == nil {
		return
	}
	h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-h.exited:
		h.cmd = nil
		if err != nil {
			t.Errorf("tarn exited with %v after SIGTERM (want 0)\n%s", err, tail(h.logPath, 20))
		}
	case <-time.After(30 * time.Second):
		t.Errorf("tarn did not stop within 30s of SIGTERM")
		h.killIfRunning()
	}
}

func newClient(url string) *s3.Client {
	return s3.New(s3.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		BaseEndpoint:     aws.String(url),
		UsePathStyle:     true,
		RetryMaxAttempts: 1,
		HTTPClient: &http.Client{Timeout: 2 * time.Minute,
			Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}},
	})
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ---- load ----

type loadStats struct {
	puts, hotPuts, multiparts, deletes, unacked, unexpected int
}

func (s *loadStats) add(o loadStats) {
	s.puts += o.puts
	s.hotPuts += o.hotPuts
	s.multiparts += o.multiparts
	s.deletes += o.deletes
	s.unacked += o.unacked
	s.unexpected += o.unexpected
}

var nextVersion atomic.Uint64

// loadAndKill runs the workers for d, then kills tarn with SIGKILL while
// they are still sending, and waits for them to stop.
func (h *harness) loadAndKill(round int, d time.Duration) loadStats {
	var killed atomic.Bool
	var wg sync.WaitGroup
	stats := make([]loadStats, workers)
	seeds := make([]uint64, workers)
	for i := range seeds {
		seeds[i] = h.rng.Uint64()
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			h.worker(round, w, rand.New(rand.NewPCG(seeds[w], uint64(w))), &killed, &stats[w])
		}(w)
	}
	time.Sleep(d)
	killed.Store(true)
	h.killIfRunning()
	wg.Wait()
	var st loadStats
	for _, s := range stats {
		st.add(s)
	}
	return st
}

func (h *harness) worker(round, w int, rng *rand.Rand, killed *atomic.Bool, st *loadStats) {
	ctx := context.Background()
	c := h.s3
	for !killed.Load() {
		key := keyName(w, rng.IntN(keysPerWorker))
		var o outcome
		var err error
		var counter *int
		var hw *hotWrite
		switch p := rng.IntN(100); {
		case p < 8:
			// A key every worker writes at the same time.
			key = hotKey(rng.IntN(hotKeys))
			size := rng.IntN(maxPutSize + 1)
			o = outcome{v: version{id: nextVersion.Add(1), size: int64(size)}}
			body := content(key, o.v.id, 0, size)
			o.v.md5 = md5.Sum(body)
			hw = h.model.beginHot(key, o.v)
			_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
				Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(size))})
			counter = &st.hotPuts
		case p < 60:
			size := rng.IntN(maxPutSize + 1)
			o = outcome{v: version{id: nextVersion.Add(1), size: int64(size)}}
			body := content(key, o.v.id, 0, size)
			o.v.md5 = md5.Sum(body)
			h.model.begin(key, o)
			_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
				Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(size))})
			counter = &st.puts
		case p < 72:
			o, err = h.multipart(ctx, c, key, rng)
			counter = &st.multiparts
		default:
			o = outcome{absent: true}
			h.model.begin(key, o)
			_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			counter = &st.deletes
		}
		if err != nil {
			st.unacked++
			if !killed.Load() {
				st.unexpected++
				h.t.Errorf("round %d: %s %q failed before the kill: %v", round, o, key, err)
			}
			return
		}
		if hw != nil {
			h.model.ackHot(hw)
		} else {
			h.model.ack(key, o)
		}
		*counter++
	}
}

// multipart uploads 2×5 MiB plus a small last part. Only Complete's
// success acknowledges the new version; it is pending from Create on.
func (h *harness) multipart(ctx context.Context, c *s3.Client, key string, rng *rand.Rand) (outcome, error) {
	last := 1 + rng.IntN(64<<10)
	sizes := []int{partSize, partSize, last}
	o := outcome{v: version{id: nextVersion.Add(1), size: int64(2*partSize + last), multipart: true}}
	sum := md5.New()
	parts := make([][]byte, len(sizes))
	for i, n := range sizes {
		parts[i] = content(key, o.v.id, i+1, n)
		sum.Write(parts[i])
	}
	copy(o.v.md5[:], sum.Sum(nil))
	h.model.begin(key, o)
	cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return o, err
	}
	var done []types.CompletedPart
	for i, p := range parts {
		n := int32(i + 1)
		up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key),
			UploadId: cr.UploadId, PartNumber: aws.Int32(n), Body: bytes.NewReader(p), ContentLength: aws.Int64(int64(len(p)))})
		if err != nil {
			return o, err
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(n), ETag: up.ETag,
			ChecksumCRC32: up.ChecksumCRC32, ChecksumCRC32C: up.ChecksumCRC32C, ChecksumCRC64NVME: up.ChecksumCRC64NVME,
			ChecksumSHA1: up.ChecksumSHA1, ChecksumSHA256: up.ChecksumSHA256})
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key),
		UploadId: cr.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	return o, err
}

// ---- verification ----

type verifyStats struct {
	keys, present, absent, tookInflight int
}

// verify reads every key the load touched and checks it against the
// model; then it makes what it read the new known state of each key.
func (h *harness) verify(round int) verifyStats {
	t := h.t
	ctx := context.Background()
	h.model.mu.Lock()
	defer h.model.mu.Unlock()
	var vs verifyStats
	readable := map[string]int64{}
	keys := make([]string, 0, len(h.model.keys))
	for k := range h.model.keys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		ks := h.model.keys[key]
		vs.keys++
		got, size, err := h.read(ctx, key, ks)
		if err != nil {
			h.lost++
			t.Errorf("round %d: LOST/TORN %q: %v\n  acknowledged state: %s\n  in flight at the kill: %v\n  server log: %s",
				round, key, err, ks.state, ks.pending, h.logPath)
			continue
		}
		if got.absent {
			vs.absent++
		} else {
			vs.present++
			readable[key] = size
		}
		if got != ks.state {
			vs.tookInflight++
		}
		ks.state, ks.pending = got, nil
	}
	for i := 0; i < hotKeys; i++ {
		key := hotKey(i)
		if len(h.model.hot[key]) == 0 {
			continue
		}
		vs.keys++
		allowed := h.model.hotAllowed(key)
		got, size, err := h.readAllowed(ctx, key, allowed)
		if err != nil {
			h.lost++
			t.Errorf("round %d: LOST/TORN hot key %q (concurrent writers): %v\n  allowed: %v\n  server log: %s",
				round, key, err, allowed, h.logPath)
			continue
		}
		if got.absent {
			vs.absent++
			delete(h.model.hot, key)
			continue
		}
		vs.present++
		readable[key] = size
		now := time.Now()
		h.model.hot[key] = []*hotWrite{{v: got.v, start: now, end: now}}
	}
	// The listing must hold exactly the readable objects, with their sizes.
	listed := map[string]int64{}
	p := s3.NewListObjectsV2Paginator(h.s3, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Errorf("round %d: ListObjectsV2: %v", round, err)
			return vs
		}
		for _, o := range page.Contents {
			if _, dup := listed[*o.Key]; dup {
				t.Errorf("round %d: ListObjectsV2 lists %q twice", round, *o.Key)
			}
			listed[*o.Key] = aws.ToInt64(o.Size)
		}
	}
	for k, n := range readable {
		if m, ok := listed[k]; !ok {
			t.Errorf("round %d: %q is readable (%d bytes) but not listed", round, k, n)
		} else if m != n {
			t.Errorf("round %d: %q is listed with %d bytes, reads %d", round, k, m, n)
		}
	}
	for k := range listed {
		if _, ok := readable[k]; !ok {
			t.Errorf("round %d: %q is listed but not readable", round, k)
		}
	}
	return vs
}

// read GETs key and returns which allowed outcome it matches.
func (h *harness) read(ctx context.Context, key string, ks *keyState) (outcome, int64, error) {
	return h.readAllowed(ctx, key, append([]outcome{ks.state}, ks.pending...))
}

func (h *harness) readAllowed(ctx context.Context, key string, allowed []outcome) (outcome, int64, error) {
	out, err := h.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var nsk *types.NoSuchKey
		if !errors.As(err, &nsk) {
			return outcome{}, 0, fmt.Errorf("GET: %v", err)
		}
		for _, a := range allowed {
			if a.absent {
				return a, 0, nil
			}
		}
		return outcome{}, 0, fmt.Errorf("GET: NoSuchKey, but the key must exist")
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return outcome{}, 0, fmt.Errorf("GET body (%d bytes read): %v", len(body), err)
	}
	sum := md5.Sum(body)
	for _, a := range allowed {
		if !a.absent && a.v.size == int64(len(body)) && a.v.md5 == sum {
			return a, int64(len(body)), nil
		}
	}
	return outcome{}, 0, fmt.Errorf("GET returned %d bytes with md5 %x (ETag %s), matching no allowed version",
		len(body), sum, aws.ToString(out.ETag))
}

// reportSpace logs the blob bytes on disk against the live object bytes and
// the multipart uploads the kills left open, to make leaks visible.
func (h *harness) reportSpace() {
	ctx := context.Background()
	var live int64
	p := s3.NewListObjectsV2Paginator(h.s3, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			h.t.Errorf("ListObjectsV2: %v", err)
			return
		}
		for _, o := range page.Contents {
			live += aws.ToInt64(o.Size)
		}
	}
	uploads := 0
	mu, err := h.s3.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		h.t.Errorf("ListMultipartUploads: %v", err)
	} else {
		uploads = len(mu.Uploads)
	}
	var onDisk int64
	files := 0
	filepath.WalkDir(filepath.Join(h.dataDir, "blobs"), func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				onDisk += fi.Size()
				files++
			}
		}
		return nil
	})
	h.t.Logf("space: %.1f MiB in %d blob files for %.1f MiB of live objects; %d multipart uploads left open by kills",
		float64(onDisk)/(1<<20), files, float64(live)/(1<<20), uploads)
}
