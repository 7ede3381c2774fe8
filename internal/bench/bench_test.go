package bench

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int{"4KiB": 4096, "1MiB": 1 << 20, "512": 512, "2K": 2048, "3MB": 3 << 20} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "x", "4XB"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q): want error", bad)
		}
	}
	if SizeString(4096) != "4KiB" || SizeString(1<<20) != "1MiB" || SizeString(100) != "100B" {
		t.Fatal("SizeString")
	}
}

func TestLimitsRun(t *testing.T) {
	var out bytes.Buffer
	res, err := FileLimits(t.TempDir(), []int{4096}, []int{2}, 50*time.Millisecond, &out)
	if err != nil || len(res) != 2 || res[0].Ops == 0 || res[1].Ops == 0 || res[0].Errors+res[1].Errors != 0 {
		t.Fatalf("%v %+v", err, res)
	}
	res, err = LoopbackLimits([]int{4096}, []int{2}, 50*time.Millisecond, &out)
	if err != nil || len(res) != 4 || res[0].Ops == 0 || res[1].Errors+res[2].Errors+res[3].Errors != 0 || res[3].Ops == 0 {
		t.Fatalf("%v %+v", err, res)
	}
	if !strings.Contains(out.String(), "| file write+fsync | 4KiB | 2 |") {
		t.Fatalf("table:\n%s", out.String())
	}
}
