package formats

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

// heavyDeps may only be imported under internal/formats: they cost minutes
// of cold build time and belong to the data plane (DESIGN.md, "one data
// plane").
var heavyDeps = []string{
	"github.com/apache/arrow-go/",
	"github.com/hamba/avro/",
	"github.com/scritchley/orc",
	"go.mongodb.org/mongo-driver/",
}

func TestHeavyDepsStayInFormats(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(repo, "go.mod")); err != nil {
		t.Skip("not inside the repository")
	}
	fset := token.NewFileSet()
	err = filepath.WalkDir(repo, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == ".git" || n == "testdata" || n == "node_modules" ||
				path == filepath.Join(repo, "internal", "formats") {
				return filepath.SkipDir
			}
			return nil
		}
		// Tests may build fixtures with Arrow: they add nothing to what the
		// binary links.
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return nil
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, h := range heavyDeps {
				if strings.HasPrefix(p, h) {
					rel, _ := filepath.Rel(repo, path)
					t.Errorf("%s imports %s: use internal/formats instead", rel, p)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
