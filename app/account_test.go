package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pakn/app"
	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
	"pakn/views"
)

// oidcWorld is PAKN and a real OpenID provider (zitadel/oidc's op package,
// as the demo provider), each on its own loopback listener.
type oidcWorld struct {
	t      *testing.T
	env    *testenv.Env
	base   string
	idp    *httptest.Server
	issuer string
	// skew moves the clock PAKN checks ID tokens against.
	skew atomic.Int64
}

type worldOptions struct {
	// foreignKeys makes the provider publish another provider's keys:
	// its tokens are then signed by a key PAKN does not trust.
	foreignKeys bool
}

func newOIDCWorld(t *testing.T, tg testdb.Target, opts worldOptions) *oidcWorld {
	t.Helper()
	w := &oidcWorld{t: t}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.base = "http://" + ln.Addr().String()
	w.idp = httptest.NewUnstartedServer(nil)
	w.issuer = "http://" + w.idp.Listener.Addr().String() + "/idp"
	cat, err := views.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	cfg := app.DemoProviderConfig{Issuer: w.issuer, ClientID: "pakn", ClientSecret: "client-secret-1", RedirectURI: w.base + "/account/callback", PostLogoutURI: w.base + "/", Catalog: cat}
	idp, err := app.NewDemoProvider(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = idp
	if opts.foreignKeys {
		other, err := app.NewDemoProvider(cfg)
		if err != nil {
			t.Fatal(err)
		}
		h = http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/idp/keys" {
				other.ServeHTTP(rw, r)
				return
			}
			idp.ServeHTTP(rw, r)
		})
	}
	w.idp.Config.Handler = h
	w.idp.Start()
	t.Cleanup(w.idp.Close)

	claims, err := app.ParseOIDCClaims("id_number=" + app.DemoIDNumberClaim)
	if err != nil {
		t.Fatal(err)
	}
	w.env = testenv.New(t, tg, testenv.Options{Configure: func(c *app.Config) {
		c.BaseURL = w.base
		c.OIDC = app.OIDCConfig{Issuer: w.issuer, ClientID: "pakn", ClientSecret: "client-secret-1", Claims: claims,
			Now: func() time.Time { return time.Now().Add(time.Duration(w.skew.Load())) }}
	}})
	go func() { _ = w.env.Server.App().Listener(ln) }()
	t.Cleanup(func() { _ = w.env.Server.App().Shutdown() })
	return w
}

// browser is a cookie-keeping client that does not follow redirects, so
// each step can be looked at (and tampered with).
func (w *oidcWorld) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (w *oidcWorld) do(c *http.Client, method, target string, form url.Values) (*http.Response, string) {
	w.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(context.Background(), method, target, body)
	if err != nil {
		w.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, target, err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(raw)
}

// next is where a redirect points, made absolute.
func (w *oidcWorld) next(resp *http.Response) string {
	w.t.Helper()
	loc, err := resp.Location()
	if err != nil {
		w.t.Fatalf("%s: status %d without a redirect", resp.Request.URL, resp.StatusCode)
	}
	return loc.String()
}

// toProvider starts a sign-in and returns the provider's authorization URL.
func (w *oidcWorld) toProvider(c *http.Client) string {
	w.t.Helper()
	resp, _ := w.do(c, http.MethodGet, w.base+"/account/login?next=/account", nil)
	if resp.StatusCode != http.StatusSeeOther {
		w.t.Fatalf("/account/login: %d", resp.StatusCode)
	}
	return w.next(resp)
}

// atProvider signs a demo citizen in at the provider from an authorization
// URL and returns the callback URL it sends the browser back to.
func (w *oidcWorld) atProvider(c *http.Client, authURL, citizen string) string {
	w.t.Helper()
	resp, _ := w.do(c, http.MethodGet, authURL, nil)
	login := w.next(resp)
	resp, page := w.do(c, http.MethodGet, login, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, citizen) {
		w.t.Fatalf("choice page: %d %s", resp.StatusCode, page)
	}
	id := regexp.MustCompile(`name="authRequestID" value="([^"]+)"`).FindStringSubmatch(page)[1]
	resp, _ = w.do(c, http.MethodPost, login, url.Values{"authRequestID": {id}, "citizen": {citizen}})
	resp, _ = w.do(c, http.MethodGet, w.next(resp), nil)
	cb := w.next(resp)
	if !strings.HasPrefix(cb, w.base+"/account/callback?") {
		w.t.Fatalf("provider sent the browser to %s", cb)
	}
	return cb
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signIn goes the whole way for a first-time citizen, consent included,
// and returns the browser signed in.
func (w *oidcWorld) signIn(citizen string) *http.Client {
	w.t.Helper()
	c := w.browser()
	resp, _ := w.do(c, http.MethodGet, w.atProvider(c, w.toProvider(c), citizen), nil)
	if resp.StatusCode != http.StatusSeeOther || w.next(resp) != w.base+"/account/consent" {
		w.t.Fatalf("callback: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, page := w.do(c, http.MethodGet, w.base+"/account/consent", nil)
	if resp.StatusCode != http.StatusOK {
		w.t.Fatalf("consent page: %d", resp.StatusCode)
	}
	resp, _ = w.do(c, http.MethodPost, w.base+"/account/consent", url.Values{"_csrf": {csrfField.FindStringSubmatch(page)[1]}, "consent": {"on"}})
	if resp.StatusCode != http.StatusSeeOther || w.next(resp) != w.base+"/account" {
		w.t.Fatalf("consent: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return c
}

// nobodySignedIn checks that a failure left no session and no account.
func (w *oidcWorld) nobodySignedIn(c *http.Client) {
	w.t.Helper()
	var sessions, accounts int64
	w.env.Store.DB.Table("citizen_sessions").Count(&sessions)
	w.env.Store.DB.Table("citizen_accounts").Count(&accounts)
	if sessions != 0 || accounts != 0 {
		w.t.Fatalf("%d sessions and %d accounts after a failed sign-in", sessions, accounts)
	}
	resp, _ := w.do(c, http.MethodGet, w.base+"/account", nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "/account/login") {
		w.t.Fatalf("/account after a failed sign-in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// failsClearly checks a callback's refusal: the status, a sentence in an
// alert, nobody signed in.
func (w *oidcWorld) failsClearly(c *http.Client, target string, status int) {
	w.t.Helper()
	resp, page := w.do(c, http.MethodGet, target, nil)
	if resp.StatusCode != status || !strings.Contains(page, `role="alert"`) {
		w.t.Fatalf("%s: %d, want %d with an alert: %s", target, resp.StatusCode, status, page)
	}
	w.nobodySignedIn(c)
}

func withQuery(raw, key, value string) string {
	u, _ := url.Parse(raw)
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestCitizenSignInRefusals: forged, replayed and tampered callbacks, bad
// tokens and a provider that is down sign no one in and say so.
func TestCitizenSignInRefusals(t *testing.T) {
	w := newOIDCWorld(t, testdb.SQLite(t), worldOptions{})
	const citizen = "demo-citizen-1"
	t.Run("wrong state", func(t *testing.T) {
		c := w.browser()
		cb := w.atProvider(c, w.toProvider(c), citizen)
		w.failsClearly(c, withQuery(cb, "state", "forged"), http.StatusBadRequest)
		// The wrong state used the sign-in up: the right one now fails too.
		w.failsClearly(c, cb, http.StatusBadRequest)
	})
	t.Run("callback in another browser", func(t *testing.T) {
		c := w.browser()
		cb := w.atProvider(c, w.toProvider(c), citizen)
		w.failsClearly(w.browser(), cb, http.StatusBadRequest)
	})
	t.Run("another browser's code (PKCE)", func(t *testing.T) {
		victim, attacker := w.browser(), w.browser()
		victimCB := w.atProvider(victim, w.toProvider(victim), citizen)
		attackerCB := w.atProvider(attacker, w.toProvider(attacker), "demo-citizen-2")
		code, _ := url.Parse(attackerCB)
		w.failsClearly(victim, withQuery(victimCB, "code", code.Query().Get("code")), http.StatusBadRequest)
	})
	t.Run("wrong nonce", func(t *testing.T) {
		c := w.browser()
		cb := w.atProvider(c, withQuery(w.toProvider(c), "nonce", "a-nonce-of-someone-else"), citizen)
		w.failsClearly(c, cb, http.StatusBadRequest)
	})
	t.Run("expired ID token", func(t *testing.T) {
		c := w.browser()
		cb := w.atProvider(c, w.toProvider(c), citizen)
		w.skew.Store(int64(2 * time.Hour))
		defer w.skew.Store(0)
		w.failsClearly(c, cb, http.StatusBadRequest)
	})
	t.Run("cancelled at the provider", func(t *testing.T) {
		c := w.browser()
		auth, _ := url.Parse(w.toProvider(c))
		w.failsClearly(c, w.base+"/account/callback?error=access_denied&state="+url.QueryEscape(auth.Query().Get("state")), http.StatusUnauthorized)
	})
	t.Run("replayed callback", func(t *testing.T) {
		c := w.browser()
		cb := w.atProvider(c, w.toProvider(c), citizen)
		resp, _ := w.do(c, http.MethodGet, cb, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("first callback: %d", resp.StatusCode)
		}
		resp, page := w.do(c, http.MethodGet, cb, nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `role="alert"`) {
			t.Fatalf("replay: %d", resp.StatusCode)
		}
		// Nor does a replay skip consent: nothing was stored.
		w.nobodySignedIn(c)
	})
	t.Run("provider down", func(t *testing.T) {
		c := w.browser()
		cb := w.atProvider(c, w.toProvider(c), citizen)
		w.idp.Close()
		w.failsClearly(c, cb, http.StatusBadGateway)
	})
}

// TestCitizenSignInForeignKey: an ID token signed by a key the provider
// does not publish is refused.
func TestCitizenSignInForeignKey(t *testing.T) {
	w := newOIDCWorld(t, testdb.SQLite(t), worldOptions{foreignKeys: true})
	c := w.browser()
	w.failsClearly(c, w.atProvider(c, w.toProvider(c), "demo-citizen-1"), http.StatusBadRequest)
}

// TestCitizenSignInProviderDownAtStart: with the provider unreachable the
// sign-in button leads to a clear page, and PAKN serves on.
func TestCitizenSignInProviderDownAtStart(t *testing.T) {
	w := newOIDCWorld(t, testdb.SQLite(t), worldOptions{})
	w.idp.Close()
	c := w.browser()
	resp, page := w.do(c, http.MethodGet, w.base+"/account/login", nil)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(page, `role="alert"`) {
		t.Fatalf("/account/login with the provider down: %d", resp.StatusCode)
	}
	w.nobodySignedIn(c)
	if resp, _ := w.do(c, http.MethodGet, w.base+"/submit", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("/submit with the provider down: %d", resp.StatusCode)
	}
}

// TestCitizenAccountPages: consent, the profile (vouched fields fixed, the
// ID number masked), claiming an earlier petition, /submit prefilled and
// linked, sign-out here and at the provider.
func TestCitizenAccountPages(t *testing.T) {
	w := newOIDCWorld(t, testdb.SQLite(t), worldOptions{})
	earlier := w.env.Submit(models.SubmitInput{})

	// Declining consent stores nothing.
	c := w.browser()
	w.do(c, http.MethodGet, w.atProvider(c, w.toProvider(c), "demo-citizen-3"), nil)
	_, page := w.do(c, http.MethodGet, w.base+"/account/consent", nil)
	if resp, _ := w.do(c, http.MethodPost, w.base+"/account/consent", url.Values{"_csrf": {csrfField.FindStringSubmatch(page)[1]}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("consent without the tick: %d", resp.StatusCode)
	}
	if resp, _ := w.do(c, http.MethodPost, w.base+"/account/consent", url.Values{"_csrf": {csrfField.FindStringSubmatch(page)[1]}, "decline": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("decline: %d", resp.StatusCode)
	}
	w.nobodySignedIn(c)

	c = w.signIn("demo-citizen-1")
	resp, page := w.do(c, http.MethodGet, w.base+"/account", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Nguyễn Văn An") || !strings.Contains(page, "••••••••1234") || strings.Contains(page, "080090001234") {
		t.Fatalf("/account: %d %s", resp.StatusCode, page)
	}
	if !regexp.MustCompile(`name="name"[^>]*readonly`).MatchString(page) || regexp.MustCompile(`name="organization"[^>]*readonly`).MatchString(page) {
		t.Fatal("vouched fields must be read-only, the others editable")
	}
	csrf := csrfField.FindStringSubmatch(page)[1]

	// Profile: the organisation is the citizen's to give; a vouched name stays.
	resp, _ = w.do(c, http.MethodPost, w.base+"/account/profile", url.Values{"_csrf": {csrf}, "name": {"Người Khác"}, "organization": {"HTX Nông nghiệp Tân Bửu"},
		"phone": {"0912 345 678"}, "email": {"an.nguyen@demo.pakn.vn"}, "petitioner_address": {"x"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("profile: %d", resp.StatusCode)
	}
	if resp, _ := w.do(c, http.MethodPost, w.base+"/account/profile", url.Values{"_csrf": {csrf}, "organization": {strings.Repeat("x", 301)}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("profile with a too long organisation: %d", resp.StatusCode)
	}
	if resp, _ := w.do(c, http.MethodPost, w.base+"/account/profile", url.Values{"organization": {"no token"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("profile without CSRF: %d", resp.StatusCode)
	}

	// Claim: a wrong secret is a 404, the right one joins the petition.
	if resp, page := w.do(c, http.MethodPost, w.base+"/account/claim", url.Values{"_csrf": {csrf}, "code": {earlier.Petition.Code}, "secret": {"wrong"}}); resp.StatusCode != http.StatusNotFound || !strings.Contains(page, `id="claim-error"`) {
		t.Fatalf("claim with a wrong secret: %d", resp.StatusCode)
	}
	if resp, _ := w.do(c, http.MethodPost, w.base+"/account/claim", url.Values{"_csrf": {csrf}, "code": {earlier.Petition.Code}, "secret": {earlier.Secret}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("claim: %d", resp.StatusCode)
	}

	// /submit is prefilled (the profile as edited) and the petition linked.
	_, page = w.do(c, http.MethodGet, w.base+"/submit", nil)
	for _, want := range []string{`id="prefilled"`, `value="Nguyễn Văn An"`, `value="HTX Nông nghiệp Tân Bửu"`, `value="Số 12 đường Hùng Vương`} {
		if !strings.Contains(page, want) {
			t.Fatalf("/submit lacks %s", want)
		}
	}
	form := url.Values{"_csrf": {csrfField.FindStringSubmatch(page)[1]}, "kind": {"recommendation"}, "category": {"moi-truong"}, "title": {"Đề nghị lắp đèn đường"},
		"content": {"Đoạn đường Hùng Vương trước số 12 không có đèn chiếu sáng, đề nghị lắp đặt."}, "name": {"Nguyễn Văn An"}, "phone": {"0912 345 678"},
		"petitioner_address": {"Số 12 đường Hùng Vương, phường 2, thành phố Tân An"}, "privacy_consent": {"on"}}
	resp, _ = w.do(c, http.MethodPost, w.base+"/submit", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d", resp.StatusCode)
	}
	_, receipt := w.do(c, http.MethodGet, w.next(resp), nil)
	code := regexp.MustCompile(`PAKN-\d{6}-\d{4,}`).FindString(receipt)
	_, page = w.do(c, http.MethodGet, w.base+"/account", nil)
	for _, want := range []string{code, earlier.Petition.Code, "HTX Nông nghiệp Tân Bửu"} {
		if !strings.Contains(page, want) {
			t.Fatalf("/account lacks %s", want)
		}
	}
	if strings.Contains(page, earlier.Secret) {
		t.Fatal("/account shows a secret")
	}

	// Sign-out: the session ends here, the browser goes to the provider's
	// end_session_endpoint, and the CSP lets the form go there.
	resp, _ = w.do(c, http.MethodPost, w.base+"/account/logout", url.Values{"_csrf": {csrfField.FindStringSubmatch(page)[1]}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(w.next(resp), w.issuer+"/end_session?") ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "form-action 'self' "+strings.TrimSuffix(w.issuer, "/idp")) {
		t.Fatalf("sign-out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sessions int64
	w.env.Store.DB.Table("citizen_sessions").Count(&sessions)
	if sessions != 0 {
		t.Fatalf("%d sessions after sign-out", sessions)
	}
	resp, _ = w.do(c, http.MethodGet, w.next(resp), nil)
	if resp.StatusCode/100 != 3 || w.next(resp) != w.base+"/" {
		t.Fatalf("provider's sign-out: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}
