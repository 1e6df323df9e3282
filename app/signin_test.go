package app_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"pakn/app"
	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

// TestSignInThrottledPerAddress: a stranger's wrong passwords get the
// stranger 429 with Retry-After at once, and the official signs in from
// their own address at once with the right password.
func TestSignInThrottledPerAddress(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		// app.Test connections come from 0.0.0.0: make it the trusted proxy.
		e := testenv.New(t, tg, testenv.Options{Configure: func(c *app.Config) { c.TrustedProxies = []string{"0.0.0.0"} }})
		c := e.NewClient()
		c.Get("/admin/login")
		login := func(from, password string) *http.Response {
			t.Helper()
			form := url.Values{"email": {"admin@demo.pakn.vn"}, "password": {password}, "_csrf": {c.CSRF}}
			req := httptest.NewRequest("POST", "/admin/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", from)
			resp := c.Send(req)
			readAll(t, resp)
			return resp
		}
		for i := 0; i < models.LoginMaxPerPair; i++ {
			if resp := login("203.0.113.66", "wrong-password"); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i+1, resp.StatusCode)
			}
		}
		resp := login("203.0.113.66", models.DemoPassword)
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("stranger after %d failures: %d, want 429", models.LoginMaxPerPair, resp.StatusCode)
		}
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || secs < 1 || secs > int(models.LoginWindow.Seconds()) {
			t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
		}
		if resp := login("198.51.100.7", models.DemoPassword); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the official from the office: %d, want 303 at once", resp.StatusCode)
		}
	})
}
