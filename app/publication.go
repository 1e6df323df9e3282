package app

// publicationRoutes are the public feed, statistics, OpenAPI document and
// Open311 endpoints.
func (s *Server) publicationRoutes() {
	s.app.Get("/feeds/answers.atom", s.answersFeed)
	s.app.Get("/stats", s.statsPage)
	s.app.Get("/api/openapi.json", s.openAPI)
	s.open311Routes()
}
