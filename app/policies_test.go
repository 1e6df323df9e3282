package app_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

func TestPoliciesPage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		for _, who := range []string{"coordinator@demo.pakn.vn", "leader.stnmt@demo.pakn.vn"} {
			c := e.Login(who)
			if code, _ := c.Get("/admin/policies"); code != http.StatusNotFound {
				t.Errorf("%s: GET %d, want 404", who, code)
			}
			if resp, _ := c.PostForm("/admin/policies", url.Values{"triage_days": {"3"}}); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: POST %d, want 404", who, resp.StatusCode)
			}
		}
		a := e.Login("admin@demo.pakn.vn")
		code, body := a.Get("/admin/policies")
		if code != http.StatusOK || !strings.Contains(body, "Thời hạn xử lý") || !strings.Contains(body, `name="triage_days"`) {
			t.Fatalf("GET %d", code)
		}
		// Invalid: out of range.
		resp, body := a.PostForm("/admin/policies", url.Values{"kind": {"complaint"}, "category": {"dat-dai"},
			"triage_days": {"0"}, "answer_days": {"15"}, "extension_max_days": {"10"}, "info_wait_days": {"15"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Giá trị phải từ 1 đến 30") {
			t.Fatalf("invalid POST %d", resp.StatusCode)
		}
		form := url.Values{"kind": {"complaint"}, "category": {"dat-dai"},
			"triage_days": {"3"}, "answer_days": {"15"}, "extension_max_days": {"10"}, "info_wait_days": {"15"}}
		if resp, body := a.PostForm("/admin/policies", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %d %s", resp.StatusCode, body)
		}
		// The same kind and category again: refused.
		if resp, _ := a.PostForm("/admin/policies", form); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("duplicate POST %d", resp.StatusCode)
		}
		var p models.DeadlinePolicy
		if err := e.Store.DB.Where("kind = ? AND category_id IS NOT NULL", "complaint").First(&p).Error; err != nil {
			t.Fatal(err)
		}
		// Edit it; the new triage limit applies to the next petition.
		form.Set("triage_days", "2")
		if resp, _ := a.PostForm("/admin/policies/"+itoa(p.ID), form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit %d", resp.StatusCode)
		}
		sub := e.Submit(models.SubmitInput{Kind: models.KindComplaint, Category: "dat-dai"})
		cal, _ := e.Store.Calendar(t.Context())
		if got := cal.WorkingDaysBetween(sub.Petition.ReceivedAt, *sub.Petition.DueAt); got != 2 {
			t.Errorf("triage days applied: %d", got)
		}
		var evs []models.Event
		e.Store.DB.Where("subject = ?", "policy:"+itoa(p.ID)).Order("id").Find(&evs)
		if len(evs) != 2 || evs[0].Type != "policy_created" || evs[1].Type != "policy_updated" || !strings.Contains(evs[1].FromValue, "triage=3") || !strings.Contains(evs[1].ToValue, "triage=2") {
			t.Errorf("audit events %+v", evs)
		}
		// The default row cannot be deleted; a specific one can.
		var def models.DeadlinePolicy
		e.Store.DB.Where("kind = '' AND category_id IS NULL").First(&def)
		if resp, _ := a.PostForm("/admin/policies/"+itoa(def.ID)+"/delete", nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("delete default: %d", resp.StatusCode)
		}
		if resp, _ := a.PostForm("/admin/policies/"+itoa(p.ID)+"/delete", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("delete: %d", resp.StatusCode)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
