package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
	"pakn/search"
)

// similarForDraft finds, for the official drafting an answer, the five
// published answers and FAQ entries nearest to the petition. It reads the
// public index only, so nothing private of another petition can show up.
// No search (an index still building) shows no suggestions, not an error.
func (s *Server) similarForDraft(c *fiber.Ctx, p *models.Petition) []search.Hit {
	if s.Search == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	res, err := s.Search.Search(ctx, search.Query{Text: p.Title + " " + models.FirstWords(p.Content, 30), PerPage: 6, NoFacets: true})
	if err != nil {
		s.Log.LogAttrs(ctx, slog.LevelInfo, "drafting help: search", slog.String("code", p.Code), slog.Any("err", err))
		return nil
	}
	own := models.AnswerItemID(p.ID)
	out := make([]search.Hit, 0, 5)
	for _, h := range res.Hits {
		if h.ID != own && len(out) < 5 {
			out = append(out, h)
		}
	}
	return out
}
