package models_test

import (
	"context"
	"testing"

	"pakn/internal/testdb"
	"pakn/models"
)

// BenchmarkCheckNewPassword is the cost of the password rules (the common
// list is read on first use, outside the timing).
func BenchmarkCheckNewPassword(b *testing.B) {
	models.IsCommonPassword("warm up")
	b.ReportAllocs()
	for b.Loop() {
		v := &models.ValidationError{}
		models.CheckNewPassword(v, "new", "sông Vàm Cỏ chảy qua Bến Lức 2026!", "thu.ky@longan.gov.vn", "Trần Thư Ký")
	}
}

// BenchmarkObligationsOf is what the account gate adds to every admin
// request, for an official whose role must use two factors (the dearer
// case: the setting and the key are read).
func BenchmarkObligationsOf(b *testing.B) {
	for _, target := range []struct {
		name string
		tg   func(testing.TB) testdb.Target
	}{{"sqlite", testdb.SQLite}, {"postgres", testdb.Postgres}} {
		b.Run(target.name, func(b *testing.B) { benchObligations(b, benchStore(b, target.tg(b))) })
	}
}

func benchObligations(b *testing.B, st *models.Store) {
	ctx := context.Background()
	var admin, u models.User
	st.DB.Where("email = ?", "admin@demo.pakn.vn").First(&admin)
	st.DB.Where("email = ?", "officer.stnmt@demo.pakn.vn").First(&u)
	u.Demo = false
	if err := st.SetTwoFactorRoles(ctx, models.ViewerOf(&admin), []string{models.RoleOfficer}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if o, err := st.ObligationsOf(ctx, &u); err != nil || !o.EnrolTwoFactor {
			b.Fatalf("%+v %v", o, err)
		}
	}
}
