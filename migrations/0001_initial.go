package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// The schema as of the first release. These structs are frozen copies: the
// models change, this migration never does.
type m0001Unit struct {
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

type m0001Area struct {
	ID        int64  `gorm:"primaryKey"`
	Code      string `gorm:"uniqueIndex;size:64;not null"`
	Name      string `gorm:"not null"`
	UnitID    *int64 `gorm:"index"`
	ParentID  *int64 `gorm:"index"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

type m0001Category struct {
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

type m0001RoutingRule struct {
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

type m0001Petition struct {
	ID         int64  `gorm:"primaryKey"`
	Code       string `gorm:"uniqueIndex;size:32;not null"`
	SecretHash string `gorm:"size:64;not null"`
	Kind       string `gorm:"size:16;not null"`
	Title      string `gorm:"not null"`
	Content    string `gorm:"not null"`
	CategoryID int64  `gorm:"index;not null"`
	AreaID     *int64 `gorm:"index"`
	UnitID     int64  `gorm:"index;not null"`
	AssigneeID *int64 `gorm:"index"`
	Address    string
	Lat        *float64
	Long       *float64
	Status     string `gorm:"size:16;index;not null"`
	Channel    string `gorm:"size:16;not null"`
	Language   string `gorm:"size:5;not null;default:vi"`

	PublishConsent       bool `gorm:"not null;default:false"`
	ConfidentialIdentity bool `gorm:"not null;default:false"`

	PetitionerName         string `gorm:"not null"`
	PetitionerPhone        string `gorm:"index"`
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
	AnsweredAt     *time.Time
	PublishedAt    *time.Time

	EnteredByID *int64 `gorm:"index"` // a clerk who entered it on someone's behalf
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

type m0001Event struct {
	ID         int64     `gorm:"primaryKey"`
	PetitionID *int64    `gorm:"index"`
	Subject    string    `gorm:"size:128;index"`
	At         time.Time `gorm:"not null"`
	ActorID    *int64
	ActorName  string
	Type       string `gorm:"size:32;not null"`
	FromValue  string
	ToValue    string
	Note       string
	Public     bool `gorm:"not null;default:false"`
}

type m0001OutboxMessage struct {
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

type m0001User struct {
	ID           int64  `gorm:"primaryKey"`
	Email        string `gorm:"uniqueIndex;size:254;not null"`
	Name         string `gorm:"not null"`
	Role         string `gorm:"size:16;not null"`
	UnitID       *int64 `gorm:"index"`
	PasswordHash string `gorm:"not null"`
	Active       bool   `gorm:"not null;default:true"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

type m0001Holiday struct {
	Date       string `gorm:"primaryKey;size:10"` // YYYY-MM-DD
	Name       string `gorm:"not null"`
	Kind       string `gorm:"size:16;not null"` // holiday | workday
	Source     string
	Confidence string `gorm:"size:16"`
	UpdatedAt  time.Time
}

type m0001DeadlinePolicy struct {
	ID               int64 `gorm:"primaryKey"`
	Kind             string
	CategoryID       *int64
	TriageDays       int `gorm:"not null"`
	AnswerDays       int `gorm:"not null"`
	ExtensionMaxDays int `gorm:"not null"`
	InfoWaitDays     int `gorm:"not null"`
	UpdatedAt        time.Time
}

type m0001CodeSequence struct {
	Day  string `gorm:"primaryKey;size:6"` // YYMMDD
	Last int64  `gorm:"not null"`
}

type m0001Setting struct {
	Key   string `gorm:"primaryKey;size:64"`
	Value string `gorm:"not null"`
}

func (m0001Unit) TableName() string           { return "units" }
func (m0001Area) TableName() string           { return "areas" }
func (m0001Category) TableName() string       { return "categories" }
func (m0001RoutingRule) TableName() string    { return "routing_rules" }
func (m0001Petition) TableName() string       { return "petitions" }
func (m0001Event) TableName() string          { return "events" }
func (m0001OutboxMessage) TableName() string  { return "outbox_messages" }
func (m0001User) TableName() string           { return "users" }
func (m0001Holiday) TableName() string        { return "holidays" }
func (m0001DeadlinePolicy) TableName() string { return "deadline_policies" }
func (m0001CodeSequence) TableName() string   { return "code_sequences" }
func (m0001Setting) TableName() string        { return "settings" }

func m0001Initial() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0001_initial",
		Migrate: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&m0001Unit{}, &m0001Area{}, &m0001Category{}, &m0001RoutingRule{},
				&m0001Petition{}, &m0001Event{}, &m0001OutboxMessage{}, &m0001User{}, &m0001Holiday{},
				&m0001DeadlinePolicy{}, &m0001CodeSequence{}, &m0001Setting{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable("settings", "code_sequences", "deadline_policies", "holidays", "users",
				"outbox_messages", "events", "petitions", "routing_rules", "categories", "areas", "units")
		},
	}
}
