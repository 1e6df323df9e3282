package migrations_test

import (
	"context"
	"testing"

	"pakn/internal/testdb"
	"pakn/migrations"
	"pakn/models"
)

// 0100 marks the demo officials an earlier seed-demo made, and only them.
func TestAccountSecurityMarksDemoOfficials(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := open(t, tg)
		ctx := context.Background()
		if err := migrations.Migrate(ctx, st.DB, st.Dialect); err != nil {
			t.Fatal(err)
		}
		if err := st.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateUser(ctx, models.NewUserInput{Email: "impostor@demo.pakn.vn", Name: "Không phải demo", Role: models.RoleClerk, Password: "một câu dài dễ nhớ 2027"}, "cli"); err != nil {
			t.Fatal(err)
		}
		// As a database seeded before 0100 was: no flags, 0100 not applied.
		if err := st.DB.Exec("UPDATE users SET demo = ?", false).Error; err != nil {
			t.Fatal(err)
		}
		if err := st.DB.Exec("DELETE FROM schema_migrations WHERE id = ?", "0100_account_security").Error; err != nil {
			t.Fatal(err)
		}
		if err := migrations.Migrate(ctx, st.DB, st.Dialect); err != nil {
			t.Fatal(err)
		}
		var demo []string
		if err := st.DB.Model(&models.User{}).Where("demo = ?", true).Order("email").Pluck("email", &demo).Error; err != nil {
			t.Fatal(err)
		}
		if len(demo) != len(models.DemoUsers()) {
			t.Fatalf("marked demo: %v", demo)
		}
		for _, e := range demo {
			if e == "impostor@demo.pakn.vn" {
				t.Fatal("a user on the demo domain made by hand was marked demo")
			}
		}
	})
}
