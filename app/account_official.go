package app

import (
	"bytes"
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
)

// Officials' own sign-in: /admin/account (password, two factors), the
// second step of sign-in, reset links, and the administrator's actions on
// another official's sign-in.

const challengeCookie = "pakn_signin"

// totpIssuer names PAKN in authenticator apps.
const totpIssuer = "PAKN"

// accountGate keeps an official who owes a password change or two-factor
// set-up on /admin/account until it is done.
func (s *Server) accountGate(c *fiber.Ctx) error {
	u := currentUser(c)
	if u == nil || u.Demo {
		return c.Next()
	}
	p := c.Path()
	if p == "/admin/logout" || p == "/admin/account" || strings.HasPrefix(p, "/admin/account/") {
		return c.Next()
	}
	o, err := s.Store.ObligationsOf(c.UserContext(), u)
	if err != nil {
		return err
	}
	if !o.Any() {
		return c.Next()
	}
	if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
		return c.Redirect("/admin/account", fiber.StatusSeeOther)
	}
	return fiber.NewError(fiber.StatusForbidden, "finish setting up your account first")
}

// secondStep runs after a correct password: it notes a password that no
// longer meets the rules, and for an official with two factors starts the
// second step instead of a session (pending is then true).
func (s *Server) secondStep(c *fiber.Ctx, u *models.User, password, next string) (pending bool, err error) {
	ctx := c.UserContext()
	if err := s.Store.NoteSignInPassword(ctx, u, password); err != nil {
		return false, err
	}
	on, err := s.Store.HasTwoFactor(ctx, u.ID)
	if err != nil || !on {
		return false, err
	}
	tok, err := s.Store.StartSignInChallenge(ctx, u.ID, next)
	if err != nil {
		return false, err
	}
	c.Cookie(&fiber.Cookie{Name: challengeCookie, Value: tok, Path: "/admin", MaxAge: int(models.ChallengeValidity.Seconds()),
		HTTPOnly: true, SameSite: "Lax", Secure: s.Config.SecureCookies})
	return true, c.Redirect("/admin/login/code", fiber.StatusSeeOther)
}

func (s *Server) loginCodeForm(c *fiber.Ctx) error {
	if _, err := s.Store.ChallengeUser(c.UserContext(), c.Cookies(challengeCookie)); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return c.Redirect("/admin/login", fiber.StatusSeeOther)
		}
		return err
	}
	return s.render(c, fiber.StatusOK, "admin_login_code", s.t(c, "account.code.heading"), fiber.Map{})
}

func (s *Server) loginCodePost(c *fiber.Ctx) error {
	tok := strings.Clone(c.Cookies(challengeCookie))
	ctx := c.UserContext()
	pending, err := s.Store.ChallengeUser(ctx, tok)
	if errors.Is(err, models.ErrNotFound) {
		return c.Redirect("/admin/login", fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	// The account's sign-in throttle covers the second step too.
	if wait, err := s.Store.LoginWait(ctx, pending.Email, s.clientIP(c)); err != nil {
		return err
	} else if wait > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(max(wait/time.Second, 1))))
		return s.render(c, fiber.StatusTooManyRequests, "admin_login_code", s.t(c, "account.code.heading"), fiber.Map{"Throttled": true})
	}
	u, next, err := s.Store.CompleteSignInChallenge(ctx, tok, strings.Clone(c.FormValue("code")), s.totpBox)
	switch {
	case errors.Is(err, models.ErrNotFound):
		c.ClearCookie(challengeCookie)
		return c.Redirect("/admin/login", fiber.StatusSeeOther)
	case errors.Is(err, models.ErrBadCode):
		s.Log.Info("second step failed", "ip", s.clientIP(c))
		if err := s.Store.RecordLoginFailure(ctx, u.Email, s.clientIP(c)); err != nil {
			return err
		}
		return s.render(c, fiber.StatusUnauthorized, "admin_login_code", s.t(c, "account.code.heading"), fiber.Map{"Failed": true})
	case err != nil:
		return err
	}
	c.Cookie(&fiber.Cookie{Name: challengeCookie, Value: "", Path: "/admin", MaxAge: -1, HTTPOnly: true, SameSite: "Lax", Secure: s.Config.SecureCookies})
	return s.startSession(c, u, next)
}

// accountPage shows the official's sign-in settings.
func (s *Server) officialAccountPage(c *fiber.Ctx) error {
	return s.renderOfficialAccount(c, fiber.StatusOK, nil, strings.Clone(c.Query("done")))
}

func (s *Server) renderOfficialAccount(c *fiber.Ctx, status int, verr *models.ValidationError, done string) error {
	u := currentUser(c)
	ctx := c.UserContext()
	tf, err := s.Store.TwoFactorStateOf(ctx, u)
	if err != nil {
		return err
	}
	o, err := s.Store.ObligationsOf(ctx, u)
	if err != nil {
		return err
	}
	notice := ""
	if done == "2fa_off" || done == "2fa_on" {
		notice = "account.done." + done
	}
	return s.renderAdmin(c, status, "admin_account", s.t(c, "signin.heading"), fiber.Map{
		"TwoFactor": tf, "Obligations": o, "Errors": s.fieldErrors(c, verr), "Notice": notice,
		"MinLen": models.MinOwnPasswordLen,
	})
}

func (s *Server) accountPassword(c *fiber.Ctx) error {
	f := formOf(c, "current", "new", "confirm")
	err := s.Store.ChangeOwnPassword(c.UserContext(), currentUser(c).ID, models.ChangeOwnPasswordInput{Current: f["current"], New: f["new"], Confirm: f["confirm"]})
	if verr, ok := models.AsValidation(err); ok {
		return s.renderOfficialAccount(c, fiber.StatusBadRequest, verr, "")
	}
	if err != nil {
		return err
	}
	c.ClearCookie(sessionCookie)
	return c.Redirect("/admin/login?done=password", fiber.StatusSeeOther)
}

func (s *Server) accountTOTPSetup(c *fiber.Ctx) error {
	err := s.Store.BeginTwoFactor(c.UserContext(), currentUser(c), totpIssuer, s.totpBox)
	if errors.Is(err, models.ErrConflict) {
		return c.Redirect("/admin/account", fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/account/2fa", fiber.StatusSeeOther)
}

// accountTOTPPage shows the QR code of the key being set up, as a PNG in a
// data: URI (the CSP allows img-src data:), and the key as text for
// authenticators without a camera.
func (s *Server) accountTOTPPage(c *fiber.Ctx) error {
	return s.renderTOTPSetup(c, fiber.StatusOK, false)
}

func (s *Server) renderTOTPSetup(c *fiber.Ctx, status int, failed bool) error {
	key, err := s.Store.PendingTwoFactorKey(c.UserContext(), currentUser(c), s.totpBox)
	if errors.Is(err, models.ErrNotFound) {
		return c.Redirect("/admin/account", fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	secret := key.Secret()
	var groups []string
	for i := 0; i < len(secret); i += 4 {
		groups = append(groups, secret[i:min(i+4, len(secret))])
	}
	return s.renderAdmin(c, status, "admin_account_2fa", s.t(c, "account.2fa.setup.heading"), fiber.Map{
		"QR":     template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())),
		"Secret": strings.Join(groups, " "), "Failed": failed,
	})
}

func (s *Server) accountTOTPConfirm(c *fiber.Ctx) error {
	codes, err := s.Store.ConfirmTwoFactor(c.UserContext(), currentUser(c), strings.Clone(c.FormValue("code")), s.totpBox)
	switch {
	case errors.Is(err, models.ErrBadCode):
		return s.renderTOTPSetup(c, fiber.StatusBadRequest, true)
	case errors.Is(err, models.ErrNotFound):
		return c.Redirect("/admin/account", fiber.StatusSeeOther)
	case err != nil:
		return err
	}
	// Shown once: the page is not cached and the codes are kept only hashed.
	return s.renderAdmin(c, fiber.StatusOK, "admin_account_codes", s.t(c, "account.codes.heading"), fiber.Map{"Codes": codes})
}

func (s *Server) accountTOTPDisable(c *fiber.Ctx) error {
	err := s.Store.DisableTwoFactor(c.UserContext(), currentUser(c), strings.Clone(c.FormValue("code")), s.totpBox)
	if errors.Is(err, models.ErrBadCode) {
		return s.renderOfficialAccount(c, fiber.StatusBadRequest, &models.ValidationError{Fields: []models.FieldError{{Field: "code", Key: "err.code_wrong"}}}, "")
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/account?done=2fa_off", fiber.StatusSeeOther)
}

// resetForm is the page behind a reset link: a wrong, used or expired link
// gets 404 and never says which.
func (s *Server) resetForm(c *fiber.Ctx) error {
	u, err := s.Store.PasswordResetUser(c.UserContext(), strings.Clone(c.Params("token")))
	if errors.Is(err, models.ErrResetLinkInvalid) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	return s.renderReset(c, fiber.StatusOK, u, nil)
}

func (s *Server) renderReset(c *fiber.Ctx, status int, u *models.User, verr *models.ValidationError) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, status, "admin_reset", s.t(c, "account.reset.heading"), fiber.Map{
		"Email": u.Email, "Errors": s.fieldErrors(c, verr), "MinLen": models.MinOwnPasswordLen,
	})
}

func (s *Server) resetPost(c *fiber.Ctx) error {
	tok := strings.Clone(c.Params("token"))
	f := formOf(c, "new", "confirm")
	err := s.Store.ResetPassword(c.UserContext(), models.ResetPasswordInput{Token: tok, New: f["new"], Confirm: f["confirm"]})
	if errors.Is(err, models.ErrResetLinkInvalid) {
		return fiber.ErrNotFound
	}
	if verr, ok := models.AsValidation(err); ok {
		u, err := s.Store.PasswordResetUser(c.UserContext(), tok)
		if err != nil {
			return fiber.ErrNotFound
		}
		return s.renderReset(c, fiber.StatusBadRequest, u, verr)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/login?done=password", fiber.StatusSeeOther)
}

// --- the administrator's actions on officials' sign-in

func (s *Server) cfgUserReset(c *fiber.Ctx) error {
	r, err := s.Store.IssuePasswordReset(c.UserContext(), models.ViewerOf(currentUser(c)), id64(c.Params("id")), s.Config.BaseURL, s.Config.MailConfigured, s.resetBox)
	if err != nil {
		return err
	}
	// Without mail the link is shown once, on this answer only.
	return s.renderAdmin(c, fiber.StatusOK, "admin_user_reset", s.t(c, "account.reset.issued"), fiber.Map{"Reset": r})
}

func (s *Server) cfgUserRole(c *fiber.Ctx) error {
	f := formOf(c, "role", "unit")
	err := s.Store.SetUserRole(c.UserContext(), models.ViewerOf(currentUser(c)), id64(c.Params("id")), f["role"], f["unit"])
	return s.cfgDone(c, "/admin/users", err, func(v *models.ValidationError) error { return s.usersPage(c, fiber.StatusBadRequest, nil, v) })
}

func (s *Server) cfgUserTwoFactorOff(c *fiber.Ctx) error {
	err := s.Store.AdminDisableTwoFactor(c.UserContext(), models.ViewerOf(currentUser(c)), id64(c.Params("id")))
	return s.cfgDone(c, "/admin/users", err, nil)
}

func (s *Server) cfgTwoFactorRoles(c *fiber.Ctx) error {
	var roles []string
	for _, r := range models.Roles {
		if c.FormValue("role_"+r) != "" {
			roles = append(roles, r)
		}
	}
	err := s.Store.SetTwoFactorRoles(c.UserContext(), models.ViewerOf(currentUser(c)), roles)
	return s.cfgDone(c, "/admin/users", err, nil)
}

// addSignInAdmin adds what the users page shows of officials' sign-in: who
// has two factors on and which roles must.
func (s *Server) addSignInAdmin(c *fiber.Ctx, data fiber.Map) error {
	on, err := s.Store.TwoFactorUsers(c.UserContext())
	if err != nil {
		return err
	}
	roles, err := s.Store.TwoFactorRoles(c.UserContext())
	if err != nil {
		return err
	}
	required := map[string]bool{}
	for _, r := range roles {
		required[r] = true
	}
	data["TwoFactorOn"], data["TwoFactorRoles"] = on, required
	return nil
}
