package axe_test

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"pakn/internal/axe"
	"pakn/internal/browsertest"
)

// The check finds what it must: a page without a language, an image
// without a text alternative and a field without a label fail; the same
// page made right passes.
func TestCheckFindsViolations(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: browser test (starts chromium)")
	}
	ctx := browsertest.New(t)
	pages := map[string]string{
		"/bad":  `<!doctype html><html><head><title>x</title></head><body><main><img src="/i.png"><input type="text"></main></body></html>`,
		"/good": `<!doctype html><html lang="vi"><head><title>Trang</title></head><body><main><h1>Tiêu đề</h1><img src="/i.png" alt="Biểu đồ"><label for="f">Họ tên</label><input id="f" type="text"></main></body></html>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(pages[r.URL.Path]))
	}))
	defer srv.Close()
	if err := axe.BypassCSP(ctx); err != nil {
		t.Fatal(err)
	}
	run := func(path string) []string {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+path)); err != nil {
			t.Fatal(err)
		}
		vs, err := axe.Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, v := range vs {
			ids = append(ids, v.ID)
		}
		sort.Strings(ids)
		return ids
	}
	if got := strings.Join(run("/bad"), " "); got != "html-has-lang image-alt label" {
		t.Errorf("violations on the bad page: %q, want html-has-lang image-alt label", got)
	}
	if got := run("/good"); len(got) != 0 {
		t.Errorf("violations on the good page: %v", got)
	}
}
