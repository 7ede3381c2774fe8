package formats

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestParquetTestingCorrupt flips bytes of every parquet-testing file
// (data/ and bad_data/), half of the time inside the footer, and reads
// each copy fully and footer-only: every read must end in rows or an
// error, never a panic, and allocate at most maxCorruptAlloc. Run it under
// `ulimit -v` as well (docs/format/formats.md, Limits): an allocation the
// heap cannot hold is a fatal error, not a failed test.
// TARN_CORRUPT_ROUNDS sets the copies per file (default 40; 8 in -short
// or -race); TARN_CORRUPT_TRACE=1 prints each copy before reading it, so
// a fatal error names its input.
func TestParquetTestingCorrupt(t *testing.T) {
	root := sharedData(t, "parquet-testing")
	var paths []string
	for _, sub := range []string{"data", "bad_data"} {
		entries, err := os.ReadDir(filepath.Join(root, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".parquet") || strings.HasSuffix(e.Name(), ".parquet.encrypted") {
				paths = append(paths, filepath.Join(root, sub, e.Name()))
			}
		}
	}
	rounds := 40
	if testing.Short() || raceEnabled {
		rounds = 8
	}
	if n, err := strconv.Atoi(os.Getenv("TARN_CORRUPT_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	trace := os.Getenv("TARN_CORRUPT_TRACE") != ""
	opts := Options{Format: Parquet, BatchSize: 256}
	var total, rejected int
	var most uint64
	var mostAt string
	for fi, path := range paths {
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		for i := range rounds {
			rng := rand.New(rand.NewPCG(uint64(fi), uint64(i)))
			data := corruptParquet(rng, orig)
			if trace {
				fmt.Fprintf(os.Stderr, "parquet corrupt: %s round %d\n", name, i)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			total++
			if err := drain(data, name, opts); err != nil {
				rejected++
			}
			Infer(bytes.NewReader(data), int64(len(data)), name, Options{Format: Parquet})
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > most {
				most, mostAt = alloc, fmt.Sprintf("%s round %d", name, i)
			}
		}
	}
	t.Logf("%d files × %d rounds: %d of %d corrupted copies rejected; at most %.1f MiB allocated for one (%s)",
		len(paths), rounds, rejected, total, float64(most)/(1<<20), mostAt)
	if most > maxCorruptAlloc {
		t.Errorf("%s allocated %d MiB", mostAt, most>>20)
	}
}

// maxCorruptAlloc bounds what reading one corrupted parquet-testing file
// may allocate: arrow-go's page limits (64 MiB compressed, 256 MiB
// uncompressed) and a batch. Soaks stay far below (35 MiB).
const maxCorruptAlloc = 512 << 20

// corruptParquet returns a copy of a Parquet file with 1 to 4 bytes
// replaced: anywhere, or (half of the time) within the footer, where a
// flipped length or count is likeliest to ask for a large allocation.
func corruptParquet(rng *rand.Rand, orig []byte) []byte {
	data := bytes.Clone(orig)
	lo := 0
	if n := len(data); n >= 12 && rng.IntN(2) == 0 {
		footer := int(binary.LittleEndian.Uint32(data[n-8:]))
		if footer > 0 && footer+8 <= n {
			lo = n - 8 - footer
		}
	}
	for range 1 + rng.IntN(4) {
		data[lo+rng.IntN(len(data)-lo)] = byte(rng.Uint32())
	}
	return data
}
