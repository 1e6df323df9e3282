package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Session is a signed-in official. Only the token's hash is stored, so a
// copy of the database does not let anyone sign in.
type Session struct {
	IDHash     string `gorm:"primaryKey;size:64"`
	UserID     int64  `gorm:"index;not null"`
	CreatedAt  time.Time
	ExpiresAt  time.Time `gorm:"index;not null"`
	LastSeenAt time.Time
	IP         string `gorm:"size:64"`
	UserAgent  string `gorm:"size:300"`
}

// Session lifetimes.
const (
	SessionIdle = 8 * time.Hour      // a working day
	SessionMax  = 7 * 24 * time.Hour // then sign in again
)

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// ErrBadCredentials is the one answer for a wrong e-mail or password.
var ErrBadCredentials = errors.New("wrong e-mail or password")

// Authenticate checks an official's credentials. The password is hashed
// even for an unknown e-mail so the response time does not reveal accounts.
func (s *Store) Authenticate(ctx context.Context, email, password string) (*User, error) {
	email = strings.ToLower(CleanLine(email))
	var u User
	err := s.DB.WithContext(ctx).Where("email = ? AND active = ?", email, true).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		CheckPassword(dummyHash, password)
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if !CheckPassword(u.PasswordHash, password) {
		return nil, ErrBadCredentials
	}
	return &u, nil
}

// dummyHash is a valid argon2id hash of nothing anyone would type.
const dummyHash = "$argon2id$v=19$m=65536,t=3,p=2$zgYIqVv3C8XAggdOVR6m3A$Qjejlpx/AVcJAf28petrVqHp8FJ2Vb4Q97nI+FDeYIQ"

// CreateSession starts a session and returns its token (for the cookie).
func (s *Store) CreateSession(ctx context.Context, userID int64, ip, userAgent string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	tok := hex.EncodeToString(b)
	now := s.now()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	sess := Session{IDHash: hashToken(tok), UserID: userID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionIdle), IP: ip, UserAgent: userAgent}
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&sess).Error; err != nil {
			return err
		}
		return tx.Create(&Event{Subject: fmt.Sprintf("user:%d", userID), At: now, ActorID: &userID, Type: "signed_in", Note: ip}).Error
	})
	if err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return tok, nil
}

// SessionUser returns the user of a live session and slides its expiry.
func (s *Store) SessionUser(ctx context.Context, tok string) (*User, string, error) {
	if tok == "" {
		return nil, "", ErrNotFound
	}
	id := hashToken(tok)
	db := s.DB.WithContext(ctx)
	var sess Session
	now := s.now()
	err := db.Where("id_hash = ? AND expires_at > ?", id, now).First(&sess).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, "", ErrNotFound
	}
	if err != nil {
		return nil, "", fmt.Errorf("session: %w", err)
	}
	var u User
	err = db.Preload("Unit").Where("id = ? AND active = ?", sess.UserID, true).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, "", ErrNotFound
	}
	if err != nil {
		return nil, "", fmt.Errorf("session user: %w", err)
	}
	// Slide the idle expiry at most once a minute, never past the maximum.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		exp := now.Add(SessionIdle)
		if max := sess.CreatedAt.Add(SessionMax); exp.After(max) {
			exp = max
		}
		db.Model(&Session{}).Where("id_hash = ?", id).Updates(map[string]any{"last_seen_at": now, "expires_at": exp})
	}
	return &u, id, nil
}

// DeleteSession signs out.
func (s *Store) DeleteSession(ctx context.Context, tok string) error {
	return s.DB.WithContext(ctx).Where("id_hash = ?", hashToken(tok)).Delete(&Session{}).Error
}
