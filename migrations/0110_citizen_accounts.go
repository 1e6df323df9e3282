package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

type m0110CitizenAccount struct {
	ID           int64  `gorm:"primaryKey"`
	Issuer       string `gorm:"size:300;not null;uniqueIndex:idx_citizen_accounts_subject,priority:1"`
	Subject      string `gorm:"size:255;not null;uniqueIndex:idx_citizen_accounts_subject,priority:2"`
	Name         string `gorm:"not null"`
	Phone        string
	Email        string
	Address      string
	IDNumber     string `gorm:"size:32"`
	Organization string
	Vouched      string `gorm:"size:200"`
	ConsentedAt  time.Time
	LastSignInAt time.Time `gorm:"index;not null"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (m0110CitizenAccount) TableName() string { return "citizen_accounts" }

type m0110CitizenSession struct {
	IDHash     string `gorm:"primaryKey;size:64"`
	AccountID  int64  `gorm:"index;not null"`
	IDToken    string
	CreatedAt  time.Time
	ExpiresAt  time.Time `gorm:"index;not null"`
	LastSeenAt time.Time
	IP         string `gorm:"size:64"`
	UserAgent  string `gorm:"size:300"`
}

func (m0110CitizenSession) TableName() string { return "citizen_sessions" }

type m0110CitizenLogin struct {
	IDHash    string `gorm:"primaryKey;size:64"`
	Stage     string `gorm:"size:16;not null"`
	State     string `gorm:"size:64;not null"`
	Nonce     string `gorm:"size:64;not null"`
	Verifier  string `gorm:"size:128;not null"`
	Next      string `gorm:"size:300"`
	Issuer    string `gorm:"size:300"`
	Subject   string `gorm:"size:255"`
	Profile   string
	IDToken   string
	CreatedAt time.Time
	ExpiresAt time.Time `gorm:"index;not null"`
}

func (m0110CitizenLogin) TableName() string { return "citizen_logins" }

type m0110AccountPetition struct {
	PetitionID int64     `gorm:"primaryKey;autoIncrement:false"`
	AccountID  int64     `gorm:"index;not null"`
	LinkedAt   time.Time `gorm:"not null"`
	Via        string    `gorm:"size:16;not null"`
}

func (m0110AccountPetition) TableName() string { return "account_petitions" }

// Citizen accounts (national shared sign-in): the profile given once, the
// citizens' own sessions apart from officials', the sign-ins under way
// (state, nonce, PKCE verifier; the claims while the citizen decides on
// consent) and the petitions each account follows.
func m0110CitizenAccounts() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0110_citizen_accounts",
		Migrate: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&m0110CitizenAccount{}, &m0110CitizenSession{}, &m0110CitizenLogin{}, &m0110AccountPetition{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable("account_petitions", "citizen_logins", "citizen_sessions", "citizen_accounts")
		},
	}
}
