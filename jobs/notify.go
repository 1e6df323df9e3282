package jobs

import (
	"context"
	"fmt"
	"time"

	"pakn/jobs/delivery"
	"pakn/models"
)

// maxBatchesPerRun bounds one notify run; the next run goes on.
const maxBatchesPerRun = 20

// NotifyResult counts what one notify run did.
type NotifyResult struct {
	Sent, Retried, Failed, Undeliverable int
}

// Notify delivers the pending e-mail and SMS outbox rows that are due at
// now. Rows are claimed with a lease (see models.Store.ClaimOutbox), sent,
// then marked sent; a retryable failure waits delivery.Delay (exponential
// backoff with jitter, or the server's Retry-After) and after MaxAttempts
// the row is marked failed. Without PAKN_SMTP_URL (PAKN_SMS_URL) e-mail
// (SMS) rows become undeliverable.
//
// Delivery is at least once: a crash after the server accepted a message
// and before the row is marked sent sends it again after the lease, with
// the same Message-ID.
func (r *Runner) Notify(ctx context.Context, now time.Time) error {
	res, err := r.NotifyOnce(ctx, now)
	if err != nil {
		return err
	}
	if res != (NotifyResult{}) {
		r.Log.Info("notify", "at", now, "sent", res.Sent, "retried", res.Retried, "failed", res.Failed, "undeliverable", res.Undeliverable)
	}
	return nil
}

// NotifyOnce is Notify returning its counts.
func (r *Runner) NotifyOnce(ctx context.Context, now time.Time) (NotifyResult, error) {
	var res NotifyResult
	channels := []string{models.OutboxEmail, models.OutboxSMS}
	for range maxBatchesPerRun {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		msgs, err := r.Store.ClaimOutbox(ctx, channels, now, r.cfg.Lease, r.cfg.BatchSize)
		if err != nil {
			return res, err
		}
		if len(msgs) == 0 {
			return res, nil
		}
		if err := r.deliverBatch(ctx, now, msgs, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (r *Runner) deliverBatch(ctx context.Context, now time.Time, msgs []models.OutboxMessage, res *NotifyResult) error {
	// Sending must end well inside the lease, or another notifier could take
	// the same rows; what is not sent by then is retried.
	sctx, cancel := context.WithTimeout(ctx, r.cfg.Lease*4/5)
	defer cancel()

	var mails []delivery.Mail
	var mailRows []models.OutboxMessage
	for _, m := range msgs {
		rd, err := r.renderRow(m)
		if err != nil {
			if err := r.settle(ctx, now, m, err, res); err != nil {
				return err
			}
			continue
		}
		switch m.Channel {
		case models.OutboxEmail:
			if r.mailer == nil {
				if err := r.giveUp(ctx, m, models.OutboxUndeliverable, "PAKN_SMTP_URL is not set", res); err != nil {
					return err
				}
				continue
			}
			created := m.CreatedAt
			if created.IsZero() {
				created = now
			}
			mails = append(mails, delivery.Mail{
				MessageID: MessageID(m.DedupeKey, r.cfg.BaseURL),
				To:        m.Recipient,
				Subject:   rd.Subject,
				Text:      rd.Text,
				HTML:      rd.HTML,
				Date:      created,
				Headers:   map[string]string{"Auto-Submitted": "auto-generated"},
			})
			mailRows = append(mailRows, m)
		case models.OutboxSMS:
			if r.sms == nil {
				if err := r.giveUp(ctx, m, models.OutboxUndeliverable, "PAKN_SMS_URL is not set", res); err != nil {
					return err
				}
				continue
			}
			if rd.SMS == "" {
				if err := r.settle(ctx, now, m, delivery.MarkPermanent(fmt.Errorf("no SMS text for %q", m.Template)), res); err != nil {
					return err
				}
				continue
			}
			err := r.sms.Send(sctx, delivery.SMS{ID: deliveryID(m.DedupeKey), To: m.Recipient, Text: rd.SMS})
			if err := r.settle(ctx, now, m, err, res); err != nil {
				return err
			}
		}
	}
	if len(mails) > 0 {
		errs := r.mailer.SendBatch(sctx, mails)
		for i, m := range mailRows {
			if err := r.settle(ctx, now, m, errs[i], res); err != nil {
				return err
			}
		}
	}
	return nil
}

// renderRow renders a row, opening a sealed secret in memory first.
func (r *Runner) renderRow(m models.OutboxMessage) (Rendered, error) {
	data, err := r.Store.NoticeData(m)
	if err != nil {
		return Rendered{}, delivery.MarkPermanent(err)
	}
	return r.render.Render(m.Template, data)
}

// settle records the outcome of one attempt.
func (r *Runner) settle(ctx context.Context, now time.Time, m models.OutboxMessage, sendErr error, res *NotifyResult) error {
	switch {
	case sendErr == nil:
		res.Sent++
		return r.Store.MarkOutboxSent(ctx, m.ID, now)
	case delivery.IsPermanent(sendErr):
		r.Log.Warn("notice failed", "id", m.ID, "key", m.DedupeKey, "err", sendErr)
		return r.giveUp(ctx, m, models.OutboxFailed, sendErr.Error(), res)
	case m.Attempts >= r.cfg.MaxAttempts:
		r.Log.Warn("notice given up", "id", m.ID, "key", m.DedupeKey, "attempts", m.Attempts, "err", sendErr)
		return r.giveUp(ctx, m, models.OutboxFailed, fmt.Sprintf("gave up after %d attempts: %v", m.Attempts, sendErr), res)
	default:
		res.Retried++
		next := now.Add(delivery.Delay(sendErr, m.Attempts, r.cfg.BackoffBase, r.cfg.BackoffMax))
		return r.Store.MarkOutboxRetry(ctx, m, next, sendErr.Error())
	}
}

func (r *Runner) giveUp(ctx context.Context, m models.OutboxMessage, status, why string, res *NotifyResult) error {
	if status == models.OutboxUndeliverable {
		res.Undeliverable++
	} else {
		res.Failed++
	}
	return r.Store.MarkOutboxGivenUp(ctx, m, status, why)
}
