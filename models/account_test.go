package models_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/models"
)

// TestCitizenAccounts runs the account rules on each database over one
// seeded store.
func TestCitizenAccounts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := seeded(t, tg)
		t.Run("sign-in is used once", func(t *testing.T) { testCitizenLoginOnce(t, st) })
		t.Run("consent before the first store", func(t *testing.T) { testCitizenConsent(t, st) })
		t.Run("profile", func(t *testing.T) { testCitizenProfile(t, st) })
		t.Run("petitions", func(t *testing.T) { testCitizenPetitions(t, st) })
		t.Run("erase", func(t *testing.T) { testCitizenErase(t, st) })
	})
}

func count(t *testing.T, st *models.Store, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := st.DB.Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func testCitizenLoginOnce(t *testing.T, st *models.Store) {
	ctx := context.Background()
	start := models.CitizenLoginStart{State: "state-1", Nonce: "nonce-1", Verifier: "verifier-1", Next: "/submit"}
	tok, err := st.BeginCitizenLogin(ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	// A wrong state consumes the sign-in: the right one cannot follow.
	if _, err := st.TakeCitizenLogin(ctx, tok, "forged"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("wrong state: %v, want not found", err)
	}
	if _, err := st.TakeCitizenLogin(ctx, tok, "state-1"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("after a wrong state: %v, want not found", err)
	}
	tok, _ = st.BeginCitizenLogin(ctx, start)
	got, err := st.TakeCitizenLogin(ctx, tok, "state-1")
	if err != nil || got.Nonce != "nonce-1" || got.Verifier != "verifier-1" || got.Next != "/submit" {
		t.Fatalf("take: %+v, %v", got, err)
	}
	if _, err := st.TakeCitizenLogin(ctx, tok, "state-1"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("replay: %v, want not found", err)
	}
	// Expired.
	tok, _ = st.BeginCitizenLogin(ctx, start)
	st.Now = func() time.Time { return time.Now().Add(models.CitizenLoginTTL + time.Minute) }
	defer func() { st.Now = time.Now }()
	if _, err := st.TakeCitizenLogin(ctx, tok, "state-1"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("expired: %v, want not found", err)
	}
}

func signIn(t *testing.T, st *models.Store, subject string, p models.CitizenProfile) *models.CitizenSignInResult {
	t.Helper()
	res, err := st.SignInCitizen(context.Background(), models.CitizenSignIn{Issuer: "https://sso.example.vn", Subject: subject, Profile: p, IDToken: "id-token", Next: "/account", IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// newCitizen signs a citizen in for the first time and consents.
func newCitizen(t *testing.T, st *models.Store, subject string, p models.CitizenProfile) (*models.CitizenAccount, string) {
	t.Helper()
	ctx := context.Background()
	res := signIn(t, st, subject, p)
	if res.ConsentToken == "" {
		t.Fatalf("first sign-in of %s did not ask for consent: %+v", subject, res)
	}
	done, err := st.ConsentCitizen(ctx, res.ConsentToken, "127.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	acc, err := st.CitizenBySession(ctx, done.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	return acc, done.SessionToken
}

func testCitizenConsent(t *testing.T, st *models.Store) {
	ctx := context.Background()
	p := models.CitizenProfile{Name: " Trần Thị Bích ", Email: "Bich@Example.VN", IDNumber: "080195005678", Vouched: []string{"name", "email", "id_number", "phone"}}
	res := signIn(t, st, "consent-1", p)
	if res.ConsentToken == "" || res.SessionToken != "" {
		t.Fatalf("first sign-in: %+v", res)
	}
	if n := count(t, st, "citizen_accounts", "subject = ?", "consent-1"); n != 0 {
		t.Fatalf("%d accounts stored before consent", n)
	}
	pending, err := st.PendingCitizenConsent(ctx, res.ConsentToken)
	if err != nil || pending.Profile.Name != "Trần Thị Bích" || pending.Profile.Email != "bich@example.vn" {
		t.Fatalf("pending: %+v, %v", pending, err)
	}
	// A field without a value is not vouched for.
	if got := pending.Profile.Vouched; len(got) != 3 {
		t.Fatalf("vouched %v, want email, id_number, name", got)
	}
	done, err := st.ConsentCitizen(ctx, res.ConsentToken, "127.0.0.1", "test")
	if err != nil || done.SessionToken == "" || done.Next != "/account" {
		t.Fatalf("consent: %+v, %v", done, err)
	}
	if _, err := st.ConsentCitizen(ctx, res.ConsentToken, "127.0.0.1", "test"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("second consent: %v, want not found", err)
	}
	acc, err := st.CitizenBySession(ctx, done.SessionToken)
	if err != nil || acc.MaskedIDNumber() != "••••••••5678" || !acc.Vouches("email") || acc.Vouches("phone") {
		t.Fatalf("account: %+v, %v", acc, err)
	}
	// The next sign-in goes straight in and refreshes what is vouched for.
	p.Name = "Trần Thị Bích Ngọc"
	again := signIn(t, st, "consent-1", p)
	if again.SessionToken == "" {
		t.Fatalf("second sign-in: %+v", again)
	}
	acc, _ = st.CitizenBySession(ctx, again.SessionToken)
	if acc.Name != "Trần Thị Bích Ngọc" {
		t.Fatalf("name not refreshed: %q", acc.Name)
	}
	if idt, err := st.EndCitizenSession(ctx, again.SessionToken); err != nil || idt != "id-token" {
		t.Fatalf("sign-out: %q, %v", idt, err)
	}
	if _, err := st.CitizenBySession(ctx, again.SessionToken); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("session after sign-out: %v", err)
	}
}

func testCitizenProfile(t *testing.T, st *models.Store) {
	ctx := context.Background()
	acc, _ := newCitizen(t, st, "profile-1", models.CitizenProfile{Name: "Lê Hoàng Minh", Phone: "0987654321", Vouched: []string{"name"}})
	tests := []struct {
		name   string
		in     models.CitizenProfile
		errors map[string]string
		want   models.CitizenProfile
	}{
		{"vouched name kept, others edited", models.CitizenProfile{Name: "Someone Else", Phone: "0911 222 333", Address: "Ấp 1, xã Tân Bửu", Organization: "HTX Tân Bửu"}, nil,
			models.CitizenProfile{Name: "Lê Hoàng Minh", Phone: "0911 222 333", Address: "Ấp 1, xã Tân Bửu", Organization: "HTX Tân Bửu"}},
		{"bad phone and e-mail", models.CitizenProfile{Phone: "12", Email: "not-an-address"}, map[string]string{"phone": "err.phone", "email": "err.email"}, models.CitizenProfile{}},
		{"the ID number is the provider's only", models.CitizenProfile{IDNumber: "999999999999", Phone: "0911 222 333"}, nil,
			models.CitizenProfile{Name: "Lê Hoàng Minh", Phone: "0911 222 333"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.UpdateCitizenProfile(ctx, acc.ID, tc.in)
			if tc.errors != nil {
				keys := fieldKeys(err)
				for f, k := range tc.errors {
					if keys[f] != k {
						t.Fatalf("errors %v, want %v", keys, tc.errors)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p := got.Profile()
			if p.Name != tc.want.Name || p.Phone != tc.want.Phone || p.Address != tc.want.Address || p.Organization != tc.want.Organization || p.IDNumber != "" {
				t.Fatalf("profile %+v, want %+v", p, tc.want)
			}
		})
	}
}

func testCitizenPetitions(t *testing.T, st *models.Store) {
	ctx := context.Background()
	acc, _ := newCitizen(t, st, "petitions-1", models.CitizenProfile{Name: "Nguyễn Văn An", Vouched: []string{"name"}})
	other, _ := newCitizen(t, st, "petitions-2", models.CitizenProfile{Name: "Phạm Văn Bình", Vouched: []string{"name"}})

	in := validInput()
	in.AccountID = &acc.ID
	in.ConfidentialIdentity = true
	linked, err := st.SubmitPetition(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	earlier, err := st.SubmitPetition(ctx, validInput())
	if err != nil {
		t.Fatal(err)
	}
	ps, err := st.AccountPetitions(ctx, acc.ID)
	if err != nil || len(ps) != 1 || ps[0].Code != linked.Petition.Code || ps[0].Unit == nil {
		t.Fatalf("account petitions: %+v, %v", ps, err)
	}
	if _, err := st.ClaimPetition(ctx, acc.ID, earlier.Petition.Code, "wrong-secret"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("claim with a wrong secret: %v", err)
	}
	if _, err := st.ClaimPetition(ctx, acc.ID, "PAKN-000101-9999", earlier.Secret); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("claim of an unknown code: %v", err)
	}
	if _, err := st.ClaimPetition(ctx, acc.ID, earlier.Petition.Code, earlier.Secret); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ClaimPetition(ctx, acc.ID, earlier.Petition.Code, earlier.Secret); err != nil {
		t.Fatalf("claiming again: %v", err)
	}
	if _, err := st.ClaimPetition(ctx, other.ID, earlier.Petition.Code, earlier.Secret); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("claim by another account: %v, want conflict", err)
	}
	ps, _ = st.AccountPetitions(ctx, acc.ID)
	if len(ps) != 2 {
		t.Fatalf("%d petitions after the claim, want 2", len(ps))
	}
	// The petition keeps its confidentiality: the link changes nothing of it.
	p, err := st.PetitionForCitizen(ctx, linked.Petition.Code, linked.Secret)
	if err != nil || !p.Petition.ConfidentialIdentity {
		t.Fatalf("linked petition: %+v, %v", p, err)
	}
	owner, err := st.CitizenAccountOfPetition(ctx, earlier.Petition.Code)
	if err != nil || owner.ID != acc.ID {
		t.Fatalf("account of petition: %+v, %v", owner, err)
	}
	exp, err := st.ExportCitizenAccount(ctx, acc.ID, "test")
	if err != nil || len(exp.Petitions) != 2 || exp.Profile.Name != "Nguyễn Văn An" || exp.Sessions != 1 {
		t.Fatalf("export: %+v, %v", exp, err)
	}
	if n := count(t, st, "events", "subject = ? AND type = ?", "account:"+itoa(acc.ID), "account_exported"); n != 1 {
		t.Fatalf("%d export events", n)
	}
}

func testCitizenErase(t *testing.T, st *models.Store) {
	ctx := context.Background()
	stale, _ := newCitizen(t, st, "erase-stale", models.CitizenProfile{Name: "Võ Thị Hạnh", Vouched: []string{"name"}})
	busy, _ := newCitizen(t, st, "erase-busy", models.CitizenProfile{Name: "Đỗ Văn Cường", Vouched: []string{"name"}})
	recent, _ := newCitizen(t, st, "erase-recent", models.CitizenProfile{Name: "Huỳnh Thị Lan", Vouched: []string{"name"}})

	in := validInput()
	in.AccountID = &busy.ID
	if _, err := st.SubmitPetition(ctx, in); err != nil {
		t.Fatal(err)
	}
	in.AccountID = &stale.ID
	done, err := st.SubmitPetition(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.WithdrawPetition(ctx, done.Petition.Code, done.Secret); err != nil {
		t.Fatal(err)
	}
	old := time.Now().AddDate(-2, 0, -1)
	if err := st.DB.Table("citizen_accounts").Where("id IN ?", []int64{stale.ID, busy.ID}).Update("last_sign_in_at", old).Error; err != nil {
		t.Fatal(err)
	}
	n, err := st.EraseStaleCitizenAccounts(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n < 1 || count(t, st, "citizen_accounts", "id = ?", stale.ID) != 0 {
		t.Fatalf("stale account not erased (%d erased)", n)
	}
	if count(t, st, "citizen_accounts", "id IN ?", []int64{busy.ID, recent.ID}) != 2 {
		t.Fatal("an account with an open petition, or signed in lately, was erased")
	}
	if count(t, st, "citizen_sessions", "account_id = ?", stale.ID) != 0 || count(t, st, "account_petitions", "account_id = ?", stale.ID) != 0 {
		t.Fatal("the erased account's sessions or links remain")
	}
	// The petition itself stays, under its own retention.
	if _, err := st.PetitionForCitizen(ctx, done.Petition.Code, done.Secret); err != nil {
		t.Fatalf("petition of the erased account: %v", err)
	}
	if err := st.EraseCitizenAccount(ctx, recent.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if err := st.EraseCitizenAccount(ctx, recent.ID, "test"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("erasing twice: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
