package app

import (
	"context"
	"fmt"
	"strings"

	"pakn/models"
)

// The index's life (open, catch-up, rebuild, synonyms) is search/searchrt's;
// the web layer only asks it questions.

// synonymsText writes the dictionary in the format search.ParseSynonyms reads.
func synonymsText(rules []models.SynonymRule) string {
	var b strings.Builder
	for _, r := range rules {
		fmt.Fprintf(&b, "%s => %s\n", r.Term, strings.Join(r.ExpansionList(), "; "))
	}
	return b.String()
}

// searchReadiness adds the index's state to /readyz and tells whether it
// has caught up with the database (lag zero).
func (s *Server) searchReadiness(ctx context.Context, checks map[string]any) bool {
	if s.Search == nil {
		return true
	}
	lag, err := s.Search.Lag(ctx)
	checks["search_lag"] = lag
	switch {
	case s.Search.Building():
		checks["search"] = "building"
		return false
	case err != nil:
		checks["search"] = err.Error()
		return false
	case lag > 0:
		checks["search"] = "catching up"
		return false
	}
	checks["search"] = "ok"
	return true
}
