package models

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"gorm.io/gorm"
)

// LoginAttempt is one sign-in attempt, kept in the database so that every
// instance behind a load balancer counts the same failures.
type LoginAttempt struct {
	ID      int64 `gorm:"primaryKey"`
	Account string
	Address string
	OK      bool
	At      time.Time
}

// Sign-in throttling (OWASP ASVS 2.2.1). Failures are counted per
// (account, client address): a stranger's wrong passwords throttle the
// stranger, never the official signing in from elsewhere. Beyond a
// per-account ceiling far above a person's typing, sign-ins from addresses
// the account has not used lately are spaced out to the ceiling's rate:
// slowed, never locked, and an address the official signed in from lately
// is not slowed at all. A throttled attempt is answered at once with the
// wait (429 with Retry-After), never held.
const (
	// LoginMaxPerPair failures within LoginWindow from one address to one
	// account make that pair wait until the oldest leaves the window.
	LoginMaxPerPair = 5
	LoginWindow     = 15 * time.Minute
	// LoginCeiling failures within LoginCeilingWindow to one account, from
	// all addresses, space out attempts from unknown addresses to one per
	// LoginCeilingWindow/LoginCeiling.
	LoginCeiling       = 100
	LoginCeilingWindow = time.Hour
	// LoginKnownAddress is how long a successful sign-in makes its address
	// a known one for the account.
	LoginKnownAddress = 30 * 24 * time.Hour
)

// loginAccount and loginAddress are the keys attempts are counted by: the
// e-mail address as typed, normalised; the client's address, with an IPv6
// address reduced to its /64 (what one customer is given).
func loginAccount(email string) string { return strings.ToLower(CleanLine(email)) }

func loginAddress(ip string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		return strings.TrimSpace(ip)
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// LoginWait is how long a sign-in to the account from the address must
// wait; zero means go ahead. It is checked before the password, so a
// throttled attacker learns nothing and costs no hashing.
func (s *Store) LoginWait(ctx context.Context, email, ip string) (time.Duration, error) {
	acct, addr := loginAccount(email), loginAddress(ip)
	now := s.now()
	db := s.DB.WithContext(ctx)
	// The pair's newest failures in the window: with LoginMaxPerPair of
	// them, the pair waits until the oldest of those leaves it.
	var pair []time.Time
	if err := db.Model(&LoginAttempt{}).
		Where("account = ? AND address = ? AND ok = ? AND at > ?", acct, addr, false, now.Add(-LoginWindow)).
		Order("at DESC").Limit(LoginMaxPerPair).Pluck("at", &pair).Error; err != nil {
		return 0, fmt.Errorf("sign-in throttle: %w", err)
	}
	if len(pair) == LoginMaxPerPair {
		return waitUntil(now, pair[LoginMaxPerPair-1].Add(LoginWindow)), nil
	}
	var fails int64
	if err := db.Model(&LoginAttempt{}).
		Where("account = ? AND ok = ? AND at > ?", acct, false, now.Add(-LoginCeilingWindow)).
		Count(&fails).Error; err != nil {
		return 0, fmt.Errorf("sign-in throttle: %w", err)
	}
	if fails < LoginCeiling {
		return 0, nil
	}
	var known []int64
	if err := db.Model(&LoginAttempt{}).
		Where("account = ? AND address = ? AND ok = ? AND at > ?", acct, addr, true, now.Add(-LoginKnownAddress)).
		Limit(1).Pluck("id", &known).Error; err != nil {
		return 0, fmt.Errorf("sign-in throttle: %w", err)
	}
	if len(known) > 0 {
		return 0, nil
	}
	var latest []time.Time
	if err := db.Model(&LoginAttempt{}).Where("account = ? AND ok = ?", acct, false).
		Order("at DESC").Limit(1).Pluck("at", &latest).Error; err != nil {
		return 0, fmt.Errorf("sign-in throttle: %w", err)
	}
	if len(latest) == 0 {
		return 0, nil
	}
	return waitUntil(now, latest[0].Add(LoginCeilingWindow/LoginCeiling)), nil
}

// waitUntil is the time from now to t, rounded up to whole seconds (what
// Retry-After can say); zero when t has passed.
func waitUntil(now, t time.Time) time.Duration {
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return (d + time.Second - 1).Truncate(time.Second)
}

// RecordLoginFailure counts a failed sign-in to the account from the
// address.
func (s *Store) RecordLoginFailure(ctx context.Context, email, ip string) error {
	return s.recordLogin(ctx, email, ip, false)
}

// RecordLoginSuccess forgets the pair's failures and makes the address a
// known one for the account.
func (s *Store) RecordLoginSuccess(ctx context.Context, email, ip string) error {
	return s.recordLogin(ctx, email, ip, true)
}

func (s *Store) recordLogin(ctx context.Context, email, ip string, ok bool) error {
	acct, addr := loginAccount(email), loginAddress(ip)
	now := s.now()
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		if ok {
			if err := tx.Where("account = ? AND address = ? AND ok = ?", acct, addr, false).Delete(&LoginAttempt{}).Error; err != nil {
				return err
			}
		}
		if err := tx.Create(&LoginAttempt{Account: acct, Address: addr, OK: ok, At: now}).Error; err != nil {
			return err
		}
		// Old rows are worthless; drop them as we go.
		return tx.Where("(ok = ? AND at < ?) OR at < ?", false, now.Add(-LoginCeilingWindow), now.Add(-LoginKnownAddress)).
			Delete(&LoginAttempt{}).Error
	})
	if err != nil {
		return fmt.Errorf("record sign-in: %w", err)
	}
	return nil
}
