package crawler

import (
	"context"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
)

// scheduleNow is the schedule clock: wall time, sped up so that one
// minute of schedule time lasts Options.ScheduleMinute.
func (e *Engine) scheduleNow() time.Time {
	real := time.Since(e.epoch)
	return e.epoch.Add(time.Duration(float64(real) * float64(time.Minute) / float64(e.opts.ScheduleMinute)))
}

func (e *Engine) realDuration(d time.Duration) time.Duration {
	return time.Duration(float64(d) * float64(e.opts.ScheduleMinute) / float64(time.Minute))
}

// syncSchedule starts or stops the schedule loop of a crawler to match its
// record. Callers hold e.mu.
func (e *Engine) syncSchedule(cat string, r *record) {
	k := string(crawlerKey(cat, r.Name))
	if stop, ok := e.sched[k]; ok {
		close(stop)
		delete(e.sched, k)
	}
	if r.Schedule == nil || r.Schedule.State != ScheduleScheduled {
		return
	}
	select {
	case <-e.done:
		return // closed: no new loops
	default:
	}
	c, err := ParseCron(r.Schedule.ScheduleExpression, 0)
	if err != nil {
		e.log.Warn("bad stored schedule", "crawler", r.Name, "err", err)
		return
	}
	stop := make(chan struct{})
	e.sched[k] = stop
	e.wg.Add(1)
	go e.scheduleLoop(cat, r.Name, c, stop)
}

func (e *Engine) scheduleLoop(cat, name string, c *Cron, stop chan struct{}) {
	defer e.wg.Done()
	for {
		now := e.scheduleNow()
		next := c.Next(now)
		if next.IsZero() {
			return
		}
		t := time.NewTimer(e.realDuration(next.Sub(now)))
		select {
		case <-stop:
			t.Stop()
			return
		case <-e.done:
			t.Stop()
			return
		case <-t.C:
		}
		err := e.StartCrawler(context.Background(), cat, name)
		switch {
		case err == nil:
			e.log.Info("scheduled crawl started", "crawler", name, "at", next)
		case errs.CodeOf(err) == CodeCrawlerRunning:
		default:
			e.log.Warn("scheduled crawl", "crawler", name, "err", err)
		}
	}
}

func (e *Engine) setScheduleState(ctx context.Context, op, cat, name, state string) error {
	if err := checkName(op, "crawlerName", name); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, err := e.load(ctx, op, cat, name)
	if err != nil {
		return err
	}
	if r.Schedule == nil || r.Schedule.ScheduleExpression == "" {
		return gerr(op, errs.Invalid, CodeNoSchedule, "Crawler %s has no schedule", name)
	}
	if r.Schedule.State == state {
		if state == ScheduleScheduled {
			return gerr(op, errs.Conflict, CodeSchedulerRunning, "Schedule of crawler %s is already running", name)
		}
		return gerr(op, errs.Conflict, CodeSchedulerNotRunning, "Schedule of crawler %s is not running", name)
	}
	r.Schedule.State = state
	if err := e.store(ctx, op, cat, r); err != nil {
		return err
	}
	e.syncSchedule(cat, r)
	return nil
}

// StartCrawlerSchedule sets a crawler's schedule to SCHEDULED.
func (e *Engine) StartCrawlerSchedule(ctx context.Context, cat, name string) error {
	return e.setScheduleState(ctx, "crawler.StartCrawlerSchedule", cat, name, ScheduleScheduled)
}

// StopCrawlerSchedule sets a crawler's schedule to NOT_SCHEDULED.
func (e *Engine) StopCrawlerSchedule(ctx context.Context, cat, name string) error {
	return e.setScheduleState(ctx, "crawler.StopCrawlerSchedule", cat, name, ScheduleNotScheduled)
}

// UpdateCrawlerSchedule replaces a crawler's cron expression.
func (e *Engine) UpdateCrawlerSchedule(ctx context.Context, cat, name, expr string) error {
	const op = "crawler.UpdateCrawlerSchedule"
	if err := checkName(op, "crawlerName", name); err != nil {
		return err
	}
	if _, err := ParseCron(expr, MinScheduleInterval); err != nil {
		return errInvalid(op, "Invalid schedule expression %s: %v", expr, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, err := e.load(ctx, op, cat, name)
	if err != nil {
		return err
	}
	state := ScheduleScheduled
	if r.Schedule != nil && r.Schedule.State != "" {
		state = r.Schedule.State
	}
	r.Schedule = &Schedule{ScheduleExpression: expr, State: state}
	r.Version++
	r.LastUpdated = e.now()
	if err := e.store(ctx, op, cat, r); err != nil {
		return err
	}
	e.syncSchedule(cat, r)
	return nil
}
