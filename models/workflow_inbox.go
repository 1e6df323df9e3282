package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"pakn/models/workdays"
)

// Viewer is an official as authorization sees them.
type Viewer struct {
	ID     int64
	Role   string
	UnitID *int64
	Name   string
}

// ViewerOf turns a user into a viewer.
func ViewerOf(u *User) Viewer {
	return Viewer{ID: u.ID, Role: u.Role, UnitID: u.UnitID, Name: u.Name}
}

// SeesAllUnits tells whether the viewer works across units.
func (v Viewer) SeesAllUnits() bool { return v.Role == RoleCoordinator || v.Role == RoleAdmin }

// scopePetitions restricts a petitions query to what the viewer may read.
// Authorization lives in the query, so a page or action that forgets a
// check still cannot reach another unit's petitions.
func scopePetitions(db *gorm.DB, v Viewer) *gorm.DB {
	switch {
	case v.SeesAllUnits():
		return db
	case v.Role == RoleClerk:
		return db.Where("petitions.entered_by_id = ?", v.ID)
	case (v.Role == RoleOfficer || v.Role == RoleLeader) && v.UnitID != nil:
		return db.Where("petitions.unit_id = ?", *v.UnitID)
	default:
		return db.Where("1 = 0")
	}
}

// Deadline states of the inbox filter.
const (
	DeadlineOnTime  = "ontime"
	DeadlineSoon    = "soon" // due within 2 working days
	DeadlineOverdue = "overdue"
	// SoonDays is how near a deadline is "soon" (reminders go out then too).
	SoonDays = 2
)

// InboxFilter narrows an inbox.
type InboxFilter struct {
	Status   string
	Category string // code
	Area     string // code
	Deadline string // DeadlineOnTime | DeadlineSoon | DeadlineOverdue
	Mine     bool   // assigned to the viewer
	Flagged  bool   // transferred more than once
	Query    string // code, phone or name; a dossier or procedure code exactly
	// Procedure is a procedure code (the coordinator's list per procedure).
	Procedure string
	Page      int
	PerPage   int
}

// InboxPage is one page of an inbox.
type InboxPage struct {
	Petitions []Petition
	Total     int64
	Page      int
	PerPage   int
	Pages     int
	// Counts are per state over the viewer's whole scope.
	Counts map[string]int64
	// Deadline is each listed petition's deadline state, by id.
	Deadline map[int64]string
}

// DeadlineState says whether a due date is overdue, soon or on time.
func DeadlineState(cal *workdays.Calendar, due *time.Time, now time.Time) string {
	switch {
	case due == nil:
		return ""
	case cal.IsOverdue(*due, now):
		return DeadlineOverdue
	case !due.After(cal.AddWorkingDays(now, SoonDays)):
		return DeadlineSoon
	}
	return DeadlineOnTime
}

// Inbox lists the petitions a viewer may read, soonest deadline first.
func (s *Store) Inbox(ctx context.Context, v Viewer, f InboxFilter) (*InboxPage, error) {
	if f.PerPage <= 0 || f.PerPage > 100 {
		f.PerPage = 25
	}
	if f.Page < 1 {
		f.Page = 1
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	db := s.DB.WithContext(ctx)
	base := scopePetitions(db.Model(&Petition{}), v)
	out := &InboxPage{Page: f.Page, PerPage: f.PerPage, Counts: map[string]int64{}, Deadline: map[int64]string{}}
	var counts []struct {
		Status string
		N      int64
	}
	if err := base.Session(&gorm.Session{}).Select("petitions.status AS status, COUNT(*) AS n").Group("petitions.status").Scan(&counts).Error; err != nil {
		return nil, fmt.Errorf("inbox counts: %w", err)
	}
	for _, c := range counts {
		out.Counts[c.Status] = c.N
	}
	q := scopePetitions(db.Model(&Petition{}), v)
	if f.Status != "" {
		q = q.Where("petitions.status = ?", f.Status)
	}
	if f.Category != "" {
		q = q.Where("petitions.category_id IN (?)", db.Model(&Category{}).Select("id").Where("code = ?", f.Category))
	}
	if f.Area != "" {
		q = q.Where("petitions.area_id IN (?)", db.Model(&Area{}).Select("id").Where("code = ?", f.Area))
	}
	if f.Procedure != "" {
		q = q.Where("petitions.procedure_code = ?", NormalizeProcedureCode(f.Procedure))
	}
	if f.Mine {
		q = q.Where("petitions.assignee_id = ?", v.ID)
	}
	if f.Flagged {
		q = q.Where("petitions.transfers > 1")
	}
	today := workdays.VietnamMidnight(now).UTC()
	soon := cal.AddWorkingDays(now, SoonDays).UTC()
	switch f.Deadline {
	case DeadlineOverdue:
		q = q.Where(s.timeCmp("petitions.due_at", "<"), today)
	case DeadlineSoon:
		q = q.Where(s.timeCmp("petitions.due_at", ">="), today).Where(s.timeCmp("petitions.due_at", "<="), soon)
	case DeadlineOnTime:
		q = q.Where(s.timeCmp("petitions.due_at", ">"), soon)
	}
	if t := CleanLine(f.Query); t != "" {
		like := "%" + strings.ToLower(strings.NewReplacer("%", "", "_", "").Replace(t)) + "%"
		cond := db.Where("LOWER(petitions.code) LIKE ?", like).
			Or("petitions.dossier_code = ?", NormalizeDossierCode(t)).
			Or("petitions.procedure_code = ?", NormalizeProcedureCode(t))
		// A confidential petitioner is found by name or phone only by the
		// Service Center, who alone may see who they are.
		personal := db.Where("LOWER(petitions.petitioner_name) LIKE ?", like)
		if d := digitsOnly(t); len(d) >= 6 {
			personal = personal.Or("petitions.petitioner_phone LIKE ?", "%"+d+"%")
		}
		if !v.SeesAllUnits() {
			personal = db.Where("petitions.confidential_identity = ?", false).Where(personal)
		}
		q = q.Where(cond.Or(personal))
	}
	if err := q.Session(&gorm.Session{}).Count(&out.Total).Error; err != nil {
		return nil, fmt.Errorf("inbox count: %w", err)
	}
	out.Pages = int((out.Total + int64(f.PerPage) - 1) / int64(f.PerPage))
	err = q.Preload("Unit").Preload("Category").
		Order("CASE WHEN petitions.due_at IS NULL THEN 1 ELSE 0 END, " + s.timeCol("petitions.due_at") + ", petitions.id").
		Offset((f.Page - 1) * f.PerPage).Limit(f.PerPage).Find(&out.Petitions).Error
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	for i, p := range out.Petitions {
		out.Deadline[p.ID] = DeadlineState(cal, p.DueAt, now)
		if p.ConfidentialIdentity && !v.SeesAllUnits() {
			hideIdentity(&out.Petitions[i])
		}
	}
	return out, nil
}

// timeCol is a time column as something that orders and compares as time.
// SQLite keeps times as text with an offset: rows are written in UTC
// (utc.go) but bound parameters keep the offset of the time passed (often
// +07:00), so comparisons go through julianday, which reads the offset.
func (s *Store) timeCol(col string) string {
	if s.Dialect == SQLite {
		return "julianday(" + col + ")"
	}
	return col
}

// timeCmp is "col op ?" comparing as time on both databases.
func (s *Store) timeCmp(col, op string) string {
	if s.Dialect == SQLite {
		return "julianday(" + col + ") " + op + " julianday(?)"
	}
	return col + " " + op + " ?"
}
