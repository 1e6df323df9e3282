package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"pakn/app"
	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

const officialPassword = "bốn mùa hoa nở trên đồi"

// newOfficial creates a non-demo officer of STNMT and signs them in.
func newOfficial(t *testing.T, e *testenv.Env) (*models.User, *testenv.Client) {
	t.Helper()
	u, err := e.Store.CreateUser(context.Background(), models.NewUserInput{Email: "huong.le@longan.gov.vn", Name: "Lê Thị Thanh Hương",
		Role: models.RoleOfficer, UnitCode: "STNMT", Password: officialPassword}, "test")
	if err != nil {
		t.Fatal(err)
	}
	return u, signIn(t, e, u.Email, officialPassword, "/admin")
}

// signIn posts the sign-in form and expects a redirect to want.
func signIn(t *testing.T, e *testenv.Env, email, password, want string) *testenv.Client {
	t.Helper()
	c := e.NewClient()
	c.Get("/admin/login")
	resp, body := c.PostForm("/admin/login", url.Values{"email": {email}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("sign in %s: %d to %q, want %q: %.300s", email, resp.StatusCode, resp.Header.Get("Location"), want, body)
	}
	return c
}

func TestOwnPasswordChange(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		u, c := newOfficial(t, e)
		other := signIn(t, e, u.Email, officialPassword, "/admin")
		code, body := c.Get("/admin/account")
		if code != http.StatusOK || !contains(body, "Đổi mật khẩu") || !contains(body, `action="/admin/account/password"`) {
			t.Fatalf("account page: %d %.300s", code, body)
		}
		if code, body := c.Get("/admin/account?lang=en"); code != http.StatusOK || !contains(body, "Change password") || !contains(body, `lang="en"`) {
			t.Fatalf("English account page: %d", code)
		}
		c.Get("/admin/account?lang=vi")
		for _, tc := range []struct {
			current, new, confirm, want string
		}{
			{"sai mật khẩu", "một câu dài dễ nhớ 2027", "một câu dài dễ nhớ 2027", "Mật khẩu hiện tại không đúng."},
			{officialPassword, "ngắn", "ngắn", "Tối thiểu 12 ký tự."},
			{officialPassword, "password123456", "password123456", "Mật khẩu này quá phổ biến"},
			{officialPassword, "huong.le@longan.gov.vn!", "huong.le@longan.gov.vn!", "không được chứa thư điện tử hay họ tên"},
			{officialPassword, "một câu dài dễ nhớ 2027", "khác hẳn", "không khớp"},
		} {
			resp, body := c.PostForm("/admin/account/password", url.Values{"current": {tc.current}, "new": {tc.new}, "confirm": {tc.confirm}})
			if resp.StatusCode != http.StatusBadRequest || !contains(body, tc.want) || !contains(body, `role="alert"`) {
				t.Fatalf("%+v: %d, want 400 with %q", tc, resp.StatusCode, tc.want)
			}
		}
		if resp, _ := c.PostForm("/admin/account/password", url.Values{"_csrf": {""}, "current": {officialPassword}}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("without CSRF: %d", resp.StatusCode)
		}
		const fresh = "một câu dài dễ nhớ 2027"
		resp, _ := c.PostForm("/admin/account/password", url.Values{"current": {officialPassword}, "new": {fresh}, "confirm": {fresh}})
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/admin/login") {
			t.Fatalf("change: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		// Every session ended, this one and the other device's.
		for _, cl := range []*testenv.Client{c, other} {
			if code, _ := cl.Get("/admin"); code != http.StatusSeeOther {
				t.Fatalf("still signed in after the change: %d", code)
			}
		}
		if _, body := c.Get("/admin/login?done=password"); !contains(body, "Đã đặt mật khẩu mới") {
			t.Fatal("no confirmation on the sign-in page")
		}
		signIn(t, e, u.Email, fresh, "/admin")
	})
}

var resetLinkRe = regexp.MustCompile(`id="reset-link">http://pakn\.test(/admin/reset/[0-9a-f]{64})<`)

func TestAdminResetLink(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		u, victim := newOfficial(t, e)
		admin := e.Login("admin@demo.pakn.vn")
		admin.Get("/admin/users")
		// Not an administrator: 404.
		leader := e.Login("leader.stnmt@demo.pakn.vn")
		if resp, _ := leader.PostForm("/admin/users/"+strconvFormat(u.ID)+"/reset", nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("leader resets: %d", resp.StatusCode)
		}
		// No SMTP: the link is shown once to the administrator.
		resp, body := admin.PostForm("/admin/users/"+strconvFormat(u.ID)+"/reset", nil)
		m := resetLinkRe.FindStringSubmatch(body)
		if resp.StatusCode != http.StatusOK || m == nil || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("reset: %d %.500s", resp.StatusCode, body)
		}
		link := m[1]
		anon := e.NewClient()
		if code, body := anon.Get(link); code != http.StatusOK || !contains(body, u.Email) {
			t.Fatalf("reset page: %d", code)
		}
		if resp, body := anon.PostForm(link, url.Values{"new": {"password1234"}, "confirm": {"password1234"}}); resp.StatusCode != http.StatusBadRequest || !contains(body, "phổ biến") {
			t.Fatalf("weak through a link: %d", resp.StatusCode)
		}
		const fresh = "nước chảy đá mòn năm 2027"
		if resp, _ := anon.PostForm(link, url.Values{"new": {fresh}, "confirm": {fresh}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reset: %d", resp.StatusCode)
		}
		if code, _ := victim.Get("/admin"); code != http.StatusSeeOther {
			t.Fatal("the official's session survived the reset")
		}
		if code, _ := anon.Get(link); code != http.StatusNotFound {
			t.Fatalf("used link: %d", code)
		}
		if resp, _ := anon.PostForm(link, url.Values{"new": {fresh + "!"}, "confirm": {fresh + "!"}}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("link used twice: %d", resp.StatusCode)
		}
		signIn(t, e, u.Email, fresh, "/admin")
	})
}

// With mail configured the link goes by e-mail, through the outbox, and
// the administrator never sees it.
func TestAdminResetLinkMailed(t *testing.T) {
	e := testenv.New(t, testdb.SQLite(t), testenv.Options{Configure: func(c *app.Config) { c.MailConfigured = true }})
	u, _ := newOfficial(t, e)
	admin := e.Login("admin@demo.pakn.vn")
	admin.Get("/admin/users")
	resp, body := admin.PostForm("/admin/users/"+strconvFormat(u.ID)+"/reset", nil)
	if resp.StatusCode != http.StatusOK || resetLinkRe.MatchString(body) || !contains(body, "Đã gửi liên kết") {
		t.Fatalf("mailed reset: %d %.400s", resp.StatusCode, body)
	}
	var msg models.OutboxMessage
	if err := e.Store.DB.Where("template = ? AND recipient = ?", models.ResetTemplate, u.Email).First(&msg).Error; err != nil {
		t.Fatal(err)
	}
	if contains(msg.Data, "/admin/reset/") {
		t.Fatal("the link is in the outbox in clear")
	}
}

func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(strings.ReplaceAll(secret, " ", ""), at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var (
	secretRe   = regexp.MustCompile(`id="totp-secret">([A-Z2-7 ]+)<`)
	recoveryRe = regexp.MustCompile(`<li><code class="secret">([0-9A-Z]{5}-[0-9A-Z]{5})</code></li>`)
)

func TestTwoStepSignIn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		now := time.Now().UTC()
		e.Store.Now = func() time.Time { return now }
		u, c := newOfficial(t, e)
		c.Get("/admin/account")
		resp, _ := c.PostForm("/admin/account/2fa/setup", nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/account/2fa" {
			t.Fatalf("setup: %d", resp.StatusCode)
		}
		code, body := c.Get("/admin/account/2fa")
		m := secretRe.FindStringSubmatch(body)
		if code != http.StatusOK || m == nil || !contains(body, `src="data:image/png;base64,`) {
			t.Fatalf("set-up page: %d %.400s", code, body)
		}
		secret := m[1]
		if resp, _ := c.PostForm("/admin/account/2fa/confirm", url.Values{"code": {"000000"}}); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("wrong confirmation: %d", resp.StatusCode)
		}
		resp, body = c.PostForm("/admin/account/2fa/confirm", url.Values{"code": {totpCode(t, secret, now)}})
		codes := recoveryRe.FindAllStringSubmatch(body, -1)
		if resp.StatusCode != http.StatusOK || len(codes) != 10 {
			t.Fatalf("confirm: %d, %d codes", resp.StatusCode, len(codes))
		}
		if _, body := c.Get("/admin/account"); !contains(body, "Còn 10 mã dự phòng") {
			t.Fatal("account page does not say two steps are on")
		}
		// Sign-in now asks for a code after the password, with no session yet.
		c2 := signIn(t, e, u.Email, officialPassword, "/admin/login/code")
		if code, _ := c2.Get("/admin"); code != http.StatusSeeOther {
			t.Fatalf("signed in before the second step: %d", code)
		}
		if code, body := c2.Get("/admin/login/code"); code != http.StatusOK || !contains(body, `autocomplete="one-time-code"`) {
			t.Fatalf("code page: %d", code)
		}
		if resp, _ := c2.PostForm("/admin/login/code", url.Values{"code": {totpCode(t, secret, now)}}); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the confirmation's code replayed: %d", resp.StatusCode)
		}
		now = now.Add(30 * time.Second)
		resp, _ = c2.PostForm("/admin/login/code", url.Values{"code": {totpCode(t, secret, now)}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin" {
			t.Fatalf("second step: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if code, _ := c2.Get("/admin"); code != http.StatusOK {
			t.Fatalf("inbox after two steps: %d", code)
		}
		// The same code again, on another sign-in within its window: refused.
		c3 := signIn(t, e, u.Email, officialPassword, "/admin/login/code")
		if resp, _ := c3.PostForm("/admin/login/code", url.Values{"code": {totpCode(t, secret, now)}}); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("replay: %d", resp.StatusCode)
		}
		if resp, _ := c3.PostForm("/admin/login/code", url.Values{"code": {codes[0][1]}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("recovery code: %d", resp.StatusCode)
		}
		// Turning off needs a current code.
		c3.Get("/admin/account")
		if resp, body := c3.PostForm("/admin/account/2fa/disable", url.Values{"code": {"123456"}}); resp.StatusCode != http.StatusBadRequest || !contains(body, "Mã không đúng") {
			t.Fatalf("off with a wrong code: %d", resp.StatusCode)
		}
		now = now.Add(30 * time.Second)
		if resp, _ := c3.PostForm("/admin/account/2fa/disable", url.Values{"code": {totpCode(t, secret, now)}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("off: %d", resp.StatusCode)
		}
		signIn(t, e, u.Email, officialPassword, "/admin")
	})
}

func TestTwoFactorRequiredAndRoleChange(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		u, c := newOfficial(t, e)
		demo := e.Login("officer.stnmt@demo.pakn.vn")
		admin := e.Login("admin@demo.pakn.vn")
		admin.Get("/admin/users")
		if resp, _ := admin.PostForm("/admin/users/two-factor", url.Values{"role_officer": {"1"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("require: %d", resp.StatusCode)
		}
		if _, body := admin.Get("/admin/users"); !contains(body, `name="role_officer" value="1" checked`) {
			t.Fatal("the requirement is not shown")
		}
		// The officer is kept on the account page until set up; the demo
		// officer never is.
		code, _ := c.Get("/admin")
		if code != http.StatusSeeOther {
			t.Fatalf("required officer reached the inbox: %d", code)
		}
		if _, body := c.Get("/admin/account"); !contains(body, "bắt buộc đăng nhập hai bước") {
			t.Fatal("no explanation on the account page")
		}
		if code, _ := demo.Get("/admin"); code != http.StatusOK {
			t.Fatalf("demo officer obliged: %d", code)
		}
		// Changing the role signs the official out at once.
		resp, _ := admin.PostForm("/admin/users/"+strconvFormat(u.ID)+"/role", url.Values{"role": {"leader"}, "unit": {"STNMT"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("role change: %d", resp.StatusCode)
		}
		if code, _ := c.Get("/admin/account"); code != http.StatusSeeOther {
			t.Fatalf("session survived the role change: %d", code)
		}
		// A user the administrator creates changes the password first.
		resp, _ = admin.PostForm("/admin/users", url.Values{"email": {"moi@longan.gov.vn"}, "name": {"Phạm Văn Mới"}, "role": {"clerk"}, "password": {"mật khẩu tạm thời 01"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d", resp.StatusCode)
		}
		fresh := signIn(t, e, "moi@longan.gov.vn", "mật khẩu tạm thời 01", "/admin")
		if code, _ := fresh.Get("/admin"); code != http.StatusSeeOther {
			t.Fatalf("new official skipped the password change: %d", code)
		}
		if _, body := fresh.Get("/admin/account"); !contains(body, "cần đặt mật khẩu mới") {
			t.Fatal("no explanation of the required change")
		}
	})
}
