package app_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
	"pakn/models/workdays"
)

// TestProcedureJourney: the Service Center's coordinator's journey for
// issue 17 over HTTP. An administrator imports the province's procedures;
// citizens name a dossier and a procedure on /submit, through the API and
// Open311 (bad formats get the field's message); the officer sees both,
// corrects them (audited) and finds the petition by either; /stats, its
// workbook and GET /api/v1/stats count per procedure.
func TestProcedureJourney(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)

		// The administrator imports the province's list (CSV upload).
		admin := e.Login("admin@demo.pakn.vn")
		if code, body := admin.Get("/admin/procedures"); code != 200 || !contains(body, "1.001612") {
			t.Fatalf("/admin/procedures: %d (demo list missing)", code)
		}
		csv := "code,name,unit,field\n1.000123,Thủ tục thử của tỉnh,BEN-LUC,Đất đai\n1.23,Mã sai,,\n"
		resp, body := uploadTo(t, admin, "/admin/procedures/import", "danh-muc.csv", csv)
		if resp.StatusCode != 200 || !contains(body, `id="import-result"`) || !contains(body, `id="import-errors"`) || !contains(body, "1.001612") {
			t.Fatalf("import: %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := uploadTo(t, admin, "/admin/procedures/import", "danh-muc.txt", csv); resp.StatusCode != 400 {
			t.Fatalf("a .txt file: %d, want 400", resp.StatusCode)
		}
		// The routing preview: the procedure's unit takes it (the demo's first rule).
		if _, body := admin.Get("/admin/rules?p_kind=complaint&p_category=dat-dai&p_area=TAN-AN&p_procedure=1.004222"); !contains(body, "(CA)") {
			t.Fatal("the rule preview does not route a residence procedure to CA")
		}
		if code, _ := e.Login("coordinator@demo.pakn.vn").Get("/admin/procedures"); code != 404 {
			t.Fatalf("a coordinator on /admin/procedures: %d, want 404", code)
		}

		// A citizen on /submit: the choice is offered without JavaScript.
		c := e.NewClient()
		code, page := c.Get("/submit")
		if code != 200 || !contains(page, `list="procedure-list"`) || !contains(page, `<option value="1.000123">`) || !contains(page, `name="dossier_code"`) {
			t.Fatalf("/submit lacks the procedure choice")
		}
		form := url.Values{"kind": {"complaint"}, "category": {"dat-dai"}, "area": {"BEN-LUC"}, "title": {"Hồ sơ cấp giấy chứng nhận bị trễ hạn"},
			"content": {"Hồ sơ của tôi nộp tại Bộ phận Một cửa đã quá hẹn hai tháng mà chưa có kết quả."}, "name": {"Trần Thị Bích"},
			"petitioner_address": {"Bến Lức"}, "phone": {"0912345678"}, "privacy_consent": {"1"},
			"dossier_code": {"H42/0001"}, "procedure_code": {"1612"}}
		resp, page = c.PostForm("/submit", form)
		if resp.StatusCode != 400 || !contains(page, "Mã hồ sơ gồm chữ, số") || !contains(page, "Mã thủ tục có dạng 1.001612") {
			t.Fatalf("bad codes on /submit: %d", resp.StatusCode)
		}
		form.Set("dossier_code", "000.00.17.h42-250312-0003")
		form.Set("procedure_code", "1.000123")
		resp, _ = c.PostForm("/submit", form)
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("/submit: %d", resp.StatusCode)
		}
		var web models.Petition
		if err := e.Store.DB.Preload("Unit").Where("dossier_code = ?", "000.00.17.H42-250312-0003").First(&web).Error; err != nil {
			t.Fatal(err)
		}
		if web.ProcedureCode != "1.000123" || web.Unit.Code != "BEN-LUC" {
			t.Fatalf("web petition: %q at %s", web.ProcedureCode, web.Unit.Code)
		}

		// The JSON API: field errors in the request's language.
		var errs struct {
			Errors []struct{ Field, Message string } `json:"errors"`
		}
		bad := `{"kind":"complaint","title":"Trễ hẹn","content":"Hồ sơ đăng ký hộ kinh doanh trễ hẹn.","category":"dat-dai","dossier_code":"` + strings.Repeat("9", 41) + `","procedure_code":"9.999999","petitioner":{"name":"Lê Văn Cường","phone":"0987654321","address":"Bến Lức"}}`
		if resp := e.JSON(http.MethodPost, "/api/v1/petitions?lang=en", bad, &errs); resp.StatusCode != 400 || len(errs.Errors) != 2 ||
			errs.Errors[0].Field != "dossier_code" || errs.Errors[1].Field != "procedure_code" || !contains(errs.Errors[1].Message, "province's list") {
			t.Fatalf("API bad codes: %d %+v", resp.StatusCode, errs)
		}
		var created struct{ Code string }
		good := strings.NewReplacer(strings.Repeat("9", 41), "DVC-2025-17", "9.999999", "1.004222").Replace(bad)
		if resp := e.JSON(http.MethodPost, "/api/v1/petitions", good, &created); resp.StatusCode != 201 {
			t.Fatalf("API: %d", resp.StatusCode)
		}

		// Open311 lists the attributes and takes them.
		_, def := get(t, e, "/open311/v2/services/dat-dai.json")
		if !contains(string(def), `"code":"procedure_code"`) || !contains(string(def), `"code":"dossier_code"`) || !contains(string(def), `"key":"1.000123"`) {
			t.Fatalf("service definition: %s", def)
		}
		o := url.Values{"api_key": {models.DemoOpen311Key}, "service_code": {"dat-dai"}, "first_name": {"Phạm"}, "last_name": {"Dũng"},
			"phone": {"0934567890"}, "description": {"Hồ sơ đăng ký thường trú nộp đã lâu chưa được giải quyết."},
			"attribute[procedure_code]": {"1.004222"}, "attribute[dossier_code]": {"CA-2025-0042"}}
		if resp, body := postForm(t, e, "/open311/v2/requests.json", o); resp.StatusCode != 201 {
			t.Fatalf("Open311: %d %s", resp.StatusCode, body)
		}
		o.Set("attribute[procedure_code]", "x")
		if resp, body := postForm(t, e, "/open311/v2/requests.json", o); resp.StatusCode != 400 || !contains(string(body), "attribute[procedure_code]") {
			t.Fatalf("Open311 bad code: %d %s", resp.StatusCode, body)
		}

		// The officer of the unit sees both, corrects them, finds the petition.
		officer := e.Login("officer.ben-luc@demo.pakn.vn")
		_, page = officer.Get("/admin/petitions/" + web.Code)
		if !contains(page, `id="petition-dossier">000.00.17.H42-250312-0003<`) || !contains(page, "Thủ tục thử của tỉnh") || !contains(page, `action="/admin/petitions/`+web.Code+`/references"`) {
			t.Fatalf("petition page lacks the codes or the correction form")
		}
		resp, page = officer.PostForm("/admin/petitions/"+web.Code+"/references", url.Values{"dossier_code": {"000.00.17.H42-250312-0004"}, "procedure_code": {"8.000000"}})
		if resp.StatusCode != 400 || !contains(page, "Không có thủ tục mã này") {
			t.Fatalf("correction with an unknown procedure: %d", resp.StatusCode)
		}
		resp, _ = officer.PostForm("/admin/petitions/"+web.Code+"/references", url.Values{"dossier_code": {"000.00.17.H42-250312-0004"}, "procedure_code": {"1.001612"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("correction: %d", resp.StatusCode)
		}
		_, page = officer.Get("/admin/petitions/" + web.Code)
		if !contains(page, "Mã hồ sơ được sửa") || !contains(page, "Đăng ký thành lập hộ kinh doanh") {
			t.Fatalf("the correction is not on the page or in the timeline")
		}
		if _, inbox := officer.Get("/admin?procedure=1.001612"); !contains(inbox, web.Code) || !contains(inbox, `id="procedure-filter"`) {
			t.Errorf("the inbox filtered by procedure does not list %s", web.Code)
		}
		for _, q := range []string{"000.00.17.h42-250312-0004", "1.001612"} {
			if _, inbox := officer.Get("/admin?q=" + url.QueryEscape(q)); !contains(inbox, web.Code) {
				t.Errorf("inbox search %q does not find %s", q, web.Code)
			}
		}
		// The clerk may not correct a petition they did not enter: 404.
		clerk := e.Login("clerk@demo.pakn.vn")
		if resp, _ := clerk.PostForm("/admin/petitions/"+web.Code+"/references", url.Values{"dossier_code": {"X"}}); resp.StatusCode != 404 {
			t.Fatalf("clerk's correction: %d", resp.StatusCode)
		}
		// The clerk's desk form takes them too.
		if _, desk := clerk.Get("/admin/submit"); !contains(desk, `name="procedure_code"`) {
			t.Fatal("the desk form lacks the procedure field")
		}
		resp, page = clerk.PostForm("/admin/submit", url.Values{"channel": {"in_person"}, "received_at": {time.Now().In(workdays.VietnamLocation()).Format("2006-01-02")},
			"kind": {"complaint"}, "category": {"dat-dai"}, "area": {"BEN-LUC"}, "title": {"Trễ hẹn"}, "content": {"Hồ sơ khai sinh của con tôi bị trễ hẹn."},
			"name": {"Võ Văn Em"}, "petitioner_address": {"Bến Lức"}, "phone": {"0923456789"}, "procedure_code": {"1.001193"}, "dossier_code": {"h42-0007"}})
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("desk: %d", resp.StatusCode)
		}

		// The statistics count per procedure.
		year := time.Now().In(workdays.VietnamLocation()).Year()
		_, stats := get(t, e, "/stats")
		if !contains(string(stats), `id="chart-procedures"`) || !contains(string(stats), `id="procedures"`) || !contains(string(stats), "1.004222") {
			t.Fatalf("/stats lacks the procedures")
		}
		var js struct {
			Year       int `json:"year"`
			Received   int `json:"received"`
			Procedures []struct {
				Code     string `json:"code"`
				Name     string `json:"name"`
				Received int    `json:"received"`
				OnTime   int    `json:"on_time"`
				Late     int    `json:"late"`
			} `json:"procedures"`
		}
		if resp := e.JSON(http.MethodGet, "/api/v1/stats", nil, &js); resp.StatusCode != 200 || js.Year != year || js.Received < 4 {
			t.Fatalf("/api/v1/stats: %d %+v", resp.StatusCode, js)
		}
		got := map[string]int{}
		for _, p := range js.Procedures {
			got[p.Code] = p.Received
		}
		if got["1.004222"] != 2 || got["1.001612"] != 1 || got["1.001193"] != 1 || got["1.000123"] != 0 {
			t.Fatalf("per procedure %v", got)
		}
		if resp := e.JSON(http.MethodGet, "/api/v1/stats?unit=NOPE", nil, nil); resp.StatusCode != 404 {
			t.Fatalf("unknown unit: %d", resp.StatusCode)
		}
		xr := officer.Send(httptest.NewRequest(http.MethodGet, fmt.Sprintf("/admin/stats.xlsx?year=%d", year), nil))
		raw, _ := io.ReadAll(xr.Body)
		xr.Body.Close()
		x, err := excelize.OpenReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		rows, err := x.GetRows("Theo thủ tục")
		if err != nil || len(rows) != 4 || rows[1][0] != "1.004222 — Đăng ký thường trú" || rows[1][1] != "2" {
			t.Fatalf("workbook per procedure: %v %v", rows, err)
		}
	})
}

// uploadTo posts one file as multipart form data with the client's CSRF token.
func uploadTo(t *testing.T, c *testenv.Client, path, name, content string) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("_csrf", c.CSRF)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte(content))
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp := c.Send(req)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}
