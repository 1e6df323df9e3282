package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"pakn/models/workdays"
)

// Rating is a citizen's satisfaction with the answer, once per petition.
type Rating struct {
	PetitionID int64 `gorm:"primaryKey;autoIncrement:false"`
	Score      int   `gorm:"not null"`
	Comment    string
	CreatedAt  time.Time
}

// TableName names the ratings table.
func (Rating) TableName() string { return "petition_ratings" }

// petitionByCodeSecret finds a petition by tracking code and secret; a
// wrong code and a wrong secret are the same ErrNotFound, in about the
// same time.
func (s *Store) petitionByCodeSecret(q *gorm.DB, code, secret string) (*Petition, error) {
	var p Petition
	err := q.Where("code = ?", code).First(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		checkSecret(code, secret, "")
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	ok, pending := s.secretMatch(&p, secret)
	if !ok {
		return nil, ErrNotFound
	}
	if pending {
		// q may carry a locking clause; the write needs a clean statement
		// on the same transaction.
		if err := usePendingSecret(q.Session(&gorm.Session{NewDB: true}), &p, time.Now().UTC()); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

// citizenAct runs one step of the citizen (code and secret) in one
// transaction, with the same 404 for a wrong code or secret.
func (s *Store) citizenAct(ctx context.Context, code, secret, action string, fn func(tx *gorm.DB, p *Petition, cal *workdays.Calendar, now time.Time) ([]Event, error)) (*Petition, error) {
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	code = NormalizeCode(code)
	var out Petition
	err = s.Tx(ctx, func(tx *gorm.DB) error {
		q := tx
		if s.Dialect == Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		pp, err := s.petitionByCodeSecret(q, code, secret)
		if err != nil {
			return err
		}
		p := *pp
		now := s.now()
		to, err := NextState(action, p.Status)
		if err != nil {
			return err
		}
		from := p.Status
		events, err := fn(tx, &p, cal, now)
		if err != nil {
			return err
		}
		p.Status = to
		if err := tx.Omit(clause.Associations).Save(&p).Error; err != nil {
			return err
		}
		if from != to {
			events = append(events, Event{PetitionID: &p.ID, At: now, ActorName: p.PetitionerName, Type: "status_changed", FromValue: from, ToValue: to})
		}
		if len(events) > 0 {
			if err := tx.Create(&events).Error; err != nil {
				return err
			}
		}
		out = p
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", action, code, err)
	}
	return &out, nil
}

// SupplyInfo records the information the unit asked for and restarts the
// paused answer clock, moved by the working days the pause lasted.
func (s *Store) SupplyInfo(ctx context.Context, code, secret, message string, files []AttachmentInput) (*Petition, error) {
	message = CleanText(message)
	bad := &ValidationError{}
	if message == "" && len(files) == 0 {
		bad.Add("message", "err.required", nil)
	}
	if utf8.RuneCountInString(message) > MaxContent {
		bad.Add("message", "err.too_long", map[string]any{"max": MaxContent})
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	return s.citizenAct(ctx, code, secret, ActSupplyInfo, func(tx *gorm.DB, p *Petition, cal *workdays.Calendar, now time.Time) ([]Event, error) {
		var n int64
		if err := tx.Model(&Attachment{}).Where("petition_id = ? AND side = ?", p.ID, SideCitizen).Count(&n).Error; err != nil {
			return nil, err
		}
		if err := ValidateAttachments(files, "files", int(n)).Err(); err != nil {
			return nil, err
		}
		if _, err := attachTx(tx, p.ID, SideCitizen, nil, files, now); err != nil {
			return nil, err
		}
		old := formatDue(p.DueAt)
		if p.AnswerDueAt != nil && p.PausedAt != nil {
			due := cal.ResumeAfterPause(*p.AnswerDueAt, *p.PausedAt, now)
			p.AnswerDueAt = &due
		}
		p.DueAt, p.DueStage, p.PausedAt, p.InfoRequest = p.AnswerDueAt, StageAnswer, nil, ""
		return []Event{
			{PetitionID: &p.ID, At: now, ActorName: p.PetitionerName, Type: "info_supplied", Note: message, Public: true},
			{PetitionID: &p.ID, At: now, ActorName: "PAKN", Type: "due_changed", FromValue: old, ToValue: formatDue(p.DueAt), Note: StageAnswer},
		}, nil
	})
}

// WithdrawPetition lets the citizen withdraw before an answer.
func (s *Store) WithdrawPetition(ctx context.Context, code, secret string) (*Petition, error) {
	return s.citizenAct(ctx, code, secret, ActWithdraw, func(tx *gorm.DB, p *Petition, cal *workdays.Calendar, now time.Time) ([]Event, error) {
		old := formatDue(p.DueAt)
		p.DueAt, p.DueStage, p.ClosedAt = nil, StageNone, &now
		return []Event{
			{PetitionID: &p.ID, At: now, ActorName: p.PetitionerName, Type: "withdrawn", Public: true},
			{PetitionID: &p.ID, At: now, ActorName: "PAKN", Type: "due_changed", FromValue: old},
		}, nil
	})
}

// RatePetition records the citizen's satisfaction (1–5), once.
func (s *Store) RatePetition(ctx context.Context, code, secret string, score int, comment string) (*Petition, error) {
	comment = CleanText(comment)
	bad := &ValidationError{}
	if score < 1 || score > 5 {
		bad.Add("score", "err.range", map[string]any{"min": 1, "max": 5})
	}
	if utf8.RuneCountInString(comment) > 2000 {
		bad.Add("comment", "err.too_long", map[string]any{"max": 2000})
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	return s.citizenAct(ctx, code, secret, ActRate, func(tx *gorm.DB, p *Petition, cal *workdays.Calendar, now time.Time) ([]Event, error) {
		if !p.AnswerVisible() {
			return nil, ErrConflict
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&Rating{PetitionID: p.ID, Score: score, Comment: comment, CreatedAt: now})
		if res.Error != nil {
			return nil, res.Error
		}
		if res.RowsAffected == 0 {
			return nil, ErrConflict // rated already
		}
		return []Event{{PetitionID: &p.ID, At: now, ActorName: p.PetitionerName, Type: "rated", ToValue: fmt.Sprint(score), Public: true}}, nil
	})
}

// RatingOf returns a petition's rating, or nil.
func (s *Store) RatingOf(ctx context.Context, petitionID int64) (*Rating, error) {
	var r Rating
	if err := s.DB.WithContext(ctx).Where("petition_id = ?", petitionID).Limit(1).Find(&r).Error; err != nil {
		return nil, err
	}
	if r.PetitionID == 0 {
		return nil, nil
	}
	return &r, nil
}

func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
