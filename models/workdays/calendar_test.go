package workdays

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func defaultTestCalendar(t testing.TB) *Calendar {
	t.Helper()
	days, err := DefaultHolidays()
	if err != nil {
		t.Fatalf("DefaultHolidays: %v", err)
	}
	c, err := New(days)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// calTime parses a Vietnam local time "2006-01-02 15:04".
func calTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, VietnamLocation())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAddWorkingDays(t *testing.T) {
	c := defaultTestCalendar(t)
	tests := []struct {
		name     string
		received string
		n        int
		want     string // RFC 3339
	}{
		{"Friday receipt, 5 days", "2026-11-27 09:00", 5, "2026-12-04T23:59:59+07:00"},
		{"n=0 is the end of the day of receipt", "2026-11-27 09:00", 0, "2026-11-27T23:59:59+07:00"},
		{"n=0 on a Sunday", "2026-11-29 10:00", 0, "2026-11-29T23:59:59+07:00"},
		{"negative n is 0", "2026-11-27 09:00", -3, "2026-11-27T23:59:59+07:00"},
		{"Tết 2026, 1 day", "2026-02-13 16:00", 1, "2026-02-23T23:59:59+07:00"},
		{"Tết 2026, 5 days", "2026-02-13 16:00", 5, "2026-02-27T23:59:59+07:00"},
		{"20 days across Tết 2026", "2026-02-06 08:00", 20, "2026-03-13T23:59:59+07:00"},
		{"Tết 2027 (expected), 1 day", "2027-02-03 08:00", 1, "2027-02-11T23:59:59+07:00"},
		{"Tết 2027 (expected), 2 days", "2027-02-03 08:00", 2, "2027-02-12T23:59:59+07:00"},
		{"Tết 2025", "2025-01-24 08:00", 1, "2025-02-03T23:59:59+07:00"},
		{"Hùng Kings make-up, 30/4 and 1/5 2026", "2026-04-24 08:00", 3, "2026-05-04T23:59:59+07:00"},
		{"30/4–1/5 2025 with swapped 2/5", "2025-04-29 08:00", 1, "2025-05-05T23:59:59+07:00"},
		{"2/9 2025 with 1/9", "2025-08-29 08:00", 1, "2025-09-03T23:59:59+07:00"},
		{"2/9 2026 with swapped 31/8 and 1/9", "2026-08-28 08:00", 1, "2026-09-03T23:59:59+07:00"},
		{"2/9 2027 with 3/9 (expected)", "2027-09-01 08:00", 1, "2027-09-06T23:59:59+07:00"},
		{"working Saturday 22/8/2026 counts", "2026-08-21 08:00", 1, "2026-08-22T23:59:59+07:00"},
		{"working Saturday 10/1/2026 counts", "2026-01-09 08:00", 1, "2026-01-10T23:59:59+07:00"},
		{"working Saturday 26/4/2025 counts", "2025-04-25 08:00", 1, "2025-04-26T23:59:59+07:00"},
		{"receipt on a working Saturday", "2026-01-10 08:00", 1, "2026-01-12T23:59:59+07:00"},
		{"receipt on a Sunday", "2026-11-29 10:00", 1, "2026-11-30T23:59:59+07:00"},
		{"receipt on a Tết holiday", "2026-02-17 10:00", 1, "2026-02-23T23:59:59+07:00"},
		{"receipt on 2/9", "2026-09-02 10:00", 1, "2026-09-03T23:59:59+07:00"},
		{"Culture Day 24/11 (expected)", "2026-11-20 08:00", 2, "2026-11-25T23:59:59+07:00"},
		{"Thursday 23:59", "2026-11-26 23:59", 1, "2026-11-27T23:59:59+07:00"},
		{"Friday 00:01", "2026-11-27 00:01", 1, "2026-11-30T23:59:59+07:00"},
		{"across the new year", "2026-12-31 08:00", 1, "2027-01-04T23:59:59+07:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := calTime(t, tt.received)
			got := c.AddWorkingDays(r, tt.n)
			if s := got.Format(time.RFC3339); s != tt.want {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, want %s", tt.received, tt.n, s, tt.want)
			}
			if back := c.WorkingDaysBetween(r, got); back != max(tt.n, 0) {
				t.Fatalf("WorkingDaysBetween back = %d, want %d", back, max(tt.n, 0))
			}
		})
	}
}

func TestAddWorkingDaysUsesVietnamTime(t *testing.T) {
	c := defaultTestCalendar(t)
	// 17:01 UTC on Thursday is 00:01 on Friday in Vietnam.
	r := time.Date(2026, 11, 26, 17, 1, 0, 0, time.UTC)
	if got := c.AddWorkingDays(r, 1).Format(time.RFC3339); got != "2026-11-30T23:59:59+07:00" {
		t.Fatalf("got %s", got)
	}
	r = time.Date(2026, 11, 26, 16, 59, 0, 0, time.UTC) // 23:59 Thursday
	if got := c.AddWorkingDays(r, 1).Format(time.RFC3339); got != "2026-11-27T23:59:59+07:00" {
		t.Fatalf("got %s", got)
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := defaultTestCalendar(t)
	tests := []struct {
		day  string
		want bool
	}{
		{"2026-11-27 12:00", true},  // Friday
		{"2026-11-28 12:00", false}, // Saturday
		{"2026-11-29 12:00", false}, // Sunday
		{"2026-02-17 12:00", false}, // Tết
		{"2026-08-22 12:00", true},  // working Saturday
		{"2026-08-31 12:00", false}, // swapped day off
		{"2026-04-27 12:00", false}, // make-up day
		{"2028-01-03 12:00", true},  // outside the seeded years: plain weekday
	}
	for _, tt := range tests {
		if got := c.IsWorkingDay(calTime(t, tt.day)); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.day, got, tt.want)
		}
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := defaultTestCalendar(t)
	tests := []struct {
		from, to string
		want     int
	}{
		{"2026-11-27 09:00", "2026-11-27 18:00", 0},
		{"2026-11-27 09:00", "2026-11-30 08:00", 1},
		{"2026-11-30 08:00", "2026-11-27 09:00", -1},
		{"2026-02-13 09:00", "2026-02-22 09:00", 0}, // Tết and weekends
		{"2026-02-06 09:00", "2026-03-13 09:00", 20},
		{"2026-01-01 09:00", "2026-12-31 09:00", 249},
		{"2024-12-31 09:00", "2025-12-31 09:00", 250},
	}
	for _, tt := range tests {
		if got := c.WorkingDaysBetween(calTime(t, tt.from), calTime(t, tt.to)); got != tt.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
		}
		if got, want := c.WorkingDaysBetween(calTime(t, tt.from), calTime(t, tt.to)), naiveWorkingDaysBetween(c, calTime(t, tt.from), calTime(t, tt.to)); got != want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, naive %d", tt.from, tt.to, got, want)
		}
	}
}

func TestOverdue(t *testing.T) {
	c := defaultTestCalendar(t)
	due := c.AddWorkingDays(calTime(t, "2026-11-26 09:00"), 1) // Friday 27/11
	if got := due.Format(time.RFC3339); got != "2026-11-27T23:59:59+07:00" {
		t.Fatalf("due = %s", got)
	}
	lastInstant := due.Add(999 * time.Millisecond)
	tests := []struct {
		now     time.Time
		overdue bool
		days    int
	}{
		{calTime(t, "2026-11-27 10:00"), false, 0},
		{lastInstant, false, 0},
		{calTime(t, "2026-11-28 00:00"), true, 0}, // Saturday: overdue, no working day yet
		{calTime(t, "2026-11-30 08:00"), true, 1},
		{calTime(t, "2026-12-03 08:00"), true, 4},
		{calTime(t, "2026-11-02 08:00"), false, 0},
	}
	for _, tt := range tests {
		if got := c.IsOverdue(due, tt.now); got != tt.overdue {
			t.Errorf("IsOverdue(%s) = %v, want %v", tt.now, got, tt.overdue)
		}
		if got := c.WorkingDaysOverdue(due, tt.now); got != tt.days {
			t.Errorf("WorkingDaysOverdue(%s) = %d, want %d", tt.now, got, tt.days)
		}
	}
	if got := VietnamMidnight(time.Date(2026, 11, 28, 6, 45, 0, 0, time.UTC)); !got.Equal(calTime(t, "2026-11-28 00:00")) {
		t.Errorf("VietnamMidnight = %s", got)
	}
}

func TestResumeAfterPause(t *testing.T) {
	c := defaultTestCalendar(t)
	due := c.AddWorkingDays(calTime(t, "2026-11-27 09:00"), 5) // Friday 4/12
	tests := []struct {
		name            string
		paused, resumed string
		want            string
	}{
		// Stopped on Tue 1/12 with Wed, Thu, Fri left; resumed Thu 3/12, so
		// those three days run Fri 4, Mon 7, Tue 8.
		{"two working days paused", "2026-12-01 10:00", "2026-12-03 15:00", "2026-12-08T23:59:59+07:00"},
		{"same-day pause moves nothing", "2026-12-01 10:00", "2026-12-01 16:00", "2026-12-04T23:59:59+07:00"},
		{"pause over a weekend only", "2026-11-28 10:00", "2026-11-29 16:00", "2026-12-04T23:59:59+07:00"},
		{"pause on the due day", "2026-12-04 10:00", "2026-12-07 09:00", "2026-12-07T23:59:59+07:00"},
		{"pause after the due day changes nothing", "2026-12-07 10:00", "2026-12-09 09:00", "2026-12-04T23:59:59+07:00"},
		{"resume before pause is no pause", "2026-12-02 10:00", "2026-12-01 09:00", "2026-12-04T23:59:59+07:00"},
		{"pause across Tết 2027", "2027-02-01 10:00", "2027-02-15 09:00", "2027-02-19T23:59:59+07:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := due
			if strings.Contains(tt.name, "Tết") {
				d = c.AddWorkingDays(calTime(t, "2027-01-29 09:00"), 5) // Fri 5/2 is off: Mon 1, Tue 2, Wed 3, Thu 11, Fri 12
				if got := d.Format(time.RFC3339); got != "2027-02-12T23:59:59+07:00" {
					t.Fatalf("due = %s", got)
				}
			}
			got := c.ResumeAfterPause(d, calTime(t, tt.paused), calTime(t, tt.resumed))
			if s := got.Format(time.RFC3339); s != tt.want {
				t.Fatalf("ResumeAfterPause = %s, want %s", s, tt.want)
			}
		})
	}
}

func TestNewCalendarValidates(t *testing.T) {
	bad := [][]Day{
		{{Date: "2026-02-30", Kind: DayOff}},
		{{Date: "26-02-01", Kind: DayOff}},
		{{Date: "2026-02-02", Kind: "vacation"}},
		{{Date: "2026-02-02", Kind: DayOff, Confidence: "rumour"}},
		{{Date: "2026-02-02", Kind: DayOff}, {Date: "2026-02-02", Kind: DayWork}},
	}
	for i, days := range bad {
		if _, err := New(days); err == nil {
			t.Errorf("case %d: New accepted %+v", i, days)
		}
	}
	c, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.AddWorkingDays(calTime(t, "2026-02-13 09:00"), 1).Format(time.DateOnly); got != "2026-02-16" {
		t.Errorf("empty calendar: %s", got)
	}
}

func TestDefaultHolidays(t *testing.T) {
	days, err := DefaultHolidays()
	if err != nil {
		t.Fatal(err)
	}
	var off, work int
	for _, d := range days {
		if d.Source == "" || (d.Confidence != ConfidenceAnnounced && d.Confidence != ConfidenceExpected) {
			t.Errorf("%s: missing source or confidence: %+v", d.Date, d)
		}
		switch d.Kind {
		case DayOff:
			off++
		case DayWork:
			work++
		}
	}
	if off != 38 || work != 3 {
		t.Errorf("got %d days off and %d working days, want 38 and 3", off, work)
	}
	c := defaultTestCalendar(t)
	if d, ok := c.Day(calTime(t, "2026-08-22 10:00")); !ok || d.Kind != DayWork || d.Confidence != ConfidenceAnnounced {
		t.Errorf("Day(2026-08-22) = %+v, %v", d, ok)
	}
	if got := c.Days(); len(got) != len(days) || got[0].Date != "2025-01-01" {
		t.Errorf("Days() = %d entries starting %q", len(got), got[0].Date)
	}
}

// The embedded seed must stay a copy of the shared reference file.
func TestDefaultHolidaysMatchSharedData(t *testing.T) {
	shared, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "data", "holidays-vn.json"))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared data missing under CI: %v", err)
		}
		t.Skipf("shared data not available: %v", err)
	}
	if !bytes.Equal(shared, holidaysVN) {
		t.Fatal("models/workdays/holidays-vn.json differs from shared/data/holidays-vn.json; copy it again")
	}
}

func TestParseHolidaysJSONErrors(t *testing.T) {
	for _, in := range []string{
		`{`,
		`{"holidays":[{"date":"2026-01-01","kind":"party"}]}`,
		`{"holidays":[{"date":"2026-13-01","kind":"holiday"}]}`,
	} {
		if _, err := ParseHolidaysJSON([]byte(in)); err == nil {
			t.Errorf("ParseHolidaysJSON(%s) accepted", in)
		}
	}
}

func TestDueFormatsWithVietnamOffset(t *testing.T) {
	c := defaultTestCalendar(t)
	for r := calTime(t, "2025-01-01 00:00"); r.Year() < 2028; r = r.Add(97 * time.Hour) {
		s := c.AddWorkingDays(r, 20).Format(time.RFC3339)
		if !strings.HasSuffix(s, "T23:59:59+07:00") {
			t.Fatalf("due %s does not end the day at +07:00", s)
		}
	}
}

func TestCalendarConcurrentUse(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: concurrency (run it with -race)")
	}
	c := defaultTestCalendar(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			r := calTime(t, "2026-01-05 08:00").Add(time.Duration(i) * 24 * time.Hour)
			for n := range 60 {
				due := c.AddWorkingDays(r, n)
				if c.WorkingDaysBetween(r, due) != n || !c.IsWorkingDay(due) && n > 0 {
					t.Errorf("inconsistent at %s + %d", r, n)
				}
				_ = c.Days()
			}
		})
	}
	wg.Wait()
}

// naiveWorkingDaysBetween walks day by day: the oracle for the O(log n) arithmetic.
func naiveWorkingDaysBetween(c *Calendar, from, to time.Time) int {
	a, b := VietnamMidnight(from), VietnamMidnight(to)
	sign := 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	n := 0
	for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return sign * n
}

func FuzzAddThenCount(f *testing.F) {
	c := defaultTestCalendar(f)
	lo := time.Date(2025, 1, 1, 0, 0, 0, 0, VietnamLocation()).Unix()
	hi := time.Date(2028, 1, 1, 0, 0, 0, 0, VietnamLocation()).Unix()
	for _, seed := range []struct {
		sec int64
		n   uint8
	}{{0, 0}, {1, 1}, {86399, 5}, {3600 * 24 * 400, 20}, {3600 * 24 * 405, 60}, {-1, 255}} {
		f.Add(seed.sec, seed.n)
	}
	f.Fuzz(func(t *testing.T, sec int64, nb uint8) {
		off := sec % (hi - lo)
		if off < 0 {
			off += hi - lo
		}
		r := time.Unix(lo+off, 0)
		n := int(nb % 61)
		due := c.AddWorkingDays(r, n)
		if got := c.WorkingDaysBetween(r, due); got != n {
			t.Fatalf("WorkingDaysBetween(%s, AddWorkingDays(_, %d)=%s) = %d", r, n, due, got)
		}
		if got := naiveWorkingDaysBetween(c, r, due); got != n {
			t.Fatalf("naive count from %s to %s = %d, want %d", r, due, got, n)
		}
		if n > 0 && !c.IsWorkingDay(due) {
			t.Fatalf("due %s (n=%d from %s) is not a working day", due, n, r)
		}
		if !strings.HasSuffix(due.Format(time.RFC3339), "T23:59:59+07:00") {
			t.Fatalf("due %s is not the end of a Vietnam day", due.Format(time.RFC3339))
		}
		if next := c.AddWorkingDays(r, n+1); !next.After(due) {
			t.Fatalf("not monotonic: n=%d %s, n+1 %s", n, due, next)
		}
		// After a pause, the working days left are those left when it began.
		p := r.Add(time.Duration(nb%7) * 24 * time.Hour)
		q := p.Add(time.Duration(nb%13)*24*time.Hour + time.Duration(sec%86400)*time.Second)
		if n > 0 && !c.IsOverdue(due, p) {
			left := c.WorkingDaysBetween(p, due)
			got := c.ResumeAfterPause(due, p, q)
			if c.WorkingDaysBetween(p, q) == 0 {
				if !got.Equal(due) {
					t.Fatalf("ResumeAfterPause(%s, %s, %s) = %s, want due unchanged", due, p, q, got)
				}
			} else if after := c.WorkingDaysBetween(q, got); after != left || !c.IsWorkingDay(got) {
				t.Fatalf("ResumeAfterPause(%s, %s, %s) = %s: %d working days left after resuming, want %d", due, p, q, got, after, left)
			}
		}
	})
}
