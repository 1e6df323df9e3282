package app_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"pakn/app"
	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

// TestJSONOnlyAPI: a body to /api/v1/… must be JSON (415 otherwise), so a
// third-party page cannot make its visitors' browsers file petitions with
// a form or text/plain; Open311 keeps its form-encoded POST; compressed
// bodies are refused everywhere.
func TestJSONOnlyAPI(t *testing.T) {
	e := testenv.New(t, testdb.SQLite(t))
	post := func(path, ctype, body string, headers ...string) int {
		t.Helper()
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp := e.Do(req)
		readAll(t, resp)
		return resp.StatusCode
	}
	cases := []struct {
		name, path, ctype, body string
		headers                 []string
		want                    int
	}{
		{"text/plain", "/api/v1/petitions", "text/plain", `{"kind":"complaint"}`, nil, http.StatusUnsupportedMediaType},
		{"form", "/api/v1/petitions", "application/x-www-form-urlencoded", "kind=complaint", nil, http.StatusUnsupportedMediaType},
		{"multipart", "/api/v1/petitions", "multipart/form-data; boundary=x", "--x--\r\n", nil, http.StatusUnsupportedMediaType},
		{"no type", "/api/v1/petitions", "", `{}`, nil, http.StatusUnsupportedMediaType},
		{"json look-alike", "/api/v1/petitions", "application/jsonp", `{}`, nil, http.StatusUnsupportedMediaType},
		{"upper-case path", "/API/V1/petitions", "text/plain", `{}`, nil, http.StatusUnsupportedMediaType},
		{"json", "/api/v1/petitions", "application/json", `{}`, nil, http.StatusBadRequest},
		{"json with charset", "/api/v1/petitions", "application/json; charset=utf-8", `{}`, nil, http.StatusBadRequest},
		{"json, gzip", "/api/v1/petitions", "application/json", "\x1f\x8b", []string{"Content-Encoding", "gzip"}, http.StatusUnsupportedMediaType},
		{"form, gzip", "/track", "application/x-www-form-urlencoded", "\x1f\x8b", []string{"Content-Encoding", "gzip"}, http.StatusUnsupportedMediaType},
		{"Open311 form", "/open311/v2/requests.json", "application/x-www-form-urlencoded",
			url.Values{"api_key": {models.DemoOpen311Key}, "service_code": {"dat-dai"}}.Encode(), nil, http.StatusBadRequest},
	}
	for _, c := range cases {
		if got := post(c.path, c.ctype, c.body, c.headers...); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	// GET without a body is unaffected.
	if resp := e.Do(httptest.NewRequest("GET", "/api/v1/categories", nil)); resp.StatusCode != http.StatusOK {
		t.Errorf("GET categories: %d", resp.StatusCode)
	}
}

// rawPost writes a request's head (and body, if any) on a real connection
// and reads the answer.
func rawPost(t *testing.T, addr, path, head string, body []byte) int {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", path, addr, head)
	if body != nil {
		// The server may answer and close before reading it all.
		go func() { _, _ = conn.Write(body) }()
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s: no answer: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// chunked encodes body in 64 KB chunks, with the final chunk.
func chunked(body []byte) []byte {
	var b bytes.Buffer
	for len(body) > 0 {
		n := min(len(body), 64<<10)
		fmt.Fprintf(&b, "%x\r\n", n)
		b.Write(body[:n])
		b.WriteString("\r\n")
		body = body[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}

// TestBodyLimitsBeforeBuffering: each route's limit applies as soon as the
// headers are read, so a JSON route refuses a 2 MB Content-Length with 413
// before any of the body is sent, and cuts a chunked body at 1 MB; the
// routes with attachments still take more.
func TestBodyLimitsBeforeBuffering(t *testing.T) {
	e := testenv.New(t, testdb.SQLite(t), testenv.Options{NoSeed: true, Configure: func(c *app.Config) {
		c.SubmitLimit = app.Rate{}
	}})
	addr := strings.TrimPrefix(e.Listen(), "http://")
	over := app.LimitJSON + 1
	headOnly := []struct {
		path, ctype string
		length      int
		want        int
	}{
		{"/api/v1/petitions", "application/json", over, http.StatusRequestEntityTooLarge},
		{"/API/V1/PETITIONS/", "application/json", over, http.StatusRequestEntityTooLarge},
		{"/admin/login", "application/x-www-form-urlencoded", over, http.StatusRequestEntityTooLarge},
		{"/open311/v2/requests.json", "application/x-www-form-urlencoded", over, http.StatusRequestEntityTooLarge},
		{"/track", "application/x-www-form-urlencoded", over, http.StatusRequestEntityTooLarge},
		{"/submit", "multipart/form-data; boundary=x", app.LimitUpload + 1, http.StatusRequestEntityTooLarge},
		{"/admin/submit", "multipart/form-data; boundary=x", app.LimitUpload + 1, http.StatusRequestEntityTooLarge},
	}
	for _, c := range headOnly {
		head := fmt.Sprintf("Content-Type: %s\r\nContent-Length: %d\r\n", c.ctype, c.length)
		if got := rawPost(t, addr, c.path, head, nil); got != c.want {
			t.Errorf("%s with Content-Length %d: %d, want %d", c.path, c.length, got, c.want)
		}
	}
	// A chunked body is cut at the route's limit.
	big := chunked(bytes.Repeat([]byte(" "), 2<<20))
	if got := rawPost(t, addr, "/api/v1/petitions", "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n", big); got != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked 2 MB to the API: %d, want 413", got)
	}
	small := chunked([]byte(`{}`))
	if got := rawPost(t, addr, "/api/v1/petitions", "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n", small); got != http.StatusBadRequest {
		t.Errorf("chunked {} to the API: %d, want 400", got)
	}
	// A 2 MB form is within /submit's limit: it reaches the handler (and
	// its CSRF check), it is not refused for its size.
	form := bytes.Repeat([]byte("a"), 2<<20)
	head := fmt.Sprintf("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n", len(form))
	if got := rawPost(t, addr, "/submit", head, form); got != http.StatusForbidden {
		t.Errorf("2 MB form to /submit: %d, want 403 (no CSRF token), not 413", got)
	}
}

// TestCSRFNotFromQuery: the token counts in the form body or the
// X-CSRF-Token header, never in the query string.
func TestCSRFNotFromQuery(t *testing.T) {
	e := testenv.New(t, testdb.SQLite(t))
	c := e.NewClient()
	c.Get("/admin/login")
	tok := c.CSRF
	form := url.Values{"email": {"admin@demo.pakn.vn"}, "password": {"wrong-password"}}
	send := func(path string, header string) int {
		req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if header != "" {
			req.Header.Set("X-CSRF-Token", header)
		}
		resp := c.Send(req)
		readAll(t, resp)
		return resp.StatusCode
	}
	if got := send("/admin/login?_csrf="+url.QueryEscape(tok), ""); got != http.StatusForbidden {
		t.Errorf("token in the query string: %d, want 403", got)
	}
	if got := send("/admin/login", tok); got != http.StatusUnauthorized {
		t.Errorf("token in the header: %d, want 401 (wrong password)", got)
	}
	resp, _ := c.PostForm("/admin/login", form)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("token in the body: %d, want 401", resp.StatusCode)
	}
	// A multipart form carries it too.
	resp, _ = multipartPost(t, c, "/admin/login", url.Values{"_csrf": {tok}, "email": form["email"], "password": form["password"]}, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("token in a multipart body: %d, want 401", resp.StatusCode)
	}
}
