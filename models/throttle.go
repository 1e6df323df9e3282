package models

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// LoginFailure is one failed sign-in, kept in the database so that every
// instance behind the load balancer counts the same failures.
type LoginFailure struct {
	ID  int64     `gorm:"primaryKey"`
	Key string    `gorm:"size:300;not null;index:idx_login_failures_key_at,priority:1"`
	At  time.Time `gorm:"not null;index:idx_login_failures_key_at,priority:2"`
}

// Sign-in throttling: after this many failures within the window, the
// account (or the client address) waits until the window has passed.
const (
	LoginWindow          = 15 * time.Minute
	LoginMaxPerAccount   = 5
	LoginMaxPerIP        = 20
	loginFailureKeepTime = 24 * time.Hour
)

func loginKeys(email, ip string) (acct, addr string) {
	return "acct:" + strings.ToLower(CleanLine(email)), "ip:" + ip
}

// LoginThrottled tells whether sign-in is refused for now for this account
// or this address. It is checked before the password, so a throttled
// attacker learns nothing and costs no hashing.
func (s *Store) LoginThrottled(ctx context.Context, email, ip string) (bool, error) {
	acct, addr := loginKeys(email, ip)
	since := s.now().Add(-LoginWindow)
	db := s.DB.WithContext(ctx).Model(&LoginFailure{})
	var na, ni int64
	if err := db.Where("key = ? AND at > ?", acct, since).Count(&na).Error; err != nil {
		return false, fmt.Errorf("login throttle: %w", err)
	}
	if na >= LoginMaxPerAccount {
		return true, nil
	}
	if err := s.DB.WithContext(ctx).Model(&LoginFailure{}).Where("key = ? AND at > ?", addr, since).Count(&ni).Error; err != nil {
		return false, fmt.Errorf("login throttle: %w", err)
	}
	return ni >= LoginMaxPerIP, nil
}

// RecordLoginFailure counts a failed sign-in for the account and the address.
func (s *Store) RecordLoginFailure(ctx context.Context, email, ip string) error {
	acct, addr := loginKeys(email, ip)
	now := s.now()
	db := s.DB.WithContext(ctx)
	rows := []LoginFailure{{Key: acct, At: now}, {Key: addr, At: now}}
	if err := db.Create(&rows).Error; err != nil {
		return fmt.Errorf("record login failure: %w", err)
	}
	// Old rows are worthless; drop them as we go.
	return db.Where("at < ?", now.Add(-loginFailureKeepTime)).Delete(&LoginFailure{}).Error
}

// ClearLoginFailures forgets an account's failures after a good sign-in.
func (s *Store) ClearLoginFailures(ctx context.Context, email string) error {
	acct, _ := loginKeys(email, "")
	return s.DB.WithContext(ctx).Where("key = ?", acct).Delete(&LoginFailure{}).Error
}
