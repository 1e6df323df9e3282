package app_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/jobs"
	"pakn/jobs/delivery"
	"pakn/models"
)

// The petitioner's details, and what their private texts say about them
// and others, as people write them.
var (
	privName    = "Đoàn Thị Xuân Quỳnh"
	privPhone   = "0977 123 456"
	privEmail   = "quynh.doan@example.vn"
	privAddress = "Số 45 đường Trương Định, khu phố 2"
	privID      = "079188012345"
	privNeighb  = "Lâm Văn Bửu"
	privAnswer  = "Kính gửi bà Đoàn Thị Xuân Quỳnh (SĐT 0977 123 456, CCCD 079188012345): đoàn kiểm tra đã làm việc với ông Lâm Văn Bửu."
	dupName     = "Huỳnh Kim Phụng"
	dupPhone    = "0355 888 999"
	publicQ     = "Đường liên ấp 5 bị ngập sâu sau mỗi trận mưa, đề nghị nạo vét cống thoát nước."
	publicA     = "UBND huyện đã giao đơn vị thi công nạo vét cống thoát nước trên đường liên ấp 5 trong tháng này."
	privateVals = []string{privName, privPhone, strings.ReplaceAll(privPhone, " ", ""), privEmail, privAddress, "Trương Định",
		privID, privNeighb, "Kính gửi", dupName, dupPhone, strings.ReplaceAll(dupPhone, " ", "")}
)

// capturePortal is an httptest national portal that keeps every body.
type capturePortal struct {
	mu     sync.Mutex
	bodies []string
}

func (p *capturePortal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	p.bodies = append(p.bodies, r.Method+" "+r.URL.Path+" "+string(b))
	p.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
}

// TestPublicSurfacesCarryNoPersonalData publishes, through the workflow,
// an answer whose private fields hold known personal data (with a
// co-petitioner's duplicate, and an FAQ entry beside it), then reads every
// public surface and the portal's payload for each value.
func TestPublicSurfacesCarryNoPersonalData(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, rt := qaEnv(t, tg)
		st, ctx := e.Store, context.Background()
		officer := viewer(t, st, "officer.ben-luc@demo.pakn.vn")
		leader := viewer(t, st, "leader.ben-luc@demo.pakn.vn")
		coord := viewer(t, st, "coordinator@demo.pakn.vn")

		sub := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai", PublishConsent: true,
			Title:      "Đường liên ấp 5 ngập nước",
			Content:    "Tôi là " + privName + ", CCCD " + privID + ", nhà ở " + privAddress + ". Hàng xóm " + privNeighb + " lấp cống nên đường liên ấp 5 ngập sâu.",
			Petitioner: models.PetitionerInput{Name: privName, Phone: privPhone, Email: privEmail, Address: privAddress}})
		dup := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai",
			Content:    "Tôi là " + dupName + ", SĐT " + dupPhone + ", đường liên ấp 5 ngập.",
			Petitioner: models.PetitionerInput{Name: dupName, Phone: dupPhone, Address: "Ấp 5"}})
		code := sub.Petition.Code
		steps := []func() error{
			func() error { _, err := st.AcceptPetition(ctx, officer, code); return err },
			func() error { _, err := st.MarkDuplicate(ctx, officer, dup.Petition.Code, code); return err },
			func() error {
				_, err := st.DraftAnswer(ctx, officer, code, models.DraftInput{Answer: privAnswer, PublicQuestion: publicQ, PublicAnswer: publicA})
				return err
			},
			func() error { _, err := st.ApproveAnswer(ctx, leader, code); return err },
			func() error { _, err := st.PublishAnswer(ctx, leader, code); return err },
			func() error {
				_, err := st.CreateFAQ(ctx, coord, models.FAQInput{Ref: "privacy-1", Category: "dat-dai", Unit: "BEN-LUC",
					Question: "Nạo vét cống thoát nước ven đường liên ấp do ai thực hiện?",
					Answer:   "UBND cấp xã tổ chức nạo vét cống thoát nước ven đường liên ấp.", Publish: true})
				return err
			},
		}
		for i, step := range steps {
			if err := step(); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		syncOnce(t, rt)
		itemID := models.AnswerItemID(sub.Petition.ID)

		// The portal's payloads, through the real job and an httptest portal.
		cp := &capturePortal{}
		srv := httptest.NewServer(cp)
		defer srv.Close()
		portal, err := delivery.NewPortal(srv.URL, "tok", srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := jobs.RunPortal(ctx, jobs.PortalDeps{Store: st, Portal: portal, BaseURL: "http://pakn.test", Log: quiet()},
			time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}

		leaks := func(what, body string) {
			t.Helper()
			for _, v := range privateVals {
				if strings.Contains(body, v) {
					t.Errorf("%s shows private value %q", what, v)
				}
			}
		}
		cp.mu.Lock()
		portalBodies := strings.Join(cp.bodies, "\n")
		cp.mu.Unlock()
		if !strings.Contains(portalBodies, publicA) {
			t.Fatalf("the portal did not get the public answer: %s", portalBodies)
		}
		leaks("portal payload", portalBodies)

		q := url.QueryEscape("cống thoát nước")
		surfaces := []struct {
			path     string
			optional bool   // a surface of another branch: 404 means absent
			public   string // a public text the surface must show (the test can fail)
		}{
			{"/", false, ""},
			{"/?lang=en", false, ""},
			{"/qa/" + itemID, false, publicA},
			{"/faq", false, "Nạo vét cống"},
			{"/search?q=" + q, false, "nạo vét"},
			{"/api/v1/search?q=" + q, false, publicA},
			{"/feeds/answers.atom", false, "nạo vét"},
			{"/open311/v2/requests.json", false, ""},
			{"/open311/v2/requests.xml", false, ""},
			{"/open311/v2/requests/" + code + ".json", false, publicA},
			{"/open311/v2/requests/" + code + ".xml", false, publicA},
			{"/open311/v2/requests/" + dup.Petition.Code + ".json", false, ""},
			{"/stats", false, ""},
			{"/api/v1/stats", true, ""},
			{"/sitemap.xml", true, itemID},
			{"/api/v1/answers/latest", true, publicA},
			{"/embed/search?q=" + q, true, "nạo vét"},
			{"/embed/latest", true, ""},
		}
		for _, s := range surfaces {
			resp, body := get(t, e, s.path)
			if s.optional && resp.StatusCode == http.StatusNotFound {
				continue
			}
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: %d", s.path, resp.StatusCode)
				continue
			}
			if s.public != "" && !strings.Contains(string(body), s.public) {
				t.Errorf("%s lacks the public text %q", s.path, s.public)
			}
			leaks(s.path, string(body))
		}

		// The co-petitioner reads the original's public answer, and nothing
		// of the original's private answer or petitioner, on /track, in the
		// API and in their notices.
		dupLeaks := func(what, body string) {
			t.Helper()
			for _, v := range []string{privName, privPhone, privEmail, privAddress, privID, privNeighb, "Kính gửi"} {
				if strings.Contains(body, v) {
					t.Errorf("%s shows the original's private value %q", what, v)
				}
			}
			if !strings.Contains(body, publicA) {
				t.Errorf("%s lacks the original's public answer", what)
			}
		}
		c := e.NewClient()
		_, _ = c.Get("/track")
		resp, body := c.PostForm("/track", url.Values{"code": {dup.Petition.Code}, "secret": {dup.Secret}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="track-joined-answer"`) {
			t.Fatalf("/track of the duplicate: %d", resp.StatusCode)
		}
		dupLeaks("/track of the duplicate", body)
		r, raw := get(t, e, "/api/v1/petitions/"+dup.Petition.Code, "X-PAKN-Secret", dup.Secret)
		if r.StatusCode != http.StatusOK || strings.Contains(string(raw), `"answer"`) {
			t.Fatalf("API of the duplicate: %d %s", r.StatusCode, raw)
		}
		dupLeaks("API of the duplicate", string(raw))
		var notices []models.OutboxMessage
		st.DB.Where("petition_id = ?", dup.Petition.ID).Find(&notices)
		all := ""
		for _, m := range notices {
			all += m.Data
		}
		dupLeaks("the duplicate's notices", all)
	})
}

// TestPublishGuard drives the guard through the web: a leader's publish of
// a public answer that names someone is refused with 409 and the findings
// marked in an alert; a finding released with a reason (audited) no longer
// counts; the rest still refuses until corrected; an FAQ import skips the
// row.
func TestPublishGuard(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		st, ctx := e.Store, context.Background()
		officer := viewer(t, st, "officer.ben-luc@demo.pakn.vn")
		leader := viewer(t, st, "leader.ben-luc@demo.pakn.vn")
		sub := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai", PublishConsent: true})
		code := sub.Petition.Code
		const hotline = "0272 3826 123"
		publicAnswer := "Bà Đỗ Thị Dung (0988/111/222, dung.do[at]example.com) đã được hướng dẫn; đường dây nóng " + hotline + "."
		if _, err := st.AcceptPetition(ctx, officer, code); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DraftAnswer(ctx, officer, code, models.DraftInput{Answer: "Trả lời riêng.", PublicQuestion: "Đường hư hỏng.",
			PublicAnswer: publicAnswer}); err != nil {
			t.Fatal(err)
		}
		// The draft shows the warning to the officer.
		off := e.Login("officer.ben-luc@demo.pakn.vn")
		_, page := off.Get("/admin/petitions/" + code)
		if !strings.Contains(page, `id="personal-data"`) || !strings.Contains(page, `role="status"`) || !strings.Contains(page, "<mark>0988/111/222</mark>") {
			t.Fatalf("draft without the warning:\n%s", page)
		}
		if _, err := st.ApproveAnswer(ctx, leader, code); err != nil {
			t.Fatal(err)
		}
		lc := e.Login("leader.ben-luc@demo.pakn.vn")
		for _, lang := range []string{"vi", "en"} {
			_, _ = lc.Get("/admin?lang=" + lang)
			resp, body := lc.PostForm("/admin/petitions/"+code+"/publish", url.Values{})
			if resp.StatusCode != http.StatusConflict {
				t.Fatalf("publish with personal data (%s) = %d", lang, resp.StatusCode)
			}
			alert := body[strings.Index(body, `id="personal-data"`):]
			alert = alert[:strings.Index(alert, "</ul>\n</div>")]
			for _, want := range []string{`role="alert"`, "<mark>Đỗ Thị Dung</mark>", "<mark>0988/111/222</mark>",
				"<mark>dung.do[at]example.com</mark>", "<mark>" + hotline + "</mark>", `name="reason"`} {
				if !strings.Contains(alert, want) {
					t.Errorf("%s: the refusal lacks %s:\n%s", lang, want, alert)
				}
			}
			heading := map[string]string{"vi": "Chưa công khai được", "en": "Not published"}[lang]
			if !strings.Contains(alert, heading) {
				t.Errorf("%s: heading missing", lang)
			}
		}
		var n int64
		st.DB.Model(&models.PublishedItem{}).Where("id = ?", models.AnswerItemID(sub.Petition.ID)).Count(&n)
		if n != 0 {
			t.Fatal("a refused publication left a published item")
		}
		// Releases: officers may not; text not found is refused; a reason is required.
		offResp, _ := off.PostForm("/admin/petitions/"+code+"/release", url.Values{"kind": {"phone"}, "text": {hotline}, "reason": {"Đường dây nóng"}})
		if offResp.StatusCode != http.StatusForbidden {
			t.Fatalf("officer release = %d", offResp.StatusCode)
		}
		if resp, _ := lc.PostForm("/admin/petitions/"+code+"/release", url.Values{"kind": {"phone"}, "text": {hotline}}); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("release without reason = %d", resp.StatusCode)
		}
		if resp, _ := lc.PostForm("/admin/petitions/"+code+"/release", url.Values{"kind": {"phone"}, "text": {"0999999999"}, "reason": {"x"}}); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("release of a text not found = %d", resp.StatusCode)
		}
		if resp, _ := lc.PostForm("/admin/petitions/"+code+"/release", url.Values{"kind": {"phone"}, "text": {hotline}, "reason": {"Đường dây nóng của UBND huyện"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("release = %d", resp.StatusCode)
		}
		var ev models.Event
		if err := st.DB.Where("petition_id = ? AND type = ?", sub.Petition.ID, "personal_data_released").First(&ev).Error; err != nil ||
			ev.ToValue != hotline || ev.Note != "Đường dây nóng của UBND huyện" || ev.ActorName != leader.Name {
			t.Fatalf("release audit: %+v %v", ev, err)
		}
		_, err := st.PublishAnswer(ctx, leader, code)
		pde, ok := models.AsPersonalData(err)
		if !ok || len(pde.Findings) != 3 {
			t.Fatalf("after one release: %v", err)
		}
		// Corrected: the released hotline stays and publication goes through.
		if _, err := st.ReturnAnswer(ctx, leader, code, "Sửa bản công khai"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DraftAnswer(ctx, officer, code, models.DraftInput{Answer: "Trả lời riêng.", PublicQuestion: "Đường hư hỏng.",
			PublicAnswer: "Người dân đã được hướng dẫn; đường dây nóng " + hotline + "."}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ApproveAnswer(ctx, leader, code); err != nil {
			t.Fatal(err)
		}
		if resp, _ := lc.PostForm("/admin/petitions/"+code+"/publish", url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish after correction = %d", resp.StatusCode)
		}

		// FAQ: the web publish answers 409 with the alert; import skips the row.
		coord := e.Login("coordinator@demo.pakn.vn")
		resp, body := coord.PostForm("/admin/faq", url.Values{"ref": {"pd-1"}, "category": {"dat-dai"}, "unit": {"BEN-LUC"},
			"question": {"Hỏi về cấp sổ?"}, "answer": {"Liên hệ chị Lê Thị Hoa, SĐT 0912 345 678."}, "publish": {"1"}})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "<mark>0912 345 678</mark>") {
			t.Fatalf("FAQ publish with personal data = %d\n%s", resp.StatusCode, body)
		}
		res, err := st.ImportFAQ(ctx, strings.NewReader(
			`{"id":"pd-2","category":"dat-dai","unit":"BEN-LUC","question":"Ai ký?","answer":"Ông Trần Văn Tám, STK 0071000123456."}`+"\n"+
				`{"id":"pd-3","category":"dat-dai","unit":"BEN-LUC","question":"Ai ký?","answer":"Chủ tịch UBND xã ký."}`+"\n"),
			models.FAQFormatJSONL, models.FAQImportOptions{Actor: models.Viewer{Role: models.RoleCoordinator, Name: "test"}})
		if err != nil || res.Created != 1 || len(res.Errors) != 2 || res.Errors[0].Key != "err.personal_data" || res.Errors[0].Line != 1 {
			t.Fatalf("import: %+v %v", res, err)
		}
		// Drafts import unchecked (nothing is public), and publishing one is refused.
		res, err = st.ImportFAQ(ctx, strings.NewReader(`{"id":"pd-4","category":"dat-dai","unit":"BEN-LUC","question":"Ai ký?","answer":"Ông Trần Văn Tám ký."}`+"\n"),
			models.FAQFormatJSONL, models.FAQImportOptions{Actor: models.Viewer{Role: models.RoleCoordinator, Name: "test"}, Draft: true})
		if err != nil || res.Created != 1 {
			t.Fatalf("draft import: %+v %v", res, err)
		}
		var fe models.FAQEntry
		st.DB.Where("ref = ?", "pd-4").First(&fe)
		if _, err := st.PublishFAQ(ctx, models.Viewer{Role: models.RoleCoordinator, Name: "test"}, fe.ID); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("publish FAQ draft with a name: %v", err)
		}
	})
}
