package app_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"pakn/app"
	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

const portalOrigin = "https://dichvucong.longan.gov.vn"

func portalEnv(t *testing.T, tg testdb.Target) *testenv.Env {
	return testenv.New(t, tg, testenv.Options{Configure: func(c *app.Config) {
		c.FrameAncestors = []string{portalOrigin}
		c.CORSOrigins = []string{portalOrigin}
	}})
}

// An answer is published under the title the reviewer wrote, or the
// redacted petition title, on every public surface.
func TestPublicTitle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := portalEnv(t, tg)
		officer, leader := e.Login("officer.ben-luc@demo.pakn.vn"), e.Login("leader.ben-luc@demo.pakn.vn")
		publish := func(in models.SubmitInput, title string) (code, item string) {
			t.Helper()
			sub := e.Submit(in)
			code = sub.Petition.Code
			for _, step := range []struct {
				c      *testenv.Client
				action string
				form   url.Values
			}{
				{officer, "accept", nil},
				{officer, "draft", url.Values{"answer": {"Kính gửi ông Nguyễn Văn An, đường sẽ được sửa trong quý II."}, "public_title": {title}}},
				{leader, "approve", nil},
				{leader, "publish", nil},
			} {
				form := step.form
				if form == nil {
					form = url.Values{}
				}
				resp, body := step.c.PostForm("/admin/petitions/"+code+"/"+step.action, form)
				if resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("%s %s: %d %s", step.action, code, resp.StatusCode, body)
				}
			}
			return code, models.AnswerItemID(sub.Petition.ID)
		}
		in := models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai", PublishConsent: true,
			Title: "Đường ấp 3 hư hỏng, nhà ông Nguyễn Văn An ngập nước"}
		_, written := publish(in, "Sửa chữa đường liên xã qua ấp 3")
		_, redacted := publish(in, "")

		for _, c := range []struct {
			item, want, never string
		}{
			{written, "Sửa chữa đường liên xã qua ấp 3", "Nguyễn Văn An"},
			{redacted, "hư hỏng, nhà ông", "Nguyễn Văn An"},
		} {
			resp, body := get(t, e, "/qa/"+c.item)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("/qa/%s: %d", c.item, resp.StatusCode)
			}
			h1 := regexp.MustCompile(`<h1>([^<]*)</h1>`).FindSubmatch(body)
			if h1 == nil || !strings.Contains(string(h1[1]), c.want) || strings.Contains(string(h1[1]), c.never) {
				t.Errorf("/qa/%s heading %q: want %q, never %q", c.item, h1, c.want, c.never)
			}
			for _, path := range []string{"/", "/feeds/answers.atom", "/api/v1/answers/latest?limit=20", "/embed/latest?limit=20"} {
				_, body := get(t, e, path)
				if !strings.Contains(string(body), c.want) {
					t.Errorf("%s lacks the title %q", path, c.want)
				}
				if strings.Contains(string(body), c.never) {
					t.Errorf("%s shows %q", path, c.never)
				}
			}
		}
		_, body := get(t, e, "/open311/v2/requests.json")
		if !strings.Contains(string(body), "Sửa chữa đường liên xã qua ấp 3") {
			t.Errorf("Open311 lacks the public title: %s", body)
		}
	})
}

// The /embed/ pages are made for the portal's iframes: framed by the
// configured origins only, small, links to the full site in a new tab.
func TestEmbedPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := portalEnv(t, tg)
		now := time.Now()
		publishFAQ(t, e, "faq-embed-1", "dat-dai", now.Add(time.Hour))
		publishFAQ(t, e, "faq-embed-2", "y-te", now.Add(2*time.Hour))

		resp, body := get(t, e, "/embed/latest?category=dat-dai&limit=3")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/embed/latest: %d %s", resp.StatusCode, body)
		}
		page := string(body)
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self' "+portalOrigin) {
			t.Errorf("embed CSP %q does not allow the portal", csp)
		}
		if len(body) > 60<<10 {
			t.Errorf("embed page is %d bytes, want under 60 KB", len(body))
		}
		for _, want := range []string{`<title>`, `href="http://pakn.test/qa/faq-embed-1" target="_blank" rel="noopener"`, `lang="vi"`} {
			if !strings.Contains(page, want) {
				t.Errorf("/embed/latest lacks %s", want)
			}
		}
		if strings.Contains(page, "faq-embed-2") {
			t.Error("/embed/latest?category=dat-dai shows another category")
		}
		if strings.Contains(page, `class="site"`) {
			t.Error("/embed/latest carries the site header")
		}
		if resp, _ := get(t, e, "/embed/latest?limit=500"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("limit=500: %d, want 400", resp.StatusCode)
		}
		for _, path := range []string{"/", "/search", "/qa/faq-embed-1", "/admin/login"} {
			resp, _ := get(t, e, path)
			if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, portalOrigin) || !strings.Contains(csp, "frame-ancestors 'self'") {
				t.Errorf("%s CSP %q: want frame-ancestors 'self' only", path, csp)
			}
		}
		// The administrator's page shows the snippet and a live preview.
		admin := e.Login("admin@demo.pakn.vn")
		code, html := admin.Get("/admin/embed?category=dat-dai&limit=4")
		if code != http.StatusOK {
			t.Fatalf("/admin/embed: %d", code)
		}
		for _, want := range []string{`&lt;iframe src=&#34;http://pakn.test/embed/latest?category=dat-dai&amp;amp;limit=4&#34;`, `<iframe class="embed-preview" src="/embed/latest?category=dat-dai&amp;limit=4"`, portalOrigin} {
			if !strings.Contains(html, want) {
				t.Errorf("/admin/embed lacks %s", want)
			}
		}
		officer := e.Login("officer.ben-luc@demo.pakn.vn")
		if code, _ := officer.Get("/admin/embed"); code != http.StatusForbidden && code != http.StatusNotFound {
			t.Errorf("an officer opens /admin/embed: %d", code)
		}
	})
}

// The public read-only JSON may be read by the portal's pages, preflight
// included, and by no other origin; nothing else gets CORS.
func TestCORS(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := portalEnv(t, tg)
		preflight := func(path, origin string) *http.Response {
			req, _ := http.NewRequest(http.MethodOptions, path, nil)
			req.Header.Set("Origin", origin)
			req.Header.Set("Access-Control-Request-Method", "GET")
			return e.Do(req)
		}
		for _, path := range []string{"/api/v1/answers/latest", "/api/v1/search", "/api/v1/categories", "/api/v1/units", "/api/v1/areas"} {
			resp := preflight(path, portalOrigin)
			if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != portalOrigin {
				t.Errorf("preflight %s: %d, allow-origin %q", path, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
			}
			if got := preflight(path, "https://evil.example").Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("preflight %s from another origin: allow-origin %q", path, got)
			}
		}
		resp, _ := get(t, e, "/api/v1/categories", "Origin", portalOrigin)
		if resp.Header.Get("Access-Control-Allow-Origin") != portalOrigin {
			t.Errorf("GET categories from the portal: allow-origin %q", resp.Header.Get("Access-Control-Allow-Origin"))
		}
		for _, path := range []string{"/api/v1/petitions", "/api/v1/petitions/PAKN-261204-0001", "/track", "/open311/v2/requests.json"} {
			if got := preflight(path, portalOrigin).Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("%s answers CORS (%q): only public read-only APIs may", path, got)
			}
		}
	})
}

// sitemapPageSize is the sitemap protocol's limit of URLs in one file.
const sitemapPageSize = 50_000

type sitemapDoc struct {
	XMLName xml.Name
	URLs    []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"url"`
	Sitemaps []struct {
		Loc string `xml:"loc"`
	} `xml:"sitemap"`
}

func readSitemap(t *testing.T, e *testenv.Env, path string) sitemapDoc {
	t.Helper()
	resp, body := get(t, e, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d", path, resp.StatusCode)
	}
	var doc sitemapDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

// Search engines find every public item through the sitemap (an index of
// sitemaps beyond 50,000), robots.txt points to it, and answer pages carry
// schema.org data, a canonical link and the feed.
func TestFindable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := portalEnv(t, tg)
		now := time.Now()
		publishFAQ(t, e, "faq-find-1", "dat-dai", now)
		publishFAQ(t, e, "faq-find-gone", "dat-dai", now)
		sub := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai", PublishConsent: true})
		answer := publishAnswer(t, e, sub, "Đường ấp 3 khi nào được sửa?", "Đường sẽ được sửa trong quý II.", now)
		legacy := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai", PublishConsent: true})
		legacyID := publishAnswer(t, e, legacy, "Cầu ấp 4 khi nào được sửa?", "Cầu sẽ được sửa trong quý III.", now)
		err := e.Store.Tx(context.Background(), func(tx *gorm.DB) error {
			if err := tx.Model(&models.PublishedItem{}).Where("id = ?", "faq-find-gone").Update("withdrawn", true).Error; err != nil {
				return err
			}
			return tx.Model(&models.PublishedItem{}).Where("id = ?", legacyID).Update("noindex", true).Error
		})
		if err != nil {
			t.Fatal(err)
		}

		doc := readSitemap(t, e, "/sitemap.xml")
		if doc.XMLName.Local != "urlset" {
			t.Fatalf("sitemap root %s, want urlset", doc.XMLName.Local)
		}
		locs := map[string]bool{}
		for _, u := range doc.URLs {
			locs[u.Loc] = true
			if _, err := time.Parse(time.RFC3339, u.LastMod); err != nil {
				t.Errorf("lastmod %q: %v", u.LastMod, err)
			}
		}
		for id, want := range map[string]bool{"faq-find-1": true, answer: true, "faq-find-gone": false, legacyID: false} {
			if locs["http://pakn.test/qa/"+id] != want {
				t.Errorf("sitemap has %s: %v, want %v", id, !want, want)
			}
		}
		_, robots := get(t, e, "/robots.txt")
		if !strings.Contains(string(robots), "Sitemap: http://pakn.test/sitemap.xml") || !strings.Contains(string(robots), "Disallow: /admin") {
			t.Errorf("robots.txt:\n%s", robots)
		}

		_, body := get(t, e, "/qa/"+answer)
		page := string(body)
		m := regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`).FindStringSubmatch(page)
		if m == nil {
			t.Fatal("answer page has no JSON-LD")
		}
		var ld struct {
			Type       string `json:"@type"`
			MainEntity struct {
				Type           string `json:"@type"`
				Text           string `json:"text"`
				AcceptedAnswer struct {
					Text string `json:"text"`
				} `json:"acceptedAnswer"`
			} `json:"mainEntity"`
		}
		if err := json.Unmarshal([]byte(m[1]), &ld); err != nil {
			t.Fatalf("JSON-LD %s: %v", m[1], err)
		}
		if ld.Type != "QAPage" || ld.MainEntity.Type != "Question" || ld.MainEntity.Text != "Đường ấp 3 khi nào được sửa?" || ld.MainEntity.AcceptedAnswer.Text != "Đường sẽ được sửa trong quý II." {
			t.Errorf("JSON-LD: %+v", ld)
		}
		for _, want := range []string{`<link rel="canonical" href="http://pakn.test/qa/` + answer + `">`, `href="/feeds/answers.atom"`} {
			if !strings.Contains(page, want) {
				t.Errorf("answer page lacks %s", want)
			}
		}
		if strings.Contains(page, "noindex") {
			t.Error("an answer consented after the change is marked noindex")
		}
		resp, body := get(t, e, "/qa/"+legacyID+"?lang=en")
		if resp.Header.Get("X-Robots-Tag") != "noindex" || !strings.Contains(string(body), `<meta name="robots" content="noindex">`) {
			t.Error("an answer consented before the change is not marked noindex")
		}
		if !strings.Contains(string(body), `<link rel="canonical" href="http://pakn.test/qa/`+legacyID+`">`) {
			t.Error("the canonical link keeps ?lang")
		}
		if _, body := get(t, e, "/embed/latest?limit=20"); strings.Contains(string(body), legacyID) {
			t.Error("an answer consented before the change is embedded in the portal")
		}
		_, faq := get(t, e, "/qa/faq-find-1")
		if !strings.Contains(string(faq), `"@type":"FAQPage"`) {
			t.Error("an FAQ page has no FAQPage data")
		}
	})
}

// Beyond 50,000 items the sitemap is an index of sitemaps of at most
// 50,000 each.
func TestSitemapIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: large corpus (50,000 sitemap items)")
	}
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := portalEnv(t, tg)
		base, err := e.Store.CountSitemapItems(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n := int(sitemapPageSize - base + 1)
		// One statement: 50,000 rows through the ORM take minutes on a busy
		// machine.
		series := `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?) SELECT i FROM seq`
		if tg.Name == "postgres" {
			series = `SELECT i FROM generate_series(1, ?) AS i`
		}
		at := time.Now().UTC()
		err = e.Store.DB.Exec(`INSERT INTO published_items (id, type, ref, version, title, question, answer, category_code, unit_code, published_at, withdrawn, noindex, updated_at)
SELECT 'faq-gen-' || s.i, 'faq', '', 1, 'Câu hỏi', 'Hỏi về thủ tục', 'Trả lời.', 'dat-dai', 'STNMT', ?, false, false, ? FROM (`+series+`) AS s`, at, at, n).Error
		if err != nil {
			t.Fatal(err)
		}
		index := readSitemap(t, e, "/sitemap.xml")
		if index.XMLName.Local != "sitemapindex" || len(index.Sitemaps) != 2 {
			t.Fatalf("sitemap root %s with %d sitemaps, want a sitemapindex of 2", index.XMLName.Local, len(index.Sitemaps))
		}
		total := 0
		for i, sm := range index.Sitemaps {
			want := fmt.Sprintf("http://pakn.test/sitemap.xml?page=%d", i+1)
			if sm.Loc != want {
				t.Errorf("sitemap %d: %s, want %s", i, sm.Loc, want)
			}
			doc := readSitemap(t, e, strings.TrimPrefix(sm.Loc, "http://pakn.test"))
			if len(doc.URLs) > sitemapPageSize {
				t.Errorf("%s has %d URLs", sm.Loc, len(doc.URLs))
			}
			total += len(doc.URLs)
		}
		if total != sitemapPageSize+1 {
			t.Errorf("the sitemaps list %d items, want %d", total, sitemapPageSize+1)
		}
		if resp, _ := get(t, e, "/sitemap.xml?page=3"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("page 3: %d, want 404", resp.StatusCode)
		}
	})
}

// The publication consent says where published answers go.
func TestPublicationConsentText(t *testing.T) {
	e := testenv.New(t, testdb.SQLite(t))
	for lang, want := range map[string]string{"vi": "công cụ tìm kiếm", "en": "search engines"} {
		_, body := get(t, e, "/submit?lang="+lang)
		if !strings.Contains(string(body), want) {
			t.Errorf("/submit?lang=%s does not say %q", lang, want)
		}
	}
}

// /stats links its figures as open data (GET /api/v1/stats).
func TestStatsLinksOpenData(t *testing.T) {
	e := testenv.New(t, testdb.SQLite(t))
	_, page := get(t, e, "/stats?unit=BEN-LUC")
	if !strings.Contains(string(page), `href="/api/v1/stats?year=`) || !strings.Contains(string(page), `&amp;unit=BEN-LUC"`) {
		t.Error("/stats does not link its figures as JSON")
	}
}
