package crawler

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// classifiersFor is the crawler's custom classifiers, in its order, then
// the built-ins.
func (e *Engine) classifiersFor(ctx context.Context, cat string, names []string) ([]Classifier, error) {
	var out []Classifier
	for _, n := range names {
		d, err := e.GetClassifier(ctx, cat, n)
		if err != nil {
			return nil, err
		}
		c, err := e.reg.Custom(&d)
		if err != nil {
			return nil, fmt.Errorf("classifier %s: %v", n, err)
		}
		out = append(out, c)
	}
	return append(out, e.reg.Builtins()...), nil
}

// execute is one crawl: list, classify, lay out, write.
func (e *Engine) execute(ctx context.Context, cat string, r *record, rn *run) (counts, error) {
	var n counts
	cfg, err := ParseConfig(r.Configuration)
	if err != nil {
		return n, err
	}
	if rn.classifiers, err = e.classifiersFor(ctx, cat, r.Classifiers); err != nil {
		return n, err
	}
	type dbTables struct {
		db     string
		tables []tableOut
		under  []string
	}
	var outs []dbTables
	var state []targetUnits
	if len(r.Targets.S3Targets) > 0 {
		if r.DatabaseName == "" {
			return n, fmt.Errorf("Crawler %s has S3 targets but no DatabaseName.", r.Name)
		}
		out := dbTables{db: strings.ToLower(r.DatabaseName)}
		var reuse map[string][]*unit
		for _, st := range r.Targets.S3Targets {
			t, err := newTarget(st)
			if err != nil {
				return n, err
			}
			if r.RecrawlPolicy.RecrawlBehavior == CrawlNewFoldersOnly {
				if reuse, err = e.loadUnits(ctx, cat, r.Name, t); err != nil {
					return n, err
				}
			}
			units, err := e.crawlTarget(ctx, rn, t, reuse)
			if err != nil {
				return n, err
			}
			state = append(state, targetUnits{t, units})
			l := &layout{threshold: e.opts.SimilarityThreshold, combine: cfg.Grouping.TableGroupingPolicy == CombineCompatibleSchemas,
				tableLevel: cfg.Grouping.TableLevelConfiguration, prefixDepth: depthOf(t.prefix), rootName: rootName(t)}
			for _, c := range l.tables(buildTree(units)) {
				out.tables = append(out.tables, buildTable(c, t, r.Name, r.TablePrefix, cfg))
			}
			out.under = append(out.under, t.location(""))
		}
		outs = append(outs, out)
	}
	if len(r.Targets.JdbcTargets) > 0 {
		if r.DatabaseName == "" {
			return n, fmt.Errorf("Crawler %s has JDBC targets but no DatabaseName.", r.Name)
		}
		tables, under, err := e.crawlJDBC(ctx, cat, r, rn)
		if err != nil {
			return n, err
		}
		outs = append(outs, dbTables{db: strings.ToLower(r.DatabaseName), tables: tables, under: under})
	}
	if th := cfg.CrawlerOutput.Tables.TableThreshold; th != nil {
		found := 0
		for _, o := range outs {
			found += len(o.tables)
		}
		if found > *th {
			return n, fmt.Errorf("The number of tables detected by crawler: %d is greater than the table threshold value provided: %d", found, *th)
		}
	}
	for _, ct := range r.Targets.CatalogTargets {
		out := dbTables{db: strings.ToLower(ct.DatabaseName)}
		for _, name := range ct.Tables {
			tbl, err := e.cat.GetTable(ctx, cat, ct.DatabaseName, name)
			if err != nil {
				return n, fmt.Errorf("catalog target %s.%s: %s", ct.DatabaseName, name, errText(err))
			}
			if tbl.StorageDescriptor == nil || tbl.StorageDescriptor.Location == "" {
				return n, fmt.Errorf("catalog target %s.%s has no location", ct.DatabaseName, name)
			}
			t, err := newTarget(S3Target{Path: tbl.StorageDescriptor.Location})
			if err != nil {
				return n, fmt.Errorf("catalog target %s.%s: %v", ct.DatabaseName, name, err)
			}
			units, err := e.crawlTarget(ctx, rn, t, nil)
			if err != nil {
				return n, err
			}
			l := &layout{threshold: e.opts.SimilarityThreshold, forceRoot: true, prefixDepth: depthOf(t.prefix), rootName: tbl.Name}
			for _, c := range l.tables(buildTree(units)) {
				to := buildTable(c, t, r.Name, "", cfg)
				to.in.Name, to.fixed = tbl.Name, true
				out.tables = append(out.tables, to)
				break // forceRoot yields one table (more only with mixed formats)
			}
		}
		outs = append(outs, out)
	}
	if err := ctx.Err(); err != nil {
		return n, err
	}
	// From here the crawl writes the catalog: a stop arriving now waits for
	// the writes to finish, so a stopped crawl never leaves half its
	// tables or partitions behind (it is then reported as completed).
	wctx := context.WithoutCancel(ctx)
	for _, o := range outs {
		c, err := e.write(wctx, cat, r, cfg, o.db, o.tables, o.under)
		n.created += c.created
		n.updated += c.updated
		n.deleted += c.deleted
		if err != nil {
			return n, err
		}
	}
	return n, e.storeUnits(wctx, cat, r.Name, state)
}

func newTarget(st S3Target) (*target, error) {
	bucket, prefix, err := splitS3(st.Path)
	if err != nil {
		return nil, fmt.Errorf("S3 target %q: %v", st.Path, err)
	}
	t := &target{bucket: bucket, prefix: prefix}
	if st.SampleSize != nil {
		t.sample = *st.SampleSize
	}
	for _, x := range st.Exclusions {
		re, err := compileGlob(x)
		if err != nil {
			return nil, fmt.Errorf("exclusion %q: %v", x, err)
		}
		t.exclude = append(t.exclude, re)
	}
	t.exclusions = st.Exclusions
	return t, nil
}

func depthOf(prefix string) int {
	if prefix == "" {
		return 0
	}
	return strings.Count(prefix, "/") + 1
}

func rootName(t *target) string {
	if t.prefix == "" {
		return t.bucket
	}
	return t.prefix[strings.LastIndexByte(t.prefix, '/')+1:]
}

// crawlTarget lists and classifies one include path.
func (e *Engine) crawlTarget(ctx context.Context, rn *run, t *target, reuse map[string][]*unit) ([]*unit, error) {
	folders, err := e.list(ctx, rn, t)
	if err != nil {
		return nil, err
	}
	rn.listing.Store(false)
	for f := range reuse {
		if _, ok := folders[f]; !ok {
			delete(reuse, f)
		}
	}
	return e.classifyFolders(ctx, rn, t, folders, reuse)
}

func unitsPrefix(cat, name string, t *target) []byte {
	return prefix("fo", cat, name, t.location(""))
}

func (e *Engine) loadUnits(ctx context.Context, cat, name string, t *target) (map[string][]*unit, error) {
	out := map[string][]*unit{}
	p := unitsPrefix(cat, name, t)
	err := e.scan(ctx, "crawler.run", p, upperBound(p), func(_, v []byte) (bool, error) {
		var us []*unit
		if err := json.Unmarshal(v, &us); err != nil {
			return false, errs.E("crawler.run", errs.Corrupt, err)
		}
		for _, u := range us {
			out[u.Folder] = append(out[u.Folder], u)
		}
		return true, nil
	})
	return out, err
}

type targetUnits struct {
	t     *target
	units []*unit
}

// storeUnits replaces the stored folder summaries of the crawled targets.
func (e *Engine) storeUnits(ctx context.Context, cat, name string, state []targetUnits) error {
	b := &meta.Batch{}
	for _, tu := range state {
		p := unitsPrefix(cat, name, tu.t)
		if err := e.scan(ctx, "crawler.run", p, upperBound(p), func(k, _ []byte) (bool, error) {
			b.Delete(append([]byte(nil), k...))
			return true, nil
		}); err != nil {
			return err
		}
		byFolder := map[string][]*unit{}
		for _, u := range tu.units {
			byFolder[u.Folder] = append(byFolder[u.Folder], u)
		}
		for f, us := range byFolder {
			setJSON(b, append(p, f...), us)
		}
	}
	return e.apply(ctx, "crawler.run", b)
}
