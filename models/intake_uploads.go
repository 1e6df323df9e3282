package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// HeldUploadTTL is how long the files of a form that came back with errors
// are kept for the next post.
const HeldUploadTTL = time.Hour

// HeldUpload is one such file (migration 0150).
type HeldUpload struct {
	ID          int64  `gorm:"primaryKey"`
	TokenHash   string `gorm:"size:64;not null"`
	Position    int    `gorm:"not null"`
	Name        string `gorm:"not null"`
	ContentType string `gorm:"size:128;not null"`
	Data        []byte `gorm:"not null"`
	ExpiresAt   time.Time
}

// HeldFile is what the form lists of a held file.
type HeldFile struct {
	Position int
	Name     string
	Size     int
}

func heldTokenHash(token string) string {
	sum := sha256.Sum256([]byte("held-upload\x00" + token))
	return hex.EncodeToString(sum[:])
}

// HoldUploads keeps the acceptable files among files (validation reported
// the others) under a new random token, and returns the token and what it
// holds. Expired files of anyone are removed on the way.
func (s *Store) HoldUploads(ctx context.Context, files []AttachmentInput) (string, []HeldFile, error) {
	now := s.now()
	var keep []AttachmentInput
	for _, f := range files {
		if len(f.Data) > 0 && len(f.Data) <= MaxAttachmentSize && DetectAttachmentType(f.Data) != "" {
			keep = append(keep, f)
		}
	}
	if len(keep) > MaxAttachments {
		keep = keep[:MaxAttachments]
	}
	if len(keep) == 0 {
		return "", nil, nil
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("hold uploads: %w", err)
	}
	token := hex.EncodeToString(b)
	hash := heldTokenHash(token)
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("expires_at < ?", now).Delete(&HeldUpload{}).Error; err != nil {
			return err
		}
		for i, f := range keep {
			row := HeldUpload{TokenHash: hash, Position: i, Name: cleanFileName(f.Name),
				ContentType: DetectAttachmentType(f.Data), Data: f.Data, ExpiresAt: now.Add(HeldUploadTTL)}
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", nil, fmt.Errorf("hold uploads: %w", err)
	}
	held, err := s.HeldFiles(ctx, token)
	return token, held, err
}

// HeldFiles lists what a token holds (nothing once expired).
func (s *Store) HeldFiles(ctx context.Context, token string) ([]HeldFile, error) {
	if token == "" {
		return nil, nil
	}
	var out []HeldFile
	err := s.DB.WithContext(ctx).Model(&HeldUpload{}).Select("position, name, length(data) AS size").
		Where("token_hash = ? AND expires_at >= ?", heldTokenHash(token), s.now()).Order("position").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("held files: %w", err)
	}
	return out, nil
}

// HeldUploads reads back the files a token holds at the given positions
// (the ones the citizen kept on the form).
func (s *Store) HeldUploads(ctx context.Context, token string, positions []int) ([]AttachmentInput, error) {
	if token == "" || len(positions) == 0 {
		return nil, nil
	}
	var rows []HeldUpload
	err := s.DB.WithContext(ctx).Where("token_hash = ? AND expires_at >= ? AND position IN ?", heldTokenHash(token), s.now(), positions).
		Order("position").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("held uploads: %w", err)
	}
	out := make([]AttachmentInput, len(rows))
	for i, r := range rows {
		out[i] = AttachmentInput{Name: r.Name, Data: r.Data}
	}
	return out, nil
}

// ForgetHeldUploads removes what a token holds (its form was sent).
func (s *Store) ForgetHeldUploads(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	if err := s.DB.WithContext(ctx).Where("token_hash = ?", heldTokenHash(token)).Delete(&HeldUpload{}).Error; err != nil {
		return fmt.Errorf("forget held uploads: %w", err)
	}
	return nil
}
