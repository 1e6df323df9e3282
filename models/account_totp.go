package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// UserTOTP is an official's authenticator key (RFC 6238: SHA-1, 6 digits,
// 30 s), sealed. Unconfirmed until the official types a first code.
type UserTOTP struct {
	UserID      int64  `gorm:"primaryKey;autoIncrement:false"`
	SecretEnc   string `gorm:"not null"` // the key's otpauth:// URL, sealed
	ConfirmedAt *time.Time
	// LastStep is the last 30-second step whose code was accepted: a code
	// is never accepted twice.
	LastStep  int64 `gorm:"not null;default:0"`
	CreatedAt time.Time
}

// TableName keeps the plural of the migration.
func (UserTOTP) TableName() string { return "user_totps" }

// RecoveryCode is one of ten one-time codes for a lost authenticator,
// stored hashed.
type RecoveryCode struct {
	ID       int64  `gorm:"primaryKey"`
	UserID   int64  `gorm:"index;not null"`
	CodeHash string `gorm:"uniqueIndex;size:64;not null"`
	UsedAt   *time.Time
}

// SignInChallenge is a sign-in waiting for its second factor: the password
// was right, no session exists yet.
type SignInChallenge struct {
	TokenHash string    `gorm:"primaryKey;size:64"`
	UserID    int64     `gorm:"index;not null"`
	Next      string    `gorm:"size:500"`
	ExpiresAt time.Time `gorm:"index;not null"`
	Attempts  int       `gorm:"not null;default:0"`
}

// Two-factor parameters.
const (
	RecoveryCodeCount    = 10
	ChallengeValidity    = 5 * time.Minute
	ChallengeMaxAttempts = 5
	totpPeriod           = 30
	// TwoFactorRolesKey is the setting listing the roles that must use two
	// factors (comma-separated).
	TwoFactorRolesKey = "two_factor_roles"
)

// ErrBadCode is the answer for a wrong, reused or late code.
var ErrBadCode = errors.New("wrong or already used code")

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TwoFactorRoles lists the roles an administrator requires two factors of.
func (s *Store) TwoFactorRoles(ctx context.Context) ([]string, error) {
	return twoFactorRoles(s.DB.WithContext(ctx))
}

func twoFactorRoles(db *gorm.DB) ([]string, error) {
	var st Setting
	err := db.Where("key = ?", TwoFactorRolesKey).First(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("two-factor roles: %w", err)
	}
	var out []string
	for _, r := range strings.Split(st.Value, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out, nil
}

// SetTwoFactorRoles changes which roles must use two factors. Audited.
func (s *Store) SetTwoFactorRoles(ctx context.Context, v Viewer, roles []string) error {
	var keep []string
	for _, r := range Roles {
		if slices.Contains(roles, r) {
			keep = append(keep, r)
		}
	}
	return s.adminTx(ctx, v, func(tx *gorm.DB, now time.Time) error {
		old, err := twoFactorRoles(tx)
		if err != nil {
			return err
		}
		val := strings.Join(keep, ",")
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&Setting{Key: TwoFactorRolesKey, Value: val}).Error; err != nil {
			return fmt.Errorf("set two-factor roles: %w", err)
		}
		return configEvent(tx, v, "setting:"+TwoFactorRolesKey, "two_factor_roles", strings.Join(old, ","), val, now)
	})
}

// TwoFactorState is what an official's account page shows.
type TwoFactorState struct {
	Enabled  bool // confirmed
	Pending  bool // set up started, not confirmed
	Required bool // the role must use two factors (never for demo officials)
	// RecoveryLeft counts unused recovery codes.
	RecoveryLeft int64
}

// TwoFactorStateOf reads an official's two-factor state.
func (s *Store) TwoFactorStateOf(ctx context.Context, u *User) (TwoFactorState, error) {
	var out TwoFactorState
	roles, err := s.TwoFactorRoles(ctx)
	if err != nil {
		return out, err
	}
	out.Required = !u.Demo && slices.Contains(roles, u.Role)
	var t UserTOTP
	db := s.DB.WithContext(ctx)
	err = db.Where("user_id = ?", u.ID).First(&t).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return out, nil
	case err != nil:
		return out, fmt.Errorf("two-factor state: %w", err)
	}
	out.Enabled, out.Pending = t.ConfirmedAt != nil, t.ConfirmedAt == nil
	if out.Enabled {
		err = db.Model(&RecoveryCode{}).Where("user_id = ? AND used_at IS NULL", u.ID).Count(&out.RecoveryLeft).Error
	}
	return out, err
}

// SignInObligations is what an official must do before using PAKN: change
// their password or set up two factors.
type SignInObligations struct {
	ChangePassword, EnrolTwoFactor bool
}

// Any tells whether something is owed.
func (o SignInObligations) Any() bool { return o.ChangePassword || o.EnrolTwoFactor }

// ObligationsOf reads what a signed-in official still owes. Demo officials
// owe nothing.
func (s *Store) ObligationsOf(ctx context.Context, u *User) (SignInObligations, error) {
	if u.Demo {
		return SignInObligations{}, nil
	}
	// Every admin request asks: one read of the setting, and of the key
	// only for a role that must use two factors.
	o := SignInObligations{ChangePassword: u.MustChangePassword}
	roles, err := s.TwoFactorRoles(ctx)
	if err != nil || !slices.Contains(roles, u.Role) {
		return o, err
	}
	on, err := s.HasTwoFactor(ctx, u.ID)
	o.EnrolTwoFactor = !on
	return o, err
}

// BeginTwoFactor starts (or restarts) setting up an authenticator: a new
// key, kept sealed and unconfirmed. Refused (ErrConflict) when two factors
// are already on.
func (s *Store) BeginTwoFactor(ctx context.Context, u *User, issuer string, box *SecretBox) error {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: u.Email, Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return fmt.Errorf("totp key: %w", err)
	}
	return s.Tx(ctx, func(tx *gorm.DB) error {
		var t UserTOTP
		err := tx.Where("user_id = ?", u.ID).First(&t).Error
		if err == nil && t.ConfirmedAt != nil {
			return ErrConflict
		}
		if err := tx.Where("user_id = ?", u.ID).Delete(&UserTOTP{}).Error; err != nil {
			return err
		}
		return tx.Create(&UserTOTP{UserID: u.ID, SecretEnc: box.Seal(key.URL()), CreatedAt: s.now()}).Error
	})
}

// PendingTwoFactorKey is the key being set up, for its QR code.
func (s *Store) PendingTwoFactorKey(ctx context.Context, u *User, box *SecretBox) (*otp.Key, error) {
	var t UserTOTP
	if err := s.DB.WithContext(ctx).Where("user_id = ? AND confirmed_at IS NULL", u.ID).First(&t).Error; err != nil {
		return nil, notFound(err)
	}
	return openKey(box, t.SecretEnc)
}

func openKey(box *SecretBox, sealed string) (*otp.Key, error) {
	raw, err := box.Open(sealed)
	if err != nil {
		return nil, err
	}
	return otp.NewKeyFromURL(raw)
}

// ConfirmTwoFactor turns two factors on with a first code from the
// authenticator and returns ten new recovery codes, shown once. Audited.
func (s *Store) ConfirmTwoFactor(ctx context.Context, u *User, code string, box *SecretBox) ([]string, error) {
	var codes []string
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		var t UserTOTP
		if err := tx.Where("user_id = ? AND confirmed_at IS NULL", u.ID).First(&t).Error; err != nil {
			return notFound(err)
		}
		now := s.now()
		if err := s.useTOTP(tx, &t, code, box, now); err != nil {
			return err
		}
		if err := tx.Model(&UserTOTP{}).Where("user_id = ?", u.ID).Update("confirmed_at", now).Error; err != nil {
			return err
		}
		var err error
		if codes, err = replaceRecoveryCodes(tx, u.ID); err != nil {
			return err
		}
		return userEvent(tx, u, u.ID, u.Name, "two_factor_enabled", "", now)
	})
	return codes, err
}

// DisableTwoFactor turns two factors off with a current code (or a
// recovery code). Audited.
func (s *Store) DisableTwoFactor(ctx context.Context, u *User, code string, box *SecretBox) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		now := s.now()
		if err := s.verifySecondFactor(tx, u.ID, code, box, now); err != nil {
			return err
		}
		if err := dropTwoFactor(tx, u.ID); err != nil {
			return err
		}
		return userEvent(tx, u, u.ID, u.Name, "two_factor_disabled", "", now)
	})
}

// AdminDisableTwoFactor turns an official's two factors off for them (a
// lost phone and lost recovery codes) and ends their sessions. Audited.
func (s *Store) AdminDisableTwoFactor(ctx context.Context, v Viewer, userID int64) error {
	return s.adminTx(ctx, v, func(tx *gorm.DB, now time.Time) error {
		var u User
		if err := tx.First(&u, userID).Error; err != nil {
			return notFound(err)
		}
		if err := dropTwoFactor(tx, u.ID); err != nil {
			return err
		}
		if err := endSessions(tx, u.ID); err != nil {
			return err
		}
		return userEvent(tx, &u, v.ID, v.Name, "two_factor_reset", "", now)
	})
}

func dropTwoFactor(tx *gorm.DB, userID int64) error {
	if err := tx.Where("user_id = ?", userID).Delete(&UserTOTP{}).Error; err != nil {
		return fmt.Errorf("drop two factors: %w", err)
	}
	return tx.Where("user_id = ?", userID).Delete(&RecoveryCode{}).Error
}

// verifySecondFactor accepts a current authenticator code (once) or an
// unused recovery code (used up) of a confirmed authenticator.
// A used recovery code is audited.
func (s *Store) verifySecondFactor(tx *gorm.DB, userID int64, code string, box *SecretBox, now time.Time) error {
	var t UserTOTP
	if err := tx.Where("user_id = ? AND confirmed_at IS NOT NULL", userID).First(&t).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrBadCode
		}
		return err
	}
	code = strings.Join(strings.Fields(code), "")
	if len(code) == 6 && strings.Trim(code, "0123456789") == "" {
		return s.useTOTP(tx, &t, code, box, now)
	}
	res := tx.Model(&RecoveryCode{}).Where("user_id = ? AND code_hash = ? AND used_at IS NULL", userID, recoveryHash(userID, code)).Update("used_at", now)
	if res.Error != nil {
		return fmt.Errorf("use recovery code: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return ErrBadCode
	}
	// A recovery code in use may mean a lost phone: the security officer
	// sees it in the audit trail.
	var u User
	if err := tx.First(&u, userID).Error; err != nil {
		return err
	}
	return userEvent(tx, &u, u.ID, u.Name, "recovery_code_used", "", now)
}

// useTOTP accepts a code of the previous, current or next 30-second step,
// and only for a step later than the last one accepted: the update is
// guarded by it, so the same code is refused the second time, also on two
// instances at once.
func (s *Store) useTOTP(tx *gorm.DB, t *UserTOTP, code string, box *SecretBox, now time.Time) error {
	key, err := openKey(box, t.SecretEnc)
	if err != nil {
		return err
	}
	code = strings.Join(strings.Fields(code), "")
	cur := now.Unix() / totpPeriod
	for step := cur - 1; step <= cur+1; step++ {
		want, err := totp.GenerateCodeCustom(key.Secret(), time.Unix(step*totpPeriod, 0), totpOpts)
		if err != nil {
			return fmt.Errorf("totp: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		res := tx.Model(&UserTOTP{}).Where("user_id = ? AND last_step < ?", t.UserID, step).Update("last_step", step)
		if res.Error != nil {
			return fmt.Errorf("totp step: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return ErrBadCode // replayed
		}
		return nil
	}
	return ErrBadCode
}

func recoveryHash(userID int64, code string) string {
	sum := sha256.Sum256([]byte("pakn-recovery\x00" + strconv.FormatInt(userID, 10) + "\x00" + NormalizeSecret(code)))
	return hex.EncodeToString(sum[:])
}

// replaceRecoveryCodes makes ten new codes (XXXXX-XXXXX, 50 bits each) and
// forgets the old ones.
func replaceRecoveryCodes(tx *gorm.DB, userID int64) ([]string, error) {
	if err := tx.Where("user_id = ?", userID).Delete(&RecoveryCode{}).Error; err != nil {
		return nil, err
	}
	codes := make([]string, RecoveryCodeCount)
	rows := make([]RecoveryCode, RecoveryCodeCount)
	for i := range codes {
		b := make([]byte, 10)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		out := make([]byte, 0, 11)
		for j, x := range b {
			if j == 5 {
				out = append(out, '-')
			}
			out = append(out, crockford[int(x)%32])
		}
		codes[i] = string(out)
		rows[i] = RecoveryCode{UserID: userID, CodeHash: recoveryHash(userID, codes[i])}
	}
	if err := tx.Create(&rows).Error; err != nil {
		return nil, fmt.Errorf("recovery codes: %w", err)
	}
	return codes, nil
}

// HasTwoFactor tells whether sign-in needs a second step for this official.
func (s *Store) HasTwoFactor(ctx context.Context, userID int64) (bool, error) {
	var n int64
	err := s.DB.WithContext(ctx).Model(&UserTOTP{}).Where("user_id = ? AND confirmed_at IS NOT NULL", userID).Count(&n).Error
	return n > 0, err
}

// StartSignInChallenge records a correct password awaiting its second
// factor and returns the token for the browser.
func (s *Store) StartSignInChallenge(ctx context.Context, userID int64, next string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	tok := hex.EncodeToString(b)
	now := s.now()
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("expires_at < ?", now).Delete(&SignInChallenge{}).Error; err != nil {
			return err
		}
		return tx.Create(&SignInChallenge{TokenHash: hashToken(tok), UserID: userID, Next: next, ExpiresAt: now.Add(ChallengeValidity)}).Error
	})
	if err != nil {
		return "", fmt.Errorf("sign-in challenge: %w", err)
	}
	return tok, nil
}

// ChallengeUser is the official a live challenge is for (ErrNotFound when
// it is unknown, used up or expired).
func (s *Store) ChallengeUser(ctx context.Context, tok string) (*User, error) {
	var ch SignInChallenge
	db := s.DB.WithContext(ctx)
	if err := db.Where("token_hash = ? AND expires_at > ?", hashToken(tok), s.now()).First(&ch).Error; err != nil {
		return nil, notFound(err)
	}
	var u User
	if err := db.Where("id = ? AND active = ?", ch.UserID, true).First(&u).Error; err != nil {
		return nil, notFound(err)
	}
	return &u, nil
}

// CompleteSignInChallenge checks the second factor of a pending sign-in.
// On success the challenge is used up and the official and the page to
// go to are returned; a wrong code counts an attempt (ErrBadCode), and the
// fifth ends the challenge (ErrNotFound from then on).
func (s *Store) CompleteSignInChallenge(ctx context.Context, tok, code string, box *SecretBox) (*User, string, error) {
	var u User
	var next string
	bad := false
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		var ch SignInChallenge
		now := s.now()
		if err := tx.Where("token_hash = ? AND expires_at > ?", hashToken(tok), now).First(&ch).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Where("id = ? AND active = ?", ch.UserID, true).First(&u).Error; err != nil {
			return notFound(err)
		}
		next = ch.Next
		err := s.verifySecondFactor(tx, u.ID, code, box, now)
		if errors.Is(err, ErrBadCode) {
			bad = true
			if ch.Attempts+1 >= ChallengeMaxAttempts {
				return tx.Where("token_hash = ?", ch.TokenHash).Delete(&SignInChallenge{}).Error
			}
			return tx.Model(&SignInChallenge{}).Where("token_hash = ?", ch.TokenHash).Update("attempts", gorm.Expr("attempts + 1")).Error
		}
		if err != nil {
			return err
		}
		return tx.Where("token_hash = ?", ch.TokenHash).Delete(&SignInChallenge{}).Error
	})
	if err != nil {
		return nil, "", err
	}
	if bad {
		return &u, "", ErrBadCode
	}
	return &u, next, nil
}

// TwoFactorUsers lists the officials with two factors on (for the
// administrator's list of users).
func (s *Store) TwoFactorUsers(ctx context.Context) (map[int64]bool, error) {
	var ids []int64
	if err := s.DB.WithContext(ctx).Model(&UserTOTP{}).Where("confirmed_at IS NOT NULL").Pluck("user_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("two-factor users: %w", err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}
