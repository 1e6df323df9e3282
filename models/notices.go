package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"pakn/models/workdays"
)

// ClaimOutbox takes up to limit pending messages of the given channels that
// are due at now, and leases them: their next attempt moves to now+lease and
// their attempt count goes up, in one statement. Another notifier (another
// instance, or an overlapping run) skips them until the lease ends, so two
// notifiers never send one message at the same time; a notifier that dies
// mid-send leaves the message to be retried when the lease ends.
//
// PostgreSQL claims with FOR UPDATE SKIP LOCKED; SQLite's immediate
// transactions already serialise writers.
func (s *Store) ClaimOutbox(ctx context.Context, channels []string, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error) {
	if limit <= 0 {
		limit = 50
	}
	lockClause := ""
	if s.Dialect == Postgres {
		lockClause = " FOR UPDATE SKIP LOCKED"
	}
	q := `UPDATE outbox_messages SET next_attempt_at = ?, attempts = attempts + 1
WHERE id IN (SELECT id FROM outbox_messages
	WHERE status = ? AND channel IN ? AND ` + s.timeCmp("next_attempt_at", "<=") + `
	ORDER BY next_attempt_at, id LIMIT ?` + lockClause + `)
RETURNING *`
	var out []OutboxMessage
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		return tx.Raw(q, now.Add(lease).UTC(), OutboxPending, channels, now.UTC(), limit).Scan(&out).Error
	})
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	return out, nil
}

// MarkOutboxSent records a delivered message. It holds even if the lease ran
// out meanwhile: the message did go.
func (s *Store) MarkOutboxSent(ctx context.Context, id int64, now time.Time) error {
	err := s.DB.WithContext(ctx).Model(&OutboxMessage{}).Where("id = ? AND status = ?", id, OutboxPending).
		Updates(map[string]any{"status": OutboxSent, "sent_at": now.UTC(), "last_error": "", "data": forgetSealed()}).Error
	if err != nil {
		return fmt.Errorf("outbox %d sent: %w", id, err)
	}
	return nil
}

// MarkOutboxRetry schedules another attempt, unless another notifier
// claimed the message again meanwhile (its attempt count moved on).
func (s *Store) MarkOutboxRetry(ctx context.Context, m OutboxMessage, next time.Time, lastErr string) error {
	err := s.DB.WithContext(ctx).Model(&OutboxMessage{}).
		Where("id = ? AND status = ? AND attempts = ?", m.ID, OutboxPending, m.Attempts).
		Updates(map[string]any{"next_attempt_at": next.UTC(), "last_error": truncate(lastErr, 1000)}).Error
	if err != nil {
		return fmt.Errorf("outbox %d retry: %w", m.ID, err)
	}
	return nil
}

// MarkOutboxGivenUp records a message that will not be sent: status failed
// (permanent error or too many attempts) or undeliverable (no transport).
// Administrators see these with their last error.
func (s *Store) MarkOutboxGivenUp(ctx context.Context, m OutboxMessage, status, lastErr string) error {
	err := s.DB.WithContext(ctx).Model(&OutboxMessage{}).
		Where("id = ? AND status = ? AND attempts = ?", m.ID, OutboxPending, m.Attempts).
		Updates(map[string]any{"status": status, "last_error": truncate(lastErr, 1000), "data": forgetSealed()}).Error
	if err != nil {
		return fmt.Errorf("outbox %d %s: %w", m.ID, status, err)
	}
	return nil
}

// forgetSealed drops a reissued secret from its row once the row is done
// with (sent or given up): even sealed, it is kept no longer than needed.
func forgetSealed() clause.Expr {
	return gorm.Expr("CASE WHEN template = ? THEN '{}' ELSE data END", templateSecret)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// DigestLine is one unit's figures in the daily digest.
type DigestLine struct {
	UnitID  int64
	Open    int64
	DueSoon int64
	Overdue int64
}

// GenerateDigests writes the daily summary for now's date to each leader of
// a unit with open petitions: open, due within 2 working days, overdue. One
// per leader and day (dedupe key digest:<unit>:<date>:u<user>).
func (s *Store) GenerateDigests(ctx context.Context, now time.Time) (int, error) {
	cal, err := s.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	midnight := workdays.VietnamMidnight(now)
	horizon := cal.AddWorkingDays(now, ReminderLeadDays)
	var lines []DigestLine
	err = s.DB.WithContext(ctx).Raw(s.query("digest_counts"),
		sql.Named("midnight", midnight.UTC()), sql.Named("horizon", horizon.UTC())).Scan(&lines).Error
	if err != nil {
		return 0, fmt.Errorf("digest: counts: %w", err)
	}
	st, err := s.loadStaff(ctx)
	if err != nil {
		return 0, err
	}
	units, err := s.unitNames(ctx)
	if err != nil {
		return 0, err
	}
	date := now.In(workdays.VietnamLocation()).Format(time.DateOnly)
	created := 0
	for _, l := range lines {
		unit := units[l.UnitID]
		var overdueCodes []string
		if l.Overdue > 0 {
			err := s.DB.WithContext(ctx).Raw(s.query("digest_overdue"),
				sql.Named("unit", l.UnitID), sql.Named("midnight", midnight.UTC())).Scan(&overdueCodes).Error
			if err != nil {
				return created, fmt.Errorf("digest: overdue codes: %w", err)
			}
		}
		for _, u := range st.leaders[l.UnitID] {
			data, err := json.Marshal(map[string]any{
				"unit": unit.Name, "unit_code": unit.Code, "date": date, "name": u.Name, "lang": "vi",
				"open": l.Open, "due_soon": l.DueSoon, "overdue": l.Overdue, "overdue_codes": overdueCodes,
				"official": true,
			})
			if err != nil {
				return created, err
			}
			msg := OutboxMessage{
				DedupeKey: fmt.Sprintf("digest:%s:%s:u%d", unit.Code, date, u.ID),
				Channel:   OutboxEmail, Recipient: u.Email, Template: "official_digest", Data: string(data),
				Status: OutboxPending, NextAttemptAt: now.UTC(), CreatedAt: now.UTC(),
			}
			res := s.DB.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&msg)
			if res.Error != nil {
				return created, fmt.Errorf("digest %s: %w", msg.DedupeKey, res.Error)
			}
			created += int(res.RowsAffected)
		}
	}
	return created, nil
}
