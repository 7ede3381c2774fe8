package crawler

import (
	"context"
	"encoding/base64"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// MinScheduleInterval is the most frequent schedule Glue accepts.
const MinScheduleInterval = 5 * time.Minute

// record is a stored crawler: the definition, its state and the figures
// GetCrawlerMetrics reports.
type record struct {
	Crawler
	Tags     map[string]string `json:"tags,omitempty"`
	Created  int               `json:"created"`
	Updated  int               `json:"updated"`
	Deleted  int               `json:"deleted"`
	Runtimes []float64         `json:"runtimes,omitempty"` // seconds of the last 20 runs
}

func crawlerKey(cat, name string) []byte { return key("cr", cat, name) }

func errNoCrawler(op, name string) error {
	return gerr(op, errs.NotExist, CodeNotFound, "Crawler with name %s not found", name)
}

func (e *Engine) load(ctx context.Context, op, cat, name string) (*record, error) {
	var r record
	found, err := e.getJSON(ctx, op, crawlerKey(cat, name), &r)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errNoCrawler(op, name)
	}
	return &r, nil
}

func (e *Engine) store(ctx context.Context, op, cat string, r *record) error {
	b := &meta.Batch{}
	setJSON(b, crawlerKey(cat, r.Name), r)
	return e.apply(ctx, op, b)
}

func checkName(op, field, s string) error {
	if s == "" {
		return errInvalid(op, "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	if utf8.RuneCountInString(s) > 255 || !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' }) {
		return errInvalid(op, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]* and length 1..255", s, field)
	}
	return nil
}

// apply merges in into r (r may be a fresh record) and validates the
// result; nothing is stored.
func (e *Engine) merge(ctx context.Context, op, cat string, r *record, in *CrawlerInput, create bool) error {
	if in.Role != nil {
		r.Role = *in.Role
	}
	if in.DatabaseName != nil {
		r.DatabaseName = *in.DatabaseName
	}
	if in.Description != nil {
		if utf8.RuneCountInString(*in.Description) > 2048 {
			return errInvalid(op, "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048")
		}
		r.Description = *in.Description
	}
	if in.Targets != nil {
		r.Targets = *in.Targets
	}
	if in.Classifiers != nil {
		r.Classifiers = slices.Clone(in.Classifiers)
	}
	if in.TablePrefix != nil {
		if utf8.RuneCountInString(*in.TablePrefix) > 128 {
			return errInvalid(op, "1 validation error detected: Value at 'tablePrefix' failed to satisfy constraint: Member must have length less than or equal to 128")
		}
		r.TablePrefix = *in.TablePrefix
	}
	if in.SchemaChangePolicy != nil {
		p := *in.SchemaChangePolicy
		if p.UpdateBehavior == "" {
			p.UpdateBehavior = r.SchemaChangePolicy.UpdateBehavior
		}
		if p.DeleteBehavior == "" {
			p.DeleteBehavior = r.SchemaChangePolicy.DeleteBehavior
		}
		r.SchemaChangePolicy = p
	}
	if in.RecrawlPolicy != nil && in.RecrawlPolicy.RecrawlBehavior != "" {
		r.RecrawlPolicy = *in.RecrawlPolicy
	}
	if in.LineageConfiguration != nil {
		r.LineageConfiguration = *in.LineageConfiguration
	}
	if in.LakeFormationConfiguration != nil {
		lf := *in.LakeFormationConfiguration
		r.LakeFormationConfiguration = &lf
	}
	if in.Configuration != nil {
		r.Configuration = *in.Configuration
	}
	if in.CrawlerSecurityConfiguration != nil {
		r.CrawlerSecurityConfiguration = *in.CrawlerSecurityConfiguration
	}
	if in.Schedule != nil {
		if *in.Schedule == "" {
			r.Schedule = nil
		} else {
			if _, err := ParseCron(*in.Schedule, MinScheduleInterval); err != nil {
				return errInvalid(op, "Invalid schedule expression %s: %v", *in.Schedule, err)
			}
			state := ScheduleScheduled
			if r.Schedule != nil && !create {
				state = r.Schedule.State
			}
			r.Schedule = &Schedule{ScheduleExpression: strings.TrimSpace(*in.Schedule), State: state}
		}
	}
	// Defaults.
	if r.SchemaChangePolicy.UpdateBehavior == "" {
		r.SchemaChangePolicy.UpdateBehavior = UpdateInDatabase
	}
	if r.SchemaChangePolicy.DeleteBehavior == "" {
		r.SchemaChangePolicy.DeleteBehavior = DeprecateInDatabase
	}
	if r.RecrawlPolicy.RecrawlBehavior == "" {
		r.RecrawlPolicy.RecrawlBehavior = CrawlEverything
	}
	if r.LineageConfiguration.CrawlerLineageSettings == "" {
		r.LineageConfiguration.CrawlerLineageSettings = "DISABLE"
	}
	if r.Classifiers == nil {
		r.Classifiers = []string{}
	}
	return e.validate(ctx, op, cat, r)
}

func (e *Engine) validate(ctx context.Context, op, cat string, r *record) error {
	if err := checkName(op, "role", r.Role); err != nil {
		return err
	}
	switch r.SchemaChangePolicy.UpdateBehavior {
	case UpdateInDatabase, UpdateLog:
	default:
		return errInvalid(op, "1 validation error detected: Value '%s' at 'schemaChangePolicy.updateBehavior' failed to satisfy constraint: Member must satisfy enum value set: [LOG, UPDATE_IN_DATABASE]", r.SchemaChangePolicy.UpdateBehavior)
	}
	switch r.SchemaChangePolicy.DeleteBehavior {
	case DeprecateInDatabase, DeleteFromDatabase, DeleteLog:
	default:
		return errInvalid(op, "1 validation error detected: Value '%s' at 'schemaChangePolicy.deleteBehavior' failed to satisfy constraint: Member must satisfy enum value set: [LOG, DELETE_FROM_DATABASE, DEPRECATE_IN_DATABASE]", r.SchemaChangePolicy.DeleteBehavior)
	}
	switch r.RecrawlPolicy.RecrawlBehavior {
	case CrawlEverything, CrawlNewFoldersOnly:
	case CrawlEventMode:
		return errInvalid(op, "RecrawlBehavior CRAWL_EVENT_MODE needs an event queue, which tarn does not support.")
	default:
		return errInvalid(op, "1 validation error detected: Value '%s' at 'recrawlPolicy.recrawlBehavior' failed to satisfy constraint: Member must satisfy enum value set: [CRAWL_EVERYTHING, CRAWL_NEW_FOLDERS_ONLY, CRAWL_EVENT_MODE]", r.RecrawlPolicy.RecrawlBehavior)
	}
	if r.RecrawlPolicy.RecrawlBehavior == CrawlNewFoldersOnly && (r.SchemaChangePolicy.UpdateBehavior != UpdateLog || r.SchemaChangePolicy.DeleteBehavior != DeleteLog) {
		return errInvalid(op, "The SchemaChangePolicy for \"Crawl new folders only\" Amazon S3 target can have only LOG DeleteBehavior value and LOG UpdateBehavior value.")
	}
	t := r.Targets
	if len(t.S3Targets)+len(t.JdbcTargets)+len(t.CatalogTargets) == 0 {
		return errInvalid(op, "Crawler %s must have at least one target.", r.Name)
	}
	if len(t.CatalogTargets) > 0 && (len(t.S3Targets)+len(t.JdbcTargets) > 0) {
		return errInvalid(op, "A crawler with catalog targets cannot have other targets.")
	}
	if len(t.CatalogTargets) > 0 && r.SchemaChangePolicy.DeleteBehavior != DeleteLog {
		return errInvalid(op, "The only DeleteBehavior allowed for a crawler with catalog targets is LOG.")
	}
	for _, s := range t.S3Targets {
		if _, _, err := splitS3(s.Path); err != nil {
			return errInvalid(op, "S3 target path %q is not valid: %v", s.Path, err)
		}
		if s.SampleSize != nil && (*s.SampleSize < 1 || *s.SampleSize > 249) {
			return errInvalid(op, "SampleSize %d is not valid: it must be an integer between 1 and 249.", *s.SampleSize)
		}
		for _, x := range s.Exclusions {
			if _, err := compileGlob(x); err != nil {
				return errInvalid(op, "Exclusion pattern %q is not valid: %v", x, err)
			}
		}
	}
	for _, j := range t.JdbcTargets {
		for _, x := range j.Exclusions {
			if _, err := compileGlob(x); err != nil {
				return errInvalid(op, "Exclusion pattern %q is not valid: %v", x, err)
			}
		}
		for _, m := range j.EnableAdditionalMetadata {
			if m != "COMMENTS" && m != "RAWTYPES" {
				return errInvalid(op, "1 validation error detected: Value '%s' at 'targets.jdbcTargets.enableAdditionalMetadata' failed to satisfy constraint: Member must satisfy enum value set: [COMMENTS, RAWTYPES]", m)
			}
		}
	}
	for _, c := range t.CatalogTargets {
		if c.DatabaseName == "" || len(c.Tables) == 0 {
			return errInvalid(op, "Catalog targets need a DatabaseName and at least one table.")
		}
	}
	if _, err := ParseConfig(r.Configuration); err != nil {
		return errInvalid(op, "%v", err)
	}
	for _, name := range r.Classifiers {
		if _, err := e.GetClassifier(ctx, cat, name); err != nil {
			return err
		}
	}
	return nil
}

// CreateCrawler defines a crawler.
func (e *Engine) CreateCrawler(ctx context.Context, cat string, in *CrawlerInput) error {
	const op = "crawler.CreateCrawler"
	if err := checkName(op, "name", in.Name); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var old record
	found, err := e.getJSON(ctx, op, crawlerKey(cat, in.Name), &old)
	if err != nil {
		return err
	}
	if found {
		return gerr(op, errs.Exist, CodeAlreadyExists, "%s already exists", in.Name)
	}
	now := e.now()
	r := &record{Crawler: Crawler{Name: in.Name, State: StateReady, CreationTime: now, LastUpdated: now, Version: 1}, Tags: maps.Clone(in.Tags)}
	if err := e.merge(ctx, op, cat, r, in, true); err != nil {
		return err
	}
	if err := e.store(ctx, op, cat, r); err != nil {
		return err
	}
	e.syncSchedule(cat, r)
	return nil
}

// UpdateCrawler changes a crawler that is not running.
func (e *Engine) UpdateCrawler(ctx context.Context, cat string, in *CrawlerInput) error {
	const op = "crawler.UpdateCrawler"
	if err := checkName(op, "name", in.Name); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, err := e.load(ctx, op, cat, in.Name)
	if err != nil {
		return err
	}
	if r.State != StateReady {
		return gerr(op, errs.Conflict, CodeCrawlerRunning, "Crawler with name %s has already started", in.Name)
	}
	if err := e.merge(ctx, op, cat, r, in, false); err != nil {
		return err
	}
	r.Version++
	r.LastUpdated = e.now()
	if err := e.store(ctx, op, cat, r); err != nil {
		return err
	}
	e.syncSchedule(cat, r)
	return nil
}

// GetCrawler returns a crawler with its state; while it runs,
// CrawlElapsedTime is the milliseconds since it started.
func (e *Engine) GetCrawler(ctx context.Context, cat, name string) (Crawler, error) {
	const op = "crawler.GetCrawler"
	if err := checkName(op, "name", name); err != nil {
		return Crawler{}, err
	}
	r, err := e.load(ctx, op, cat, name)
	if err != nil {
		return Crawler{}, err
	}
	return e.view(cat, r), nil
}

func (e *Engine) view(cat string, r *record) Crawler {
	c := r.Crawler
	c.Tags = r.Tags
	e.mu.Lock()
	run := e.runs[string(crawlerKey(cat, r.Name))]
	e.mu.Unlock()
	if run != nil && c.State != StateReady {
		c.CrawlElapsedTime = e.opts.Now().Sub(run.start).Milliseconds()
	}
	return c
}

// DeleteCrawler removes a crawler that is not running, with its run
// history.
func (e *Engine) DeleteCrawler(ctx context.Context, cat, name string) error {
	const op = "crawler.DeleteCrawler"
	if err := checkName(op, "name", name); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, err := e.load(ctx, op, cat, name)
	if err != nil {
		return err
	}
	if r.State != StateReady {
		return gerr(op, errs.Conflict, CodeCrawlerRunning, "Crawler with name %s has already started", name)
	}
	b := &meta.Batch{}
	b.Delete(crawlerKey(cat, name))
	for _, kind := range []string{"ru", "fo"} {
		p := prefix(kind, cat, name)
		if err := e.scan(ctx, op, p, upperBound(p), func(k, _ []byte) (bool, error) {
			b.Delete(append([]byte(nil), k...))
			return true, nil
		}); err != nil {
			return err
		}
	}
	if err := e.apply(ctx, op, b); err != nil {
		return err
	}
	r.Schedule = nil
	e.syncSchedule(cat, r)
	return nil
}

// listRecords pages through the crawlers of cat in name order.
func (e *Engine) listRecords(ctx context.Context, op, cat string, p Page, def, maxN int) ([]*record, string, error) {
	n := p.MaxResults
	if n == 0 {
		n = def
	}
	if n < 1 || n > maxN {
		return nil, "", errInvalid(op, "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and %d", p.MaxResults, maxN)
	}
	lower := prefix("cr", cat)
	start := lower
	if p.NextToken != "" {
		k, err := base64.RawURLEncoding.DecodeString(p.NextToken)
		if err != nil || !strings.HasPrefix(string(k), string(lower)) {
			return nil, "", errInvalid(op, "Invalid NextToken.")
		}
		start = append(k, 0)
	}
	var out []*record
	next := ""
	err := e.scan(ctx, op, start, upperBound(lower), func(k, v []byte) (bool, error) {
		if len(out) == n {
			next = base64.RawURLEncoding.EncodeToString([]byte(crawlerKey(cat, out[n-1].Name)))
			return false, nil
		}
		var r record
		if err := jsonUnmarshal(v, &r); err != nil {
			return false, errIO(op, err)
		}
		out = append(out, &r)
		return true, nil
	})
	return out, next, err
}

// GetCrawlers returns crawlers with their state, a page at a time.
func (e *Engine) GetCrawlers(ctx context.Context, cat string, p Page) ([]Crawler, string, error) {
	rs, next, err := e.listRecords(ctx, "crawler.GetCrawlers", cat, p, 100, 1000)
	if err != nil {
		return nil, "", err
	}
	out := make([]Crawler, len(rs))
	for i, r := range rs {
		out[i] = e.view(cat, r)
	}
	return out, next, nil
}

// ListCrawlers returns crawler names, optionally only those carrying all
// of tags.
func (e *Engine) ListCrawlers(ctx context.Context, cat string, tags map[string]string, p Page) ([]string, string, error) {
	rs, next, err := e.listRecords(ctx, "crawler.ListCrawlers", cat, p, 100, 1000)
	if err != nil {
		return nil, "", err
	}
	out := []string{}
	for _, r := range rs {
		keep := true
		for k, v := range tags {
			if tv, ok := r.Tags[k]; !ok || tv != v {
				keep = false
			}
		}
		if keep {
			out = append(out, r.Name)
		}
	}
	return out, next, nil
}

// BatchGetCrawlers returns the named crawlers and the names not found.
func (e *Engine) BatchGetCrawlers(ctx context.Context, cat string, names []string) ([]Crawler, []string, error) {
	const op = "crawler.BatchGetCrawlers"
	if len(names) == 0 || len(names) > 100 {
		return nil, nil, errInvalid(op, "1 validation error detected: Value at 'crawlerNames' failed to satisfy constraint: Member must have length between 1 and 100")
	}
	found, missing := []Crawler{}, []string{}
	for _, n := range names {
		c, err := e.GetCrawler(ctx, cat, n)
		if errs.KindOf(err) == errs.NotExist || errs.KindOf(err) == errs.Invalid {
			missing = append(missing, n)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		found = append(found, c)
	}
	return found, missing, nil
}
