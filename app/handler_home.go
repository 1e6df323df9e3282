package app

import (
	"context"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
	"pakn/models/workdays"
)

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
	year, err := s.yearStatistics(ctx, models.StatsFilter{})
	if err != nil {
		return err
	}
	published, err := s.Store.CountPublicItems(ctx)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "home", "", fiber.Map{"Latest": latest, "FAQCategories": faqCats, "Year": year, "Published": published})
}

// figures keeps the current year's statistics of every unit for
// Config.FiguresTTL: the home page and /stats show the same figures from
// one computation, which reads a year of petitions.
type figures struct {
	mu   sync.Mutex
	at   time.Time
	year *models.Statistics
}

// yearStatistics computes the statistics of f; the current year of every
// unit comes from the shared figures while they are fresh.
func (s *Server) yearStatistics(ctx context.Context, f models.StatsFilter) (*models.Statistics, error) {
	thisYear := time.Now().In(workdays.VietnamLocation()).Year()
	if f.UnitCode != "" || (f.Year != 0 && f.Year != thisYear) || s.Config.FiguresTTL <= 0 {
		return s.Store.Statistics(ctx, f)
	}
	s.figures.mu.Lock()
	defer s.figures.mu.Unlock()
	if s.figures.year != nil && s.figures.year.Year == thisYear && time.Since(s.figures.at) < s.Config.FiguresTTL {
		return s.figures.year, nil
	}
	st, err := s.Store.Statistics(ctx, models.StatsFilter{})
	if err != nil {
		return nil, err
	}
	s.figures.year, s.figures.at = st, time.Now()
	return st, nil
}
