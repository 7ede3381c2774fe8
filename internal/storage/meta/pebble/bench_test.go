package pebble_test

import (
	"context"
	"encoding/binary"
	"sync/atomic"
	"testing"

	"github.com/tarnhq/tarn/internal/storage/meta"
	"github.com/tarnhq/tarn/internal/storage/meta/pebble"
)

// BenchmarkPebbleApplySync measures durable single-key batches: "serial" is
// one writer (one WAL fsync per Apply, the latency floor), "parallel" runs
// many writers (b.SetParallelism(16) × GOMAXPROCS) so pebble's group commit
// shares each fsync between concurrent batches.
func BenchmarkPebbleApplySync(b *testing.B) {
	value := make([]byte, 4<<10)
	run := func(b *testing.B, parallel bool) {
		s := open(b, b.TempDir(), pebble.Options{})
		defer s.Close()
		ctx := context.Background()
		var seq atomic.Uint64
		apply := func() error {
			var k [8]byte
			binary.BigEndian.PutUint64(k[:], seq.Add(1))
			var bt meta.Batch
			bt.Set(k[:], value)
			return s.Apply(ctx, &bt)
		}
		b.SetBytes(int64(len(value)))
		b.ResetTimer()
		if !parallel {
			for b.Loop() {
				if err := apply(); err != nil {
					b.Fatal(err)
				}
			}
			return
		}
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := apply(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.Run("4KiB/serial", func(b *testing.B) { run(b, false) })
	b.Run("4KiB/parallel", func(b *testing.B) { run(b, true) })
}
