package models

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"pakn/models/personaldata"
	"pakn/models/workdays"
)

// AnonymisedName replaces a petitioner's name after the retention period.
const AnonymisedName = "(đã ẩn danh)"

// Audit events of the citizen's data: an erasure by the retention job, one
// on the citizen's request, a refused request, an export.
const (
	EventErased          = "anonymised"
	EventErasedOnRequest = "erased_on_request"
	EventErasureRefused  = "erasure_refused"
	EventExported        = "personal_data_exported"
)

// ErrPetitionOpen refuses to erase a petition the unit has not finished.
var ErrPetitionOpen = errors.New("the petition is still open: the unit must answer (or close) it first")

// closedStatuses are the states a petition does not leave by itself.
var closedStatuses = []string{StatusAnswered, StatusPublished, StatusRejected, StatusDuplicate, StatusWithdrawn, StatusClosed}

// closedAtSQL is when a petition closed: the recorded closing time, else
// its answer, else its last change (the same expression as the index of
// migration 0020).
const closedAtSQL = "COALESCE(closed_at, answered_at, updated_at)"

// erasureSubject is whose data an erasure removes: the petitioner's details
// as they were on file, used to redact every text that may repeat them.
type erasureSubject struct {
	redact personaldata.Subject
	// literals match every detail on file verbatim (any case), replaced
	// after personaldata.Redact: whatever its detector misses (an organisation's name).
	literals []*regexp.Regexp
}

func subjectOf(p *Petition) erasureSubject {
	s := erasureSubject{redact: personaldata.Subject{Name: p.PetitionerName, Address: p.PetitionerAddress, Phone: p.PetitionerPhone, Email: p.PetitionerEmail}}
	for _, v := range []string{p.PetitionerName, p.PetitionerPhone, p.PetitionerEmail, p.PetitionerAddress, p.PetitionerOrganization} {
		v = norm.NFC.String(strings.TrimSpace(v))
		if len([]rune(v)) >= 3 && v != AnonymisedName {
			s.literals = append(s.literals, regexp.MustCompile(`(?i)`+regexp.QuoteMeta(v)))
		}
	}
	return s
}

// text is s without the subject's details.
func (e erasureSubject) text(s string) string {
	if s == "" {
		return s
	}
	s = personaldata.Redact(s, e.redact)
	for _, re := range e.literals {
		s = re.ReplaceAllLiteralString(s, "[…]")
	}
	return s
}

// erasureStep removes the subject's data from one part of the database.
// New tables that hold a petitioner's data add their step to erasureSteps
// (an account's profile, for instance), and the erasure test finds any
// that is forgotten.
type erasureStep struct {
	name string
	run  func(tx *gorm.DB, p *Petition, sub erasureSubject, now time.Time) error
}

func erasureSteps() []erasureStep {
	return []erasureStep{
		{"petition", erasePetitionFields},
		{"events", eraseEvents},
		{"notes", eraseNotes},
		{"attachments", eraseAttachments},
		{"rating", eraseRating},
		{"outbox", eraseOutbox},
	}
}

// erasePetitionTx erases the petitioner's identifying data of one petition
// (locked by the caller) and writes the audit event. What stays counts in
// statistics: code, kind, unit, category, area, dates, states, score, and
// the public question and answer as they were reviewed.
func erasePetitionTx(tx *gorm.DB, p *Petition, now time.Time, event, actor, note string) error {
	sub := subjectOf(p)
	for _, st := range erasureSteps() {
		if err := st.run(tx, p, sub, now); err != nil {
			return fmt.Errorf("erase %s: %s: %w", p.Code, st.name, err)
		}
	}
	id := p.ID
	if err := tx.Create(&Event{PetitionID: &id, At: now.UTC(), ActorName: actor, Type: event, Note: note}).Error; err != nil {
		return fmt.Errorf("erase %s: audit: %w", p.Code, err)
	}
	return nil
}

func erasePetitionFields(tx *gorm.DB, p *Petition, sub erasureSubject, now time.Time) error {
	// About a kilometre: enough for statistics by place, not a home.
	coarse := func(v *float64) *float64 {
		if v == nil {
			return nil
		}
		x := math.Round(*v*100) / 100
		return &x
	}
	return tx.Model(&Petition{}).Where("id = ?", p.ID).Updates(map[string]any{
		"title": sub.text(p.Title), "content": sub.text(p.Content), "answer": sub.text(p.Answer),
		"info_request": sub.text(p.InfoRequest), "address": sub.text(p.Address), "reply_number": truncate(sub.text(p.ReplyNumber), 64),
		"lat": coarse(p.Lat), "long": coarse(p.Long),
		"petitioner_name": AnonymisedName, "petitioner_phone": "", "petitioner_email": "",
		"petitioner_address": "", "petitioner_organization": "", "pending_secret_hash": "",
		// The one-stop dossier leads to the person; the procedure stays
		// (statistics per procedure), redacted like any text in case
		// something else was typed there.
		"dossier_code": "", "procedure_code": truncate(sub.text(p.ProcedureCode), 32),
		"anonymised_at": now.UTC(),
	}).Error
}

// eraseEvents redacts the audit trail's texts and the petitioner's name as
// the actor of their own steps; officials' names stay (accountability).
func eraseEvents(tx *gorm.DB, p *Petition, sub erasureSubject, _ time.Time) error {
	var evs []Event
	if err := tx.Where("petition_id = ?", p.ID).Find(&evs).Error; err != nil {
		return err
	}
	for _, ev := range evs {
		actor := ev.ActorName
		if ev.ActorID == nil && actor != "PAKN" && actor != "" {
			actor = sub.text(actor)
			if p.PetitionerName != "" && ev.ActorName == p.PetitionerName {
				actor = AnonymisedName
			}
		}
		from, to := sub.text(ev.FromValue), sub.text(ev.ToValue)
		if ev.Type == "dossier_corrected" {
			from, to = "", ""
		}
		upd := map[string]any{}
		for col, pair := range map[string][2]string{
			"actor_name": {ev.ActorName, actor},
			"from_value": {ev.FromValue, from},
			"to_value":   {ev.ToValue, to},
			"note":       {ev.Note, sub.text(ev.Note)},
		} {
			if pair[0] != pair[1] {
				upd[col] = pair[1]
			}
		}
		if len(upd) == 0 {
			continue
		}
		if err := tx.Model(&Event{}).Where("id = ?", ev.ID).Updates(upd).Error; err != nil {
			return err
		}
	}
	return nil
}

func eraseNotes(tx *gorm.DB, p *Petition, sub erasureSubject, _ time.Time) error {
	var notes []Note
	if err := tx.Where("petition_id = ?", p.ID).Find(&notes).Error; err != nil {
		return err
	}
	for _, n := range notes {
		if body := sub.text(n.Body); body != n.Body {
			if err := tx.Model(&Note{}).Where("id = ?", n.ID).Update("body", body).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

// eraseAttachments deletes the petition's files, and their content when no
// other petition holds the same file.
func eraseAttachments(tx *gorm.DB, p *Petition, _ erasureSubject, _ time.Time) error {
	var sums []string
	if err := tx.Model(&Attachment{}).Where("petition_id = ?", p.ID).Distinct().Pluck("sha256", &sums).Error; err != nil {
		return err
	}
	if len(sums) == 0 {
		return nil
	}
	if err := tx.Where("petition_id = ?", p.ID).Delete(&Attachment{}).Error; err != nil {
		return err
	}
	return tx.Where("sha256 IN ? AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = attachments_blobs.sha256)", sums).
		Delete(&AttachmentBlob{}).Error
}

// eraseRating keeps the score (satisfaction statistics), not the comment.
func eraseRating(tx *gorm.DB, p *Petition, _ erasureSubject, _ time.Time) error {
	return tx.Model(&Rating{}).Where("petition_id = ? AND comment <> ''", p.ID).Update("comment", "").Error
}

// eraseOutbox blanks the petition's notices, recipient included, and
// cancels those not sent yet. Portal rows carry only public fields.
func eraseOutbox(tx *gorm.DB, p *Petition, _ erasureSubject, _ time.Time) error {
	return tx.Model(&OutboxMessage{}).Where("petition_id = ? AND channel IN ?", p.ID, []string{OutboxEmail, OutboxSMS}).
		Updates(map[string]any{
			"recipient": "", "data": "{}", "last_error": "",
			"status": gorm.Expr("CASE WHEN status = ? THEN ? ELSE status END", OutboxPending, OutboxCancelled),
		}).Error
}

// AnonymisePetitioners erases the petitioner's data of every petition closed
// before cutoff (see erasePetitionTx), then removes the access log (reads
// of petitioners' details) older than cutoff. It returns how many
// petitions it erased.
func (s *Store) AnonymisePetitioners(ctx context.Context, cutoff, now time.Time) (int, error) {
	total := 0
	note := "retention cutoff " + cutoff.In(workdays.VietnamLocation()).Format(time.DateOnly)
	for {
		var ids []int64
		err := s.DB.WithContext(ctx).Model(&Petition{}).
			Where("anonymised_at IS NULL AND status IN ?", closedStatuses).
			Where(s.timeCmp(closedAtSQL, "<"), cutoff.UTC()).
			Order("id").Limit(200).Pluck("id", &ids).Error
		if err != nil {
			return total, fmt.Errorf("retention: select: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		err = s.Tx(ctx, func(tx *gorm.DB) error {
			for _, id := range ids {
				p, err := lockForErasure(tx, s.Dialect, "id = ?", id)
				if err != nil {
					return err
				}
				if p.AnonymisedAt != nil {
					continue // erased meanwhile (privacy erase)
				}
				if err := erasePetitionTx(tx, p, now, EventErased, "PAKN", note); err != nil {
					return err
				}
				total++
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("retention: %w", err)
		}
	}
	if err := s.DB.WithContext(ctx).Where("type = ? AND "+s.timeCmp("at", "<"), "details_viewed", cutoff.UTC()).
		Delete(&Event{}).Error; err != nil {
		return total, fmt.Errorf("retention: access log: %w", err)
	}
	return total, nil
}

func lockForErasure(tx *gorm.DB, dialect, where string, arg any) (*Petition, error) {
	q := tx.Where(where, arg)
	if dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var p Petition
	if err := q.First(&p).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return &p, nil
}
