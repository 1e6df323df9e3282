package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// Frozen copies of the workflow's tables as they were when this migration
// was written.

type m0010Petition struct {
	PausedAt     *time.Time
	ExtendedDays int `gorm:"not null;default:0"`
	InfoRequest  string
	ReplyNumber  string `gorm:"size:64"`
	ReplyDate    *time.Time
}

func (m0010Petition) TableName() string { return "petitions" }

type m0010Note struct {
	ID         int64  `gorm:"primaryKey"`
	PetitionID int64  `gorm:"index;not null"`
	AuthorID   int64  `gorm:"not null"`
	AuthorName string `gorm:"not null"`
	Body       string `gorm:"not null"`
	CreatedAt  time.Time
}

func (m0010Note) TableName() string { return "petition_notes" }

type m0010Blob struct {
	SHA256      string `gorm:"primaryKey;size:64"`
	Size        int64  `gorm:"not null"`
	ContentType string `gorm:"size:128;not null"`
	Data        []byte `gorm:"not null"`
	CreatedAt   time.Time
}

func (m0010Blob) TableName() string { return "attachments_blobs" }

type m0010Attachment struct {
	ID           int64  `gorm:"primaryKey"`
	PetitionID   int64  `gorm:"index;not null"`
	SHA256       string `gorm:"size:64;index;not null"`
	Name         string `gorm:"not null"`
	ContentType  string `gorm:"size:128;not null"`
	Size         int64  `gorm:"not null"`
	Side         string `gorm:"size:16;not null"`
	UploadedByID *int64
	CreatedAt    time.Time
}

func (m0010Attachment) TableName() string { return "attachments" }

type m0010Rating struct {
	PetitionID int64 `gorm:"primaryKey;autoIncrement:false"`
	Score      int   `gorm:"not null"`
	Comment    string
	CreatedAt  time.Time
}

func (m0010Rating) TableName() string { return "petition_ratings" }

type m0010LoginFailure struct {
	ID  int64     `gorm:"primaryKey"`
	Key string    `gorm:"size:300;not null;index:idx_login_failures_key_at,priority:1"`
	At  time.Time `gorm:"not null;index:idx_login_failures_key_at,priority:2"`
}

func (m0010LoginFailure) TableName() string { return "login_failures" }

// The officials' workflow: clock pauses and extensions, reply documents,
// internal notes, content-addressed attachments, ratings and sign-in
// throttling shared by every instance.
func m0010Workflow() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0010_workflow",
		Migrate: func(tx *gorm.DB) error {
			m := tx.Migrator()
			for _, col := range []string{"PausedAt", "ExtendedDays", "InfoRequest", "ReplyNumber", "ReplyDate"} {
				if !m.HasColumn(&m0010Petition{}, col) {
					if err := m.AddColumn(&m0010Petition{}, col); err != nil {
						return err
					}
				}
			}
			return tx.AutoMigrate(&m0010Note{}, &m0010Blob{}, &m0010Attachment{}, &m0010Rating{}, &m0010LoginFailure{})
		},
		Rollback: func(tx *gorm.DB) error {
			m := tx.Migrator()
			for _, t := range []string{"login_failures", "petition_ratings", "attachments", "attachments_blobs", "petition_notes"} {
				if err := m.DropTable(t); err != nil {
					return err
				}
			}
			for _, col := range []string{"PausedAt", "ExtendedDays", "InfoRequest", "ReplyNumber", "ReplyDate"} {
				if err := m.DropColumn(&m0010Petition{}, col); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
