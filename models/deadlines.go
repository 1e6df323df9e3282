package models

import (
	"context"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"pakn/models/workdays"
)

// Policy defaults of the province (DESIGN.md, "Deadline policy").
const (
	DefaultTriageDays       = 5
	DefaultAnswerDays       = 20
	DefaultExtensionMaxDays = 10
	DefaultInfoWaitDays     = 15
)

// calendarCache keeps the working-day calendar for a minute: holidays change
// a few times a year, and another instance's edit shows up within the TTL.
type calendarCache struct {
	mu       sync.Mutex
	cal      *workdays.Calendar
	loadedAt time.Time
}

const calendarTTL = time.Minute

// Calendar returns the working-day calendar from the holidays table.
func (s *Store) Calendar(ctx context.Context) (*workdays.Calendar, error) {
	c := &s.calendar
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cal != nil && time.Since(c.loadedAt) < calendarTTL {
		return c.cal, nil
	}
	cal, err := loadCalendar(s.DB.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	c.cal, c.loadedAt = cal, time.Now()
	return cal, nil
}

// InvalidateCalendar drops the cached calendar after an edit.
func (s *Store) InvalidateCalendar() {
	c := &s.calendar
	c.mu.Lock()
	c.cal = nil
	c.mu.Unlock()
}

func loadCalendar(tx *gorm.DB) (*workdays.Calendar, error) {
	var rows []Holiday
	if err := tx.Order("date").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load holidays: %w", err)
	}
	days := make([]workdays.Day, 0, len(rows))
	for _, h := range rows {
		days = append(days, workdays.Day{Date: h.Date, Name: h.Name, Kind: workdays.DayKind(h.Kind), Source: h.Source, Confidence: h.Confidence})
	}
	cal, err := workdays.New(days)
	if err != nil {
		return nil, fmt.Errorf("build calendar: %w", err)
	}
	return cal, nil
}

// policyTx finds the deadline policy for a kind and category: the most
// specific row wins, then the province default, then the built-in default.
func policyTx(tx *gorm.DB, kind string, categoryID int64) (DeadlinePolicy, error) {
	var rows []DeadlinePolicy
	err := tx.Where("(kind = '' OR kind = ?) AND (category_id IS NULL OR category_id = ?)", kind, categoryID).Find(&rows).Error
	if err != nil {
		return DeadlinePolicy{}, fmt.Errorf("load deadline policy: %w", err)
	}
	return pickPolicy(rows, kind, categoryID), nil
}

// pickPolicy chooses among policy rows: a row for the category beats a row
// for the kind, which beats the province default; without rows the built-in
// defaults apply.
func pickPolicy(rows []DeadlinePolicy, kind string, categoryID int64) DeadlinePolicy {
	best := DeadlinePolicy{TriageDays: DefaultTriageDays, AnswerDays: DefaultAnswerDays, ExtensionMaxDays: DefaultExtensionMaxDays, InfoWaitDays: DefaultInfoWaitDays}
	bestScore := -1
	for _, p := range rows {
		if p.Kind != "" && p.Kind != kind || p.CategoryID != nil && *p.CategoryID != categoryID {
			continue
		}
		score := 0
		if p.Kind != "" {
			score++
		}
		if p.CategoryID != nil {
			score += 2
		}
		if score > bestScore {
			best, bestScore = p, score
		}
	}
	return best
}
