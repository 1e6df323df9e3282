package jobs_test

import (
	"context"
	"testing"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/jobs"
	"pakn/models"
)

// The retention job erases a citizen account two years after its last
// sign-in, not a day before.
func TestRetentionErasesStaleCitizenAccounts(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg, testenv.Options{NoSeed: true})
		ctx := context.Background()
		now := vn(2026, 12, 7, 9, 0)
		signIn := func(subject string) int64 {
			res, err := e.Store.SignInCitizen(ctx, models.CitizenSignIn{Issuer: "https://sso.example.vn", Subject: subject, Profile: models.CitizenProfile{Name: "Nguyễn Văn An", Vouched: []string{"name"}}})
			if err != nil {
				t.Fatal(err)
			}
			done, err := e.Store.ConsentCitizen(ctx, res.ConsentToken, "", "")
			if err != nil {
				t.Fatal(err)
			}
			acc, err := e.Store.CitizenBySession(ctx, done.SessionToken)
			if err != nil {
				t.Fatal(err)
			}
			return acc.ID
		}
		stale, kept := signIn("stale"), signIn("kept")
		e.Store.DB.Model(&models.CitizenAccount{}).Where("id = ?", stale).Update("last_sign_in_at", now.AddDate(-2, 0, -1).UTC())
		e.Store.DB.Model(&models.CitizenAccount{}).Where("id = ?", kept).Update("last_sign_in_at", now.AddDate(-2, 0, 1).UTC())
		runJob(t, newRunner(t, e.Store, "", ""), jobs.JobRetention, now)
		var left []int64
		e.Store.DB.Model(&models.CitizenAccount{}).Order("id").Pluck("id", &left)
		if len(left) != 1 || left[0] != kept {
			t.Fatalf("accounts left %v, want only %d", left, kept)
		}
	})
}
