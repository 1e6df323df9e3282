package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ClosedStatuses are the states Open311 reports as "closed"; the rest are
// "open".
var ClosedStatuses = []string{StatusAnswered, StatusPublished, StatusRejected, StatusDuplicate, StatusWithdrawn, StatusClosed}

// PublicRequest is what Open311 may show of a petition: no personal data.
// The question and answer are the reviewed public versions, and only once
// the petition is published; so are the coordinates.
type PublicRequest struct {
	Code         string
	Status       string
	CategoryCode string
	CategoryName string
	UnitName     string
	ReceivedAt   time.Time
	UpdatedAt    time.Time
	DueAt        *time.Time
	DueStage     string
	Title        string // the public title, once published
	Question     string
	Answer       string
	Lat, Long    *float64
}

// Open311Filter is GET requests.json's filters.
type Open311Filter struct {
	Codes       []string
	ServiceCode string
	Start, End  *time.Time
	Status      string // "", "open", "closed" or "open,closed"
	Limit       int
}

// Open311MaxRequests caps one answer, as the spec allows.
const Open311MaxRequests = 1000

type publicRequestRow struct {
	Code           string
	Status         string
	CategoryCode   string
	CategoryName   string
	UnitName       string
	ReceivedAt     time.Time
	UpdatedAt      time.Time
	DueAt          *time.Time
	DueStage       string
	PublicTitle    string
	PublicQuestion string
	PublicAnswer   string
	Lat, Long      *float64
}

// publicRequestColumns names every column read: nothing personal.
const publicRequestColumns = `petitions.code, petitions.status, categories.code AS category_code,
	categories.name AS category_name, units.name AS unit_name, petitions.received_at,
	petitions.updated_at, petitions.due_at, petitions.due_stage, petitions.public_title, petitions.public_question,
	petitions.public_answer, petitions.lat, petitions.long`

func (s *Store) publicRequests(ctx context.Context) *gorm.DB {
	return s.DB.WithContext(ctx).Table("petitions").Select(publicRequestColumns).
		Joins("JOIN categories ON categories.id = petitions.category_id").
		Joins("JOIN units ON units.id = petitions.unit_id")
}

func (r publicRequestRow) public() PublicRequest {
	p := PublicRequest{Code: r.Code, Status: r.Status, CategoryCode: r.CategoryCode, CategoryName: r.CategoryName,
		UnitName: r.UnitName, ReceivedAt: r.ReceivedAt, UpdatedAt: r.UpdatedAt, DueAt: r.DueAt, DueStage: r.DueStage}
	if r.Status == StatusPublished {
		p.Title, p.Question, p.Answer, p.Lat, p.Long = r.PublicTitle, r.PublicQuestion, r.PublicAnswer, r.Lat, r.Long
	}
	return p
}

// Open311Requests lists petitions for GET requests.json, newest first. With
// codes the other filters are ignored (as the spec says); without dates it
// covers the last 90 days.
func (s *Store) Open311Requests(ctx context.Context, f Open311Filter) ([]PublicRequest, error) {
	if f.Limit <= 0 || f.Limit > Open311MaxRequests {
		f.Limit = Open311MaxRequests
	}
	q := s.publicRequests(ctx)
	if len(f.Codes) > 0 {
		q = q.Where("petitions.code IN ?", f.Codes)
	} else {
		if f.ServiceCode != "" {
			q = q.Where("categories.code = ?", f.ServiceCode)
		}
		if f.Start == nil && f.End == nil {
			start := s.now().Add(-90 * 24 * time.Hour)
			f.Start = &start
		}
		if f.Start != nil {
			q = q.Where("petitions.received_at >= ?", f.Start.UTC())
		}
		if f.End != nil {
			q = q.Where("petitions.received_at <= ?", f.End.UTC())
		}
		switch f.Status {
		case "open":
			q = q.Where("petitions.status NOT IN ?", ClosedStatuses)
		case "closed":
			q = q.Where("petitions.status IN ?", ClosedStatuses)
		}
	}
	var rows []publicRequestRow
	if err := q.Order("petitions.received_at DESC, petitions.id DESC").Limit(f.Limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("open311 requests: %w", err)
	}
	out := make([]PublicRequest, len(rows))
	for i, r := range rows {
		out[i] = r.public()
	}
	return out, nil
}

// Open311Request returns one petition's public view by its code.
func (s *Store) Open311Request(ctx context.Context, code string) (*PublicRequest, error) {
	var r publicRequestRow
	res := s.publicRequests(ctx).Where("petitions.code = ?", NormalizeCode(code)).Limit(1).Scan(&r)
	if res.Error != nil {
		return nil, fmt.Errorf("open311 request %s: %w", code, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrNotFound
	}
	p := r.public()
	return &p, nil
}
