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
	// Related, not Search: a petition's title and first words are a long
	// text, and any of its words may point at the right answer (public
	// search requires a share of them, issue 18).
	out, err := s.Search.Index.Related(ctx, models.AnswerItemID(p.ID), p.Title+" "+models.FirstWords(p.Content, 30), 5)
	if err != nil {
		s.Log.LogAttrs(ctx, slog.LevelInfo, "drafting help: search", slog.String("code", p.Code), slog.Any("err", err))
		return nil
	}
	return out
}
