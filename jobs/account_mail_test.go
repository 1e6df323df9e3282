package jobs_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/jobs"
	"pakn/jobs/delivery"
	"pakn/models"
)

// A reset link travels sealed in the outbox and opens only in the mail
// (real SMTP server); the link in the mail resets the password once.
func TestPasswordResetMail(t *testing.T) {
	t.Parallel()
	e := testenv.New(t, testdb.SQLite(t))
	ctx := context.Background()
	secret := []byte("test-secret-0123456789abcdef")
	box, err := models.NewSecretBox(secret, models.BoxResetLink)
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.Store.CreateUser(ctx, models.NewUserInput{Email: "huong.le@longan.gov.vn", Name: "Lê Thị Thanh Hương", Role: models.RoleOfficer,
		UnitCode: "STNMT", Password: "bốn mùa hoa nở trên đồi"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	var admin models.User
	if err := e.Store.DB.Where("email = ?", "admin@demo.pakn.vn").First(&admin).Error; err != nil {
		t.Fatal(err)
	}
	now := vn(2026, 12, 7, 9, 0)
	fixedClock(e.Store, now)
	issued, err := e.Store.IssuePasswordReset(ctx, models.ViewerOf(&admin), u.ID, "https://pakn.longan.gov.vn", true, box)
	if err != nil {
		t.Fatal(err)
	}
	srv := startMailServer(t)
	r, err := jobs.New(e.Store, jobs.Config{
		BaseURL: "https://pakn.longan.gov.vn", SMTPURL: srv.url(), MailFrom: "PAKN <pakn@longan.gov.vn>", Secret: secret,
		MailerOptions: []delivery.MailerOption{delivery.WithMailTimeout(5 * time.Second)}, LockTTL: 5 * time.Second,
	}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	runJob(t, r, jobs.JobNotify, now)
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	if got := subject(t, msgs[0]); got != "[PAKN] Đặt lại mật khẩu tài khoản" {
		t.Errorf("subject %q", got)
	}
	text, html := parts(t, msgs[0])
	if !strings.Contains(text, issued.Link) || !strings.Contains(html, issued.Link) || !strings.Contains(text, "09:00 08/12/2026") {
		t.Fatalf("mail lacks the link or its expiry:\n%s", text)
	}
	tok := regexp.MustCompile(`/admin/reset/([0-9a-f]{64})`).FindStringSubmatch(text)[1]
	const fresh = "nước chảy đá mòn năm 2027"
	if err := e.Store.ResetPassword(ctx, models.ResetPasswordInput{Token: tok, New: fresh, Confirm: fresh}); err != nil {
		t.Fatalf("the mailed link: %v", err)
	}
	// Without the secret the mail cannot be made: it fails, never goes out
	// with a broken link.
	if _, err := e.Store.IssuePasswordReset(ctx, models.ViewerOf(&admin), u.ID, "https://pakn.longan.gov.vn", true, box); err != nil {
		t.Fatal(err)
	}
	blind := newRunner(t, e.Store, srv.url(), "")
	runJob(t, blind, jobs.JobNotify, now.Add(time.Minute))
	rows := outbox(t, e.Store)
	if last := rows[len(rows)-1]; last.Status != models.OutboxFailed || len(srv.messages()) != 1 {
		t.Fatalf("reset mail without the secret: %s, %d messages", last.Status, len(srv.messages()))
	}
}
