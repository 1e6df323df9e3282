package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0080LoginAttempt is one sign-in attempt: failures are counted per
// (account, client address) and per account, and an address with a recent
// success is one the account's owner uses. It replaces login_failures,
// whose per-account lockout let anyone lock an official out.
type m0080LoginAttempt struct {
	ID      int64     `gorm:"primaryKey"`
	Account string    `gorm:"size:320;not null;index:idx_login_attempts_account,priority:1;index:idx_login_attempts_pair,priority:1"`
	Address string    `gorm:"size:64;not null;index:idx_login_attempts_pair,priority:2"`
	OK      bool      `gorm:"not null;index:idx_login_attempts_pair,priority:3"`
	At      time.Time `gorm:"not null;index:idx_login_attempts_account,priority:2;index:idx_login_attempts_pair,priority:4;index:idx_login_attempts_at"`
}

func (m0080LoginAttempt) TableName() string { return "login_attempts" }

// Frozen: never edit; add a new migration.
func m0080SignInAttempts() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0080_sign_in_attempts",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&m0080LoginAttempt{}); err != nil {
				return err
			}
			// Failures are worthless after an hour; nothing to carry over.
			return tx.Migrator().DropTable("login_failures")
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropTable("login_attempts"); err != nil {
				return err
			}
			return tx.AutoMigrate(&m0010LoginFailure{})
		},
	}
}
