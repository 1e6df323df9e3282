package models

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
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
	if p.Email != "" {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email || !strings.Contains(p.Email, ".") {
			v.Add("petitioner.email", "err.email", nil)
		}
	}
	if in.RequireConsent && !in.PrivacyConsent {
		v.Add("privacy_consent", "err.consent", nil)
	}
	return v
}

// SubmitPetition validates, routes and records a petition with its first
// audit events and the citizen's receipt notice, in one transaction. When it
// returns without error everything the citizen is told is committed.
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
	received := now
	if !in.ReceivedAt.IsZero() && in.ReceivedAt.Before(now) {
		received = in.ReceivedAt.UTC()
	}
	day := received.In(VietnamLocation()).Format("060102")

	// Reference data comes from the store's copy, checked against the
	// database by one stamp query (intake_ref.go). On PostgreSQL a valid
	// input takes its tracking number, its petition id and the stamp in one
	// statement (reserveCode).
	var (
		ref             *intakeRef
		seq, petitionID int64
		err             error
		reserved        = s.Dialect == Postgres && len(v.Fields) == 0
	)
	if reserved {
		var stamp string
		if seq, petitionID, stamp, err = s.reserveCode(ctx, day); err == nil {
			ref, err = s.intakeRefFor(ctx, stamp)
		}
	} else {
		ref, err = s.intakeReference(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	// A bad code becomes a field error, not a rollback.
	cat, ok := ref.categories[in.Category]
	if in.Category != "" && !ok {
		v.Add("category", "err.unknown_code", nil)
	}
	var area *Area
	if in.Area != "" {
		a, ok := ref.areas[in.Area]
		if !ok {
			v.Add("area", "err.unknown_code", nil)
		}
		area = &a
	}
	if len(in.Attachments) > 0 {
		v.Fields = append(v.Fields, ValidateAttachments(in.Attachments, "files", 0).Fields...)
	}
	if err := v.Err(); err != nil {
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
	dec, err := ref.route(RouteRequest{Kind: in.Kind, CategoryID: cat.ID, AreaID: areaID}, cat, area)
	if err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	due := cal.AddWorkingDays(received, ref.policy(in.Kind, cat.ID).TriageDays)
	secret := NewLookupSecret()

	// The rows of one submission. Events and the notice point at p.ID, which
	// is known before the insert on PostgreSQL and set by it on SQLite.
	p := &Petition{
		ID:   petitionID,
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
	}
	setCode := func(seq int64) {
		p.Code = fmt.Sprintf("PAKN-%s-%04d", day, seq)
		p.SecretHash = hashSecret(p.Code, secret)
	}
	actor := in.ActorName
	if actor == "" {
		actor = p.PetitionerName
	}
	events := []Event{
		{PetitionID: &p.ID, At: now, ActorID: in.EnteredByID, ActorName: actor, Type: "received", ToValue: StatusReceived, Note: in.Channel, Public: true},
		{PetitionID: &p.ID, At: now, ActorName: "PAKN", Type: "routed", ToValue: dec.Unit.Code, Note: dec.Unit.Name, Public: true},
		{PetitionID: &p.ID, At: now, ActorName: "PAKN", Type: "due_set", ToValue: due.Format(time.RFC3339), Note: StageTriage},
	}
	noticeData := map[string]any{"unit": dec.Unit.Name, "due_at": due}

	// Files need their own statements (content-addressed blobs), so a
	// submission with attachments takes the ordinary transaction.
	if reserved && len(in.Attachments) == 0 {
		setCode(seq)
		notice, err := citizenNotice(p, "received", noticeData, now)
		if err != nil {
			return nil, err
		}
		writes := []func(*gorm.DB) *gorm.DB{
			func(db *gorm.DB) *gorm.DB { return db.Create(p) },
			func(db *gorm.DB) *gorm.DB { return db.Create(&events) },
		}
		if notice != nil {
			writes = append(writes, func(db *gorm.DB) *gorm.DB {
				return db.Clauses(clause.OnConflict{DoNothing: true}).Create(notice)
			})
		}
		if err := s.writeAtomically(ctx, writes...); err != nil {
			return nil, fmt.Errorf("submit petition %s: %w", p.Code, err)
		}
	} else {
		err = s.Tx(ctx, func(tx *gorm.DB) error {
			if !reserved {
				n, err := nextCodeNumberTx(tx, day)
				if err != nil {
					return err
				}
				seq = n
			}
			setCode(seq)
			if err := tx.Create(p).Error; err != nil {
				return fmt.Errorf("insert petition %s: %w", p.Code, err)
			}
			if err := tx.Create(&events).Error; err != nil {
				return fmt.Errorf("audit petition %s: %w", p.Code, err)
			}
			if _, err := attachTx(tx, p.ID, SideCitizen, in.EnteredByID, in.Attachments, now); err != nil {
				return err
			}
			return enqueueCitizenNotice(tx, p, "received", noticeData, now)
		})
		if err != nil {
			return nil, fmt.Errorf("submit petition: %w", err)
		}
	}
	return &Submission{Petition: *p, Secret: secret, Unit: dec.Unit}, nil
}

// reserveCode takes, in one statement of its own transaction, the next
// tracking number of the day, the petition's id and the reference data
// stamp. The day's counter row is hot: its lock is held for this one
// statement only, and set_config(..., true) turns synchronous_commit off for
// this transaction alone so the lock goes before the WAL flush. The petition
// that uses the number commits later with a flush, which makes this record
// (and the sequence's) durable too, so a number a citizen was given is never
// reissued; a number taken by a submission that then fails is a gap, which
// the code format allows.
func (s *Store) reserveCode(ctx context.Context, day string) (seq, petitionID int64, stamp string, err error) {
	row := s.DB.WithContext(ctx).Raw(`INSERT INTO code_sequences (day, last)
SELECT ?, 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
ON CONFLICT (day) DO UPDATE SET last = code_sequences.last + 1
RETURNING last, nextval(pg_get_serial_sequence('petitions', 'id')), (`+refStampSQL+`)`, day).Row()
	if err := row.Scan(&seq, &petitionID, &stamp); err != nil {
		return 0, 0, "", fmt.Errorf("next tracking number for %s: %w", day, err)
	}
	return seq, petitionID, stamp, nil
}

func nextCodeNumberTx(tx *gorm.DB, day string) (int64, error) {
	row := CodeSequence{Day: day, Last: 1}
	err := tx.Clauses(
		clause.OnConflict{
			Columns:   []clause.Column{{Name: "day"}},
			DoUpdates: clause.Assignments(map[string]any{"last": gorm.Expr("code_sequences.last + 1")}),
		},
		clause.Returning{Columns: []clause.Column{{Name: "last"}}},
	).Create(&row).Error
	if err != nil {
		return 0, fmt.Errorf("next tracking number for %s: %w", day, err)
	}
	return row.Last, nil
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
	channel, to := OutboxEmail, p.PetitionerEmail
	if to == "" {
		channel, to = OutboxSMS, p.PetitionerPhone
	}
	if to == "" {
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
	return &OutboxMessage{
		DedupeKey: key + ":" + channel, Channel: channel, Recipient: to,
		Template: "citizen_" + stage, Data: string(raw), PetitionID: &p.ID,
		Status: OutboxPending, NextAttemptAt: now, CreatedAt: now,
	}, nil
}
