// Package testenv builds a whole PAKN server over a fresh database for
// handler and journey tests: migrated, seeded with the demo data, with a
// client that keeps cookies and CSRF tokens like a browser.
package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"pakn/app"
	"pakn/internal/testdb"
	"pakn/migrations"
	"pakn/models"
)

// Env is one server over one database.
type Env struct {
	T      testing.TB
	Target testdb.Target
	Store  *models.Store
	Server *app.Server
	// HTTP is a real listener on 127.0.0.1 (for browsers and clients that
	// need one); handler tests may also call Server.App().Test directly.
	HTTP *httptest.Server
}

// Options change how the environment is built.
type Options struct {
	NoSeed bool
	// Configure adjusts the app configuration before the server is built.
	Configure func(*app.Config)
	// Deps adjusts the dependencies before the server is built.
	Deps func(*app.Deps)
}

// Open opens and migrates the target's database, without a server.
func Open(t testing.TB, tg testdb.Target) *models.Store {
	t.Helper()
	ctx := context.Background()
	st, err := models.Open(ctx, models.OpenOptions{URL: tg.URL, DataDir: tg.DataDir, Log: quietLogger()})
	if err != nil {
		t.Fatalf("open %s: %v", tg.Name, err)
	}
	t.Cleanup(func() { st.Close() })
	if err := migrations.Migrate(ctx, st.DB, st.Dialect); err != nil {
		t.Fatalf("migrate %s: %v", tg.Name, err)
	}
	// As a server with SMTP and an SMS gateway configured.
	sealer, err := models.NewSealer([]byte(TestSecret))
	if err != nil {
		t.Fatal(err)
	}
	// Resends are not padded to a second here; TestResendTakesTheSameTime
	// checks the padding.
	st.Delivery = models.Delivery{Email: true, SMS: true, Sealer: sealer, ResendTime: -1}
	// Tests hash passwords at argon2id's lowest cost: demo officials are
	// seeded for nearly every test, and each hash at the production cost
	// takes 64 MB and a few hundred milliseconds (seconds under the race
	// detector). No rule depends on the cost: a hash carries its own
	// parameters, and models' tests check the production cost.
	st.PasswordCost = models.PasswordCost{Time: 1, MemoryKiB: 64}
	return st
}

// TestSecret is the environment's PAKN_SECRET.
const TestSecret = "test-secret-0123456789abcdef-0123"

// New builds a seeded server over the target's database.
func New(t testing.TB, tg testdb.Target, opts ...Options) *Env {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	st := Open(t, tg)
	if !o.NoSeed {
		if err := st.SeedDemo(context.Background()); err != nil {
			t.Fatalf("seed demo: %v", err)
		}
	}
	cfg := app.Config{
		BaseURL: "http://pakn.test", Secret: []byte(TestSecret),
		Province: "Ủy ban nhân dân tỉnh Long An",
	}
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	deps := app.Deps{Store: st, Config: cfg, Log: quietLogger(), Registry: prometheus.NewRegistry()}
	if o.Deps != nil {
		o.Deps(&deps)
	}
	srv, err := app.New(deps)
	if err != nil {
		t.Fatalf("app: %v", err)
	}
	e := &Env{T: t, Target: tg, Store: st, Server: srv}
	return e
}

// Listen serves the app on a real loopback listener.
func (e *Env) Listen() string {
	e.T.Helper()
	if e.HTTP != nil {
		return e.HTTP.URL
	}
	ln := httptest.NewUnstartedServer(nil)
	addr := ln.Listener.Addr().String()
	ln.Listener.Close()
	go func() { _ = e.Server.App().Listen(addr) }()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.T.Cleanup(func() { _ = e.Server.App().Shutdown() })
	e.HTTP = &httptest.Server{URL: "http://" + addr}
	return e.HTTP.URL
}

// overConnection sends req to the real listener (DumpRequest, in
// App.Test, left its body readable again). Such a request is one the
// server refuses from its headers: it answers and closes without reading
// the body. Writing the body meanwhile would race that close (a reset
// loses the answer), so the body is held back until the answer has come,
// and is sent only if none comes within a few seconds.
func (e *Env) overConnection(req *http.Request) (*http.Response, error) {
	u, err := url.Parse(e.Listen() + req.URL.RequestURI())
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.URL, r.RequestURI, r.Host = u, "", req.Host
	answered := make(chan struct{})
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &heldBody{body: r.Body, answered: answered}
	}
	t := &http.Transport{DisableKeepAlives: true}
	defer t.CloseIdleConnections()
	resp, err := t.RoundTrip(r)
	if err == nil {
		// Read the answer before the held body gives up, which closes
		// the connection.
		var raw []byte
		raw, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(raw))
	}
	close(answered)
	return resp, err
}

// heldBody is a request body whose first read waits for the server's
// answer (then ends the body) or, failing one, for a timeout.
type heldBody struct {
	body     io.ReadCloser
	answered chan struct{}
	waited   bool
}

func (b *heldBody) Read(p []byte) (int, error) {
	if !b.waited {
		b.waited = true
		select {
		case <-b.answered:
		case <-time.After(3 * time.Second):
		}
	}
	select {
	case <-b.answered:
		return 0, errors.New("testenv: the server answered before the body was sent")
	default:
	}
	return b.body.Read(p)
}

func (b *heldBody) Close() error { return b.body.Close() }

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Do sends a request through the app in process.
func (e *Env) Do(req *http.Request) *http.Response {
	e.T.Helper()
	resp, err := e.Server.App().Test(req, 30_000)
	if errors.Is(err, fasthttp.ErrBodyTooLarge) {
		// fasthttp answers 413 for a body past the route's limit on the
		// connection, before the app runs; App.Test returns the error
		// and drops that answer, so such a request goes over a real
		// connection, as a client's would.
		resp, err = e.overConnection(req)
	}
	if err != nil {
		e.T.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	return resp
}

// JSON sends a JSON request and decodes the answer into out (if not nil).
func (e *Env) JSON(method, path string, body any, out any, headers ...string) *http.Response {
	e.T.Helper()
	var r io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			r = strings.NewReader(b)
		case []byte:
			r = strings.NewReader(string(b))
		default:
			raw, err := json.Marshal(body)
			if err != nil {
				e.T.Fatal(err)
			}
			r = strings.NewReader(string(raw))
		}
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp := e.Do(req)
	if out != nil {
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := json.Unmarshal(raw, out); err != nil {
			e.T.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp
}

// Client is a browser-like client: cookies, and the CSRF token of the last
// page it read.
type Client struct {
	env  *Env
	jar  http.CookieJar
	CSRF string
}

// NewClient starts with no cookies.
func (e *Env) NewClient() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{env: e, jar: jar}
}

var csrfMeta = regexp.MustCompile(`name="(?:csrf-token|_csrf)"[^>]*(?:content|value)="([^"]+)"`)

var base, _ = url.Parse("http://pakn.test/")

// Get fetches a page and remembers its CSRF token. It returns the status
// and the body.
func (c *Client) Get(path string) (int, string) {
	c.env.T.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	resp := c.send(req)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if m := csrfMeta.FindStringSubmatch(string(body)); m != nil {
		c.CSRF = m[1]
	}
	return resp.StatusCode, string(body)
}

// PostForm posts a form with the remembered CSRF token (unless the values
// carry their own "_csrf"). It returns the response, body read into Body.
func (c *Client) PostForm(path string, v url.Values) (*http.Response, string) {
	c.env.T.Helper()
	if v == nil {
		v = url.Values{}
	}
	if _, ok := v["_csrf"]; !ok && c.CSRF != "" {
		v.Set("_csrf", c.CSRF)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp := c.send(req)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if m := csrfMeta.FindStringSubmatch(string(body)); m != nil {
		c.CSRF = m[1]
	}
	return resp, string(body)
}

// Send sends any request with the client's cookies.
func (c *Client) Send(req *http.Request) *http.Response {
	c.env.T.Helper()
	return c.send(req)
}

func (c *Client) send(req *http.Request) *http.Response {
	// Cookies by the request's path, as a browser sends them (a receipt's
	// cookie is scoped to the receipt).
	u := base.ResolveReference(&url.URL{Path: req.URL.Path})
	for _, ck := range c.jar.Cookies(u) {
		req.AddCookie(ck)
	}
	resp := c.env.Do(req)
	c.jar.SetCookies(u, resp.Cookies())
	return resp
}

// Receipt follows a submission's 303 to its receipt page and returns the
// page; anything else fails the test.
func (c *Client) Receipt(resp *http.Response, body string) string {
	c.env.T.Helper()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || (loc != "/submit/receipt" && loc != "/admin/submit/receipt") {
		c.env.T.Fatalf("submission answered %d (Location %q), want 303 to its receipt: %.300s", resp.StatusCode, loc, body)
	}
	status, page := c.Get(loc)
	if status != http.StatusOK {
		c.env.T.Fatalf("GET %s: %d %.300s", loc, status, page)
	}
	return page
}

// Login signs in a demo official and returns a client that keeps the session.
func (e *Env) Login(email string) *Client {
	e.T.Helper()
	c := e.NewClient()
	if code, _ := c.Get("/admin/login"); code != http.StatusOK {
		e.T.Fatalf("GET /admin/login: %d", code)
	}
	resp, body := c.PostForm("/admin/login", url.Values{"email": {email}, "password": {models.DemoPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		e.T.Fatalf("sign in %s: status %d: %s", email, resp.StatusCode, body)
	}
	if code, _ := c.Get("/admin"); code != http.StatusOK {
		e.T.Fatalf("GET /admin after sign-in as %s: %d", email, code)
	}
	return c
}

// Submit files a petition through the store (not HTTP) and returns it.
func (e *Env) Submit(in models.SubmitInput) *models.Submission {
	e.T.Helper()
	if in.Kind == "" {
		in.Kind = models.KindComplaint
	}
	if in.Title == "" {
		in.Title = "Đường liên xã bị hư hỏng"
	}
	if in.Content == "" {
		in.Content = "Đoạn đường liên xã qua ấp 3 bị sụt lún nhiều tháng nay, đề nghị sửa chữa."
	}
	if in.Category == "" {
		in.Category = "dat-dai"
	}
	if in.Petitioner.Name == "" {
		in.Petitioner = models.PetitionerInput{Name: "Nguyễn Văn An", Phone: "0901234567", Email: "an@example.vn", Address: "Ấp 3, xã Mỹ Yên, huyện Bến Lức"}
	}
	sub, err := e.Store.SubmitPetition(context.Background(), in)
	if err != nil {
		e.T.Fatalf("submit: %v", err)
	}
	return sub
}

// String names the environment in messages.
func (e *Env) String() string { return fmt.Sprintf("env(%s)", e.Target.Name) }
