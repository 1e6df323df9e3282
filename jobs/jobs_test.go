package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/jobs"
	"pakn/models"
	"pakn/models/workdays"
)

// A citizen's receipt goes out by e-mail: Vietnamese subject, plain text and
// HTML, a stable Message-ID, a link to /track; a second run sends nothing.
func TestReceiptNotice(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		srv := startMailServer(t)
		r := newRunner(t, e.Store, srv.url(), "")
		now := vn(2026, 12, 7, 9, 0)
		fixedClock(e.Store, now)
		sub := e.Submit(models.SubmitInput{})
		runJob(t, r, jobs.JobNotify, now)
		runJob(t, r, jobs.JobNotify, now.Add(time.Hour))

		msgs := srv.messages()
		if len(msgs) != 1 || srv.total() != 1 {
			t.Fatalf("want 1 message, got %d (%d transmissions)", len(msgs), srv.total())
		}
		m := msgs[0]
		if got := subject(t, m); got != "[PAKN] Đã nhận phản ánh, kiến nghị "+sub.Petition.Code {
			t.Errorf("subject %q", got)
		}
		rows := outbox(t, e.Store)
		want := jobs.MessageID(rows[0].DedupeKey, "https://pakn.longan.gov.vn")
		if got := m.Header.Get("Message-Id"); got != want || !strings.HasSuffix(want, "@pakn.longan.gov.vn>") {
			t.Errorf("Message-ID %q, want %q", got, want)
		}
		text, html := parts(t, m)
		for _, s := range []string{"Kính gửi Nguyễn Văn An", sub.Petition.Code, "https://pakn.longan.gov.vn/track?code=" + sub.Petition.Code, "Sở Tài nguyên và Môi trường"} {
			if !strings.Contains(text, s) {
				t.Errorf("text part lacks %q:\n%s", s, text)
			}
		}
		if !strings.Contains(html, "<html lang=\"vi\">") || !strings.Contains(html, sub.Petition.Code) {
			t.Errorf("html part: %s", html)
		}
		if rows[0].Status != models.OutboxSent || rows[0].Attempts != 1 {
			t.Errorf("row %+v", rows[0])
		}
	})
}

// An English petition gets English mail.
func TestRenderEnglishAndAllTemplates(t *testing.T) {
	t.Parallel()
	rd, err := jobs.NewRenderer("http://pakn.test")
	if err != nil {
		t.Fatal(err)
	}
	citizen := []string{"received", "accepted", "rejected", "transferred", "info_requested", "answered", "info_closed"}
	official := []string{"due_soon", "due_today", "overdue", "overdue_daily", "escalated", "digest"}
	for _, lang := range []string{"vi", "en"} {
		for _, tpl := range citizen {
			data := fmt.Sprintf(`{"code":"PAKN-261207-0001","title":"T","name":"An","lang":%q,"unit":"Sở X","due_at":"2026-12-14T23:59:59+07:00","reason":"Lý do <b>","answer":"Trả lời\ndòng 2"}`, lang)
			out, err := rd.Render("citizen_"+tpl, data)
			if err != nil {
				t.Fatalf("%s %s: %v", lang, tpl, err)
			}
			if out.Subject == "" || out.SMS == "" || !strings.Contains(out.Text, "14/12/2026") || strings.Contains(out.HTML, "<b>") {
				t.Errorf("%s %s: %+v", lang, tpl, out)
			}
			if lang == "en" && !strings.Contains(out.Text, "Dear An") {
				t.Errorf("english %s: %s", tpl, out.Text)
			}
		}
		for _, tpl := range official {
			out, err := rd.Render("official_"+tpl, `{"code":"PAKN-261207-0001","stage":"triage","days_overdue":4,"unit":"Sở X","date":"2026-12-18","open":3,"overdue":1,"due_soon":0,"overdue_codes":["PAKN-261207-0001"]}`)
			if err != nil || out.Subject == "" || !strings.Contains(out.Text, "http://pakn.test/admin") {
				t.Errorf("%s: %v %+v", tpl, err, out)
			}
		}
	}
	if _, err := rd.Render("citizen_nonsense", "{}"); err == nil {
		t.Error("unknown template rendered")
	}
}

// A petition nobody triages: due_soon 2 working days before, due_today,
// overdue, daily reminders to the leader, escalation after 3 working days —
// each once, however often and whenever the job runs.
func TestDeadlineRemindersExactlyOnce(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		r := newRunner(t, e.Store, "", "")
		received := vn(2026, 12, 7, 9, 0) // Monday
		fixedClock(e.Store, received)
		sub := e.Submit(models.SubmitInput{})
		due := sub.Petition.DueAt.In(workdays.VietnamLocation())
		if due.Format(time.RFC3339) != "2026-12-14T23:59:59+07:00" {
			t.Fatalf("triage due %s", due)
		}
		deadlineKeys := func() []string {
			var keys []string
			for _, m := range outbox(t, e.Store) {
				if strings.HasPrefix(m.DedupeKey, "deadline:") {
					keys = append(keys, strings.TrimPrefix(m.DedupeKey, "deadline:"+sub.Petition.Code+":triage:2026-12-14T23:59:59+07:00:"))
				}
			}
			slices.Sort(keys)
			return keys
		}
		users := map[string]int64{}
		var us []models.User
		e.Store.DB.Find(&us)
		for _, u := range us {
			users[u.Email] = u.ID
		}
		off, lead, coord := users["officer.stnmt@demo.pakn.vn"], users["leader.stnmt@demo.pakn.vn"], users["coordinator@demo.pakn.vn"]
		k := func(kind string, id int64) string { return fmt.Sprintf("%s:u%d", kind, id) }

		steps := []struct {
			day  int
			want []string // new keys that day
		}{
			{8, nil}, {9, nil},
			{10, []string{k("due_soon", off), k("due_soon", lead)}},
			{11, nil}, {12, nil}, {13, nil},
			{14, []string{k("due_today", off), k("due_today", lead)}},
			{15, []string{k("overdue", off), k("overdue", lead)}},
			{16, []string{k("overdue_daily:2026-12-16", lead)}},
			{17, []string{k("overdue_daily:2026-12-17", lead)}},
			{18, []string{k("overdue_daily:2026-12-18", lead), k("escalated", coord)}},
			{19, nil}, {20, nil},
			{21, []string{k("overdue_daily:2026-12-21", lead)}},
		}
		var want []string
		for _, st := range steps {
			for _, hm := range [][2]int{{0, 5}, {9, 0}, {9, 0}, {17, 30}, {23, 59}} {
				runJob(t, r, jobs.JobDeadlines, vn(2026, 12, st.day, hm[0], hm[1]))
			}
			want = append(want, st.want...)
			slices.Sort(want)
			if got := deadlineKeys(); !slices.Equal(got, want) {
				t.Fatalf("after 2026-12-%d:\n got %q\nwant %q", st.day, got, want)
			}
		}
		// Going back in time (a late manual run) adds nothing new either.
		runJob(t, r, jobs.JobDeadlines, vn(2026, 12, 18, 10, 0))
		if got := deadlineKeys(); !slices.Equal(got, want) {
			t.Fatalf("rerun added: %q", got)
		}
		var esc int64
		e.Store.DB.Model(&models.Event{}).Where("type = ?", "escalated").Count(&esc)
		if esc != 1 {
			t.Errorf("escalation events: %d", esc)
		}
		// The notices render and carry the officials' link.
		srv := startMailServer(t)
		rm := newRunner(t, e.Store, srv.url(), "")
		runJob(t, rm, jobs.JobNotify, vn(2026, 12, 21, 12, 0))
		var sawEsc bool
		for _, m := range srv.messages() {
			if strings.Contains(subject(t, m), "Báo cáo quá hạn") {
				sawEsc = true
				text, _ := parts(t, m)
				if !strings.Contains(text, "https://pakn.longan.gov.vn/admin/petitions/"+sub.Petition.Code) {
					t.Errorf("escalation text: %s", text)
				}
			}
		}
		if !sawEsc || len(srv.messages()) != len(want)+1 {
			t.Errorf("delivered %d messages (escalation seen %v), want %d", len(srv.messages()), sawEsc, len(want)+1)
		}
	})
}

// Two instances on one PostgreSQL run the deadlines job at the same time:
// one row per key, one escalation event.
func TestDeadlinesConcurrentInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: concurrency (two instances on one PostgreSQL)")
	}
	t.Parallel()
	tg := testdb.Postgres(t)
	e := testenv.New(t, tg)
	fixedClock(e.Store, vn(2026, 12, 7, 9, 0))
	for range 5 {
		e.Submit(models.SubmitInput{})
	}
	stores := []*models.Store{testenv.Open(t, tg), testenv.Open(t, tg)}
	at := vn(2026, 12, 18, 10, 0)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := stores[i%2].RunDeadlines(context.Background(), at); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n, keys, esc int64
	e.Store.DB.Model(&models.OutboxMessage{}).Where("dedupe_key LIKE 'deadline:%'").Count(&n)
	e.Store.DB.Model(&models.OutboxMessage{}).Where("dedupe_key LIKE 'deadline:%'").Distinct("dedupe_key").Count(&keys)
	e.Store.DB.Model(&models.Event{}).Where("type = ?", "escalated").Count(&esc)
	// Per petition: overdue ×2, daily ×1, escalated ×1.
	if n != 5*4 || keys != n || esc != 5 {
		t.Errorf("rows %d, keys %d, escalation events %d; want 20, 20, 5", n, keys, esc)
	}
}

// Two schedulers with the PostgreSQL locker, both running notify often:
// the citizen gets one message.
func TestTwoSchedulersDeliverOnce(t *testing.T) {
	t.Parallel()
	tg := testdb.Postgres(t)
	e := testenv.New(t, tg)
	srv := startMailServer(t)
	e.Submit(models.SubmitInput{})
	var scheds []*jobs.Scheduler
	var runs, failed atomic.Int64 // heard through OnRun (the metrics' hook)
	for range 2 {
		st := testenv.Open(t, tg)
		r := newRunner(t, st, srv.url(), "")
		r.OnRun = func(job string, took time.Duration, err error) {
			if job != jobs.JobNotify || took <= 0 || err != nil {
				failed.Add(1)
			}
			runs.Add(1)
		}
		r.Register(jobs.JobNotify, gocronEvery(150*time.Millisecond), r.Notify)
		s, err := r.Start(jobs.JobNotify)
		if err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, s)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if rows := outbox(t, e.Store); rows[0].Status == models.OutboxSent {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // let both schedulers tick a few more times
	for _, s := range scheds {
		if err := s.Shutdown(); err != nil {
			t.Error(err)
		}
	}
	if srv.total() != 1 {
		t.Fatalf("transmissions: %d, want 1", srv.total())
	}
	if runs.Load() < 1 || failed.Load() != 0 {
		t.Errorf("OnRun heard %d runs, %d of them wrong", runs.Load(), failed.Load())
	}
	if rows := outbox(t, e.Store); rows[0].Status != models.OutboxSent || rows[0].Attempts != 1 {
		t.Errorf("row %+v", rows[0])
	}
}

// SMTP goes down in the middle of a batch and comes back: after retries
// every message has arrived, once per Message-ID, and every row is sent.
func TestSMTPDownMidBatch(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		srv := startMailServer(t)
		r := newRunner(t, e.Store, srv.url(), "")
		now := vn(2026, 12, 7, 9, 0)
		fixedClock(e.Store, now)
		const n = 12
		for i := range n {
			e.Submit(models.SubmitInput{Petitioner: models.PetitionerInput{
				Name: fmt.Sprintf("Người gửi %d", i), Email: fmt.Sprintf("c%d@example.vn", i), Address: "Ấp 1"}})
		}
		srv.mu.Lock()
		srv.failFrom = 5
		srv.mu.Unlock()
		res, err := r.NotifyOnce(context.Background(), now)
		if err != nil {
			t.Fatal(err)
		}
		if res.Sent >= n || res.Retried == 0 {
			t.Fatalf("first run: %+v", res)
		}
		srv.mu.Lock()
		srv.failFrom = 0
		srv.mu.Unlock()
		srv.up(srv.addr)
		// Retries come after backoff, not at once.
		if res, _ := r.NotifyOnce(context.Background(), now.Add(time.Second)); res.Sent != 0 {
			t.Fatalf("retried before the backoff: %+v", res)
		}
		for i := 1; i <= 10; i++ {
			if _, err := r.NotifyOnce(context.Background(), now.Add(time.Duration(i)*5*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range outbox(t, e.Store) {
			if m.Status != models.OutboxSent {
				t.Errorf("row %d: %s after %d attempts: %s", m.ID, m.Status, m.Attempts, m.LastError)
			}
		}
		if got := len(srv.messages()); got != n {
			t.Errorf("distinct messages %d, want %d (transmissions %d)", got, n, srv.total())
		}
	})
}

// Give up after the configured attempts; no transport → undeliverable.
func TestGiveUpAndUndeliverable(t *testing.T) {
	t.Parallel()
	tg := testdb.SQLite(t)
	e := testenv.New(t, tg)
	now := vn(2026, 12, 7, 9, 0)
	fixedClock(e.Store, now)
	e.Submit(models.SubmitInput{})                                                                                 // e-mail
	e.Submit(models.SubmitInput{Petitioner: models.PetitionerInput{Name: "B", Phone: "0912345678", Address: "x"}}) // SMS
	r := newRunner(t, e.Store, "", "")
	runJob(t, r, jobs.JobNotify, now)
	for _, m := range outbox(t, e.Store) {
		if m.Status != models.OutboxUndeliverable || m.LastError == "" {
			t.Errorf("%s row: %s %q", m.Channel, m.Status, m.LastError)
		}
	}

	// The same database, a transport that never answers: failed after
	// MaxAttempts.
	e2 := e
	e2.Submit(models.SubmitInput{Petitioner: models.PetitionerInput{Name: "C", Email: "c@example.vn", Address: "x"}})
	r2, err := jobs.New(e2.Store, jobs.Config{BaseURL: "http://x", SMTPURL: "smtp://127.0.0.1:1", MailFrom: "a@b.vn", MaxAttempts: 3}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		runJob(t, r2, jobs.JobNotify, now.Add(time.Duration(i)*5*time.Hour))
	}
	rows := outbox(t, e2.Store)
	m := rows[len(rows)-1]
	if m.Status != models.OutboxFailed || m.Attempts != 3 || !strings.Contains(m.LastError, "gave up after 3 attempts") {
		t.Errorf("row: %s, %d attempts, %q", m.Status, m.Attempts, m.LastError)
	}
}

// A citizen who left only a phone number hears by SMS through the gateway.
func TestSMSThroughGateway(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		var mu sync.Mutex
		var got []map[string]string
		calls := 0
		gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			calls++
			if calls == 1 {
				w.WriteHeader(http.StatusServiceUnavailable) // first try: gateway busy
				return
			}
			b, _ := io.ReadAll(req.Body)
			var body map[string]string
			_ = json.Unmarshal(b, &body)
			body["auth"] = req.Header.Get("Authorization")
			body["idem"] = req.Header.Get("Idempotency-Key")
			got = append(got, body)
		}))
		defer gw.Close()
		e := testenv.New(t, tg)
		now := vn(2026, 12, 7, 9, 0)
		fixedClock(e.Store, now)
		sub := e.Submit(models.SubmitInput{Petitioner: models.PetitionerInput{Name: "Trần Thị Bình", Phone: "0912 345 678", Address: "Ấp 2"}})
		r := newRunner(t, e.Store, "", gw.URL+"/sms")
		runJob(t, r, jobs.JobNotify, now)
		runJob(t, r, jobs.JobNotify, now.Add(time.Hour))
		runJob(t, r, jobs.JobNotify, now.Add(2*time.Hour))
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 1 {
			t.Fatalf("gateway got %d messages", len(got))
		}
		b := got[0]
		if b["to"] != "+84912345678" || b["auth"] != "Bearer sms-token" || b["idem"] == "" || b["id"] != b["idem"] ||
			!strings.Contains(b["message"], "Đã nhận phản ánh, kiến nghị "+sub.Petition.Code) {
			t.Errorf("gateway body %+v", b)
		}
		if m := outbox(t, e.Store)[0]; m.Status != models.OutboxSent || m.Attempts != 2 {
			t.Errorf("row %s after %d attempts", m.Status, m.Attempts)
		}
	})
}

// Retention anonymises only petitions closed longer ago than the period.
func TestRetention(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		now := vn(2026, 12, 7, 9, 0)
		fixedClock(e.Store, now)
		old := e.Submit(models.SubmitInput{DossierCode: "000.00.17.H42-211206-0001", ProcedureCode: "1.001612"}).Petition
		recent := e.Submit(models.SubmitInput{}).Petition
		openOld := e.Submit(models.SubmitInput{}).Petition
		set := func(id int64, status string, closed time.Time) {
			if err := e.Store.DB.Model(&models.Petition{}).Where("id = ?", id).
				Updates(map[string]any{"status": status, "closed_at": closed.UTC()}).Error; err != nil {
				t.Fatal(err)
			}
		}
		set(old.ID, models.StatusRejected, now.AddDate(-5, 0, -1))
		set(recent.ID, models.StatusClosed, now.AddDate(-4, -11, 0))
		e.Store.DB.Model(&models.Petition{}).Where("id = ?", openOld.ID).Update("received_at", now.AddDate(-6, 0, 0).UTC())
		r := newRunner(t, e.Store, "", "")
		runJob(t, r, jobs.JobRetention, now)
		runJob(t, r, jobs.JobRetention, now)
		get := func(id int64) models.Petition {
			var p models.Petition
			e.Store.DB.First(&p, id)
			return p
		}
		p := get(old.ID)
		if p.AnonymisedAt == nil || p.PetitionerName != models.AnonymisedName || p.PetitionerEmail != "" || p.PetitionerPhone != "" || p.PetitionerAddress != "" {
			t.Errorf("old closed petition not anonymised: %+v", p)
		}
		if p.DossierCode != "" || p.ProcedureCode != "1.001612" {
			t.Errorf("anonymised petition keeps dossier %q, procedure %q; want the dossier erased, the procedure kept", p.DossierCode, p.ProcedureCode)
		}
		for _, id := range []int64{recent.ID, openOld.ID} {
			if p := get(id); p.AnonymisedAt != nil || p.PetitionerName == models.AnonymisedName {
				t.Errorf("petition %s anonymised too early", p.Code)
			}
		}
		var evs, names int64
		e.Store.DB.Model(&models.Event{}).Where("petition_id = ? AND type = 'anonymised'", old.ID).Count(&evs)
		e.Store.DB.Model(&models.Event{}).Where("petition_id = ? AND actor_name = ?", old.ID, "Nguyễn Văn An").Count(&names)
		if evs != 1 || names != 0 {
			t.Errorf("anonymised events %d, events still naming the petitioner %d", evs, names)
		}
	})
}

// An item waiting for information that never comes is closed on the first
// run after its info due date, with a notice and an event, once.
func TestInfoWaitClosing(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		now := vn(2026, 12, 7, 9, 0)
		fixedClock(e.Store, now)
		p := e.Submit(models.SubmitInput{}).Petition
		infoDue := vn(2026, 12, 28, 23, 59).Add(59 * time.Second)
		if err := e.Store.DB.Model(&models.Petition{}).Where("id = ?", p.ID).Updates(map[string]any{
			"status": models.StatusAwaitingInfo, "due_stage": models.StageInfo, "due_at": infoDue,
		}).Error; err != nil {
			t.Fatal(err)
		}
		r := newRunner(t, e.Store, "", "")
		runJob(t, r, jobs.JobDeadlines, vn(2026, 12, 28, 23, 0)) // still the last day
		var got models.Petition
		e.Store.DB.First(&got, p.ID)
		if got.Status != models.StatusAwaitingInfo {
			t.Fatalf("closed before the end of the info due day: %s", got.Status)
		}
		for range 3 {
			runJob(t, r, jobs.JobDeadlines, vn(2026, 12, 29, 0, 5))
		}
		got = models.Petition{}
		e.Store.DB.First(&got, p.ID)
		if got.Status != models.StatusClosed || got.ClosedAt == nil || got.DueAt != nil {
			t.Fatalf("not closed: %+v", got)
		}
		var evs, notices, reminders int64
		e.Store.DB.Model(&models.Event{}).Where("petition_id = ? AND type = 'closed_no_info' AND public", p.ID).Count(&evs)
		e.Store.DB.Model(&models.OutboxMessage{}).Where("petition_id = ? AND template = 'citizen_info_closed'", p.ID).Count(&notices)
		e.Store.DB.Model(&models.OutboxMessage{}).Where("petition_id = ? AND dedupe_key LIKE 'deadline:%'", p.ID).Count(&reminders)
		if evs != 1 || notices != 1 || reminders != 0 {
			t.Errorf("events %d, notices %d, officials' reminders %d", evs, notices, reminders)
		}
	})
}

// The daily digest goes to each leader once per day.
func TestDigest(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		fixedClock(e.Store, vn(2026, 12, 7, 9, 0))
		a, b := e.Submit(models.SubmitInput{}), e.Submit(models.SubmitInput{})
		r := newRunner(t, e.Store, "", "")
		at := vn(2026, 12, 16, 7, 0)
		runJob(t, r, jobs.JobDigest, at)
		runJob(t, r, jobs.JobDigest, at.Add(time.Hour))
		var rows []models.OutboxMessage
		e.Store.DB.Where("template = ?", "official_digest").Find(&rows)
		if len(rows) != 1 || rows[0].Recipient != "leader.stnmt@demo.pakn.vn" {
			t.Fatalf("digests: %+v", rows)
		}
		var d map[string]any
		_ = json.Unmarshal([]byte(rows[0].Data), &d)
		if d["open"] != float64(2) || d["overdue"] != float64(2) || d["due_soon"] != float64(0) {
			t.Errorf("digest data %v", d)
		}
		// Both are due at the same second: in either order.
		codes, _ := d["overdue_codes"].([]any)
		if len(codes) != 2 || !slices.Contains(codes, any(a.Petition.Code)) || !slices.Contains(codes, any(b.Petition.Code)) {
			t.Errorf("overdue codes %v, want %s and %s", d["overdue_codes"], a.Petition.Code, b.Petition.Code)
		}
	})
}

func TestPortalWiredAndUnknown(t *testing.T) {
	t.Parallel()
	e := testenv.New(t, testdb.SQLite(t), testenv.Options{NoSeed: true})
	r := newRunner(t, e.Store, "", "")
	// Without PAKN_PORTAL_URL the portal job runs and marks due rows undeliverable.
	if ran, err := r.RunOnce(context.Background(), jobs.JobPortal, time.Now()); err != nil || !ran {
		t.Errorf("portal: ran=%v err=%v", ran, err)
	}
	if _, err := r.RunOnce(context.Background(), "nope", time.Now()); !errors.Is(err, jobs.ErrUnknownJob) {
		t.Errorf("unknown: %v", err)
	}
	called := false
	r.Register(jobs.JobPortal, gocronEvery(time.Minute), func(context.Context, time.Time) error { called = true; return nil })
	if _, err := r.RunOnce(context.Background(), jobs.JobPortal, time.Now()); err != nil || !called {
		t.Errorf("wired portal: %v %v", err, called)
	}
	if got := strings.Join(r.Names(), ","); got != "deadlines,notify,portal,digest,retention" {
		t.Errorf("names %s", got)
	}
}

func TestParseRetention(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]jobs.Retention{"5y": {Years: 5}, "1825": {Days: 1825}, "30d": {Days: 30}, "2y30d": {Years: 2, Days: 30}} {
		got, err := jobs.ParseRetention(in)
		if err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "0", "5", "y", "5w", "-3"} {
		if bad == "5" {
			continue
		}
		if _, err := jobs.ParseRetention(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
