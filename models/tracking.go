package models

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// TrackedPetition is what a citizen may see of their petition.
type TrackedPetition struct {
	Petition Petition
	Unit     Unit
	Category Category
	Timeline []Event
}

// NormalizeCode accepts a code typed in lower case or with spaces.
func NormalizeCode(code string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), " ", ""))
}

// PetitionForCitizen returns a petition by its code and secret. A wrong code
// and a wrong secret give the same ErrNotFound, so neither can be probed.
func (s *Store) PetitionForCitizen(ctx context.Context, code, secret string) (*TrackedPetition, error) {
	code = NormalizeCode(code)
	db := s.DB.WithContext(ctx)
	var p Petition
	err := db.Where("code = ?", code).First(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		// Hash anyway so that timing does not tell which half was wrong.
		checkSecret(code, secret, "")
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("track %s: %w", code, err)
	}
	ok, pending := secretMatch(&p, secret)
	if !ok {
		return nil, ErrNotFound
	}
	if pending {
		if err := s.Tx(ctx, func(tx *gorm.DB) error { return usePendingSecret(tx, &p, s.now()) }); err != nil {
			return nil, fmt.Errorf("track %s: %w", code, err)
		}
	}
	t := &TrackedPetition{Petition: p}
	if err := db.First(&t.Unit, p.UnitID).Error; err != nil {
		return nil, fmt.Errorf("track %s: unit: %w", code, err)
	}
	if err := db.First(&t.Category, p.CategoryID).Error; err != nil {
		return nil, fmt.Errorf("track %s: category: %w", code, err)
	}
	if err := db.Where("petition_id = ? AND public = ?", p.ID, true).Order("at, id").Find(&t.Timeline).Error; err != nil {
		return nil, fmt.Errorf("track %s: timeline: %w", code, err)
	}
	return t, nil
}

// AnswerVisible tells whether the citizen may read the answer yet.
func (p *Petition) AnswerVisible() bool {
	// A duplicate's petitioner receives the original's answer.
	return (p.Status == StatusAnswered || p.Status == StatusPublished || p.Status == StatusDuplicate && p.AnsweredAt != nil) && p.Answer != ""
}
