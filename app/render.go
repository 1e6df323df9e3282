package app

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
)

// page returns the data every page template expects.
func (s *Server) page(c *fiber.Ctx, title string, data fiber.Map) fiber.Map {
	if data == nil {
		data = fiber.Map{}
	}
	data["Lang"] = langOf(c)
	data["Title"] = title
	data["Province"] = s.Config.Province
	data["BaseURL"] = s.Config.BaseURL
	data["Asset"] = s.assetVersion
	if tok, ok := c.Locals("csrf").(string); ok {
		data["CSRF"] = tok
	}
	if u := currentUser(c); u != nil {
		data["User"] = u
		if _, ok := data["AdminNav"]; !ok {
			data["AdminNav"] = s.adminNav(u)
		}
	}
	if _, ok := data["NavExtra"]; !ok {
		data["NavExtra"] = s.navExtra()
	}
	return data
}

// navLink is a header link that other parts of the app add.
type navLink struct{ Href, Key string }

func (s *Server) navExtra() []navLink {
	links := []navLink{{"/search", "nav.search"}, {"/faq", "nav.faq"}, {"/stats", "nav.stats"}}
	if s.acct != nil {
		links = append(links, navLink{"/account", "nav.account"})
	}
	return links
}

// render writes a page inside the layout.
func (s *Server) render(c *fiber.Ctx, status int, name, title string, data fiber.Map) error {
	c.Status(status)
	c.Type("html", "utf-8")
	data = s.page(c, title, data)
	if _, ok := data["Canonical"]; !ok && status == fiber.StatusOK && !strings.HasPrefix(c.Path(), "/admin") {
		data["Canonical"] = s.canonicalURL(c)
	}
	return c.Render(name, data)
}

// canonicalURL is the page's address without the language switch: one URL
// per page for search engines (each language says so with hreflang).
func (s *Server) canonicalURL(c *fiber.Ctx) string {
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		q = url.Values{}
	}
	q.Del("lang")
	u := s.Config.BaseURL + c.Path()
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	return u
}

// t translates in the request's language.
func (s *Server) t(c *fiber.Ctx, key string, params ...any) string {
	return s.cat.T(langOf(c), key, params...)
}

// handleError turns any error into the right status and a sentence in the
// user's language: JSON for the API, a page for people. Unexpected errors
// are logged once, here.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	code := fiber.StatusInternalServerError
	var fe *fiber.Error
	switch {
	case errors.As(err, &fe):
		code = fe.Code
	case errors.Is(err, models.ErrNotFound):
		code = fiber.StatusNotFound
	case errors.Is(err, models.ErrForbidden):
		code = fiber.StatusForbidden
	case errors.Is(err, models.ErrConflict):
		code = fiber.StatusConflict
	case models.IsUnavailable(err):
		code = fiber.StatusServiceUnavailable
	}
	if code == fiber.StatusInternalServerError && s.Store != nil && s.Store.Ping(c.UserContext()) != nil {
		code = fiber.StatusServiceUnavailable
	}
	if code >= 500 {
		s.Log.Error("request failed", "method", c.Method(), "path", c.Path(), "status", code, "err", err)
	}
	key := "error." + strconv.Itoa(code)
	if !s.cat.Has(key) {
		key = "error.500"
		if code < 500 {
			key = "error.400"
		}
	}
	var params []any
	switch code {
	case fiber.StatusServiceUnavailable:
		c.Set(fiber.HeaderRetryAfter, "30")
	case fiber.StatusTooManyRequests:
		secs := c.GetRespHeader(fiber.HeaderRetryAfter)
		params = []any{"seconds", secs}
	}
	msg := s.t(c, key, params...)
	if isAPI(c.Path()) {
		return c.Status(code).JSON(fiber.Map{"error": msg})
	}
	heading := s.t(c, key+".heading")
	if heading == key+".heading" {
		heading = msg
	}
	if rerr := s.render(c, code, "error", heading, fiber.Map{"Heading": heading, "Message": msg}); rerr != nil {
		return c.Status(code).SendString(msg)
	}
	return nil
}

// fieldErrors maps each invalid field to its first message, in the user's
// language, for forms shown again with their errors.
func (s *Server) fieldErrors(c *fiber.Ctx, verr *models.ValidationError) map[string]string {
	errs := map[string]string{}
	if verr == nil {
		return errs
	}
	for _, f := range s.translateFields(c, verr) {
		if _, dup := errs[f.Field]; !dup {
			errs[f.Field] = f.Message
		}
	}
	return errs
}
