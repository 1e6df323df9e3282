package app_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"pakn/app"
	"pakn/internal/testdb"
	"pakn/internal/testenv"
)

// petitionJSON is a valid API body.
func petitionJSON() map[string]any {
	return map[string]any{
		"kind": "complaint", "title": "Đèn đường hỏng trên Quốc lộ 1",
		"content":  "Đèn chiếu sáng đoạn qua thị trấn Bến Lức tắt hơn một tháng, gây nguy hiểm ban đêm.",
		"category": "dat-dai", "area": "BEN-LUC", "address": "Quốc lộ 1, thị trấn Bến Lức",
		"publish_consent": true,
		"petitioner": map[string]any{
			"name": "Lê Thị Mai", "phone": "0912 345 678", "email": "mai@example.vn",
			"address": "Khu phố 2, thị trấn Bến Lức",
		},
	}
}

type created struct {
	Code   string `json:"code"`
	Secret string `json:"secret"`
	Status string `json:"status"`
	Unit   struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"unit"`
	DueAt string `json:"due_at"`
}

type fieldErrors struct {
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (f fieldErrors) get(field string) string {
	for _, e := range f.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

var (
	codeRe   = regexp.MustCompile(`^PAKN-\d{6}-\d{4,}$`)
	dueRe    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT23:59:59\+07:00$`)
	receiptC = regexp.MustCompile(`id="receipt-code">([^<]+)<`)
	receiptS = regexp.MustCompile(`id="receipt-secret">([^<]+)<`)
)

func readAll(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestIntakeHTTP runs the citizen's journey through the API and the web
// form on each database, over one seeded server.
func TestIntakeHTTP(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg, testenv.Options{Configure: func(c *app.Config) { c.MetricsToken = metricsToken }})
		t.Run("api create and track", func(t *testing.T) { testAPICreateAndTrack(t, e) })
		t.Run("api field errors", func(t *testing.T) { testAPIFieldErrors(t, e) })
		t.Run("api bad bodies", func(t *testing.T) { testAPIBadBodies(t, e) })
		t.Run("web form", func(t *testing.T) { testWebForm(t, e) })
		t.Run("escaping", func(t *testing.T) { testEscaping(t, e) })
		t.Run("headers", func(t *testing.T) { testSecurityHeaders(t, e) })
		t.Run("health and metrics", func(t *testing.T) { testHealthAndMetrics(t, e) })
	})
}

func testAPICreateAndTrack(t *testing.T, e *testenv.Env) {
	var c created
	resp := e.JSON("POST", "/api/v1/petitions", petitionJSON(), &c)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d: %+v", resp.StatusCode, c)
	}
	if !codeRe.MatchString(c.Code) || c.Secret == "" || c.Status != "received" ||
		c.Unit.Code != "BEN-LUC" || c.Unit.Name != "Ủy ban nhân dân huyện Bến Lức" || !dueRe.MatchString(c.DueAt) {
		t.Fatalf("201 body %+v", c)
	}
	if loc := resp.Header.Get("Location"); loc != "/api/v1/petitions/"+c.Code {
		t.Errorf("Location %q", loc)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	// The raw body has exactly the contract's keys.
	raw := map[string]any{}
	e.JSON("POST", "/api/v1/petitions", petitionJSON(), &raw)
	for _, k := range []string{"code", "secret", "status", "unit", "due_at"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("201 body lacks %q: %v", k, raw)
		}
	}
	if len(raw) != 5 {
		t.Errorf("201 body has extra keys: %v", raw)
	}

	type tracked struct {
		Code     string `json:"code"`
		Status   string `json:"status"`
		Title    string `json:"title"`
		DueAt    string `json:"due_at"`
		Unit     struct{ Code, Name string }
		Timeline []struct{ At, Type, Description string }
	}
	var got tracked
	resp = e.JSON("GET", "/api/v1/petitions/"+c.Code, nil, &got, "X-PAKN-Secret", c.Secret)
	if resp.StatusCode != 200 || got.Code != c.Code || got.Status != "received" || got.Unit.Code != "BEN-LUC" ||
		got.DueAt != c.DueAt || len(got.Timeline) != 2 || got.Timeline[0].Type != "received" {
		t.Fatalf("track by header: %d %+v", resp.StatusCode, got)
	}
	if !strings.HasSuffix(got.Timeline[0].At, "+07:00") || got.Timeline[1].Description != "Chuyển đến: Ủy ban nhân dân huyện Bến Lức" {
		t.Errorf("timeline %+v", got.Timeline)
	}
	got = tracked{}
	resp = e.JSON("GET", "/api/v1/petitions/"+strings.ToLower(c.Code)+"?secret="+url.QueryEscape(c.Secret), nil, &got)
	if resp.StatusCode != 200 || got.Code != c.Code {
		t.Fatalf("track by query: %d %+v", resp.StatusCode, got)
	}

	notFound := func(path string, headers ...string) string {
		req := httptest.NewRequest("GET", path, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp := e.Do(req)
		body := readAll(t, resp)
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		return body
	}
	wrongCode := notFound("/api/v1/petitions/PAKN-990101-0001", "X-PAKN-Secret", c.Secret)
	wrongSecret := notFound("/api/v1/petitions/"+c.Code, "X-PAKN-Secret", "AAAA-BBBB-CCCC")
	noSecret := notFound("/api/v1/petitions/" + c.Code)
	if wrongCode != wrongSecret || wrongCode != noSecret {
		t.Fatalf("404 bodies differ: %q / %q / %q", wrongCode, wrongSecret, noSecret)
	}
}

func testAPIFieldErrors(t *testing.T, e *testenv.Env) {
	body := petitionJSON()
	p := body["petitioner"].(map[string]any)
	p["name"] = ""
	p["phone"] = ""
	p["email"] = ""
	body["category"] = "khong-co"

	var vi fieldErrors
	resp := e.JSON("POST", "/api/v1/petitions", body, &vi)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d", resp.StatusCode)
	}
	want := map[string]string{
		"petitioner.name":  "Vui lòng cho biết họ tên: phản ánh, kiến nghị nặc danh không được tiếp nhận.",
		"petitioner.phone": "Vui lòng cho biết số điện thoại hoặc thư điện tử để nhận thông báo.",
		"category":         "Giá trị không có trong danh mục.",
	}
	for f, m := range want {
		if got := vi.get(f); got != m {
			t.Errorf("vi %s: %q, want %q", f, got, m)
		}
	}
	var en fieldErrors
	e.JSON("POST", "/api/v1/petitions", body, &en, "Accept-Language", "en-US,en;q=0.9")
	if got := en.get("petitioner.name"); got != "Please give your name: anonymous feedback is not accepted." {
		t.Errorf("en by Accept-Language: %q", got)
	}
	en = fieldErrors{}
	e.JSON("POST", "/api/v1/petitions?lang=en", body, &en)
	if got := en.get("petitioner.phone"); got != "Give a phone number or an e-mail address so that we can reach you." {
		t.Errorf("en by ?lang=en: %q", got)
	}
}

func testAPIBadBodies(t *testing.T, e *testenv.Env) {
	tests := []struct {
		name, body, field string
	}{
		{"not JSON", `{"kind":`, "body"},
		{"trailing data", `{"kind":"complaint"} {}`, "body"},
		{"number for a string", `{"title": 12}`, "title"},
		{"string for a number", `{"lat": "10.5"}`, "lat"},
		{"nested type error", `{"petitioner": {"name": true}}`, "petitioner.name"},
		{"array for the object", `[]`, ""},
	}
	for _, tc := range tests {
		var fe fieldErrors
		resp := e.JSON("POST", "/api/v1/petitions", tc.body, &fe)
		if resp.StatusCode != http.StatusBadRequest || len(fe.Errors) == 0 {
			t.Errorf("%s: %d %+v", tc.name, resp.StatusCode, fe)
			continue
		}
		if tc.field != "" && fe.get(tc.field) == "" {
			t.Errorf("%s: no error for %q: %+v", tc.name, tc.field, fe)
		}
	}
	// More than 1 MB of JSON: 413, in JSON.
	big := `{"kind":"complaint","content":"` + strings.Repeat("a", app.LimitJSON) + `"}`
	var out map[string]any
	resp := e.JSON("POST", "/api/v1/petitions", big, &out)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || out["error"] == nil {
		t.Fatalf("1 MB body: %d %v", resp.StatusCode, out)
	}
}

func testWebForm(t *testing.T, e *testenv.Env) {
	c := e.NewClient()
	code, page := c.Get("/submit")
	if code != 200 {
		t.Fatalf("GET /submit: %d", code)
	}
	for _, s := range []string{`<html lang="vi">`, "Nghị định 13/2023/NĐ-CP", `name="privacy_consent"`, `name="_csrf"`,
		`value="dat-dai"`, `value="BEN-LUC"`, "Phản ánh", "Kiến nghị"} {
		if !strings.Contains(page, s) {
			t.Errorf("/submit lacks %s", s)
		}
	}
	form := url.Values{
		"kind": {"recommendation"}, "category": {"dat-dai"}, "area": {"BEN-LUC"},
		"title":   {"Đề nghị công khai quy hoạch sử dụng đất"},
		"content": {"Đề nghị Ủy ban công khai bản đồ quy hoạch sử dụng đất của huyện tại trụ sở xã."},
		"name":    {"Phạm Văn Bình"}, "petitioner_address": {"Ấp 1, xã Lương Hòa"},
		"phone": {"0987654321"}, "privacy_consent": {"1"},
	}

	// Without the CSRF token: 403, for a browser with a cookie and without.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("_csrf", "")
	if resp, _ := c.PostForm("/submit", bad); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST without _csrf: %d", resp.StatusCode)
	}
	bad.Set("_csrf", "forged")
	if resp, _ := e.NewClient().PostForm("/submit", bad); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST with a forged _csrf and no cookie: %d", resp.StatusCode)
	}

	// With errors: the form again, in Vietnamese, with what was typed.
	withErrors := url.Values{}
	for k, v := range form {
		withErrors[k] = v
	}
	withErrors.Set("name", "")
	withErrors.Set("phone", "abc")
	withErrors.Del("privacy_consent")
	resp, body := c.PostForm("/submit", withErrors)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("POST with errors: %d", resp.StatusCode)
	}
	for _, s := range []string{
		"Vui lòng cho biết họ tên: phản ánh, kiến nghị nặc danh không được tiếp nhận.",
		"Số điện thoại không hợp lệ.",
		"Vui lòng đồng ý với việc xử lý dữ liệu cá nhân",
		`value="Đề nghị công khai quy hoạch sử dụng đất"`,
		"Đề nghị Ủy ban công khai bản đồ quy hoạch",
		`value="Ấp 1, xã Lương Hòa"`,
		`value="abc"`,
		`value="recommendation" checked`,
		`value="BEN-LUC" selected`,
		`name="_csrf"`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("form with errors lacks %s", s)
		}
	}

	// Success: the receipt with the code and the secret.
	resp, body = c.PostForm("/submit", form)
	body = c.Receipt(resp, body)
	mc, ms := receiptC.FindStringSubmatch(body), receiptS.FindStringSubmatch(body)
	if mc == nil || ms == nil || !codeRe.MatchString(mc[1]) {
		t.Fatalf("receipt without code or secret: %s", body)
	}
	for _, s := range []string{"Giấy biên nhận", "Ủy ban nhân dân huyện Bến Lức", "Phạm Văn Bình", "Kiến nghị"} {
		if !strings.Contains(body, s) {
			t.Errorf("receipt lacks %s", s)
		}
	}

	// /track by POST.
	c.Get("/track")
	resp, body = c.PostForm("/track", url.Values{"code": {mc[1]}, "secret": {strings.ToLower(ms[1])}})
	if resp.StatusCode != 200 || !strings.Contains(body, mc[1]) || !strings.Contains(body, "Đã tiếp nhận, chờ xem xét") ||
		!strings.Contains(body, "Chuyển đến: Ủy ban nhân dân huyện Bến Lức") {
		t.Fatalf("track: %d %s", resp.StatusCode, body)
	}
	resp, body = c.PostForm("/track", url.Values{"code": {mc[1]}, "secret": {"AAAA-BBBB-CCCC"}})
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "Không tìm thấy hồ sơ") {
		t.Fatalf("track with a wrong secret: %d", resp.StatusCode)
	}
	resp, _ = c.PostForm("/track", url.Values{"code": {mc[1]}, "secret": {ms[1]}, "_csrf": {""}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("track without _csrf: %d", resp.StatusCode)
	}

	// English, remembered in a cookie.
	en := e.NewClient()
	if _, page := en.Get("/submit?lang=en"); !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, "Decree 13/2023") {
		t.Errorf("English form")
	}
	if _, page := en.Get("/track"); !strings.Contains(page, `<html lang="en">`) {
		t.Errorf("language not remembered")
	}
}

func testEscaping(t *testing.T, e *testenv.Env) {
	c := e.NewClient()
	c.Get("/submit")
	evil := `<script>alert("x")</script> & "quotes"`
	resp, body := c.PostForm("/submit", url.Values{
		"kind": {"complaint"}, "category": {"khac"}, "title": {evil},
		"content": {"Nội dung có thẻ <img src=x onerror=alert(1)> trong văn bản."},
		"name":    {`Ông <b>Tú</b>`}, "petitioner_address": {"Tân An"}, "email": {"tu@example.vn"}, "privacy_consent": {"1"},
	})
	body = c.Receipt(resp, body)
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<b>Tú</b>") {
		t.Fatalf("receipt does not escape the title or name")
	}
	if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;") {
		t.Fatalf("receipt lacks the escaped title")
	}
	code, secret := receiptC.FindStringSubmatch(body)[1], receiptS.FindStringSubmatch(body)[1]
	_, body = c.PostForm("/track", url.Values{"code": {code}, "secret": {secret}})
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
		t.Fatalf("track page does not escape")
	}
	if !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") || !strings.Contains(body, "<title>&lt;script&gt;") {
		t.Fatalf("track page lacks the escaped text")
	}
}

func testSecurityHeaders(t *testing.T, e *testenv.Env) {
	for _, path := range []string{"/", "/submit", "/track", "/admin/login", "/api/v1/categories", "/no-such-page"} {
		resp := e.Do(httptest.NewRequest("GET", path, nil))
		readAll(t, resp)
		csp := resp.Header.Get("Content-Security-Policy")
		if csp == "" || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") ||
			!strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'self'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if v := resp.Header.Get("X-Content-Type-Options"); v != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", path, v)
		}
		if v := resp.Header.Get("Referrer-Policy"); v != "same-origin" {
			t.Errorf("%s: Referrer-Policy %q", path, v)
		}
	}
	// No inline script or style in the pages the CSP governs.
	_, page := e.NewClient().Get("/submit")
	if regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]|<style|\sstyle="|\son[a-z]+="`).MatchString(page) {
		t.Errorf("/submit has inline script or style")
	}
}

const metricsToken = "metrics-token-for-tests"

func testHealthAndMetrics(t *testing.T, e *testenv.Env) {
	for _, p := range []string{"/healthz", "/readyz"} {
		resp := e.Do(httptest.NewRequest("GET", p, nil))
		if body := readAll(t, resp); resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", p, resp.StatusCode, body)
		}
	}
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	resp := e.Do(req)
	body := readAll(t, resp)
	for _, s := range []string{
		`pakn_outbox_messages{channel="email",state="pending"}`,
		`pakn_outbox_messages{channel="portal",state="failed"}`,
		`go_sql_in_use_connections{db_name="pakn"}`,
		`pakn_http_requests_in_flight 1`, // this request
		`pakn_http_requests_shed_total 0`,
		`pakn_http_request_duration_seconds_bucket{method="POST",route="/api/v1/petitions",status="2xx"`,
		`pakn_http_request_duration_seconds_count{method="GET",route="/api/v1/petitions/:code"`,
		`pakn_petitions_submitted_total{channel="api"}`,
		`pakn_petitions_submitted_total{channel="web"}`,
		`pakn_outbox_backlog{channel="email"}`,
		`pakn_outbox_backlog{channel="sms"}`,
		"process_resident_memory_bytes",
	} {
		if !strings.Contains(body, s) {
			t.Errorf("/metrics lacks %s (status %d, %d bytes: %.300s)", s, resp.StatusCode, len(body), body)
		}
	}
	// Secrets in query strings never reach a metric label.
	if strings.Contains(body, "secret=") {
		t.Errorf("/metrics shows a query string")
	}
}

// TestFrameAncestorsFromConfig: the configured origins may frame the
// /embed/ pages, and no other page.
func TestFrameAncestorsFromConfig(t *testing.T) {
	e := testenv.New(t, testdb.SQLite(t), testenv.Options{NoSeed: true, Configure: func(c *app.Config) {
		c.FrameAncestors = []string{"https://dichvucong.gov.vn"}
	}})
	resp := e.Do(httptest.NewRequest("GET", "/embed/latest", nil))
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self' https://dichvucong.gov.vn") {
		t.Fatalf("/embed/latest CSP %q", csp)
	}
	resp = e.Do(httptest.NewRequest("GET", "/healthz", nil))
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "frame-ancestors 'self'") {
		t.Fatalf("/healthz CSP %q", csp)
	}
}

// TestRateLimits: submissions and look-ups are limited per IP, and the web
// form and the API draw on the same allowance (counted in memory on SQLite,
// in the database on PostgreSQL).
func TestRateLimits(t *testing.T) {
	testdb.Each(t, testRateLimits)
}

func testRateLimits(t *testing.T, tg testdb.Target) {
	e := testenv.New(t, tg, testenv.Options{NoSeed: true, Configure: func(c *app.Config) {
		c.SubmitLimit = app.Rate{N: 2, Per: time.Minute}
		c.LookupLimit = app.Rate{N: 3, Per: time.Hour}
	}})
	for i := range 2 {
		if resp := e.JSON("POST", "/api/v1/petitions", `{}`, nil); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("submission %d: %d", i+1, resp.StatusCode)
		}
	}
	var out map[string]any
	resp := e.JSON("POST", "/api/v1/petitions", `{}`, &out)
	ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || ra < 1 || ra > 60 {
		t.Fatalf("third API submission: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if msg, _ := out["error"].(string); !strings.Contains(msg, "Vui lòng thử lại sau "+resp.Header.Get("Retry-After")+" giây") {
		t.Errorf("429 message %q", msg)
	}
	// The web form shares the allowance: already used up.
	c := e.NewClient()
	c.Get("/track")
	resp, body := c.PostForm("/submit", url.Values{"title": {"x"}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("web submission after the API used the allowance: %d", resp.StatusCode)
	}
	if !strings.Contains(body, "Quá nhiều yêu cầu") {
		t.Errorf("429 page: %s", body)
	}

	// Look-ups: 3 per hour, shared by the API and /track.
	for i := range 2 {
		if resp := e.JSON("GET", "/api/v1/petitions/PAKN-260101-0001", nil, nil, "X-PAKN-Secret", "x"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("look-up %d: %d", i+1, resp.StatusCode)
		}
	}
	if resp, _ := c.PostForm("/track", url.Values{"code": {"PAKN-260101-0001"}, "secret": {"x"}}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("third look-up: %d", resp.StatusCode)
	}
	resp = e.JSON("GET", "/api/v1/petitions/PAKN-260101-0001", nil, nil, "X-PAKN-Secret", "x")
	if ra, _ := strconv.Atoi(resp.Header.Get("Retry-After")); resp.StatusCode != http.StatusTooManyRequests || ra < 1 {
		t.Fatalf("fourth look-up: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Other routes are not limited.
	if resp := e.Do(httptest.NewRequest("GET", "/healthz", nil)); resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
}

// TestRateLimitSharedByInstances: two instances on one PostgreSQL database
// enforce one submission limit per client, whichever instance a request
// reaches, and keep clients apart.
func TestRateLimitSharedByInstances(t *testing.T) {
	tg := testdb.Postgres(t)
	limit := func(c *app.Config) {
		c.SubmitLimit = app.Rate{N: 3, Per: time.Minute}
		c.TrustedProxies = []string{"0.0.0.0"} // app.Test connections come from 0.0.0.0
	}
	a := testenv.New(t, tg, testenv.Options{NoSeed: true, Configure: limit})
	b := testenv.New(t, tg, testenv.Options{NoSeed: true, Configure: limit})
	post := func(e *testenv.Env, client string) int {
		req := httptest.NewRequest("POST", "/api/v1/petitions", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", client)
		resp := e.Do(req)
		readAll(t, resp)
		return resp.StatusCode
	}
	for i, e := range []*testenv.Env{a, b, a} {
		if got := post(e, "203.0.113.7"); got != http.StatusBadRequest {
			t.Fatalf("submission %d: %d", i+1, got)
		}
	}
	for i, e := range []*testenv.Env{b, a} {
		if got := post(e, "203.0.113.7"); got != http.StatusTooManyRequests {
			t.Fatalf("submission %d over the shared limit: %d", i+4, got)
		}
	}
	if got := post(b, "203.0.113.8"); got != http.StatusBadRequest {
		t.Fatalf("another client: %d", got)
	}
}

// TestDatabaseDown: with the database gone, /readyz and the API answer 503
// with Retry-After; /healthz still says the process lives.
func TestDatabaseDown(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg, testenv.Options{NoSeed: true})
		if err := e.Store.SQL().Close(); err != nil {
			t.Fatal(err)
		}
		check := func(req *http.Request) string {
			t.Helper()
			resp := e.Do(req)
			body := readAll(t, resp)
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
				t.Errorf("%s %s: %d, Retry-After %q: %s", req.Method, req.URL, resp.StatusCode, resp.Header.Get("Retry-After"), body)
			}
			return body
		}
		check(httptest.NewRequest("GET", "/readyz", nil))
		raw, _ := json.Marshal(petitionJSON())
		req := httptest.NewRequest("POST", "/api/v1/petitions", strings.NewReader(string(raw)))
		req.Header.Set("Content-Type", "application/json")
		if body := check(req); !strings.Contains(body, `"error"`) {
			t.Errorf("API 503 body %s", body)
		}
		check(httptest.NewRequest("GET", "/api/v1/petitions/PAKN-260101-0001?secret=x", nil))
		check(httptest.NewRequest("GET", "/api/v1/categories", nil))
		if body := check(httptest.NewRequest("GET", "/submit", nil)); !strings.Contains(body, "tạm thời gián đoạn") {
			t.Errorf("page 503 body lacks the message")
		}
		if resp := e.Do(httptest.NewRequest("GET", "/healthz", nil)); resp.StatusCode != 200 {
			t.Errorf("healthz: %d", resp.StatusCode)
		}
	})
}

// TestSubmitBodyLimit: a form larger than 55 MB is refused with 413 as soon
// as its Content-Length is read, before the body is sent.
func TestSubmitBodyLimit(t *testing.T) {
	e := testenv.New(t, testdb.SQLite(t), testenv.Options{NoSeed: true})
	addr := strings.TrimPrefix(e.Listen(), "http://")
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST /submit HTTP/1.1\r\nHost: %s\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: %d\r\n\r\n", addr, app.LimitUpload+1)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer before the body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
}

// TestRateLimitClientIP: behind a trusted proxy the client is the rightmost
// untrusted address of X-Forwarded-For, so writing addresses to the left of
// it does not buy a new allowance; without trusted proxies the header is
// ignored.
func TestRateLimitClientIP(t *testing.T) {
	post := func(e *testenv.Env, xff string) int {
		req := httptest.NewRequest("POST", "/api/v1/petitions", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		resp := e.Do(req)
		readAll(t, resp)
		return resp.StatusCode
	}
	limit := func(proxies ...string) *testenv.Env {
		return testenv.New(t, testdb.SQLite(t), testenv.Options{NoSeed: true, Configure: func(c *app.Config) {
			c.SubmitLimit = app.Rate{N: 1, Per: time.Minute}
			c.TrustedProxies = proxies
		}})
	}
	// app.Test connections come from 0.0.0.0: make it the trusted proxy.
	e := limit("0.0.0.0", "10.0.0.0/8")
	steps := []struct {
		xff  string
		want int
	}{
		{"203.0.113.7, 10.1.2.3", http.StatusBadRequest},                    // client 203.0.113.7
		{"198.51.100.1, 203.0.113.7, 10.1.2.3", http.StatusTooManyRequests}, // a spoofed left entry changes nothing
		{"198.51.100.1, 203.0.113.7", http.StatusTooManyRequests},
		{"203.0.113.8", http.StatusBadRequest}, // another client
	}
	for i, s := range steps {
		if got := post(e, s.xff); got != s.want {
			t.Errorf("trusted proxy, step %d (%s): %d, want %d", i+1, s.xff, got, s.want)
		}
	}
	e = limit()
	if got := post(e, "203.0.113.7"); got != http.StatusBadRequest {
		t.Fatalf("first: %d", got)
	}
	if got := post(e, "203.0.113.9"); got != http.StatusTooManyRequests {
		t.Fatalf("X-Forwarded-For believed without a trusted proxy: %d", got)
	}
}
