package jobs_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/jobs"
	"pakn/models"
)

// A reissued secret travels sealed: the row holds no secret in clear, the
// mail (through a real SMTP server) carries it, it works, and once sent the
// row forgets even the sealed copy.
func TestReissuedSecretIsSealedUntilSent(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		now := vn(2026, 12, 7, 9, 0)
		fixedClock(e.Store, now)
		sub := e.Submit(models.SubmitInput{})
		ctx := context.Background()
		if _, err := e.Store.ResendSecret(ctx, sub.Petition.Code, "an@example.vn"); err != nil {
			t.Fatal(err)
		}
		row := func() models.OutboxMessage {
			var m models.OutboxMessage
			if err := e.Store.DB.Where("petition_id = ? AND template = ?", sub.Petition.ID, "citizen_secret").First(&m).Error; err != nil {
				t.Fatal(err)
			}
			return m
		}
		secretPattern := regexp.MustCompile(`[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`)
		if m := row(); secretPattern.MatchString(m.Data) || !strings.Contains(m.Data, "sealed_secret") {
			t.Fatalf("outbox data holds a secret in clear: %s", m.Data)
		}
		srv := startMailServer(t)
		r := newRunner(t, e.Store, srv.url(), "")
		runJob(t, r, jobs.JobNotify, now)
		var secret string
		for _, msg := range srv.messages() {
			if text, _ := parts(t, msg); strings.Contains(subject(t, msg), "Mã tra cứu mới") {
				secret = secretPattern.FindString(text)
			}
		}
		if secret == "" {
			t.Fatalf("no mail with the new secret among %d", len(srv.messages()))
		}
		if m := row(); m.Status != models.OutboxSent || strings.Contains(m.Data, "sealed_secret") {
			t.Fatalf("after sending: %s %s", m.Status, m.Data)
		}
		if _, err := e.Store.PetitionForCitizen(ctx, sub.Petition.Code, secret); err != nil {
			t.Fatalf("the mailed secret does not work: %v", err)
		}
	})
}
