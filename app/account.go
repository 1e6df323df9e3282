package app

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/oauth2"

	"pakn/models"
)

// Citizens' cookies: the session, and the sign-in under way (its token
// finds the state, nonce and PKCE verifier in the database).
const (
	citizenCookie      = "pakn_citizen"
	citizenLoginCookie = "pakn_citizen_login"
)

// accounts is the citizens' sign-in, when configured.
type accounts struct {
	rp    *relyingParty
	label string
}

// setupAccounts builds the relying party (s.acct) and, with --demo and no
// issuer, the demo provider, returned for routes to mount at
// demoIssuerPath.
func (s *Server) setupAccounts() (demoIdP fiber.Handler, err error) {
	cfg := s.Config.OIDC
	if !cfg.Enabled() {
		return nil, nil
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = strings.Fields(DefaultOIDCScopes)
	}
	if cfg.Claims == nil {
		cfg.Claims, _ = ParseOIDCClaims("")
	}
	if cfg.Label == "" {
		cfg.Label = DefaultOIDCLabel
	}
	if cfg.Issuer == "" {
		// The demo provider, at this server's own address.
		cfg.Issuer = s.Config.BaseURL + demoIssuerPath
		if CheckIssuer(cfg.Issuer) != nil {
			s.Log.Warn("citizen sign-in off: the demo provider needs an https or loopback PAKN_BASE_URL", "base_url", s.Config.BaseURL)
			return nil, nil
		}
		m := hmac.New(sha256.New, s.Config.Secret)
		m.Write([]byte("demo-idp-client"))
		cfg.ClientID, cfg.ClientSecret = "pakn-demo", hex.EncodeToString(m.Sum(nil))
		cfg.Claims[models.FieldIDNumber] = DemoIDNumberClaim
		idp, err := NewDemoProvider(DemoProviderConfig{
			Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			RedirectURI: s.Config.BaseURL + "/account/callback", PostLogoutURI: s.Config.BaseURL + "/",
			Catalog: s.cat,
		})
		if err != nil {
			return nil, err
		}
		h := netHTTP(idp)
		demoIdP = func(c *fiber.Ctx) error {
			// The provider's pages are its own: no cookie of PAKN's,
			// no PAKN CSRF (its forms carry the auth request's id).
			c.Set(fiber.HeaderCacheControl, "no-store")
			return h(c)
		}
		s.Log.Info("demo identity provider at " + cfg.Issuer + " (demo only)")
	}
	rp, err := newRelyingParty(cfg, s.Config.BaseURL)
	if err != nil {
		return nil, err
	}
	s.acct = &accounts{rp: rp, label: cfg.Label}
	return demoIdP, nil
}

// loadCitizen puts the signed-in citizen, if any, into the request.
func (s *Server) loadCitizen(c *fiber.Ctx) error {
	tok := c.Cookies(citizenCookie)
	if tok == "" {
		return c.Next()
	}
	acc, err := s.Store.CitizenBySession(c.UserContext(), tok)
	switch {
	case errors.Is(err, models.ErrNotFound):
		s.clearCookie(c, citizenCookie)
	case err != nil:
		return err
	default:
		c.Locals("citizen", acc)
	}
	return c.Next()
}

// currentCitizen is the signed-in citizen, or nil.
func currentCitizen(c *fiber.Ctx) *models.CitizenAccount {
	a, _ := c.Locals("citizen").(*models.CitizenAccount)
	return a
}

func (s *Server) requireCitizen(c *fiber.Ctx) error {
	if currentCitizen(c) == nil {
		return fiber.NewError(fiber.StatusForbidden, "sign in first")
	}
	return c.Next()
}

func (s *Server) setCookie(c *fiber.Ctx, name, value string, maxAge int) {
	c.Cookie(&fiber.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HTTPOnly: true, SameSite: "Lax", Secure: s.Config.SecureCookies})
}

func (s *Server) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HTTPOnly: true, SameSite: "Lax", Secure: s.Config.SecureCookies})
}

// safeCitizenNext keeps the redirect after sign-in on this site's public
// pages.
func safeCitizenNext(next string) string {
	if strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.HasPrefix(next, "/admin") &&
		!strings.HasPrefix(next, demoIssuerPath) && !strings.ContainsAny(next, "\\\r\n") {
		return strings.Clone(next)
	}
	return "/account"
}

// accountError answers a sign-in that did not happen with a page that says
// why; whatever was under way is forgotten.
func (s *Server) accountError(c *fiber.Ctx, status int, key string) error {
	s.clearCookie(c, citizenLoginCookie)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, status, "account_error", s.t(c, "account.error.heading"), fiber.Map{
		"Message": s.t(c, key, "label", s.acct.label),
	})
}

func (s *Server) accountLogin(c *fiber.Ctx) error {
	ctx := c.UserContext()
	start := models.CitizenLoginStart{State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(), Next: safeCitizenNext(c.Query("next"))}
	u, err := s.acct.rp.authURL(ctx, start, langOf(c))
	if errors.Is(err, errProvider) {
		s.Log.Warn("citizen sign-in: provider unreachable", "err", err)
		return s.accountError(c, fiber.StatusServiceUnavailable, "account.error.provider")
	}
	if err != nil {
		return err
	}
	tok, err := s.Store.BeginCitizenLogin(ctx, start)
	if err != nil {
		return err
	}
	s.setCookie(c, citizenLoginCookie, tok, int(models.CitizenLoginTTL.Seconds()))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(u, fiber.StatusSeeOther)
}

func (s *Server) accountCallback(c *fiber.Ctx) error {
	ctx := c.UserContext()
	login, err := s.Store.TakeCitizenLogin(ctx, c.Cookies(citizenLoginCookie), strings.Clone(c.Query("state")))
	if errors.Is(err, models.ErrNotFound) {
		s.Log.Info("citizen sign-in: callback without a matching sign-in (forged, replayed or expired)")
		return s.accountError(c, fiber.StatusBadRequest, "account.error.failed")
	}
	if err != nil {
		return err
	}
	if c.Query("error") != "" {
		return s.accountError(c, fiber.StatusUnauthorized, "account.error.denied")
	}
	id, err := s.acct.rp.exchange(ctx, strings.Clone(c.Query("code")), login)
	switch {
	case errors.Is(err, errBadCallback):
		s.Log.Warn("citizen sign-in refused", "err", err)
		return s.accountError(c, fiber.StatusBadRequest, "account.error.failed")
	case errors.Is(err, errProvider):
		s.Log.Warn("citizen sign-in: provider failed", "err", err)
		return s.accountError(c, fiber.StatusBadGateway, "account.error.provider")
	case err != nil:
		return err
	}
	res, err := s.Store.SignInCitizen(ctx, models.CitizenSignIn{
		Issuer: id.Issuer, Subject: id.Subject, Profile: id.Profile, IDToken: id.RawIDToken, Next: login.Next,
		IP: s.clientIP(c), UserAgent: strings.Clone(c.Get(fiber.HeaderUserAgent)),
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if res.ConsentToken != "" {
		s.setCookie(c, citizenLoginCookie, res.ConsentToken, int(models.CitizenLoginTTL.Seconds()))
		return c.Redirect("/account/consent", fiber.StatusSeeOther)
	}
	return s.signedIn(c, res)
}

// signedIn sets the new session's cookie (replacing any other) and goes on.
func (s *Server) signedIn(c *fiber.Ctx, res *models.CitizenSignInResult) error {
	if old := c.Cookies(citizenCookie); old != "" {
		if _, err := s.Store.EndCitizenSession(c.UserContext(), old); err != nil {
			return err
		}
	}
	s.clearCookie(c, citizenLoginCookie)
	s.setCookie(c, citizenCookie, res.SessionToken, int(models.CitizenSessionMax.Seconds()))
	return c.Redirect(safeCitizenNext(res.Next), fiber.StatusSeeOther)
}

func (s *Server) accountConsentForm(c *fiber.Ctx) error {
	return s.renderConsent(c, fiber.StatusOK, false)
}

func (s *Server) renderConsent(c *fiber.Ctx, status int, missing bool) error {
	pending, err := s.Store.PendingCitizenConsent(c.UserContext(), c.Cookies(citizenLoginCookie))
	if errors.Is(err, models.ErrNotFound) {
		return s.accountError(c, fiber.StatusBadRequest, "account.error.expired")
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, status, "account_consent", s.t(c, "account.consent.heading"), fiber.Map{
		"Fields": profileRows(pending.Profile, nil), "Label": s.acct.label, "Missing": missing,
	})
}

func (s *Server) accountConsentPost(c *fiber.Ctx) error {
	tok := c.Cookies(citizenLoginCookie)
	if c.FormValue("decline") != "" {
		if err := s.Store.CancelCitizenLogin(c.UserContext(), tok); err != nil {
			return err
		}
		s.clearCookie(c, citizenLoginCookie)
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	if c.FormValue("consent") != "on" {
		return s.renderConsent(c, fiber.StatusBadRequest, true)
	}
	res, err := s.Store.ConsentCitizen(c.UserContext(), tok, s.clientIP(c), strings.Clone(c.Get(fiber.HeaderUserAgent)))
	if errors.Is(err, models.ErrNotFound) {
		return s.accountError(c, fiber.StatusBadRequest, "account.error.expired")
	}
	if err != nil {
		return err
	}
	return s.signedIn(c, res)
}

// profileRow is one field of the profile as pages show it.
type profileRow struct {
	Field, Input, Type, Autocomplete, Value, Error string
	Vouched                                        bool
}

// profileRows lists the profile's fields with the /submit form's names.
// The ID number is shown masked and is never a form field.
func profileRows(p models.CitizenProfile, errs map[string]string) []profileRow {
	inputs := map[string][3]string{
		models.FieldName: {"name", "text", "name"}, models.FieldPhone: {"phone", "tel", "tel"},
		models.FieldEmail: {"email", "email", "email"}, models.FieldAddress: {"petitioner_address", "text", "street-address"},
		models.FieldIDNumber: {"", "", ""}, models.FieldOrganization: {"organization", "text", "organization"},
	}
	var rows []profileRow
	for _, f := range models.ProfileFields {
		in := inputs[f]
		v := p.Get(f)
		if f == models.FieldIDNumber {
			v = models.MaskIDNumber(v)
		}
		rows = append(rows, profileRow{Field: f, Input: in[0], Type: in[1], Autocomplete: in[2], Value: v, Error: errs[in[0]],
			Vouched: strings.Contains(","+strings.Join(p.Vouched, ",")+",", ","+f+",")})
	}
	return rows
}

func (s *Server) accountPage(c *fiber.Ctx) error {
	if currentCitizen(c) == nil {
		return c.Redirect("/account/login?next=/account", fiber.StatusSeeOther)
	}
	flash := ""
	switch c.Query("done") {
	case "profile":
		flash = s.t(c, "account.saved")
	case "claim":
		flash = s.t(c, "account.claimed", "code", models.NormalizeCode(c.Query("code")))
	}
	return s.renderAccount(c, fiber.StatusOK, flash, "", nil, nil)
}

// renderAccount shows the profile and the account's petitions.
func (s *Server) renderAccount(c *fiber.Ctx, status int, flash, claimErr string, form *models.CitizenProfile, verr *models.ValidationError) error {
	acc := currentCitizen(c)
	ps, err := s.Store.AccountPetitions(c.UserContext(), acc.ID)
	if err != nil {
		return err
	}
	p := acc.Profile()
	if form != nil {
		for _, f := range models.ProfileFields {
			if !acc.Vouches(f) && f != models.FieldIDNumber {
				p.Set(f, form.Get(f))
			}
		}
	}
	// The sign-out form's redirect goes on to the provider: browsers check
	// it against this page's form-action.
	if origin := s.acct.rp.providerOrigin(); origin != "" {
		s.allowFormAction(c, origin)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, status, "account", s.t(c, "account.heading"), fiber.Map{
		"Account": acc, "Fields": profileRows(p, s.fieldErrors(c, verr)), "Petitions": ps, "Label": s.acct.label,
		"Flash": flash, "ClaimError": claimErr, "Code": strings.Clone(c.FormValue("code")),
	})
}

func (s *Server) accountProfile(c *fiber.Ctx) error {
	fv := func(k string) string { return strings.Clone(c.FormValue(k)) }
	in := models.CitizenProfile{Name: fv("name"), Phone: fv("phone"), Email: fv("email"), Address: fv("petitioner_address"), Organization: fv("organization")}
	_, err := s.Store.UpdateCitizenProfile(c.UserContext(), currentCitizen(c).ID, in)
	if verr, ok := models.AsValidation(err); ok {
		return s.renderAccount(c, fiber.StatusBadRequest, "", "", &in, verr)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/account?done=profile", fiber.StatusSeeOther)
}

func (s *Server) accountClaim(c *fiber.Ctx) error {
	code, secret := codeSecret(c)
	p, err := s.Store.ClaimPetition(c.UserContext(), currentCitizen(c).ID, code, secret)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return s.renderAccount(c, fiber.StatusNotFound, "", s.t(c, "account.claim.not_found"), nil, nil)
	case errors.Is(err, models.ErrConflict):
		return s.renderAccount(c, fiber.StatusConflict, "", s.t(c, "account.claim.taken"), nil, nil)
	case err != nil:
		return err
	}
	return c.Redirect("/account?done=claim&code="+p.Code, fiber.StatusSeeOther)
}

// accountLogout ends the citizen's session here and, when the provider
// offers it, there too.
func (s *Server) accountLogout(c *fiber.Ctx) error {
	idToken, err := s.Store.EndCitizenSession(c.UserContext(), c.Cookies(citizenCookie))
	if err != nil {
		return err
	}
	s.clearCookie(c, citizenCookie)
	if u, origin := s.acct.rp.logoutURL(c.UserContext(), idToken, s.Config.BaseURL+"/"); u != "" {
		s.allowFormAction(c, origin)
		return c.Redirect(u, fiber.StatusSeeOther)
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

// allowFormAction adds the provider's origin to this response's
// form-action.
func (s *Server) allowFormAction(c *fiber.Ctx, origin string) {
	c.Set("Content-Security-Policy", strings.Replace(s.csp, "form-action 'self'", "form-action 'self' "+origin, 1))
}

// submitAccount adds the citizen's sign-in to the /submit form's data.
func (s *Server) submitAccount(c *fiber.Ctx, data fiber.Map) {
	if s.acct == nil {
		return
	}
	data["SignInLabel"] = s.acct.label
	if acc := currentCitizen(c); acc != nil {
		data["Citizen"] = acc
	}
}

// prefillPetitioner fills an empty /submit form from the citizen's profile.
func prefillPetitioner(c *fiber.Ctx, p *models.PetitionerInput) {
	if acc := currentCitizen(c); acc != nil {
		*p = models.PetitionerInput{Name: acc.Name, Phone: acc.Phone, Email: acc.Email, Address: acc.Address, Organization: acc.Organization}
	}
}

// citizenAccountID links a petition to the signed-in citizen, if any.
func citizenAccountID(c *fiber.Ctx) *int64 {
	if acc := currentCitizen(c); acc != nil {
		id := acc.ID
		return &id
	}
	return nil
}

// netHTTP serves an http.Handler from Fiber. Unlike Fiber's adaptor it
// copies the request: the provider keeps strings of it (an auth request's
// client id) long after Fiber has reused its buffers.
func netHTTP(h http.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		r, err := http.NewRequestWithContext(c.UserContext(), c.Method(), string(c.Request().URI().FullURI()), bytes.NewReader(bytes.Clone(c.Body())))
		if err != nil {
			return fiber.ErrBadRequest
		}
		c.Request().Header.VisitAll(func(k, v []byte) { r.Header.Add(string(k), string(v)) })
		r.Host = string(c.Request().Host())
		r.RemoteAddr = c.Context().RemoteAddr().String()
		w := &fiberResponse{c: c, h: http.Header{}}
		h.ServeHTTP(w, r)
		w.WriteHeader(http.StatusOK)
		return nil
	}
}

// fiberResponse is an http.ResponseWriter over Fiber's response.
type fiberResponse struct {
	c     *fiber.Ctx
	h     http.Header
	wrote bool
}

func (w *fiberResponse) Header() http.Header { return w.h }

func (w *fiberResponse) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	for k, vs := range w.h {
		w.c.Response().Header.Del(k)
		for _, v := range vs {
			w.c.Response().Header.Add(k, v)
		}
	}
	w.c.Status(code)
}

func (w *fiberResponse) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.c.Write(b)
}
