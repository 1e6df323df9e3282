package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Published item types.
const (
	ItemFAQ    = "faq"
	ItemAnswer = "answer"
)

// PublishedItem is the public projection of an FAQ entry or a published
// answer: only public fields, written by the operation that publishes. The
// search index, the Atom feed and the portal push read this table and
// nothing else, so personal data cannot leak into them by construction.
type PublishedItem struct {
	ID           string `gorm:"primaryKey;size:64"` // "faq-12" or "answer-34"
	Type         string `gorm:"size:8;not null"`    // indexed with the time (migration 0060)
	Ref          string `gorm:"size:128;index"`     // the id an FAQ entry was imported with
	Version      int    `gorm:"not null"`
	Title        string `gorm:"not null"`
	Question     string `gorm:"not null"`
	Answer       string `gorm:"not null"`
	CategoryCode string `gorm:"size:64;index"`
	CategoryName string
	UnitCode     string `gorm:"size:64;index"`
	UnitName     string
	Level        string `gorm:"size:16"`
	AskedAt      *time.Time
	AnsweredAt   *time.Time
	PublishedAt  time.Time `gorm:"not null"` // indexed with the id (migration 0060)
	Withdrawn    bool      `gorm:"not null;default:false"`
	// NoIndex marks an answer whose petitioner consented to publication
	// before the consent named search engines and portals (migration
	// 0140): it is kept out of the sitemap and the embedded pages, and its
	// page asks search engines not to index it.
	NoIndex bool `gorm:"column:noindex;not null;default:false"`
	// Demo marks a demo petition's answer (migration 0160): it is never
	// queued for the national portal.
	Demo      bool `gorm:"not null;default:false"`
	UpdatedAt time.Time
}

// PublishedChange is one entry of the ordered change feed of published
// items. Seq values can become visible out of order under concurrency;
// readers must tolerate gaps for a while (see search.Syncer).
type PublishedChange struct {
	Seq       int64     `gorm:"primaryKey;autoIncrement"`
	ItemID    string    `gorm:"size:64;not null;index"`
	Version   int       `gorm:"not null"`
	Deleted   bool      `gorm:"not null;default:false"`
	CreatedAt time.Time `gorm:"not null"`
}

// PublishItemTx inserts or updates a published item with the next version,
// appends it to the change feed and queues its portal push (never for a
// demo item), all in the caller's transaction. Text fields must already be the public versions:
// the publication guard refuses (PersonalDataError) an item in whose public
// fields the personal-data detector finds anything not released.
func PublishItemTx(tx *gorm.DB, item PublishedItem, now time.Time) (PublishedItem, error) {
	if err := guardPublicationTx(tx, item.ID, item.PublicFields()); err != nil {
		return item, err
	}
	var prev PublishedItem
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", item.ID).First(&prev).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		item.Version = 1
	case err != nil:
		return item, fmt.Errorf("publish %s: %w", item.ID, err)
	default:
		item.Version = prev.Version + 1
	}
	if item.PublishedAt.IsZero() {
		item.PublishedAt = now
	}
	item.Withdrawn = false
	item.UpdatedAt = now
	if err := tx.Save(&item).Error; err != nil {
		return item, fmt.Errorf("publish %s: %w", item.ID, err)
	}
	if err := tx.Create(&PublishedChange{ItemID: item.ID, Version: item.Version, CreatedAt: now}).Error; err != nil {
		return item, fmt.Errorf("publish %s: change feed: %w", item.ID, err)
	}
	if item.Demo {
		return item, nil // demo data never reaches the national portal
	}
	key := fmt.Sprintf("portal:%s:%d", item.ID, item.Version)
	msg := OutboxMessage{DedupeKey: key, Channel: OutboxPortal, Template: "publish", Data: item.ID,
		Status: OutboxPending, NextAttemptAt: now, CreatedAt: now}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&msg).Error; err != nil {
		return item, fmt.Errorf("publish %s: outbox: %w", item.ID, err)
	}
	return item, nil
}

// WithdrawItemTx takes an item out of public view, records the deletion in
// the change feed and queues the portal's DELETE.
func WithdrawItemTx(tx *gorm.DB, id string, now time.Time) error {
	var prev PublishedItem
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).First(&prev).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && prev.Withdrawn) {
		return nil // nothing public to withdraw
	}
	if err != nil {
		return fmt.Errorf("withdraw %s: %w", id, err)
	}
	version := prev.Version + 1
	if err := tx.Model(&PublishedItem{}).Where("id = ?", id).
		Updates(map[string]any{"withdrawn": true, "version": version, "updated_at": now}).Error; err != nil {
		return fmt.Errorf("withdraw %s: %w", id, err)
	}
	if err := tx.Create(&PublishedChange{ItemID: id, Version: version, Deleted: true, CreatedAt: now}).Error; err != nil {
		return fmt.Errorf("withdraw %s: change feed: %w", id, err)
	}
	if prev.Demo {
		return nil // never sent to the portal, nothing to delete there
	}
	key := fmt.Sprintf("portal:%s:%d:delete", id, version)
	msg := OutboxMessage{DedupeKey: key, Channel: OutboxPortal, Template: "withdraw", Data: id,
		Status: OutboxPending, NextAttemptAt: now, CreatedAt: now}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&msg).Error; err != nil {
		return fmt.Errorf("withdraw %s: outbox: %w", id, err)
	}
	return nil
}

// ChangeWithItem is a change feed entry with the item as it is now.
type ChangeWithItem struct {
	PublishedChange
	Item *PublishedItem // nil when the item is withdrawn or gone
}

// CountPublishedChangesAfter is the number of changes in the feed after
// seq: how far behind an index with that cursor is.
func (s *Store) CountPublishedChangesAfter(ctx context.Context, seq int64) (int64, error) {
	var n int64
	if err := s.DB.WithContext(ctx).Model(&PublishedChange{}).Where("seq > ?", seq).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count changes after %d: %w", seq, err)
	}
	return n, nil
}

// PublishedChangesAfter reads the change feed after seq, in order, with the
// current state of each item.
func (s *Store) PublishedChangesAfter(ctx context.Context, after int64, limit int) ([]ChangeWithItem, error) {
	db := s.DB.WithContext(ctx)
	var changes []PublishedChange
	if err := db.Where("seq > ?", after).Order("seq").Limit(limit).Find(&changes).Error; err != nil {
		return nil, fmt.Errorf("change feed after %d: %w", after, err)
	}
	ids := make([]string, 0, len(changes))
	for _, c := range changes {
		ids = append(ids, c.ItemID)
	}
	items := map[string]*PublishedItem{}
	if len(ids) > 0 {
		var rows []PublishedItem
		if err := db.Where("id IN ? AND withdrawn = ?", ids, false).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("change feed items: %w", err)
		}
		for i := range rows {
			items[rows[i].ID] = &rows[i]
		}
	}
	out := make([]ChangeWithItem, len(changes))
	for i, c := range changes {
		out[i] = ChangeWithItem{PublishedChange: c, Item: items[c.ItemID]}
	}
	return out, nil
}

// MaxPublishedSeq is the newest change feed entry (0 when empty).
func (s *Store) MaxPublishedSeq(ctx context.Context) (int64, error) {
	var n *int64
	if err := s.DB.WithContext(ctx).Model(&PublishedChange{}).Select("MAX(seq)").Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("change feed head: %w", err)
	}
	if n == nil {
		return 0, nil
	}
	return *n, nil
}

// PublishedItems walks every public item (for reindexing), in id order,
// batch rows at a time. Rows are read with database/sql, not GORM: a
// rebuild reads the whole table, and GORM's reflection per row was most of
// the reading cost (BENCHMARKS.md, issue 14). Only the columns the index
// uses are filled.
func (s *Store) PublishedItems(ctx context.Context, batch int, fn func([]PublishedItem) error) error {
	db, err := s.DB.DB()
	if err != nil {
		return fmt.Errorf("published items: %w", err)
	}
	ph := func(n int) string {
		if s.Dialect == Postgres {
			return fmt.Sprintf("$%d", n)
		}
		return "?"
	}
	query := "SELECT id, type, COALESCE(ref, ''), version, title, question, answer, COALESCE(category_code, ''), " +
		"COALESCE(category_name, ''), COALESCE(unit_code, ''), COALESCE(unit_name, ''), COALESCE(level, ''), published_at " +
		"FROM published_items WHERE withdrawn = " + ph(1) + " AND id > " + ph(2) + " ORDER BY id LIMIT " + ph(3)
	after := ""
	for {
		rows, err := db.QueryContext(ctx, query, false, after, batch)
		if err != nil {
			return fmt.Errorf("published items after %q: %w", after, err)
		}
		items := make([]PublishedItem, 0, batch)
		for rows.Next() {
			var it PublishedItem
			if err := rows.Scan(&it.ID, &it.Type, &it.Ref, &it.Version, &it.Title, &it.Question, &it.Answer,
				&it.CategoryCode, &it.CategoryName, &it.UnitCode, &it.UnitName, &it.Level, &it.PublishedAt); err != nil {
				rows.Close()
				return fmt.Errorf("published items after %q: %w", after, err)
			}
			items = append(items, it)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("published items after %q: %w", after, err)
		}
		if len(items) == 0 {
			return nil
		}
		if err := fn(items); err != nil {
			return err
		}
		if len(items) < batch {
			return nil
		}
		after = items[len(items)-1].ID
	}
}
