package app

import (
	"github.com/gofiber/fiber/v2"

	"pakn/models"
)

// adminRoutes registers the officials' pages. Every one needs a session.
func (s *Server) adminRoutes() {
	s.app.Get("/admin", s.requireUser(), s.adminInbox)
	s.publicationAdminRoutes()
	s.policyRoutes()
}

// renderAdmin writes an officials' page inside the admin layout.
func (s *Server) renderAdmin(c *fiber.Ctx, status int, name, title string, data fiber.Map) error {
	c.Status(status)
	c.Type("html", "utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Render(name, s.page(c, title, data), "admin_layout")
}

func (s *Server) adminInbox(c *fiber.Ctx) error {
	u := currentUser(c)
	page, err := s.Store.Inbox(c.UserContext(), models.ViewerOf(u), models.InboxFilter{
		Status: c.Query("status"), Page: c.QueryInt("page", 1),
	})
	if err != nil {
		return err
	}
	return s.renderAdmin(c, fiber.StatusOK, "admin_inbox", s.t(c, "admin.inbox"), fiber.Map{"Inbox": page})
}
