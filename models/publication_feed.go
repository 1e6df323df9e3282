package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// FeedState is what a conditional GET of the feed compares: the newest
// change among the items of the category (withdrawn ones too, since a
// withdrawal changes the feed) and how many items there are.
type FeedState struct {
	LastModified time.Time
	Count        int64
}

// PublishedFeedState returns the feed's state for a category ("" = all).
func (s *Store) PublishedFeedState(ctx context.Context, category string) (FeedState, error) {
	q := func() *gorm.DB {
		q := s.DB.WithContext(ctx).Model(&PublishedItem{})
		if category != "" {
			q = q.Where("category_code = ?", category)
		}
		return q
	}
	var st FeedState
	if err := q().Count(&st.Count).Error; err != nil {
		return st, fmt.Errorf("feed state: %w", err)
	}
	// ORDER BY … LIMIT 1 rather than MAX(): SQLite returns an aggregate of a
	// time column as text.
	var last []time.Time
	if err := q().Order("updated_at DESC").Limit(1).Pluck("updated_at", &last).Error; err != nil {
		return st, fmt.Errorf("feed state: %w", err)
	}
	if len(last) == 1 {
		st.LastModified = last[0].UTC()
	}
	return st, nil
}

// LatestFilter narrows the newest public items.
type LatestFilter struct {
	Category, Unit string
	Limit          int // 1..200, else 50
	// Embeddable leaves out answers whose consent predates the portals
	// (PublishedItem.NoIndex): the provincial portal's pages show PAKN's.
	Embeddable bool
}

// LatestPublished returns the newest public items, newest first.
func (s *Store) LatestPublished(ctx context.Context, f LatestFilter) ([]PublishedItem, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	q := s.DB.WithContext(ctx).Where("withdrawn = ?", false)
	if f.Category != "" {
		q = q.Where("category_code = ?", f.Category)
	}
	if f.Unit != "" {
		q = q.Where("unit_code = ?", f.Unit)
	}
	if f.Embeddable {
		q = q.Where("noindex = ?", false)
	}
	var out []PublishedItem
	if err := q.Order("published_at DESC, id DESC").Limit(f.Limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("latest published: %w", err)
	}
	return out, nil
}
