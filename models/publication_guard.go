package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"pakn/models/personaldata"
)

// The publication guard: nothing reaches the public while the personal-data
// detector finds something in one of its public fields, unless a leader
// released that exact finding as not personal (a hotline, a public office's
// address), with a reason kept in the audit trail. PublishItemTx runs it,
// so every path that publishes (the petition's publish action, FAQ
// publication, FAQ import, seeding) goes through it.

// PublicField is one text of a published item that the public reads.
type PublicField struct {
	Name string // "title", "question", "answer": the key of its label
	Text string
}

// PublicFields are the texts of an item the guard checks; a new public
// field of published items is one more line here.
func (it PublishedItem) PublicFields() []PublicField {
	return []PublicField{
		{"question", it.Question},
		{"answer", it.Answer},
		{"title", it.Title},
	}
}

// PersonalDataFinding is one detector finding in one public field.
type PersonalDataFinding struct {
	Field string
	personaldata.Finding
}

// PersonalDataRelease is a leader's decision that one exact finding of an
// item is not personal data.
type PersonalDataRelease struct {
	ID        int64  `gorm:"primaryKey"`
	ItemID    string `gorm:"size:64;not null"`
	Kind      string `gorm:"size:16;not null"`
	Text      string `gorm:"size:512;not null"`
	Reason    string `gorm:"not null"`
	ActorID   *int64
	ActorName string
	CreatedAt time.Time `gorm:"not null"`
}

// TableName is migration 0070's table.
func (PersonalDataRelease) TableName() string { return "personal_data_releases" }

// PersonalDataError refuses a publication and says what was found where.
// It is a conflict (409): the item's state does not allow publishing yet.
type PersonalDataError struct {
	ItemID   string
	Findings []PersonalDataFinding
}

func (e *PersonalDataError) Error() string {
	kinds := make([]string, len(e.Findings))
	for i, f := range e.Findings {
		kinds[i] = f.Field + ":" + string(f.Kind)
	}
	return fmt.Sprintf("publish %s: personal data in public fields (%s)", e.ItemID, strings.Join(kinds, ", "))
}

// Is makes errors.Is(err, ErrConflict) hold.
func (e *PersonalDataError) Is(target error) bool { return target == ErrConflict }

// AsPersonalData unwraps a guard refusal.
func AsPersonalData(err error) (*PersonalDataError, bool) {
	var e *PersonalDataError
	ok := errors.As(err, &e)
	return e, ok
}

// FindPersonalData runs the detector over fields and leaves out the
// released findings. A finding repeated in a later field (the title cut
// from the question) is reported once.
func FindPersonalData(fields []PublicField, released []PersonalDataRelease) []PersonalDataFinding {
	var out []PersonalDataFinding
	seen := map[personaldata.Kind]map[string]bool{}
	for _, f := range fields {
		for _, x := range personaldata.Find(personaldata.Normalise(f.Text)) {
			if isReleased(released, x) || seen[x.Kind][x.Text] {
				continue
			}
			if seen[x.Kind] == nil {
				seen[x.Kind] = map[string]bool{}
			}
			seen[x.Kind][x.Text] = true
			out = append(out, PersonalDataFinding{Field: f.Name, Finding: x})
		}
	}
	return out
}

func isReleased(released []PersonalDataRelease, f personaldata.Finding) bool {
	for _, r := range released {
		if r.Kind == string(f.Kind) && r.Text == f.Text {
			return true
		}
	}
	return false
}

func releasesTx(tx *gorm.DB, itemID string) ([]PersonalDataRelease, error) {
	var rs []PersonalDataRelease
	if err := tx.Where("item_id = ?", itemID).Order("id").Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("releases of %s: %w", itemID, err)
	}
	return rs, nil
}

// guardPublicationTx refuses (PersonalDataError) an item with findings
// that are not released.
func guardPublicationTx(tx *gorm.DB, itemID string, fields []PublicField) error {
	rs, err := releasesTx(tx, itemID)
	if err != nil {
		return err
	}
	if fs := FindPersonalData(fields, rs); len(fs) > 0 {
		return &PersonalDataError{ItemID: itemID, Findings: fs}
	}
	return nil
}

// PersonalDataOf is what the guard would refuse in an item's fields now:
// the warning on drafts, the list on a refused publication.
func (s *Store) PersonalDataOf(ctx context.Context, itemID string, fields []PublicField) ([]PersonalDataFinding, error) {
	rs, err := releasesTx(s.DB.WithContext(ctx), itemID)
	if err != nil {
		return nil, err
	}
	return FindPersonalData(fields, rs), nil
}

// ReleaseInput names one exact finding and why it is not personal data.
type ReleaseInput struct {
	Kind, Text, Reason string
}

// releaseTx records a release after checking that it names a finding the
// guard makes now in fields: nothing else can be released.
func releaseTx(tx *gorm.DB, v Viewer, itemID string, fields []PublicField, in ReleaseInput, now time.Time) error {
	rs, err := releasesTx(tx, itemID)
	if err != nil {
		return err
	}
	found := false
	for _, f := range FindPersonalData(fields, rs) {
		found = found || (string(f.Kind) == in.Kind && f.Text == in.Text)
	}
	if !found {
		bad := &ValidationError{}
		bad.Add("finding", "err.unknown_code", nil)
		return bad
	}
	r := PersonalDataRelease{ItemID: itemID, Kind: in.Kind, Text: in.Text, Reason: in.Reason,
		ActorID: actorID(v), ActorName: v.Name, CreatedAt: now}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&r).Error; err != nil {
		return fmt.Errorf("release %s: %w", itemID, err)
	}
	return nil
}

func (in *ReleaseInput) validate() error {
	in.Reason = CleanText(in.Reason)
	in.Text = personaldata.Normalise(in.Text)
	bad := required("reason", in.Reason, 2000)
	if in.Text == "" || len(in.Text) > 512 {
		bad.Add("finding", "err.required", nil)
	}
	return bad.Err()
}

// ReleaseAnswerFinding lets a leader release one exact finding in a
// petition's public question or answer, with a reason; the audit trail
// keeps who, what and why.
func (s *Store) ReleaseAnswerFinding(ctx context.Context, v Viewer, code string, in ReleaseInput) (*Petition, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	return s.act(ctx, v, code, ActRelease, func(a *actionCtx) error {
		item := answerItemOf(a.p)
		if err := releaseTx(a.tx, v, item.ID, item.PublicFields(), in, a.now); err != nil {
			return err
		}
		a.event("personal_data_released", in.Kind, in.Text, in.Reason, false)
		return nil
	})
}

// ReleaseFAQFinding is ReleaseAnswerFinding for an FAQ entry, by whoever
// may publish it.
func (s *Store) ReleaseFAQFinding(ctx context.Context, v Viewer, id int64, in ReleaseInput) error {
	if err := in.validate(); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *gorm.DB) error {
		e, err := loadFAQTx(tx, v, id)
		if err != nil {
			return err
		}
		if !faqMayPublish(v, e.UnitID) {
			return ErrForbidden
		}
		now := s.now()
		item := faqItemOf(e, now)
		if err := releaseTx(tx, v, item.ID, item.PublicFields(), in, now); err != nil {
			return err
		}
		ev := Event{Subject: fmt.Sprintf("faq:%d", e.ID), At: now, ActorID: actorID(v), ActorName: v.Name,
			Type: "personal_data_released", FromValue: in.Kind, ToValue: in.Text, Note: in.Reason}
		if err := tx.Create(&ev).Error; err != nil {
			return fmt.Errorf("faq %d: audit release: %w", e.ID, err)
		}
		return nil
	})
}

// FAQPublicFields are the texts an FAQ entry's publication makes public.
func FAQPublicFields(question, answer string) []PublicField {
	return PublishedItem{Title: FirstWords(question, faqTitleWords), Question: question, Answer: answer}.PublicFields()
}

// faqRowPersonalData is what the guard would refuse in an imported row
// that is to be published: nothing for an existing entry an OnlyNew import
// leaves alone, and less what was released for an existing entry.
func (s *Store) faqRowPersonalData(ctx context.Context, in FAQInput, onlyNew bool) ([]PersonalDataFinding, error) {
	fields := FAQPublicFields(in.Question, in.Answer)
	fs := FindPersonalData(fields, nil)
	if len(fs) == 0 {
		return nil, nil
	}
	var e FAQEntry
	if err := s.DB.WithContext(ctx).Select("id").Where("ref = ?", in.Ref).Limit(1).Find(&e).Error; err != nil {
		return nil, fmt.Errorf("faq import %s: %w", in.Ref, err)
	}
	switch {
	case e.ID == 0:
		return fs, nil
	case onlyNew:
		return nil, nil
	}
	return s.PersonalDataOf(ctx, FAQItemID(e.ID), fields)
}
