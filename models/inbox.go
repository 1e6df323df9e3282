package models

import (
	"context"
	"fmt"

	"gorm.io/gorm"
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

// InboxFilter narrows an inbox.
type InboxFilter struct {
	Status  string
	Page    int
	PerPage int
}

// InboxPage is one page of an inbox.
type InboxPage struct {
	Petitions []Petition
	Total     int64
	Page      int
	PerPage   int
}

// Inbox lists the petitions a viewer may read, soonest deadline first.
func (s *Store) Inbox(ctx context.Context, v Viewer, f InboxFilter) (*InboxPage, error) {
	if f.PerPage <= 0 || f.PerPage > 100 {
		f.PerPage = 25
	}
	if f.Page < 1 {
		f.Page = 1
	}
	q := scopePetitions(s.DB.WithContext(ctx).Model(&Petition{}), v)
	if f.Status != "" {
		q = q.Where("petitions.status = ?", f.Status)
	}
	out := &InboxPage{Page: f.Page, PerPage: f.PerPage}
	if err := q.Count(&out.Total).Error; err != nil {
		return nil, fmt.Errorf("inbox count: %w", err)
	}
	err := q.Preload("Unit").Preload("Category").
		Order("CASE WHEN petitions.due_at IS NULL THEN 1 ELSE 0 END, petitions.due_at, petitions.id").
		Offset((f.Page - 1) * f.PerPage).Limit(f.PerPage).Find(&out.Petitions).Error
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	return out, nil
}
