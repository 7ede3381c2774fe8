package crawler

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cron is a parsed Glue schedule expression:
//
//	cron(Minutes Hours Day-of-month Month Day-of-week Year)
//
// in UTC. Fields take lists (,), ranges (-), steps (/) and *; day of
// month also L (last day), L-n, nW (nearest weekday) and LW; day of week
// (1-7 or SUN-SAT) also nL (last such weekday of the month) and n#k (k-th
// such weekday). Exactly one of the day fields must be ?.
type Cron struct {
	expr   string
	minute [60]bool
	hour   [24]bool
	month  [13]bool
	year   [maxYear - minYear + 1]bool

	domAny  bool // day of month is ?
	dom     [32]bool
	domLast int // L-n: n+1 (0 = unused)
	domW    int // nW
	domLW   bool

	dowAny  bool // day of week is ?
	dow     [8]bool
	dowLast int      // nL: weekday n (0 = unused)
	dowNth  [][2]int // n#k
}

const (
	minYear = 1970
	maxYear = 2199
)

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
)

// ParseCron parses "cron(...)". minInterval, when positive, rejects
// expressions whose minute field fires more often than that.
func ParseCron(expr string, minInterval time.Duration) (*Cron, error) {
	s := strings.TrimSpace(expr)
	if !strings.HasPrefix(s, "cron(") || !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("want cron(Minutes Hours Day-of-month Month Day-of-week Year)")
	}
	f := strings.Fields(s[5 : len(s)-1])
	if len(f) != 6 {
		return nil, fmt.Errorf("want 6 fields, got %d", len(f))
	}
	c := &Cron{expr: s}
	if err := setField(c.minute[:], f[0], 0, 59, nil); err != nil {
		return nil, fmt.Errorf("minutes: %v", err)
	}
	if err := setField(c.hour[:], f[1], 0, 23, nil); err != nil {
		return nil, fmt.Errorf("hours: %v", err)
	}
	if err := setField(c.month[1:], f[3], 1, 12, monthNames); err != nil {
		return nil, fmt.Errorf("month: %v", err)
	}
	if err := setField(c.year[:], f[5], minYear, maxYear, nil); err != nil {
		return nil, fmt.Errorf("year: %v", err)
	}
	c.domAny, c.dowAny = f[2] == "?", f[4] == "?"
	if c.domAny == c.dowAny {
		return nil, fmt.Errorf("exactly one of day-of-month and day-of-week must be ?")
	}
	if !c.domAny {
		if err := c.parseDOM(f[2]); err != nil {
			return nil, fmt.Errorf("day-of-month: %v", err)
		}
	}
	if !c.dowAny {
		if err := c.parseDOW(f[4]); err != nil {
			return nil, fmt.Errorf("day-of-week: %v", err)
		}
	}
	if minInterval > 0 {
		if g := c.minGap(); g < minInterval {
			return nil, fmt.Errorf("a schedule may not run more often than every %v", minInterval)
		}
	}
	return c, nil
}

// String is the expression as given.
func (c *Cron) String() string { return c.expr }

// setField parses a list of *, n, a-b, with optional /step, into set,
// which is indexed by value - lo.
func setField(set []bool, s string, lo, hi int, names []string) error {
	if s == "" {
		return fmt.Errorf("empty")
	}
	for _, item := range strings.Split(s, ",") {
		rng, stepS, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepS)
			if err != nil || n <= 0 || n > hi-lo+1 {
				return fmt.Errorf("bad step %q", stepS)
			}
			step = n
		}
		a, b := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			as, bs, _ := strings.Cut(rng, "-")
			var err error
			if a, err = value(as, lo, hi, names); err != nil {
				return err
			}
			if b, err = value(bs, lo, hi, names); err != nil {
				return err
			}
			if a > b {
				return fmt.Errorf("range %q runs backwards", rng)
			}
		default:
			var err error
			if a, err = value(rng, lo, hi, names); err != nil {
				return err
			}
			if !hasStep {
				b = a
			}
		}
		for v := a; v <= b; v += step {
			set[v-lo] = true
		}
	}
	return nil
}

func value(s string, lo, hi int, names []string) (int, error) {
	for i, n := range names {
		if strings.EqualFold(s, n) {
			return lo + i, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi || len(s) > 4 {
		return 0, fmt.Errorf("bad value %q (want %d-%d)", s, lo, hi)
	}
	return v, nil
}

func (c *Cron) parseDOM(s string) error {
	switch {
	case s == "L":
		c.domLast = 1
		return nil
	case s == "LW":
		c.domLW = true
		return nil
	case strings.HasPrefix(s, "L-"):
		n, err := strconv.Atoi(s[2:])
		if err != nil || n < 0 || n > 30 {
			return fmt.Errorf("bad offset %q", s)
		}
		c.domLast = n + 1
		return nil
	case strings.HasSuffix(s, "W"):
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil || n < 1 || n > 31 {
			return fmt.Errorf("bad weekday day %q", s)
		}
		c.domW = n
		return nil
	}
	var set [31]bool
	if err := setField(set[:], s, 1, 31, nil); err != nil {
		return err
	}
	copy(c.dom[1:], set[:])
	return nil
}

func (c *Cron) parseDOW(s string) error {
	if s == "L" {
		c.dow[7] = true
		return nil
	}
	var set [7]bool
	for _, item := range strings.Split(s, ",") {
		switch {
		case strings.HasSuffix(item, "L") && len(item) > 1:
			d, err := value(item[:len(item)-1], 1, 7, dayNames)
			if err != nil {
				return err
			}
			if c.dowLast != 0 {
				return fmt.Errorf("only one nL")
			}
			c.dowLast = d
		case strings.Contains(item, "#"):
			ds, ks, _ := strings.Cut(item, "#")
			d, err := value(ds, 1, 7, dayNames)
			if err != nil {
				return err
			}
			k, err := strconv.Atoi(ks)
			if err != nil || k < 1 || k > 5 {
				return fmt.Errorf("bad occurrence %q", item)
			}
			c.dowNth = append(c.dowNth, [2]int{d, k})
		default:
			if err := setField(set[:], item, 1, 7, dayNames); err != nil {
				return err
			}
		}
	}
	copy(c.dow[1:], set[:])
	return nil
}

// minGap is the shortest interval between two firings within a day.
func (c *Cron) minGap() time.Duration {
	var mins []int
	for h := range 24 {
		if !c.hour[h] {
			continue
		}
		for m := range 60 {
			if c.minute[m] {
				mins = append(mins, h*60+m)
			}
		}
	}
	gap := 24 * 60
	for i := 1; i < len(mins); i++ {
		gap = min(gap, mins[i]-mins[i-1])
	}
	if len(mins) > 1 {
		gap = min(gap, mins[0]+24*60-mins[len(mins)-1])
	}
	return time.Duration(gap) * time.Minute
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// weekdayNear is the weekday of the month nearest to day d (not crossing
// into another month), as Quartz's nW.
func weekdayNear(y int, m time.Month, d int) int {
	last := daysIn(y, m)
	d = min(d, last)
	switch time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday() {
	case time.Saturday:
		if d == 1 {
			return 3
		}
		return d - 1
	case time.Sunday:
		if d == last {
			return d - 2
		}
		return d + 1
	}
	return d
}

func (c *Cron) dayMatches(y int, m time.Month, d int) bool {
	if y < minYear || y > maxYear || !c.year[y-minYear] || !c.month[m] {
		return false
	}
	last := daysIn(y, m)
	if !c.domAny {
		switch {
		case c.dom[d]:
			return true
		case c.domLast > 0 && d == last-(c.domLast-1):
			return true
		case c.domW > 0 && d == weekdayNear(y, m, c.domW):
			return true
		case c.domLW && d == weekdayNear(y, m, last):
			return true
		}
		return false
	}
	wd := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday()) + 1
	if c.dow[wd] || c.dowLast == wd && d+7 > last {
		return true
	}
	for _, n := range c.dowNth {
		if n[0] == wd && (d-1)/7+1 == n[1] {
			return true
		}
	}
	return false
}

// Next returns the first firing strictly after t (in UTC), or the zero
// time when there is none before the year 2200.
func (c *Cron) Next(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Minute).Add(time.Minute)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for ; day.Year() <= maxYear; day = day.AddDate(0, 0, 1) {
		if !c.dayMatches(day.Year(), day.Month(), day.Day()) {
			if !c.year[max(0, min(day.Year()-minYear, maxYear-minYear))] && day.Year() >= minYear {
				day = time.Date(day.Year()+1, 1, 0, 0, 0, 0, 0, time.UTC) // skip the year
			}
			continue
		}
		h0, m0 := 0, 0
		if day.Equal(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)) {
			h0, m0 = t.Hour(), t.Minute()
		}
		for h := h0; h < 24; h++ {
			if !c.hour[h] {
				continue
			}
			ms := 0
			if h == h0 {
				ms = m0
			}
			for m := ms; m < 60; m++ {
				if c.minute[m] {
					return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
				}
			}
		}
	}
	return time.Time{}
}
