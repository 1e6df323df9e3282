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
	// Joined is set for a duplicate without an answer of its own.
	Joined *JoinedAnswer
}

// JoinedAnswer is what a co-petitioner may see of the original: its code
// and, once published, its reviewed public answer. Never its private
// answer, never its petitioner.
type JoinedAnswer struct {
	OriginalCode string
	Public       *PublishedItem // nil until published
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
	ok, pending := s.secretMatch(&p, secret)
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
	if p.DuplicateOf != nil && !p.AnswerVisible() {
		var orig Petition
		if err := db.Select("id", "code").First(&orig, *p.DuplicateOf).Error; err != nil {
			return nil, fmt.Errorf("track %s: original: %w", code, err)
		}
		pub, err := publicAnswerTx(db, orig.ID)
		if err != nil {
			return nil, fmt.Errorf("track %s: %w", code, err)
		}
		t.Joined = &JoinedAnswer{OriginalCode: orig.Code, Public: pub}
	}
	return t, nil
}

// AnswerVisible tells whether the citizen may read the petition's own
// answer yet (a duplicate has none unless its unit answered it itself).
func (p *Petition) AnswerVisible() bool {
	return (p.Status == StatusAnswered || p.Status == StatusPublished) && p.Answer != ""
}
