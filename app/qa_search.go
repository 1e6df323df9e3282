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
	r := s.Search.Readiness(ctx)
	checks["search_lag"], checks["search"] = r.Lag, r.State
	return r.Ready
}
