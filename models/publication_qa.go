package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// PublicItem reads one published item that is in public view.
func (s *Store) PublicItem(ctx context.Context, id string) (*PublishedItem, error) {
	var it PublishedItem
	err := s.DB.WithContext(ctx).Where("id = ? AND withdrawn = ?", id, false).First(&it).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("published item %s: %w", id, err)
	}
	return &it, nil
}

// LatestPublishedOfType lists the newest public items of a type ("" for any).
func (s *Store) LatestPublishedOfType(ctx context.Context, typ string, n int) ([]PublishedItem, error) {
	q := s.DB.WithContext(ctx).Where("withdrawn = ?", false)
	if typ != "" {
		q = q.Where("type = ?", typ)
	}
	var out []PublishedItem
	// The order of idx_published_items_type_published, read backwards.
	if err := q.Order("published_at DESC, id DESC").Limit(n).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("latest published: %w", err)
	}
	return out, nil
}

// PublicFAQ lists the public FAQ entries, optionally of one unit, by
// category then newest first.
func (s *Store) PublicFAQ(ctx context.Context, unitCode, categoryCode string) ([]PublishedItem, error) {
	q := s.DB.WithContext(ctx).Where("withdrawn = ? AND type = ?", false, ItemFAQ)
	if unitCode != "" {
		q = q.Where("unit_code = ?", unitCode)
	}
	if categoryCode != "" {
		q = q.Where("category_code = ?", categoryCode)
	}
	var out []PublishedItem
	if err := q.Order("category_name, published_at DESC, id").Limit(2000).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("public faq: %w", err)
	}
	return out, nil
}

// PublicCount is a number of public items per code.
type PublicCount struct {
	Code  string
	Name  string
	Count int64
}

// PublicFAQCounts counts the public FAQ entries per category or per unit
// (by = "category" | "unit").
func (s *Store) PublicFAQCounts(ctx context.Context, by string) ([]PublicCount, error) {
	col := "category"
	if by == "unit" {
		col = "unit"
	}
	var out []PublicCount
	err := s.DB.WithContext(ctx).Model(&PublishedItem{}).
		Select(col+"_code AS code, MAX("+col+"_name) AS name, COUNT(*) AS count").
		Where("withdrawn = ? AND type = ?", false, ItemFAQ).
		Group(col + "_code").Order("name").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("public faq counts: %w", err)
	}
	return out, nil
}

// CountPublicItems is the number of items a rebuilt index holds.
func (s *Store) CountPublicItems(ctx context.Context) (int64, error) {
	var n int64
	err := s.DB.WithContext(ctx).Model(&PublishedItem{}).Where("withdrawn = ?", false).Count(&n).Error
	return n, err
}

// PublishedSeqBefore is the newest change feed entry written before t. A
// rebuilt index starts from it: every change after it is replayed, which
// covers transactions that took an earlier sequence number but had not
// committed while the items were listed (as long as a publishing
// transaction lasts less than now - t).
func (s *Store) PublishedSeqBefore(ctx context.Context, t time.Time) (int64, error) {
	var n *int64
	err := s.DB.WithContext(ctx).Model(&PublishedChange{}).Select("MAX(seq)").
		Where("created_at < ?", t.UTC()).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("change feed before %s: %w", t, err)
	}
	if n == nil {
		return 0, nil
	}
	return *n, nil
}

// NameMaps gives the names of categories and units by code (for facets).
func (s *Store) NameMaps(ctx context.Context) (cats, units map[string]string, err error) {
	var cs []Category
	if err := s.DB.WithContext(ctx).Select("code", "name").Find(&cs).Error; err != nil {
		return nil, nil, fmt.Errorf("category names: %w", err)
	}
	var us []Unit
	if err := s.DB.WithContext(ctx).Select("code", "name").Find(&us).Error; err != nil {
		return nil, nil, fmt.Errorf("unit names: %w", err)
	}
	cats, units = make(map[string]string, len(cs)), make(map[string]string, len(us))
	for _, c := range cs {
		cats[c.Code] = c.Name
	}
	for _, u := range us {
		units[u.Code] = u.Name
	}
	return cats, units, nil
}

// NoIndexItems tells which of the given published items may not leave
// PAKN's own pages (PublishedItem.NoIndex).
func (s *Store) NoIndexItems(ctx context.Context, ids []string) (map[string]bool, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var hidden []string
	if err := s.DB.WithContext(ctx).Model(&PublishedItem{}).Where("id IN ? AND noindex = ?", ids, true).Pluck("id", &hidden).Error; err != nil {
		return nil, fmt.Errorf("noindex items: %w", err)
	}
	out := make(map[string]bool, len(hidden))
	for _, id := range hidden {
		out[id] = true
	}
	return out, nil
}

// sitemapItems are the published items a sitemap lists: public and
// indexable.
func (s *Store) sitemapItems(ctx context.Context) *gorm.DB {
	return s.DB.WithContext(ctx).Model(&PublishedItem{}).Where("withdrawn = ? AND noindex = ?", false, false)
}

// CountSitemapItems counts the items of the sitemap.
func (s *Store) CountSitemapItems(ctx context.Context) (int64, error) {
	var n int64
	if err := s.sitemapItems(ctx).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count sitemap items: %w", err)
	}
	return n, nil
}

// EachSitemapItem calls fn for limit items of the sitemap from offset, in
// id order, reading rows one at a time (a sitemap file holds up to 50,000).
func (s *Store) EachSitemapItem(ctx context.Context, offset, limit int, fn func(id string, updated time.Time)) error {
	rows, err := s.sitemapItems(ctx).Select("id, updated_at").Order("id").Offset(offset).Limit(limit).Rows()
	if err != nil {
		return fmt.Errorf("sitemap items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var updated time.Time
		if err := rows.Scan(&id, &updated); err != nil {
			return fmt.Errorf("sitemap items: %w", err)
		}
		fn(id, updated)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sitemap items: %w", err)
	}
	return nil
}
