package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

// Pages, styles and JSON travel compressed when the client accepts it;
// responses that show a tracking secret never do (BREACH); versioned
// assets are cached for a year.
func TestCompressionAndCaching(t *testing.T) {
	e := testenv.New(t, testdb.SQLite(t))
	c := e.NewClient()
	_, home := c.Get("/")
	asset := regexp.MustCompile(`/static/style\.css\?v=[0-9a-f]+`).FindString(home)
	if asset == "" {
		t.Fatal("the home page links no versioned stylesheet")
	}
	gz := func(method, path string, body io.Reader, headers ...string) *http.Response {
		t.Helper()
		req := httptest.NewRequest(method, path, body)
		req.Header.Set("Accept-Encoding", "gzip")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		return c.Send(req)
	}
	for _, path := range []string{"/", "/submit", "/faq", "/stats", asset, "/api/v1/categories", "/feeds/answers.atom"} {
		resp := gz(http.MethodGet, path, nil)
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: Content-Encoding %q, want gzip", path, resp.Header.Get("Content-Encoding"))
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if plain, err := io.ReadAll(zr); err != nil || len(plain) <= len(raw) {
			t.Errorf("%s: %d bytes compressed to %d (%v)", path, len(plain), len(raw), err)
		}
	}
	resp := gz(http.MethodGet, asset, nil)
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("%s: Cache-Control %q", asset, cc)
	}
	if cc := gz(http.MethodGet, "/static/style.css", nil).Header.Get("Cache-Control"); strings.Contains(cc, "immutable") {
		t.Errorf("an unversioned asset is cached as immutable: %q", cc)
	}

	// The receipt, the tracking page and the API's 201 show the secret.
	c.Get("/submit")
	form := url.Values{
		"kind": {"complaint"}, "category": {"dat-dai"}, "area": {"BEN-LUC"},
		"title": {"Đèn đường hỏng"}, "content": {"Đèn đường trên tỉnh lộ 830 hỏng nhiều ngày, đề nghị sửa."},
		"name": {"Phạm Văn Bình"}, "petitioner_address": {"Ấp 1, xã Lương Hòa"}, "phone": {"0987654321"},
		"privacy_consent": {"1"}, "_csrf": {c.CSRF},
	}
	resp = gz(http.MethodPost, "/submit", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d", resp.StatusCode)
	}
	resp = gz(http.MethodGet, "/submit/receipt", nil)
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "" {
		t.Fatalf("receipt: %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	sub := e.Submit(models.SubmitInput{Area: "BEN-LUC"})
	c.Get("/track")
	track := url.Values{"code": {sub.Petition.Code}, "secret": {sub.Secret}, "_csrf": {c.CSRF}}
	resp = gz(http.MethodPost, "/track", strings.NewReader(track.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("track result: %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	body, _ := json.Marshal(map[string]any{"kind": "complaint", "title": "Đèn đường hỏng", "content": "Đèn đường trên tỉnh lộ 830 hỏng nhiều ngày.",
		"category": "dat-dai", "area": "BEN-LUC", "petitioner": map[string]string{"name": "Lê Văn Cường", "phone": "0987654321", "address": "Bến Lức"}})
	resp = gz(http.MethodPost, "/api/v1/petitions", bytes.NewReader(body), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("API 201: %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	if !bytes.Contains(page, []byte("Phạm Văn Bình")) {
		t.Error("the uncompressed receipt is not the receipt")
	}
}

// Every page links a favicon that exists.
func TestFavicon(t *testing.T) {
	e := testenv.New(t, testdb.SQLite(t))
	resp, body := get(t, e, "/favicon.ico")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/x-icon" {
		t.Fatalf("/favicon.ico: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if len(body) < 22 || !bytes.Equal(body[:4], []byte{0, 0, 1, 0}) {
		t.Errorf("/favicon.ico is not an icon: % x", body[:min(len(body), 8)])
	}
	_, page := get(t, e, "/")
	if !strings.Contains(string(page), `<link rel="icon" href="/favicon.ico"`) {
		t.Error("the home page links no icon")
	}
}

// A CSRF token is masked afresh in every response (BREACH) and every
// masked form of it is accepted; a token of another browser is not.
func TestCSRFMaskedPerResponse(t *testing.T) {
	e := testenv.New(t, testdb.SQLite(t))
	c := e.NewClient()
	c.Get("/track")
	first := c.CSRF
	c.Get("/track")
	second := c.CSRF
	if first == "" || first == second {
		t.Fatalf("tokens of two responses: %q and %q, want two different masks", first, second)
	}
	other := e.NewClient()
	other.Get("/track")
	sub := e.Submit(models.SubmitInput{Area: "BEN-LUC"})
	for name, tc := range map[string]struct {
		token string
		want  int
	}{
		"first mask":            {first, http.StatusOK},
		"second mask":           {second, http.StatusOK},
		"another browser's":     {other.CSRF, http.StatusForbidden},
		"not base64":            {"%%%", http.StatusForbidden},
		"truncated":             {first[:20], http.StatusForbidden},
		"first, one bit flip":   {flipLast(first), http.StatusForbidden},
		"first, a byte changed": {first[:40] + string(first[40]^1) + first[41:], http.StatusForbidden},
	} {
		resp, _ := c.PostForm("/track", url.Values{"code": {sub.Petition.Code}, "secret": {sub.Secret}, "_csrf": {tc.token}})
		if resp.StatusCode != tc.want {
			t.Errorf("%s token: %d, want %d", name, resp.StatusCode, tc.want)
		}
	}
}

func flipLast(s string) string {
	b := []byte(s)
	if b[len(b)-1] == 'A' {
		b[len(b)-1] = 'B'
	} else {
		b[len(b)-1] = 'A'
	}
	return string(b)
}

// The home page and /stats show the same figures for the year.
func TestHomeAndStatsAgree(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		f := newFixture(t, e)
		f.t = t
		for _, state := range []string{models.StatusReceived, models.StatusAccepted, models.StatusAnswered, models.StatusPublished, models.StatusRejected} {
			f.petition(state)
		}
		_, home := get(t, e, "/")
		_, stats := get(t, e, "/stats")
		figure := func(page []byte, re string) string {
			m := regexp.MustCompile(re).FindSubmatch(page)
			if m == nil {
				t.Fatalf("no figure %s", re)
			}
			return string(m[1])
		}
		for _, c := range []struct{ home, stats string }{
			{`id="home-received">(\d+)<`, `id="stats-received">(\d+)<`},
			{`id="home-answered">(\d+)<`, `id="stats-answered">(\d+)<`},
		} {
			h, s := figure(home, c.home), figure(stats, c.stats)
			if h != s {
				t.Errorf("home shows %s, /stats %s (%s)", h, s, c.home)
			}
		}
		if got := figure(home, `id="home-answered">(\d+)<`); got != "2" {
			t.Errorf("answered this year: %s, want 2", got)
		}
	})
}

// Beside the draft, an official sees the published answers nearest to the
// petition, from the public index only, each with a link and its text to
// copy into the draft.
func TestDraftingHelp(t *testing.T) {
	e, rt := qaEnv(t, testdb.SQLite(t))
	now := time.Now()
	publishFAQ(t, e, "faq-draft-help", "dat-dai", now)
	err := e.Store.Tx(context.Background(), func(tx *gorm.DB) error {
		_, err := models.PublishItemTx(tx, models.PublishedItem{ID: "faq-lun", Type: models.ItemFAQ, Title: "Đường liên xã bị sụt lún",
			Question: "Đường liên xã bị sụt lún thì phản ánh ở đâu?", Answer: "Ủy ban nhân dân cấp huyện bố trí kinh phí sửa chữa đường liên xã.",
			CategoryCode: "giao-thong", UnitCode: "BEN-LUC", UnitName: "Ủy ban nhân dân huyện Bến Lức", PublishedAt: now}, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	syncOnce(t, rt)
	f := newFixture(t, e)
	f.t = t
	code := f.petition(models.StatusAccepted)
	officer := e.Login("officer.ben-luc@demo.pakn.vn")
	status, page := officer.Get("/admin/petitions/" + code)
	if status != http.StatusOK {
		t.Fatalf("petition page: %d", status)
	}
	for _, want := range []string{`href="/qa/faq-lun"`, "Ủy ban nhân dân cấp huyện bố trí kinh phí sửa chữa đường liên xã.", `data-copy-from="similar-faq-lun"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the drafting help lacks %s", want)
		}
	}
	// Only who may draft sees it.
	coordinator := e.Login("coordinator@demo.pakn.vn")
	if _, page := coordinator.Get("/admin/petitions/" + code); strings.Contains(page, "similar-answers") {
		t.Error("the coordinator, who does not draft, sees the drafting help")
	}
}

// A submission answers 303 to its receipt: reloading shows the same code
// and secret and submits nothing again; the URL carries neither; another
// browser, or a tampered cookie, sees that the receipt is no longer shown.
func TestReceiptPostRedirectGet(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		c := e.NewClient()
		c.Get("/submit")
		resp, body := c.PostForm("/submit", url.Values{
			"kind": {"complaint"}, "category": {"dat-dai"}, "area": {"BEN-LUC"},
			"title": {"Đèn đường hỏng"}, "content": {"Đèn đường trên tỉnh lộ 830 hỏng nhiều ngày, đề nghị sửa."},
			"name": {"Phạm Văn Bình"}, "petitioner_address": {"Ấp 1, xã Lương Hòa"}, "phone": {"0987654321"}, "privacy_consent": {"1"},
		})
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/submit/receipt" {
			t.Fatalf("submit: %d, Location %q", resp.StatusCode, loc)
		}
		var cookie *http.Cookie
		for _, ck := range resp.Cookies() {
			if ck.Name == "pakn_receipt" {
				cookie = ck
			}
		}
		if cookie == nil || cookie.Path != "/submit/receipt" || !cookie.HttpOnly || cookie.MaxAge > 1800 {
			t.Fatalf("receipt cookie: %+v", cookie)
		}
		first := c.Receipt(resp, body)
		code, secret := receiptC.FindStringSubmatch(first), receiptS.FindStringSubmatch(first)
		if code == nil || secret == nil {
			t.Fatalf("receipt without code or secret:\n%.400s", first)
		}
		for range 2 {
			status, again := c.Get("/submit/receipt")
			if status != http.StatusOK || !strings.Contains(again, code[1]) || !strings.Contains(again, secret[1]) {
				t.Fatalf("reload: %d", status)
			}
		}
		var n int64
		if err := e.Store.DB.Model(&models.Petition{}).Where("title = ?", "Đèn đường hỏng").Count(&n).Error; err != nil || n != 1 {
			t.Fatalf("%d petitions after three views of the receipt (%v), want 1", n, err)
		}
		if _, err := e.Store.PetitionForCitizen(context.Background(), code[1], secret[1]); err != nil {
			t.Fatalf("the receipt's secret does not open the petition: %v", err)
		}
		status, gone := e.NewClient().Get("/submit/receipt")
		if status != http.StatusNotFound || strings.Contains(gone, code[1]) || !strings.Contains(gone, `href="/track"`) {
			t.Errorf("another browser: %d", status)
		}
		req := httptest.NewRequest(http.MethodGet, "/submit/receipt", nil)
		req.AddCookie(&http.Cookie{Name: "pakn_receipt", Value: cookie.Value[:len(cookie.Value)-4] + "AAAA"})
		if resp := e.Do(req); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a tampered cookie: %d", resp.StatusCode)
		}
	})
}

// A form that comes back with errors keeps the files chosen (held for the
// next post, listed with a box to keep each) and its summary names each
// field.
func TestFormsKeepFiles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		c := e.NewClient()
		c.Get("/submit")
		form := url.Values{
			"kind": {"complaint"}, "category": {"dat-dai"}, "area": {"BEN-LUC"},
			"title": {"Đèn đường hỏng"}, "content": {"Đèn đường trên tỉnh lộ 830 hỏng nhiều ngày, đề nghị sửa."},
			"petitioner_address": {"Ấp 1, xã Lương Hòa"}, "phone": {"0987654321"}, "privacy_consent": {"1"},
		}
		resp, body := multipartPost(t, c, "/submit", cloneValues(form), map[string][]byte{"don-de-nghi.png": pngBytes, "virus.exe": []byte("MZ\x90\x00")})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("without a name: %d", resp.StatusCode)
		}
		if !strings.Contains(body, `<a href="#f-petitioner.name">Họ và tên: `) {
			t.Errorf("the error summary does not name the field:\n%s", regexp.MustCompile(`(?s)<div class="alert error".*?</div>`).FindString(body))
		}
		token := regexp.MustCompile(`name="held" value="([0-9a-f]+)"`).FindStringSubmatch(body)
		if token == nil || !strings.Contains(body, `name="held_keep" value="0" checked> don-de-nghi.png`) || strings.Contains(body, "virus.exe</label>") {
			t.Fatalf("the form does not hold the acceptable file:\n%s", regexp.MustCompile(`(?s)<fieldset class="held-files">.*?</fieldset>`).FindString(body))
		}
		// Sent again with the name, no new file, the held one kept.
		again := cloneValues(form)
		again.Set("name", "Phạm Văn Bình")
		again.Set("held", token[1])
		again.Set("held_keep", "0")
		page := c.Receipt(multipartPost(t, c, "/submit", again, nil))
		code := receiptC.FindStringSubmatch(page)[1]
		var files []models.Attachment
		if err := e.Store.DB.Joins("JOIN petitions ON petitions.id = attachments.petition_id").Where("petitions.code = ?", code).Find(&files).Error; err != nil {
			t.Fatal(err)
		}
		if len(files) != 1 || files[0].Name != "don-de-nghi.png" || files[0].ContentType != models.TypePNG {
			t.Errorf("attachments of %s: %+v, want the held PNG", code, files)
		}
		// The token is spent.
		if held, _ := e.Store.HeldFiles(context.Background(), token[1]); len(held) != 0 {
			t.Errorf("the token still holds %d files after the petition was sent", len(held))
		}
		// A file unticked is not sent.
		resp, body = multipartPost(t, c, "/submit", cloneValues(form), map[string][]byte{"a.png": pngBytes})
		token = regexp.MustCompile(`name="held" value="([0-9a-f]+)"`).FindStringSubmatch(body)
		dropped := cloneValues(form)
		dropped.Set("name", "Phạm Văn Bình")
		dropped.Set("held", token[1])
		page = c.Receipt(multipartPost(t, c, "/submit", dropped, nil))
		code = receiptC.FindStringSubmatch(page)[1]
		var n int64
		e.Store.DB.Model(&models.Attachment{}).Joins("JOIN petitions ON petitions.id = attachments.petition_id").Where("petitions.code = ?", code).Count(&n)
		if n != 0 {
			t.Errorf("an unticked held file was sent (%d files)", n)
		}
	})
}

// The outbox as an administrator reads it, and the citizen told when no
// message will come.
func TestOutboxPageAndNoChannel(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		e.Store.Delivery.Email, e.Store.Delivery.SMS = false, false
		c := e.NewClient()
		c.Get("/submit")
		resp, body := c.PostForm("/submit", url.Values{
			"kind": {"complaint"}, "category": {"dat-dai"}, "area": {"BEN-LUC"},
			"title": {"Đèn đường hỏng"}, "content": {"Đèn đường trên tỉnh lộ 830 hỏng nhiều ngày, đề nghị sửa."},
			"name": {"Phạm Văn Bình"}, "petitioner_address": {"Ấp 1, xã Lương Hòa"}, "email": {"binh.pham@example.vn"}, "privacy_consent": {"1"},
		})
		receipt := c.Receipt(resp, body)
		if !strings.Contains(receipt, `id="no-channel"`) {
			t.Error("the receipt does not say that no message will come")
		}
		code, secret := receiptC.FindStringSubmatch(receipt)[1], receiptS.FindStringSubmatch(receipt)[1]
		c.Get("/track")
		if _, page := c.PostForm("/track", url.Values{"code": {code}, "secret": {secret}}); !strings.Contains(page, `id="no-channel"`) {
			t.Error("/track does not say that no message will come")
		}
		if err := jobsGiveUpUndeliverable(e); err != nil {
			t.Fatal(err)
		}
		admin := e.Login("admin@demo.pakn.vn")
		_, page := admin.Get("/admin/outbox")
		for _, want := range []string{"b***@example.vn", "Đã nhận phản ánh, kiến nghị " + code, "Chưa cấu hình máy chủ thư", `name="template"`} {
			if !strings.Contains(page, want) {
				t.Errorf("the outbox lacks %q", want)
			}
		}
		if strings.Contains(page, "binh.pham@example.vn") || strings.Contains(page, "PAKN_SMTP_URL is not set") {
			t.Error("the outbox shows the address in full, or the raw error")
		}
		_, page = admin.Get("/admin/outbox?template=citizen_received&status=undeliverable")
		if !strings.Contains(page, code) {
			t.Error("the template filter does not find the receipt notice")
		}
		if _, page := admin.Get("/admin/outbox?template=official_digest"); strings.Contains(page, code) {
			t.Error("the template filter lets other notices through")
		}
	})
}

// jobsGiveUpUndeliverable does what the notify job does with no channel.
func jobsGiveUpUndeliverable(e *testenv.Env) error {
	return e.Store.DB.Model(&models.OutboxMessage{}).Where("channel = ? AND status = ?", models.OutboxEmail, models.OutboxPending).
		Updates(map[string]any{"status": models.OutboxUndeliverable, "last_error": "PAKN_SMTP_URL is not set"}).Error
}
