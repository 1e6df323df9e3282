package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"pakn/internal/testdb"
	"pakn/models"
)

func TestCheckNewPassword(t *testing.T) {
	const email, name = "thu.ky@longan.gov.vn", "Trần Thư Ký"
	for _, tc := range []struct {
		password, want string
	}{
		{"ngắn-quá", "err.too_short"},
		{"12345678901", "err.too_short"},
		{"123456789012", "err.password_common"}, // "1234567890" plus digits is still common
		{"qwertyuiop", "err.too_short"},
		{"PASSWORD1234", "err.password_common"},
		{"iloveyou2026!", "err.password_common"},
		{"Thu.Ky@LongAn.gov.vn!", "err.password_personal"},
		{"mật-khẩu-của-thuky", "err.password_personal"},
		{"tran-thu-ky-so-tu-phap", "err.password_personal"},
		{"Trần Thư Ký 1990", "err.password_personal"},
		{"ký-hiệu-ngày-mưa-ở-bến-lức", "err.password_personal"}, // the given name "Ký"? no: "ky" is 2 letters
		{"sông Vàm Cỏ chảy qua Bến Lức", ""},
		{"cà phê sữa đá lúc bảy giờ", ""},
	} {
		v := &models.ValidationError{}
		models.CheckNewPassword(v, "new", tc.password, email, name)
		got := ""
		if len(v.Fields) > 0 {
			got = v.Fields[0].Key
		}
		want := tc.want
		if tc.password == "ký-hiệu-ngày-mưa-ở-bến-lức" {
			want = "" // given names shorter than three letters are not searched for
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", tc.password, got, want)
		}
	}
	if !models.IsCommonPassword("Dragon") || models.IsCommonPassword("sông Vàm Cỏ chảy qua") {
		t.Fatal("the common list is not the shipped one")
	}
}

// officialWithSessions creates a non-demo official and signs them in on
// two devices.
func officialWithSessions(t *testing.T, st *models.Store, email, password string) (*models.User, []string) {
	t.Helper()
	ctx := context.Background()
	u, err := st.CreateUser(ctx, models.NewUserInput{Email: email, Name: "Lê Thị Thanh Hương", Role: models.RoleOfficer, UnitCode: "STNMT", Password: password}, "test")
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	var toks []string
	for i := 0; i < 2; i++ {
		tok, err := st.CreateSession(ctx, u.ID, "127.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, tok)
	}
	return u, toks
}

func testBox(t *testing.T, purpose string) *models.SecretBox {
	t.Helper()
	box, err := models.NewSecretBox([]byte("test-secret-0123456789abcdef"), purpose)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func assertSignedOut(t *testing.T, st *models.Store, toks []string) {
	t.Helper()
	for _, tok := range toks {
		if _, _, err := st.SessionUser(context.Background(), tok); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("session still alive: %v", err)
		}
	}
}

func eventTypes(t *testing.T, st *models.Store, subject string) []string {
	t.Helper()
	var types []string
	if err := st.DB.Model(&models.Event{}).Where("subject = ?", subject).Order("id").Pluck("type", &types).Error; err != nil {
		t.Fatal(err)
	}
	return types
}

func TestChangeOwnPassword(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := seeded(t, tg)
		ctx := context.Background()
		const old = "bốn mùa hoa nở trên đồi"
		u, toks := officialWithSessions(t, st, "huong.le@longan.gov.vn", old)
		for _, tc := range []struct {
			in    models.ChangeOwnPasswordInput
			field string
			key   string
		}{
			{models.ChangeOwnPasswordInput{Current: "sai mật khẩu rồi", New: "một câu dài dễ nhớ 2027", Confirm: "một câu dài dễ nhớ 2027"}, "current", "err.password_wrong"},
			{models.ChangeOwnPasswordInput{Current: old, New: "short", Confirm: "short"}, "new", "err.too_short"},
			{models.ChangeOwnPasswordInput{Current: old, New: "password123456", Confirm: "password123456"}, "new", "err.password_common"},
			{models.ChangeOwnPasswordInput{Current: old, New: "huong.le-2026-mới", Confirm: "huong.le-2026-mới"}, "new", "err.password_personal"},
			{models.ChangeOwnPasswordInput{Current: old, New: old, Confirm: old}, "new", "err.password_same"},
			{models.ChangeOwnPasswordInput{Current: old, New: "một câu dài dễ nhớ 2027", Confirm: "một câu dài dễ nhớ 2028"}, "confirm", "err.password_confirm"},
		} {
			err := st.ChangeOwnPassword(ctx, u.ID, tc.in)
			v, ok := models.AsValidation(err)
			if !ok || !v.Has(tc.field) {
				t.Fatalf("%+v: got %v, want %s on %s", tc.in, err, tc.key, tc.field)
			}
			for _, f := range v.Fields {
				if f.Field == tc.field && f.Key != tc.key {
					t.Fatalf("%+v: %s, want %s", tc.in, f.Key, tc.key)
				}
			}
		}
		if _, _, err := st.SessionUser(ctx, toks[0]); err != nil {
			t.Fatalf("a refused change must not sign out: %v", err)
		}
		const fresh = "một câu dài dễ nhớ 2027"
		if err := st.ChangeOwnPassword(ctx, u.ID, models.ChangeOwnPasswordInput{Current: old, New: fresh, Confirm: fresh}); err != nil {
			t.Fatal(err)
		}
		assertSignedOut(t, st, toks)
		if _, err := st.Authenticate(ctx, u.Email, old); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatalf("old password still works: %v", err)
		}
		if _, err := st.Authenticate(ctx, u.Email, fresh); err != nil {
			t.Fatalf("new password: %v", err)
		}
		if got := eventTypes(t, st, "user:"+u.Email); got[len(got)-1] != "password_changed" {
			t.Fatalf("audit: %v", got)
		}
	})
}

func TestPasswordResetLink(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := seeded(t, tg)
		ctx := context.Background()
		admin := viewerOf(t, st, "admin@demo.pakn.vn")
		u, toks := officialWithSessions(t, st, "huong.le@longan.gov.vn", "bốn mùa hoa nở trên đồi")
		box := testBox(t, models.BoxResetLink)
		if _, err := st.IssuePasswordReset(ctx, viewerOf(t, st, "leader.stnmt@demo.pakn.vn"), u.ID, "http://pakn.test", true, box); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a leader issued a reset link: %v", err)
		}
		first, err := st.IssuePasswordReset(ctx, admin, u.ID, "http://pakn.test", true, box)
		if err != nil {
			t.Fatal(err)
		}
		r, err := st.IssuePasswordReset(ctx, admin, u.ID, "http://pakn.test", true, box)
		if err != nil {
			t.Fatal(err)
		}
		tok := strings.TrimPrefix(r.Link, "http://pakn.test/admin/reset/")
		// The mail waits in the outbox with the link sealed, never in clear.
		var msgs []models.OutboxMessage
		if err := st.DB.Where("template = ? AND recipient = ?", models.ResetTemplate, u.Email).Order("id").Find(&msgs).Error; err != nil || len(msgs) != 2 {
			t.Fatalf("outbox: %d rows, %v", len(msgs), err)
		}
		if strings.Contains(msgs[1].Data, tok) {
			t.Fatal("the reset token is in the outbox in clear")
		}
		// A newer link retires the older one.
		if _, err := st.PasswordResetUser(ctx, strings.TrimPrefix(first.Link, "http://pakn.test/admin/reset/")); !errors.Is(err, models.ErrResetLinkInvalid) {
			t.Fatalf("older link still works: %v", err)
		}
		// The rules apply; a refused attempt does not use the link up.
		err = st.ResetPassword(ctx, models.ResetPasswordInput{Token: tok, New: "qwerty123456", Confirm: "qwerty123456"})
		if v, ok := models.AsValidation(err); !ok || !v.Has("new") {
			t.Fatalf("weak password through a link: %v", err)
		}
		const fresh = "nước chảy đá mòn năm 2027"
		if err := st.ResetPassword(ctx, models.ResetPasswordInput{Token: tok, New: fresh, Confirm: fresh}); err != nil {
			t.Fatal(err)
		}
		assertSignedOut(t, st, toks)
		if _, err := st.Authenticate(ctx, u.Email, fresh); err != nil {
			t.Fatal(err)
		}
		if err := st.ResetPassword(ctx, models.ResetPasswordInput{Token: tok, New: fresh + "!", Confirm: fresh + "!"}); !errors.Is(err, models.ErrResetLinkInvalid) {
			t.Fatalf("link used twice: %v", err)
		}
		// A link expires after 24 hours.
		late, err := st.IssuePasswordReset(ctx, admin, u.ID, "http://pakn.test", false, box)
		if err != nil {
			t.Fatal(err)
		}
		st.Now = func() time.Time { return time.Now().Add(models.ResetValidity + time.Minute) }
		if _, err := st.PasswordResetUser(ctx, strings.TrimPrefix(late.Link, "http://pakn.test/admin/reset/")); !errors.Is(err, models.ErrResetLinkInvalid) {
			t.Fatalf("expired link works: %v", err)
		}
		got := strings.Join(eventTypes(t, st, "user:"+u.Email), ",")
		if !strings.Contains(got, "password_reset_issued,password_reset_issued,password_reset_used,password_reset_issued") {
			t.Fatalf("audit: %s", got)
		}
	})
}

func TestTwoFactorSignIn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := seeded(t, tg)
		ctx := context.Background()
		now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
		st.Now = func() time.Time { return now }
		box := testBox(t, models.BoxTOTP)
		u, _ := officialWithSessions(t, st, "huong.le@longan.gov.vn", "bốn mùa hoa nở trên đồi")
		if err := st.BeginTwoFactor(ctx, u, "PAKN", box); err != nil {
			t.Fatal(err)
		}
		key, err := st.PendingTwoFactorKey(ctx, u, box)
		if err != nil {
			t.Fatal(err)
		}
		var stored models.UserTOTP
		if err := st.DB.First(&stored, "user_id = ?", u.ID).Error; err != nil || strings.Contains(stored.SecretEnc, key.Secret()) {
			t.Fatalf("the key is stored in clear (or not at all): %v", err)
		}
		code := func(at time.Time) string { return totpAt(t, key.Secret(), at) }
		if on, _ := st.HasTwoFactor(ctx, u.ID); on {
			t.Fatal("on before confirmation")
		}
		if _, err := st.ConfirmTwoFactor(ctx, u, code(now.Add(-5*time.Minute)), box); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("an old code confirmed: %v", err)
		}
		codes, err := st.ConfirmTwoFactor(ctx, u, code(now), box)
		if err != nil || len(codes) != models.RecoveryCodeCount {
			t.Fatalf("confirm: %v %v", codes, err)
		}
		if on, _ := st.HasTwoFactor(ctx, u.ID); !on {
			t.Fatal("not on after confirmation")
		}
		// The confirmation's code cannot sign in: it was used.
		tok, err := st.StartSignInChallenge(ctx, u.ID, "/admin")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.CompleteSignInChallenge(ctx, tok, code(now), box); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("replayed code accepted: %v", err)
		}
		now = now.Add(30 * time.Second)
		got, next, err := st.CompleteSignInChallenge(ctx, tok, code(now), box)
		if err != nil || got.ID != u.ID || next != "/admin" {
			t.Fatalf("second step: %v %q %v", got, next, err)
		}
		if _, _, err := st.CompleteSignInChallenge(ctx, tok, code(now), box); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("challenge used twice: %v", err)
		}
		// The same code on a new challenge within its window: refused.
		tok2, _ := st.StartSignInChallenge(ctx, u.ID, "")
		if _, _, err := st.CompleteSignInChallenge(ctx, tok2, code(now), box); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("replay across challenges: %v", err)
		}
		// A recovery code works once, in any case and spacing.
		rc := strings.ToLower(strings.ReplaceAll(codes[3], "-", " "))
		if _, _, err := st.CompleteSignInChallenge(ctx, tok2, rc, box); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
		if types := eventTypes(t, st, "user:"+u.Email); types[len(types)-1] != "recovery_code_used" {
			t.Fatalf("recovery code not audited: %v", types)
		}
		tok3, _ := st.StartSignInChallenge(ctx, u.ID, "")
		if _, _, err := st.CompleteSignInChallenge(ctx, tok3, codes[3], box); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("recovery code used twice: %v", err)
		}
		// Five wrong codes end the challenge.
		for i := 1; i < models.ChallengeMaxAttempts; i++ {
			if _, _, err := st.CompleteSignInChallenge(ctx, tok3, "000000", box); !errors.Is(err, models.ErrBadCode) {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		if _, _, err := st.CompleteSignInChallenge(ctx, tok3, code(now.Add(30*time.Second)), box); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("challenge alive after %d wrong codes: %v", models.ChallengeMaxAttempts, err)
		}
		state, err := st.TwoFactorStateOf(ctx, u)
		if err != nil || !state.Enabled || state.RecoveryLeft != models.RecoveryCodeCount-1 {
			t.Fatalf("state: %+v %v", state, err)
		}
		// Turning off needs a current code.
		if err := st.DisableTwoFactor(ctx, u, "123456", box); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("off without a code: %v", err)
		}
		now = now.Add(time.Minute)
		if err := st.DisableTwoFactor(ctx, u, code(now), box); err != nil {
			t.Fatal(err)
		}
		if on, _ := st.HasTwoFactor(ctx, u.ID); on {
			t.Fatal("still on")
		}
		got2 := strings.Join(eventTypes(t, st, "user:"+u.Email), ",")
		if got2 != "user_created,two_factor_enabled,recovery_code_used,two_factor_disabled" {
			t.Fatalf("audit: %s", got2)
		}
	})
}

func TestTwoFactorRequiredByRole(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := seeded(t, tg)
		ctx := context.Background()
		admin := viewerOf(t, st, "admin@demo.pakn.vn")
		u, _ := officialWithSessions(t, st, "huong.le@longan.gov.vn", "bốn mùa hoa nở trên đồi")
		if o, _ := st.ObligationsOf(ctx, u); o.Any() {
			t.Fatalf("off unless required: %+v", o)
		}
		if err := st.SetTwoFactorRoles(ctx, viewerOf(t, st, "leader.stnmt@demo.pakn.vn"), []string{models.RoleOfficer}); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a leader changed the requirement: %v", err)
		}
		if err := st.SetTwoFactorRoles(ctx, admin, []string{models.RoleOfficer, "nobody"}); err != nil {
			t.Fatal(err)
		}
		if roles, _ := st.TwoFactorRoles(ctx); len(roles) != 1 || roles[0] != models.RoleOfficer {
			t.Fatalf("roles: %v", roles)
		}
		if o, _ := st.ObligationsOf(ctx, u); !o.EnrolTwoFactor {
			t.Fatalf("required for officers: %+v", o)
		}
		var demo models.User
		if err := st.DB.Where("email = ?", "officer.stnmt@demo.pakn.vn").First(&demo).Error; err != nil || !demo.Demo {
			t.Fatalf("demo officer not marked: %v", err)
		}
		if o, _ := st.ObligationsOf(ctx, &demo); o.Any() {
			t.Fatalf("a demo official is obliged: %+v", o)
		}
		// A weak password noted at sign-in obliges a change, never for demo.
		if err := st.NoteSignInPassword(ctx, &demo, "short"); err != nil || demo.MustChangePassword {
			t.Fatalf("demo obliged to change: %v", err)
		}
		if err := st.NoteSignInPassword(ctx, u, "password1234"); err != nil || !u.MustChangePassword {
			t.Fatalf("weak password not noted: %v", err)
		}
	})
}

func TestRoleChangeEndsSessions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := seeded(t, tg)
		ctx := context.Background()
		admin := viewerOf(t, st, "admin@demo.pakn.vn")
		u, toks := officialWithSessions(t, st, "huong.le@longan.gov.vn", "bốn mùa hoa nở trên đồi")
		err := st.SetUserRole(ctx, admin, u.ID, models.RoleLeader, "")
		if v, ok := models.AsValidation(err); !ok || !v.Has("unit") {
			t.Fatalf("leader without unit: %v", err)
		}
		if _, _, err := st.SessionUser(ctx, toks[0]); err != nil {
			t.Fatalf("a refused change signed out: %v", err)
		}
		if err := st.SetUserRole(ctx, admin, admin.ID, models.RoleOfficer, "STNMT"); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("an administrator demoted themselves: %v", err)
		}
		if err := st.SetUserRole(ctx, admin, u.ID, models.RoleLeader, "stnmt"); err != nil {
			t.Fatal(err)
		}
		assertSignedOut(t, st, toks)
		var got models.User
		st.DB.First(&got, u.ID)
		if got.Role != models.RoleLeader {
			t.Fatalf("role %s", got.Role)
		}
		if types := eventTypes(t, st, "user:"+u.Email); types[len(types)-1] != "user_role" {
			t.Fatalf("audit: %v", types)
		}
	})
}

func TestAdminTurnsTwoFactorOff(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := seeded(t, tg)
		ctx := context.Background()
		box := testBox(t, models.BoxTOTP)
		u, toks := officialWithSessions(t, st, "huong.le@longan.gov.vn", "bốn mùa hoa nở trên đồi")
		if err := st.BeginTwoFactor(ctx, u, "PAKN", box); err != nil {
			t.Fatal(err)
		}
		key, _ := st.PendingTwoFactorKey(ctx, u, box)
		if _, err := st.ConfirmTwoFactor(ctx, u, totpAt(t, key.Secret(), time.Now()), box); err != nil {
			t.Fatal(err)
		}
		if err := st.BeginTwoFactor(ctx, u, "PAKN", box); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("a second set-up replaced a confirmed key: %v", err)
		}
		if err := st.AdminDisableTwoFactor(ctx, viewerOf(t, st, "coordinator@demo.pakn.vn"), u.ID); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a coordinator turned two steps off: %v", err)
		}
		if err := st.AdminDisableTwoFactor(ctx, viewerOf(t, st, "admin@demo.pakn.vn"), u.ID); err != nil {
			t.Fatal(err)
		}
		if on, _ := st.HasTwoFactor(ctx, u.ID); on {
			t.Fatal("still on")
		}
		assertSignedOut(t, st, toks)
		var left int64
		st.DB.Model(&models.RecoveryCode{}).Where("user_id = ?", u.ID).Count(&left)
		if left != 0 {
			t.Fatalf("%d recovery codes left", left)
		}
	})
}
