package app_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"pakn/internal/testenv"
	"pakn/models"
	"pakn/models/workdays"
)

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01")

// multipartPost posts fields and files as a browser does.
func multipartPost(t *testing.T, c *testenv.Client, path string, fields url.Values, files map[string][]byte) (*http.Response, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if _, ok := fields["_csrf"]; !ok {
		fields.Set("_csrf", c.CSRF)
	}
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	for name, data := range files {
		fw, _ := w.CreateFormFile("files", name)
		fw.Write(data)
	}
	w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp := c.Send(req)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// untranslated finds catalog keys shown as such (a missing translation).
var untranslated = regexp.MustCompile(`\b(wf|cfg|event|status|role|err)\.[a-z_]+[a-z_.-]*\b`)

func checkTranslated(t *testing.T, what, body string) {
	t.Helper()
	if m := untranslated.FindString(body); m != "" {
		t.Errorf("%s shows the catalog key %q", what, m)
	}
}

func testPetitionPageAndInbox(t *testing.T, w *wfEnv) {
	{
		e := w.e
		f := w.f
		officer := w.login("officer.ben-luc@demo.pakn.vn")
		coord := w.login("coordinator@demo.pakn.vn")
		stnmt := w.login("officer.stnmt@demo.pakn.vn")

		conf := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai", ConfidentialIdentity: true,
			Petitioner:  models.PetitionerInput{Name: "Lê Văn Mật", Phone: "0987654321", Address: "Ấp 1"},
			Attachments: []models.AttachmentInput{{Name: "anh.png", Data: pngBytes}}})
		code := conf.Petition.Code

		status, body := officer.Get("/admin/petitions/" + code)
		if status != http.StatusOK || contains(body, "Lê Văn Mật") || !contains(body, `id="identity-hidden"`) {
			t.Fatalf("officer's page of a confidential petition: %d, name shown: %v", status, contains(body, "Lê Văn Mật"))
		}
		checkTranslated(t, "petition page", body)
		status, body = coord.Get("/admin/petitions/" + code)
		if status != http.StatusOK || !contains(body, "Lê Văn Mật") {
			t.Fatalf("coordinator does not see the identity: %d", status)
		}
		var reads int64
		e.Store.DB.Model(&models.Event{}).Where("petition_id = ? AND type = ?", conf.Petition.ID, "details_viewed").Count(&reads)
		if reads != 1 {
			t.Fatalf("reads of the petitioner's details logged: %d, want 1", reads)
		}
		if status, _ := stnmt.Get("/admin/petitions/" + code); status != http.StatusNotFound {
			t.Fatalf("another unit's officer: %d", status)
		}
		// Attachments: to authorised officials only.
		var att models.Attachment
		if err := e.Store.DB.Where("petition_id = ?", conf.Petition.ID).First(&att).Error; err != nil {
			t.Fatal(err)
		}
		path := "/admin/petitions/" + code + "/files/" + itoa(att.ID)
		resp := officer.Send(httptest.NewRequest(http.MethodGet, path, nil))
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(data, pngBytes) || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("officer downloads: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if resp := stnmt.Send(httptest.NewRequest(http.MethodGet, path, nil)); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("another unit's officer downloads: %d", resp.StatusCode)
		}

		// Notes stay internal.
		if resp, _ := officer.PostForm("/admin/petitions/"+code+"/note", url.Values{"body": {"Ghi chú nội bộ XYZ"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("note: %d", resp.StatusCode)
		}
		cit := e.NewClient()
		cit.Get("/track")
		if _, body := cit.PostForm("/track", url.Values{"code": {code}, "secret": {conf.Secret}}); contains(body, "XYZ") {
			t.Fatal("the citizen sees an internal note")
		}

		// Inbox: overdue rows stand out; filters; counts; look-up.
		old := f.petition(models.StatusAccepted)
		past := time.Now().AddDate(0, 0, -10)
		e.Store.DB.Model(&models.Petition{}).Where("code = ?", old).Update("due_at", past)
		mine := f.petition(models.StatusAccepted)
		if _, err := e.Store.AssignPetition(f.ctx, f.leader, mine, f.officer.ID); err != nil {
			t.Fatal(err)
		}
		_, body = officer.Get("/admin?deadline=overdue")
		if !contains(body, old) || contains(body, mine) || !contains(body, "deadline-overdue") {
			t.Fatalf("overdue filter")
		}
		checkTranslated(t, "inbox", body)
		// Due tomorrow (written in +07:00, as the calendar writes it): soon.
		cal, err := e.Store.Calendar(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		soon := f.petition(models.StatusAccepted)
		e.Store.DB.Model(&models.Petition{}).Where("code = ?", soon).Update("due_at", cal.AddWorkingDays(time.Now(), 1))
		if _, body = officer.Get("/admin?deadline=soon"); !contains(body, soon) || contains(body, old) || contains(body, mine) {
			t.Fatalf("due-soon filter")
		}
		if _, body = officer.Get("/admin?deadline=overdue"); contains(body, soon) {
			t.Fatalf("due tomorrow listed as overdue")
		}
		if _, body = officer.Get("/admin?deadline=ontime"); !contains(body, mine) || contains(body, soon) || contains(body, old) {
			t.Fatalf("on-time filter")
		}
		if _, body = officer.Get("/admin?mine=1"); !contains(body, mine) || contains(body, old) {
			t.Fatalf("assigned-to-me filter")
		}
		if _, body = officer.Get("/admin?status=received"); !contains(body, code) || contains(body, old) {
			t.Fatalf("state filter")
		}
		if _, body = officer.Get("/admin?q=" + url.QueryEscape(strings.ToLower(old[5:]))); !contains(body, old) || contains(body, mine) {
			t.Fatalf("look-up by code")
		}
		if _, body = officer.Get("/admin?q=0987654321"); contains(body, code) {
			t.Fatalf("a unit officer finds a confidential petitioner by phone")
		}
		if _, body = coord.Get("/admin?q=0987654321"); !contains(body, code) {
			t.Fatalf("coordinator cannot find by phone")
		}
		if _, body = officer.Get("/admin?category=dat-dai&area=BEN-LUC&lang=en"); !contains(body, "To triage") {
			t.Fatalf("counts per state in English")
		}
		checkTranslated(t, "inbox (en)", body)
	}
}

func testSignInThrottled(t *testing.T, w *wfEnv) {
	{
		e := w.e
		c := e.NewClient()
		c.Get("/admin/login")
		for i := 0; i < models.LoginMaxPerPair; i++ {
			if resp, _ := c.PostForm("/admin/login", url.Values{"email": {"leader.stnmt@demo.pakn.vn"}, "password": {"wrong-password"}}); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i, resp.StatusCode)
			}
		}
		// Even the right password is refused while throttled.
		resp, body := c.PostForm("/admin/login", url.Values{"email": {"leader.stnmt@demo.pakn.vn"}, "password": {models.DemoPassword}})
		if resp.StatusCode != http.StatusTooManyRequests || !contains(body, "Đăng nhập sai quá nhiều lần") {
			t.Fatalf("throttled sign-in: %d", resp.StatusCode)
		}
		// Another account from elsewhere still signs in.
		e.Login("officer.stnmt@demo.pakn.vn")
	}
}

func testClerkSubmitsOnBehalf(t *testing.T, w *wfEnv) {
	{
		e := w.e
		clerk := w.login("clerk@demo.pakn.vn")
		status, body := clerk.Get("/admin/submit")
		if status != http.StatusOK || !contains(body, `name="received_at"`) {
			t.Fatalf("desk form: %d", status)
		}
		checkTranslated(t, "desk form", body)
		if status, _ := w.login("officer.ben-luc@demo.pakn.vn").Get("/admin/submit"); status != http.StatusNotFound {
			t.Fatalf("officer opens the desk form: %d", status)
		}
		received := time.Now().In(workdays.VietnamLocation()).AddDate(0, 0, -3).Format("2006-01-02")
		resp, body := multipartPost(t, clerk, "/admin/submit", url.Values{
			"channel": {"post_office"}, "received_at": {received}, "kind": {"complaint"}, "category": {"dat-dai"}, "area": {"BEN-LUC"},
			"title": {"Đường hư"}, "content": {"Đường liên xã bị hư hỏng nặng, đề nghị sửa chữa."},
			"name": {"Phạm Văn Cụ"}, "petitioner_address": {"Ấp 2"}, "phone": {"0901111222"},
		}, map[string][]byte{"don.png": pngBytes})
		body = clerk.Receipt(resp, body)
		if !contains(body, `id="receipt-code"`) {
			t.Fatalf("desk receipt:\n%.500s", body)
		}
		var p models.Petition
		if err := e.Store.DB.Order("id DESC").First(&p).Error; err != nil {
			t.Fatal(err)
		}
		if p.Channel != models.ChannelPostOffice || p.EnteredByID == nil || p.ReceivedAt.In(workdays.VietnamLocation()).Format("2006-01-02") != received {
			t.Fatalf("desk petition: channel %s, entered by %v, received %v", p.Channel, p.EnteredByID, p.ReceivedAt)
		}
		var n int64
		e.Store.DB.Model(&models.Attachment{}).Where("petition_id = ?", p.ID).Count(&n)
		if n != 1 {
			t.Fatalf("attachments: %d", n)
		}
		// The clerk reads what they entered, but takes no action on it.
		if status, _ := clerk.Get("/admin/petitions/" + p.Code); status != http.StatusOK {
			t.Fatalf("clerk reads own entry: %d", status)
		}
		future := time.Now().AddDate(0, 0, 3).Format("2006-01-02")
		if resp, _ := multipartPost(t, clerk, "/admin/submit", url.Values{"channel": {"post"}, "received_at": {future}}, nil); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("future date: %d", resp.StatusCode)
		}
	}
}

func testCitizenSide(t *testing.T, w *wfEnv) {
	{
		e := w.e
		f := w.f
		cit := e.NewClient()
		status, body := cit.Get("/submit")
		if status != http.StatusOK || !contains(body, `enctype="multipart/form-data"`) {
			t.Fatalf("submit form: %d", status)
		}
		form := url.Values{"kind": {"complaint"}, "category": {"dat-dai"}, "area": {"BEN-LUC"}, "title": {"Đường hư"},
			"content": {"Đường liên xã bị hư hỏng nặng, đề nghị sửa chữa."}, "name": {"Võ Thị Hoa"}, "petitioner_address": {"Ấp 4"},
			"email": {"hoa@example.vn"}, "privacy_consent": {"1"}}
		// A file that is not what it claims is refused by content.
		resp, body := multipartPost(t, cit, "/submit", cloneValues(form), map[string][]byte{"a.pdf": []byte("<html>not a pdf</html>")})
		if resp.StatusCode != http.StatusBadRequest || !contains(body, "a.pdf") {
			t.Fatalf("fake pdf: %d", resp.StatusCode)
		}
		resp, body = multipartPost(t, cit, "/submit", cloneValues(form), map[string][]byte{"a.png": pngBytes})
		body = cit.Receipt(resp, body)
		code := regexp.MustCompile(`id="receipt-code">([^<]+)<`).FindStringSubmatch(body)[1]
		secret := regexp.MustCompile(`id="receipt-secret">([^<]+)<`).FindStringSubmatch(body)[1]
		cs := url.Values{"code": {code}, "secret": {secret}}

		// Without a form (no JS, urlencoded) /submit still works.
		cit.Receipt(cit.PostForm("/submit", cloneValues(form)))

		// The unit asks for information; the citizen answers on /track.
		if _, err := e.Store.AcceptPetition(f.ctx, f.officer, code); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Store.RequestInfo(f.ctx, f.officer, code, "Đề nghị gửi ảnh hiện trường."); err != nil {
			t.Fatal(err)
		}
		_, body = cit.PostForm("/track?lang=en", cloneValues(cs))
		if !contains(body, `id="info-request"`) || !contains(body, "Đề nghị gửi ảnh hiện trường.") {
			t.Fatal("track page does not show the request for information")
		}
		checkTranslated(t, "track (en)", body)
		resp, body = multipartPost(t, cit, "/track/info", cloneValues(cs, "message", "Ảnh gửi kèm"), map[string][]byte{"hien-truong.png": pngBytes})
		if resp.StatusCode != http.StatusOK || !contains(body, `id="track-flash"`) {
			t.Fatalf("supply info: %d", resp.StatusCode)
		}
		p := reload(t, e, code)
		if p.Status != models.StatusAccepted || p.DueStage != models.StageAnswer {
			t.Fatalf("after info: %s %s", p.Status, p.DueStage)
		}
		// Download own file with code and secret; a wrong secret gets 404.
		var att models.Attachment
		e.Store.DB.Where("petition_id = ?", p.ID).Order("id DESC").First(&att)
		if resp, _ := cit.PostForm("/track/files/"+itoa(att.ID), cloneValues(cs)); resp.StatusCode != http.StatusOK {
			t.Fatalf("citizen downloads: %d", resp.StatusCode)
		}
		if resp, _ := cit.PostForm("/track/files/"+itoa(att.ID), url.Values{"code": {code}, "secret": {"AAAA-BBBB-CCCC"}}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("wrong secret downloads: %d", resp.StatusCode)
		}

		// Answer: shown on /track and in the API; rated once.
		if _, err := e.Store.DraftAnswer(f.ctx, f.officer, code, models.DraftInput{Answer: "UBND huyện sẽ sửa chữa trong quý II."}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Store.ApproveAnswer(f.ctx, f.leader, code); err != nil {
			t.Fatal(err)
		}
		_, body = cit.PostForm("/track", cloneValues(cs))
		if !contains(body, "sẽ sửa chữa trong quý II") || !contains(body, `id="rating"`) || contains(body, "/track/withdraw") {
			t.Fatal("track page after the answer")
		}
		var api struct {
			Answer *struct{ Text string } `json:"answer"`
		}
		e.JSON(http.MethodGet, "/api/v1/petitions/"+code, nil, &api, "X-PAKN-Secret", secret)
		if api.Answer == nil || !contains(api.Answer.Text, "quý II") {
			t.Fatalf("API answer: %+v", api.Answer)
		}
		if resp, body := cit.PostForm("/track/rate", cloneValues(cs, "score", "5", "comment", "Tốt")); resp.StatusCode != http.StatusOK || contains(body, `id="rating"`) {
			t.Fatalf("rate: %d", resp.StatusCode)
		}
		if resp, _ := cit.PostForm("/track/rate", cloneValues(cs, "score", "1")); resp.StatusCode != http.StatusConflict {
			t.Fatalf("second rating: %d", resp.StatusCode)
		}

		// Withdrawal before an answer.
		other := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai"})
		cs2 := url.Values{"code": {other.Petition.Code}, "secret": {other.Secret}}
		if resp, _ := cit.PostForm("/track/withdraw", cloneValues(cs2)); resp.StatusCode != http.StatusOK {
			t.Fatalf("withdraw: %d", resp.StatusCode)
		}
		if p := reload(t, e, other.Petition.Code); p.Status != models.StatusWithdrawn || p.DueAt != nil {
			t.Fatalf("after withdrawal: %s", p.Status)
		}

		// A new secret, sent to the contact on file; the same answer either way.
		// (resend_test.go covers the channels and the work done.)
		status, body = cit.Get("/track/resend?lang=en")
		if status != http.StatusOK {
			t.Fatalf("resend form: %d", status)
		}
		checkTranslated(t, "resend (en)", body)
		_, good := cit.PostForm("/track/resend", url.Values{"code": {code}, "contact": {"hoa@example.vn"}})
		_, bad := cit.PostForm("/track/resend", url.Values{"code": {code}, "contact": {"0900000000"}})
		if !contains(good, `id="resend-sent"`) || !contains(bad, `id="resend-sent"`) {
			t.Fatal("resend answers differ or say nothing")
		}
		// The old secret keeps working until the new one is first used.
		if resp, _ := cit.PostForm("/track", cloneValues(cs)); resp.StatusCode != http.StatusOK {
			t.Fatalf("old secret after resend: %d", resp.StatusCode)
		}
	}
}

func testAdminConfigurationPages(t *testing.T, w *wfEnv) {
	{
		e := w.e
		admin := w.login("admin@demo.pakn.vn")
		leader := w.login("leader.ben-luc@demo.pakn.vn")
		_, body := admin.Get("/admin")
		for _, p := range []string{"/admin/units", "/admin/areas", "/admin/categories", "/admin/rules", "/admin/holidays", "/admin/users"} {
			if !contains(body, `href="`+p+`"`) {
				t.Errorf("admin nav lacks %s", p)
			}
			status, page := admin.Get(p + "?lang=en")
			if status != http.StatusOK {
				t.Errorf("%s: %d", p, status)
			}
			checkTranslated(t, p, page)
			if status, _ := leader.Get(p); status != http.StatusNotFound {
				t.Errorf("leader opens %s: %d", p, status)
			}
		}
		admin.Get("/admin/units")
		if resp, _ := admin.PostForm("/admin/units", url.Values{"code": {"MY-YEN"}, "name": {"UBND xã Mỹ Yên"}, "kind": {"commune"}, "parent": {"BEN-LUC"}, "active": {"1"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save unit: %d", resp.StatusCode)
		}
		if resp, _ := leader.PostForm("/admin/units", url.Values{"code": {"X"}, "name": {"X"}, "kind": {"commune"}}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("leader saves a unit: %d", resp.StatusCode)
		}
		_, body = admin.Get("/admin/units")
		if !contains(body, "MY-YEN") || !contains(body, "depth-2") {
			t.Fatal("new commune not in the tree under its district")
		}
		var ev models.Event
		if err := e.Store.DB.Where("subject = ? AND type = ?", "unit:MY-YEN", "unit_saved").First(&ev).Error; err != nil {
			t.Fatalf("unit change not audited: %v", err)
		}
		if resp, _ := admin.PostForm("/admin/holidays", url.Values{"date": {"2027-12-31"}, "name": {"Nghỉ thử"}, "kind": {"holiday"}, "source": {"Thông báo thử"}, "confidence": {"expected"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save holiday: %d", resp.StatusCode)
		}
		if _, body = admin.Get("/admin/holidays"); !contains(body, "Thông báo thử") {
			t.Fatal("holiday source not shown")
		}
		if resp, _ := admin.PostForm("/admin/rules", url.Values{"position": {"5"}, "name": {"Giao thông ở Bến Lức"}, "category": {"giao-thong"}, "area": {"BEN-LUC"}, "target": {"area_unit"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save rule: %d", resp.StatusCode)
		}
		_, body = admin.Get("/admin/rules?p_kind=complaint&p_category=giao-thong&p_area=BEN-LUC")
		if !contains(body, `id="preview-result"`) || !contains(body, "(BEN-LUC)") {
			t.Fatal("rule preview does not route to BEN-LUC")
		}
		if resp, _ := admin.PostForm("/admin/users", url.Values{"email": {"officer2.ben-luc@demo.pakn.vn"}, "name": {"Cán bộ 2"}, "role": {"officer"}, "unit": {"BEN-LUC"}, "password": {"mat-khau-dai-1"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create user: %d", resp.StatusCode)
		}
	}
}

func cloneValues(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

func reload(t *testing.T, e *testenv.Env, code string) models.Petition {
	t.Helper()
	var p models.Petition
	if err := e.Store.DB.Where("code = ?", code).First(&p).Error; err != nil {
		t.Fatal(err)
	}
	return p
}
