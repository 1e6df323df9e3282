package app_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"pakn/internal/axe"
	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

// TestWalk walks the demo province as each of its people would, in
// chromium, once at a desktop's width (1280 px) and once at a phone's
// (375 px): the citizen searches, reads the statistics, submits and tracks,
// and two demo citizens (the codes serve --demo prints) send the
// information asked of them and rate an answer; the clerk enters a letter
// at the desk; the officer accepts, asks for information and drafts; the
// leader approves, publishes and extends; the coordinator lists the overdue
// (there must be some), triages, transfers, unpublishes and returns; the
// administrator adds a routing rule, a holiday and a user. Every page it lands on must load without a console error or
// an error status, must not scroll sideways and must pass axe-core's WCAG
// 2.1 A/AA rules. On a failure it saves a screenshot (in
// $PAKN_BROWSER_ARTIFACTS, or a folder it prints).
//
// It runs on SQLite, or on PostgreSQL with PAKN_WALK_DATABASE=postgres and
// PAKN_TEST_DATABASE_URL set.
func TestWalk(t *testing.T) {
	if testing.Short() {
		t.Skip("browser walk: skipped with -short")
	}
	tg := testdb.SQLite(t)
	if os.Getenv("PAKN_WALK_DATABASE") == "postgres" {
		tg = testdb.Postgres(t)
	}
	e, index := qaEnv(t, tg)
	// The demo province, as serve --demo loads it: a year of petitions in
	// every state, and a server in demo mode (demo citizens' secrets open).
	load, err := e.Store.SeedDemoPetitions(context.Background(), []byte(testenv.TestSecret))
	if err != nil {
		t.Fatalf("load the demo petitions: %v", err)
	}
	e.Store.DemoMode = true
	syncOnce(t, index)
	t.Logf("demo province: %d petitions loaded in %s", load.Petitions, load.Took.Round(100*time.Millisecond))
	base := e.Listen()
	art := &artifacts{dir: os.Getenv("PAKN_BROWSER_ARTIFACTS")}
	start := time.Now()
	for _, width := range []int64{1280, 375} {
		t.Run(fmt.Sprintf("%dpx", width), func(t *testing.T) {
			// A browser for each width: each has browsertest's three
			// minutes.
			s := &story{e: e, base: base, browser: browser(t), width: width, art: art, axed: map[string]bool{}}
			s.walk(t)
			t.Log(s.times())
		})
	}
	t.Logf("walk on %s: %s", tg.Name, time.Since(start).Round(100*time.Millisecond))
}

// The walk's checks catch what they are for: a console error, an uncaught
// exception, an error status, a page wider than a phone and an axe-core
// violation, each on a page made to have it.
func TestWalkChecks(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	pages := map[string]string{
		"/fine":      `<p>Trang bình thường.</p>`,
		"/console":   `<p>Lỗi.</p><script>console.error("hỏng rồi")</script>`,
		"/throws":    `<p>Lỗi.</p><script>null.x()</script>`,
		"/missing":   `<p>Không có.</p>`,
		"/wide":      `<p>Rộng.</p><div id="wide" style="width:900px">x</div>`,
		"/unlabeled": `<p>Thiếu nhãn.</p><form><input type="text" name="q"></form>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(rw, r)
			return
		}
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/missing" {
			rw.WriteHeader(http.StatusNotFound)
		}
		fmt.Fprintf(rw, `<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>Thử</title></head><body><main><h1>Thử</h1>%s</main></body></html>`, body)
	}))
	t.Cleanup(srv.Close)
	s := &story{base: srv.URL, browser: browser(t), width: 375, art: &artifacts{dir: t.TempDir()}, axed: map[string]bool{}}
	w := newWalker(t, s, "self-check")
	for _, c := range []struct{ path, want string }{
		{"/fine", ""},
		{"/console", "console.error: hỏng rồi"},
		{"/throws", "uncaught: "},
		{"/missing", "answered 404"},
		{"/wide", "div#wide ends at"},
		{"/unlabeled", "label (critical)"},
	} {
		w.arrive(c.path, chromedp.Navigate(srv.URL+c.path))
		got := strings.Join(w.findings(c.path), "\n")
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%s: the checks found %q, want %q", c.path, got, c.want)
		}
	}
}

// story is one walk at one width: what each role leaves for the next.
type story struct {
	e       *testenv.Env
	base    string
	browser context.Context
	width   int64
	art     *artifacts

	citizenCode, citizenSecret string // submitted on /submit
	deskCode                   string // entered by the clerk
	triageCode                 string // a new petition for the coordinator

	pages    int             // pages checked
	axed     map[string]bool // pages axe-core has checked
	axeTimes []pageTime      // time spent in axe-core, page by page
	stepTime time.Duration   // time spent going from page to page
}

// pageTime is how long something took on a page.
type pageTime struct {
	page string
	took time.Duration
}

// times says where the walk's time went.
func (s *story) times() string {
	var total time.Duration
	for _, pt := range s.axeTimes {
		total += pt.took
	}
	slow := slices.SortedFunc(slices.Values(s.axeTimes), func(a, b pageTime) int { return cmp.Compare(b.took, a.took) })
	var names []string
	for _, pt := range slow[:min(len(slow), 4)] {
		names = append(names, fmt.Sprintf("%s %s", pt.page, pt.took.Round(10*time.Millisecond)))
	}
	return fmt.Sprintf("%d pages, %d axe-core checks: %s from page to page, %s in axe-core (slowest: %s)",
		s.pages, len(s.axeTimes), s.stepTime.Round(100*time.Millisecond), total.Round(100*time.Millisecond), strings.Join(names, ", "))
}

func (s *story) walk(t *testing.T) {
	// A second new petition, filed through the API beforehand, for the
	// coordinator to triage.
	s.triageCode = s.e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "giao-thong", PublishConsent: true}).Petition.Code
	for _, step := range []struct {
		name  string
		needs []*string
		fn    func(w *walker)
	}{
		{"citizen", nil, s.citizen},
		{"clerk", nil, s.clerk},
		{"officer", []*string{&s.citizenCode, &s.deskCode}, s.officer},
		{"leader", []*string{&s.citizenCode, &s.deskCode}, s.leader},
		{"coordinator", []*string{&s.citizenCode, &s.deskCode}, s.coordinator},
		{"admin", nil, s.admin},
	} {
		t.Run(step.name, func(t *testing.T) {
			for _, n := range step.needs {
				if *n == "" {
					t.Skip("an earlier role's walk failed: the petition it leaves is missing")
				}
			}
			w := newWalker(t, s, step.name)
			step.fn(w)
			w.done()
		})
	}
}

// --- the roles

func (s *story) citizen(w *walker) {
	w.open("/", "home")
	w.step("search results", chromedp.SendKeys(chromedp.ID("home-q"), "đất đai"), chromedp.Submit(chromedp.ID("home-q")))
	w.step("answer page", chromedp.Click(chromedp.CSS("ol.hits li h3 a")))
	w.step("statistics", chromedp.Click(chromedp.CSS(`header nav a[href="/stats"]`)))
	w.open("/submit", "submit form")
	w.step("receipt",
		chromedp.Click(chromedp.CSS(`input[name="kind"][value="complaint"]`)),
		chromedp.SetValue(chromedp.ID("category"), "dat-dai"),
		chromedp.SetValue(chromedp.ID("area"), "BEN-LUC"),
		// Typed, so that the similar answers' look-up runs.
		chromedp.SendKeys(chromedp.ID("title"), "Đường vào ấp 3 ngập sau mỗi cơn mưa"),
		chromedp.SetValue(chromedp.ID("content"), "Đoạn đường đất vào ấp 3, xã Lương Hòa ngập sâu sau mỗi cơn mưa, học sinh phải lội nước đến trường. Đề nghị huyện nâng cấp và làm mương thoát nước."),
		chromedp.SetValue(chromedp.ID("address"), "Ấp 3, xã Lương Hòa"),
		chromedp.SetValue(chromedp.ID("name"), "Trần Văn Bình"),
		chromedp.SetValue(chromedp.ID("paddress"), "Ấp 3, xã Lương Hòa, huyện Bến Lức"),
		chromedp.SetValue(chromedp.ID("phone"), "0912 345 678"),
		chromedp.Click(chromedp.CSS(`input[name="privacy_consent"]`)),
		chromedp.Click(chromedp.CSS(`input[name="publish_consent"]`)),
		chromedp.Click(chromedp.CSS(`form.form button[type="submit"]`)),
	)
	s.citizenCode = strings.TrimSpace(w.text("#receipt-code"))
	s.citizenSecret = strings.TrimSpace(w.text("#receipt-secret"))
	w.step("track form", chromedp.Click(chromedp.CSS(`#receipt a[href="/track"]`)))
	w.track(s.citizenCode, s.citizenSecret, "tracked, new")
	if got := w.text("#track-status"); !strings.Contains(got, "Đã tiếp nhận") {
		w.t.Errorf("a new petition tracks as %q", got)
	}

	// Demo citizens, with the codes and secrets serve --demo prints: one
	// sends the information asked of them, one rates the answer.
	waiting, answered := s.demoCitizen(w, models.StatusAwaitingInfo), s.demoCitizen(w, models.StatusAnswered, models.StatusPublished)
	w.open("/track", "track form")
	w.track(waiting.Code, waiting.Secret, "tracked, information asked")
	w.step("information sent",
		chromedp.SetValue(chromedp.ID("info-message"), "Tôi gửi bổ sung: biên nhận hồ sơ số 125/BN ngày 12 tháng 3."),
		chromedp.Click(chromedp.CSS(`#info-request button[type="submit"]`)),
	)
	w.wait("#track-flash")
	w.open("/track", "track form")
	w.track(answered.Code, answered.Secret, "tracked, answered")
	w.step("rated",
		chromedp.Click(chromedp.CSS(`#rating input[name="score"][value="4"]`)),
		chromedp.SendKeys(chromedp.ID("rate-comment"), "Cảm ơn cơ quan đã trả lời."),
		chromedp.Click(chromedp.CSS(`#rating button[type="submit"]`)),
	)
	w.wait("p.rated")
}

// demoCitizen is a demo petition in one of the states, as serve --demo
// prints it.
func (s *story) demoCitizen(w *walker, states ...string) models.DemoCitizen {
	w.t.Helper()
	cs, err := s.e.Store.DemoCitizens(context.Background(), []byte(testenv.TestSecret))
	if err != nil {
		w.t.Fatal(err)
	}
	for _, c := range cs {
		if slices.Contains(states, c.Status) {
			return c
		}
	}
	w.t.Fatalf("no demo citizen in %v among %v", states, cs)
	return models.DemoCitizen{}
}

func (s *story) clerk(w *walker) {
	w.login("clerk@demo.pakn.vn")
	w.step("desk form", chromedp.Click(chromedp.CSS(`header nav a[href="/admin/submit"]`)))
	w.step("desk receipt",
		chromedp.SetValue(chromedp.ID("channel"), models.ChannelPost),
		chromedp.Click(chromedp.CSS(`input[name="kind"][value="recommendation"]`)),
		chromedp.SetValue(chromedp.ID("category"), "dat-dai"),
		chromedp.SetValue(chromedp.ID("area"), "BEN-LUC"),
		chromedp.SetValue(chromedp.ID("title"), "Đề nghị cấp giấy chứng nhận quyền sử dụng đất"),
		chromedp.SetValue(chromedp.ID("content"), "Gia đình tôi nộp hồ sơ cấp giấy chứng nhận quyền sử dụng đất từ tháng 3 nhưng đến nay chưa nhận được kết quả. Đề nghị cơ quan xem xét, trả lời."),
		chromedp.SetValue(chromedp.ID("name"), "Nguyễn Thị Lan"),
		chromedp.SetValue(chromedp.ID("paddress"), "Ấp Phước Toàn, xã Phước Lợi, huyện Bến Lức"),
		chromedp.SetValue(chromedp.ID("phone"), "0987 654 321"),
		chromedp.Click(chromedp.CSS(`form.form button[type="submit"]`)),
	)
	s.deskCode = strings.TrimSpace(w.text("#receipt-code"))
	w.logout()
}

func (s *story) officer(w *walker) {
	w.login("officer.ben-luc@demo.pakn.vn")
	w.find(s.citizenCode)
	w.act("accept", chromedp.Click(chromedp.ID("act-accept")))
	w.find(s.deskCode)
	w.act("accept", chromedp.Click(chromedp.ID("act-accept")))
	w.act("request-info",
		chromedp.Click(chromedp.CSS(`details:has(form[action$="/request-info"]) > summary`)),
		chromedp.SendKeys(chromedp.ID("info-message"), "Đề nghị bà gửi bản chụp biên nhận hồ sơ."),
		chromedp.Click(chromedp.CSS(`form[action$="/request-info"] button[type="submit"]`)),
	)
	w.find(s.citizenCode)
	w.act("draft",
		chromedp.SetValue(chromedp.ID("answer"), "UBND huyện Bến Lức đã đưa đường vào ấp 3, xã Lương Hòa vào kế hoạch nâng cấp và làm mương thoát nước trong quý II."),
		chromedp.Click(chromedp.ID("act-draft")),
	)
	w.logout()
}

func (s *story) leader(w *walker) {
	w.login("leader.ben-luc@demo.pakn.vn")
	w.find(s.citizenCode)
	w.act("approve", chromedp.Click(chromedp.ID("act-approve")))
	w.act("publish", chromedp.Click(chromedp.ID("act-publish")))
	w.find(s.deskCode)
	w.act("extend",
		chromedp.Click(chromedp.CSS(`details:has(form[action$="/extend"]) > summary`)),
		chromedp.SendKeys(chromedp.ID("extend-days"), "5"),
		chromedp.SendKeys(chromedp.ID("extend-reason"), "Chờ người dân bổ sung hồ sơ."),
		chromedp.Click(chromedp.CSS(`form[action$="/extend"] button[type="submit"]`)),
	)
	w.logout()
}

func (s *story) coordinator(w *walker) {
	w.login("coordinator@demo.pakn.vn")
	w.step("overdue list",
		chromedp.SetValue(chromedp.ID("f-deadline"), "overdue"),
		chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`)),
	)
	if n := w.count("table.inbox tbody tr"); n == 0 {
		w.t.Errorf("the demo province has no overdue petition")
	}
	w.step("overdue petition", chromedp.Click(chromedp.CSS(`table.inbox tbody tr a`)))
	w.open("/admin", "inbox")
	w.step("new petitions", chromedp.Click(chromedp.CSS(`nav.state-counts a[href*="status=received"]`)))
	// Triage: a new petition asks what the citizen's asked.
	w.find(s.triageCode)
	w.act("duplicate",
		chromedp.Click(chromedp.CSS(`details:has(form[action$="/duplicate"]) > summary`)),
		chromedp.SendKeys(chromedp.ID("dup-of"), s.citizenCode),
		chromedp.Click(chromedp.CSS(`form[action$="/duplicate"] button[type="submit"]`)),
	)
	w.find(s.deskCode)
	w.act("transfer",
		chromedp.Click(chromedp.CSS(`details:has(form[action$="/transfer"]) > summary`)),
		chromedp.SetValue(chromedp.ID("transfer-unit"), "STNMT"),
		chromedp.SendKeys(chromedp.ID("transfer-reason"), "Hồ sơ đất đai do Sở giải quyết."),
		chromedp.Click(chromedp.CSS(`form[action$="/transfer"] button[type="submit"]`)),
	)
	w.find(s.citizenCode)
	w.act("unpublish", chromedp.Click(chromedp.ID("act-unpublish")))
	w.act("return",
		chromedp.Click(chromedp.CSS(`details:has(form[action$="/return"]) > summary`)),
		chromedp.SendKeys(chromedp.ID("return-reason"), "Chưa nêu thời gian thi công."),
		chromedp.Click(chromedp.CSS(`form[action$="/return"] button[type="submit"]`)),
	)
	w.logout()
}

func (s *story) admin(w *walker) {
	w.login("admin@demo.pakn.vn")
	suffix := fmt.Sprint(s.width)
	w.step("routing rules", chromedp.Click(chromedp.CSS(`header nav a[href="/admin/rules"]`)))
	rule := "Đất đai ở Cần Đước về huyện " + suffix
	w.step("rule added",
		chromedp.SetValue(chromedp.ID("position"), "5"),
		chromedp.SendKeys(chromedp.ID("rname"), rule),
		chromedp.SetValue(chromedp.ID("category"), "dat-dai"),
		chromedp.SetValue(chromedp.ID("area"), "CAN-DUOC"),
		chromedp.SetValue(chromedp.ID("target"), "unit"),
		chromedp.SetValue(chromedp.ID("unit"), "CAN-DUOC"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/rules"][method="post"] button[type="submit"]`)),
	)
	w.contains("#rules", rule)
	w.step("holidays", chromedp.Click(chromedp.CSS(`header nav a[href="/admin/holidays"]`)))
	day := map[int64]string{1280: "2027-11-19", 375: "2027-11-20"}[s.width]
	w.step("holiday added",
		chromedp.SetValue(chromedp.ID("date"), day),
		chromedp.SendKeys(chromedp.ID("name"), "Nghỉ bù của tỉnh "+suffix),
		chromedp.SendKeys(chromedp.ID("source"), "Quyết định của UBND tỉnh"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/holidays"] button[type="submit"]`)),
	)
	w.contains("#holidays", day)
	w.step("users", chromedp.Click(chromedp.CSS(`header nav a[href="/admin/users"]`)))
	email := "officer2." + suffix + "@demo.pakn.vn"
	w.step("user added",
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("uname"), "Lê Văn Cường"),
		chromedp.SetValue(chromedp.ID("role"), models.RoleOfficer),
		chromedp.SetValue(chromedp.ID("unit"), "BEN-LUC"),
		chromedp.SendKeys(chromedp.ID("password"), "mot-mat-khau-dai-2026"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/users"] button[type="submit"]`)),
	)
	w.contains("#users", email)
	w.logout()
}

// --- the walker: one role's tab and the checks of every page

// walker drives one tab, in a browser context of its own (no cookies
// shared with the other roles), at the story's width.
type walker struct {
	t     *testing.T
	s     *story
	role  string
	ctx   context.Context
	shots int

	mu       sync.Mutex
	problems []string // console errors and error statuses since the last check
}

func newWalker(t *testing.T, s *story, role string) *walker {
	ctx, cancel := chromedp.NewContext(s.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	w := &walker{t: t, s: s, role: role, ctx: ctx}
	dialogs := make(chan struct{}, 8)
	if err := chromedp.Listen(ctx, func(ev any) { w.event(ev, dialogs) }); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-dialogs:
				// Confirm what data-confirm asks (a person would).
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			}
		}
	}()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(s.width, 800)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	if err := axe.BypassCSP(ctx); err != nil {
		t.Fatalf("bypass CSP: %v", err)
	}
	return w
}

// event runs on the tab's reading goroutine: it only records.
func (w *walker) event(ev any, dialogs chan<- struct{}) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				var str string
				if json.Unmarshal(a.Value, &str) == nil {
					parts = append(parts, str)
				} else if len(a.Value) > 0 {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			problem = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		problem = "uncaught: " + d.Text
		if d.Exception != nil {
			problem += " " + d.Exception.Description
		}
		problem += fmt.Sprintf(" at %s:%d", d.URL, d.LineNumber+1)
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			problem = fmt.Sprintf("console (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	case *network.EventResponseReceived:
		if ev.Response.Status >= 400 {
			problem = fmt.Sprintf("%s %s answered %d", ev.Type, ev.Response.URL, ev.Response.Status)
		}
	case *page.EventJavascriptDialogOpening:
		select {
		case dialogs <- struct{}{}:
		default:
		}
	}
	if problem != "" {
		w.mu.Lock()
		w.problems = append(w.problems, problem)
		w.mu.Unlock()
	}
}

// step runs actions that lead to another page (a link followed, a form
// sent), waits until that page has loaded and checks it.
func (w *walker) step(page string, actions ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	w.arrive(page, actions...)
	w.check(page)
}

// arrive runs actions that lead to another page and waits until it has
// loaded.
func (w *walker) arrive(page string, actions ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	t0 := time.Now()
	mark := void(chromedp.Evaluate[bool](`window.__walkLeft = true`))
	ctx, cancel := context.WithTimeout(w.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, append([]chromedp.Action[chromedp.Void]{mark}, actions...)...); err != nil {
		w.t.Fatalf("%s at %d px, on the way to %s: %v (screenshot %s)", w.role, w.s.width, page, err, w.screenshot(page))
	}
	// The old document was marked: wait for a new one, loaded.
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!window.__walkLeft && document.readyState === "complete"`))
		if err == nil && ok {
			break
		}
		if ctx.Err() != nil {
			w.t.Fatalf("%s at %d px: %s never loaded (%v; screenshot %s)", w.role, w.s.width, page, err, w.screenshot(page))
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.s.stepTime += time.Since(t0)
}

// stepTimeout bounds one step, so that an element that never comes fails
// the walk soon (a busy 2-core machine needs a few seconds at times).
const stepTimeout = 30 * time.Second

// open navigates to path and checks the page.
func (w *walker) open(path, page string) {
	w.t.Helper()
	w.step(page, chromedp.Navigate(w.s.base+path))
}

// wait fails unless sel is on the page.
func (w *walker) wait(sel string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		w.t.Fatalf("%s at %d px: %s is missing: %v (screenshot %s)", w.role, w.s.width, sel, err, w.screenshot("missing "+sel))
	}
}

func (w *walker) text(sel string) string {
	w.t.Helper()
	w.wait(sel)
	s, err := chromedp.Run(w.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		w.t.Fatalf("%s at %d px: read %s: %v", w.role, w.s.width, sel, err)
	}
	return s
}

// count is how many elements match sel.
func (w *walker) count(sel string) int {
	w.t.Helper()
	n, err := chromedp.Run(w.ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
	if err != nil {
		w.t.Fatalf("%s at %d px: count %s: %v", w.role, w.s.width, sel, err)
	}
	return n
}

// contains fails unless the element sel contains want.
func (w *walker) contains(sel, want string) {
	w.t.Helper()
	if got := w.text(sel); !strings.Contains(got, want) {
		w.t.Errorf("%s at %d px: %s lacks %q (screenshot %s)", w.role, w.s.width, sel, want, w.screenshot("lacks "+want))
	}
}

// check is what every page passes: it loaded without an error status or a
// console error, it does not scroll sideways and axe-core finds no WCAG
// 2.1 A/AA violation. A failing page is saved as a screenshot.
func (w *walker) check(page string) {
	w.t.Helper()
	fails := w.findings(page)
	if len(fails) == 0 {
		return
	}
	url, _ := chromedp.Run(w.ctx, chromedp.Location())
	shot := w.screenshot(page)
	for _, f := range fails {
		w.t.Errorf("%s at %d px, %s (%s): %s", w.role, w.s.width, page, url, f)
	}
	w.t.Logf("screenshot: %s", shot)
}

// findings is what is wrong with the page the tab shows.
func (w *walker) findings(page string) []string {
	var fails []string
	wide, err := chromedp.Run(w.ctx, chromedp.Evaluate[[]string](overflowJS))
	if err != nil {
		fails = append(fails, fmt.Sprintf("measure width: %v", err))
	} else if len(wide) > 0 {
		fails = append(fails, "scrolls sideways: "+strings.Join(wide, "; "))
	}
	w.s.pages++
	if !w.s.axed[page] {
		// Once for each page at each width: the same page after
		// another action is the same markup.
		w.s.axed[page] = true
		t0 := time.Now()
		vs, err := axe.Check(w.ctx)
		w.s.axeTimes = append(w.s.axeTimes, pageTime{page, time.Since(t0)})
		if err != nil {
			fails = append(fails, err.Error())
		}
		for _, v := range vs {
			fails = append(fails, v.String())
		}
	}
	w.mu.Lock()
	fails = append(fails, w.problems...)
	w.problems = nil
	w.mu.Unlock()
	return fails
}

// overflowJS returns nothing when the page fits its window, else the page's
// width and the widest elements that stick out.
const overflowJS = `(() => {
  const sw = document.scrollingElement.scrollWidth, iw = innerWidth;
  if (sw <= iw) return [];
  const out = [sw + " px wide in a " + iw + " px window"];
  const wide = [...document.querySelectorAll("body *")].filter(e => {
    if (e.getBoundingClientRect().right <= iw + 1) return false;
    for (let p = e.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "hidden" || o === "scroll" || o === "clip") return false;
    }
    return true;
  });
  return out.concat(wide.slice(-4).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    (e.className && typeof e.className === "string" ? "." + e.className.trim().replace(/\s+/g, ".") : "") +
    " ends at " + Math.round(e.getBoundingClientRect().right)));
})()`

// login signs in on /admin/login, landing on the inbox.
func (w *walker) login(email string) {
	w.t.Helper()
	w.open("/admin/login", "sign-in")
	w.step("inbox",
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), models.DemoPassword),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
	)
	w.wait(`form[action="/admin/logout"]`)
}

func (w *walker) logout() {
	w.t.Helper()
	w.step("sign-in", chromedp.Click(chromedp.CSS(`form[action="/admin/logout"] button`)))
	w.wait("#email")
}

// find looks a petition up by its code in the inbox's search box and opens
// it, as an official does with the code a citizen reads out.
func (w *walker) find(code string) {
	w.t.Helper()
	w.open("/admin", "inbox")
	w.step("inbox search",
		chromedp.SendKeys(chromedp.ID("q"), code),
		chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`)),
	)
	w.step("petition", chromedp.Click(chromedp.CSS(`table.inbox a[href="/admin/petitions/`+code+`"]`)))
	w.wait("#petition-code")
}

// act takes an action on the open petition page and waits for its
// confirmation.
func (w *walker) act(action string, steps ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	w.step("petition after "+action, steps...)
	w.wait("#done")
}

// track opens a petition on /track with its code and secret.
func (w *walker) track(code, secret, page string) {
	w.t.Helper()
	w.step(page,
		chromedp.SendKeys(chromedp.ID("code"), code),
		chromedp.SendKeys(chromedp.ID("secret"), secret),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
	)
	w.wait("#track-status")
}

// done fails on what the last page reported after its check.
func (w *walker) done() {
	w.t.Helper()
	w.mu.Lock()
	late := w.problems
	w.problems = nil
	w.mu.Unlock()
	for _, p := range late {
		w.t.Errorf("%s at %d px: %s", w.role, w.s.width, p)
	}
	if len(late) > 0 {
		w.t.Logf("screenshot: %s", w.screenshot("end"))
	}
}

// screenshot saves the whole page and returns where.
func (w *walker) screenshot(name string) string {
	shot, err := chromedp.Run(w.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Sprintf("(no screenshot: %v)", err)
	}
	w.shots++
	file := fmt.Sprintf("walk-%d-%s-%02d-%s.png", w.s.width, w.role, w.shots, slugRe.ReplaceAllString(strings.ToLower(name), "-"))
	path, err := w.s.art.save(file, shot)
	if err != nil {
		return fmt.Sprintf("(no screenshot: %v)", err)
	}
	return path
}

// void drops an action's result, to run it among steps.
func void[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

var slugRe = regexp.MustCompile(`[^a-z0-9]+`)

// artifacts is where failing pages are saved: $PAKN_BROWSER_ARTIFACTS, or
// a folder made on the first failure and kept for a person to look at.
type artifacts struct {
	mu  sync.Mutex
	dir string
}

func (a *artifacts) save(name string, data []byte) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.dir == "" {
		d, err := os.MkdirTemp("", "pakn-walk-")
		if err != nil {
			return "", err
		}
		a.dir = d
	}
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(a.dir, name)
	return path, os.WriteFile(path, data, 0o644)
}
