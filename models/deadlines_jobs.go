package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"pakn/models/workdays"
)

// Kinds of officials' deadline notices; each is generated once per
// petition, stage, due date and recipient.
const (
	NoticeDueSoon      = "due_soon"
	NoticeDueToday     = "due_today"
	NoticeOverdue      = "overdue"
	NoticeOverdueDaily = "overdue_daily"
	NoticeEscalated    = "escalated"
)

// Reminder rules (DESIGN.md, "Deadline policy").
const (
	// ReminderLeadDays: a reminder goes out this many working days before a
	// deadline.
	ReminderLeadDays = 2
	// EscalateAfterDays: an item this many working days overdue goes to the
	// Service Center.
	EscalateAfterDays = 3
)

// DeadlineRun reports what one run of the deadlines job did.
type DeadlineRun struct {
	Candidates int // open petitions due by the reminder horizon
	Notices    int // outbox rows created (0 on a repeat run)
	Closed     int // items closed because requested information never came
}

// deadlineCandidate is the little the job needs of a petition.
type deadlineCandidate struct {
	ID       int64
	Code     string
	Title    string
	UnitID   int64
	Status   string
	DueAt    time.Time
	DueStage string
}

// DeadlineCandidatesSQL is the query the deadlines job reads petitions
// with (sql/deadline_candidates.sql) and its arguments, for the EXPLAIN test
// and the benchmark.
func (s *Store) DeadlineCandidatesSQL(horizon time.Time) (string, []any) {
	return s.query("deadline_candidates"), []any{sql.Named("horizon", horizon.UTC())}
}

// RunDeadlines does the deadline work due at now: reminders 2 working days
// before a deadline and on its day, an overdue notice when it passes, then a
// daily one to the unit's leaders, escalation to the Service Center after 3
// working days overdue, and closing of items whose requested information
// never came. It reads only petitions due by the reminder horizon, and every
// notice has a dedupe key, so running it again (or on two instances at once)
// creates nothing twice.
func (s *Store) RunDeadlines(ctx context.Context, now time.Time) (DeadlineRun, error) {
	var run DeadlineRun
	cal, err := s.Calendar(ctx)
	if err != nil {
		return run, err
	}
	horizon := cal.AddWorkingDays(now, ReminderLeadDays)
	var cands []deadlineCandidate
	q, args := s.DeadlineCandidatesSQL(horizon)
	if err := s.DB.WithContext(ctx).Raw(q, args...).Scan(&cands).Error; err != nil {
		return run, fmt.Errorf("deadlines: candidates: %w", err)
	}
	run.Candidates = len(cands)
	if len(cands) == 0 {
		return run, nil
	}
	staff, err := s.loadStaff(ctx)
	if err != nil {
		return run, err
	}
	units, err := s.unitNames(ctx)
	if err != nil {
		return run, err
	}
	type pending struct {
		c    deadlineCandidate
		msgs []OutboxMessage
	}
	var work []pending
	var keys []string
	for _, c := range cands {
		if err := ctx.Err(); err != nil {
			return run, err
		}
		switch {
		case c.Status == StatusAwaitingInfo && c.DueStage == StageInfo:
			if !cal.IsOverdue(c.DueAt, now) {
				continue
			}
			closed, err := s.closeNoInfo(ctx, c, now)
			if err != nil {
				return run, err
			}
			if closed {
				run.Closed++
			}
		case c.Status == StatusAwaitingInfo:
			// The clock is paused while the citizen is asked.
		case c.DueStage == StageTriage || c.DueStage == StageAnswer:
			msgs, err := deadlineNotices(cal, c, now, staff, units[c.UnitID])
			if err != nil {
				return run, err
			}
			if len(msgs) > 0 {
				work = append(work, pending{c, msgs})
				for _, m := range msgs {
					keys = append(keys, m.DedupeKey)
				}
			}
		}
	}
	// One read for the keys that exist already, so that a long-overdue
	// backlog costs a few queries per run, not a transaction per petition.
	have := make(map[string]bool, len(keys))
	for start := 0; start < len(keys); start += 1000 {
		var existing []string
		end := min(start+1000, len(keys))
		if err := s.DB.WithContext(ctx).Model(&OutboxMessage{}).Where("dedupe_key IN ?", keys[start:end]).Pluck("dedupe_key", &existing).Error; err != nil {
			return run, fmt.Errorf("deadlines: existing notices: %w", err)
		}
		for _, k := range existing {
			have[k] = true
		}
	}
	for _, w := range work {
		var missing []OutboxMessage
		for _, m := range w.msgs {
			if !have[m.DedupeKey] {
				missing = append(missing, m)
			}
		}
		if len(missing) == 0 {
			continue
		}
		n, err := s.insertNotices(ctx, w.c, missing, now)
		if err != nil {
			return run, err
		}
		run.Notices += n
	}
	return run, nil
}

// noticeKinds decides which notices a deadline calls for at now. It is a
// function of (due, now) only, so any run at any time agrees with any other.
func noticeKinds(cal *workdays.Calendar, due, now time.Time) []string {
	if !cal.IsOverdue(due, now) {
		if cal.DayNumber(now) == cal.DayNumber(due) {
			return []string{NoticeDueToday}
		}
		if cal.WorkingDaysBetween(now, due) <= ReminderLeadDays {
			return []string{NoticeDueSoon}
		}
		return nil
	}
	kinds := []string{NoticeOverdue}
	over := cal.WorkingDaysOverdue(due, now)
	// Daily to the leaders on working days; the day right after the due day
	// already has the overdue notice.
	if over >= 1 && cal.IsWorkingDay(now) && cal.DayNumber(now) != cal.DayNumber(due)+1 {
		kinds = append(kinds, NoticeOverdueDaily+":"+now.In(workdays.VietnamLocation()).Format(time.DateOnly))
	}
	if over > EscalateAfterDays {
		kinds = append(kinds, NoticeEscalated)
	}
	return kinds
}

// staff is who receives officials' notices.
type staff struct {
	officers     map[int64][]User // by unit: officers and leaders
	leaders      map[int64][]User
	coordinators []User
}

func (s *Store) loadStaff(ctx context.Context) (*staff, error) {
	var users []User
	err := s.DB.WithContext(ctx).
		Where("active = ? AND role IN ?", true, []string{RoleOfficer, RoleLeader, RoleCoordinator}).
		Order("id").Find(&users).Error
	if err != nil {
		return nil, fmt.Errorf("load staff: %w", err)
	}
	st := &staff{officers: map[int64][]User{}, leaders: map[int64][]User{}}
	for _, u := range users {
		switch {
		case u.Role == RoleCoordinator:
			st.coordinators = append(st.coordinators, u)
		case u.UnitID != nil:
			st.officers[*u.UnitID] = append(st.officers[*u.UnitID], u)
			if u.Role == RoleLeader {
				st.leaders[*u.UnitID] = append(st.leaders[*u.UnitID], u)
			}
		}
	}
	return st, nil
}

// recipients of a kind of notice for a unit, falling back to the Service
// Center's coordinators when a unit has nobody to tell.
func (st *staff) recipients(kind string, unitID int64) []User {
	var out []User
	switch {
	case kind == NoticeEscalated:
		return st.coordinators
	case strings.HasPrefix(kind, NoticeOverdueDaily+":"):
		out = st.leaders[unitID]
		if len(out) == 0 {
			out = st.officers[unitID]
		}
	default:
		out = st.officers[unitID]
	}
	if len(out) == 0 {
		out = st.coordinators
	}
	return out
}

func (s *Store) unitNames(ctx context.Context) (map[int64]Unit, error) {
	var units []Unit
	if err := s.DB.WithContext(ctx).Find(&units).Error; err != nil {
		return nil, fmt.Errorf("load units: %w", err)
	}
	out := make(map[int64]Unit, len(units))
	for _, u := range units {
		out[u.ID] = u
	}
	return out, nil
}

// DeadlineNoticeKey is the dedupe key of an official's deadline notice.
func DeadlineNoticeKey(code, stage string, due time.Time, kind string, userID int64) string {
	return fmt.Sprintf("deadline:%s:%s:%s:%s:u%d", code, stage, due.In(workdays.VietnamLocation()).Format(time.RFC3339), kind, userID)
}

// deadlineNotices builds the officials' notices one petition calls for at now.
func deadlineNotices(cal *workdays.Calendar, c deadlineCandidate, now time.Time, st *staff, unit Unit) ([]OutboxMessage, error) {
	var msgs []OutboxMessage
	for _, kind := range noticeKinds(cal, c.DueAt, now) {
		base := kind
		if strings.HasPrefix(kind, NoticeOverdueDaily+":") {
			base = NoticeOverdueDaily
		}
		for _, u := range st.recipients(kind, c.UnitID) {
			data, err := json.Marshal(map[string]any{
				"code": c.Code, "title": c.Title, "unit": unit.Name, "unit_code": unit.Code,
				"due_at": c.DueAt.In(workdays.VietnamLocation()), "stage": c.DueStage, "kind": base,
				"days_overdue": cal.WorkingDaysOverdue(c.DueAt, now), "status": c.Status,
				"name": u.Name, "lang": "vi", "official": true,
			})
			if err != nil {
				return nil, err
			}
			id := c.ID
			msgs = append(msgs, OutboxMessage{
				DedupeKey: DeadlineNoticeKey(c.Code, c.DueStage, c.DueAt, kind, u.ID), Channel: OutboxEmail, Recipient: u.Email,
				Template: "official_" + base, Data: string(data), PetitionID: &id,
				Status: OutboxPending, NextAttemptAt: now.UTC(), CreatedAt: now.UTC(),
			})
		}
	}
	return msgs, nil
}

// insertNotices writes a petition's new notices in one transaction, with
// the audit event of an escalation when this run is the one that created it.
func (s *Store) insertNotices(ctx context.Context, c deadlineCandidate, msgs []OutboxMessage, now time.Time) (int, error) {
	created := 0
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		created = 0
		escalated := false
		for i := range msgs {
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&msgs[i])
			if res.Error != nil {
				return fmt.Errorf("deadlines %s: outbox: %w", c.Code, res.Error)
			}
			if res.RowsAffected > 0 {
				created++
				escalated = escalated || msgs[i].Template == "official_"+NoticeEscalated
			}
		}
		if escalated {
			id := c.ID
			return tx.Create(&Event{PetitionID: &id, At: now.UTC(), ActorName: "PAKN", Type: "escalated",
				ToValue: "coordinators", Note: fmt.Sprintf("%s %s", c.DueStage, c.DueAt.In(workdays.VietnamLocation()).Format(time.RFC3339))}).Error
		}
		return nil
	})
	return created, err
}

// closeNoInfo closes an item whose requested information never came by its
// info due date, with a public event, the audit of the cleared due date and
// a notice to the citizen. The conditional update makes a second run, or
// the citizen's answer arriving at the same moment, win cleanly.
func (s *Store) closeNoInfo(ctx context.Context, c deadlineCandidate, now time.Time) (bool, error) {
	closed := false
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Petition{}).
			Where("id = ? AND status = ? AND due_stage = ?", c.ID, StatusAwaitingInfo, StageInfo).
			Where(s.timeCmp("due_at", "="), c.DueAt.UTC()).
			Updates(map[string]any{
				"status": StatusClosed, "closed_at": now.UTC(), "due_at": nil,
				"due_stage": StageNone, "updated_at": now.UTC(),
			})
		if res.Error != nil {
			return fmt.Errorf("close %s: %w", c.Code, res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		closed = true
		var p Petition
		if err := tx.Preload("Unit").First(&p, c.ID).Error; err != nil {
			return fmt.Errorf("close %s: reload: %w", c.Code, err)
		}
		id := p.ID
		due := c.DueAt.In(workdays.VietnamLocation()).Format(time.RFC3339)
		events := []Event{
			{PetitionID: &id, At: now.UTC(), ActorName: "PAKN", Type: "closed_no_info", FromValue: StatusAwaitingInfo, ToValue: StatusClosed, Public: true},
			{PetitionID: &id, At: now.UTC(), ActorName: "PAKN", Type: "due_set", FromValue: due, ToValue: "", Note: StageInfo},
		}
		if err := tx.Create(&events).Error; err != nil {
			return fmt.Errorf("close %s: audit: %w", c.Code, err)
		}
		unit := ""
		if p.Unit != nil {
			unit = p.Unit.Name
		}
		return enqueueCitizenNotice(tx, &p, "info_closed", map[string]any{"unit": unit, "info_due_at": c.DueAt.In(workdays.VietnamLocation())}, now.UTC())
	})
	return closed, err
}
