package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"pakn/app"
	"pakn/internal/testdb"
	"pakn/internal/testenv"
)

// TestMetricsAccess: /metrics is off without PAKN_METRICS_TOKEN (404), open
// in a demo without one, and with a token wants it as a bearer token, demo
// or not.
func TestMetricsAccess(t *testing.T) {
	tg := testdb.SQLite(t)
	get := func(e *testenv.Env, auth string) *http.Response {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp := e.Do(req)
		readAll(t, resp)
		return resp
	}
	off := testenv.New(t, tg, testenv.Options{NoSeed: true})
	if resp := get(off, "Bearer anything"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("no token configured: %d, want 404", resp.StatusCode)
	}
	demo := testenv.New(t, tg, testenv.Options{NoSeed: true, Configure: func(c *app.Config) { c.MetricsOpen = true }})
	if resp := get(demo, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("demo without a token: %d, want 200", resp.StatusCode)
	}
	for _, open := range []bool{false, true} {
		e := testenv.New(t, tg, testenv.Options{NoSeed: true, Configure: func(c *app.Config) {
			c.MetricsToken, c.MetricsOpen = "scrape-token-0123456789", open
		}})
		for _, bad := range []string{"", "Bearer wrong", "Basic c2NyYXBlOg==", "Bearer scrape-token-012345678", "bearer scrape-token-0123456789x"} {
			if resp := get(e, bad); resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("demo %v, Authorization %q: %d", open, bad, resp.StatusCode)
			}
		}
		if resp := get(e, "Bearer scrape-token-0123456789"); resp.StatusCode != http.StatusOK {
			t.Errorf("demo %v, right token: %d", open, resp.StatusCode)
		}
	}
}

// TestMaxInFlight: beyond PAKN_MAX_IN_FLIGHT requests at once, an instance
// answers 503 with Retry-After at once, in the request's language and
// format; /healthz and /readyz still answer; the request in flight
// completes and its petition is stored.
func TestMaxInFlight(t *testing.T) {
	e := testenv.New(t, testdb.Postgres(t), testenv.Options{Configure: func(c *app.Config) { c.MaxInFlight = 1 }})
	base := e.Listen()
	// Lock the petitions against writes so that a submission stays in
	// flight (PostgreSQL waits without a time limit).
	tx, err := e.Store.SQL().BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("LOCK TABLE petitions IN EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	held := true
	release := func() {
		if held {
			held = false
			if err := tx.Rollback(); err != nil {
				t.Error(err)
			}
		}
	}
	defer release()
	raw, _ := json.Marshal(petitionJSON())
	first := make(chan int, 1)
	go func() {
		resp, err := http.Post(base+"/api/v1/petitions", "application/json", strings.NewReader(string(raw)))
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	// Wait until the submission waits for the lock: it holds the one slot.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var waiting int
		if err := e.Store.SQL().QueryRow(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the submission never reached the database")
		}
	}
	shed, err := http.Get(base + "/api/v1/categories")
	if err != nil {
		t.Fatal(err)
	}
	shed.Body.Close()
	if shed.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a request while one was in flight: %d, want 503", shed.StatusCode)
	}
	if shed.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	resp, err := http.Get(base + "/api/v1/categories?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"error":"The service is busy`) {
		t.Errorf("API beyond the bound: %d %s", resp.StatusCode, body)
	}
	resp, _ = http.Get(base + "/submit")
	if body := readAll(t, resp); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "Hệ thống đang bận") {
		t.Errorf("page beyond the bound: %d %s", resp.StatusCode, body)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		if body := readAll(t, resp); resp.StatusCode != http.StatusOK {
			t.Errorf("%s while the instance is full: %d %s", p, resp.StatusCode, body)
		}
	}
	release()
	if code := <-first; code != http.StatusCreated {
		t.Fatalf("the request in flight: %d", code)
	}
	if resp, _ := http.Get(base + "/api/v1/categories"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the load: %d", resp.StatusCode)
	}
}
