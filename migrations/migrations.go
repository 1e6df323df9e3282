// Package migrations holds the ordered, append-only list of schema changes.
// Never edit a migration that has shipped: add a new one.
package migrations

import (
	"context"
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// all is the ordered list. Append only.
func all() []*gormigrate.Migration {
	return []*gormigrate.Migration{
		m0001Initial(),
		m0002Published(),
		m0003Sessions(),
		m0005ReferenceVersion(),
		m0010Workflow(),
		m0020Jobs(),
		m0030FAQ(),
		m0040APIKeys(),
		m0050IntakeIndexes(),
		m0060PublishedIndexes(),
		m0140PublicTitle(),
		m0120RequestCounts(),
		m0150HeldUploads(),
		m0070PersonalData(),
		m0110CitizenAccounts(),
		m0080SignInAttempts(),
		m0081AttachmentNames(),
		m0100AccountSecurity(),
		m0090Procedures(),
		m0075Privacy(),
		m0160DemoPetitions(),
	}
}

// IDs lists the migration IDs in order (for tests and `pakn migrate`).
func IDs() []string {
	var ids []string
	for _, m := range all() {
		ids = append(ids, m.ID)
	}
	return ids
}

// advisoryKey is the PostgreSQL advisory lock that serialises migrations
// between instances and commands started side by side.
const advisoryKey = 7_265_746_101

// Migrate applies pending migrations. On PostgreSQL it runs them in one
// transaction under an advisory lock held on one pinned connection, so a
// command started beside a running server, or two servers starting at once,
// never apply the same migration twice.
func Migrate(ctx context.Context, db *gorm.DB, dialect string) error {
	opts := &gormigrate.Options{
		TableName:                 "schema_migrations",
		IDColumnName:              "id",
		IDColumnSize:              64,
		UseTransaction:            dialect == "postgres",
		ValidateUnknownMigrations: false,
	}
	if dialect != "postgres" {
		if err := gormigrate.New(db.WithContext(ctx), opts, all()).Migrate(); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		return nil
	}
	return db.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		if err := conn.Exec("SELECT pg_advisory_lock(?)", advisoryKey).Error; err != nil {
			return fmt.Errorf("take migration lock: %w", err)
		}
		defer conn.Exec("SELECT pg_advisory_unlock(?)", advisoryKey)
		if err := gormigrate.New(conn, opts, all()).Migrate(); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		return nil
	})
}
