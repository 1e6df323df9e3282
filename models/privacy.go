package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// PersonalDataExport is everything PAKN holds about a petitioner through one
// petition, for the data subject's right of access (Decree 13/2023, art. 9).
// Parts marked internal are officials' working papers: the data protection
// officer reviews them before handing the export over. An account's profile
// (citizen accounts) is added here as one more part.
type PersonalDataExport struct {
	ExportedAt  time.Time          `json:"exported_at"`
	Petitioner  ExportedPetitioner `json:"petitioner"`
	Petition    ExportedPetition   `json:"petition"`
	History     []ExportedEvent    `json:"history"`
	Notes       []ExportedNote     `json:"internal_notes"`
	Attachments []ExportedFile     `json:"attachments"`
	Rating      *ExportedRating    `json:"rating,omitempty"`
	Notices     []ExportedNotice   `json:"notices"`
	// Account is the citizen account the petition is linked to, if any.
	Account *CitizenAccountExport `json:"account,omitempty"`
}

// ExportedPetitioner is the petitioner's details on file.
type ExportedPetitioner struct {
	Name                 string     `json:"name"`
	Phone                string     `json:"phone"`
	Email                string     `json:"email"`
	Address              string     `json:"address"`
	Organization         string     `json:"organization"`
	PublishConsent       bool       `json:"publish_consent"`
	ConfidentialIdentity bool       `json:"confidential_identity"`
	AnonymisedAt         *time.Time `json:"anonymised_at,omitempty"`
}

// ExportedPetition is the petition as the unit sees it.
type ExportedPetition struct {
	Code           string     `json:"code"`
	Kind           string     `json:"kind"`
	Status         string     `json:"status"`
	Channel        string     `json:"channel"`
	Language       string     `json:"language"`
	Title          string     `json:"title"`
	Content        string     `json:"content"`
	Category       string     `json:"category"`
	Unit           string     `json:"unit"`
	Address        string     `json:"address"`
	Lat            *float64   `json:"lat,omitempty"`
	Long           *float64   `json:"long,omitempty"`
	ReceivedAt     time.Time  `json:"received_at"`
	DueAt          *time.Time `json:"due_at,omitempty"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
	InfoRequest    string     `json:"info_request,omitempty"`
	Answer         string     `json:"answer,omitempty"`
	AnsweredAt     *time.Time `json:"answered_at,omitempty"`
	PublicTitle    string     `json:"public_title,omitempty"`
	PublicQuestion string     `json:"public_question,omitempty"`
	PublicAnswer   string     `json:"public_answer,omitempty"`
	PublishedAt    *time.Time `json:"published_at,omitempty"`
}

// ExportedEvent is one entry of the audit trail, reads of the details
// (details_viewed) included: who saw the petitioner's data, and when.
type ExportedEvent struct {
	At       time.Time `json:"at"`
	Type     string    `json:"type"`
	Actor    string    `json:"actor,omitempty"`
	From     string    `json:"from,omitempty"`
	To       string    `json:"to,omitempty"`
	Note     string    `json:"note,omitempty"`
	Internal bool      `json:"internal"`
}

// ExportedNote is an official's internal note.
type ExportedNote struct {
	At     time.Time `json:"at"`
	Author string    `json:"author"`
	Body   string    `json:"body"`
}

// ExportedFile describes an attachment (the files themselves are served to
// the citizen on /track).
type ExportedFile struct {
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Side        string    `json:"side"`
	At          time.Time `json:"at"`
}

// ExportedRating is the citizen's rating.
type ExportedRating struct {
	Score   int       `json:"score"`
	Comment string    `json:"comment"`
	At      time.Time `json:"at"`
}

// ExportedNotice is a message sent (or to be sent) to the petitioner. A
// reissued secret is never exported.
type ExportedNotice struct {
	Channel   string     `json:"channel"`
	Recipient string     `json:"recipient"`
	Template  string     `json:"template"`
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

// ExportPersonalData gathers what PAKN holds about the petitioner of code
// and records the export in the audit trail, in one transaction. by names
// who ran it.
func (s *Store) ExportPersonalData(ctx context.Context, code, by string) (*PersonalDataExport, error) {
	code = NormalizeCode(code)
	now := s.now()
	var out *PersonalDataExport
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		p, err := lockForErasure(tx, s.Dialect, "code = ?", code)
		if err != nil {
			return err
		}
		out, err = exportTx(tx, p, now)
		if err != nil {
			return err
		}
		return tx.Create(&Event{PetitionID: &p.ID, At: now, ActorName: by, Type: EventExported}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", code, err)
	}
	return out, nil
}

func exportTx(tx *gorm.DB, p *Petition, now time.Time) (*PersonalDataExport, error) {
	var unit Unit
	var cat Category
	if err := tx.First(&unit, p.UnitID).Error; err != nil {
		return nil, err
	}
	if err := tx.First(&cat, p.CategoryID).Error; err != nil {
		return nil, err
	}
	x := &PersonalDataExport{
		ExportedAt: now,
		Petitioner: ExportedPetitioner{Name: p.PetitionerName, Phone: p.PetitionerPhone, Email: p.PetitionerEmail,
			Address: p.PetitionerAddress, Organization: p.PetitionerOrganization, PublishConsent: p.PublishConsent,
			ConfidentialIdentity: p.ConfidentialIdentity, AnonymisedAt: p.AnonymisedAt},
		Petition: ExportedPetition{Code: p.Code, Kind: p.Kind, Status: p.Status, Channel: p.Channel, Language: p.Language,
			Title: p.Title, Content: p.Content, Category: cat.Name, Unit: unit.Name, Address: p.Address, Lat: p.Lat, Long: p.Long,
			ReceivedAt: p.ReceivedAt, DueAt: p.DueAt, ClosedAt: p.ClosedAt, InfoRequest: p.InfoRequest, Answer: p.Answer,
			AnsweredAt: p.AnsweredAt, PublicTitle: p.PublicTitle, PublicQuestion: p.PublicQuestion, PublicAnswer: p.PublicAnswer, PublishedAt: p.PublishedAt},
		History: []ExportedEvent{}, Notes: []ExportedNote{}, Attachments: []ExportedFile{}, Notices: []ExportedNotice{},
	}
	var evs []Event
	if err := tx.Where("petition_id = ?", p.ID).Order("at, id").Find(&evs).Error; err != nil {
		return nil, err
	}
	for _, e := range evs {
		x.History = append(x.History, ExportedEvent{At: e.At, Type: e.Type, Actor: e.ActorName, From: e.FromValue, To: e.ToValue, Note: e.Note, Internal: !e.Public})
	}
	var notes []Note
	if err := tx.Where("petition_id = ?", p.ID).Order("created_at, id").Find(&notes).Error; err != nil {
		return nil, err
	}
	for _, n := range notes {
		x.Notes = append(x.Notes, ExportedNote{At: n.CreatedAt, Author: n.AuthorName, Body: n.Body})
	}
	var files []Attachment
	if err := tx.Where("petition_id = ?", p.ID).Order("id").Find(&files).Error; err != nil {
		return nil, err
	}
	for _, f := range files {
		x.Attachments = append(x.Attachments, ExportedFile{Name: f.Name, ContentType: f.ContentType, Size: f.Size, SHA256: f.SHA256, Side: f.Side, At: f.CreatedAt})
	}
	var r Rating
	if err := tx.Where("petition_id = ?", p.ID).Limit(1).Find(&r).Error; err != nil {
		return nil, err
	}
	if r.PetitionID != 0 {
		x.Rating = &ExportedRating{Score: r.Score, Comment: r.Comment, At: r.CreatedAt}
	}
	var msgs []OutboxMessage
	if err := tx.Select("channel, recipient, template, status, created_at, sent_at").
		Where("petition_id = ? AND template LIKE ?", p.ID, "citizen_%").Order("id").Find(&msgs).Error; err != nil {
		return nil, err
	}
	for _, m := range msgs {
		x.Notices = append(x.Notices, ExportedNotice{Channel: m.Channel, Recipient: m.Recipient, Template: m.Template, Status: m.Status, CreatedAt: m.CreatedAt, SentAt: m.SentAt})
	}
	return x, nil
}

// ErasePetitioner erases the petitioner's data of code now, as the
// retention job does after its period, on the citizen's request. It
// refuses with ErrPetitionOpen while the unit has not finished (the
// refusal is audited too); a petition erased already is left as it is
// (erased false).
func (s *Store) ErasePetitioner(ctx context.Context, code, by string) (erased bool, err error) {
	code = NormalizeCode(code)
	now := s.now()
	refused := ""
	err = s.Tx(ctx, func(tx *gorm.DB) error {
		p, err := lockForErasure(tx, s.Dialect, "code = ?", code)
		if err != nil {
			return err
		}
		if p.Open() {
			refused = p.Status
			return tx.Create(&Event{PetitionID: &p.ID, At: now, ActorName: by, Type: EventErasureRefused,
				Note: "status " + p.Status + ": " + ErrPetitionOpen.Error()}).Error
		}
		if p.AnonymisedAt != nil {
			return nil
		}
		erased = true
		return erasePetitionTx(tx, p, now, EventErasedOnRequest, by, "on the petitioner's request")
	})
	if err != nil {
		return false, fmt.Errorf("erase %s: %w", code, err)
	}
	if refused != "" {
		return false, fmt.Errorf("erase %s (status %s): %w", code, refused, ErrPetitionOpen)
	}
	return erased, nil
}
