package crawler

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// run is a crawl in progress.
type run struct {
	id          string
	start       time.Time
	cancel      context.CancelFunc
	stopped     atomic.Bool
	listing     atomic.Bool
	listed      atomic.Int64
	classified  atomic.Int64
	bytesRead   atomic.Int64
	classifiers []Classifier
	done        chan struct{}
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func runKey(cat, name string, start time.Time) []byte {
	return key("ru", cat, name, fmt.Sprintf("%020d", start.UnixNano()))
}

// StartCrawler starts a crawl in the background.
func (e *Engine) StartCrawler(ctx context.Context, cat, name string) error {
	const op = "crawler.StartCrawler"
	if err := checkName(op, "name", name); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	select {
	case <-e.done:
		return gerr(op, errs.Unavailable, CodeInternal, "The crawler service is shutting down.")
	default:
	}
	r, err := e.load(ctx, op, cat, name)
	if err != nil {
		return err
	}
	if r.State != StateReady {
		return gerr(op, errs.Conflict, CodeCrawlerRunning, "Crawler with name %s has already started", name)
	}
	start := e.opts.Now().UTC()
	rn := &run{id: newID(), start: start, done: make(chan struct{})}
	rn.listing.Store(true)
	r.State = StateRunning
	b := &meta.Batch{}
	setJSON(b, crawlerKey(cat, name), r)
	setJSON(b, runKey(cat, name, start), CrawlHistory{CrawlId: rn.id, State: RunRunning, StartTime: start,
		LogGroup: "/aws-glue/crawlers", LogStream: name, MessagePrefix: rn.id})
	if err := e.apply(ctx, op, b); err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(context.Background())
	rn.cancel = cancel
	e.runs[string(crawlerKey(cat, name))] = rn
	e.wg.Add(1)
	go e.runCrawl(rctx, cat, r, rn)
	return nil
}

// StopCrawler cancels a running crawl; the crawler goes STOPPING, then
// READY with LastCrawl CANCELLED.
func (e *Engine) StopCrawler(ctx context.Context, cat, name string) error {
	const op = "crawler.StopCrawler"
	if err := checkName(op, "name", name); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, err := e.load(ctx, op, cat, name)
	if err != nil {
		return err
	}
	switch r.State {
	case StateReady:
		return gerr(op, errs.Conflict, CodeCrawlerNotRunning, "Crawler with name %s isn't running", name)
	case StateStopping:
		return gerr(op, errs.Conflict, CodeCrawlerStopping, "Crawler with name %s is stopping", name)
	}
	r.State = StateStopping
	if err := e.store(ctx, op, cat, r); err != nil {
		return err
	}
	if rn := e.runs[string(crawlerKey(cat, name))]; rn != nil {
		rn.stopped.Store(true)
		rn.cancel()
	}
	return nil
}

// Wait blocks until the named crawler's current run (if any) ends.
func (e *Engine) Wait(cat, name string) {
	e.mu.Lock()
	rn := e.runs[string(crawlerKey(cat, name))]
	e.mu.Unlock()
	if rn != nil {
		<-rn.done
	}
}

func (e *Engine) runCrawl(ctx context.Context, cat string, r *record, rn *run) {
	defer e.wg.Done()
	defer close(rn.done)
	defer rn.cancel()
	log := e.log.With("crawler", r.Name, "crawl", rn.id)
	log.Info("crawl started")
	n, err := e.execute(ctx, cat, r, rn)
	end := e.opts.Now().UTC()
	status, state, msg := CrawlSucceeded, RunCompleted, ""
	switch {
	case err != nil && (rn.stopped.Load() || errors.Is(err, context.Canceled)):
		status, state, msg = CrawlCancelled, RunStopped, ""
	case err != nil:
		status, state, msg = CrawlFailed, RunFailed, errText(err)
	}
	log.Info("crawl finished", "status", status, "err", msg, "created", n.created, "updated", n.updated, "deleted", n.deleted,
		"objects", rn.listed.Load(), "seconds", end.Sub(rn.start).Seconds())
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.runs, string(crawlerKey(cat, r.Name)))
	bg := context.Background()
	cur, lerr := e.load(bg, "crawler.run", cat, r.Name)
	if lerr != nil {
		return // deleted meanwhile (cannot happen while running) or store closed
	}
	secs := end.Sub(rn.start).Seconds()
	cur.State = StateReady
	cur.LastCrawl = &LastCrawl{Status: status, ErrorMessage: msg, StartTime: rn.start, LogGroup: "/aws-glue/crawlers",
		LogStream: r.Name, MessagePrefix: rn.id}
	cur.Created, cur.Updated, cur.Deleted = n.created, n.updated, n.deleted
	cur.Runtimes = append(cur.Runtimes, secs)
	if len(cur.Runtimes) > 20 {
		cur.Runtimes = cur.Runtimes[len(cur.Runtimes)-20:]
	}
	summary, _ := json.Marshal(map[string]any{"TABLE": map[string]any{"ADD": map[string]int{"Count": n.created},
		"UPDATE": map[string]int{"Count": n.updated}, "DELETE": map[string]int{"Count": n.deleted}}})
	b := &meta.Batch{}
	setJSON(b, crawlerKey(cat, r.Name), cur)
	setJSON(b, runKey(cat, r.Name, rn.start), CrawlHistory{CrawlId: rn.id, State: state, StartTime: rn.start, EndTime: end,
		Summary: string(summary), ErrorMessage: msg, LogGroup: "/aws-glue/crawlers", LogStream: r.Name, MessagePrefix: rn.id,
		DPUHour: secs / 3600, TablesCreated: n.created, TablesUpdated: n.updated, TablesDeleted: n.deleted})
	if err := e.meta.Apply(bg, b); err != nil {
		log.Error("recording crawl result", "err", err)
	}
}

// errText is the message of an engine error, or the error's text.
func errText(err error) string {
	var e *errs.Error
	if errors.As(err, &e) && e.Msg != "" {
		return e.Msg
	}
	return err.Error()
}

// recover marks crawls interrupted by a restart as failed and resumes
// schedules.
func (e *Engine) recover(ctx context.Context) error {
	const op = "crawler.Open"
	p := []byte("crawler/cr/")
	var fix []*record
	var cats []string
	if err := e.scan(ctx, op, p, upperBound(p), func(k, v []byte) (bool, error) {
		var r record
		if err := json.Unmarshal(v, &r); err != nil {
			return false, errIO(op, err)
		}
		cat, _, _ := strings.Cut(strings.TrimPrefix(string(k), string(p)), sep)
		fix = append(fix, &r)
		cats = append(cats, cat)
		return true, nil
	}); err != nil {
		return err
	}
	b := &meta.Batch{}
	for i, r := range fix {
		if r.State != StateReady {
			r.State = StateReady
			r.LastCrawl = &LastCrawl{Status: CrawlFailed, ErrorMessage: "The crawl was interrupted by a restart of tarn.", StartTime: e.now()}
			setJSON(b, crawlerKey(cats[i], r.Name), r)
		}
		e.syncSchedule(cats[i], r)
	}
	return e.apply(ctx, op, b)
}

// GetCrawlerMetrics reports table counts of the last run and, for
// running crawls, an estimate of the time left.
func (e *Engine) GetCrawlerMetrics(ctx context.Context, cat string, names []string, p Page) ([]CrawlerMetrics, string, error) {
	const op = "crawler.GetCrawlerMetrics"
	var rs []*record
	next := ""
	if len(names) > 0 {
		if len(names) > 100 {
			return nil, "", errInvalid(op, "1 validation error detected: Value at 'crawlerNameList' failed to satisfy constraint: Member must have length less than or equal to 100")
		}
		for _, n := range names {
			r, err := e.load(ctx, op, cat, n)
			if errs.KindOf(err) == errs.NotExist {
				continue
			}
			if err != nil {
				return nil, "", err
			}
			rs = append(rs, r)
		}
	} else {
		var err error
		if rs, next, err = e.listRecords(ctx, op, cat, p, 100, 1000); err != nil {
			return nil, "", err
		}
	}
	out := make([]CrawlerMetrics, 0, len(rs))
	for _, r := range rs {
		m := CrawlerMetrics{CrawlerName: r.Name, TablesCreated: r.Created, TablesUpdated: r.Updated, TablesDeleted: r.Deleted}
		if n := len(r.Runtimes); n > 0 {
			m.LastRuntimeSeconds = r.Runtimes[n-1]
			s := slices.Clone(r.Runtimes)
			sort.Float64s(s)
			if n%2 == 1 {
				m.MedianRuntimeSeconds = s[n/2]
			} else {
				m.MedianRuntimeSeconds = (s[n/2-1] + s[n/2]) / 2
			}
		}
		e.mu.Lock()
		rn := e.runs[string(crawlerKey(cat, r.Name))]
		e.mu.Unlock()
		if rn != nil {
			done, total := rn.classified.Load(), rn.listed.Load()
			elapsed := e.opts.Now().Sub(rn.start).Seconds()
			if rn.listing.Load() || done == 0 {
				m.StillEstimating = true
			} else {
				m.TimeLeftSeconds = elapsed / float64(done) * float64(max(total-done, 0))
			}
		}
		out = append(out, m)
	}
	return out, next, nil
}

// ListCrawls returns a crawler's runs, newest first, filtered.
func (e *Engine) ListCrawls(ctx context.Context, cat, name string, filters []CrawlsFilter, p Page) ([]CrawlHistory, string, error) {
	const op = "crawler.ListCrawls"
	if _, err := e.load(ctx, op, cat, name); err != nil {
		return nil, "", err
	}
	n := p.MaxResults
	if n == 0 {
		n = 20
	}
	if n < 1 || n > 1000 {
		return nil, "", errInvalid(op, "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000", p.MaxResults)
	}
	for _, f := range filters {
		if err := checkFilter(f); err != nil {
			return nil, "", errInvalid(op, "%v", err)
		}
	}
	skip := 0
	if p.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(p.NextToken)
		if skip, err = strconv.Atoi(string(b)); err != nil || skip < 0 {
			return nil, "", errInvalid(op, "Invalid NextToken.")
		}
	}
	var all []CrawlHistory
	pre := prefix("ru", cat, name)
	if err := e.scan(ctx, op, pre, upperBound(pre), func(_, v []byte) (bool, error) {
		var h CrawlHistory
		if err := json.Unmarshal(v, &h); err != nil {
			return false, errIO(op, err)
		}
		for _, f := range filters {
			if !matchFilter(h, f) {
				return true, nil
			}
		}
		all = append(all, h)
		return true, nil
	}); err != nil {
		return nil, "", err
	}
	slices.Reverse(all)
	if skip > len(all) {
		skip = len(all)
	}
	all = all[skip:]
	next := ""
	if len(all) > n {
		all = all[:n]
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(skip + n)))
	}
	return all, next, nil
}

func checkFilter(f CrawlsFilter) error {
	switch f.FieldName {
	case "CRAWL_ID", "STATE", "START_TIME", "END_TIME", "DPU_HOUR":
	default:
		return fmt.Errorf("1 validation error detected: Value '%s' at 'filters.member.fieldName' failed to satisfy constraint: Member must satisfy enum value set: [CRAWL_ID, STATE, START_TIME, END_TIME, DPU_HOUR]", f.FieldName)
	}
	switch f.FilterOperator {
	case "GT", "GE", "LT", "LE", "EQ", "NE":
	default:
		return fmt.Errorf("1 validation error detected: Value '%s' at 'filters.member.filterOperator' failed to satisfy constraint: Member must satisfy enum value set: [GT, GE, LT, LE, EQ, NE]", f.FilterOperator)
	}
	if f.FieldName == "START_TIME" || f.FieldName == "END_TIME" {
		if _, ok := parseFilterTime(f.FieldValue); !ok {
			return fmt.Errorf("filter value %q is not a time (epoch milliseconds or RFC 3339)", f.FieldValue)
		}
	}
	if f.FieldName == "DPU_HOUR" {
		if _, err := strconv.ParseFloat(f.FieldValue, 64); err != nil {
			return fmt.Errorf("filter value %q is not a number", f.FieldValue)
		}
	}
	return nil
}

func parseFilterTime(s string) (time.Time, bool) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms), true
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

func matchFilter(h CrawlHistory, f CrawlsFilter) bool {
	c := 0
	switch f.FieldName {
	case "CRAWL_ID":
		c = strings.Compare(h.CrawlId, f.FieldValue)
	case "STATE":
		c = strings.Compare(h.State, f.FieldValue)
	case "START_TIME", "END_TIME":
		t, _ := parseFilterTime(f.FieldValue)
		v := h.StartTime
		if f.FieldName == "END_TIME" {
			v = h.EndTime
		}
		c = v.Compare(t)
	case "DPU_HOUR":
		x, _ := strconv.ParseFloat(f.FieldValue, 64)
		c = cmpFloat(h.DPUHour, x)
	}
	switch f.FilterOperator {
	case "GT":
		return c > 0
	case "GE":
		return c >= 0
	case "LT":
		return c < 0
	case "LE":
		return c <= 0
	case "EQ":
		return c == 0
	}
	return c != 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
