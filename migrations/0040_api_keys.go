package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

type m0040APIKey struct {
	ID         int64  `gorm:"primaryKey"`
	Name       string `gorm:"not null"`
	Holder     string `gorm:"not null"`
	Prefix     string `gorm:"size:16;not null"`
	KeyHash    string `gorm:"uniqueIndex;size:64;not null"`
	RateLimit  int    `gorm:"not null;default:60"`
	Active     bool   `gorm:"not null;default:true"`
	CreatedBy  string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

func (m0040APIKey) TableName() string { return "api_keys" }

// API keys for Open311 clients: only a hash of each key is stored.
func m0040APIKeys() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0040_api_keys",
		Migrate: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&m0040APIKey{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable("api_keys")
		},
	}
}
