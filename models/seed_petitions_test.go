package models_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

// The demo petitions (issue 20), loaded once per database: every state
// shows, a second load adds nothing, no demo answer reaches the portal's
// outbox, every published answer passed the publication guard, and the
// citizens printed at start-up open /track — only in demo mode.
func TestDemoPetitions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		st := e.Store
		ctx := context.Background()
		secret := []byte(testenv.TestSecret)
		load, err := st.SeedDemoPetitions(ctx, secret)
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		if load.Petitions < 300 || load.Petitions > 400 {
			t.Errorf("loaded %d demo petitions, want a few hundred (300–400)", load.Petitions)
		}
		counts := func() map[string]int64 {
			out := map[string]int64{}
			for _, table := range []string{"petitions", "events", "outbox_messages", "petition_ratings", "published_items", "petition_notes"} {
				var n int64
				if err := st.DB.Table(table).Count(&n).Error; err != nil {
					t.Fatalf("count %s: %v", table, err)
				}
				out[table] = n
			}
			return out
		}
		before := counts()

		t.Run("every state", func(t *testing.T) {
			var rows []models.Petition
			if err := st.DB.Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			cal, err := st.Calendar(ctx)
			if err != nil {
				t.Fatal(err)
			}
			now := st.Now()
			seen := map[string]int{}
			channels, units := map[string]bool{}, map[int64]bool{}
			for _, p := range rows {
				if !p.Demo {
					t.Errorf("%s is not marked as demo data", p.Code)
				}
				seen[p.Status]++
				channels[p.Channel], units[p.UnitID] = true, true
				if p.Open() && p.ExtendedDays > 0 {
					seen["extended"]++
				}
				if p.Open() && p.Status != models.StatusAwaitingInfo && p.DueAt != nil && cal.IsOverdue(*p.DueAt, now) {
					seen["overdue"]++
				}
				if p.Transfers > 0 {
					seen["transferred"]++
				}
				if p.ReceivedAt.After(now) || p.ReceivedAt.Before(now.AddDate(-1, 0, -1)) {
					t.Errorf("%s received %s, outside the past twelve months", p.Code, p.ReceivedAt)
				}
			}
			for _, want := range []string{models.StatusReceived, models.StatusAccepted, models.StatusAwaitingInfo,
				models.StatusDrafted, models.StatusAnswered, models.StatusPublished, models.StatusRejected,
				models.StatusDuplicate, models.StatusWithdrawn, models.StatusClosed, "extended", "overdue", "transferred"} {
				if seen[want] == 0 {
					t.Errorf("no demo petition is %s (seen %v)", want, seen)
				}
			}
			if len(channels) < 5 || len(units) < 15 {
				t.Errorf("%d channels and %d units, want them spread", len(channels), len(units))
			}
			for _, typ := range []string{"official_due_soon", "official_overdue", "official_escalated", "citizen_answered"} {
				var n int64
				st.DB.Model(&models.OutboxMessage{}).Where("template = ? AND status = ?", typ, models.OutboxSent).Count(&n)
				if n == 0 {
					t.Errorf("no %s notice sent", typ)
				}
			}
			var pending int64
			st.DB.Model(&models.OutboxMessage{}).Where("channel <> ? AND status = ? AND petition_id IS NOT NULL", models.OutboxPortal, models.OutboxPending).Count(&pending)
			if pending != 0 {
				t.Errorf("%d demo notices still pending: they would be sent to invented people", pending)
			}
			if before["petition_ratings"] == 0 {
				t.Error("no ratings")
			}
		})

		t.Run("idempotent", func(t *testing.T) {
			again, err := st.SeedDemoPetitions(ctx, secret)
			if err != nil {
				t.Fatal(err)
			}
			if again.Petitions != 0 {
				t.Errorf("second load added %d petitions", again.Petitions)
			}
			if after := counts(); after["petitions"] != before["petitions"] || after["events"] != before["events"] || after["outbox_messages"] != before["outbox_messages"] {
				t.Errorf("second load changed the data: %v → %v", before, after)
			}
		})

		t.Run("badge where officials see them", func(t *testing.T) {
			var p models.Petition
			if err := st.DB.Where("demo = ? AND status = ?", true, models.StatusReceived).First(&p).Error; err != nil {
				t.Fatal(err)
			}
			c := e.Login("coordinator@demo.pakn.vn")
			if code, page := c.Get("/admin"); code != http.StatusOK || !strings.Contains(page, "badge-demo") {
				t.Errorf("inbox: %d, no demo badge", code)
			}
			if code, page := c.Get("/admin/petitions/" + p.Code); code != http.StatusOK || !strings.Contains(page, "demo-note") {
				t.Errorf("petition page: %d, no demo note", code)
			}
		})

		t.Run("never pushed to the portal", func(t *testing.T) {
			var items []models.PublishedItem
			if err := st.DB.Where("id LIKE ?", "answer-%").Find(&items).Error; err != nil {
				t.Fatal(err)
			}
			if len(items) == 0 {
				t.Fatal("no demo answer published")
			}
			var portal int64
			st.DB.Model(&models.OutboxMessage{}).Where("channel = ? AND data LIKE ?", models.OutboxPortal, "answer-%").Count(&portal)
			if portal != 0 {
				t.Errorf("%d portal rows for demo answers", portal)
			}
			// Withdrawing one queues no portal deletion either.
			var p models.Petition
			if err := st.DB.Where("demo = ? AND status = ?", true, models.StatusPublished).First(&p).Error; err != nil {
				t.Fatal(err)
			}
			if _, err := st.UnpublishAnswer(ctx, viewerOf(t, st, "coordinator@demo.pakn.vn"), p.Code); err != nil {
				t.Fatal(err)
			}
			st.DB.Model(&models.OutboxMessage{}).Where("channel = ?", models.OutboxPortal).Where("data = ?", models.AnswerItemID(p.ID)).Count(&portal)
			if portal != 0 {
				t.Errorf("unpublishing a demo answer queued %d portal rows", portal)
			}
			// A real petition's answer still goes to the portal.
			sub := e.Submit(models.SubmitInput{Kind: models.KindComplaint, Title: "Đèn đường hỏng", Content: "Đèn đường trước chợ hỏng đã một tuần.",
				Category: "giao-thong", PublishConsent: true, Petitioner: models.PetitionerInput{Name: "Người Thử", Email: "thu@example.com", Address: "Tân An"}})
			officer := models.Viewer{Role: models.RoleOfficer, UnitID: &sub.Petition.UnitID, Name: "officer"}
			leader := models.Viewer{Role: models.RoleLeader, UnitID: &sub.Petition.UnitID, Name: "leader"}
			code := sub.Petition.Code
			steps := []func() (*models.Petition, error){
				func() (*models.Petition, error) { return st.AcceptPetition(ctx, officer, code) },
				func() (*models.Petition, error) {
					return st.DraftAnswer(ctx, officer, code, models.DraftInput{Answer: "Đã thay bóng đèn."})
				},
				func() (*models.Petition, error) { return st.ApproveAnswer(ctx, leader, code) },
				func() (*models.Petition, error) { return st.PublishAnswer(ctx, leader, code) },
			}
			for _, step := range steps {
				if _, err := step(); err != nil {
					t.Fatal(err)
				}
			}
			st.DB.Model(&models.OutboxMessage{}).Where("channel = ? AND data = ?", models.OutboxPortal, models.AnswerItemID(sub.Petition.ID)).Count(&portal)
			if portal != 1 {
				t.Errorf("a real answer queued %d portal rows, want 1", portal)
			}
		})

		t.Run("publication guard passed", func(t *testing.T) {
			var ps []models.Petition
			if err := st.DB.Where("demo = ? AND published_at IS NOT NULL", true).Find(&ps).Error; err != nil {
				t.Fatal(err)
			}
			for _, p := range ps {
				it, err := st.PublishedItemByID(ctx, models.AnswerItemID(p.ID))
				if err != nil {
					t.Fatal(err)
				}
				found, err := st.PersonalDataOf(ctx, it.ID, it.PublicFields())
				if err != nil {
					t.Fatal(err)
				}
				if len(found) > 0 {
					t.Errorf("%s: personal data in public: %+v", p.Code, found)
				}
				for _, f := range it.PublicFields() {
					for _, personal := range []string{p.PetitionerName, p.PetitionerEmail, p.PetitionerPhone, p.PetitionerAddress} {
						if personal != "" && strings.Contains(f.Text, personal) {
							t.Errorf("%s: public %s holds %q", p.Code, f.Name, personal)
						}
					}
				}
			}
		})

		t.Run("citizens open /track in demo mode only", func(t *testing.T) {
			citizens, err := st.DemoCitizens(ctx, secret)
			if err != nil {
				t.Fatal(err)
			}
			if len(citizens) < 3 {
				t.Fatalf("%d demo citizens, want a few: %+v", len(citizens), citizens)
			}
			c := e.NewClient()
			c.Get("/track")
			for _, dc := range citizens {
				for _, demo := range []bool{true, false} {
					st.DemoMode = demo
					resp, body := c.PostForm("/track", url.Values{"code": {dc.Code}, "secret": {dc.Secret}})
					opens := resp.StatusCode == http.StatusOK && strings.Contains(body, dc.Code) && strings.Contains(body, dc.Title)
					if opens != demo {
						t.Errorf("%s in demo mode %v: status %d, opens %v", dc.Code, demo, resp.StatusCode, opens)
					}
					_, err := st.PetitionForCitizen(ctx, dc.Code, dc.Secret)
					if demo && err != nil || !demo && !errors.Is(err, models.ErrNotFound) {
						t.Errorf("%s in demo mode %v: %v", dc.Code, demo, err)
					}
				}
			}
			st.DemoMode = false
			// Another instance's secret derives other secrets.
			other, _ := models.DemoSecret([]byte("another-instance-secret-0123456789"), citizens[0].Code)
			if other == citizens[0].Secret {
				t.Error("demo secrets do not depend on the instance secret")
			}
		})
	})
}
