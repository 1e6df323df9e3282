package app

import "github.com/gofiber/fiber/v2"

func (s *Server) homePage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	latest, err := s.Store.LatestPublishedOfType(ctx, "answer", 5)
	if err != nil {
		return err
	}
	faqCats, err := s.Store.PublicFAQCounts(ctx, "category")
	if err != nil {
		return err
	}
	stats, err := s.Store.HeadlineStats(ctx)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "home", "", fiber.Map{"Latest": latest, "FAQCategories": faqCats, "Stats": stats})
}
