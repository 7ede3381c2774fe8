// Package lint holds the repository's lint rules as tests: the import
// layering of STYLE.md (front ends translate, engines decide, backends
// persist) is checked on every `go test ./...`.
package lint

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/tarnhq/tarn/"

// rule forbids packages under dir (non-test files) from importing any
// path with one of the prefixes, except the allowed ones.
type rule struct {
	dir    string
	forbid []string
	allow  []string
	why    string
}

var rules = []rule{
	{dir: "internal/storage", forbid: []string{module + "internal/"},
		allow: []string{module + "internal/storage/meta", module + "internal/storage/blob", module + "internal/storage/seglog"},
		why:   "storage implementations import only their interface package"},
	{dir: "internal/objstore", forbid: []string{"net/http", "encoding/xml", module + "internal/api", module + "internal/edge",
		module + "internal/server", module + "internal/awsproto", module + "internal/storage/meta/", module + "internal/storage/blob/"},
		why: "engines know no HTTP, XML or wire protocol, and only storage interfaces"},
	{dir: "internal/kms", forbid: []string{"net/http", "encoding/xml", module + "internal/api", module + "internal/edge",
		module + "internal/server", module + "internal/awsproto", module + "internal/storage/meta/", module + "internal/storage/blob"},
		why: "engines know no HTTP, XML or wire protocol, and only storage interfaces"},
	{dir: "internal/streams", forbid: []string{"net/http", "encoding/xml", module + "internal/api", module + "internal/edge",
		module + "internal/server", module + "internal/awsproto", module + "internal/storage/meta/", module + "internal/storage/seglog/"},
		why: "engines know no HTTP, XML or wire protocol, and only storage interfaces"},
	{dir: "internal/catalog", forbid: []string{"net/http", "encoding/xml", module + "internal/api", module + "internal/edge",
		module + "internal/server", module + "internal/awsproto", module + "internal/storage/meta/", module + "internal/storage/blob",
		module + "internal/objstore", module + "internal/formats"},
		why: "engines know no HTTP, XML or wire protocol, and only storage interfaces"},
	{dir: "internal/crawler", forbid: []string{"net/http", "encoding/xml", module + "internal/api", module + "internal/edge",
		module + "internal/server", module + "internal/awsproto", module + "internal/storage/meta/", module + "internal/storage/blob"},
		why: "engines know no HTTP or wire protocol, and only storage interfaces; the crawler reads S3 through its ObjectStore interface"},
	{dir: "internal/jdbc", forbid: []string{"net/http", "encoding/xml", module + "internal/api", module + "internal/edge",
		module + "internal/server", module + "internal/awsproto", module + "internal/storage", module + "internal/crawler"},
		why: "jdbc sits below the crawler and the Glue front end, and knows no HTTP or wire protocol"},
	{dir: "internal/api", forbid: []string{module + "internal/storage", module + "internal/server", module + "internal/cli", module + "internal/edge"},
		why: "front ends import engines, awsproto and auth, never storage or the server"},
	{dir: "internal/auth", forbid: []string{module + "internal/api", module + "internal/objstore", module + "internal/server", module + "internal/edge"},
		why: "auth sits below the front ends and engines"},
	{dir: "internal/edge", forbid: []string{module + "internal/storage", module + "internal/objstore", module + "internal/server"},
		why: "the edge routes to front ends; it knows no engine or backend"},
	{dir: "internal/errs", forbid: []string{module + "internal/"}, why: "errs is a leaf"},
	{dir: "internal/checksum", forbid: []string{module + "internal/"}, why: "checksum is a leaf"},
}

func TestImportLayering(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, r := range rules {
		filepath.WalkDir(filepath.Join(root, r.dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			// Conformance suites (metatest, blobtest) and test harnesses may import more.
			if strings.Contains(path, "test"+string(filepath.Separator)) {
				return nil
			}
			f, perr := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if perr != nil {
				t.Error(perr)
				return nil
			}
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if violates(r, p) {
					rel, _ := filepath.Rel(root, path)
					t.Errorf("%s imports %s: %s", rel, p, r.why)
				}
			}
			return nil
		})
	}
}

func violates(r rule, p string) bool {
	for _, a := range r.allow {
		if p == a {
			return false
		}
	}
	for _, f := range r.forbid {
		if p == f || strings.HasPrefix(p, f) && (strings.HasSuffix(f, "/") || strings.HasPrefix(p, f+"/")) {
			return true
		}
	}
	return false
}

func TestMainIsTiny(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "cmd", "tarn", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n > 20 {
		t.Errorf("cmd/tarn/main.go has %d lines; keep wiring in internal/server and flags in internal/cli", n)
	}
}

func TestViolates(t *testing.T) {
	objstore := rules[1]
	for p, want := range map[string]bool{
		"net/http": true, "net/http/httptest": true, "net/url": false,
		module + "internal/storage/meta":        false,
		module + "internal/storage/meta/pebble": true,
		module + "internal/api/s3api":           true,
		module + "internal/apiary":              false,
		module + "internal/checksum":            false,
	} {
		if got := violates(objstore, p); got != want {
			t.Errorf("violates(objstore, %s) = %v, want %v", p, got, want)
		}
	}
}
