package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// OutboxSkipped marks a portal row that was not pushed because a newer
// version of its item superseded it (pushing it would send stale content).
const OutboxSkipped = "skipped"

// PortalRow is a claimed portal outbox row with what its dedupe key says.
type PortalRow struct {
	OutboxMessage
	ItemID  string
	Version int
	Delete  bool
}

// ParsePortalKey reads "portal:<id>:<version>[:delete]".
func ParsePortalKey(key string) (id string, version int, del bool, err error) {
	parts := strings.Split(key, ":")
	if len(parts) < 3 || len(parts) > 4 || parts[0] != "portal" || parts[1] == "" {
		return "", 0, false, fmt.Errorf("portal dedupe key %q: want portal:<id>:<version>[:delete]", key)
	}
	version, err = strconv.Atoi(parts[2])
	if err != nil || version < 1 {
		return "", 0, false, fmt.Errorf("portal dedupe key %q: bad version", key)
	}
	if len(parts) == 4 {
		if parts[3] != "delete" {
			return "", 0, false, fmt.Errorf("portal dedupe key %q: bad suffix", key)
		}
		del = true
	}
	return parts[1], version, del, nil
}

// ClaimPortalRows takes up to limit due portal rows (pending, next attempt at
// or before now) for one delivery attempt. Claiming moves next_attempt_at to
// now+lease and counts the attempt, in one short transaction: another
// instance does not see the rows as due until the lease runs out, and on
// PostgreSQL SKIP LOCKED keeps two claimers from waiting on each other. If
// the claimer dies, the rows come due again when the lease ends and are sent
// again with the same Idempotency-Key (at least once; the portal dedupes).
// Attempts after the claim is the fencing token the Finish call checks.
func (s *Store) ClaimPortalRows(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]PortalRow, error) {
	if limit <= 0 {
		limit = 50
	}
	now = now.UTC()
	var rows []OutboxMessage
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		q := tx.Model(&OutboxMessage{}).
			Where("channel = ? AND status = ? AND next_attempt_at <= ?", OutboxPortal, OutboxPending, now).
			Order("next_attempt_at, id").Limit(limit)
		if s.Dialect == Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		var ids []int64
		if err := q.Pluck("id", &ids).Error; err != nil {
			return fmt.Errorf("select due portal rows: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		if err := tx.Model(&OutboxMessage{}).Where("id IN ?", ids).Updates(map[string]any{
			"next_attempt_at": now.Add(lease),
			"attempts":        gorm.Expr("attempts + 1"),
		}).Error; err != nil {
			return fmt.Errorf("claim portal rows: %w", err)
		}
		return tx.Where("id IN ?", ids).Order("id").Find(&rows).Error
	})
	if err != nil {
		return nil, err
	}
	out := make([]PortalRow, 0, len(rows))
	for _, m := range rows {
		r := PortalRow{OutboxMessage: m}
		r.ItemID, r.Version, r.Delete, _ = ParsePortalKey(m.DedupeKey)
		out = append(out, r)
	}
	return out, nil
}

// OutboxOutcome is how a delivery attempt ended.
type OutboxOutcome struct {
	Status    string // OutboxSent, OutboxSkipped, OutboxFailed, or OutboxPending to retry
	NextAt    time.Time
	LastError string
}

// FinishOutbox records the outcome of a claimed row's attempt. It only
// changes the row if it is still ours (same attempt count, still pending):
// a claimer whose lease ran out and was overtaken cannot overwrite the newer
// attempt. It reports whether the row was updated.
func (s *Store) FinishOutbox(ctx context.Context, m OutboxMessage, o OutboxOutcome, now time.Time) (bool, error) {
	upd := map[string]any{"status": o.Status, "last_error": truncate(o.LastError, 1000)}
	switch o.Status {
	case OutboxSent, OutboxSkipped:
		t := now.UTC()
		upd["sent_at"] = &t
	case OutboxPending:
		upd["next_attempt_at"] = o.NextAt.UTC()
	}
	res := s.DB.WithContext(ctx).Model(&OutboxMessage{}).
		Where("id = ? AND attempts = ? AND status = ?", m.ID, m.Attempts, OutboxPending).Updates(upd)
	if res.Error != nil {
		return false, fmt.Errorf("outbox %d: record %s: %w", m.ID, o.Status, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// MarkPortalUndeliverable gives up on due portal rows when no portal is
// configured (PAKN_PORTAL_URL unset). An administrator can set them back to
// pending from /admin/outbox once the portal is configured.
func (s *Store) MarkPortalUndeliverable(ctx context.Context, now time.Time, reason string) (int64, error) {
	res := s.DB.WithContext(ctx).Model(&OutboxMessage{}).
		Where("channel = ? AND status = ? AND next_attempt_at <= ?", OutboxPortal, OutboxPending, now.UTC()).
		Updates(map[string]any{"status": OutboxUndeliverable, "last_error": reason})
	if res.Error != nil {
		return 0, fmt.Errorf("portal rows undeliverable: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// PublishedItemByID returns an item as it is now, withdrawn or not.
func (s *Store) PublishedItemByID(ctx context.Context, id string) (*PublishedItem, error) {
	var it PublishedItem
	err := s.DB.WithContext(ctx).Where("id = ?", id).First(&it).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("published item %s: %w", id, err)
	}
	return &it, nil
}

// OutboxFilter narrows the administrator's outbox list.
type OutboxFilter struct {
	Channel  string
	Template string
	Status   string // "" = failed, undeliverable and pending
	Page     int
	PerPage  int
}

// OutboxPage is one page of the outbox list.
type OutboxPage struct {
	Rows    []OutboxMessage
	Total   int64
	Page    int
	PerPage int
}

// OutboxStatuses are the states an administrator can filter by.
var OutboxStatuses = []string{OutboxFailed, OutboxUndeliverable, OutboxPending, OutboxSent, OutboxSkipped, OutboxCancelled}

// ListOutbox lists outbox rows for the administrator, problems first.
func (s *Store) ListOutbox(ctx context.Context, f OutboxFilter) (*OutboxPage, error) {
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	q := s.DB.WithContext(ctx).Model(&OutboxMessage{})
	if f.Channel != "" {
		q = q.Where("channel = ?", f.Channel)
	}
	if f.Template != "" {
		q = q.Where("template = ?", f.Template)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	} else {
		q = q.Where("status IN ?", []string{OutboxFailed, OutboxUndeliverable, OutboxPending})
	}
	out := &OutboxPage{Page: f.Page, PerPage: f.PerPage}
	if err := q.Count(&out.Total).Error; err != nil {
		return nil, fmt.Errorf("outbox count: %w", err)
	}
	err := q.Order("CASE status WHEN 'failed' THEN 0 WHEN 'undeliverable' THEN 1 WHEN 'pending' THEN 2 ELSE 3 END, id DESC").
		Offset((f.Page - 1) * f.PerPage).Limit(f.PerPage).Find(&out.Rows).Error
	if err != nil {
		return nil, fmt.Errorf("outbox list: %w", err)
	}
	return out, nil
}

// OutboxTemplates lists the templates the outbox holds rows of (for the
// page's filter).
func (s *Store) OutboxTemplates(ctx context.Context) ([]string, error) {
	var out []string
	if err := s.DB.WithContext(ctx).Model(&OutboxMessage{}).Distinct("template").Where("template <> ''").Order("template").Pluck("template", &out).Error; err != nil {
		return nil, fmt.Errorf("outbox templates: %w", err)
	}
	return out, nil
}

// RetryOutbox sets a failed or undeliverable row back to pending, due now,
// with a fresh attempt count, and records who did it.
func (s *Store) RetryOutbox(ctx context.Context, id int64, actor Viewer) error {
	now := s.now()
	return s.Tx(ctx, func(tx *gorm.DB) error {
		var m OutboxMessage
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&m, id).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("retry outbox %d: %w", id, err)
		}
		if m.Status != OutboxFailed && m.Status != OutboxUndeliverable {
			return ErrConflict
		}
		if m.Channel != OutboxPortal && m.Recipient == "" {
			return ErrConflict // erased with its petitioner's data
		}
		if err := tx.Model(&OutboxMessage{}).Where("id = ?", id).Updates(map[string]any{
			"status": OutboxPending, "next_attempt_at": now, "attempts": 0,
		}).Error; err != nil {
			return fmt.Errorf("retry outbox %d: %w", id, err)
		}
		return tx.Create(&Event{PetitionID: m.PetitionID, Subject: "outbox:" + strconv.FormatInt(id, 10), At: now,
			ActorID: viewerID(actor), ActorName: actor.Name, Type: "outbox_retry",
			FromValue: m.Status, ToValue: OutboxPending, Note: m.DedupeKey}).Error
	})
}
