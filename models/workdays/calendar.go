// Package workdays owns Vietnam's working-day calendar and the arithmetic of
// legal periods on it: which days are working days (Monday to Friday, less
// public holidays and swapped days off, plus swapped working Saturdays), when
// a period of N working days that starts with a receipt ends (Civil Code
// arts. 147–148), how long a paused clock moves a deadline, and how late an
// item is. It also reads the holidays file format (holidays-vn.json, of which
// it embeds the 2025–2027 copy) and knows Vietnam's civil time.
//
// It is pure: no database, no clock. models keeps the calendar's days in its
// holidays table and builds a Calendar from them (Store.Calendar).
package workdays

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// DayKind says whether a calendar entry takes a day off or adds a working day.
type DayKind string

const (
	// DayOff is a weekday on which public offices are closed: a public
	// holiday, a make-up day for a holiday falling on a weekend, or a swapped
	// day off.
	DayOff DayKind = "holiday"
	// DayWork is a Saturday or Sunday that counts as a working day because a
	// day off was swapped onto a weekday.
	DayWork DayKind = "workday"
)

// Confidence values of a calendar entry.
const (
	ConfidenceAnnounced = "announced" // fixed by an official announcement
	ConfidenceExpected  = "expected"  // projected; check against the year's announcement
)

// Day is one exception to the Monday–Friday working week.
type Day struct {
	Date       string  `json:"date"` // YYYY-MM-DD, Vietnam civil date
	Name       string  `json:"name"`
	Kind       DayKind `json:"kind"`
	Source     string  `json:"source"`
	Confidence string  `json:"confidence"` // ConfidenceAnnounced or ConfidenceExpected
}

// calendarDateLayout is the layout of Day.Date.
const calendarDateLayout = "2006-01-02"

// calendarMaxWorkingDays caps n in AddWorkingDays so that day arithmetic cannot
// overflow; it is millions of years beyond any legal period.
const calendarMaxWorkingDays = 1 << 31

// vietnamLocation is computed once: time.LoadLocation reads the zoneinfo
// database on every call.
var vietnamLocation = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	// Without tzdata a fixed +07:00 is exact: Vietnam has had no DST or
	// offset change since 1975.
	return time.FixedZone("ICT", 7*3600)
})

// VietnamLocation returns Asia/Ho_Chi_Minh, or a fixed +07:00 zone when the
// system has no time zone database.
func VietnamLocation() *time.Location { return vietnamLocation() }

// Calendar answers working-day questions in Vietnam time: Monday to Friday
// are working days, Saturday and Sunday are not, and Day entries
// override both. It is immutable after New and safe for concurrent
// use.
type Calendar struct {
	loc  *time.Location
	days map[int64]Day // by civil day number
	// adjDays are the entries that change the Mon–Fri count (a DayOff on a
	// weekday, a DayWork on a weekend), sorted; adjPrefix[i] is the sum of
	// their deltas before index i. Together they make range counts O(log n).
	adjDays   []int64
	adjPrefix []int
}

// New validates days and builds a Calendar. A date may appear only
// once.
func New(days []Day) (*Calendar, error) {
	c := &Calendar{loc: VietnamLocation(), days: make(map[int64]Day, len(days))}
	type adj struct {
		day   int64
		delta int
	}
	var adjs []adj
	for i, d := range days {
		t, err := time.Parse(calendarDateLayout, d.Date)
		if err != nil {
			return nil, fmt.Errorf("calendar day %d (%q): invalid date: %w", i, d.Date, err)
		}
		switch d.Kind {
		case DayOff, DayWork:
		default:
			return nil, fmt.Errorf("calendar day %s: unknown kind %q", d.Date, d.Kind)
		}
		switch d.Confidence {
		case "", ConfidenceAnnounced, ConfidenceExpected:
		default:
			return nil, fmt.Errorf("calendar day %s: unknown confidence %q", d.Date, d.Confidence)
		}
		dn := calendarDayNumber(t.Year(), t.Month(), t.Day())
		if prev, dup := c.days[dn]; dup {
			return nil, fmt.Errorf("calendar day %s: listed twice (%q and %q)", d.Date, prev.Name, d.Name)
		}
		c.days[dn] = d
		weekday := calendarIsWeekday(dn)
		switch {
		case d.Kind == DayOff && weekday:
			adjs = append(adjs, adj{dn, -1})
		case d.Kind == DayWork && !weekday:
			adjs = append(adjs, adj{dn, +1})
		}
	}
	slices.SortFunc(adjs, func(a, b adj) int { return cmp.Compare(a.day, b.day) })
	c.adjDays = make([]int64, len(adjs))
	c.adjPrefix = make([]int, len(adjs)+1)
	for i, a := range adjs {
		c.adjDays[i] = a.day
		c.adjPrefix[i+1] = c.adjPrefix[i] + a.delta
	}
	return c, nil
}

// Days returns the calendar's entries sorted by date.
func (c *Calendar) Days() []Day {
	out := make([]Day, 0, len(c.days))
	for _, d := range c.days {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b Day) int { return strings.Compare(a.Date, b.Date) })
	return out
}

// Day returns the entry for t's day in Vietnam, if there is one.
func (c *Calendar) Day(t time.Time) (Day, bool) {
	d, ok := c.days[c.DayNumber(t)]
	return d, ok
}

// IsWorkingDay reports whether t falls on a working day in Vietnam.
func (c *Calendar) IsWorkingDay(t time.Time) bool { return c.isWorking(c.DayNumber(t)) }

// AddWorkingDays returns the due time of a period of n working days that
// starts with receipt at received: the day of receipt is not counted, and
// the period ends at the end of its Nth working day (Civil Code arts.
// 147–148). n = 0 gives the end of the day of receipt; a negative n is
// treated as 0.
//
// The end of a day is written as 23:59:59 +07:00 of that day, not as 00:00
// of the next: "2026-12-03T23:59:59+07:00" reads as "by the end of 03/12" to
// a citizen and in every export, whereas midnight names the wrong date. Whole
// seconds survive every store (PostgreSQL keeps microseconds and would round
// 23:59:59.999999999 up to the next day). The last second of the day is
// still within the period: use IsOverdue, or compare Vietnam dates
// (due < VietnamMidnight(now)), rather than now.After(due).
//
// Extending a due date by k working days is AddWorkingDays(due, k).
func (c *Calendar) AddWorkingDays(received time.Time, n int) time.Time {
	start := c.DayNumber(received)
	if n <= 0 {
		return c.endOfDay(start)
	}
	n = min(n, calendarMaxWorkingDays)
	// Smallest day D > start with n working days in (start, D]. Within
	// 2n+2m+7 days there are at least n+m weekdays, of which the m days off
	// can remove m, so hi is always enough.
	lo, hi := start+1, start+2*int64(n)+2*int64(len(c.adjDays))+7
	for lo < hi {
		mid := lo + (hi-lo)/2
		if c.workingIn(start, mid) >= n {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return c.endOfDay(lo)
}

// WorkingDaysBetween counts the working days after the day of from, up to
// and including the day of to (both in Vietnam time), so that
// WorkingDaysBetween(r, AddWorkingDays(r, n)) == n. When to's day is before
// from's day the result is minus the count from to to from.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	a, b := c.DayNumber(from), c.DayNumber(to)
	if b < a {
		return -c.workingIn(b, a)
	}
	return c.workingIn(a, b)
}

// IsOverdue reports whether now is past the end of due's day in Vietnam. It
// compares dates so that the last second of the due day is still on time.
func (c *Calendar) IsOverdue(due, now time.Time) bool {
	return c.DayNumber(now) > c.DayNumber(due)
}

// WorkingDaysOverdue is the number of working days that have begun since the
// due day ended: 0 while on time (or over a weekend right after it), 1 on
// the first working day after the due day, and so on. "Escalate after 3
// working days overdue" is WorkingDaysOverdue(due, now) > 3.
func (c *Calendar) WorkingDaysOverdue(due, now time.Time) int {
	return max(0, c.WorkingDaysBetween(due, now))
}

// ResumeAfterPause returns the due date of a clock that was paused at
// pausedAt (a request for information) and resumed at resumedAt (the
// information arrived): due moved by the working days the pause lasted,
// WorkingDaysBetween(pausedAt, resumedAt). That mirrors the receipt rule:
// the day the clock stops counts as used, and the day it resumes is, like a
// day of receipt, not counted. So a pause that begins and ends on the same
// day, or spans only days off, moves nothing, and when due is a working day
// the working days left at the pause are exactly the working days left after
// resumption. Several pauses compose by applying this to each in turn.
//
// A pause that begins after the due day cannot rescue an overdue item, and a
// resumedAt before pausedAt is no pause: both return due unchanged.
func (c *Calendar) ResumeAfterPause(due, pausedAt, resumedAt time.Time) time.Time {
	if c.DayNumber(pausedAt) > c.DayNumber(due) {
		return due
	}
	k := c.WorkingDaysBetween(pausedAt, resumedAt)
	if k <= 0 {
		return due
	}
	return c.AddWorkingDays(due, k)
}

// VietnamMidnight returns 00:00 of t's day in Vietnam.
func VietnamMidnight(t time.Time) time.Time {
	y, m, d := t.In(VietnamLocation()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, VietnamLocation())
}

// isWorking reports whether civil day dn is a working day.
func (c *Calendar) isWorking(dn int64) bool {
	if d, ok := c.days[dn]; ok {
		return d.Kind == DayWork
	}
	return calendarIsWeekday(dn)
}

// workingIn counts the working days in (a, b], for a <= b.
func (c *Calendar) workingIn(a, b int64) int {
	n := calendarWeekdaysBefore(b+1) - calendarWeekdaysBefore(a+1)
	idx := func(x int64) int { // entries with day <= x
		return sort.Search(len(c.adjDays), func(i int) bool { return c.adjDays[i] > x })
	}
	return int(n) + c.adjPrefix[idx(b)] - c.adjPrefix[idx(a)]
}

// DayNumber numbers t's civil day in Vietnam: 0 is 1970-01-01, and
// consecutive days have consecutive numbers.
func (c *Calendar) DayNumber(t time.Time) int64 {
	y, m, d := t.In(c.loc).Date()
	return calendarDayNumber(y, m, d)
}

func (c *Calendar) endOfDay(dn int64) time.Time {
	return time.Date(1970, time.January, 1+int(dn), 23, 59, 59, 0, c.loc)
}

// calendarDayNumber numbers civil dates: 0 is 1970-01-01.
func calendarDayNumber(y int, m time.Month, d int) int64 {
	// Midnight UTC is a multiple of 86400 seconds, so the division is exact.
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// calendarMondayAnchor is the day number of Monday 1970-01-05.
const calendarMondayAnchor = 4

// calendarIsWeekday reports whether day dn is Monday to Friday.
func calendarIsWeekday(dn int64) bool {
	return calendarFloorMod(dn-calendarMondayAnchor, 7) < 5
}

// calendarWeekdaysBefore counts Monday–Friday days in [calendarMondayAnchor, x), negative
// for x before the anchor, so that differences count any range.
func calendarWeekdaysBefore(x int64) int64 {
	k := x - calendarMondayAnchor
	return 5*calendarFloorDiv(k, 7) + min(calendarFloorMod(k, 7), 5)
}

func calendarFloorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func calendarFloorMod(a, b int64) int64 { return a - calendarFloorDiv(a, b)*b }
