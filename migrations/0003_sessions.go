package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

type m0003Session struct {
	IDHash     string `gorm:"primaryKey;size:64"`
	UserID     int64  `gorm:"index;not null"`
	CreatedAt  time.Time
	ExpiresAt  time.Time `gorm:"index;not null"`
	LastSeenAt time.Time
	IP         string `gorm:"size:64"`
	UserAgent  string `gorm:"size:300"`
}

func (m0003Session) TableName() string { return "sessions" }

// Officials' sessions live in the database so any instance can serve them.
func m0003Sessions() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID:       "0003_sessions",
		Migrate:  func(tx *gorm.DB) error { return tx.AutoMigrate(&m0003Session{}) },
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable("sessions") },
	}
}
