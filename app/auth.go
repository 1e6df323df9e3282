package app

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
)

const sessionCookie = "pakn_session"

// loadSession puts the signed-in official, if any, into the request. It runs
// before CSRF checks so that tokens bind to the session.
func (s *Server) loadSession(c *fiber.Ctx) error {
	tok := c.Cookies(sessionCookie)
	if tok == "" {
		return c.Next()
	}
	u, sid, err := s.Store.SessionUser(c.UserContext(), tok)
	switch {
	case errors.Is(err, models.ErrNotFound):
		c.ClearCookie(sessionCookie)
	case err != nil:
		return err
	default:
		c.Locals("user", u)
		c.Locals("session_id", sid)
	}
	return c.Next()
}

// currentUser is the signed-in official, or nil.
func currentUser(c *fiber.Ctx) *models.User {
	u, _ := c.Locals("user").(*models.User)
	return u
}

// requireUser sends visitors to the sign-in page; with roles given, other
// officials get 404 (the same answer as for a page that does not exist).
func (s *Server) requireUser(roles ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u := currentUser(c)
		if u == nil {
			if c.Method() == fiber.MethodGet {
				return c.Redirect("/admin/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
			}
			return fiber.NewError(fiber.StatusForbidden, "sign in first")
		}
		if len(roles) == 0 {
			return c.Next()
		}
		for _, r := range roles {
			if u.Role == r {
				return c.Next()
			}
		}
		return fiber.ErrNotFound
	}
}

func (s *Server) loginForm(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect("/admin", fiber.StatusSeeOther)
	}
	return s.render(c, fiber.StatusOK, "admin_login", s.t(c, "login.heading"), fiber.Map{"Next": safeNext(c.Query("next")), "PasswordSet": c.Query("done") == "password"})
}

func (s *Server) loginPost(c *fiber.Ctx) error {
	email := strings.Clone(c.FormValue("email"))
	password := strings.Clone(c.FormValue("password"))
	next := safeNext(c.FormValue("next"))
	// Throttled per (account, address) before the password is even
	// checked, and answered at once with the wait (state in the database,
	// so every instance counts the same failures).
	if wait, err := s.Store.LoginWait(c.UserContext(), email, s.clientIP(c)); err != nil {
		return err
	} else if wait > 0 {
		s.Log.Warn("sign-in throttled", "ip", s.clientIP(c))
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait/time.Second)))
		return s.render(c, fiber.StatusTooManyRequests, "admin_login", s.t(c, "login.heading"), fiber.Map{
			"Throttled": true, "Email": email, "Next": next,
		})
	}
	u, err := s.Store.Authenticate(c.UserContext(), email, password)
	if errors.Is(err, models.ErrBadCredentials) {
		s.Log.Info("sign-in failed", "ip", s.clientIP(c))
		if err := s.Store.RecordLoginFailure(c.UserContext(), email, s.clientIP(c)); err != nil {
			return err
		}
		return s.render(c, fiber.StatusUnauthorized, "admin_login", s.t(c, "login.heading"), fiber.Map{
			"Failed": true, "Email": email, "Next": next,
		})
	}
	if err != nil {
		return err
	}
	if err := s.Store.RecordLoginSuccess(c.UserContext(), email, s.clientIP(c)); err != nil {
		return err
	}
	if pending, err := s.secondStep(c, u, password, next); err != nil || pending {
		return err
	}
	return s.startSession(c, u, next)
}

// startSession signs an official in after every step of sign-in passed.
func (s *Server) startSession(c *fiber.Ctx, u *models.User, next string) error {
	// A new session on every sign-in: a session id planted before sign-in
	// is worth nothing after it.
	if old := c.Cookies(sessionCookie); old != "" {
		_ = s.Store.DeleteSession(c.UserContext(), old)
	}
	tok, err := s.Store.CreateSession(c.UserContext(), u.ID, s.clientIP(c), strings.Clone(c.Get(fiber.HeaderUserAgent)))
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: tok, Path: "/", HTTPOnly: true, SameSite: "Lax", Secure: s.Config.SecureCookies})
	if next == "" {
		next = "/admin"
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

func (s *Server) logoutPost(c *fiber.Ctx) error {
	if tok := c.Cookies(sessionCookie); tok != "" {
		if err := s.Store.DeleteSession(c.UserContext(), tok); err != nil {
			return err
		}
	}
	c.ClearCookie(sessionCookie)
	return c.Redirect("/admin/login", fiber.StatusSeeOther)
}

// safeNext keeps redirects after sign-in on this site.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/admin") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") {
		return strings.Clone(next)
	}
	return ""
}
