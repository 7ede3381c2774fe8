package crawler

import (
	"testing"
	"testing/synctest"
	"time"
)

func TestCronNext(t *testing.T) {
	at := func(s string) time.Time {
		tt, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return tt
	}
	for _, c := range []struct {
		expr, from string
		want       []string
	}{
		{"cron(15 12 * * ? *)", "2026-03-01 12:15", []string{"2026-03-02 12:15", "2026-03-03 12:15"}},
		{"cron(0/5 8-17 ? * MON-FRI *)", "2026-03-06 17:54", []string{"2026-03-06 17:55", "2026-03-09 08:00", "2026-03-09 08:05"}},
		{"cron(0 10 L * ? *)", "2026-02-01 00:00", []string{"2026-02-28 10:00", "2026-03-31 10:00"}},
		{"cron(0 10 L-2 * ? *)", "2026-02-01 00:00", []string{"2026-02-26 10:00"}},
		{"cron(0 9 15W * ? *)", "2026-08-01 00:00", []string{"2026-08-14 09:00", "2026-09-15 09:00"}},  // Aug 15 2026 is a Saturday
		{"cron(0 9 1W * ? *)", "2026-08-01 00:00", []string{"2026-08-03 09:00", "2026-09-01 09:00"}},   // Aug 1 is a Saturday: Monday the 3rd
		{"cron(0 9 LW * ? *)", "2026-05-01 00:00", []string{"2026-05-29 09:00"}},                       // May 31 is a Sunday
		{"cron(0 12 ? * 6#3 *)", "2026-01-01 00:00", []string{"2026-01-16 12:00", "2026-02-20 12:00"}}, // third Friday
		{"cron(0 12 ? * 2L *)", "2026-01-01 00:00", []string{"2026-01-26 12:00", "2026-02-23 12:00"}},  // last Monday
		{"cron(30 0 1 JAN,JUL ? 2027-2028)", "2026-06-01 00:00", []string{"2027-01-01 00:30", "2027-07-01 00:30", "2028-01-01 00:30"}},
		{"cron(0 0 29 2 ? *)", "2026-01-01 00:00", []string{"2028-02-29 00:00", "2032-02-29 00:00"}},
		{"cron(0 0 1 1 ? 1999)", "2026-01-01 00:00", []string{"0001-01-01 00:00"}},
		{"cron(10,20 */6 ? * SUN *)", "2026-03-01 05:00", []string{"2026-03-01 06:10", "2026-03-01 06:20", "2026-03-01 12:10"}},
	} {
		cr, err := ParseCron(c.expr, 0)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		tt := at(c.from)
		for _, w := range c.want {
			tt = cr.Next(tt)
			if got := tt.Format("2006-01-02 15:04"); got != w {
				t.Errorf("%s after %s: got %s, want %s", c.expr, c.from, got, w)
				break
			}
		}
	}
}

func TestCronErrors(t *testing.T) {
	for _, e := range []string{
		"", "cron()", "cron(* * * * *)", "rate(5 minutes)", "cron(0 12 * * * *)", "cron(0 12 ? * ? *)",
		"cron(60 * * * ? *)", "cron(0 24 * * ? *)", "cron(0 0 32 * ? *)", "cron(0 0 ? 13 ? *)", "cron(0 0 ? * 8 *)",
		"cron(0 0 ? * 1#6 *)", "cron(0 0 0W * ? *)", "cron(5-1 * * * ? *)", "cron(*/0 * * * ? *)", "cron(0 0 * * ? 1969)",
		"cron(0 0 ? * FOO *)", "cron(0 0 L-31 * ? *)",
	} {
		if _, err := ParseCron(e, 0); err == nil {
			t.Errorf("%q parsed", e)
		}
	}
	if _, err := ParseCron("cron(0/1 * * * ? *)", MinScheduleInterval); err == nil {
		t.Error("a schedule every minute was accepted")
	}
	if _, err := ParseCron("cron(0/5 * * * ? *)", MinScheduleInterval); err != nil {
		t.Errorf("every 5 minutes: %v", err)
	}
}

func FuzzCron(f *testing.F) {
	for _, s := range []string{"cron(15 12 * * ? *)", "cron(0/5 8-17 ? * MON-FRI *)", "cron(0 10 L * ? *)", "cron(0 9 15W * ? *)",
		"cron(0 12 ? * 6#3 *)", "cron(0 12 ? * 2L *)", "cron(30 0 1 JAN,JUL ? 2027-2028)", "cron(0 0 LW * ? *)"} {
		f.Add(s)
	}
	from := time.Date(2026, 5, 17, 13, 42, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCron(s, 0)
		if err != nil {
			return
		}
		n := c.Next(from)
		if n.IsZero() {
			return
		}
		if !n.After(from) || n.Second() != 0 {
			t.Fatalf("%s: next %v after %v", s, n, from)
		}
		if !c.dayMatches(n.Year(), n.Month(), n.Day()) || !c.hour[n.Hour()] || !c.minute[n.Minute()] {
			t.Fatalf("%s: next %v does not match", s, n)
		}
		if m := c.Next(n.Add(-time.Minute)); !m.Equal(n) {
			t.Fatalf("%s: Next not monotone: %v vs %v", s, m, n)
		}
	})
}

// TestScheduleLoop runs a schedule on synctest's fake clock: a crawler
// scheduled every 10 minutes runs twice in 25 minutes.
func TestScheduleLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, Options{Now: time.Now})
		e.put("s/a.csv", []byte("id,name\n1,a\n2,b\n"))
		in := &CrawlerInput{Name: "s", Role: ptr("r"), DatabaseName: ptr("db"), Schedule: ptr("cron(0/10 * * * ? *)"),
			Targets: &Targets{S3Targets: []S3Target{{Path: "s3://bkt/s/"}}}}
		if err := e.eng.CreateCrawler(t.Context(), testCat, in); err != nil {
			t.Fatal(err)
		}
		time.Sleep(25 * time.Minute)
		synctest.Wait()
		crawls, _, err := e.eng.ListCrawls(t.Context(), testCat, "s", nil, Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(crawls) != 2 && len(crawls) != 3 {
			t.Fatalf("%d crawls in 25 minutes of a 10-minute schedule", len(crawls))
		}
		if err := e.eng.StopCrawlerSchedule(t.Context(), testCat, "s"); err != nil {
			t.Fatal(err)
		}
		e.eng.Close()
	})
}
