package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

// TestSignInThrottle: failures count per (account, address), so a
// stranger's wrong passwords never lock the official out; beyond the
// per-account ceiling, unknown addresses are slowed to the ceiling's rate
// and known ones are not slowed at all.
func TestSignInThrottle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		st := testenv.Open(t, tg)
		now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
		st.Now = func() time.Time { return now }
		wait := func(email, ip string) time.Duration {
			t.Helper()
			d, err := st.LoginWait(ctx, email, ip)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		fail := func(email, ip string) {
			t.Helper()
			if err := st.RecordLoginFailure(ctx, email, ip); err != nil {
				t.Fatal(err)
			}
		}
		const admin, stranger, office = "admin@demo.pakn.vn", "203.0.113.66", "198.51.100.7"

		// The pair is throttled after LoginMaxPerPair failures.
		for i := 0; i < models.LoginMaxPerPair; i++ {
			if d := wait(admin, stranger); d != 0 {
				t.Fatalf("throttled after %d failures: %v", i, d)
			}
			fail(admin, stranger)
			now = now.Add(10 * time.Second)
		}
		first := now.Add(-time.Duration(models.LoginMaxPerPair) * 10 * time.Second)
		if d, want := wait("ADMIN@demo.pakn.vn ", stranger), first.Add(models.LoginWindow).Sub(now); d != want {
			t.Fatalf("stranger's wait %v, want %v (until the oldest failure leaves the window)", d, want)
		}
		cases := []struct {
			name, email, ip string
		}{
			{"the official from the office", admin, office},
			{"another account from the stranger's address", "coordinator@demo.pakn.vn", stranger},
		}
		for _, c := range cases {
			if d := wait(c.email, c.ip); d != 0 {
				t.Errorf("%s waits %v", c.name, d)
			}
		}
		// An IPv6 client is its /64.
		for i := 0; i < models.LoginMaxPerPair; i++ {
			fail(admin, fmt.Sprintf("2001:db8:1:2::%x", i+1))
		}
		if d := wait(admin, "2001:db8:1:2:ffff::1"); d == 0 {
			t.Error("another address of the same /64 is not throttled")
		}
		if d := wait(admin, "2001:db8:1:3::1"); d != 0 {
			t.Errorf("another /64 waits %v", d)
		}
		// The window passes.
		now = now.Add(models.LoginWindow)
		if d := wait(admin, stranger); d != 0 {
			t.Fatalf("still throttled after the window: %v", d)
		}
		// A success forgets the pair's failures and makes the address known.
		fail(admin, office)
		if err := st.RecordLoginSuccess(ctx, admin, office); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < models.LoginMaxPerPair-1; i++ {
			fail(admin, office)
		}
		if d := wait(admin, office); d != 0 {
			t.Fatalf("failures before the success still count: %v", d)
		}

		// Past the ceiling (failures from many addresses in the hour),
		// unknown addresses are spaced out, never locked; the office is
		// known and signs in at once.
		for i := 0; i < models.LoginCeiling; i++ {
			fail(admin, fmt.Sprintf("10.%d.%d.1", i/200, i%200))
		}
		spacing := models.LoginCeilingWindow / models.LoginCeiling
		if d := wait(admin, "192.0.2.1"); d <= 0 || d > spacing {
			t.Fatalf("unknown address past the ceiling waits %v, want (0, %v]", d, spacing)
		}
		if d := wait(admin, office); d != 0 {
			t.Fatalf("known address past the ceiling waits %v", d)
		}
		if d := wait("coordinator@demo.pakn.vn", "192.0.2.1"); d != 0 {
			t.Fatalf("another account waits %v", d)
		}
		now = now.Add(spacing)
		if d := wait(admin, "192.0.2.1"); d != 0 {
			t.Fatalf("unknown address still waits %v after the spacing: the account is locked", d)
		}
		fail(admin, "192.0.2.1")
		if d := wait(admin, "192.0.2.2"); d != spacing {
			t.Fatalf("next unknown address waits %v, want %v", d, spacing)
		}
		// An hour later the ceiling no longer applies.
		now = now.Add(models.LoginCeilingWindow + time.Second)
		if d := wait(admin, "192.0.2.2"); d != 0 {
			t.Fatalf("after the hour: %v", d)
		}
		// Old failures are dropped as new attempts are written.
		fail(admin, "192.0.2.3")
		var n int64
		if err := st.DB.Model(&models.LoginAttempt{}).Where("ok = ?", false).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("%d failures kept, want only the last", n)
		}
	})
}
