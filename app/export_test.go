package app

// RouteBodyLimit exposes routeBodyLimit to the route table test.
func (s *Server) RouteBodyLimit(method, path string) int { return s.routeBodyLimit(method, path) }
