package models

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/cipher"
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
)

// Officials' own sign-in: the password rules, changing one's password, and
// the sealing of secrets kept for two-factor sign-in and reset mail.

// MinOwnPasswordLen is the shortest password an official may choose.
const MinOwnPasswordLen = 12

//go:embed passwords/common.txt.gz
var commonPasswordsGz []byte

// commonPasswords is the shipped list, read once on first use. It is a
// read-only lookup table, not state.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswordsGz))
	if err != nil {
		panic("common passwords: " + err.Error())
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		panic("common passwords: " + err.Error())
	}
	out := make(map[string]struct{}, 10_000)
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			out[strings.ToLower(line)] = struct{}{}
		}
	}
	return out
})

// IsCommonPassword tells whether a password is among the 10,000 most
// common ones (case does not matter).
func IsCommonPassword(p string) bool {
	_, ok := commonPasswords()[strings.ToLower(p)]
	return ok
}

// commonWithSuffix tells whether a password is a common one, or a common
// one (of four characters or more) with digits and punctuation added at
// the end ("iloveyou2026!", "123456789012").
func commonWithSuffix(p string) bool {
	if IsCommonPassword(p) {
		return true
	}
	for i := len(p) - 1; i >= 4; i-- {
		if !strings.ContainsRune("0123456789!.?@#$%&*-_ ", rune(p[i])) {
			return false
		}
		if IsCommonPassword(p[:i]) {
			return true
		}
	}
	return false
}

// foldCompact keeps only letters and digits, lower case, without
// diacritics (đ → d): "Trần Thư-Ký" → "tranthuky".
func foldCompact(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case r == 'đ' || r == 'Đ':
			b.WriteRune('d')
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// CheckNewPassword applies the password rules to what an official chooses:
// at least 12 characters, not among the most common passwords, and not
// containing their e-mail address (or its name part), their full name or
// their given name. Field errors go to field.
func CheckNewPassword(v *ValidationError, field, password, email, name string) {
	if utf8.RuneCountInString(password) < MinOwnPasswordLen {
		v.Add(field, "err.too_short", map[string]any{"min": MinOwnPasswordLen})
		return
	}
	if commonWithSuffix(password) {
		v.Add(field, "err.password_common", nil)
		return
	}
	p := foldCompact(password)
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	parts := []string{foldCompact(email), foldCompact(local), foldCompact(name)}
	if words := strings.Fields(name); len(words) > 0 {
		parts = append(parts, foldCompact(words[len(words)-1]))
	}
	for _, part := range parts {
		if utf8.RuneCountInString(part) >= 3 && strings.Contains(p, part) {
			v.Add(field, "err.password_personal", nil)
			return
		}
	}
}

// EndSessions signs an official out everywhere, inside a business
// operation's transaction.
func endSessions(tx *gorm.DB, userID int64) error {
	if err := tx.Where("user_id = ?", userID).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("end sessions of user %d: %w", userID, err)
	}
	return tx.Where("user_id = ?", userID).Delete(&SignInChallenge{}).Error
}

// userEvent writes an audit event about an official.
func userEvent(tx *gorm.DB, u *User, actorID int64, actorName, typ, note string, now time.Time) error {
	return tx.Create(&Event{Subject: "user:" + u.Email, At: now, ActorID: &actorID, ActorName: actorName, Type: typ, Note: note}).Error
}

// ChangeOwnPasswordInput is the form of /admin/account/password.
type ChangeOwnPasswordInput struct {
	Current, New, Confirm string
}

// ChangeOwnPassword sets an official's new password after checking the
// current one and the rules, and ends all their sessions (every device
// signs in again with the new password).
func (s *Store) ChangeOwnPassword(ctx context.Context, userID int64, in ChangeOwnPasswordInput) error {
	var u User
	if err := s.DB.WithContext(ctx).Where("id = ? AND active = ?", userID, true).First(&u).Error; err != nil {
		return fmt.Errorf("change password: %w", notFound(err))
	}
	v := &ValidationError{}
	if !CheckPassword(u.PasswordHash, in.Current) {
		v.Add("current", "err.password_wrong", nil)
	}
	CheckNewPassword(v, "new", in.New, u.Email, u.Name)
	if !v.Has("new") && in.New == in.Current {
		v.Add("new", "err.password_same", nil)
	}
	if in.Confirm != in.New {
		v.Add("confirm", "err.password_confirm", nil)
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.setPassword(ctx, &u, in.New, u.ID, u.Name, "password_changed")
}

// setPassword stores a new hash, clears the obligation to change it, ends
// every session and writes the audit event, in one transaction; extra runs
// inside it (a reset link used up).
func (s *Store) setPassword(ctx context.Context, u *User, password string, actorID int64, actorName, event string, extra ...func(tx *gorm.DB) error) error {
	hash, err := s.hashPassword(password)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *gorm.DB) error {
		for _, fn := range extra {
			if err := fn(tx); err != nil {
				return err
			}
		}
		if err := tx.Model(&User{}).Where("id = ?", u.ID).Updates(map[string]any{"password_hash": hash, "must_change_password": false}).Error; err != nil {
			return fmt.Errorf("set password of %s: %w", u.Email, err)
		}
		if err := endSessions(tx, u.ID); err != nil {
			return err
		}
		return userEvent(tx, u, actorID, actorName, event, "", s.now())
	})
}

// NoteSignInPassword obliges an official whose password no longer meets
// the rules (chosen before them) to change it; it runs after a correct
// password, the only moment the password is known. Demo officials are
// never obliged.
func (s *Store) NoteSignInPassword(ctx context.Context, u *User, password string) error {
	if u.Demo || u.MustChangePassword {
		return nil
	}
	v := &ValidationError{}
	CheckNewPassword(v, "password", password, u.Email, u.Name)
	if v.Err() == nil {
		return nil
	}
	u.MustChangePassword = true
	return s.DB.WithContext(ctx).Model(&User{}).Where("id = ?", u.ID).Update("must_change_password", true).Error
}

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

// SecretBox seals secrets kept in the database (TOTP keys, reset links
// waiting in the outbox) with AES-256-GCM under a key derived from
// PAKN_SECRET, so a copy of the database alone does not reveal them.
type SecretBox struct{ aead cipher.AEAD }

// Purposes of secret boxes: each has its own key.
const (
	BoxTOTP      = "totp"
	BoxResetLink = "reset-link"
)

// NewSecretBox derives the key for one purpose from the server secret.
func NewSecretBox(secret []byte, purpose string) (*SecretBox, error) {
	aead, err := DeriveAEAD(secret, nil, "pakn/"+purpose)
	if err != nil {
		return nil, fmt.Errorf("secret box: %w", err)
	}
	return &SecretBox{aead: aead}, nil
}

// Seal encrypts text; the result is base64.
func (b *SecretBox) Seal(plain string) string {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return base64.RawStdEncoding.EncodeToString(b.aead.Seal(nonce, nonce, []byte(plain), nil))
}

// Open decrypts what Seal made.
func (b *SecretBox) Open(sealed string) (string, error) {
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", errors.New("secret box: malformed")
	}
	plain, err := b.aead.Open(nil, raw[:b.aead.NonceSize()], raw[b.aead.NonceSize():], nil)
	if err != nil {
		return "", errors.New("secret box: cannot open (another PAKN_SECRET?)")
	}
	return string(plain), nil
}

// SetUserRole changes an official's role (and unit) and ends their
// sessions at once: what they may see changes with it. Audited.
func (s *Store) SetUserRole(ctx context.Context, v Viewer, userID int64, role, unitCode string) error {
	role = strings.ToLower(CleanLine(role))
	unitCode = strings.ToUpper(CleanLine(unitCode))
	return s.adminTx(ctx, v, func(tx *gorm.DB, now time.Time) error {
		var u User
		if err := tx.Preload("Unit").First(&u, userID).Error; err != nil {
			return notFound(err)
		}
		if u.ID == v.ID {
			return ErrConflict // an administrator cannot demote themselves by mistake
		}
		bad := &ValidationError{}
		if !slices.Contains(Roles, role) {
			bad.Add("role", "err.role", nil)
		}
		if (role == RoleLeader || role == RoleOfficer) && unitCode == "" {
			bad.Add("unit", "err.required", nil)
		}
		unitID := idByCode(tx, &Unit{}, unitCode, "unit", bad)
		if err := bad.Err(); err != nil {
			return err
		}
		oldUnit := ""
		if u.Unit != nil {
			oldUnit = u.Unit.Code
		}
		if u.Role == role && oldUnit == unitCode {
			return nil
		}
		if err := tx.Model(&User{}).Where("id = ?", u.ID).Updates(map[string]any{"role": role, "unit_id": unitID}).Error; err != nil {
			return fmt.Errorf("set role of %s: %w", u.Email, err)
		}
		if err := endSessions(tx, u.ID); err != nil {
			return err
		}
		return configEvent(tx, v, "user:"+u.Email, "user_role", map[string]string{"role": u.Role, "unit": oldUnit}, map[string]string{"role": role, "unit": unitCode}, now)
	})
}
