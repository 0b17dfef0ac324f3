package mockserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
)

// The control API: the Go methods tests call, and the same under /_mock/
// for the binary.

// SeedTaxpayer puts a taxpayer in the tax register. With publish it is
// visible at once (a register ESF already had); otherwise the change is
// staged and ESF sees it at the next refresh (Monday, Wednesday or Friday,
// 00:00 Almaty).
func (s *Server) SeedTaxpayer(t esfreg.Taxpayer, publish bool) (esfreg.Change, error) {
	s.mu.Lock()
	svc := s.svc
	s.mu.Unlock()
	var c esfreg.Change
	var err error
	if publish {
		c, err = svc.PublishTaxpayer(t)
	} else {
		c, err = svc.StageTaxpayer(t)
	}
	if err != nil {
		return c, err
	}
	return c, s.persist()
}

// Taxpayer returns the register's record of tin as ESF sees it now.
func (s *Server) Taxpayer(tin string) (esfreg.Taxpayer, error) { return s.Service().Taxpayer(tin) }

// Account returns the account of iin, without its password hash.
func (s *Server) Account(iin string) (esfreg.Account, error) { return s.Service().Account(iin) }

// Trust adds a trusted CA certificate.
func (s *Server) Trust(c *certs.Certificate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trust.Roots = append(s.trust.Roots, c)
	s.setStore(s.store)
	return nil
}

// AddCRL adds a CRL that revocation is checked against.
func (s *Server) AddCRL(crl *certs.CRL) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trust.CRLs = append(s.trust.CRLs, crl)
	s.setStore(s.store)
	return nil
}

// Fault is a refusal queued for the next matching call: Match is a SOAP
// operation name (e.g. "createSessionSigned") or a portal path (e.g.
// "/esf-web/ajax/login"); Code is the error code to answer with; Count is
// how many calls it hits (0 means 1).
type Fault struct {
	Match   string      `json:"match"`
	Code    esfreg.Code `json:"code"`
	Message string      `json:"message,omitempty"`
	Count   int         `json:"count,omitempty"`
}

type queuedFault struct {
	Fault
	left int
}

// QueueFault makes the next Count calls matching f.Match fail with f.Code.
func (s *Server) QueueFault(f Fault) error {
	if f.Match == "" || f.Code == "" {
		return errors.New("mockserver: a fault needs match and code")
	}
	if f.Count <= 0 {
		f.Count = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, queuedFault{Fault: f, left: f.Count})
	return nil
}

// injected returns the queued fault for key, if any, and uses it up.
func (s *Server) injected(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.faults {
		f := &s.faults[i]
		if f.Match != key || f.left == 0 {
			continue
		}
		f.left--
		if f.left == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		e := newError(f.Code, "")
		if f.Message != "" {
			e.Message = f.Message
		}
		return e
	}
	return nil
}

// persist writes the state file, if any.
func (s *Server) persist() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.persistLocked()
}

// readJSON decodes a JSON body into v, refusing unknown fields, trailing
// data and anything but JSON.
func readJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		e := newError(CodeBadRequest, "")
		e.Message = fmt.Sprintf("Ожидается application/json, получено %q", ct)
		return e
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		e := newError(CodeBadRequest, "")
		e.Message = "Некорректный JSON: " + err.Error()
		return e
	}
	if _, err := dec.Token(); err != io.EOF {
		e := newError(CodeBadRequest, "")
		e.Message = "Некорректный JSON: данные после объекта"
		return e
	}
	return nil
}

// handleHealth serves GET /healthz.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "time": s.clock.Now().Format(time.RFC3339)})
}

// handleMail serves GET /_mock/mail[?to=address]: the outbox.
func (s *Server) handleMail(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if to := r.URL.Query().Get("to"); to != "" {
		writeJSON(w, http.StatusOK, s.MailTo(to))
		return
	}
	writeJSON(w, http.StatusOK, s.Mail())
}

// handleClock serves GET /_mock/clock.
func (s *Server) handleClock(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	writeJSON(w, http.StatusOK, map[string]string{"now": s.clock.Now().Format(time.RFC3339Nano)})
}

// handleSetClock serves POST /_mock/clock {"set": RFC3339} or {"advance": "72h"}.
func (s *Server) handleSetClock(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	var body struct {
		Set     string `json:"set"`
		Advance string `json:"advance"`
	}
	if err := readJSON(r, &body); err != nil {
		s.writeError(w, err)
		return
	}
	switch {
	case body.Set != "":
		t, err := time.Parse(time.RFC3339, body.Set)
		if err != nil {
			s.writeError(w, badRequest("set: "+err.Error()))
			return
		}
		s.SetTime(t)
	case body.Advance != "":
		d, err := time.ParseDuration(body.Advance)
		if err != nil || d < 0 {
			s.writeError(w, badRequest("advance: a non-negative Go duration such as 72h is expected"))
			return
		}
		s.Advance(d)
	default:
		s.writeError(w, badRequest("set or advance is required"))
		return
	}
	if err := s.persist(); err != nil {
		s.writeError(w, err)
		return
	}
	s.handleClock(w, r, nil)
}

func badRequest(msg string) *apiError {
	e := newError(CodeBadRequest, "")
	e.Message = msg
	return e
}

// handleTaxpayers serves GET /_mock/taxpayers: the register's pending changes.
func (s *Server) handleTaxpayers(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	changes, err := s.Service().PendingChanges()
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"pending": changes})
}

// handleSeedTaxpayer serves POST /_mock/taxpayers[?publish=true] with a
// Taxpayer: staged for the next refresh, or visible at once.
func (s *Server) handleSeedTaxpayer(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	var t esfreg.Taxpayer
	if err := readJSON(r, &t); err != nil {
		s.writeError(w, err)
		return
	}
	c, err := s.SeedTaxpayer(t, r.URL.Query().Get("publish") == "true")
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

// handleTaxpayer serves GET /_mock/taxpayers/:tin: the record ESF sees now.
func (s *Server) handleTaxpayer(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	t, err := s.Taxpayer(p.ByName("tin"))
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// handleAccount serves GET /_mock/accounts/:iin.
func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	a, err := s.Account(p.ByName("iin"))
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// handleSessions serves GET /_mock/sessions.
func (s *Server) handleSessions(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	writeJSON(w, http.StatusOK, s.Sessions())
}

// handleQueueFault serves POST /_mock/faults with a Fault.
func (s *Server) handleQueueFault(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	var f Fault
	if err := readJSON(r, &f); err != nil {
		s.writeError(w, err)
		return
	}
	if err := s.QueueFault(f); err != nil {
		s.writeError(w, badRequest(err.Error()))
		return
	}
	writeJSON(w, http.StatusCreated, f)
}

// handleTrust serves POST /_mock/trust with a CA certificate (DER or PEM).
func (s *Server) handleTrust(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeError(w, badRequest(err.Error()))
		return
	}
	c, err := certs.ParseCertificate(data)
	if err != nil {
		s.writeError(w, newError(CodeCertificateInvalidForm, ""))
		return
	}
	if err := s.Trust(c); err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"trusted": c.CommonName})
}

// handleAddCRL serves POST /_mock/crls with a CRL (DER or PEM).
func (s *Server) handleAddCRL(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeError(w, badRequest(err.Error()))
		return
	}
	crl, err := certs.ParseCRL(data)
	if err != nil {
		s.writeError(w, badRequest(err.Error()))
		return
	}
	if err := s.AddCRL(crl); err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"issuer": crl.Issuer.CommonName, "revoked": len(crl.Revoked)})
}

// handleReset serves POST /_mock/reset.
func (s *Server) handleReset(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if err := s.Reset(); err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"reset": true})
}

// handleDump serves GET /_mock/state.
func (s *Server) handleDump(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	data, err := s.Dump()
	if err != nil {
		s.writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(data)
}

// handleLoad serves PUT /_mock/state with a dump.
func (s *Server) handleLoad(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeError(w, badRequest(err.Error()))
		return
	}
	if err := s.Load(data); err != nil {
		s.writeError(w, badRequest(err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"loaded": true})
}

// handleKeyStore serves GET /_mock/keystore?kind=individual|entrepreneur|
// ceo|can-sign|employee&usage=auth|sign&alg=rsa|gost&iin=…&bin=…: a fresh
// test key store from the default certstest CA (only when Options.Roots is
// empty), valid from the server's now, with its PIN in X-PIN and NCA's
// file name in Content-Disposition.
func (s *Server) handleKeyStore(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	q := r.URL.Query()
	kinds := map[string]certstest.Kind{"": certstest.KindIndividual, "individual": certstest.KindIndividual,
		"entrepreneur": certstest.KindEntrepreneur, "ceo": certstest.KindCEO, "can-sign": certstest.KindCanSign, "employee": certstest.KindEmployee}
	kind, ok := kinds[q.Get("kind")]
	if !ok {
		s.writeError(w, badRequest("kind: individual, entrepreneur, ceo, can-sign or employee"))
		return
	}
	p := certstest.Profile{Kind: kind, IIN: q.Get("iin"), BIN: q.Get("bin")}
	switch q.Get("usage") {
	case "", "auth":
		p.Usage = certs.UsageAuth
	case "sign":
		p.Usage = certs.UsageSign
	default:
		s.writeError(w, badRequest("usage: auth or sign"))
		return
	}
	alg := certs.AlgorithmRSA
	switch q.Get("alg") {
	case "", "rsa":
	case "gost":
		alg = certs.AlgorithmGOST2015_512
	default:
		s.writeError(w, badRequest("alg: rsa or gost"))
		return
	}
	ca := s.cas[alg]
	if ca == nil {
		s.writeError(w, newError(CodeNotFound, ""))
		return
	}
	p.NotBefore = s.clock.Now()
	is, err := ca.Issue(p)
	if err != nil {
		s.writeError(w, badRequest(err.Error()))
		return
	}
	w.Header().Set("Content-Type", "application/x-pkcs12")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, is.FileName))
	w.Header().Set("X-PIN", is.PIN)
	_, _ = w.Write(is.PKCS12)
}
