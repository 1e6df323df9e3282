package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"pakn/models/personaldata"
	"pakn/models/workdays"
)

// Note is an internal remark on a petition; citizens never see notes.
type Note struct {
	ID         int64  `gorm:"primaryKey"`
	PetitionID int64  `gorm:"index;not null"`
	AuthorID   int64  `gorm:"not null"`
	AuthorName string `gorm:"not null"`
	Body       string `gorm:"not null"`
	CreatedAt  time.Time
}

// TableName keeps notes apart from any other kind of note.
func (Note) TableName() string { return "petition_notes" }

// Reject reasons with a meaning of their own.
const (
	// RejectFormalComplaint: a formal complaint (khiếu nại) or denunciation
	// (tố cáo) follows its own law; the citizen is told where to take it.
	RejectFormalComplaint = "formal_complaint"
)

// actionCtx is what every action on a petition works with.
type actionCtx struct {
	tx     *gorm.DB
	p      *Petition
	v      Viewer
	cal    *workdays.Calendar
	pol    DeadlinePolicy
	now    time.Time
	events []Event
}

func (a *actionCtx) event(typ, from, to, note string, public bool) {
	a.events = append(a.events, Event{PetitionID: &a.p.ID, At: a.now, ActorID: &a.v.ID, ActorName: a.v.Name,
		Type: typ, FromValue: from, ToValue: to, Note: note, Public: public})
}

// setDue moves the petition's clock and records the old and new dates.
func (a *actionCtx) setDue(due *time.Time, stage string) {
	old := formatDue(a.p.DueAt)
	a.p.DueAt, a.p.DueStage = due, stage
	if nw := formatDue(due); nw != old || stage != "" {
		a.event("due_changed", old, nw, stage, false)
	}
}

func formatDue(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(workdays.VietnamLocation()).Format(time.RFC3339)
}

func (a *actionCtx) notice(stage string, data map[string]any) error {
	return enqueueCitizenNotice(a.tx, a.p, stage, data, a.now)
}

// act runs one official action in one transaction: it finds the petition
// within the viewer's scope (404 otherwise), checks the role (403) and the
// state (409), lets fn change it, saves it and writes the audit events.
func (s *Store) act(ctx context.Context, v Viewer, code, action string, fn func(a *actionCtx) error) (*Petition, error) {
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	var out Petition
	err = s.Tx(ctx, func(tx *gorm.DB) error {
		p, err := lockPetition(tx, v, code)
		if err != nil {
			return err
		}
		if !RoleMay(v.Role, action) {
			return ErrForbidden
		}
		to, err := NextState(action, p.Status)
		if err != nil {
			return err
		}
		pol, err := policyTx(tx, p.Kind, p.CategoryID)
		if err != nil {
			return err
		}
		a := &actionCtx{tx: tx, p: p, v: v, cal: cal, pol: pol, now: s.now()}
		from := p.Status
		if err := fn(a); err != nil {
			return err
		}
		p.Status = to
		if err := tx.Omit(clause.Associations).Save(p).Error; err != nil {
			return fmt.Errorf("save petition: %w", err)
		}
		if from != to {
			a.events = append([]Event{{PetitionID: &p.ID, At: a.now, ActorID: &v.ID, ActorName: v.Name,
				Type: "status_changed", FromValue: from, ToValue: to}}, a.events...)
		}
		if len(a.events) > 0 {
			if err := tx.Create(&a.events).Error; err != nil {
				return fmt.Errorf("audit: %w", err)
			}
		}
		out = *p
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", action, code, err)
	}
	return &out, nil
}

// lockPetition reads a petition within the viewer's scope, locked for the
// transaction (SQLite's immediate transactions already serialise writers).
func lockPetition(tx *gorm.DB, v Viewer, code string) (*Petition, error) {
	var p Petition
	q := scopePetitions(tx.Model(&Petition{}), v).Where("petitions.code = ?", NormalizeCode(code))
	if tx.Dialector.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.First(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func required(field, val string, max int) *ValidationError {
	v := &ValidationError{}
	switch {
	case strings.TrimSpace(val) == "":
		v.Add(field, "err.required", nil)
	case utf8.RuneCountInString(val) > max:
		v.Add(field, "err.too_long", map[string]any{"max": max})
	}
	return v
}

// AcceptPetition accepts a petition for handling. The first acceptance
// starts the answer clock; later ones (after a return) keep it.
func (s *Store) AcceptPetition(ctx context.Context, v Viewer, code string) (*Petition, error) {
	return s.act(ctx, v, code, ActAccept, func(a *actionCtx) error {
		p := a.p
		if p.AcceptedAt == nil {
			p.AcceptedAt = &a.now
		}
		if p.AnswerDueAt == nil {
			due := a.cal.AddWorkingDays(*p.AcceptedAt, a.pol.AnswerDays)
			p.AnswerDueAt = &due
		}
		a.setDue(p.AnswerDueAt, StageAnswer)
		a.event("accepted", "", "", "", true)
		return a.notice("accepted", map[string]any{"due_at": *p.AnswerDueAt})
	})
}

// RejectInput is why a petition is not taken up.
type RejectInput struct {
	Reason string
	// Code is RejectFormalComplaint or "".
	Code string
}

// RejectPetition refuses a petition with a reason the citizen reads.
func (s *Store) RejectPetition(ctx context.Context, v Viewer, code string, in RejectInput) (*Petition, error) {
	in.Reason = CleanText(in.Reason)
	if in.Code != RejectFormalComplaint {
		in.Code = ""
		if err := required("reason", in.Reason, 4000).Err(); err != nil {
			return nil, err
		}
	}
	return s.act(ctx, v, code, ActReject, func(a *actionCtx) error {
		closeClock(a)
		typ := "rejected"
		if in.Code == RejectFormalComplaint {
			// The catalog's event.rejected_formal tells the citizen where
			// a formal complaint or denunciation goes.
			typ = "rejected_formal"
		}
		a.event(typ, "", in.Code, in.Reason, true)
		return a.notice("rejected", map[string]any{"reason": in.Reason, "reason_code": in.Code})
	})
}

func closeClock(a *actionCtx) {
	a.setDue(nil, StageNone)
	a.p.ClosedAt = &a.now
}

// MarkDuplicate links a petition to the original it repeats; the original
// counts its co-petitioners. A co-petitioner never receives the original's
// private answer or anyone's details: only its reviewed public answer once
// published (now, if it is already), else a notice of the link.
func (s *Store) MarkDuplicate(ctx context.Context, v Viewer, code, originalCode string) (*Petition, error) {
	originalCode = NormalizeCode(originalCode)
	if err := required("of", originalCode, 32).Err(); err != nil {
		return nil, err
	}
	return s.act(ctx, v, code, ActDuplicate, func(a *actionCtx) error {
		var orig Petition
		err := scopePetitions(a.tx.Model(&Petition{}), v).Where("petitions.code = ?", originalCode).First(&orig).Error
		bad := &ValidationError{}
		if errors.Is(err, gorm.ErrRecordNotFound) {
			bad.Add("of", "err.unknown_code", nil)
			return bad
		}
		if err != nil {
			return err
		}
		if orig.DuplicateOf != nil { // link to the root, never to a duplicate
			if err := a.tx.First(&orig, *orig.DuplicateOf).Error; err != nil {
				return err
			}
		}
		switch {
		case orig.ID == a.p.ID:
			bad.Add("of", "err.duplicate_self", nil)
		case orig.Status == StatusRejected || orig.Status == StatusWithdrawn || orig.Status == StatusClosed:
			bad.Add("of", "err.duplicate_closed", nil)
		}
		if err := bad.Err(); err != nil {
			return err
		}
		a.p.DuplicateOf = &orig.ID
		closeClock(a)
		a.event("duplicate", "", orig.Code, "", true)
		data := map[string]any{"original": orig.Code}
		pub, err := publicAnswerTx(a.tx, orig.ID)
		if err != nil {
			return err
		}
		if pub != nil {
			data["public_answer"] = pub.Answer
		}
		return a.notice("duplicate", data)
	})
}

// AssignPetition gives a petition to an official of its unit.
func (s *Store) AssignPetition(ctx context.Context, v Viewer, code string, userID int64) (*Petition, error) {
	return s.act(ctx, v, code, ActAssign, func(a *actionCtx) error {
		var u User
		err := a.tx.Where("id = ? AND active = ? AND unit_id = ? AND role IN ?", userID, true, a.p.UnitID,
			[]string{RoleOfficer, RoleLeader}).First(&u).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			bad := &ValidationError{}
			bad.Add("user", "err.unknown_code", nil)
			return bad
		}
		if err != nil {
			return err
		}
		old := ""
		if a.p.AssigneeID != nil {
			old = strconv.FormatInt(*a.p.AssigneeID, 10)
		}
		a.p.AssigneeID = &u.ID
		a.event("assigned", old, strconv.FormatInt(u.ID, 10), u.Name, false)
		return nil
	})
}

// TransferPetition moves a petition to another unit with a reason. The new
// unit sees it at once; the answer clock is not restarted; a petition
// transferred more than once is flagged to the Service Center.
func (s *Store) TransferPetition(ctx context.Context, v Viewer, code, unitCode, reason string) (*Petition, error) {
	reason = CleanText(reason)
	unitCode = strings.ToUpper(CleanLine(unitCode))
	bad := required("reason", reason, 4000)
	if unitCode == "" {
		bad.Add("unit", "err.required", nil)
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	return s.act(ctx, v, code, ActTransfer, func(a *actionCtx) error {
		var u Unit
		err := a.tx.Where("code = ? AND active = ?", unitCode, true).First(&u).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && u.ID == a.p.UnitID) {
			bad.Add("unit", "err.unknown_code", nil)
			return bad
		}
		if err != nil {
			return err
		}
		var old Unit
		if err := a.tx.First(&old, a.p.UnitID).Error; err != nil {
			return err
		}
		a.p.UnitID = u.ID
		a.p.AssigneeID = nil
		a.p.Transfers++
		a.event("transferred", old.Code, u.Code, u.Name, true)
		a.event("transfer_reason", old.Code, u.Code, reason, false)
		if a.p.Transfers > 1 {
			a.event("transfer_flagged", "", strconv.Itoa(a.p.Transfers), "", false)
		}
		return a.notice("transferred", map[string]any{"unit": u.Name, "dedupe": a.p.Transfers})
	})
}

// RequestInfo asks the citizen for more information: the answer clock
// pauses and the citizen has InfoWaitDays working days to reply.
func (s *Store) RequestInfo(ctx context.Context, v Viewer, code, message string) (*Petition, error) {
	message = CleanText(message)
	if err := required("message", message, 4000).Err(); err != nil {
		return nil, err
	}
	return s.act(ctx, v, code, ActRequestInfo, func(a *actionCtx) error {
		a.p.PausedAt = &a.now
		a.p.InfoRequest = message
		due := a.cal.AddWorkingDays(a.now, a.pol.InfoWaitDays)
		a.setDue(&due, StageInfo)
		a.event("info_requested", "", "", message, true)
		return a.notice("info_requested", map[string]any{"message": message, "due_at": due})
	})
}

// DraftInput is an answer waiting for the leader.
type DraftInput struct {
	Answer         string
	PublicQuestion string
	PublicAnswer   string
	// PublicTitle is optional: empty means the redacted petition title.
	PublicTitle string
	ReplyNumber string
	ReplyDate   *time.Time
}

// DraftAnswer records (or rewrites) the answer and its public versions.
// Empty public versions are prefilled by redaction.
func (s *Store) DraftAnswer(ctx context.Context, v Viewer, code string, in DraftInput) (*Petition, error) {
	in.Answer = CleanText(in.Answer)
	in.PublicQuestion = CleanText(in.PublicQuestion)
	in.PublicAnswer = CleanText(in.PublicAnswer)
	in.PublicTitle = CleanLine(in.PublicTitle)
	in.ReplyNumber = CleanLine(in.ReplyNumber)
	bad := required("answer", in.Answer, MaxContent)
	if utf8.RuneCountInString(in.PublicQuestion) > MaxContent {
		bad.Add("public_question", "err.too_long", map[string]any{"max": MaxContent})
	}
	if utf8.RuneCountInString(in.PublicAnswer) > MaxContent {
		bad.Add("public_answer", "err.too_long", map[string]any{"max": MaxContent})
	}
	if utf8.RuneCountInString(in.PublicTitle) > MaxTitle {
		bad.Add("public_title", "err.too_long", map[string]any{"max": MaxTitle})
	}
	if len(in.ReplyNumber) > 64 {
		bad.Add("reply_number", "err.too_long", map[string]any{"max": 64})
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	return s.act(ctx, v, code, ActDraft, func(a *actionCtx) error {
		p := a.p
		subj := SubjectOf(p)
		if in.PublicQuestion == "" {
			in.PublicQuestion = personaldata.Redact(p.Content, subj)
		}
		if in.PublicAnswer == "" {
			in.PublicAnswer = personaldata.Redact(in.Answer, subj)
		}
		if in.PublicTitle == "" {
			in.PublicTitle = personaldata.Redact(p.Title, subj)
		}
		p.Answer, p.PublicQuestion, p.PublicAnswer, p.PublicTitle = in.Answer, in.PublicQuestion, in.PublicAnswer, in.PublicTitle
		p.ReplyNumber, p.ReplyDate = in.ReplyNumber, in.ReplyDate
		a.event("drafted", "", "", "", false)
		return nil
	})
}

// SubjectOf is what redaction removes for a petition.
func SubjectOf(p *Petition) personaldata.Subject {
	return personaldata.Subject{Name: p.PetitionerName, Address: p.PetitionerAddress, Phone: p.PetitionerPhone, Email: p.PetitionerEmail}
}

// ApproveAnswer sends the drafted answer to the citizen. Co-petitioners
// get nothing of it: they receive the public answer when it is published.
func (s *Store) ApproveAnswer(ctx context.Context, v Viewer, code string) (*Petition, error) {
	return s.act(ctx, v, code, ActApprove, func(a *actionCtx) error {
		p := a.p
		if strings.TrimSpace(p.Answer) == "" {
			return refuse("wf.refused.no_answer")
		}
		p.AnsweredAt = &a.now
		closeClock(a)
		a.event("answered", "", "", "", true)
		return a.notice("answered", map[string]any{"answer": p.Answer})
	})
}

// ReturnAnswer sends a draft (leader) or an approved answer that does not
// fit the question (coordinator, before publication) back to the unit.
func (s *Store) ReturnAnswer(ctx context.Context, v Viewer, code, reason string) (*Petition, error) {
	reason = CleanText(reason)
	if err := required("reason", reason, 4000).Err(); err != nil {
		return nil, err
	}
	return s.act(ctx, v, code, ActReturn, func(a *actionCtx) error {
		p := a.p
		if p.Status == StatusAnswered {
			p.AnsweredAt = nil
			p.ClosedAt = nil
			a.event("answer_withdrawn", "", "", "", true)
		}
		p.ClosedAt = nil
		a.setDue(p.AnswerDueAt, StageAnswer)
		a.event("returned", "", "", reason, false)
		return nil
	})
}

// PublishAnswer publishes the reviewed public question and answer. It needs
// the petitioner's consent; only public fields reach the published item.
func (s *Store) PublishAnswer(ctx context.Context, v Viewer, code string) (*Petition, error) {
	return s.act(ctx, v, code, ActPublish, func(a *actionCtx) error {
		p := a.p
		if !p.PublishConsent {
			return refuse("wf.refused.no_consent")
		}
		if strings.TrimSpace(p.PublicQuestion) == "" || strings.TrimSpace(p.PublicAnswer) == "" {
			return refuse("wf.refused.no_public_text")
		}
		var cat Category
		if err := a.tx.First(&cat, p.CategoryID).Error; err != nil {
			return err
		}
		var unit Unit
		if err := a.tx.First(&unit, p.UnitID).Error; err != nil {
			return err
		}
		item := answerItemOf(p)
		item.CategoryCode, item.CategoryName = cat.Code, cat.Name
		item.UnitCode, item.UnitName, item.Level = unit.Code, unit.Name, unit.Level()
		item.PublishedAt = a.now
		legacy, err := consentBeforeWiderReach(a.tx, p)
		if err != nil {
			return err
		}
		item.NoIndex = legacy
		if _, err := PublishItemTx(a.tx, item, a.now); err != nil {
			return err
		}
		p.PublishedAt = &a.now
		a.event("published", "", AnswerItemID(p.ID), "", true)
		return notifyDuplicatesTx(a, item)
	})
}

// notifyDuplicatesTx sends the published answer, the public version only,
// to the co-petitioners still waiting on this original (once each: the
// notice's key has no version).
func notifyDuplicatesTx(a *actionCtx, item PublishedItem) error {
	var dups []Petition
	if err := a.tx.Where("duplicate_of = ? AND status = ?", a.p.ID, StatusDuplicate).Order("id").Find(&dups).Error; err != nil {
		return fmt.Errorf("duplicates of %s: %w", a.p.Code, err)
	}
	for i := range dups {
		d := &dups[i]
		a.events = append(a.events, Event{PetitionID: &d.ID, At: a.now, ActorID: &a.v.ID, ActorName: a.v.Name,
			Type: "original_published", ToValue: a.p.Code, Public: true})
		data := map[string]any{"original": a.p.Code, "public_answer": item.Answer}
		if err := enqueueCitizenNotice(a.tx, d, "duplicate_published", data, a.now); err != nil {
			return err
		}
	}
	return nil
}

// publicAnswerTx is the published (not withdrawn) answer of a petition, or nil.
func publicAnswerTx(tx *gorm.DB, petitionID int64) (*PublishedItem, error) {
	var it PublishedItem
	err := tx.Where("id = ? AND withdrawn = ?", AnswerItemID(petitionID), false).Limit(1).Find(&it).Error
	if err != nil {
		return nil, fmt.Errorf("public answer of %d: %w", petitionID, err)
	}
	if it.ID == "" {
		return nil, nil
	}
	return &it, nil
}

// answerItemOf is the public copy of a petition's answer, less its
// category and unit: only the reviewed public versions.
func answerItemOf(p *Petition) PublishedItem {
	return PublishedItem{
		ID: AnswerItemID(p.ID), Type: ItemAnswer,
		Title:    PublicTitleOf(p),
		Question: p.PublicQuestion, Answer: p.PublicAnswer,
		AskedAt: &p.ReceivedAt, AnsweredAt: p.AnsweredAt,
		Demo: p.Demo,
	}
}

// PetitionPublicFields are the texts of a petition that its publication
// would make public, as the guard checks them.
func PetitionPublicFields(p *Petition) []PublicField { return answerItemOf(p).PublicFields() }

// consentBeforeWiderReach tells whether the petitioner consented to
// publication before the consent text named search engines and portals
// (migration 0140): such a consent is honoured as it was given.
func consentBeforeWiderReach(tx *gorm.DB, p *Petition) (bool, error) {
	var changed time.Time
	if err := tx.Raw(`SELECT changed_at FROM publication_consent WHERE id = 1`).Scan(&changed).Error; err != nil {
		return false, fmt.Errorf("publication consent of %s: %w", p.Code, err)
	}
	return !changed.IsZero() && p.CreatedAt.Before(changed), nil
}

// PublicTitleOf is the title an answer is published under: the reviewer's,
// or (answers drafted before titles existed) the redacted petition title.
func PublicTitleOf(p *Petition) string {
	if t := strings.TrimSpace(p.PublicTitle); t != "" {
		return t
	}
	return personaldata.Redact(p.Title, SubjectOf(p))
}

// AnswerItemID is the published item id of a petition's answer.
func AnswerItemID(petitionID int64) string { return "answer-" + strconv.FormatInt(petitionID, 10) }

// UnpublishAnswer takes a published answer out of public view.
func (s *Store) UnpublishAnswer(ctx context.Context, v Viewer, code string) (*Petition, error) {
	return s.act(ctx, v, code, ActUnpublish, func(a *actionCtx) error {
		if err := WithdrawItemTx(a.tx, AnswerItemID(a.p.ID), a.now); err != nil {
			return err
		}
		a.p.PublishedAt = nil
		a.event("unpublished", "", AnswerItemID(a.p.ID), "", true)
		return nil
	})
}

// ExtendDeadline moves the answer deadline once, within the policy limit.
func (s *Store) ExtendDeadline(ctx context.Context, v Viewer, code string, days int, reason string) (*Petition, error) {
	reason = CleanText(reason)
	bad := required("reason", reason, 4000)
	if days < 1 {
		bad.Add("days", "err.range", map[string]any{"min": 1, "max": DefaultExtensionMaxDays})
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	return s.act(ctx, v, code, ActExtend, func(a *actionCtx) error {
		p := a.p
		if p.ExtendedDays > 0 {
			return refuse("wf.refused.extended_once")
		}
		if p.AnswerDueAt == nil {
			return refuse("wf.refused.no_answer_due")
		}
		if days > a.pol.ExtensionMaxDays {
			bad.Add("days", "err.range", map[string]any{"min": 1, "max": a.pol.ExtensionMaxDays})
			return bad
		}
		old := formatDue(p.AnswerDueAt)
		due := a.cal.AddWorkingDays(*p.AnswerDueAt, days)
		p.AnswerDueAt = &due
		p.ExtendedDays = days
		if p.DueStage == StageAnswer {
			a.setDue(&due, StageAnswer)
		} else {
			a.event("due_changed", old, formatDue(&due), "answer (paused)", false)
		}
		a.event("extended", old, formatDue(&due), reason, true)
		return nil
	})
}

// AddNote records an internal note.
func (s *Store) AddNote(ctx context.Context, v Viewer, code, body string) error {
	body = CleanText(body)
	if err := required("body", body, 4000).Err(); err != nil {
		return err
	}
	_, err := s.act(ctx, v, code, ActNote, func(a *actionCtx) error {
		return a.tx.Create(&Note{PetitionID: a.p.ID, AuthorID: v.ID, AuthorName: v.Name, Body: body, CreatedAt: a.now}).Error
	})
	return err
}

// PetitionDetail is the officials' page of a petition.
type PetitionDetail struct {
	Petition    Petition
	Unit        Unit
	Category    Category
	Area        *Area
	Assignee    *User
	EnteredBy   *User
	Original    *Petition // when a duplicate
	CoCount     int64     // petitions marked as duplicates of this one
	Timeline    []Event
	Notes       []Note
	Attachments []Attachment
	// IdentityHidden: a confidential petitioner, and the viewer is not of
	// the Service Center.
	IdentityHidden bool
	Actions        []string
	UnitStaff      []User
	Published      *PublishedItem
	Rating         *Rating
	// PersonalData is what the publication guard would refuse in the
	// public versions now (not yet published): shown as a warning.
	PersonalData []PersonalDataFinding
}

// PetitionForOfficial reads a petition's page within the viewer's scope and
// logs the read of the petitioner's details.
func (s *Store) PetitionForOfficial(ctx context.Context, v Viewer, code string) (*PetitionDetail, error) {
	db := s.DB.WithContext(ctx)
	var p Petition
	err := scopePetitions(db.Model(&Petition{}), v).Where("petitions.code = ?", NormalizeCode(code)).First(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("petition %s: %w", code, err)
	}
	d := &PetitionDetail{Petition: p}
	d.IdentityHidden = p.ConfidentialIdentity && !v.SeesAllUnits()
	if err := db.First(&d.Unit, p.UnitID).Error; err != nil {
		return nil, err
	}
	if err := db.First(&d.Category, p.CategoryID).Error; err != nil {
		return nil, err
	}
	if p.AreaID != nil {
		d.Area = &Area{}
		if err := db.First(d.Area, *p.AreaID).Error; err != nil {
			return nil, err
		}
	}
	loadUser := func(id *int64) *User {
		if id == nil {
			return nil
		}
		var u User
		if db.First(&u, *id).Error != nil {
			return nil
		}
		return &u
	}
	d.Assignee, d.EnteredBy = loadUser(p.AssigneeID), loadUser(p.EnteredByID)
	if p.DuplicateOf != nil {
		d.Original = &Petition{}
		if err := db.Select("id", "code", "title", "status").First(d.Original, *p.DuplicateOf).Error; err != nil {
			d.Original = nil
		}
	}
	if err := db.Model(&Petition{}).Where("duplicate_of = ?", p.ID).Count(&d.CoCount).Error; err != nil {
		return nil, err
	}
	if err := db.Where("petition_id = ?", p.ID).Order("at, id").Find(&d.Timeline).Error; err != nil {
		return nil, err
	}
	if d.IdentityHidden {
		// The citizen's own steps carry their name as the actor, and
		// their words (information supplied) as the note.
		subj := SubjectOf(&p)
		for i := range d.Timeline {
			if d.Timeline[i].ActorID == nil && d.Timeline[i].ActorName == p.PetitionerName {
				d.Timeline[i].ActorName = ""
				d.Timeline[i].Note = redactFor(d.Timeline[i].Note, subj)
			}
		}
		hideIdentity(&d.Petition)
	}
	if err := db.Where("petition_id = ?", p.ID).Order("created_at, id").Find(&d.Notes).Error; err != nil {
		return nil, err
	}
	if err := db.Where("petition_id = ?", p.ID).Order("id").Find(&d.Attachments).Error; err != nil {
		return nil, err
	}
	if err := db.Where("active = ? AND unit_id = ? AND role IN ?", true, p.UnitID, []string{RoleOfficer, RoleLeader}).
		Order("name").Find(&d.UnitStaff).Error; err != nil {
		return nil, err
	}
	var item PublishedItem
	if err := db.Where("id = ?", AnswerItemID(p.ID)).Limit(1).Find(&item).Error; err == nil && item.ID != "" {
		d.Published = &item
	}
	var r Rating
	if err := db.Where("petition_id = ?", p.ID).Limit(1).Find(&r).Error; err == nil && r.PetitionID != 0 {
		if d.IdentityHidden {
			r.Comment = redactFor(r.Comment, SubjectOf(&p))
		}
		d.Rating = &r
	}
	d.Actions = AvailableActions(v, &p)
	if p.PublishedAt == nil && (p.PublicQuestion != "" || p.PublicAnswer != "") {
		if d.PersonalData, err = s.PersonalDataOf(ctx, AnswerItemID(p.ID), PetitionPublicFields(&p)); err != nil {
			return nil, err
		}
	}
	if !d.IdentityHidden {
		// Reading the petitioner's details is itself audited.
		ev := Event{PetitionID: &p.ID, At: s.now(), ActorID: &v.ID, ActorName: v.Name, Type: "details_viewed"}
		if err := db.Create(&ev).Error; err != nil {
			return nil, fmt.Errorf("audit read of %s: %w", p.Code, err)
		}
	}
	return d, nil
}

// AuthorizeAction checks, before any input is read, that the viewer may
// take an action on a petition now: ErrNotFound outside the viewer's scope
// (as for an unknown code), ErrForbidden for the wrong role, ErrConflict
// when the state does not allow it.
func (s *Store) AuthorizeAction(ctx context.Context, v Viewer, code, action string) error {
	var p Petition
	err := scopePetitions(s.DB.WithContext(ctx).Model(&Petition{}), v).Where("petitions.code = ?", NormalizeCode(code)).First(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if _, ok := workflowTable(action); !ok {
		return ErrNotFound
	}
	if !RoleMay(v.Role, action) {
		return ErrForbidden
	}
	if _, err := NextState(action, p.Status); err != nil {
		return err
	}
	if action == ActPublish && !p.PublishConsent {
		return refuse("wf.refused.no_consent")
	}
	return nil
}
