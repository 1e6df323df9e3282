package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// APIKey lets an outside system (a commune's app, a hotline) submit through
// Open311. Only a hash of the key is stored; the key is shown once.
type APIKey struct {
	ID     int64  `gorm:"primaryKey"`
	Name   string `gorm:"not null"`
	Holder string `gorm:"not null"` // the organisation that vouches for the channel
	// Prefix is the key's first characters, to recognise it in lists.
	Prefix  string `gorm:"size:16;not null"`
	KeyHash string `gorm:"uniqueIndex;size:64;not null"`
	// RateLimit is requests per minute for this key.
	RateLimit  int  `gorm:"not null;default:60"`
	Active     bool `gorm:"not null;default:true"`
	CreatedBy  string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// DemoOpen311Key is the key the demo data issues (DESIGN.md). Demo only.
const DemoOpen311Key = "demo-open311-key"

// DefaultAPIKeyRate is a key's limit when the administrator sets none.
const DefaultAPIKeyRate = 60

// hashAPIKey is SHA-256: keys are long random strings, so a slow hash adds
// nothing, and a fast one keeps every Open311 request cheap.
func hashAPIKey(key string) string {
	sum := sha256.Sum256([]byte("pakn-api-key\x00" + key))
	return hex.EncodeToString(sum[:])
}

// NewAPIKeyInput is what an administrator fills in.
type NewAPIKeyInput struct {
	Name      string
	Holder    string
	RateLimit int
	// Key is set only by the demo seeding; otherwise one is generated.
	Key string
}

// CreateAPIKey issues a key and returns it in plain text, the only time it
// exists outside the caller.
func (s *Store) CreateAPIKey(ctx context.Context, in NewAPIKeyInput, actor Viewer) (*APIKey, string, error) {
	in.Name = CleanLine(in.Name)
	in.Holder = CleanLine(in.Holder)
	v := &ValidationError{}
	if in.Name == "" {
		v.Add("name", "err.required", nil)
	}
	if in.Holder == "" {
		v.Add("holder", "err.required", nil)
	}
	if utf8.RuneCountInString(in.Name) > MaxLine {
		v.Add("name", "err.too_long", map[string]any{"max": MaxLine})
	}
	if utf8.RuneCountInString(in.Holder) > MaxLine {
		v.Add("holder", "err.too_long", map[string]any{"max": MaxLine})
	}
	if in.RateLimit == 0 {
		in.RateLimit = DefaultAPIKeyRate
	}
	if in.RateLimit < 1 || in.RateLimit > 100000 {
		v.Add("rate_limit", "err.range", map[string]any{"min": 1, "max": 100000})
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	key := in.Key
	if key == "" {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return nil, "", fmt.Errorf("api key: %w", err)
		}
		key = "pakn_" + base64.RawURLEncoding.EncodeToString(b)
	}
	prefix := key
	if len(prefix) > 9 {
		prefix = prefix[:9]
	}
	now := s.now()
	k := APIKey{Name: in.Name, Holder: in.Holder, Prefix: prefix, KeyHash: hashAPIKey(key),
		RateLimit: in.RateLimit, Active: true, CreatedBy: actor.Name, CreatedAt: now}
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&k).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrConflict
			}
			return fmt.Errorf("insert api key: %w", err)
		}
		return tx.Create(&Event{Subject: "api_key:" + strconv.FormatInt(k.ID, 10), At: now,
			ActorID: viewerID(actor), ActorName: actor.Name, Type: "api_key_created",
			ToValue: k.Prefix, Note: k.Name + " · " + k.Holder}).Error
	})
	if err != nil {
		return nil, "", fmt.Errorf("create api key: %w", err)
	}
	return &k, key, nil
}

func viewerID(v Viewer) *int64 {
	if v.ID == 0 {
		return nil
	}
	id := v.ID
	return &id
}

// RevokeAPIKey stops a key from working; it stays listed for the record.
func (s *Store) RevokeAPIKey(ctx context.Context, id int64, actor Viewer) error {
	now := s.now()
	return s.Tx(ctx, func(tx *gorm.DB) error {
		var k APIKey
		if err := tx.First(&k, id).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("revoke api key %d: %w", id, err)
		}
		if !k.Active {
			return nil
		}
		if err := tx.Model(&k).Updates(map[string]any{"active": false, "revoked_at": now}).Error; err != nil {
			return fmt.Errorf("revoke api key %d: %w", id, err)
		}
		return tx.Create(&Event{Subject: "api_key:" + strconv.FormatInt(id, 10), At: now,
			ActorID: viewerID(actor), ActorName: actor.Name, Type: "api_key_revoked",
			FromValue: k.Prefix, Note: k.Name + " · " + k.Holder}).Error
	})
}

// ListAPIKeys returns every key, newest first.
func (s *Store) ListAPIKeys(ctx context.Context) ([]APIKey, error) {
	var out []APIKey
	if err := s.DB.WithContext(ctx).Order("created_at DESC, id DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return out, nil
}

// AuthenticateAPIKey finds the active key for a plaintext key; a wrong,
// revoked or empty key gives ErrForbidden. last_used_at is written at most
// once a minute per key so that busy clients do not write on every request.
func (s *Store) AuthenticateAPIKey(ctx context.Context, key string) (*APIKey, error) {
	if key == "" || len(key) > 200 {
		return nil, ErrForbidden
	}
	db := s.DB.WithContext(ctx)
	var k APIKey
	err := db.Where("key_hash = ? AND active = ?", hashAPIKey(key), true).First(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrForbidden
	}
	if err != nil {
		return nil, fmt.Errorf("api key: %w", err)
	}
	now := s.now()
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Minute {
		if err := db.Model(&APIKey{}).Where("id = ?", k.ID).Update("last_used_at", now).Error; err != nil {
			s.Log.Warn("api key: record use", "key", k.Prefix, "err", err)
		}
		k.LastUsedAt = &now
	}
	return &k, nil
}

// seedDemoAPIKeys issues the demo Open311 key once.
func (s *Store) seedDemoAPIKeys(ctx context.Context) error {
	var n int64
	if err := s.DB.WithContext(ctx).Model(&APIKey{}).Where("key_hash = ?", hashAPIKey(DemoOpen311Key)).Count(&n).Error; err != nil {
		return fmt.Errorf("seed demo api key: %w", err)
	}
	if n > 0 {
		return nil
	}
	_, _, err := s.CreateAPIKey(ctx, NewAPIKeyInput{Name: "Open311 demo (DEMO ONLY)", Holder: "PAKN demo",
		RateLimit: 600, Key: DemoOpen311Key}, Viewer{Name: "seed-demo"})
	if err != nil && !errors.Is(err, ErrConflict) {
		return fmt.Errorf("seed demo api key: %w", err)
	}
	return nil
}
