package app

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestBodyLimitsFollowTheTables: the limit fasthttp applies from the
// headers (routeBodyLimit) is each route's own (limitBody), whatever the
// case of the path or a trailing slash; other requests get 1 MB.
func TestBodyLimitsFollowTheTables(t *testing.T) {
	s, err := New(Deps{Config: Config{BaseURL: "http://127.0.0.1:8080", Secret: []byte("test-secret-0123456789abcdef-0123"),
		OIDC: OIDCConfig{Demo: true}}})
	if err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`(^|[/.]):[a-z]+(<[a-z]+>)?`)
	n := 0
	for _, table := range s.routeTables() {
		for _, r := range table {
			want := LimitJSON
			if r.body > LimitJSON {
				want = r.body
				n++
			}
			path := param.ReplaceAllString(r.path, "${1}12")
			for _, p := range []string{path, strings.ToUpper(path), path + "/"} {
				if got := s.routeBodyLimit(r.method, p); got != want {
					t.Errorf("%s %s: %d, want %d", r.method, p, got, want)
				}
			}
		}
	}
	if n != 6 {
		t.Errorf("%d routes take more than 1 MB, want 6 (submit, track/info, petition actions, paper petitions, both imports)", n)
	}
	for _, c := range []struct{ method, path string }{
		{fiber.MethodGet, "/submit"},
		{fiber.MethodPost, "/submit/x"},
		{fiber.MethodPost, "/admin/petitions/X"},
		{fiber.MethodPost, "/admin/petitions//accept"},
		{fiber.MethodPost, "/admin/faq/import/x"},
	} {
		if got := s.routeBodyLimit(c.method, c.path); got != LimitJSON {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, got, LimitJSON)
		}
	}
}
