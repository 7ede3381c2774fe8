package grok

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func dataDir(t testing.TB) string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repo root not found")
		}
		dir = parent
	}
	d := filepath.Join(dir, "..", "shared", "data", "logs")
	if _, err := os.Stat(d); err != nil {
		t.Skip("shared/data/logs absent")
	}
	return d
}

func TestCombinedApacheLog(t *testing.T) {
	p, err := Compile("%{COMBINEDAPACHELOG}", nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range p.Fields() {
		names = append(names, f.Name)
	}
	want := "clientip ident auth timestamp verb request httpversion rawrequest response bytes referrer agent"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("fields %q, want %q", got, want)
	}
	line := `83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/x.png HTTP/1.1" 200 203023 "http://semicomplete.com/" "Mozilla/5.0 (X)"`
	m, ok := p.Match(line)
	if !ok {
		t.Fatal("no match")
	}
	if m[0] != "83.149.9.216" || m[3] != "17/May/2015:10:05:03 +0000" || m[4] != "GET" || m[8] != "200" || m[9] != "203023" || m[11] != `"Mozilla/5.0 (X)"` {
		t.Fatalf("%q", m)
	}
}

func matchRate(t *testing.T, pattern, file string) (int, int) {
	p, err := Compile(pattern, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dataDir(t), file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n, ok := 0, 0
	for sc.Scan() {
		n++
		if _, m := p.Match(strings.TrimRight(sc.Text(), "\r")); m {
			ok++
		} else if n-ok < 3 {
			t.Logf("%s: no match: %s", file, sc.Text())
		}
	}
	return ok, n
}

func TestShippedLogs(t *testing.T) {
	for _, tc := range []struct {
		pattern, file string
		min           float64
	}{
		{"%{COMBINEDAPACHELOG}", "elastic-examples/apache_logs", 0.99},
		{"%{COMMONAPACHELOG} %{GREEDYDATA:rest}", "elastic-examples/apache_logs", 0.99},
		{"%{SYSLOGLINE}", "loghub/Linux_2k.log", 0.99},
		{"%{SYSLOG}", "loghub/OpenSSH_2k.log", 0.99},
		{"%{HTTPD_ERRORLOG}", "loghub/Apache_2k.log", 0.99},
	} {
		ok, n := matchRate(t, tc.pattern, tc.file)
		if n == 0 || float64(ok)/float64(n) < tc.min {
			t.Errorf("%s on %s: %d/%d lines matched", tc.pattern, tc.file, ok, n)
		}
	}
}

func TestTypesCustomUnwanted(t *testing.T) {
	custom, err := ParseCustom("# comment\nMYNUM [0-9]+\nMYWORD %{WORD}\n")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile("%{MYNUM:n:long} %{MYWORD:w} %{INT:skip:UNWANTED} %{NUMBER:f;double}", custom)
	if err != nil {
		t.Fatal(err)
	}
	fs := p.Fields()
	if len(fs) != 3 || fs[0].Type != "bigint" || fs[1].Type != "string" || fs[2].Type != "double" {
		t.Fatalf("%+v", fs)
	}
	m, ok := p.Match("12 abc 7 1.5")
	if !ok || m[0] != "12" || m[1] != "abc" || m[2] != "1.5" {
		t.Fatal(m, ok)
	}
}

func TestCompileErrors(t *testing.T) {
	for _, pat := range []string{"%{NOPE}", strings.Repeat("x", 3000), "%{A}"} {
		custom := map[string]string{"A": "%{A}"}
		if _, err := Compile(pat, custom); err == nil {
			t.Errorf("%q compiled", pat)
		}
	}
}

func FuzzCompile(f *testing.F) {
	f.Add("%{COMBINEDAPACHELOG}", "x")
	f.Add("%{INT:a:int} %{WORD:b}", "1 x")
	f.Fuzz(func(t *testing.T, pat, line string) {
		p, err := Compile(pat, nil)
		if err != nil {
			return
		}
		if m, ok := p.Match(line); ok && len(m) != len(p.Fields()) {
			t.Fatal("field count mismatch")
		}
	})
}
