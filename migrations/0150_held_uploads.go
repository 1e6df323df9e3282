package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0150HeldUpload is a file of a form that came back with errors, kept for
// an hour so that the citizen does not choose it again (issue 21). In the
// database, not on one instance's disk: the next post may reach another
// instance. A frozen copy: the model may change, this migration does not.
type m0150HeldUpload struct {
	ID          int64     `gorm:"primaryKey"`
	TokenHash   string    `gorm:"size:64;not null;index:idx_held_uploads_token,priority:1"`
	Position    int       `gorm:"not null;index:idx_held_uploads_token,priority:2"`
	Name        string    `gorm:"not null"`
	ContentType string    `gorm:"size:128;not null"`
	Data        []byte    `gorm:"not null"`
	ExpiresAt   time.Time `gorm:"not null;index"`
}

func (m0150HeldUpload) TableName() string { return "held_uploads" }

func m0150HeldUploads() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID:       "0150_held_uploads",
		Migrate:  func(tx *gorm.DB) error { return tx.Migrator().CreateTable(&m0150HeldUpload{}) },
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable("held_uploads") },
	}
}
