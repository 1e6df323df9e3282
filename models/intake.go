package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"pakn/models/workdays"
)

// PetitionerInput is who sends a petition. Anonymous petitions are refused
// (Decree 20/2008, art. 7; Decision 31/2021/QĐ-TTg, art. 41).
type PetitionerInput struct {
	Name         string `json:"name"`
	Phone        string `json:"phone"`
	Email        string `json:"email"`
	Address      string `json:"address"`
	Organization string `json:"organization"`
}

// SubmitInput is a new petition from any channel.
type SubmitInput struct {
	Kind           string          `json:"kind"`
	Title          string          `json:"title"`
	Content        string          `json:"content"`
	Category       string          `json:"category"`
	Area           string          `json:"area"`
	Address        string          `json:"address"`
	Lat            *float64        `json:"lat"`
	Long           *float64        `json:"long"`
	PublishConsent bool            `json:"publish_consent"`
	Petitioner     PetitionerInput `json:"petitioner"`
	// DossierCode and ProcedureCode name the one-stop dossier and the
	// administrative procedure the petition concerns (both optional).
	DossierCode   string `json:"dossier_code"`
	ProcedureCode string `json:"procedure_code"`

	// Set by the channel, not by the sender.
	Channel  string `json:"-"`
	Language string `json:"-"`
	// ReceivedAt is the date a desk received a paper or phone petition;
	// zero means now.
	ReceivedAt time.Time `json:"-"`
	// PrivacyConsent is the web form's tick; the API implies it.
	PrivacyConsent       bool   `json:"-"`
	RequireConsent       bool   `json:"-"`
	ConfidentialIdentity bool   `json:"confidential_identity"`
	EnteredByID          *int64 `json:"-"`
	ActorName            string `json:"-"`
	// OptionalAddress waives the sender's postal address (Open311: the key's
	// holder vouches for the channel).
	OptionalAddress bool `json:"-"`
	// Attachments are the citizen's files (web form, clerk's desk).
	Attachments []AttachmentInput `json:"-"`
	// AccountID links the petition to a signed-in citizen's account.
	AccountID *int64 `json:"-"`
}

// Submission is what a sender gets back: the secret exists only here.
type Submission struct {
	Petition Petition
	Secret   string
	Unit     Unit
}

// Field limits.
const (
	MaxTitle   = 200
	MaxContent = 10000
	MaxName    = 120
	MaxLine    = 300
)

var phoneRe = regexp.MustCompile(`^\+?[0-9][0-9 .\-]{7,18}[0-9]$`)

// normalise cleans every text field in place.
func (in *SubmitInput) normalise() {
	in.Kind = strings.ToLower(CleanLine(in.Kind))
	in.Title = CleanLine(in.Title)
	in.Content = CleanText(in.Content)
	in.Category = CleanLine(in.Category)
	in.Area = CleanLine(in.Area)
	in.Address = CleanLine(in.Address)
	in.DossierCode = NormalizeDossierCode(in.DossierCode)
	in.ProcedureCode = NormalizeProcedureCode(in.ProcedureCode)
	p := &in.Petitioner
	p.Name = CleanLine(p.Name)
	p.Phone = CleanLine(p.Phone)
	p.Email = strings.ToLower(CleanLine(p.Email))
	p.Address = CleanLine(p.Address)
	p.Organization = CleanLine(p.Organization)
	if in.Title == "" && in.Content != "" && in.Channel == ChannelOpen311 {
		in.Title = FirstWords(in.Content, 12)
	}
}

// validate checks the input without touching the database.
func (in *SubmitInput) validate() *ValidationError {
	v := &ValidationError{}
	switch in.Kind {
	case KindComplaint, KindRecommendation:
	case "":
		v.Add("kind", "err.required", nil)
	default:
		v.Add("kind", "err.kind", nil)
	}
	maxLen := func(field, val string, n int) {
		if utf8.RuneCountInString(val) > n {
			v.Add(field, "err.too_long", map[string]any{"max": n})
		}
	}
	if in.Title == "" {
		v.Add("title", "err.required", nil)
	}
	maxLen("title", in.Title, MaxTitle)
	switch {
	case in.Content == "":
		v.Add("content", "err.required", nil)
	case utf8.RuneCountInString(in.Content) < 10:
		v.Add("content", "err.too_short", map[string]any{"min": 10})
	}
	maxLen("content", in.Content, MaxContent)
	if in.Category == "" {
		v.Add("category", "err.required", nil)
	}
	maxLen("address", in.Address, MaxLine)
	if in.Lat != nil && (*in.Lat < -90 || *in.Lat > 90) {
		v.Add("lat", "err.range", map[string]any{"min": -90, "max": 90})
	}
	if in.Long != nil && (*in.Long < -180 || *in.Long > 180) {
		v.Add("long", "err.range", map[string]any{"min": -180, "max": 180})
	}
	p := in.Petitioner
	if p.Name == "" {
		v.Add("petitioner.name", "err.anonymous", nil)
	}
	maxLen("petitioner.name", p.Name, MaxName)
	if p.Address == "" && !in.OptionalAddress {
		v.Add("petitioner.address", "err.required", nil)
	}
	maxLen("petitioner.address", p.Address, MaxLine)
	maxLen("petitioner.organization", p.Organization, MaxLine)
	if p.Phone == "" && p.Email == "" {
		v.Add("petitioner.phone", "err.contact", nil)
	}
	if p.Phone != "" && !phoneRe.MatchString(p.Phone) {
		v.Add("petitioner.phone", "err.phone", nil)
	}
	if p.Email != "" && !validEmail(p.Email) {
		v.Add("petitioner.email", "err.email", nil)
	}
	validateReferences(v, "dossier_code", in.DossierCode, "procedure_code", in.ProcedureCode)
	if in.RequireConsent && !in.PrivacyConsent {
		v.Add("privacy_consent", "err.consent", nil)
	}
	return v
}

// validEmail tells whether s is a plain e-mail address with a dotted domain.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, ".")
}

// SubmitPetition validates, routes and records a petition with its first
// audit events and the citizen's receipt notice, in one transaction. When it
// returns without error everything the citizen is told is committed.
//
// On PostgreSQL a submission without files is written by one statement
// (submitSQL, intake_pg.go): the reference-data check, the day's tracking
// number, the petition, its events and its notice, in one round trip and
// one transaction, shared by the submissions that arrive together.
// Elsewhere (SQLite, or files to store) it is an ordinary transaction
// (submitTx).
func (s *Store) SubmitPetition(ctx context.Context, in SubmitInput) (*Submission, error) {
	in.normalise()
	if in.Channel == "" {
		in.Channel = ChannelWeb
	}
	if in.Language != "en" {
		in.Language = "vi"
	}
	v := in.validate()

	now := s.now()
	received := s.receivedAt(v, in.ReceivedAt, now)
	day := received.In(workdays.VietnamLocation()).Format("060102")
	// Invalid input and files take the ordinary way.
	// A petition linked to an account also takes the ordinary way (the
	// link is one more row in the same transaction).
	oneStatement := s.Dialect == Postgres && len(in.Attachments) == 0 && len(v.Fields) == 0 && in.AccountID == nil

	// Reference data comes from the store's copy (intake_ref.go). The one
	// statement checks the copy's stamp itself and inserts nothing when it is
	// stale; the other paths check it first.
	for attempt := 0; ; attempt++ {
		var (
			ref *intakeRef
			err error
		)
		if oneStatement && attempt == 0 {
			ref, err = s.cachedIntakeRef(ctx)
		} else {
			ref, err = s.intakeReference(ctx)
		}
		if err != nil {
			return nil, fmt.Errorf("submit: %w", err)
		}
		sub, err := s.planSubmission(ctx, &in, v, ref, now, received)
		if err != nil {
			if _, bad := AsValidation(err); bad && oneStatement && attempt == 0 {
				// An unknown code may be one added since the copy was
				// checked: decide on current data.
				continue
			}
			return nil, err
		}
		if !oneStatement {
			if err := s.submitTx(ctx, sub, in, day, now); err != nil {
				return nil, err
			}
			return &sub.Submission, nil
		}
		it, err := newIntakeItem(ctx, ref.stamp, day, sub)
		if err != nil {
			return nil, err
		}
		err = s.submitQueued(ctx, it)
		if errors.Is(err, errStaleReference) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("submit petition: %w", err)
		}
		return &sub.Submission, nil
	}
}

// plannedSubmission is a submission's rows before the tracking number is
// known: events and the notice point at Petition.ID, and the notice's key
// and data hold the code (see submitSQL).
type plannedSubmission struct {
	Submission
	events []Event
	// due is the triage deadline the receipt notice names.
	due time.Time
}

// planSubmission checks the input's codes against the reference data,
// routes it and sets its deadline: everything but the number.
func (s *Store) planSubmission(ctx context.Context, in *SubmitInput, v *ValidationError, ref *intakeRef, now, received time.Time) (*plannedSubmission, error) {
	// A bad code becomes a field error, not a rollback.
	verr := &ValidationError{Fields: slices.Clone(v.Fields)}
	cat, ok := ref.categories[in.Category]
	if in.Category != "" && !ok {
		verr.Add("category", "err.unknown_code", nil)
	}
	var area *Area
	if in.Area != "" {
		a, ok := ref.areas[in.Area]
		if !ok {
			verr.Add("area", "err.unknown_code", nil)
		}
		area = &a
	}
	var procUnit *int64
	if in.ProcedureCode != "" && !verr.Has("procedure_code") {
		proc, ok := ref.procedures[in.ProcedureCode]
		if !ok {
			verr.Add("procedure_code", "err.unknown_procedure", nil)
		}
		procUnit = proc.UnitID
	}
	if len(in.Attachments) > 0 {
		verr.Fields = append(verr.Fields, ValidateAttachments(in.Attachments, "files", 0).Fields...)
	}
	if err := verr.Err(); err != nil {
		return nil, err
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	var areaID *int64
	if area != nil {
		areaID = &area.ID
	}
	dec, err := ref.route(RouteRequest{Kind: in.Kind, CategoryID: cat.ID, AreaID: areaID, ProcedureUnitID: procUnit}, cat, area)
	if err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	due := cal.AddWorkingDays(received, ref.policy(in.Kind, cat.ID).TriageDays)
	created := s.DB.NowFunc() // what gorm would write

	sub := &plannedSubmission{Submission: Submission{Secret: NewLookupSecret(), Unit: dec.Unit}}
	p := &sub.Petition
	*p = Petition{
		Kind: in.Kind, Title: in.Title, Content: in.Content,
		CategoryID: cat.ID, AreaID: areaID, UnitID: dec.Unit.ID,
		Address: in.Address, Lat: in.Lat, Long: in.Long,
		Status: StatusReceived, Channel: in.Channel, Language: in.Language,
		PublishConsent: in.PublishConsent, ConfidentialIdentity: in.ConfidentialIdentity,
		PetitionerName: in.Petitioner.Name, PetitionerPhone: in.Petitioner.Phone,
		PetitionerEmail: in.Petitioner.Email, PetitionerAddress: in.Petitioner.Address,
		PetitionerOrganization: in.Petitioner.Organization,
		ReceivedAt:             received, DueAt: &due, DueStage: StageTriage,
		EnteredByID: in.EnteredByID,
		DossierCode: in.DossierCode, ProcedureCode: in.ProcedureCode,
		CreatedAt: created, UpdatedAt: created,
	}
	actor := in.ActorName
	if actor == "" {
		actor = p.PetitionerName
	}
	sub.events = []Event{
		{PetitionID: &p.ID, At: now, ActorID: in.EnteredByID, ActorName: actor, Type: "received", ToValue: StatusReceived, Note: in.Channel, Public: true},
		{PetitionID: &p.ID, At: now, ActorName: "PAKN", Type: "routed", ToValue: dec.Unit.Code, Note: dec.Unit.Name, Public: true},
		{PetitionID: &p.ID, At: now, ActorName: "PAKN", Type: "due_set", ToValue: due.Format(time.RFC3339), Note: StageTriage},
	}
	sub.due = due
	return sub, nil
}

// setCode gives the petition its tracking code and the secret's hash.
func (sub *plannedSubmission) setCode(day string, seq int64) {
	sub.Petition.Code = formatCode(day, seq)
	sub.Petition.SecretHash = hashSecret(sub.Petition.Code, sub.Secret)
}

// submitTx records a submission in an ordinary transaction: on SQLite, and
// on PostgreSQL for a submission with files (content-addressed blobs need
// statements of their own).
func (s *Store) submitTx(ctx context.Context, sub *plannedSubmission, in SubmitInput, day string, now time.Time) error {
	var seq int64
	if s.Dialect == Postgres {
		// The day's sequence, outside the transaction: a failure leaves a
		// gap, which the format allows.
		n, err := s.nextCodeNumberPG(ctx, day)
		if err != nil {
			return fmt.Errorf("submit petition: %w", err)
		}
		seq = n
	}
	p := &sub.Petition
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		if s.Dialect != Postgres {
			n, err := nextCodeNumberTx(tx, day)
			if err != nil {
				return err
			}
			seq = n
		}
		sub.setCode(day, seq)
		if err := tx.Create(p).Error; err != nil {
			return fmt.Errorf("insert petition %s: %w", p.Code, err)
		}
		if err := tx.Create(&sub.events).Error; err != nil {
			return fmt.Errorf("audit petition %s: %w", p.Code, err)
		}
		if _, err := attachTx(tx, p.ID, SideCitizen, in.EnteredByID, in.Attachments, now); err != nil {
			return err
		}
		if in.AccountID != nil {
			if err := linkPetitionTx(tx, *in.AccountID, p.ID, "submit", now); err != nil {
				return err
			}
		}
		msg, err := receivedNotice(p, sub.Unit.Name, sub.due, now)
		if err != nil || msg == nil {
			return err
		}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(msg).Error; err != nil {
			return fmt.Errorf("outbox %s: %w", msg.DedupeKey, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("submit petition: %w", err)
	}
	return nil
}

// enqueueCitizenNotice writes the notice for a stage to the outbox: e-mail
// when the citizen left an address, otherwise SMS. The dedupe key makes a
// second attempt at the same stage a no-op.
func enqueueCitizenNotice(tx *gorm.DB, p *Petition, stage string, data map[string]any, now time.Time) error {
	msg, err := citizenNotice(p, stage, data, now)
	if err != nil || msg == nil {
		return err
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(msg).Error; err != nil {
		return fmt.Errorf("outbox %s: %w", msg.DedupeKey, err)
	}
	return nil
}

// citizenNotice builds the outbox row of a stage's notice, or nil when the
// citizen left no contact. PetitionID points at p.ID.
func citizenNotice(p *Petition, stage string, data map[string]any, now time.Time) (*OutboxMessage, error) {
	if noticeRecipient(p) == "" {
		return nil, nil
	}
	if data == nil {
		data = map[string]any{}
	}
	data["code"] = p.Code
	data["title"] = p.Title
	data["name"] = p.PetitionerName
	data["lang"] = p.Language
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("notice data: %w", err)
	}
	key := fmt.Sprintf("petition:%s:%s", p.Code, stage)
	if d, ok := data["due_at"].(time.Time); ok {
		key += ":" + d.UTC().Format("20060102T150405")
	}
	if d, ok := data["dedupe"]; ok {
		key += fmt.Sprintf(":%v", d) // a stage that may recur (a second transfer)
	}
	return noticeMessage(p, stage, key, raw, now), nil
}

// noticeRecipient is where a citizen's notices go: the e-mail address, or
// else the phone (SMS); "" when the citizen left neither.
func noticeRecipient(p *Petition) string {
	if p.PetitionerEmail != "" {
		return p.PetitionerEmail
	}
	return p.PetitionerPhone
}

// noticeMessage is the outbox row of a citizen's notice with its key (less
// the channel) and data.
func noticeMessage(p *Petition, stage, key string, data []byte, now time.Time) *OutboxMessage {
	channel := OutboxEmail
	if p.PetitionerEmail == "" {
		channel = OutboxSMS
	}
	return &OutboxMessage{
		DedupeKey: key + ":" + channel, Channel: channel, Recipient: noticeRecipient(p),
		Template: "citizen_" + stage, Data: string(data), PetitionID: &p.ID,
		Status: OutboxPending, NextAttemptAt: now, CreatedAt: now,
	}
}

// receivedData is the receipt notice's data: what citizenNotice makes of
// {"unit", "due_at"}, as a struct (its fields in the order json.Marshal
// sorts a map's keys), which encodes several times faster than the map.
type receivedData struct {
	Code  string    `json:"code"`
	DueAt time.Time `json:"due_at"`
	Lang  string    `json:"lang"`
	Name  string    `json:"name"`
	Title string    `json:"title"`
	Unit  string    `json:"unit"`
}

// receivedNotice is citizenNotice(p, "received", {"unit": unit, "due_at":
// due}, now), byte for byte: the receipt every submission writes.
func receivedNotice(p *Petition, unit string, due, now time.Time) (*OutboxMessage, error) {
	if noticeRecipient(p) == "" {
		return nil, nil
	}
	raw, err := json.Marshal(receivedData{Code: p.Code, DueAt: due, Lang: p.Language, Name: p.PetitionerName, Title: p.Title, Unit: unit})
	if err != nil {
		return nil, fmt.Errorf("notice data: %w", err)
	}
	key := "petition:" + p.Code + ":received:" + due.UTC().Format("20060102T150405")
	return noticeMessage(p, "received", key, raw, now), nil
}
