package formats

import (
	"bufio"
	"errors"
	"io"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// genRows writes rows of about 200 bytes until total bytes are out.
func genRows(w io.Writer, total int64, json bool) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	var n int64
	pad := "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore"
	if !json {
		m, _ := bw.WriteString("id,name,price,flag,ratio,note\n")
		n += int64(m)
	}
	buf := make([]byte, 0, 512)
	for i := 0; n < total; i++ {
		buf = buf[:0]
		if json {
			buf = append(buf, `{"id":`...)
			buf = strconv.AppendInt(buf, int64(i), 10)
			buf = append(buf, `,"name":"user`...)
			buf = strconv.AppendInt(buf, int64(i%1000), 10)
			buf = append(buf, `","price":`...)
			buf = strconv.AppendFloat(buf, float64(i%10000)/100, 'f', 2, 64)
			buf = append(buf, `,"flag":true,"tags":["a","b"],"nested":{"x":`...)
			buf = strconv.AppendInt(buf, int64(i%7), 10)
			buf = append(buf, `},"note":"`...)
			buf = append(buf, pad...)
			buf = append(buf, "\"}\n"...)
		} else {
			buf = strconv.AppendInt(buf, int64(i), 10)
			buf = append(buf, ",user"...)
			buf = strconv.AppendInt(buf, int64(i%1000), 10)
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, float64(i%10000)/100, 'f', 2, 64)
			buf = append(buf, ",true,0.5,\""...)
			buf = append(buf, pad...)
			buf = append(buf, "\"\n"...)
		}
		m, err := bw.Write(buf)
		if err != nil {
			return err
		}
		n += int64(m)
	}
	return bw.Flush()
}

// TestBoundedMemory streams ~200 MB of CSV and JSON through an io.Pipe and
// checks that the live heap stays far below the input size.
func TestBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	total := int64(200 << 20)
	if raceEnabled {
		total = 20 << 20
	}
	for _, tc := range []struct {
		name string
		json bool
	}{{"data.csv", false}, {"data.json", true}} {
		t.Run(tc.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			go func() { pw.CloseWithError(genRows(pw, total, tc.json)) }()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			base := ms.HeapInuse
			start := time.Now()
			r, err := Open(pr, -1, tc.name, Options{BatchSize: 4096})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var rows, peak uint64
			for i := 0; ; i++ {
				rec, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				rows += uint64(rec.NumRows())
				rec.Release()
				if i%16 == 0 {
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
				}
			}
			el := time.Since(start)
			growth := int64(peak) - int64(base)
			t.Logf("%s: %d rows, %d MB in %v (%.0f MB/s), peak heap growth %.1f MB",
				tc.name, rows, total>>20, el.Round(time.Millisecond), float64(total)/(1<<20)/el.Seconds(), float64(growth)/(1<<20))
			if limit := int64(64 << 20); growth > limit {
				t.Errorf("heap grew by %d MB reading %d MB (limit %d MB)", growth>>20, total>>20, limit>>20)
			}
			if rows == 0 {
				t.Fatal("no rows")
			}
		})
	}
}
