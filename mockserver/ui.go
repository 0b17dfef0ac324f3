package mockserver

import "github.com/julienschmidt/httprouter"

// uiRoutes adds the mock's tooling pages (/_mock/ui/…).
func (s *Server) uiRoutes(r *httprouter.Router) {}
