package migrations_test

import (
	"context"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/migrations"
	"pakn/models"
)

// 0075 adds the pending secret and queues petitions anonymised by the
// earlier, incomplete job for the complete erasure.
func TestPrivacyMigration(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		st, ctx := e.Store, context.Background()
		sub := e.Submit(models.SubmitInput{})
		if err := st.DB.Model(&models.Petition{}).Where("id = ?", sub.Petition.ID).
			Updates(map[string]any{"status": models.StatusClosed, "anonymised_at": time.Now().UTC()}).Error; err != nil {
			t.Fatal(err)
		}
		// As before 0075.
		if err := st.DB.Exec("ALTER TABLE petitions DROP COLUMN pending_secret_hash").Error; err != nil {
			t.Fatal(err)
		}
		if err := st.DB.Exec("DELETE FROM schema_migrations WHERE id = ?", "0075_privacy").Error; err != nil {
			t.Fatal(err)
		}
		if err := migrations.Migrate(ctx, st.DB, st.Dialect); err != nil {
			t.Fatal(err)
		}
		var p models.Petition
		if err := st.DB.First(&p, sub.Petition.ID).Error; err != nil {
			t.Fatal(err)
		}
		if p.AnonymisedAt != nil || p.PendingSecretHash != "" {
			t.Fatalf("after 0075: anonymised_at %v, pending %q", p.AnonymisedAt, p.PendingSecretHash)
		}
		n, err := st.AnonymisePetitioners(ctx, time.Now().Add(time.Hour), time.Now())
		if err != nil || n != 1 {
			t.Fatalf("erasure after 0075: %d %v", n, err)
		}
	})
}
