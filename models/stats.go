package models

import (
	"context"
	"fmt"
	"sort"
	"time"

	"pakn/models/workdays"
)

// StatsFilter chooses the year (Vietnam time) and optionally one unit.
type StatsFilter struct {
	Year     int
	UnitCode string
}

// StatsRow is one line of the public statistics. Received counts petitions
// received in the period; Answered, OnTime, Late and the average handling
// time count the answers given in the period (an answer on time is approved
// by the end of its answer deadline, extensions included); OverdueNow counts
// petitions of the period still open and past their deadline today (the
// clock paused while waiting for the citizen does not count).
type StatsRow struct {
	Received, Answered, OnTime, Late, OverdueNow int
	// HandlingDays sums the working days from receipt to answer.
	HandlingDays int
	// Ratings counts the citizens' satisfaction ratings (1–5) of the answers
	// given in the period; RatingSum adds them up.
	Ratings, RatingSum int
}

// AvgRating is the average satisfaction, 1 to 5 (0 when nobody rated).
func (r StatsRow) AvgRating() float64 {
	if r.Ratings == 0 {
		return 0
	}
	return float64(r.RatingSum) / float64(r.Ratings)
}

// AvgHandlingDays is the average handling time in working days (0 when
// nothing was answered).
func (r StatsRow) AvgHandlingDays() float64 {
	if r.Answered == 0 {
		return 0
	}
	return float64(r.HandlingDays) / float64(r.Answered)
}

// OnTimeRate is the share of answers given on time, in percent.
func (r StatsRow) OnTimeRate() float64 {
	if r.Answered == 0 {
		return 0
	}
	return 100 * float64(r.OnTime) / float64(r.Answered)
}

func (r *StatsRow) add(o StatsRow) {
	r.Received += o.Received
	r.Answered += o.Answered
	r.OnTime += o.OnTime
	r.Late += o.Late
	r.OverdueNow += o.OverdueNow
	r.HandlingDays += o.HandlingDays
	r.Ratings += o.Ratings
	r.RatingSum += o.RatingSum
}

// StatsMonth is one month of a year.
type StatsMonth struct {
	Month time.Month
	StatsRow
}

// StatsUnit is one unit's year.
type StatsUnit struct {
	Unit Unit
	StatsRow
}

// StatsProcedure is one procedure's year: what the province's plan for
// online public services asks which procedures draw the most petitions.
type StatsProcedure struct {
	Procedure Procedure // Code, Name (Name "" for a code not in the list)
	StatsRow
}

// Statistics are the public figures for a year.
type Statistics struct {
	Year   int
	Unit   *Unit // nil = every unit
	Months []StatsMonth
	Units  []StatsUnit
	// Procedures are the procedures petitions of the period named, most
	// received first.
	Procedures []StatsProcedure
	Total      StatsRow
	// Years that have petitions, newest first (for the filter).
	Years []int
	// AsOf is when "overdue now" was measured.
	AsOf time.Time
}

type statsPetition struct {
	ID            int64
	UnitID        int64
	Status        string
	ReceivedAt    time.Time
	AnsweredAt    *time.Time
	DueAt         *time.Time
	DueStage      string
	AnswerDueAt   *time.Time
	ProcedureCode string
}

// Statistics computes the public figures of a year from the petitions. It
// reads only counts and dates, never personal data.
func (s *Store) Statistics(ctx context.Context, f StatsFilter) (*Statistics, error) {
	loc := workdays.VietnamLocation()
	now := s.now()
	if f.Year == 0 {
		f.Year = now.In(loc).Year()
	}
	start := time.Date(f.Year, 1, 1, 0, 0, 0, 0, loc).UTC()
	end := time.Date(f.Year+1, 1, 1, 0, 0, 0, 0, loc).UTC()
	db := s.DB.WithContext(ctx)
	units, err := s.ListUnits(ctx)
	if err != nil {
		return nil, err
	}
	out := &Statistics{Year: f.Year, AsOf: now}
	var unitID *int64
	if f.UnitCode != "" {
		for i := range units {
			if units[i].Code == f.UnitCode {
				out.Unit = &units[i]
				unitID = &units[i].ID
			}
		}
		if unitID == nil {
			return nil, ErrNotFound
		}
	}
	q := db.Model(&Petition{}).
		Select("id, unit_id, status, received_at, answered_at, due_at, due_stage, answer_due_at, procedure_code").
		Where("(received_at >= ? AND received_at < ?) OR (answered_at >= ? AND answered_at < ?)", start, end, start, end)
	if unitID != nil {
		q = q.Where("unit_id = ?", *unitID)
	}
	var rows []statsPetition
	if err := q.Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("statistics %d: %w", f.Year, err)
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	scores, err := s.ratingsOf(ctx, rows)
	if err != nil {
		return nil, err
	}
	months := make([]StatsRow, 12)
	perUnit := map[int64]*StatsRow{}
	unitRow := func(id int64) *StatsRow {
		r, ok := perUnit[id]
		if !ok {
			r = &StatsRow{}
			perUnit[id] = r
		}
		return r
	}
	perProc := map[string]*StatsRow{}
	inYear := func(t time.Time) bool { return !t.Before(start) && t.Before(end) }
	for _, p := range rows {
		u := unitRow(p.UnitID)
		rs := []*StatsRow{u}
		if p.ProcedureCode != "" {
			pr, ok := perProc[p.ProcedureCode]
			if !ok {
				pr = &StatsRow{}
				perProc[p.ProcedureCode] = pr
			}
			rs = append(rs, pr)
		}
		if inYear(p.ReceivedAt) {
			m := p.ReceivedAt.In(loc).Month() - 1
			open := (&Petition{Status: p.Status}).Open()
			overdue := open && p.DueAt != nil && p.DueStage != StageInfo && cal.IsOverdue(*p.DueAt, now)
			for _, r := range append(rs, &months[m]) {
				r.Received++
				if overdue {
					r.OverdueNow++
				}
			}
		}
		if p.AnsweredAt != nil && inYear(*p.AnsweredAt) {
			m := p.AnsweredAt.In(loc).Month() - 1
			due := p.AnswerDueAt
			if due == nil {
				due = p.DueAt
			}
			onTime := due == nil || !cal.IsOverdue(*due, *p.AnsweredAt)
			days := max(0, cal.WorkingDaysBetween(p.ReceivedAt, *p.AnsweredAt))
			score, rated := scores[p.ID]
			for _, r := range append(rs, &months[m]) {
				r.Answered++
				r.HandlingDays += days
				if rated {
					r.Ratings++
					r.RatingSum += score
				}
				if onTime {
					r.OnTime++
				} else {
					r.Late++
				}
			}
		}
	}
	for i, r := range months {
		out.Months = append(out.Months, StatsMonth{Month: time.Month(i + 1), StatsRow: r})
		out.Total.add(r)
	}
	for _, u := range units {
		if unitID != nil && u.ID != *unitID {
			continue
		}
		r, ok := perUnit[u.ID]
		if !ok {
			if unitID == nil {
				continue // units with nothing in the year are left out of the table
			}
			r = &StatsRow{}
		}
		out.Units = append(out.Units, StatsUnit{Unit: u, StatsRow: *r})
	}
	sort.SliceStable(out.Units, func(i, j int) bool { return out.Units[i].Received > out.Units[j].Received })
	if err := s.statsProcedures(ctx, out, perProc); err != nil {
		return nil, err
	}
	years, err := s.statsYears(ctx)
	if err != nil {
		return nil, err
	}
	out.Years = years
	return out, nil
}

// statsYears lists the years from the first petition to this one.
func (s *Store) statsYears(ctx context.Context) ([]int, error) {
	// ORDER BY … LIMIT 1 rather than MIN(): SQLite returns an aggregate of
	// a time column as text.
	var first []time.Time
	if err := s.DB.WithContext(ctx).Model(&Petition{}).Order("received_at").Limit(1).Pluck("received_at", &first).Error; err != nil {
		return nil, fmt.Errorf("statistics years: %w", err)
	}
	loc := workdays.VietnamLocation()
	this := s.now().In(loc).Year()
	from := this
	if len(first) == 1 {
		from = min(this, first[0].In(loc).Year())
	}
	var out []int
	for y := this; y >= from && len(out) < 20; y-- {
		out = append(out, y)
	}
	return out, nil
}

// ratingsOf reads the satisfaction scores of the given petitions.
func (s *Store) ratingsOf(ctx context.Context, rows []statsPetition) (map[int64]int, error) {
	out := map[int64]int{}
	ids := make([]int64, 0, len(rows))
	for _, p := range rows {
		if p.AnsweredAt != nil {
			ids = append(ids, p.ID)
		}
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		var rs []Rating
		if err := s.DB.WithContext(ctx).Select("petition_id, score").Where("petition_id IN ?", chunk).Find(&rs).Error; err != nil {
			return nil, fmt.Errorf("statistics ratings: %w", err)
		}
		for _, r := range rs {
			out[r.PetitionID] = r.Score
		}
	}
	return out, nil
}

// statsProcedures lists the procedures' rows with their names, most
// received first (then by code).
func (s *Store) statsProcedures(ctx context.Context, out *Statistics, perProc map[string]*StatsRow) error {
	codes := make([]string, 0, len(perProc))
	for c := range perProc {
		codes = append(codes, c)
	}
	names, err := s.ProcedureNames(ctx, codes...)
	if err != nil {
		return err
	}
	for _, c := range codes {
		out.Procedures = append(out.Procedures, StatsProcedure{Procedure: Procedure{Code: c, Name: names[c]}, StatsRow: *perProc[c]})
	}
	sort.Slice(out.Procedures, func(i, j int) bool {
		a, b := out.Procedures[i], out.Procedures[j]
		if a.Received != b.Received {
			return a.Received > b.Received
		}
		return a.Procedure.Code < b.Procedure.Code
	})
	return nil
}
