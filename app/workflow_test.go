package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

type wfFixture struct {
	t       *testing.T
	e       *testenv.Env
	ctx     context.Context
	clerk   models.Viewer
	officer models.Viewer
	leader  models.Viewer
}

func viewer(t *testing.T, st *models.Store, email string) models.Viewer {
	t.Helper()
	var u models.User
	if err := st.DB.Where("email = ?", email).First(&u).Error; err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return models.ViewerOf(&u)
}

func newFixture(t *testing.T, e *testenv.Env) *wfFixture {
	return &wfFixture{t: t, e: e, ctx: context.Background(),
		clerk:   viewer(t, e.Store, "clerk@demo.pakn.vn"),
		officer: viewer(t, e.Store, "officer.ben-luc@demo.pakn.vn"),
		leader:  viewer(t, e.Store, "leader.ben-luc@demo.pakn.vn"),
	}
}

// wfEnv is one seeded server per database, shared by the workflow's
// handler tests (demo seeding and sign-in hash passwords, which is slow
// under -race), with one signed-in client per official.
type wfEnv struct {
	e       *testenv.Env
	f       *wfFixture
	clients map[string]*testenv.Client
}

func (w *wfEnv) login(email string) *testenv.Client {
	if c, ok := w.clients[email]; ok {
		return c
	}
	c := w.e.Login(email)
	w.clients[email] = c
	return c
}

func TestWorkflowHandlers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		w := &wfEnv{e: e, f: newFixture(t, e), clients: map[string]*testenv.Client{}}
		// In this order: the inbox checks run on a short inbox, and the
		// throttled account is used by no later test.
		for _, c := range []struct {
			name string
			fn   func(*testing.T, *wfEnv)
		}{
			{"PetitionPageAndInbox", testPetitionPageAndInbox},
			{"ClerkSubmitsOnBehalf", testClerkSubmitsOnBehalf},
			{"CitizenSide", testCitizenSide},
			{"AdminConfigurationPages", testAdminConfigurationPages},
			{"PetitionActionsByRole", testPetitionActionsByRole},
			{"SignInThrottled", testSignInThrottled},
		} {
			t.Run(c.name, func(t *testing.T) {
				w.f.t = t
				c.fn(t, w)
			})
		}
	})
}

// petition returns a BEN-LUC petition, entered at the clerk's desk (so the
// clerk can read it), brought to the given state.
func (f *wfFixture) petition(state string) string {
	t, st := f.t, f.e.Store
	t.Helper()
	sub := f.e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai", PublishConsent: true,
		EnteredByID: &f.clerk.ID, Channel: models.ChannelInPerson})
	code := sub.Petition.Code
	must := func(_ *models.Petition, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("bring %s to %s: %v", code, state, err)
		}
	}
	steps := map[string]int{models.StatusReceived: 0, models.StatusAccepted: 1, models.StatusDrafted: 2,
		models.StatusAnswered: 3, models.StatusPublished: 4, models.StatusRejected: -1}
	n := steps[state]
	if n < 0 {
		must(st.RejectPetition(f.ctx, f.officer, code, models.RejectInput{Reason: "Không thuộc phạm vi"}))
		return code
	}
	if n >= 1 {
		must(st.AcceptPetition(f.ctx, f.officer, code))
	}
	if n >= 2 {
		must(st.DraftAnswer(f.ctx, f.officer, code, models.DraftInput{Answer: "Trả lời: sẽ sửa đường trong quý II."}))
	}
	if n >= 3 {
		must(st.ApproveAnswer(f.ctx, f.leader, code))
	}
	if n >= 4 {
		must(st.PublishAnswer(f.ctx, f.leader, code))
	}
	return code
}

// Every action of the form contract (docs/ARCHITECTURE.md), for the roles allowed (303)
// and refused (403), officials of another unit (404) and a state that does
// not allow it (409).
func testPetitionActionsByRole(t *testing.T, w *wfEnv) {
	{
		e := w.e
		f := w.f
		clients := map[string]*testenv.Client{}
		for _, email := range []string{"officer.ben-luc", "leader.ben-luc", "coordinator", "clerk", "admin", "officer.stnmt", "leader.stnmt"} {
			clients[email] = w.login(email + "@demo.pakn.vn")
		}
		original := f.petition(models.StatusAccepted)
		type row struct {
			action  string
			state   string
			form    url.Values
			allowed []string
		}
		rows := []row{
			{"accept", models.StatusReceived, nil, []string{"officer.ben-luc", "leader.ben-luc", "coordinator", "admin"}},
			{"reject", models.StatusReceived, url.Values{"reason": {"Không thuộc phạm vi"}}, []string{"officer.ben-luc", "leader.ben-luc", "coordinator", "admin"}},
			{"duplicate", models.StatusReceived, url.Values{"of": {original}}, []string{"officer.ben-luc", "leader.ben-luc", "coordinator", "admin"}},
			{"transfer", models.StatusAccepted, url.Values{"unit": {"STNMT"}, "reason": {"Thuộc thẩm quyền Sở"}}, []string{"officer.ben-luc", "leader.ben-luc", "coordinator", "admin"}},
			{"assign", models.StatusAccepted, url.Values{"user": {strconv.FormatInt(f.officer.ID, 10)}}, []string{"leader.ben-luc", "coordinator", "admin"}},
			{"request-info", models.StatusAccepted, url.Values{"message": {"Đề nghị gửi ảnh hiện trường"}}, []string{"officer.ben-luc", "leader.ben-luc"}},
			{"draft", models.StatusAccepted, url.Values{"answer": {"Trả lời: sẽ sửa."}, "public_question": {"Đường hư"}, "public_answer": {"Sẽ sửa."}}, []string{"officer.ben-luc", "leader.ben-luc"}},
			{"extend", models.StatusAccepted, url.Values{"days": {"5"}, "reason": {"Cần khảo sát"}}, []string{"leader.ben-luc"}},
			{"approve", models.StatusDrafted, nil, []string{"leader.ben-luc"}},
			{"return", models.StatusDrafted, url.Values{"reason": {"Chưa đủ ý"}}, []string{"leader.ben-luc", "coordinator"}},
			{"publish", models.StatusAnswered, nil, []string{"leader.ben-luc"}},
			{"unpublish", models.StatusPublished, nil, []string{"leader.ben-luc", "coordinator"}},
		}
		for _, r := range rows {
			for who, c := range clients {
				code := f.petition(r.state)
				want := http.StatusForbidden
				switch {
				case strings.HasSuffix(who, ".stnmt"):
					want = http.StatusNotFound
				case contains(strings.Join(r.allowed, ","), who):
					want = http.StatusSeeOther
				}
				form := url.Values{}
				for k, v := range r.form {
					form[k] = v
				}
				resp, body := c.PostForm("/admin/petitions/"+code+"/"+r.action, form)
				if resp.StatusCode != want {
					t.Errorf("%s by %s: %d, want %d\n%.300s", r.action, who, resp.StatusCode, want, body)
				}
				if want == http.StatusSeeOther && resp.Header.Get("Location") != "/admin/petitions/"+code+"?done="+r.action {
					t.Errorf("%s by %s: redirect to %q", r.action, who, resp.Header.Get("Location"))
				}
			}
			// A state that does not allow it: 409 for a role that may.
			code := f.petition(models.StatusRejected)
			c := clients[r.allowed[0]]
			if resp, body := c.PostForm("/admin/petitions/"+code+"/"+r.action, r.form); resp.StatusCode != http.StatusConflict || !contains(body, `role="alert" id="refusal"`) {
				t.Errorf("%s on a rejected petition: %d, want 409 with the reason", r.action, resp.StatusCode)
			}
		}
		// Unknown code: 404, like another unit's petition.
		if resp, _ := clients["leader.ben-luc"].PostForm("/admin/petitions/PAKN-000101-9999/accept", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown code: %d", resp.StatusCode)
		}
		// Publishing without the petitioner's consent: 409.
		sub := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai"})
		for _, step := range []func() (*models.Petition, error){
			func() (*models.Petition, error) { return e.Store.AcceptPetition(f.ctx, f.officer, sub.Petition.Code) },
			func() (*models.Petition, error) {
				return e.Store.DraftAnswer(f.ctx, f.officer, sub.Petition.Code, models.DraftInput{Answer: "Trả lời."})
			},
			func() (*models.Petition, error) { return e.Store.ApproveAnswer(f.ctx, f.leader, sub.Petition.Code) },
		} {
			if _, err := step(); err != nil {
				t.Fatal(err)
			}
		}
		if resp, _ := clients["leader.ben-luc"].PostForm("/admin/petitions/"+sub.Petition.Code+"/publish", nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("publish without consent: %d, want 409", resp.StatusCode)
		}
		// Bad input: 400 with the page and the error.
		code := f.petition(models.StatusReceived)
		if resp, body := clients["officer.ben-luc"].PostForm("/admin/petitions/"+code+"/reject", url.Values{"reason": {""}}); resp.StatusCode != http.StatusBadRequest || !contains(body, "errors") {
			t.Errorf("reject without a reason: %d", resp.StatusCode)
		}
		// The formal-complaint choice needs no typed reason and tells the
		// citizen where to go.
		if resp, _ := clients["officer.ben-luc"].PostForm("/admin/petitions/"+code+"/reject", url.Values{"reason_code": {"formal_complaint"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("reject as formal complaint: %d", resp.StatusCode)
		}
		// Without the CSRF token: 403.
		code = f.petition(models.StatusReceived)
		if resp, _ := clients["officer.ben-luc"].PostForm("/admin/petitions/"+code+"/accept", url.Values{"_csrf": {"forged"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("accept with a forged token: %d", resp.StatusCode)
		}
	}
}

// An action done ends on the petition's page with a confirmation; an action
// refused answers 403 or 409 with the petition's page saying why.
func TestActionOutcomes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		f := newFixture(t, e)
		f.t = t
		officer, leader, clerk := e.Login("officer.ben-luc@demo.pakn.vn"), e.Login("leader.ben-luc@demo.pakn.vn"), e.Login("clerk@demo.pakn.vn")
		code := f.petition(models.StatusReceived)
		resp, _ := officer.PostForm("/admin/petitions/"+code+"/accept", nil)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || loc != "/admin/petitions/"+code+"?done=accept" {
			t.Fatalf("accept: %d %q", resp.StatusCode, loc)
		}
		if _, page := officer.Get(loc); !contains(page, `role="status" id="done"><p>Đã thụ lý hồ sơ.</p>`) {
			t.Error("no confirmation after accepting")
		}
		refused := func(c *testenv.Client, action string, form url.Values, status int, reason string) {
			t.Helper()
			resp, body := c.PostForm("/admin/petitions/"+code+"/"+action, form)
			if resp.StatusCode != status || !contains(body, `role="alert" id="refusal"`) || !contains(body, reason) || !contains(body, `<span class="code">`+code) {
				t.Errorf("%s: %d, want %d with %q on the petition's page", action, resp.StatusCode, status, reason)
			}
		}
		refused(clerk, "accept", nil, http.StatusForbidden, "Vai trò của bạn không được thực hiện «Thụ lý»")
		extend := url.Values{"days": {"5"}, "reason": {"Cần khảo sát thực địa"}}
		if resp, _ := leader.PostForm("/admin/petitions/"+code+"/extend", extend); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("first extension: %d", resp.StatusCode)
		}
		refused(leader, "extend", extend, http.StatusConflict, "đã được gia hạn một lần")

		noConsent := f.e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai", EnteredByID: &f.clerk.ID, Channel: models.ChannelInPerson})
		code = noConsent.Petition.Code
		for _, step := range []struct {
			c      *testenv.Client
			action string
			form   url.Values
		}{{officer, "accept", nil}, {officer, "draft", url.Values{"answer": {"Đường sẽ được sửa trong quý II."}}}, {leader, "approve", nil}} {
			if resp, body := step.c.PostForm("/admin/petitions/"+code+"/"+step.action, step.form); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s: %d %.300s", step.action, resp.StatusCode, body)
			}
		}
		refused(leader, "publish", nil, http.StatusConflict, "người gửi không đồng ý công khai")

		// Transferred away: the page is no longer the officer's; the inbox says so.
		code = f.petition(models.StatusAccepted)
		resp, _ = officer.PostForm("/admin/petitions/"+code+"/transfer", url.Values{"unit": {"STNMT"}, "reason": {"Thuộc thẩm quyền của Sở"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("transfer: %d", resp.StatusCode)
		}
		resp = officer.Send(httptest.NewRequest(http.MethodGet, resp.Header.Get("Location"), nil))
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/admin?transferred="+code {
			t.Fatalf("the page after a transfer away: %d %q", resp.StatusCode, loc)
		}
		if _, inbox := officer.Get("/admin?transferred=" + code); !contains(inbox, "Đã chuyển hồ sơ "+code) {
			t.Error("the inbox does not say the petition was transferred")
		}
	})
}
