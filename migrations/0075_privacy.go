package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

type m0075Petition struct {
	// PendingSecretHash is a reissued lookup secret's hash, valid beside
	// the old one until it is first used.
	PendingSecretHash string `gorm:"size:64;not null;default:''"`
}

func (m0075Petition) TableName() string { return "petitions" }

// Privacy: a reissued secret no longer replaces the working one at once,
// and petitions anonymised by the earlier, incomplete retention job are
// queued again so that the complete erasure runs over them (their old
// "anonymised" events keep the first date).
func m0075Privacy() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0075_privacy",
		Migrate: func(tx *gorm.DB) error {
			if !tx.Migrator().HasColumn(&m0075Petition{}, "PendingSecretHash") {
				if err := tx.Migrator().AddColumn(&m0075Petition{}, "PendingSecretHash"); err != nil {
					return err
				}
			}
			return tx.Exec("UPDATE petitions SET anonymised_at = NULL WHERE anonymised_at IS NOT NULL").Error
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropColumn(&m0075Petition{}, "PendingSecretHash")
		},
	}
}
