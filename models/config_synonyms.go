package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// SynonymRule is one entry of the editable search dictionary: a term people
// type and the official wordings it stands for.
type SynonymRule struct {
	ID         int64  `gorm:"primaryKey"`
	Term       string `gorm:"size:200;not null"`
	Expansions string `gorm:"not null"` // "; "-separated
	UpdatedAt  time.Time
}

// TableName keeps the table's name independent of the struct's.
func (SynonymRule) TableName() string { return "synonyms" }

// ExpansionList splits Expansions.
func (r SynonymRule) ExpansionList() []string {
	var out []string
	for _, e := range strings.Split(r.Expansions, ";") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

const (
	settingSynonymsSeeded  = "synonyms_seeded"
	settingSynonymsVersion = "synonyms_version"
)

// Synonyms lists the dictionary in the order it was written.
func (s *Store) Synonyms(ctx context.Context) ([]SynonymRule, error) {
	var out []SynonymRule
	if err := s.DB.WithContext(ctx).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("synonyms: %w", err)
	}
	return out, nil
}

// SynonymsStamp changes whenever the dictionary does (instances poll it).
func (s *Store) SynonymsStamp(ctx context.Context) (string, error) {
	var n int64
	if err := s.DB.WithContext(ctx).Model(&SynonymRule{}).Count(&n).Error; err != nil {
		return "", fmt.Errorf("synonyms stamp: %w", err)
	}
	var st Setting
	err := s.DB.WithContext(ctx).Where("key = ?", settingSynonymsVersion).First(&st).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return "", fmt.Errorf("synonyms stamp: %w", err)
	}
	return fmt.Sprintf("%d/%s", n, st.Value), nil
}

// SeedSynonyms fills the dictionary with defaults once; an administrator
// who later empties it keeps it empty.
func (s *Store) SeedSynonyms(ctx context.Context, rules []SynonymRule) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		var st Setting
		err := tx.Where("key = ?", settingSynonymsSeeded).First(&st).Error
		if err == nil {
			return nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("synonyms seeded: %w", err)
		}
		var n int64
		if err := tx.Model(&SynonymRule{}).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 && len(rules) > 0 {
			now := s.now()
			for i := range rules {
				rules[i].ID, rules[i].UpdatedAt = 0, now
			}
			if err := tx.CreateInBatches(&rules, 200).Error; err != nil {
				return fmt.Errorf("seed synonyms: %w", err)
			}
		}
		if err := tx.Create(&Setting{Key: settingSynonymsSeeded, Value: "1"}).Error; err != nil && !errors.Is(err, gorm.ErrDuplicatedKey) {
			return fmt.Errorf("synonyms seeded: %w", err)
		}
		return nil
	})
}

// ReplaceSynonyms replaces the whole dictionary (coordinator or
// administrator), with an audit event.
func (s *Store) ReplaceSynonyms(ctx context.Context, v Viewer, rules []SynonymRule) error {
	if !v.SeesAllUnits() {
		return ErrForbidden
	}
	return s.Tx(ctx, func(tx *gorm.DB) error {
		var before int64
		if err := tx.Model(&SynonymRule{}).Count(&before).Error; err != nil {
			return err
		}
		if err := tx.Where("1 = 1").Delete(&SynonymRule{}).Error; err != nil {
			return fmt.Errorf("replace synonyms: %w", err)
		}
		now := s.now()
		for i := range rules {
			rules[i].ID, rules[i].UpdatedAt = 0, now
		}
		if len(rules) > 0 {
			if err := tx.CreateInBatches(&rules, 200).Error; err != nil {
				return fmt.Errorf("replace synonyms: %w", err)
			}
		}
		for k, val := range map[string]string{settingSynonymsSeeded: "1", settingSynonymsVersion: fmt.Sprint(now.UnixNano())} {
			if err := tx.Save(&Setting{Key: k, Value: val}).Error; err != nil {
				return fmt.Errorf("replace synonyms: %w", err)
			}
		}
		return tx.Create(&Event{Subject: "synonyms", At: now, ActorID: actorID(v), ActorName: v.Name,
			Type: "synonyms_updated", FromValue: fmt.Sprint(before), ToValue: fmt.Sprint(len(rules))}).Error
	})
}
