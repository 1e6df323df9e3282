package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0100User adds officials' sign-in obligations to users.
type m0100User struct {
	MustChangePassword bool `gorm:"not null;default:false"`
	Demo               bool `gorm:"not null;default:false"`
}

func (m0100User) TableName() string { return "users" }

type m0100PasswordReset struct {
	ID        int64     `gorm:"primaryKey"`
	TokenHash string    `gorm:"uniqueIndex;size:64;not null"`
	UserID    int64     `gorm:"index;not null"`
	CreatedBy int64     `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null"`
	UsedAt    *time.Time
}

func (m0100PasswordReset) TableName() string { return "password_resets" }

type m0100UserTOTP struct {
	UserID      int64  `gorm:"primaryKey;autoIncrement:false"`
	SecretEnc   string `gorm:"not null"`
	ConfirmedAt *time.Time
	LastStep    int64 `gorm:"not null;default:0"`
	CreatedAt   time.Time
}

func (m0100UserTOTP) TableName() string { return "user_totps" }

type m0100RecoveryCode struct {
	ID       int64  `gorm:"primaryKey"`
	UserID   int64  `gorm:"index;not null"`
	CodeHash string `gorm:"uniqueIndex;size:64;not null"`
	UsedAt   *time.Time
}

func (m0100RecoveryCode) TableName() string { return "recovery_codes" }

type m0100SignInChallenge struct {
	TokenHash string    `gorm:"primaryKey;size:64"`
	UserID    int64     `gorm:"index;not null"`
	Next      string    `gorm:"size:500"`
	ExpiresAt time.Time `gorm:"index;not null"`
	Attempts  int       `gorm:"not null;default:0"`
}

func (m0100SignInChallenge) TableName() string { return "sign_in_challenges" }

// Officials' own sign-in: password resets by an administrator, TOTP second
// factors with recovery codes, pending second steps of sign-in, and the
// flags that oblige a password change. Demo officials made by seed-demo are
// marked so that no obligation ever applies to them.
func m0100AccountSecurity() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0100_account_security",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&m0100User{}, &m0100PasswordReset{}, &m0100UserTOTP{}, &m0100RecoveryCode{}, &m0100SignInChallenge{}); err != nil {
				return err
			}
			return tx.Exec(`UPDATE users SET demo = ? WHERE email LIKE ? AND 'user:' || email IN
				(SELECT subject FROM events WHERE type = 'user_created' AND actor_name = 'seed-demo')`, true, "%@demo.pakn.vn").Error
		},
		Rollback: func(tx *gorm.DB) error {
			for _, t := range []string{"sign_in_challenges", "recovery_codes", "user_totps", "password_resets"} {
				if err := tx.Migrator().DropTable(t); err != nil {
					return err
				}
			}
			for _, c := range []string{"must_change_password", "demo"} {
				if err := tx.Migrator().DropColumn(&m0100User{}, c); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
