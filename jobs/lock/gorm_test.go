package lock

import (
	"context"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"pakn/internal/testdb"
)

// TestWithGorm: the application holds a *gorm.DB; its ConnPool is the DB
// the locker needs.
func TestWithGorm(t *testing.T) {
	tg := testdb.Postgres(t)
	gdb, err := gorm.Open(postgres.Open(tg.URL), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sqlDB.Close() })
	ctx := context.Background()
	if err := EnsureTable(ctx, gdb.ConnPool); err != nil {
		t.Fatal(err)
	}
	ran, err := TryRun(ctx, gdb.ConnPool, "notify", time.Minute, func(context.Context) error {
		if _, err := New(sqlDB).Lock(ctx, "notify"); err == nil {
			t.Error("lock taken twice")
		}
		return nil
	})
	if !ran || err != nil {
		t.Fatalf("ran=%v err=%v", ran, err)
	}
}
