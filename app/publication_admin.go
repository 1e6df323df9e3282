package app

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
)

// publicationAdminNav are the links of these pages in the admin header.
func publicationAdminNav(u *models.User) []navLink {
	if u == nil || u.Role != models.RoleAdmin {
		return nil
	}
	return []navLink{{"/admin/outbox", "outbox.heading"}, {"/admin/keys", "keys.heading"}}
}

func (s *Server) adminOutbox(c *fiber.Ctx) error {
	f := models.OutboxFilter{
		Channel:  strings.Clone(c.Query("channel")),
		Template: strings.Clone(c.Query("template")),
		Status:   strings.Clone(c.Query("status")),
		Page:     c.QueryInt("page", 1),
	}
	page, err := s.Store.ListOutbox(c.UserContext(), f)
	if err != nil {
		return err
	}
	templates, err := s.Store.OutboxTemplates(c.UserContext())
	if err != nil {
		return err
	}
	type choice struct{ Value, Label string }
	tchoices := make([]choice, len(templates))
	for i, t := range templates {
		tchoices[i] = choice{t, s.outboxTemplateLabel(c, t)}
	}
	return s.renderAdmin(c, fiber.StatusOK, "admin_outbox", s.t(c, "outbox.heading"), fiber.Map{
		"Outbox": page, "Rows": s.outboxViews(c, page.Rows), "Templates": tchoices,
		"Filter": f, "AdminNav": publicationAdminNav(currentUser(c)),
		"Channels": []string{models.OutboxEmail, models.OutboxSMS, models.OutboxPortal},
		"Statuses": models.OutboxStatuses,
		"Retried":  c.Query("retried") != "",
	})
}

func (s *Server) adminOutboxRetry(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	if err := s.Store.RetryOutbox(c.UserContext(), id, models.ViewerOf(currentUser(c))); err != nil {
		return err
	}
	back := "/admin/outbox?retried=1"
	if ch := c.FormValue("channel"); ch != "" {
		back += "&channel=" + url.QueryEscape(ch)
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}

func (s *Server) adminKeys(c *fiber.Ctx) error {
	return s.renderKeys(c, fiber.StatusOK, fiber.Map{})
}

func (s *Server) renderKeys(c *fiber.Ctx, status int, data fiber.Map) error {
	keys, err := s.Store.ListAPIKeys(c.UserContext())
	if err != nil {
		return err
	}
	data["Keys"] = keys
	data["AdminNav"] = publicationAdminNav(currentUser(c))
	if _, ok := data["Errors"]; !ok {
		data["Errors"] = map[string]string{}
	}
	if _, ok := data["Form"]; !ok {
		data["Form"] = fiber.Map{"Name": "", "Holder": "", "RateLimit": models.DefaultAPIKeyRate}
	}
	return s.renderAdmin(c, status, "admin_keys", s.t(c, "keys.heading"), data)
}

func (s *Server) adminKeysCreate(c *fiber.Ctx) error {
	in := models.NewAPIKeyInput{
		Name:   strings.Clone(c.FormValue("name")),
		Holder: strings.Clone(c.FormValue("holder")),
	}
	rate := strings.TrimSpace(c.FormValue("rate_limit"))
	if rate != "" {
		n, err := strconv.Atoi(rate)
		if err != nil {
			n = -1
		}
		in.RateLimit = n
	}
	k, plain, err := s.Store.CreateAPIKey(c.UserContext(), in, models.ViewerOf(currentUser(c)))
	if verr, ok := models.AsValidation(err); ok {
		errs := map[string]string{}
		for _, f := range s.translateFields(c, verr) {
			errs[f.Field] = f.Message
		}
		return s.renderKeys(c, fiber.StatusUnprocessableEntity, fiber.Map{
			"Errors": errs, "Form": fiber.Map{"Name": in.Name, "Holder": in.Holder, "RateLimit": rate},
		})
	}
	if err != nil {
		return err
	}
	// The plaintext key is in this one response only.
	return s.renderKeys(c, fiber.StatusCreated, fiber.Map{"Created": k, "Plain": plain})
}

func (s *Server) adminKeysRevoke(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	if err := s.Store.RevokeAPIKey(c.UserContext(), id, models.ViewerOf(currentUser(c))); err != nil {
		return err
	}
	return c.Redirect("/admin/keys", fiber.StatusSeeOther)
}
