package jobs

// The portal job pushes published items (FAQ entries and published answers)
// to the national public service portal through the outbox.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"pakn/jobs/delivery"
	"pakn/models"
)

// PortalDeps are what the portal job needs.
type PortalDeps struct {
	Store *models.Store
	// Portal is the transport; nil means PAKN_PORTAL_URL is unset: due rows
	// become undeliverable (an administrator can retry them later).
	Portal *delivery.Portal
	// BaseURL is PAKN_BASE_URL; an item's URL is BaseURL + "/qa/<id>".
	BaseURL string
	Log     *slog.Logger

	// Batch is how many rows one run claims at a time (default 50).
	Batch int
	// MaxAttempts is when a retryable failure becomes failed (default 12:
	// with the default backoff, about two days of trying).
	MaxAttempts int
	// BackoffBase and BackoffMax bound the exponential backoff (defaults 1
	// minute and 6 hours).
	BackoffBase, BackoffMax time.Duration
	// Lease is how long a claimed row stays invisible to other instances; it
	// must be longer than one HTTP attempt (default 2 minutes).
	Lease time.Duration

	// afterSend runs after the portal answered and before the outcome is
	// recorded; tests use it to simulate a crash in between.
	afterSend func(row models.PortalRow) error
}

// PortalStats counts what one run did.
type PortalStats struct {
	Sent, Skipped, Retried, Failed, Undeliverable int
}

func (s PortalStats) String() string {
	return fmt.Sprintf("sent %d, skipped %d, retried %d, failed %d, undeliverable %d",
		s.Sent, s.Skipped, s.Retried, s.Failed, s.Undeliverable)
}

func (d *PortalDeps) defaults() {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Batch <= 0 {
		d.Batch = 50
	}
	if d.MaxAttempts <= 0 {
		d.MaxAttempts = 12
	}
	if d.BackoffBase <= 0 {
		d.BackoffBase = time.Minute
	}
	if d.BackoffMax <= 0 {
		d.BackoffMax = 6 * time.Hour
	}
	if d.Lease <= 0 {
		d.Lease = 2 * time.Minute
	}
}

// RunPortal delivers every portal outbox row due at now: POST for a new
// version of an item, DELETE for a withdrawal. A row whose version is older
// than the item's current version is skipped (the newer row carries the
// current content). Delivery is at least once; the Idempotency-Key
// "<id>-<version>" lets the portal drop a repeat after a crash between its
// acceptance and our commit. It stops at the first database error; delivery
// errors are recorded on their rows.
func RunPortal(ctx context.Context, d PortalDeps, now time.Time) (PortalStats, error) {
	d.defaults()
	var st PortalStats
	if d.Portal == nil {
		n, err := d.Store.MarkPortalUndeliverable(ctx, now, "PAKN_PORTAL_URL is not set")
		st.Undeliverable = int(n)
		if n > 0 {
			d.Log.Warn("portal: no portal configured; rows marked undeliverable", "rows", n)
		}
		return st, err
	}
	// Rows claimed in this run get next_attempt_at = now+lease, so the loop
	// ends once every due row was tried once.
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		rows, err := d.Store.ClaimPortalRows(ctx, now, d.Lease, d.Batch)
		if err != nil {
			return st, err
		}
		if len(rows) == 0 {
			return st, nil
		}
		for _, row := range rows {
			if err := d.deliver(ctx, row, now, &st); err != nil {
				return st, err
			}
		}
	}
}

func (d *PortalDeps) deliver(ctx context.Context, row models.PortalRow, now time.Time, st *PortalStats) error {
	record := func(o models.OutboxOutcome) error {
		ok, err := d.Store.FinishOutbox(ctx, row.OutboxMessage, o, now)
		if err != nil {
			return err
		}
		if !ok {
			d.Log.Warn("portal: row was taken over by another run", "id", row.ID, "key", row.DedupeKey)
		}
		return nil
	}
	if row.ItemID == "" {
		st.Failed++
		return record(models.OutboxOutcome{Status: models.OutboxFailed, LastError: "bad dedupe key " + row.DedupeKey})
	}
	item, err := d.Store.PublishedItemByID(ctx, row.ItemID)
	if errors.Is(err, models.ErrNotFound) {
		st.Failed++
		return record(models.OutboxOutcome{Status: models.OutboxFailed, LastError: "item " + row.ItemID + " does not exist"})
	}
	if err != nil {
		return err
	}
	if item.Version > row.Version || (!row.Delete && item.Withdrawn) {
		st.Skipped++
		return record(models.OutboxOutcome{Status: models.OutboxSkipped,
			LastError: "superseded by version " + strconv.Itoa(item.Version)})
	}

	var sendErr error
	if row.Delete {
		sendErr = d.Portal.Withdraw(ctx, item.ID)
	} else {
		sendErr = d.Portal.Publish(ctx, d.portalItem(item))
	}
	if d.afterSend != nil {
		if err := d.afterSend(row); err != nil {
			return err
		}
	}
	switch {
	case sendErr == nil:
		st.Sent++
		return record(models.OutboxOutcome{Status: models.OutboxSent})
	case ctx.Err() != nil:
		// Shutting down: leave the row claimed; it comes due after the lease.
		return ctx.Err()
	case delivery.IsPermanent(sendErr) || row.Attempts >= d.MaxAttempts:
		st.Failed++
		d.Log.Warn("portal: delivery failed", "key", row.DedupeKey, "attempts", row.Attempts, "err", sendErr)
		return record(models.OutboxOutcome{Status: models.OutboxFailed, LastError: sendErr.Error()})
	default:
		st.Retried++
		next := now.Add(delivery.Delay(sendErr, row.Attempts, d.BackoffBase, d.BackoffMax))
		d.Log.Info("portal: delivery will be retried", "key", row.DedupeKey, "attempts", row.Attempts, "next", next, "err", sendErr)
		return record(models.OutboxOutcome{Status: models.OutboxPending, NextAt: next, LastError: sendErr.Error()})
	}
}

// portalItem builds the payload from the item as it is now: public fields only.
func (d *PortalDeps) portalItem(it *models.PublishedItem) delivery.PortalItem {
	p := delivery.PortalItem{
		ID: it.ID, Type: it.Type, Version: it.Version, Title: it.Title,
		Question: it.Question, Answer: it.Answer,
		Category: it.CategoryCode, Unit: it.UnitCode,
		PublishedAt: it.PublishedAt,
		URL:         d.BaseURL + "/qa/" + it.ID,
	}
	if it.AskedAt != nil {
		p.AskedAt = *it.AskedAt
	}
	if it.AnsweredAt != nil {
		p.AnsweredAt = *it.AnsweredAt
	}
	return p
}
