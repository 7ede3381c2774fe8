package crawler

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/catalog"
	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/formats/compress"
	"github.com/tarnhq/tarn/internal/objstore"
	blobmem "github.com/tarnhq/tarn/internal/storage/blob/mem"
	metamem "github.com/tarnhq/tarn/internal/storage/meta/mem"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata/*.test expectations")

const (
	testCat    = "000000000000"
	testBucket = "bkt"
	sharedData = "../../../shared/data"
)

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
		if c.input != "" {
			b.WriteString("\n" + c.input)
		}
		b.WriteString("\n----\n" + c.expected + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// env is an in-memory S3 engine, catalog and crawler engine.
type env struct {
	t   testing.TB
	obj *objstore.Store
	cat *catalog.Catalog
	eng *Engine
}

type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func newEnv(t testing.TB, opts Options) *env {
	ctx := context.Background()
	m := metamem.New()
	clock := &fixedClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	obj, err := objstore.New(ctx, m, blobmem.New(), objstore.Options{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := obj.CreateBucket(ctx, testCat, testBucket, ""); err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Open(ctx, m, catalog.Options{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Now == nil {
		opts.Now = clock.now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	eng, err := Open(ctx, m, c, obj, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	return &env{t: t, obj: obj, cat: c, eng: eng}
}

func (e *env) put(key string, data []byte) {
	_, err := e.obj.PutObject(context.Background(), &objstore.PutInput{Bucket: testBucket, Key: key, Body: bytes.NewReader(data), Size: int64(len(data)), Owner: testCat})
	if err != nil {
		e.t.Fatal(err)
	}
}

// putFiles lays out objects from a script: "file KEY [codec=gzip] [hex]"
// then the content lines ("\t" is a tab; with hex, the lines are the
// bytes in hex, concatenated), or "copy KEY LOCALPATH" (relative to
// ../shared/data).
func (e *env) putFiles(script string) (string, bool) {
	var key, codec string
	var isHex bool
	var body []string
	flush := func() {
		if key == "" {
			return
		}
		data := []byte(strings.ReplaceAll(strings.Join(body, "\n")+"\n", `\t`, "\t"))
		if isHex {
			var err error
			if data, err = hex.DecodeString(strings.Join(strings.Fields(strings.Join(body, "")), "")); err != nil {
				e.t.Fatal(err)
			}
		}
		if codec != "" {
			var buf bytes.Buffer
			w, err := compress.NewWriter(compress.Codec(codec), &buf)
			if err != nil {
				e.t.Fatal(err)
			}
			w.Write(data)
			w.Close()
			data = buf.Bytes()
		}
		e.put(key, data)
		key, codec, body, isHex = "", "", nil, false
	}
	for _, line := range strings.Split(script, "\n") {
		switch {
		case strings.HasPrefix(line, "file "):
			flush()
			f := strings.Fields(line)
			key = f[1]
			for _, a := range f[2:] {
				if v, ok := strings.CutPrefix(a, "codec="); ok {
					codec = v
				}
				isHex = isHex || a == "hex"
			}
		case strings.HasPrefix(line, "copy "):
			flush()
			f := strings.Fields(line)
			data, err := os.ReadFile(filepath.Join(sharedData, f[2]))
			if err != nil {
				return "skip: " + f[2] + " absent", false
			}
			if len(f) > 3 {
				n, _ := strconv.Atoi(f[3])
				data = data[:min(n, len(data))]
			}
			e.put(f[1], data)
		default:
			body = append(body, line)
		}
	}
	flush()
	return "ok", true
}

func parseArgs(s string) map[string]string {
	out := map[string]string{}
	for _, f := range strings.Fields(s) {
		k, v, _ := strings.Cut(f, "=")
		out[k] = v
	}
	return out
}

// crawl creates (or updates) crawler "c" from args and input (a
// Configuration JSON), runs it to the end and prints the result.
func (e *env) crawl(args map[string]string, config string) string {
	name := cmp(args["name"], "c")
	db := cmp(args["db"], "db")
	in := &CrawlerInput{Name: name, Role: ptr("arn:aws:iam::000000000000:role/glue"), DatabaseName: &db,
		Targets:            &Targets{S3Targets: []S3Target{{Path: cmp(args["path"], "s3://"+testBucket+"/")}}},
		SchemaChangePolicy: &SchemaChangePolicy{UpdateBehavior: args["update"], DeleteBehavior: args["delete"]}}
	if v, ok := args["prefix"]; ok {
		in.TablePrefix = &v
	}
	if v, ok := args["sample"]; ok {
		n, _ := strconv.Atoi(v)
		in.Targets.S3Targets[0].SampleSize = &n
	}
	if v, ok := args["exclude"]; ok {
		in.Targets.S3Targets[0].Exclusions = strings.Split(v, ",")
	}
	if v, ok := args["recrawl"]; ok {
		in.RecrawlPolicy = &RecrawlPolicy{RecrawlBehavior: v}
	}
	if v, ok := args["classifiers"]; ok {
		in.Classifiers = strings.Split(v, ",")
	}
	if v, ok := args["catalog"]; ok {
		d, tb, _ := strings.Cut(v, ".")
		in.Targets = &Targets{CatalogTargets: []CatalogTarget{{DatabaseName: d, Tables: []string{tb}}}}
		in.SchemaChangePolicy.DeleteBehavior = DeleteLog
	}
	return crawlAndShow(e.eng, in, name, config, func() string { return e.show(db) })
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func ptr[T any](v T) *T { return &v }

func errCode(err error) string {
	if err == nil {
		return ""
	}
	return errs.CodeOf(err)
}

// show prints every table of db with its partitions.
func (e *env) show(db string) string {
	ctx := context.Background()
	ts, _, err := e.cat.GetTables(ctx, testCat, db, "", catalog.Page{})
	if errs.KindOf(err) == errs.NotExist {
		return "no database " + db
	}
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	for _, t := range ts {
		sd := t.StorageDescriptor
		fmt.Fprintf(&b, "table %s %s\n", t.Name, sd.Location)
		fmt.Fprintf(&b, "  columns: %s\n", cols(sd.Columns))
		if len(t.PartitionKeys) > 0 {
			fmt.Fprintf(&b, "  partition keys: %s\n", cols(t.PartitionKeys))
		}
		fmt.Fprintf(&b, "  params: %s\n", params(t.Parameters))
		if sd.SerdeInfo != nil {
			fmt.Fprintf(&b, "  format: %s %s %s compressed=%v\n", short(sd.InputFormat), short(sd.OutputFormat), short(sd.SerdeInfo.SerializationLibrary), sd.Compressed)
			if len(sd.SerdeInfo.Parameters) > 0 {
				fmt.Fprintf(&b, "  serde: %s\n", params(sd.SerdeInfo.Parameters))
			}
		}
		ps, _, err := e.cat.GetPartitions(ctx, testCat, db, t.Name, catalog.PartitionQuery{MaxResults: 1000})
		if err != nil {
			fmt.Fprintf(&b, "  partitions: error %v\n", err)
			continue
		}
		if len(ps) > 0 {
			fmt.Fprintf(&b, "  partitions: %d\n", len(ps))
		}
		shown := ps
		if len(shown) > 4 {
			shown = append(slices.Clone(ps[:2]), ps[len(ps)-1])
		}
		for _, p := range shown {
			fmt.Fprintf(&b, "    %s %s records=%s objects=%s columns: %s\n", strings.Join(p.Values, "/"), strings.TrimPrefix(p.StorageDescriptor.Location, sd.Location),
				p.Parameters["recordCount"], p.Parameters["objectCount"], cols(p.StorageDescriptor.Columns))
		}
	}
	if b.Len() == 0 {
		return "no tables"
	}
	return b.String()
}

func cols(cs []catalog.Column) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.Name+" "+c.Type)
	}
	return strings.Join(s, ", ")
}

func params(m map[string]string) string {
	keys := slices.Sorted(maps.Keys(m))
	var s []string
	for _, k := range keys {
		switch k {
		case paramUpdatedBy, "CrawlerSchemaDeserializerVersion", "CrawlerSchemaSerializerVersion", "typeOfData":
			continue // on every table; checked in TestTableParameters
		}
		s = append(s, k+"="+strings.ReplaceAll(m[k], "\t", `\t`))
	}
	return strings.Join(s, " ")
}

func short(class string) string { return class[strings.LastIndexByte(class, '.')+1:] }

func (e *env) run(c testCase) string {
	args := parseArgs(c.args)
	switch c.cmd {
	case "put":
		out, _ := e.putFiles(c.input)
		return out
	case "delete":
		for _, k := range strings.Fields(c.args) {
			if err := e.obj.DeleteObject(context.Background(), testBucket, k); err != nil {
				return "error: " + err.Error()
			}
		}
		return "ok"
	case "classifier":
		var d ClassifierDef
		if err := json.Unmarshal([]byte(c.input), &d); err != nil {
			return "bad test: " + err.Error()
		}
		if err := e.eng.CreateClassifier(context.Background(), testCat, d); err != nil {
			return "error: " + errCode(err) + ": " + errText(err)
		}
		return "ok"
	case "crawl":
		return e.crawl(args, c.input)
	case "show":
		return strings.TrimRight(e.show(cmp(args["db"], "db")), "\n")
	}
	return "unknown command " + c.cmd
}

func TestCrawlData(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.test")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	sort.Strings(files)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			cases := readCases(t, path)
			var e *env
			skipped := false
			for i, c := range cases {
				if c.cmd == "reset" || e == nil {
					e, skipped = newEnv(t, Options{Workers: 4}), false
				}
				if c.cmd == "reset" {
					cases[i].expected = "ok"
					continue
				}
				if skipped && !*rewrite {
					continue
				}
				got := e.run(c)
				if strings.HasPrefix(got, "skip:") {
					skipped = true
					t.Logf("%s:%d %s", path, i, got)
					if !*rewrite {
						continue
					}
				}
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

// crawlAndShow creates (or updates) crawler name from in with the
// Configuration config, runs it to the end, and reports its status,
// metrics and what show prints of the catalog.
func crawlAndShow(eng *Engine, in *CrawlerInput, name, config string, show func() string) string {
	ctx := context.Background()
	config = strings.TrimSpace(config)
	in.Configuration = &config
	err := eng.CreateCrawler(ctx, testCat, in)
	if errCode(err) == CodeAlreadyExists {
		err = eng.UpdateCrawler(ctx, testCat, in)
	}
	if err != nil {
		return "error: " + errCode(err) + ": " + errText(err)
	}
	if err := eng.StartCrawler(ctx, testCat, name); err != nil {
		return "error: " + errText(err)
	}
	eng.Wait(testCat, name)
	c, err := eng.GetCrawler(ctx, testCat, name)
	if err != nil {
		return "error: " + err.Error()
	}
	m, _, _ := eng.GetCrawlerMetrics(ctx, testCat, []string{name}, Page{})
	var b strings.Builder
	fmt.Fprintf(&b, "crawl %s %s", c.LastCrawl.Status, c.State)
	if c.LastCrawl.ErrorMessage != "" {
		fmt.Fprintf(&b, ": %s", c.LastCrawl.ErrorMessage)
	}
	fmt.Fprintf(&b, "\ncreated=%d updated=%d deleted=%d\n", m[0].TablesCreated, m[0].TablesUpdated, m[0].TablesDeleted)
	b.WriteString(show())
	return strings.TrimRight(b.String(), "\n")
}
