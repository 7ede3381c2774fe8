package formats

import (
	"bytes"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestCorruptedFilesNoPanic flips and truncates bytes of valid files of every
// binary format: reading must end in a result or an error, never a panic.
func TestCorruptedFilesNoPanic(t *testing.T) {
	cols := slicesWithout(slicesWithout(slicesWithout(testColumns, "price"), "day"), "bin")
	s, recs := sourceRecords(t, cols, 40, 100)
	defer recs[0].Release()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, f := range []Format{Parquet, Avro, ORC, JSON, CSV} {
		if only := os.Getenv("TARN_CORRUPT_FORMATS"); only != "" && !strings.Contains(","+only+",", ","+string(f)+",") {
			continue
		}
		var buf bytes.Buffer
		w, err := NewWriter(f, &buf, s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(recs[0]); err != nil {
			t.Fatal(err)
		}
		w.Close()
		orig := buf.Bytes()
		n := corruptRounds
		if testing.Short() {
			n = 50
		}
		errs := 0
		for i := 0; i < n; i++ {
			data := bytes.Clone(orig)
			switch {
			case i%3 == 0:
				// ORC was truncation-only while scritchley/orc could be made to
				// allocate hundreds of GiB by a flipped length; orc_guard.go
				// now checks those sizes first.
				data = data[:rng.IntN(len(data))]
			default:
				for k := 0; k < 1+rng.IntN(4); k++ {
					data[rng.IntN(len(data))] = byte(rng.Uint32())
				}
			}
			if err := drain(data, "x."+string(f), Options{Format: f, BatchSize: 16}); err != nil {
				errs++
			}
		}
		t.Logf("%s: %d of %d corrupted files rejected", f, errs, n)
	}
}

// corruptRounds is how many corrupted copies of each file are read;
// TARN_CORRUPT_ROUNDS raises it for soak runs (TARN_CORRUPT_FORMATS=orc,avro
// picks formats).
var corruptRounds = func() int {
	if n, err := strconv.Atoi(os.Getenv("TARN_CORRUPT_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 300
}()
