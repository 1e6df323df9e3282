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

// LatestPublished returns the newest public items, newest first.
func (s *Store) LatestPublished(ctx context.Context, category string, limit int) ([]PublishedItem, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := s.DB.WithContext(ctx).Where("withdrawn = ?", false)
	if category != "" {
		q = q.Where("category_code = ?", category)
	}
	var out []PublishedItem
	if err := q.Order("published_at DESC, id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("latest published: %w", err)
	}
	return out, nil
}
