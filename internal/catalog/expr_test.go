package catalog

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata/*.test expectations")

// testCase is one datadriven case: "cmd args\ninput...\n----\nexpected...".
type testCase struct {
	cmd, args string
	input     string
	expected  string
}

func readCases(t *testing.T, path string) []testCase {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []testCase
	for _, block := range strings.Split(strings.TrimSpace(string(b)), "\n\n\n") {
		head, exp, ok := strings.Cut(block, "\n----\n")
		if !ok {
			head, exp = strings.TrimSuffix(block, "\n----"), ""
		}
		first, input, _ := strings.Cut(head, "\n")
		cmd, args, _ := strings.Cut(first, " ")
		out = append(out, testCase{cmd, args, input, exp})
	}
	return out
}

func writeCases(t *testing.T, path string, cases []testCase) {
	var b strings.Builder
	for i, c := range cases {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(strings.TrimSpace(c.cmd + " " + c.args))
		b.WriteString("\n" + c.input + "\n----\n" + c.expected + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// exprFixture is the partition set "filter" cases run against:
// region (string) × month (string) × year (int), plus dt (date).
func exprFixture() ([]Column, [][]string) {
	keys := []Column{{Name: "region", Type: "string"}, {Name: "month", Type: "string"}, {Name: "year", Type: "int"}, {Name: "dt", Type: "date"}}
	var parts [][]string
	for _, r := range []string{"eu-west-1", "us-east-1", "us-west-2", hiveNull} {
		for m := 1; m <= 12; m++ {
			for y := 2018; y <= 2020; y++ {
				parts = append(parts, []string{r, fmt.Sprintf("%02d", m), fmt.Sprint(y), fmt.Sprintf("%d-%02d-15", y, m)})
			}
		}
	}
	return keys, parts
}

func runCase(c testCase) string {
	switch c.cmd {
	case "parse":
		n, err := ParseExpression(c.input)
		if err != nil {
			return "error: " + err.Error()
		}
		return n.String()
	case "filter":
		keys, parts := exprFixture()
		f, err := CompileExpression(c.input, keys)
		if err != nil {
			return "error: " + err.Error()
		}
		var got []string
		for _, p := range parts {
			if f.Match(p) {
				got = append(got, strings.Join(p, "/"))
			}
		}
		out := fmt.Sprintf("%d partitions; prefix %q", len(got), f.prefix)
		if len(got) > 4 {
			got = append(got[:2], "...", got[len(got)-1])
		}
		for _, g := range got {
			out += "\n" + g
		}
		return out
	}
	return "unknown command " + c.cmd
}

func TestExpressionData(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.test")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			cases := readCases(t, path)
			for i, c := range cases {
				got := runCase(c)
				if *rewrite {
					cases[i].expected = got
					continue
				}
				if got != c.expected {
					t.Errorf("%s:%d %s %s\n%s\ngot:\n%s\nwant:\n%s", path, i, c.cmd, c.args, c.input, got, c.expected)
				}
			}
			if *rewrite {
				writeCases(t, path, cases)
			}
		})
	}
}

func FuzzExpression(f *testing.F) {
	for _, s := range []string{
		"year='2019' AND month IN ('01','02')", "dt BETWEEN '2020-01-01' AND '2020-01-31'", "region LIKE 'us-%'",
		"NOT (a = '1' OR b IS NULL)", "Country = 'US' AND (Year = 2017 OR Year = '2018')", "`a b` <> 'x''y'",
		"year NOT BETWEEN 1 AND 2", "x NOT IN (1, 2.5, -3e2)", "dt >= DATE '2020-01-01'", "a != b", "((((a=1))))",
	} {
		f.Add(s)
	}
	keys := []Column{{Name: "year", Type: "int"}, {Name: "month", Type: "string"}, {Name: "a", Type: "string"},
		{Name: "b", Type: "bigint"}, {Name: "dt", Type: "date"}, {Name: "region", Type: "string"}}
	vals := []string{"2019", "01", "1", "7", "2020-01-05", "us-east-1"}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseExpression(s)
		if err != nil {
			return
		}
		again, err := ParseExpression(n.String())
		if err != nil {
			t.Fatalf("printed form %q of %q does not parse: %v", n.String(), s, err)
		}
		if again.String() != n.String() {
			t.Fatalf("round trip: %q -> %q", n.String(), again.String())
		}
		if flt, err := CompileExpression(s, keys); err == nil {
			flt.Match(vals)
		}
	})
}
