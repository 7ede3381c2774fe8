package streams

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	metamem "github.com/tarnhq/tarn/internal/storage/meta/mem"
	logmem "github.com/tarnhq/tarn/internal/storage/seglog/mem"
)

// fakeKeys is a KeyService whose "sealed" data keys are the keys
// themselves: enough for the engine's bookkeeping, no KMS needed.
type fakeKeys struct{}

func (fakeKeys) GenerateDataKey(_ context.Context, account, keyID string, _ map[string]string, n int) ([]byte, []byte, string, error) {
	k := make([]byte, n)
	rand.Read(k)
	return k, append([]byte(nil), k...), "arn:aws:kms:us-east-1:" + account + ":key/" + keyID, nil
}

func (fakeKeys) Decrypt(_ context.Context, _ string, blob []byte, _ map[string]string) ([]byte, string, error) {
	return blob, "", nil
}

func (fakeKeys) CheckKey(context.Context, string, string) error { return nil }

// TestKeyChangeLimit: StartStreamEncryption and StopStreamEncryption each
// succeed at most 25 times per stream in any rolling 24 hours of the
// engine clock, and the count survives a restart.
func TestKeyChangeLimit(t *testing.T) {
	m, l := metamem.New(), logmem.New()
	e := newEnvOn(t, m, l, Options{KMS: fakeKeys{}})
	e.create(t, "s", 1)
	ref := Ref{Name: "s"}
	step := func(e *env, start bool) error {
		e.clk.Add(time.Minute) // past the UPDATING state of the last change
		if start {
			return e.StartStreamEncryption(e.ctx, acct, ref, EncryptionKMS, "k")
		}
		return e.StopStreamEncryption(e.ctx, acct, ref, EncryptionKMS, "k")
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	t0 := e.clk.Now()
	must(step(e, true)) // start 1 at t0+1m
	for range 24 {
		must(step(e, false))
		must(step(e, true))
	}
	// 25 starts and 24 stops: a 26th start is refused, a 25th stop is not.
	wantCode(t, step(e, true), CodeLimitExceeded, "Stream s under account 000000000000 has applied a new KMS key for server-side encryption 25 times in the last 24 hours")
	must(step(e, false))
	wantCode(t, step(e, false), CodeLimitExceeded, "has disabled server-side encryption 25 times in the last 24 hours")
	if d, _ := e.DescribeStream(e.ctx, acct, ref); d.EncryptionType != EncryptionNone {
		t.Fatalf("encryption %s after the refused calls", d.EncryptionType)
	}
	// The window rolls: once the first start (t0+1m) is 24 hours old one
	// more start is allowed, while every stop (t0+2m on) still counts.
	at := func(e *env, d time.Duration) { e.clk.Add(t0.Add(d).Sub(e.clk.Now())) }
	start := func(e *env) error { return e.StartStreamEncryption(e.ctx, acct, ref, EncryptionKMS, "k") }
	stop := func(e *env) error { return e.StopStreamEncryption(e.ctx, acct, ref, EncryptionKMS, "k") }
	at(e, 24*time.Hour+time.Minute-time.Second)
	wantCode(t, start(e), CodeLimitExceeded, "")
	at(e, 24*time.Hour+time.Minute+20*time.Second)
	must(start(e))
	at(e, 24*time.Hour+time.Minute+40*time.Second)
	wantCode(t, stop(e), CodeLimitExceeded, "")

	// Durable: a restarted engine keeps counting.
	e.Close()
	e2 := &env{mustNew(t, m, l, Options{Now: e.clk.Now, SweepInterval: -1, KMS: fakeKeys{}}), e.clk, e.ctx}
	at(e2, 24*time.Hour+time.Minute+50*time.Second)
	wantCode(t, stop(e2), CodeLimitExceeded, "")
	wantCode(t, start(e2), CodeLimitExceeded, "")
	// Once the first stop is a day old, stopping works again.
	at(e2, 24*time.Hour+2*time.Minute+10*time.Second)
	must(stop(e2))
	if d, _ := e2.DescribeStream(e2.ctx, acct, ref); d.EncryptionType != EncryptionNone {
		t.Fatalf("encryption %s after the stop", d.EncryptionType)
	}
	// Refused calls were not counted: 25 of each are on record.
	s, _ := e2.get(e2.ctx, "", streamKey{acct, "s"})
	now := e2.clk.Now()
	if a, b := len(recentChanges(s.rec.KeyStarts, now)), len(recentChanges(s.rec.KeyStops, now)); a != MaxKeyChanges || b != MaxKeyChanges {
		t.Fatalf("%d starts and %d stops recorded", a, b)
	}
}
