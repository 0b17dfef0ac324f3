package mockserver

import (
	"fmt"
	"net/http"

	"github.com/julienschmidt/httprouter"
)

// routes lists every route of the mock. Paths are chosen so that no static
// segment and parameter share a position (httprouter v1.3.0 panics on
// that); TestRoutes builds the router.
func (s *Server) routes() *httprouter.Router {
	r := httprouter.New()
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false

	// SOAP API (soapapi.go).
	r.GET("/esf-web/ws/api1/:service", s.handleWSDL)
	r.POST("/esf-web/ws/api1/:service", s.handleSOAP)

	// Portal: log-in as the real portal does (portal.go).
	r.GET("/esf-web/ajax/login/ticket", s.handleLoginTicket)
	r.POST("/esf-web/ajax/login/xmlDsigCertInfo", s.handleCertInfo)
	r.POST("/esf-web/ajax/login", s.handleLogin)
	// Registration in four steps (registration.go).
	r.POST("/esf-web/ajax/registration", s.handleRegistrationStart)
	r.POST("/esf-web/ajax/registration/:id/form", s.handleRegistrationForm)
	r.POST("/esf-web/ajax/registration/:id/agreements", s.handleRegistrationAgreements)
	r.GET("/esf-web/self-registration-request/:token", s.handleRegistrationLink)
	r.POST("/esf-web/self-registration-request/:token", s.handleRegistrationComplete)
	// Recovery (recovery.go).
	r.POST("/esf-web/ajax/change-email", s.handleChangeEmail)
	r.POST("/esf-web/ajax/reset-password", s.handleResetRequest)
	r.GET("/esf-web/reset-password/:token", s.handleResetLink)
	r.POST("/esf-web/reset-password/:token", s.handleResetPassword)

	// Control API (control.go).
	r.GET("/healthz", s.handleHealth)
	r.GET("/_mock/mail", s.handleMail)
	r.GET("/_mock/clock", s.handleClock)
	r.POST("/_mock/clock", s.handleSetClock)
	r.GET("/_mock/taxpayers", s.handleTaxpayers)
	r.POST("/_mock/taxpayers", s.handleSeedTaxpayer)
	r.GET("/_mock/taxpayers/:tin", s.handleTaxpayer)
	r.POST("/_mock/accounts", s.handleImportAccounts)
	r.GET("/_mock/accounts/:iin", s.handleAccount)
	r.GET("/_mock/sessions", s.handleSessions)
	r.POST("/_mock/faults", s.handleQueueFault)
	r.POST("/_mock/trust", s.handleTrust)
	r.POST("/_mock/crls", s.handleAddCRL)
	r.POST("/_mock/reset", s.handleReset)
	r.GET("/_mock/state", s.handleDump)
	r.PUT("/_mock/state", s.handleLoad)
	r.GET("/_mock/keystore", s.handleKeyStore)
	// Invoices (invoice_control.go).
	r.GET("/_mock/invoices", s.handleInvoices)
	r.GET("/_mock/invoices/:id", s.handleInvoice)
	r.POST("/_mock/invoice-step", s.handleInvoiceStep)
	r.GET("/_mock/invoice-errors", s.handleInvoiceErrors)
	r.POST("/_mock/invoice-errors", s.handleInjectInvoiceError)
	r.GET("/_mock/invoice-timing", s.handleInvoiceTiming)
	r.POST("/_mock/invoice-timing", s.handleSetInvoiceTiming)

	// The portal's pages for a person in a browser (web.go) and the mock's
	// own tooling pages under /_mock/ui/ (ui.go).
	s.webRoutes(r)
	s.uiRoutes(r)

	r.NotFound = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if isControlPath(req.URL.Path) {
			s.writeControlError(w, newError(CodeNotFound, ""))
			return
		}
		s.writeError(w, newError(CodeNotFound, ""))
	})
	r.MethodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if isControlPath(req.URL.Path) {
			s.writeControlError(w, newError(CodeMethodNotAllowed, ""))
			return
		}
		s.writeError(w, newError(CodeMethodNotAllowed, ""))
	})
	r.PanicHandler = func(w http.ResponseWriter, req *http.Request, v any) {
		s.writeError(w, fmt.Errorf("panic serving %s: %v", req.URL.Path, v))
	}
	return r
}
