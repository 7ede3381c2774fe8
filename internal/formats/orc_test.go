package formats

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/scritchley/orc"
)

// TestORCNullDates checks both sides of the scritchley/orc null-date bug:
// files without null dates read correctly (after nested columns, so the
// column ids are right), files with them are refused rather than misread.
func TestORCNullDates(t *testing.T) {
	write := func(withNull bool) []byte {
		td, err := orc.ParseSchema("struct<s:struct<a:int,b:array<string>>,m:map<string,int>,d:date>")
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		w, err := orc.NewWriter(&buf, orc.SetSchema(td))
		if err != nil {
			t.Fatal(err)
		}
		day := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
		for i := 0; i < 5; i++ {
			var d any = day.AddDate(0, 0, i)
			if withNull && i == 2 {
				d = nil
			}
			if err := w.Write([]any{int64(i), []any{"x"}}, map[string]any{"k": int64(i)}, d); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	good := write(false)
	r, err := Open(bytes.NewReader(good), int64(len(good)), "g.orc", Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, r)
	r.Close()
	if len(rows) != 5 || rows[4][2] != "2024-03-08" || rows[1][0] != `{"a":1,"b":["x"]}` {
		t.Fatalf("%q", rows)
	}
	bad := write(true)
	_, err = Open(bytes.NewReader(bad), int64(len(bad)), "b.orc", Options{})
	if err == nil || !strings.Contains(err.Error(), "date column d has nulls") {
		t.Fatalf("got %v", err)
	}
}
