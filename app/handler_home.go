package app

import "github.com/gofiber/fiber/v2"

func (s *Server) homePage(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "home", "", nil)
}
