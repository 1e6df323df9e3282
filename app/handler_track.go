package app

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
)

func (s *Server) trackForm(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "track", s.t(c, "track.heading"), fiber.Map{"Code": strings.Clone(c.Query("code"))})
}

// trackPost takes the code and secret by POST so they stay out of logs and
// browser history.
func (s *Server) trackPost(c *fiber.Ctx) error {
	code := models.NormalizeCode(strings.Clone(c.FormValue("code")))
	secret := strings.Clone(c.FormValue("secret"))
	return s.renderTracked(c, fiber.StatusOK, code, secret, "", nil)
}
