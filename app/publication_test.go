package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"pakn/app"
	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
	"pakn/models/workdays"
)

// publishAnswer publishes a petition's answer the way the workflow will:
// petition state, public texts and the published item in one transaction.
func publishAnswer(t *testing.T, e *testenv.Env, sub *models.Submission, question, answer string, at time.Time) string {
	t.Helper()
	id := fmt.Sprintf("answer-%d", sub.Petition.ID)
	lat, long := 10.64, 106.48
	err := e.Store.Tx(context.Background(), func(tx *gorm.DB) error {
		due := at.Add(24 * time.Hour)
		if err := tx.Model(&models.Petition{}).Where("id = ?", sub.Petition.ID).Updates(map[string]any{
			"status": models.StatusPublished, "public_question": question, "public_answer": answer,
			"answer": answer, "answered_at": at, "published_at": at, "answer_due_at": due,
			"lat": lat, "long": long,
		}).Error; err != nil {
			return err
		}
		_, err := models.PublishItemTx(tx, models.PublishedItem{
			ID: id, Type: models.ItemAnswer, Title: sub.Petition.Title, Question: question, Answer: answer,
			CategoryCode: "dat-dai", CategoryName: "Đất đai", UnitCode: sub.Unit.Code, UnitName: sub.Unit.Name,
			AskedAt: &sub.Petition.ReceivedAt, AnsweredAt: &at, PublishedAt: at,
		}, at)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func publishFAQ(t *testing.T, e *testenv.Env, id, category string, at time.Time) {
	t.Helper()
	err := e.Store.Tx(context.Background(), func(tx *gorm.DB) error {
		_, err := models.PublishItemTx(tx, models.PublishedItem{
			ID: id, Type: models.ItemFAQ, Title: "Câu hỏi " + id, Question: "Hỏi về " + id + " như thế nào?",
			Answer: "Trả lời cho " + id + ".", CategoryCode: category, CategoryName: category,
			UnitCode: "STNMT", UnitName: "Sở Tài nguyên và Môi trường", PublishedAt: at,
		}, at)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, e *testenv.Env, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp := e.Do(req)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body
}

func postForm(t *testing.T, e *testenv.Env, path string, v url.Values) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp := e.Do(req)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body
}

type atomDoc struct {
	ID      string `xml:"id"`
	Updated string `xml:"updated"`
	Title   string `xml:"title"`
	Links   []struct {
		Href string `xml:"href,attr"`
		Rel  string `xml:"rel,attr"`
	} `xml:"link"`
	Entries []struct {
		ID        string `xml:"id"`
		Title     string `xml:"title"`
		Updated   string `xml:"updated"`
		Published string `xml:"published"`
		Link      struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Category struct {
			Term string `xml:"term,attr"`
		} `xml:"category"`
		Content string `xml:"content"`
	} `xml:"entry"`
}

func TestPublication(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		clearPublished(t, e)
		now := time.Now().UTC().Truncate(time.Second)
		published := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai"})
		open := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai",
			Petitioner: models.PetitionerInput{Name: "Trần Thị Bích", Phone: "0912345678", Address: "Số 7 đường Nguyễn Huệ, Bến Lức"}})
		answerID := publishAnswer(t, e, published, "Đường liên xã qua ấp 3 bị sụt lún, đề nghị sửa chữa.",
			"UBND huyện đã bố trí kinh phí sửa chữa trong quý II.", now.Add(-time.Hour))
		publishFAQ(t, e, "faq-1", "dat-dai", now.Add(-2*time.Hour))
		publishFAQ(t, e, "faq-2", "giao-thong", now.Add(-30*time.Minute))
		publishFAQ(t, e, "faq-3", "dat-dai", now.Add(-3*time.Hour))
		if err := e.Store.Tx(context.Background(), func(tx *gorm.DB) error { return models.WithdrawItemTx(tx, "faq-3", now) }); err != nil {
			t.Fatal(err)
		}
		personal := []string{"Nguyễn Văn An", "0901234567", "an@example.vn", "Ấp 3, xã Mỹ Yên", "Trần Thị Bích", "0912345678", "Nguyễn Huệ"}
		noPersonal := func(t *testing.T, what string, body []byte) {
			t.Helper()
			for _, p := range personal {
				if bytes.Contains(body, []byte(p)) {
					t.Errorf("%s leaks personal data %q", what, p)
				}
			}
		}

		t.Run("feed", func(t *testing.T) {
			resp, body := get(t, e, "/feeds/answers.atom")
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/atom+xml") {
				t.Fatalf("feed: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			noPersonal(t, "feed", body)
			var f atomDoc
			if err := xml.Unmarshal(body, &f); err != nil {
				t.Fatalf("feed is not XML: %v\n%s", err, body)
			}
			if f.ID == "" || f.Updated == "" || f.Title == "" {
				t.Fatalf("feed lacks id/updated/title: %+v", f)
			}
			var ids []string
			for _, en := range f.Entries {
				ids = append(ids, strings.TrimPrefix(en.Link.Href, "http://pakn.test/qa/"))
				if en.ID == "" || en.Updated == "" || en.Category.Term == "" || !strings.Contains(en.Content, "Trả lời") {
					t.Errorf("entry incomplete: %+v", en)
				}
				if _, err := time.Parse(time.RFC3339, en.Updated); err != nil {
					t.Errorf("updated %q: %v", en.Updated, err)
				}
			}
			if want := []string{"faq-2", answerID, "faq-1"}; strings.Join(ids, ",") != strings.Join(want, ",") {
				t.Fatalf("entries %v, want newest first %v (withdrawn left out)", ids, want)
			}
			_, body = get(t, e, "/feeds/answers.atom?category=giao-thong")
			f = atomDoc{}
			_ = xml.Unmarshal(body, &f)
			if len(f.Entries) != 1 || f.Entries[0].Category.Term != "giao-thong" {
				t.Fatalf("category filter: %+v", f.Entries)
			}
			// Conditional GET.
			resp, _ = get(t, e, "/feeds/answers.atom")
			if r2, _ := get(t, e, "/feeds/answers.atom", "If-None-Match", resp.Header.Get("ETag")); r2.StatusCode != http.StatusNotModified {
				t.Fatalf("If-None-Match: %d", r2.StatusCode)
			}
			if r2, _ := get(t, e, "/feeds/answers.atom", "If-Modified-Since", resp.Header.Get("Last-Modified")); r2.StatusCode != http.StatusNotModified {
				t.Fatalf("If-Modified-Since: %d", r2.StatusCode)
			}
		})

		t.Run("openapi", func(t *testing.T) { testOpenAPI(t, e, open) })
		t.Run("open311", func(t *testing.T) { testOpen311(t, e, published, open, noPersonal) })

		t.Run("stats", func(t *testing.T) {
			resp, body := get(t, e, "/stats")
			if resp.StatusCode != 200 {
				t.Fatalf("/stats: %d", resp.StatusCode)
			}
			s := string(body)
			for _, want := range []string{`<svg class="chart"`, `<title id="chart-volume-title">`, `<desc id="chart-timeliness-desc">`, `<table class="stats"`, `href="/stats"`} {
				if !strings.Contains(s, want) {
					t.Errorf("/stats lacks %s", want)
				}
			}
			if strings.Contains(s, "<script>") || strings.Contains(s, `style="`) {
				t.Error("/stats has inline script or style")
			}
			noPersonal(t, "/stats", body)
			year := time.Now().In(workdays.VietnamLocation()).Year()
			st, err := e.Store.Statistics(context.Background(), models.StatsFilter{Year: year, UnitCode: "BEN-LUC"})
			if err != nil {
				t.Fatal(err)
			}
			var n int64
			e.Store.DB.Model(&models.Petition{}).Where("unit_id = ?", published.Petition.UnitID).Count(&n)
			if st.Total.Received != int(n) || st.Total.Answered != 1 || st.Total.OnTime != 1 || len(st.Units) != 1 {
				t.Fatalf("BEN-LUC figures: %+v", st.Total)
			}
			if resp, _ := get(t, e, fmt.Sprintf("/stats?year=%d&unit=BEN-LUC&lang=en", year)); resp.StatusCode != 200 {
				t.Fatalf("/stats filtered: %d", resp.StatusCode)
			}
			if resp, _ := get(t, e, "/stats?unit=NOPE"); resp.StatusCode != 404 {
				t.Fatalf("/stats unknown unit: %d", resp.StatusCode)
			}
			// XLSX for signed-in officials only.
			if resp, _ := get(t, e, "/admin/stats.xlsx"); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("anonymous xlsx: %d", resp.StatusCode)
			}
			c := e.Login("officer.stnmt@demo.pakn.vn")
			resp = c.Send(httptest.NewRequest(http.MethodGet, fmt.Sprintf("/admin/stats.xlsx?year=%d", year), nil))
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("xlsx: %d", resp.StatusCode)
			}
			x, err := excelize.OpenReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			rows, err := x.GetRows("Theo tháng")
			if err != nil || len(rows) != 14 || rows[13][2] != "1" {
				t.Fatalf("xlsx months: %v %v", rows, err)
			}
		})

		t.Run("admin", func(t *testing.T) { testAdminPages(t, e) })
	})
}

func testOpenAPI(t *testing.T, e *testenv.Env, open *models.Submission) {
	ctx := context.Background()
	resp, raw := get(t, e, "/api/openapi.json")
	if resp.StatusCode != 200 || !bytes.Equal(raw, app.OpenAPIDocument()) {
		t.Fatalf("/api/openapi.json: %d", resp.StatusCode)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: "http://pakn.test"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	good := `{"kind":"complaint","title":"Đèn đường hỏng","content":"Đèn đường trên quốc lộ 1 đoạn qua thị trấn Bến Lức hỏng nhiều ngày.","category":"dat-dai","area":"BEN-LUC","petitioner":{"name":"Lê Văn Cường","phone":"0987654321","address":"Bến Lức"}}`
	big := `{"kind":"complaint","content":"` + strings.Repeat("x", 1<<20+10) + `"}`
	cases := []struct {
		name, method, path, body string
		headers                  []string
		want                     int
	}{
		{"create", http.MethodPost, "/api/v1/petitions", good, nil, 201},
		{"create invalid", http.MethodPost, "/api/v1/petitions", `{"kind":"x","petitioner":{}}`, nil, 400},
		{"create too large", http.MethodPost, "/api/v1/petitions", big, nil, 413},
		{"track", http.MethodGet, "/api/v1/petitions/" + open.Petition.Code, "", []string{"X-PAKN-Secret", open.Secret}, 200},
		{"track wrong secret", http.MethodGet, "/api/v1/petitions/" + open.Petition.Code, "", []string{"X-PAKN-Secret", "nope"}, 404},
		{"categories", http.MethodGet, "/api/v1/categories", "", nil, 200},
		{"units", http.MethodGet, "/api/v1/units", "", nil, 200},
		{"areas", http.MethodGet, "/api/v1/areas", "", nil, 200},
		{"latest answers", http.MethodGet, "/api/v1/answers/latest?limit=3", "", nil, 200},
		{"latest answers bad limit", http.MethodGet, "/api/v1/answers/latest?limit=0", "", nil, 400},
		{"create with dossier and procedure", http.MethodPost, "/api/v1/petitions", strings.Replace(good, `"area"`, `"dossier_code":"000.00.17.H42-250312-0003","procedure_code":"1.001612","area"`, 1), nil, 201},
		{"create with a bad procedure", http.MethodPost, "/api/v1/petitions", strings.Replace(good, `"area"`, `"procedure_code":"1612","area"`, 1), nil, 400},
		{"procedures", http.MethodGet, "/api/v1/procedures?q=khai", "", nil, 200},
		{"stats", http.MethodGet, "/api/v1/stats", "", nil, 200},
		{"stats of a unit", http.MethodGet, "/api/v1/stats?unit=BEN-LUC", "", nil, 200},
		{"stats of no unit", http.MethodGet, "/api/v1/stats?unit=NOPE", "", nil, 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "http://pakn.test"+tc.path, strings.NewReader(tc.body))
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			for i := 0; i+1 < len(tc.headers); i += 2 {
				req.Header.Set(tc.headers[i], tc.headers[i+1])
			}
			resp := e.Do(req)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
			}
			vreq := httptest.NewRequest(tc.method, "http://pakn.test"+strings.Split(tc.path, "?")[0], nil)
			route, params, err := router.FindRoute(vreq)
			if err != nil {
				t.Fatalf("route not documented: %v", err)
			}
			in := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route},
				Status:                 resp.StatusCode, Header: resp.Header,
				Options: &openapi3filter.Options{IncludeResponseStatus: true},
			}
			in.SetBodyBytes(body)
			if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
				t.Fatalf("response does not match the OpenAPI document: %v\n%s", err, body)
			}
		})
	}
}

// open311Schemas compiles the Open311 community's schemas, read in place
// from ../shared/data relative to the repository.
func open311Schemas(t *testing.T) func(name string, body []byte) {
	t.Helper()
	dir := ""
	wd, _ := os.Getwd()
	for d := wd; ; d = filepath.Dir(d) {
		if fi, err := os.Stat(filepath.Join(d, "shared", "data", "open311-georeport-v2")); err == nil && fi.IsDir() {
			dir = filepath.Join(d, "shared", "data", "open311-georeport-v2")
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if dir == "" {
		if testdb.CI() {
			t.Fatal("shared/data/open311-georeport-v2 not found under CI=true")
		}
		t.Skip("shared/data/open311-georeport-v2 not found: Open311 schema checks skipped")
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	compiled := map[string]*jsonschema.Schema{}
	for _, n := range []string{"services.json", "service-definition.json", "requests.json"} {
		s, err := c.Compile(filepath.Join(dir, n))
		if err != nil {
			t.Fatalf("compile %s: %v", n, err)
		}
		compiled[n] = s
	}
	return func(name string, body []byte) {
		t.Helper()
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: not JSON: %v", name, err)
		}
		if err := compiled[name].Validate(v); err != nil {
			t.Fatalf("response does not match %s: %v\n%s", name, err, body)
		}
	}
}

func testOpen311(t *testing.T, e *testenv.Env, published, open *models.Submission, noPersonal func(*testing.T, string, []byte)) {
	validate := open311Schemas(t)
	mustOK := func(path string) []byte {
		t.Helper()
		resp, body := get(t, e, path)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		noPersonal(t, path, body)
		return body
	}
	body := mustOK("/open311/v2/discovery.json")
	if !strings.Contains(string(body), `"http://pakn.test/open311/v2"`) {
		t.Fatalf("discovery: %s", body)
	}
	validate("services.json", mustOK("/open311/v2/services.json"))
	validate("service-definition.json", mustOK("/open311/v2/services/dat-dai.json"))
	if !strings.Contains(string(mustOK("/open311/v2/services/dat-dai.json")), `"BEN-LUC"`) {
		t.Fatal("service definition lacks the area values")
	}
	list := mustOK("/open311/v2/requests.json")
	validate("requests.json", list)
	var reqs []map[string]any
	_ = json.Unmarshal(list, &reqs)
	if len(reqs) < 2 {
		t.Fatalf("requests: %s", list)
	}
	one := mustOK("/open311/v2/requests/" + published.Petition.Code + ".json")
	validate("requests.json", one)
	var got []map[string]any
	_ = json.Unmarshal(one, &got)
	if got[0]["status"] != "closed" || got[0]["description"] != "Đường liên xã qua ấp 3 bị sụt lún, đề nghị sửa chữa." || got[0]["lat"] == nil {
		t.Fatalf("published request: %v", got[0])
	}
	two := mustOK("/open311/v2/requests/" + open.Petition.Code + ".json")
	_ = json.Unmarshal(two, &got)
	if got[0]["status"] != "open" || got[0]["description"] != nil || got[0]["lat"] != nil || got[0]["expected_datetime"] == nil {
		t.Fatalf("open request shows too much or too little: %v", got[0])
	}
	// Filters.
	ids := mustOK("/open311/v2/requests.json?service_request_id=" + published.Petition.Code + "," + open.Petition.Code)
	_ = json.Unmarshal(ids, &reqs)
	if len(reqs) != 2 {
		t.Fatalf("by ids: %s", ids)
	}
	closed := mustOK("/open311/v2/requests.json?status=closed")
	_ = json.Unmarshal(closed, &reqs)
	for _, r := range reqs {
		if r["status"] != "closed" {
			t.Fatalf("status filter: %v", r)
		}
	}
	future := url.QueryEscape(time.Now().Add(24 * time.Hour).Format(time.RFC3339))
	_ = json.Unmarshal(mustOK("/open311/v2/requests.json?start_date="+future), &reqs)
	if len(reqs) != 0 {
		t.Fatalf("start_date filter: %v", reqs)
	}
	if resp, body := get(t, e, "/open311/v2/requests.json?start_date=yesterday"); resp.StatusCode != 400 || !strings.HasPrefix(string(body), `[{"code":400`) {
		t.Fatalf("bad date: %d %s", resp.StatusCode, body)
	}
	if resp, body := get(t, e, "/open311/v2/requests/PAKN-000101-9999.json"); resp.StatusCode != 404 || !strings.HasPrefix(string(body), `[{"code":404`) {
		t.Fatalf("unknown request: %d %s", resp.StatusCode, body)
	}
	// XML.
	for _, p := range []string{"/open311/v2/discovery.xml", "/open311/v2/services.xml", "/open311/v2/services/dat-dai.xml", "/open311/v2/requests.xml", "/open311/v2/requests/" + published.Petition.Code + ".xml"} {
		b := mustOK(p)
		var anyDoc struct{ XMLName xml.Name }
		if err := xml.Unmarshal(b, &anyDoc); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}

	// POST: key required.
	form := url.Values{
		"service_code": {"dat-dai"}, "description": {"Cống thoát nước trước chợ Bến Lức bị tắc, nước tràn ra đường."},
		"first_name": {"Phạm"}, "last_name": {"Văn Dũng"}, "phone": {"0977111222"},
		"attribute[area]": {"BEN-LUC"}, "attribute[kind]": {"recommendation"}, "lat": {"10.64"}, "long": {"106.48"},
	}
	for _, key := range []string{"", "wrong-key"} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		if key != "" {
			f.Set("api_key", key)
		}
		resp, body := postForm(t, e, "/open311/v2/requests.json", f)
		var errs []struct {
			Code        int    `json:"code"`
			Description string `json:"description"`
		}
		if resp.StatusCode != 403 || json.Unmarshal(body, &errs) != nil || len(errs) != 1 || errs[0].Code != 403 {
			t.Fatalf("key %q: %d %s", key, resp.StatusCode, body)
		}
	}
	form.Set("api_key", models.DemoOpen311Key)
	resp, body := postForm(t, e, "/open311/v2/requests.json", form)
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	var created []map[string]any
	if err := json.Unmarshal(body, &created); err != nil || len(created) != 1 {
		t.Fatalf("create: %s", body)
	}
	code, _ := created[0]["service_request_id"].(string)
	if !strings.HasPrefix(code, "PAKN-") || created[0]["account_id"] != nil || created[0]["service_notice"] == "" {
		t.Fatalf("create answer: %v", created[0])
	}
	var p models.Petition
	if err := e.Store.DB.Where("code = ?", code).First(&p).Error; err != nil {
		t.Fatal(err)
	}
	if p.Channel != models.ChannelOpen311 || p.Kind != models.KindRecommendation || p.PetitionerName != "Phạm Văn Dũng" || p.DueAt == nil || p.Title == "" {
		t.Fatalf("petition from Open311: %+v", p)
	}
	// The secret in the notice works for tracking.
	notice := created[0]["service_notice"].(string)
	secret := notice[strings.LastIndex(notice, " ")+1:]
	if _, err := e.Store.PetitionForCitizen(context.Background(), code, secret); err != nil {
		t.Fatalf("secret from service_notice: %v", err)
	}
	// Bad input: the spec's error list, 400.
	bad := url.Values{"api_key": {models.DemoOpen311Key}, "service_code": {"dat-dai"}, "description": {"ngắn"}}
	resp, body = postForm(t, e, "/open311/v2/requests.json", bad)
	if resp.StatusCode != 400 || !strings.Contains(string(body), "first_name") {
		t.Fatalf("bad input: %d %s", resp.StatusCode, body)
	}
	// XML POST answer.
	resp, body = postForm(t, e, "/open311/v2/requests.xml", form)
	if resp.StatusCode != 201 || !strings.Contains(string(body), "<service_requests><request><service_request_id>PAKN-") {
		t.Fatalf("create xml: %d %s", resp.StatusCode, body)
	}
	// Limits per key.
	_, key, err := e.Store.CreateAPIKey(context.Background(), models.NewAPIKeyInput{Name: "slow", Holder: "test", RateLimit: 2}, models.Viewer{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	form.Set("api_key", key)
	for i := 0; i < 3; i++ {
		resp, body = postForm(t, e, "/open311/v2/requests.json", form)
	}
	if resp.StatusCode != 429 || !strings.HasPrefix(string(body), `[{"code":429`) || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third request on a 2/min key: %d %s", resp.StatusCode, body)
	}
	// The demo key has its own budget.
	form.Set("api_key", models.DemoOpen311Key)
	if resp, body := postForm(t, e, "/open311/v2/requests.json", form); resp.StatusCode != 201 {
		t.Fatalf("demo key after another key's limit: %d %s", resp.StatusCode, body)
	}
}

func testAdminPages(t *testing.T, e *testenv.Env) {
	ctx := context.Background()
	// A failed portal row to show.
	var m models.OutboxMessage
	if err := e.Store.DB.Where("channel = ?", models.OutboxPortal).Order("id").First(&m).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.Store.DB.Model(&m).Updates(map[string]any{"status": models.OutboxFailed, "last_error": "HTTP 400 Bad Request: boom", "attempts": 1}).Error; err != nil {
		t.Fatal(err)
	}
	officer := e.Login("officer.stnmt@demo.pakn.vn")
	for _, p := range []string{"/admin/outbox", "/admin/keys"} {
		if code, _ := officer.Get(p); code != 404 {
			t.Fatalf("officer %s: %d", p, code)
		}
	}
	admin := e.Login("admin@demo.pakn.vn")
	code, body := admin.Get("/admin/outbox?channel=portal")
	if code != 200 || !strings.Contains(body, m.DedupeKey) || !strings.Contains(body, "HTTP 400 Bad Request: boom") {
		t.Fatalf("outbox page: %d", code)
	}
	if resp, _ := admin.PostForm(fmt.Sprintf("/admin/outbox/%d/retry", m.ID), url.Values{"_csrf": {"forged"}}); resp.StatusCode != 403 {
		t.Fatalf("retry without CSRF: %d", resp.StatusCode)
	}
	if resp, _ := officer.PostForm(fmt.Sprintf("/admin/outbox/%d/retry", m.ID), nil); resp.StatusCode != 404 {
		t.Fatalf("officer retry: %d", resp.StatusCode)
	}
	if resp, body := admin.PostForm(fmt.Sprintf("/admin/outbox/%d/retry", m.ID), url.Values{"channel": {"portal"}}); resp.StatusCode != 303 {
		t.Fatalf("retry: %d %s", resp.StatusCode, body)
	}
	var after models.OutboxMessage
	e.Store.DB.First(&after, m.ID)
	if after.Status != models.OutboxPending || after.Attempts != 0 {
		t.Fatalf("after retry: %+v", after)
	}
	var ev models.Event
	if err := e.Store.DB.Where("subject = ? AND type = ?", fmt.Sprintf("outbox:%d", m.ID), "outbox_retry").First(&ev).Error; err != nil || ev.ActorName == "" {
		t.Fatalf("retry not audited: %v %+v", err, ev)
	}
	if resp, _ := admin.PostForm(fmt.Sprintf("/admin/outbox/%d/retry", m.ID), nil); resp.StatusCode != 409 {
		t.Fatalf("retry of a pending row: %d", resp.StatusCode)
	}

	// Keys: issued once in plain text, usable, revocable.
	if code, body := admin.Get("/admin/keys"); code != 200 || !strings.Contains(body, "Open311 demo") || strings.Contains(body, models.DemoOpen311Key) {
		t.Fatalf("keys page: %d", code)
	}
	resp, body := admin.PostForm("/admin/keys", url.Values{"name": {"Tổng đài 1022"}, "holder": {"UBND huyện Bến Lức"}, "rate_limit": {"30"}})
	if resp.StatusCode != 201 {
		t.Fatalf("create key: %d %s", resp.StatusCode, body)
	}
	i := strings.Index(body, `id="new-key">`)
	if i < 0 {
		t.Fatal("new key not shown")
	}
	plain := body[i+len(`id="new-key">`):]
	plain = plain[:strings.Index(plain, "<")]
	k, err := e.Store.AuthenticateAPIKey(ctx, plain)
	if err != nil || k.RateLimit != 30 {
		t.Fatalf("issued key: %v %+v", err, k)
	}
	if _, body := admin.Get("/admin/keys"); strings.Contains(body, plain) {
		t.Fatal("plaintext key shown twice")
	}
	if resp, _ := admin.PostForm(fmt.Sprintf("/admin/keys/%d/revoke", k.ID), nil); resp.StatusCode != 303 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if _, err := e.Store.AuthenticateAPIKey(ctx, plain); err == nil {
		t.Fatal("revoked key still works")
	}
	if resp, _ := admin.PostForm("/admin/keys", url.Values{"name": {""}, "holder": {""}}); resp.StatusCode != 422 {
		t.Fatalf("invalid key form: %d", resp.StatusCode)
	}
}

// clearPublished removes the demo FAQ's public items so that a test sees
// only the items it publishes itself.
func clearPublished(t *testing.T, e *testenv.Env) {
	t.Helper()
	for _, q := range []string{"DELETE FROM published_changes", "DELETE FROM published_items", "DELETE FROM outbox_messages WHERE channel = 'portal'", "DELETE FROM faq_entries"} {
		if err := e.Store.DB.Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
