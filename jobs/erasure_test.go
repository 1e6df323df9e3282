package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/jobs"
	"pakn/models"
)

// After the retention period no table holds any detail of the petitioner:
// a petition whose every text repeats them goes through the whole
// workflow, the retention job runs five years later, and every column of
// every table the schema lists is searched for each detail.
func TestRetentionLeavesNoTrace(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		start := vn(2026, 12, 7, 9, 0)
		fixedClock(e.Store, start)
		person := testenv.KnownPerson()
		f := e.FillPetition(person)
		other := e.Submit(models.SubmitInput{}) // another petitioner, open: untouched

		// A notice that failed, its error naming the address.
		var failed models.OutboxMessage
		if err := e.Store.DB.Where("petition_id = ? AND template = ?", f.ID, "citizen_received").First(&failed).Error; err != nil {
			t.Fatal(err)
		}
		if err := e.Store.DB.Model(&failed).Updates(map[string]any{"status": models.OutboxFailed,
			"last_error": "550 5.1.1 <" + person.Email + ">: mailbox unavailable"}).Error; err != nil {
			t.Fatal(err)
		}

		before := e.FindValues(person.Values())
		seen := map[string]bool{}
		for _, tr := range before {
			seen[tr.Table] = true
		}
		for _, table := range []string{"petitions", "events", "petition_notes", "attachments", "attachments_blobs", "petition_ratings", "outbox_messages"} {
			if !seen[table] {
				t.Fatalf("the test put no personal data in %s: %v", table, before)
			}
		}

		later := start.AddDate(5, 1, 0)
		fixedClock(e.Store, later)
		r := newRunner(t, e.Store, "", "")
		runJob(t, r, jobs.JobRetention, later)
		for _, tr := range e.FindValues(person.Values()) {
			t.Errorf("after retention: %s", tr)
		}

		// What statistics need stays.
		var p models.Petition
		if err := e.Store.DB.First(&p, f.ID).Error; err != nil {
			t.Fatal(err)
		}
		if p.Code != f.Code || p.Status != models.StatusPublished || p.UnitID == 0 || p.CategoryID == 0 || p.AnsweredAt == nil || p.AnonymisedAt == nil || p.PublicAnswer == "" {
			t.Errorf("erased petition lost what statistics need: %+v", p)
		}
		var r1 models.Rating
		if err := e.Store.DB.Where("petition_id = ?", f.ID).First(&r1).Error; err != nil || r1.Score != 4 || r1.Comment != "" {
			t.Errorf("rating after erasure: %+v %v", r1, err)
		}
		var pending, secretRows int64
		e.Store.DB.Model(&models.OutboxMessage{}).Where("petition_id = ? AND status = ?", f.ID, models.OutboxPending).Count(&pending)
		e.Store.DB.Model(&models.OutboxMessage{}).Where("petition_id = ? AND template = ? AND status = ?", f.ID, "citizen_secret", models.OutboxCancelled).Count(&secretRows)
		if pending != 0 || secretRows != 1 {
			t.Errorf("pending notices of the erased petition: %d pending, %d secret rows cancelled", pending, secretRows)
		}
		if err := e.Store.RetryOutbox(context.Background(), failed.ID, e.Viewer("admin@demo.pakn.vn")); !errors.Is(err, models.ErrConflict) {
			t.Errorf("retry of an erased notice: %v", err)
		}
		var viewed int64
		e.Store.DB.Model(&models.Event{}).Where("type = ?", "details_viewed").Count(&viewed)
		if viewed != 0 {
			t.Errorf("%d access-log rows older than the period remain", viewed)
		}
		var o models.Petition
		e.Store.DB.First(&o, other.Petition.ID)
		if o.PetitionerName != "Nguyễn Văn An" || o.AnonymisedAt != nil {
			t.Errorf("an open petition was erased: %+v", o)
		}
		// A second run finds nothing more to do and changes nothing.
		runJob(t, r, jobs.JobRetention, later.Add(24*time.Hour))
		var evs int64
		e.Store.DB.Model(&models.Event{}).Where("petition_id = ? AND type = ?", f.ID, models.EventErased).Count(&evs)
		if evs != 1 {
			t.Errorf("%d erasure events", evs)
		}
	})
}
