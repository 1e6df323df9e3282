package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"pakn/models/workdays"
)

// PasswordReset is a one-time link an administrator issues for an official
// who forgot their password. Only the token's hash is kept.
type PasswordReset struct {
	ID        int64  `gorm:"primaryKey"`
	TokenHash string `gorm:"uniqueIndex;size:64;not null"`
	UserID    int64  `gorm:"index;not null"`
	CreatedBy int64  `gorm:"not null"`
	CreatedAt time.Time
	ExpiresAt time.Time `gorm:"not null"`
	UsedAt    *time.Time
}

// ResetValidity is how long a reset link works.
const ResetValidity = 24 * time.Hour

// ResetTemplate is the outbox template of the reset mail.
const ResetTemplate = "official_password_reset"

// IssuedReset is what the administrator learns: the link, when it stops
// working, and whether it went by e-mail (else it is shown once).
type IssuedReset struct {
	User      User
	Link      string
	ExpiresAt time.Time
	Mailed    bool
}

// IssuePasswordReset makes a one-time link for an official. With mail the
// link goes into the outbox (sealed by box, the same transaction);
// without, it is returned to be shown once to the administrator. Older
// unused links of the official stop working. Audited.
func (s *Store) IssuePasswordReset(ctx context.Context, v Viewer, userID int64, baseURL string, mail bool, box *SecretBox) (*IssuedReset, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	tok := hex.EncodeToString(b)
	out := &IssuedReset{Link: baseURL + "/admin/reset/" + tok, Mailed: mail}
	err := s.adminTx(ctx, v, func(tx *gorm.DB, now time.Time) error {
		if err := tx.Where("id = ? AND active = ?", userID, true).First(&out.User).Error; err != nil {
			return notFound(err)
		}
		out.ExpiresAt = now.Add(ResetValidity)
		if err := tx.Model(&PasswordReset{}).Where("user_id = ? AND used_at IS NULL", userID).Update("expires_at", now).Error; err != nil {
			return fmt.Errorf("retire older reset links: %w", err)
		}
		r := PasswordReset{TokenHash: hashToken(tok), UserID: userID, CreatedBy: v.ID, CreatedAt: now, ExpiresAt: out.ExpiresAt}
		if err := tx.Create(&r).Error; err != nil {
			return fmt.Errorf("password reset: %w", err)
		}
		note := "shown"
		if mail {
			note = "mailed"
			data, err := json.Marshal(map[string]any{
				"name": out.User.Name, "lang": "vi", "official": true,
				"sealed_link": box.Seal(out.Link), "expires_at": out.ExpiresAt.In(workdays.VietnamLocation()),
			})
			if err != nil {
				return err
			}
			msg := OutboxMessage{DedupeKey: fmt.Sprintf("reset:%d", r.ID), Channel: OutboxEmail, Recipient: out.User.Email,
				Template: ResetTemplate, Data: string(data), Status: OutboxPending, NextAttemptAt: now, CreatedAt: now}
			if err := tx.Create(&msg).Error; err != nil {
				return fmt.Errorf("password reset mail: %w", err)
			}
		}
		return userEvent(tx, &out.User, v.ID, v.Name, "password_reset_issued", note, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ErrResetLinkInvalid is the one answer for a link that is unknown, used
// or expired.
var ErrResetLinkInvalid = errors.New("reset link unknown, used or expired")

// PasswordResetUser is the official a live reset link is for.
func (s *Store) PasswordResetUser(ctx context.Context, tok string) (*User, error) {
	var r PasswordReset
	db := s.DB.WithContext(ctx)
	if err := db.Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", hashToken(tok), s.now()).First(&r).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrResetLinkInvalid
		}
		return nil, fmt.Errorf("reset link: %w", err)
	}
	var u User
	if err := db.Where("id = ? AND active = ?", r.UserID, true).First(&u).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrResetLinkInvalid
		}
		return nil, fmt.Errorf("reset link user: %w", err)
	}
	return &u, nil
}

// ResetPasswordInput is the form behind a reset link.
type ResetPasswordInput struct {
	Token, New, Confirm string
}

// ResetPassword sets a new password through a reset link under the usual
// rules, uses the link up (a second use fails) and ends every session.
func (s *Store) ResetPassword(ctx context.Context, in ResetPasswordInput) error {
	u, err := s.PasswordResetUser(ctx, in.Token)
	if err != nil {
		return err
	}
	v := &ValidationError{}
	CheckNewPassword(v, "new", in.New, u.Email, u.Name)
	if in.Confirm != in.New {
		v.Add("confirm", "err.password_confirm", nil)
	}
	if err := v.Err(); err != nil {
		return err
	}
	// The link is used up in the same transaction, guarded by its state,
	// so two uses at once cannot both succeed.
	useLink := func(tx *gorm.DB) error {
		res := tx.Model(&PasswordReset{}).Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", hashToken(in.Token), s.now()).Update("used_at", s.now())
		if res.Error != nil {
			return fmt.Errorf("use reset link: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return ErrResetLinkInvalid
		}
		return nil
	}
	return s.setPassword(ctx, u, in.New, u.ID, u.Name, "password_reset_used", useLink)
}
