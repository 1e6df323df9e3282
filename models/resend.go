package models

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Delivery is what the outbox can reach: e-mail with PAKN_SMTP_URL, SMS with
// PAKN_SMS_URL; Sealer (from PAKN_SECRET) encrypts reissued secrets.
type Delivery struct {
	Email, SMS bool
	Sealer     *Sealer
	// ResendTime is how long every resend takes at least, whatever it
	// found (0: DefaultResendTime; negative: no padding, for tests).
	ResendTime time.Duration
}

// Notifies tells whether a petitioner's notices can reach them: by e-mail
// when they left an address, else by SMS (as enqueueCitizenNotice sends).
func (d Delivery) Notifies(p *Petition) bool {
	if p.PetitionerEmail != "" {
		return d.Email
	}
	return p.PetitionerPhone != "" && d.SMS
}

// DefaultResendTime is far above the work of a resend (BENCHMARKS.md,
// "Privacy: erasure and secret resend"), so that the padded time is the
// same for every branch even on a loaded server.
const DefaultResendTime = time.Second

// ResendOutcome is what the resend page may say: it depends only on the
// contact typed and the configuration, never on the petition.
type ResendOutcome int

const (
	// ResendQueued: if the code and contact match, a new secret is on its way.
	ResendQueued ResendOutcome = iota
	// ResendNoChannel: nothing can deliver to that kind of contact now.
	ResendNoChannel
)

// templateSecret is the notice that carries a reissued secret; its
// "sealed_secret" is opened only at send time (NoticeData).
const templateSecret = "citizen_secret"

// ResendSecret reissues a lookup secret to the contact on file, when
// contact matches the petition's e-mail address or phone and a channel can
// deliver to it. The new secret is pending: the old one keeps working
// until the new one is first used (a notice that never arrives locks no
// one out). The secret exists only sealed in its outbox row.
//
// Every call does the same work whatever it finds — the same statements in
// the same order, writing nothing when it should not — and then waits until
// Delivery.ResendTime has passed since it began (the rows written still
// differ in cost), so neither the answer nor its time tells whether the
// code or contact matched.
func (s *Store) ResendSecret(ctx context.Context, code, contact string) (ResendOutcome, error) {
	defer padTo(ctx, time.Now(), s.Delivery.ResendTime)
	code = NormalizeCode(code)
	contact = strings.ToLower(CleanLine(contact))
	channel, can := OutboxSMS, s.Delivery.SMS
	if strings.Contains(contact, "@") {
		channel, can = OutboxEmail, s.Delivery.Email
	}
	can = can && s.Delivery.Sealer != nil
	outcome := ResendQueued
	if !can {
		outcome = ResendNoChannel
	}
	now := s.now().UTC()
	sealer := s.Delivery.Sealer
	if sealer == nil {
		// The same work without a key: a throwaway one.
		sealer, _ = NewSealer([]byte(NewLookupSecret() + NewLookupSecret()))
	}
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		var p Petition
		if err := tx.Where("code = ?", code).Limit(1).Find(&p).Error; err != nil {
			return err
		}
		recipient, match := resendMatch(&p, channel, contact)
		target := int64(0) // no petition has id 0: the writes below touch nothing
		if match && can && p.AnonymisedAt == nil {
			target = p.ID
		}
		secret := NewLookupSecret()
		key := fmt.Sprintf("petition:%s:secret:%d:%s", p.Code, now.UnixNano(), channel)
		data, err := json.Marshal(map[string]any{"code": p.Code, "name": p.PetitionerName, "lang": p.Language,
			"sealed_secret": sealer.Seal(secret, key)})
		if err != nil {
			return err
		}
		if err := tx.Exec("UPDATE petitions SET pending_secret_hash = ? WHERE id = ?", hashSecret(p.Code, secret), target).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO events (petition_id, at, actor_name, type, from_value, to_value, note, subject, public)
SELECT id, ?, 'PAKN', 'secret_reissued', '', '', ?, '', ? FROM petitions WHERE id = ?`, now, channel, false, target).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO outbox_messages (dedupe_key, channel, recipient, template, data, petition_id, status, next_attempt_at, attempts, last_error, created_at)
SELECT ?, ?, ?, ?, ?, id, ?, ?, 0, '', ? FROM petitions WHERE id = ? ON CONFLICT DO NOTHING`,
			key, channel, recipient, templateSecret, string(data), OutboxPending, now, now, target).Error
	})
	if err != nil {
		return outcome, fmt.Errorf("resend secret %s: %w", code, err)
	}
	return outcome, nil
}

// padTo waits until d has passed since start (or ctx ends).
func padTo(ctx context.Context, start time.Time, d time.Duration) {
	if d == 0 {
		d = DefaultResendTime
	}
	left := time.Until(start.Add(d))
	if d < 0 || left <= 0 {
		return
	}
	t := time.NewTimer(left)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// resendMatch compares the typed contact with the one on file for the
// channel, in constant time, and returns where the notice goes.
func resendMatch(p *Petition, channel, contact string) (string, bool) {
	if channel == OutboxEmail {
		ok := subtle.ConstantTimeCompare([]byte(contact), []byte(p.PetitionerEmail)) == 1
		return p.PetitionerEmail, ok && p.PetitionerEmail != ""
	}
	typed, onFile := phoneKey(contact), phoneKey(p.PetitionerPhone)
	ok := subtle.ConstantTimeCompare([]byte(typed), []byte(onFile)) == 1
	return p.PetitionerPhone, ok && len(onFile) >= 8
}

// phoneKey is a phone's national number: "+84 912 345 678" and
// "0912345678" give "912345678".
func phoneKey(s string) string {
	d := digitsOnly(s)
	switch {
	case strings.HasPrefix(d, "84") && len(d) >= 11:
		d = d[2:]
	case strings.HasPrefix(d, "0"):
		d = d[1:]
	}
	return d
}

// secretMatch checks a typed secret against the working and the pending
// hash, always both (no timing difference between them).
// The working hash may be a legacy one (checkSecret knows both forms).
func secretMatch(p *Petition, secret string) (ok, pending bool) {
	h := []byte(hashSecret(p.Code, secret))
	cur := checkSecret(p.Code, secret, p.SecretHash)
	pend := subtle.ConstantTimeCompare(h, []byte(p.PendingSecretHash)) == 1 && p.PendingSecretHash != ""
	return cur || pend, pend && !cur
}

// usePendingSecret makes a reissued secret the working one on its first
// use; the old one stops working then.
func usePendingSecret(tx *gorm.DB, p *Petition, now time.Time) error {
	res := tx.Model(&Petition{}).Where("id = ? AND pending_secret_hash = ?", p.ID, p.PendingSecretHash).
		Updates(map[string]any{"secret_hash": p.PendingSecretHash, "pending_secret_hash": ""})
	if res.Error != nil {
		return fmt.Errorf("use reissued secret: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil
	}
	p.SecretHash, p.PendingSecretHash = p.PendingSecretHash, ""
	return tx.Create(&Event{PetitionID: &p.ID, At: now, ActorName: "PAKN", Type: "secret_replaced"}).Error
}

// NoticeData is an outbox row's data ready to render: a sealed secret is
// opened (in memory only). It fails for a secret that can no longer be
// opened, or was blanked after a first attempt ended.
func (s *Store) NoticeData(m OutboxMessage) (string, error) {
	if m.Template != templateSecret {
		return m.Data, nil
	}
	var data map[string]any
	if err := json.Unmarshal([]byte(m.Data), &data); err != nil {
		return "", fmt.Errorf("notice data: %w", err)
	}
	sealed, _ := data["sealed_secret"].(string)
	if sealed == "" || s.Delivery.Sealer == nil {
		return "", fmt.Errorf("the reissued secret is no longer held (PAKN_SECRET unset, or the notice was erased)")
	}
	secret, err := s.Delivery.Sealer.Open(sealed, m.DedupeKey)
	if err != nil {
		return "", err
	}
	delete(data, "sealed_secret")
	data["secret"] = secret
	raw, err := json.Marshal(data)
	return string(raw), err
}
