package app

import (
	"errors"
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
	tp, err := s.Store.PetitionForCitizen(c.UserContext(), code, secret)
	if errors.Is(err, models.ErrNotFound) {
		return s.render(c, fiber.StatusNotFound, "track", s.t(c, "track.heading"), fiber.Map{"NotFound": true, "Code": code})
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, fiber.StatusOK, "track_result", tp.Petition.Title, fiber.Map{"Tracked": tp, "Secret": secret})
}
