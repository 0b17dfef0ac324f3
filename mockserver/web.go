package mockserver

import "github.com/julienschmidt/httprouter"

// webRoutes adds the portal's pages (/esf-web/…).
func (s *Server) webRoutes(r *httprouter.Router) {}
