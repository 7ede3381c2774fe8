package catalog

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
	"github.com/tarnhq/tarn/internal/storage/meta/mem"
	"github.com/tarnhq/tarn/internal/storage/meta/pebble"
)

const acct = "000000000000"

// fill creates db.t with keys region/month (string), year (int), day
// (string) and regions×12×years×days partitions.
func fill(tb testing.TB, m meta.Store, years, days int) *Catalog {
	tb.Helper()
	ctx := context.Background()
	c, _ := Open(ctx, m, Options{})
	if err := c.CreateDatabase(ctx, acct, DatabaseInput{Name: "DB"}); err != nil {
		tb.Fatal(err)
	}
	keys := []Column{{Name: "region", Type: "string"}, {Name: "month", Type: "string"}, {Name: "year", Type: "int"}, {Name: "day", Type: "string"}}
	if err := c.CreateTable(ctx, acct, "db", TableInput{Name: "T", PartitionKeys: keys,
		StorageDescriptor: &StorageDescriptor{Columns: []Column{{Name: "v", Type: "string"}}}}, nil); err != nil {
		tb.Fatal(err)
	}
	var batch []PartitionInput
	flush := func() {
		if len(batch) == 0 {
			return
		}
		pe, err := c.BatchCreatePartition(ctx, acct, "db", "t", batch)
		if err != nil || len(pe) > 0 {
			tb.Fatal(err, pe)
		}
		batch = batch[:0]
	}
	for _, r := range []string{"eu-west-1", "us-east-1", "us-west-2", "ap-south-1"} {
		for mo := 1; mo <= 12; mo++ {
			for y := 0; y < years; y++ {
				for d := 1; d <= days; d++ {
					batch = append(batch, PartitionInput{Values: []string{r, fmt.Sprintf("%02d", mo), fmt.Sprint(2000 + y), fmt.Sprintf("%02d", d)},
						StorageDescriptor: &StorageDescriptor{Location: "s3://b/" + r}})
					if len(batch) == 100 {
						flush()
					}
				}
			}
		}
	}
	flush()
	return c
}

func allPartitions(t *testing.T, c *Catalog, q PartitionQuery) [][]string {
	t.Helper()
	var out [][]string
	for {
		ps, next, err := c.GetPartitions(context.Background(), acct, "db", "t", q)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			out = append(out, p.Values)
		}
		if next == "" {
			return out
		}
		q.NextToken = next
	}
}

// TestNarrowedScanMatchesFullFilter checks that the prefix-narrowed scan
// returns exactly what filtering every partition returns.
func TestNarrowedScanMatchesFullFilter(t *testing.T) {
	c := fill(t, mem.New(), 3, 4)
	all := allPartitions(t, c, PartitionQuery{})
	if len(all) != 4*12*3*4 {
		t.Fatalf("%d partitions", len(all))
	}
	keys := []Column{{Name: "region", Type: "string"}, {Name: "month", Type: "string"}, {Name: "year", Type: "int"}, {Name: "day", Type: "string"}}
	for _, expr := range []string{
		"region = 'us-east-1'", "region = 'us-east-1' AND month = '03'", "month = '03' AND region = 'us-east-1' AND year = 2001 AND day = '02'",
		"region = 'us-east-1' AND (month = '03' OR month = '04')", "region = 'nope'", "region = 'us-east-1' AND region = 'eu-west-1'",
		"year BETWEEN 2001 AND 2002 AND region LIKE '%-1'", "NOT region = 'us-east-1'",
	} {
		f, err := CompileExpression(expr, keys)
		if err != nil {
			t.Fatal(err)
		}
		var want [][]string
		for _, v := range all {
			if f.Match(v) {
				want = append(want, v)
			}
		}
		for _, max := range []int{0, 7} {
			got := allPartitions(t, c, PartitionQuery{Expression: expr, MaxResults: max})
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("%s (max %d): got %d partitions, want %d", expr, max, len(got), len(want))
			}
		}
	}
}

func TestSegmentsCoverEveryPartitionOnce(t *testing.T) {
	c := fill(t, mem.New(), 2, 3)
	for _, total := range []int{1, 3, 5, 10} {
		seen := map[string]int{}
		for n := 0; n < total; n++ {
			for _, v := range allPartitions(t, c, PartitionQuery{Segment: &Segment{SegmentNumber: n, TotalSegments: total}, MaxResults: 50}) {
				seen[strings.Join(v, "/")]++
			}
		}
		if len(seen) != 4*12*2*3 {
			t.Fatalf("total %d: %d distinct partitions", total, len(seen))
		}
		for k, n := range seen {
			if n != 1 {
				t.Fatalf("total %d: %s seen %d times", total, k, n)
			}
		}
	}
	_, _, err := c.GetPartitions(context.Background(), acct, "db", "t", PartitionQuery{Segment: &Segment{SegmentNumber: 3, TotalSegments: 3}})
	if errs.CodeOf(err) != CodeInvalidInput {
		t.Fatalf("bad segment: %v", err)
	}
}

func TestUpdateTableVersions(t *testing.T) {
	ctx := context.Background()
	c, _ := Open(ctx, mem.New(), Options{})
	c.CreateDatabase(ctx, acct, DatabaseInput{Name: "db"})
	if err := c.CreateTable(ctx, acct, "db", TableInput{Name: "t", Parameters: map[string]string{"metadata_location": "m0"}}, nil); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		err := c.UpdateTable(ctx, acct, "db", TableInput{Name: "t", Parameters: map[string]string{"metadata_location": fmt.Sprint("m", i)}},
			UpdateOptions{VersionId: fmt.Sprint(i - 1)})
		if err != nil {
			t.Fatal(err)
		}
	}
	err := c.UpdateTable(ctx, acct, "db", TableInput{Name: "t"}, UpdateOptions{VersionId: "1"})
	if errs.CodeOf(err) != CodeConcurrent {
		t.Fatalf("stale version: %v", err)
	}
	vs, _, err := c.GetTableVersions(ctx, acct, "db", "t", Page{})
	if err != nil || len(vs) != 4 || vs[0].VersionId != "3" || vs[3].VersionId != "0" {
		t.Fatalf("versions %v %v", vs, err)
	}
	if err := c.UpdateTable(ctx, acct, "db", TableInput{Name: "t"}, UpdateOptions{SkipArchive: true}); err != nil {
		t.Fatal(err)
	}
	vs, _, _ = c.GetTableVersions(ctx, acct, "db", "t", Page{})
	if len(vs) != 4 || vs[0].VersionId != "4" || vs[1].VersionId != "2" {
		t.Fatalf("after SkipArchive: %v", vs)
	}
	if err := c.DeleteTableVersion(ctx, acct, "db", "t", "4"); errs.CodeOf(err) != CodeInvalidInput {
		t.Fatalf("delete current: %v", err)
	}
}

func TestNamePattern(t *testing.T) {
	for _, c := range []struct {
		pat, name string
		want      bool
	}{{"", "x", true}, {"*", "x", true}, {"sales*", "sales_2020", true}, {"sales*", "xsales", false},
		{"a*|b*", "bob", true}, {"a*|b*", "cat", false}, {".*_raw", "events_raw", true}, {"EVENTS", "events", true}} {
		m, err := NamePattern(c.pat)
		if err != nil || m(c.name) != c.want {
			t.Errorf("NamePattern(%q)(%q) = %v, %v", c.pat, c.name, !c.want, err)
		}
	}
	if _, err := NamePattern("(("); err == nil {
		t.Error("bad regex accepted")
	}
}

// BenchmarkGetPartitions100k filters 100k partitions (pebble store) with
// an expression the prefix cannot narrow, and with one it can.
func BenchmarkGetPartitions100k(b *testing.B) {
	m, err := pebble.Open(b.TempDir(), pebble.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	c := fill(b, m, 21, 100) // 4 × 12 × 21 × 100 = 100,800
	ctx := context.Background()
	for _, expr := range []string{"year BETWEEN 2005 AND 2006 AND day IN ('01', '15')", "region = 'us-east-1' AND month = '03' AND year > 2010"} {
		b.Run(strings.Fields(expr)[0], func(b *testing.B) {
			n := 0
			for b.Loop() {
				n = 0
				q := PartitionQuery{Expression: expr}
				for {
					ps, next, err := c.GetPartitions(ctx, acct, "db", "t", q)
					if err != nil {
						b.Fatal(err)
					}
					n += len(ps)
					if next == "" {
						break
					}
					q.NextToken = next
				}
			}
			b.ReportMetric(float64(n), "matches")
		})
	}
}
