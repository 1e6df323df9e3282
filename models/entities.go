package models

import "time"

// Unit kinds: the organisation is a tree of these.
const (
	UnitProvince   = "province"
	UnitCenter     = "center" // the Service Center (Trung tâm Phục vụ Hành chính công)
	UnitDepartment = "department"
	UnitDistrict   = "district"
	UnitCommune    = "commune"
)

// Unit is an agency that receives and answers petitions.
type Unit struct {
	ID        int64  `gorm:"primaryKey"`
	Code      string `gorm:"uniqueIndex;size:64;not null"`
	Name      string `gorm:"not null"`
	NameEn    string
	Kind      string `gorm:"size:16;not null"`
	ParentID  *int64 `gorm:"index"`
	Active    bool   `gorm:"not null;default:true"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Level is the administrative level a unit answers at (for the FAQ).
func (u Unit) Level() string {
	switch u.Kind {
	case UnitDistrict:
		return "district"
	case UnitCommune:
		return "commune"
	default:
		return "province"
	}
}

// Area is a place a petition can be about; local categories route to its unit.
type Area struct {
	ID        int64  `gorm:"primaryKey"`
	Code      string `gorm:"uniqueIndex;size:64;not null"`
	Name      string `gorm:"not null"`
	UnitID    *int64 `gorm:"index"`
	ParentID  *int64 `gorm:"index"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Category is a field (lĩnh vực); Local ones are handled by the area's unit.
type Category struct {
	ID           int64  `gorm:"primaryKey"`
	Code         string `gorm:"uniqueIndex;size:64;not null"`
	Name         string `gorm:"not null"`
	NameEn       string
	DepartmentID *int64 `gorm:"index"`
	Local        bool   `gorm:"not null;default:false"`
	Active       bool   `gorm:"not null;default:true"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Routing targets of a rule.
const (
	TargetUnit         = "unit"          // a fixed unit
	TargetAreaUnit     = "area_unit"     // the unit of the petition's area
	TargetCategoryUnit = "category_unit" // the category's department
	// TargetProcedureUnit: the unit that handles the procedure the
	// petition names (migration 0090).
	TargetProcedureUnit = "procedure_unit"
)

// RoutingRule is one ordered rule; the first that applies and yields a unit wins.
type RoutingRule struct {
	ID          int64 `gorm:"primaryKey"`
	Position    int   `gorm:"not null;index"`
	Name        string
	Kind        string // "" = any kind
	CategoryID  *int64
	AreaID      *int64
	OnlyLocal   bool   `gorm:"not null;default:false"` // only categories marked local
	RequireArea bool   `gorm:"not null;default:false"` // only petitions naming an area
	Target      string `gorm:"size:16;not null"`
	UnitID      *int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Petition kinds (API words of the product owner).
const (
	KindComplaint      = "complaint"      // Phản ánh
	KindRecommendation = "recommendation" // Kiến nghị
)

// Petition states.
const (
	StatusReceived     = "received"
	StatusAccepted     = "accepted"
	StatusRejected     = "rejected"
	StatusDuplicate    = "duplicate"
	StatusAwaitingInfo = "awaiting_info"
	StatusDrafted      = "drafted"
	StatusAnswered     = "answered"
	StatusPublished    = "published"
	StatusWithdrawn    = "withdrawn"
	StatusClosed       = "closed"
)

// Intake channels.
const (
	ChannelWeb        = "web"
	ChannelAPI        = "api"
	ChannelOpen311    = "open311"
	ChannelInPerson   = "in_person"
	ChannelPost       = "post"
	ChannelPhone      = "phone"
	ChannelPostOffice = "post_office"
)

// Deadline stages: which clock DueAt belongs to.
const (
	StageTriage = "triage"
	StageAnswer = "answer"
	StageInfo   = "info" // waiting for the citizen; the answer clock is paused
	StageNone   = ""
)

// Petition is one complaint or recommendation with its petitioner's details.
// Personal fields never leave through public output; PublicQuestion and
// PublicAnswer are the reviewed, redacted versions. The schema is the
// migrations' (indexes as of 0050_intake_indexes); the tags document it.
type Petition struct {
	ID         int64  `gorm:"primaryKey"`
	Code       string `gorm:"uniqueIndex;size:32;not null"`
	SecretHash string `gorm:"size:64;not null"`
	Kind       string `gorm:"size:16;not null"`
	Title      string `gorm:"not null"`
	Content    string `gorm:"not null"`
	CategoryID int64  `gorm:"not null"`
	Category   *Category
	AreaID     *int64
	Area       *Area
	UnitID     int64 `gorm:"index;not null"`
	Unit       *Unit
	AssigneeID *int64 `gorm:"index:,where:assignee_id IS NOT NULL"`
	Address    string
	Lat        *float64
	Long       *float64
	Status     string `gorm:"size:16;index;not null"`
	Channel    string `gorm:"size:16;not null"`
	Language   string `gorm:"size:5;not null;default:vi"`

	PublishConsent bool `gorm:"not null;default:false"`
	// ConfidentialIdentity keeps the petitioner visible to the Service Center only.
	ConfidentialIdentity bool `gorm:"not null;default:false"`

	PetitionerName         string `gorm:"not null"`
	PetitionerPhone        string
	PetitionerEmail        string
	PetitionerAddress      string
	PetitionerOrganization string
	AnonymisedAt           *time.Time

	ReceivedAt  time.Time  `gorm:"not null"`
	DueAt       *time.Time `gorm:"index"`
	DueStage    string     `gorm:"size:16"`
	AcceptedAt  *time.Time
	AnswerDueAt *time.Time
	ClosedAt    *time.Time
	Transfers   int `gorm:"not null;default:0"`
	DuplicateOf *int64

	Answer         string
	PublicQuestion string
	PublicAnswer   string
	// PublicTitle is the answer's title in public view (migration 0140):
	// the reviewer's, else the redacted petition title at publication.
	PublicTitle string `gorm:"not null;default:''"`
	AnsweredAt  *time.Time
	PublishedAt *time.Time

	EnteredByID *int64 `gorm:"index:,where:entered_by_id IS NOT NULL"` // a clerk who entered it on someone's behalf

	// Workflow (migration 0010): the paused clock, the one extension, the
	// citizen's pending request and the signed reply document.
	PausedAt     *time.Time
	ExtendedDays int `gorm:"not null;default:0"`
	InfoRequest  string
	ReplyNumber  string `gorm:"size:64"`
	ReplyDate    *time.Time

	// The one-stop dossier and the administrative procedure the petition
	// concerns (migration 0090); "" when it names none.
	DossierCode   string `gorm:"size:40;not null;default:''"`
	ProcedureCode string `gorm:"size:32;not null;default:''"`

	// PendingSecretHash is a reissued secret's hash (migration 0075): it
	// works beside SecretHash and replaces it when first used.
	PendingSecretHash string `gorm:"size:64;not null;default:''"`

	// Demo marks a petition of the demo data set (migration 0160): shown
	// with a badge to officials, never pushed to the national portal, and
	// its lookup secret opens it only on a server in demo mode.
	Demo bool `gorm:"not null;default:false"`

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Open reports whether the petition still needs work.
func (p *Petition) Open() bool {
	switch p.Status {
	case StatusReceived, StatusAccepted, StatusAwaitingInfo, StatusDrafted:
		return true
	}
	return false
}

// Event is one append-only entry of a petition's audit trail. Public ones
// make the citizen's timeline.
type Event struct {
	ID         int64  `gorm:"primaryKey"`
	PetitionID *int64 `gorm:"index"`
	// Subject names what changed when it is not a petition ("unit:STP").
	Subject   string    `gorm:"size:128;index:,where:petition_id IS NULL"`
	At        time.Time `gorm:"not null"`
	ActorID   *int64
	ActorName string
	Type      string `gorm:"size:32;not null"`
	FromValue string
	ToValue   string
	Note      string
	Public    bool `gorm:"not null;default:false"`
}

// Outbox channels and states.
const (
	OutboxEmail  = "email"
	OutboxSMS    = "sms"
	OutboxPortal = "portal"

	OutboxPending       = "pending"
	OutboxSent          = "sent"
	OutboxFailed        = "failed"        // gave up or permanent error
	OutboxUndeliverable = "undeliverable" // no transport configured
	OutboxCancelled     = "cancelled"     // erased before it went (retention, privacy erase)
)

// OutboxMessage is a notice or push to deliver, written in the same
// transaction as the change that caused it. DedupeKey makes generation
// happen once (petition, stage, deadline).
type OutboxMessage struct {
	ID            int64  `gorm:"primaryKey"`
	DedupeKey     string `gorm:"uniqueIndex;size:200;not null"`
	Channel       string `gorm:"size:16;not null"`
	Recipient     string
	Template      string    `gorm:"size:64"`
	Data          string    // JSON for the template
	PetitionID    *int64    `gorm:"index"`
	Status        string    `gorm:"size:16;not null;index:idx_outbox_due,priority:1"`
	NextAttemptAt time.Time `gorm:"index:idx_outbox_due,priority:2"`
	Attempts      int
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
}

// User roles.
const (
	RoleAdmin       = "admin"
	RoleCoordinator = "coordinator"
	RoleLeader      = "leader"
	RoleOfficer     = "officer"
	RoleClerk       = "clerk"
)

// User is an official.
type User struct {
	ID           int64  `gorm:"primaryKey"`
	Email        string `gorm:"uniqueIndex;size:254;not null"`
	Name         string `gorm:"not null"`
	Role         string `gorm:"size:16;not null"`
	UnitID       *int64 `gorm:"index"`
	Unit         *Unit
	PasswordHash string `gorm:"not null"`
	Active       bool   `gorm:"not null;default:true"`
	// MustChangePassword sends the official to /admin/account until they
	// choose a password of their own (account.go).
	MustChangePassword bool `gorm:"not null;default:false"`
	// Demo marks the demo officials: never obliged to change their
	// password or to use two factors.
	Demo      bool `gorm:"not null;default:false"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Holiday is one day of the calendar that differs from the weekly rule.
type Holiday struct {
	Date       string `gorm:"primaryKey;size:10"` // YYYY-MM-DD
	Name       string `gorm:"not null"`
	Kind       string `gorm:"size:16;not null"` // holiday | workday
	Source     string
	Confidence string `gorm:"size:16"`
	UpdatedAt  time.Time
}

// DeadlinePolicy holds the working-day limits for a kind and category; the
// most specific row wins, the row with neither is the default.
type DeadlinePolicy struct {
	ID               int64 `gorm:"primaryKey"`
	Kind             string
	CategoryID       *int64
	TriageDays       int `gorm:"not null"`
	AnswerDays       int `gorm:"not null"`
	ExtensionMaxDays int `gorm:"not null"`
	InfoWaitDays     int `gorm:"not null"`
	UpdatedAt        time.Time
}

// CodeSequence hands out the per-day numbers of tracking codes.
type CodeSequence struct {
	Day  string `gorm:"primaryKey;size:6"` // YYMMDD
	Last int64  `gorm:"not null"`
}

// Setting is one key of generated configuration (e.g. the SQLite secret).
type Setting struct {
	Key   string `gorm:"primaryKey;size:64"`
	Value string `gorm:"not null"`
}
