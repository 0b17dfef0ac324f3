package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/julienschmidt/httprouter"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/internal/soap"
	"github.com/esfkit/esf/mockserver/internal/soap/invoicesvc"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// The control API: the Go methods tests call, and the same under /_mock/
// for the binary.

// SeedTaxpayer puts a taxpayer in the tax register. With publish it is
// visible at once (a register ESF already had); otherwise the change is
// staged and ESF sees it at the next refresh (Monday, Wednesday or Friday,
// 00:00 Almaty).
func (s *Server) SeedTaxpayer(t esfreg.Taxpayer, publish bool) (esfreg.Change, error) {
	cs, err := s.seedTaxpayers(context.Background(), []esfreg.Taxpayer{t}, publish)
	if err != nil {
		return esfreg.Change{}, err
	}
	return cs[0], nil
}

// seedTaxpayers adds every taxpayer of list, in one transaction.
func (s *Server) seedTaxpayers(ctx context.Context, list []esfreg.Taxpayer, publish bool) ([]esfreg.Change, error) {
	svc := s.Service()
	changes := make([]esfreg.Change, 0, len(list))
	err := s.update(ctx, func(r *request) error {
		changes = changes[:0]
		for _, t := range list {
			var c esfreg.Change
			var err error
			if publish {
				c, err = svc.PublishTaxpayer(r.ctx, t)
			} else {
				c, err = svc.StageTaxpayer(r.ctx, t)
			}
			if err != nil {
				return err
			}
			changes = append(changes, c)
		}
		return nil
	})
	return changes, err
}

// Taxpayer returns the register's record of tin as ESF sees it now.
func (s *Server) Taxpayer(tin string) (esfreg.Taxpayer, error) {
	return s.Service().Taxpayer(context.Background(), tin)
}

// Account returns the account of iin, without its password hash.
func (s *Server) Account(iin string) (esfreg.Account, error) {
	return s.Service().Account(context.Background(), iin)
}

// Trust adds a trusted CA certificate; a certificate that is not a CA's
// (no basicConstraints with cA) is refused with a *FieldError. The CA is
// kept in the store: every replica trusts it from its next request.
func (s *Server) Trust(c *certs.Certificate) error {
	if c == nil || c.X509 == nil || !c.X509.BasicConstraintsValid || !c.X509.IsCA {
		return &FieldError{Field: "certificate", Reason: "not a CA certificate (basicConstraints cA is not set)"}
	}
	return s.addTrust(context.Background(), "ca", c.X509.Raw)
}

// AddCRL adds a CRL that revocation is checked against, kept in the store
// as Trust's CAs are.
func (s *Server) AddCRL(crl *certs.CRL) error {
	return s.addTrust(context.Background(), "crl", crl.Raw)
}

// addTrust stores a CA (owner "ca") or CRL ("crl") by its SHA-256 and
// moves the trust generation on, so every replica reloads it.
func (s *Server) addTrust(ctx context.Context, owner string, der []byte) error {
	if len(der) == 0 {
		return &FieldError{Field: owner, Reason: "empty"}
	}
	err := s.update(ctx, func(r *request) error {
		if err := putTrust(r, owner, der); err != nil {
			return err
		}
		_, err := changeShared(r, func(sh *shared) { sh.TrustGen++ })
		return err
	})
	if err != nil {
		return err
	}
	return s.refresh(ctx)
}

// Fault is a refusal queued for the next matching call: Match is a SOAP
// operation name (e.g. "createSessionSigned") or a portal path (e.g.
// "/esf-web/ajax/login", see FaultMatches); Code is the error code to
// answer with, one the mock knows (esfreg.Codes or Codes); Count is how
// many calls it hits, 1..MaxFaultCount (0 means 1).
type Fault struct {
	Match   string      `json:"match"`
	Code    esfreg.Code `json:"code"`
	Message string      `json:"message,omitempty"`
	Count   int         `json:"count,omitempty"`
}

// MaxFaultCount bounds Fault.Count.
const MaxFaultCount = 10000

// queuedFault is a kindFault record.
type queuedFault struct {
	Fault
	Left int `json:"left"`
}

// FaultMatches lists what a Fault can match: every SOAP operation (by its
// name without "Request") and every portal step, sorted.
func FaultMatches() []string {
	out := []string{
		"/esf-web/ajax/login/ticket",
		"/esf-web/ajax/login",
		"/esf-web/ajax/registration",
		"/esf-web/ajax/registration/form",
		"/esf-web/ajax/registration/agreements",
		"/esf-web/self-registration-request",
		"/esf-web/ajax/change-email",
		"/esf-web/ajax/reset-password",
		"/esf-web/reset-password",
	}
	var s Server
	for _, svc := range []string{soap.VersionService, soap.AuthService, soap.SessionService, invoicesvc.InvoiceService, invoicesvc.UploadInvoiceService} {
		for name := range s.soapOps(svc) {
			out = append(out, strings.TrimSuffix(name, "Request"))
		}
	}
	slices.Sort(out)
	return out
}

// knownCode reports whether the mock can answer with code.
func knownCode(code esfreg.Code) bool {
	if _, ok := mockMessages[code]; ok {
		return true
	}
	return slices.Contains(esfreg.Codes(), code)
}

// QueueFault makes the next Count calls matching f.Match fail with f.Code.
// An unknown match or code, a count out of range or a message longer than
// 1,000 characters is refused with a *FieldError naming the field.
func (s *Server) QueueFault(f Fault) error {
	switch {
	case f.Match == "":
		return &FieldError{Field: "match", Reason: "required: a SOAP operation such as createSessionSigned or a portal path such as /esf-web/ajax/login"}
	case !slices.Contains(FaultMatches(), f.Match):
		return &FieldError{Field: "match", Reason: fmt.Sprintf("%q is neither a SOAP operation nor a portal step of the mock (one of %s)", clip(f.Match), strings.Join(FaultMatches(), ", "))}
	case f.Code == "":
		return &FieldError{Field: "code", Reason: "required: an ESF error code such as SESSION_CLOSED"}
	case !knownCode(f.Code):
		return &FieldError{Field: "code", Reason: fmt.Sprintf("%q is not a code the mock knows (see esfreg.Codes and mockserver.Codes)", clip(string(f.Code)))}
	case f.Count < 0 || f.Count > MaxFaultCount:
		return &FieldError{Field: "count", Reason: fmt.Sprintf("%d: want 1..%d (0 or absent means 1)", f.Count, MaxFaultCount)}
	case utf8.RuneCountInString(f.Message) > 1000:
		return &FieldError{Field: "message", Reason: "longer than 1000 characters"}
	}
	if f.Count == 0 {
		f.Count = 1
	}
	return s.update(context.Background(), func(r *request) error {
		n, err := r.tx.NextNumber(mockstore.CounterFault)
		if err != nil {
			return err
		}
		if err := putJSON(r.tx, kindFault, seqKey(int(n)), "", time.Time{}, queuedFault{Fault: f, Left: f.Count}); err != nil {
			return err
		}
		_, err = changeShared(r, func(sh *shared) { sh.Faults++ })
		return err
	})
}

// FieldError is a refused control API input: the field and why.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return "mockserver: " + e.Field + ": " + e.Reason }

// fieldRequest turns a control API refusal into the 400 answer naming the
// field.
func fieldRequest(err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		e := badRequest(fe.Field + ": " + fe.Reason)
		e.Field = fe.Field
		return e
	}
	return err
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// consumeFault answers with the first fault queued for key, using it up
// (keep: the use commits with the refusal); without write it only says
// one is pending (errFaultPending).
func (s *Server) consumeFault(r *request, key string, write bool) error {
	list, err := r.tx.RecordsOf(kindFault, "")
	if err != nil {
		return err
	}
	for _, rec := range list {
		var f queuedFault
		if err := json.Unmarshal(rec.Data, &f); err != nil {
			return fmt.Errorf("mockserver: fault %s: %w", rec.Key, err)
		}
		if f.Match != key || f.Left <= 0 {
			continue
		}
		if !write {
			return errFaultPending
		}
		f.Left--
		if f.Left == 0 {
			if err := r.tx.DeleteRecord(kindFault, rec.Key); err != nil {
				return err
			}
			if _, err := changeShared(r, func(sh *shared) { sh.Faults = max(sh.Faults-1, 0) }); err != nil {
				return err
			}
		} else if err := putJSON(r.tx, kindFault, rec.Key, "", time.Time{}, f); err != nil {
			return err
		}
		e := newError(f.Code, "")
		if f.Message != "" {
			e.Message = f.Message
		}
		return keep{e}
	}
	return nil
}

// readJSON decodes a JSON body into v, refusing unknown fields, a key
// twice in one object, trailing data and anything but JSON; each refusal
// names the field.
func readJSON(r *http.Request, v any) error {
	data, err := readJSONBody(r)
	if err != nil {
		return err
	}
	return decodeJSON(data, v)
}

// decodeOneOrMany decodes a body that is one T (an object) or several (an
// array), as decodeJSON does; array says which it was.
func decodeOneOrMany[T any](data []byte) (list []T, array bool, err error) {
	if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("[")) {
		err = decodeJSON(data, &list)
		return list, true, err
	}
	list = make([]T, 1)
	return list, false, decodeJSON(data, &list[0])
}

// readJSONBody reads a body that must be JSON (or come without a type).
func readJSONBody(r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, badRequest2(fmt.Sprintf("Ожидается application/json, получено %q", ct), fmt.Sprintf("application/json expected, got %q", ct))
	}
	return readBody(r)
}

// readBody reads a request body within its route's limit.
func readBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, badRequest2(fmt.Sprintf("Тело запроса больше %d байт", tooBig.Limit), fmt.Sprintf("body larger than %d bytes", tooBig.Limit))
		}
		return nil, badRequest2("Тело запроса не прочитано: "+err.Error(), "body not read: "+err.Error())
	}
	return data, nil
}

// decodeJSON is readJSON's decoding of a body already read.
func decodeJSON(data []byte, v any) error {
	if err := checkJSONKeys(data); err != nil {
		e := badRequest2("Некорректный JSON: "+err.Error(), "malformed JSON: "+err.Error())
		var dup *duplicateKeyError
		if errors.As(err, &dup) {
			e.Message = fmt.Sprintf("Некорректный JSON: поле %q указано дважды", dup.Path)
			e.English = fmt.Sprintf("%s: the key is given twice", dup.Path)
			e.Field = dup.Path
		}
		return e
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		e := badRequest2("Некорректный JSON: "+err.Error(), "malformed JSON: "+strings.TrimPrefix(err.Error(), "json: "))
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			e.Field, _ = strconv.Unquote(name)
			e.Message = fmt.Sprintf("Некорректный JSON: неизвестное поле %s", name)
			e.English = fmt.Sprintf("%s: unknown field", e.Field)
		}
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			e.Field = typeErr.Field
			e.English = fmt.Sprintf("%s: a JSON %s where %s is expected", typeErr.Field, typeErr.Value, typeErr.Type)
		}
		return e
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest2("Некорректный JSON: данные после объекта", "malformed JSON: data after the value")
	}
	return nil
}

// handleHealth serves GET /healthz.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if err := s.refresh(r.Context()); err != nil {
		// The store does not answer: a load balancer should send no one here.
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "store unavailable", "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "time": s.clock.Now().Format(time.RFC3339)})
}

// handleMail serves GET /_mock/mail[?to=address]: the outbox.
func (s *Server) handleMail(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if err := onlyParams(r, "to"); err != nil {
		s.writeControlError(w, err)
		return
	}
	list, err := s.mail(r.Context(), r.URL.Query().Get("to"))
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// handleClock serves GET /_mock/clock.
func (s *Server) handleClock(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if err := s.refresh(r.Context()); err != nil {
		s.writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"now": s.clock.Now().Format(time.RFC3339Nano)})
}

// The clock may be set within [MinTime, MaxTime): far enough either way for
// any test (certificates of 1970, a register of 2199), near enough that
// the offset from the base clock never overflows.
var (
	MinTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// SetClock sets the server's clock to t, refusing a time outside
// [MinTime, MaxTime) with a *FieldError for "set".
func (s *Server) SetClock(t time.Time) error {
	if t.Before(MinTime) || !t.Before(MaxTime) {
		return &FieldError{Field: "set", Reason: fmt.Sprintf("%s is outside %s..%s", t.Format(time.RFC3339), MinTime.Format(time.RFC3339), MaxTime.Format(time.RFC3339))}
	}
	s.SetTime(t)
	return nil
}

// AdvanceClock moves the server's clock forward by d > 0, refusing a step
// that would leave [MinTime, MaxTime) with a *FieldError for "advance".
func (s *Server) AdvanceClock(d time.Duration) error {
	if d <= 0 {
		return &FieldError{Field: "advance", Reason: fmt.Sprintf("%s: a positive Go duration such as 72h is expected", d)}
	}
	if err := s.refresh(context.Background()); err != nil {
		return err
	}
	if now := s.clock.Now(); MaxTime.Sub(now) <= d {
		return &FieldError{Field: "advance", Reason: fmt.Sprintf("%s from %s passes %s", d, now.Format(time.RFC3339), MaxTime.Format(time.RFC3339))}
	}
	s.Advance(d)
	return nil
}

// handleSetClock serves POST /_mock/clock {"set": RFC3339} or {"advance": "72h"}.
func (s *Server) handleSetClock(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	var body struct {
		Set     *string `json:"set"`
		Advance *string `json:"advance"`
	}
	if err := readJSON(r, &body); err != nil {
		s.writeControlError(w, err)
		return
	}
	if err := s.changeClock(body.Set, body.Advance); err != nil {
		s.writeControlError(w, fieldRequest(err))
		return
	}
	s.handleClock(w, r, nil)
}

// changeClock is a change of POST /_mock/clock (and of the tooling page's
// clock form): set, an RFC 3339 time, or advance, a Go duration; exactly
// one of them. A refusal is a *FieldError naming set or advance.
func (s *Server) changeClock(set, advance *string) error {
	var err error
	switch {
	case set != nil && advance != nil:
		err = &FieldError{Field: "advance", Reason: "give set or advance, not both"}
	case set != nil:
		t, perr := time.Parse(time.RFC3339Nano, *set)
		if perr != nil {
			err = &FieldError{Field: "set", Reason: fmt.Sprintf("%q is not an RFC 3339 time such as 2026-06-01T09:00:00+05:00", clip(*set))}
			break
		}
		err = s.SetClock(t)
	case advance != nil:
		d, perr := time.ParseDuration(*advance)
		if perr != nil {
			err = &FieldError{Field: "advance", Reason: fmt.Sprintf("%q is not a Go duration such as 72h", clip(*advance))}
			break
		}
		err = s.AdvanceClock(d)
	default:
		err = &FieldError{Field: "set", Reason: "set or advance is required"}
	}
	return err
}

// badRequest is a BAD_REQUEST with msg (English, on the control API; the
// portal's are badRequest2).
func badRequest(msg string) *apiError {
	e := newError(CodeBadRequest, "")
	e.Message, e.English = msg, msg
	return e
}

// badRequest2 is a BAD_REQUEST with the portal's Russian message and the
// control API's English one.
func badRequest2(ru, en string) *apiError {
	e := badRequest(ru)
	e.English = en
	return e
}

// handleTaxpayers serves GET /_mock/taxpayers: the register's pending changes.
func (s *Server) handleTaxpayers(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	changes, err := s.Service().PendingChanges(r.Context())
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	if changes == nil {
		changes = []esfreg.Change{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"pending": changes})
}

// handleSeedTaxpayer serves POST /_mock/taxpayers[?publish=true] with a
// Taxpayer: staged for the next refresh, or visible at once.
func (s *Server) handleSeedTaxpayer(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if err := onlyParams(r, "publish"); err != nil {
		s.writeControlError(w, err)
		return
	}
	publish := false
	switch v := r.URL.Query().Get("publish"); v {
	case "", "false":
	case "true":
		publish = true
	default:
		e := badRequest(fmt.Sprintf("publish: %q, want true or false", clip(v)))
		e.Field = "publish"
		s.writeControlError(w, e)
		return
	}
	data, err := readJSONBody(r)
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	// One taxpayer (an object) or several (an array), as --seed takes them:
	// every one is checked before any is added.
	list, array, err := decodeOneOrMany[esfreg.Taxpayer](data)
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	svc := s.Service()
	for i, t := range list {
		if err := svc.CheckTaxpayer(t); err != nil {
			if array {
				err = indexed(i, err)
			}
			s.writeControlError(w, err)
			return
		}
	}
	changes, err := s.seedTaxpayers(r.Context(), list, publish)
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	if !array {
		writeJSON(w, http.StatusCreated, changes[0])
		return
	}
	writeJSON(w, http.StatusCreated, changes)
}

// indexed names the array element a refusal is about: its field becomes
// "[i].field".
func indexed(i int, err error) error {
	var ee *esfreg.Error
	if errors.As(err, &ee) {
		c := *ee
		c.Field = fmt.Sprintf("[%d].%s", i, ee.Field)
		if ee.Field == "" {
			c.Field = fmt.Sprintf("[%d]", i)
		}
		return &c
	}
	return err
}

// handleTaxpayer serves GET /_mock/taxpayers/:tin: the record ESF sees now.
func (s *Server) handleTaxpayer(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	t, err := s.Service().Taxpayer(r.Context(), p.ByName("tin"))
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// handleAccount serves GET /_mock/accounts/:iin.
func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	a, err := s.Service().Account(r.Context(), p.ByName("iin"))
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// handleSessions serves GET /_mock/sessions.
func (s *Server) handleSessions(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	list, err := s.sessionList(r.Context())
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// handleQueueFault serves POST /_mock/faults with a Fault.
func (s *Server) handleQueueFault(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	var f Fault
	if err := readJSON(r, &f); err != nil {
		s.writeControlError(w, err)
		return
	}
	if err := s.QueueFault(f); err != nil {
		s.writeControlError(w, fieldRequest(err))
		return
	}
	writeJSON(w, http.StatusCreated, f)
}

// handleTrust serves POST /_mock/trust with a CA certificate (DER or PEM).
func (s *Server) handleTrust(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeControlError(w, badRequest(err.Error()))
		return
	}
	c, err := certs.ParseCertificate(data)
	if err != nil {
		s.writeControlError(w, newError(CodeCertificateInvalidForm, ""))
		return
	}
	if err := s.Trust(c); err != nil {
		s.writeControlError(w, fieldRequest(err))
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"trusted": c.CommonName})
}

// handleAddCRL serves POST /_mock/crls with a CRL (DER or PEM).
func (s *Server) handleAddCRL(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeControlError(w, badRequest(err.Error()))
		return
	}
	crl, err := certs.ParseCRL(data)
	if err != nil {
		s.writeControlError(w, badRequest(err.Error()))
		return
	}
	if err := s.AddCRL(crl); err != nil {
		s.writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"issuer": crl.Issuer.CommonName, "revoked": len(crl.Revoked)})
}

// handleReset serves POST /_mock/reset.
func (s *Server) handleReset(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if err := s.reset(r.Context()); err != nil {
		s.writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"reset": true})
}

// handleDump serves GET /_mock/state.
func (s *Server) handleDump(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	data, err := s.dump(r.Context())
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(data)
}

// handleLoad serves PUT /_mock/state with a dump.
func (s *Server) handleLoad(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeControlError(w, badRequest(err.Error()))
		return
	}
	if err := s.load(r.Context(), data); err != nil {
		s.writeControlError(w, badRequest(err.Error()))
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
	if err := onlyParams(r, "kind", "usage", "alg", "iin", "bin"); err != nil {
		s.writeControlError(w, err)
		return
	}
	q := r.URL.Query()
	kinds := map[string]certstest.Kind{"": certstest.KindIndividual, "individual": certstest.KindIndividual,
		"entrepreneur": certstest.KindEntrepreneur, "ceo": certstest.KindCEO, "can-sign": certstest.KindCanSign, "employee": certstest.KindEmployee}
	kind, ok := kinds[q.Get("kind")]
	if !ok {
		s.writeControlError(w, &FieldError{Field: "kind", Reason: "want individual, entrepreneur, ceo, can-sign or employee"})
		return
	}
	p := certstest.Profile{Kind: kind, IIN: q.Get("iin"), BIN: q.Get("bin")}
	switch q.Get("usage") {
	case "", "auth":
		p.Usage = certs.UsageAuth
	case "sign":
		p.Usage = certs.UsageSign
	default:
		s.writeControlError(w, &FieldError{Field: "usage", Reason: "want auth or sign"})
		return
	}
	alg := certs.AlgorithmRSA
	switch q.Get("alg") {
	case "", "rsa":
	case "gost":
		alg = certs.AlgorithmGOST2015_512
	default:
		s.writeControlError(w, &FieldError{Field: "alg", Reason: "want rsa or gost"})
		return
	}
	ca := s.cas[alg]
	if ca == nil {
		s.writeControlError(w, newError(CodeNotFound, ""))
		return
	}
	if err := s.refresh(r.Context()); err != nil {
		s.writeControlError(w, err)
		return
	}
	p.NotBefore = s.clock.Now()
	is, err := ca.Issue(p)
	if err != nil {
		s.writeControlError(w, badRequest(err.Error()))
		return
	}
	w.Header().Set("Content-Type", "application/x-pkcs12")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, is.FileName))
	w.Header().Set("X-PIN", is.PIN)
	_, _ = w.Write(is.PKCS12)
}

// onlyParams refuses a query parameter the route does not take, or one
// given twice, naming it.
func onlyParams(r *http.Request, allowed ...string) error {
	for name, values := range r.URL.Query() {
		if !slices.Contains(allowed, name) {
			takes := strings.Join(allowed, ", ")
			if takes == "" {
				takes = "none"
			}
			e := badRequest(fmt.Sprintf("unknown query parameter %q (this route takes %s)", clip(name), takes))
			e.Field = name
			return e
		}
		if len(values) > 1 {
			e := badRequest(fmt.Sprintf("query parameter %q given %d times", name, len(values)))
			e.Field = name
			return e
		}
	}
	return nil
}

// AccountImport is one account ImportAccounts (POST /_mock/accounts) adds
// at once, as if its registration had completed: the fields of the
// registration form an individual fills in (JSON names as esfreg.Form's,
// checked by the same rules), a plain password the server hashes with its
// own hasher (bcrypt at the mock's cost, or Options.PasswordHasher) and
// never keeps, the profiles, and the register records the account needs.
type AccountImport struct {
	// IIN is the login; it has no account yet.
	IIN   string `json:"iin"`
	Email string `json:"email"`
	// Password is the account's password, under ESF's policy
	// (esfreg.CheckPassword): letters and digits, no IIN, rated Средний or
	// better. Accounts of one import that share a password share its hash.
	Password string `json:"password"`
	// FullName is the person's name as his certificate says it, "SURNAME
	// FIRSTNAME PATRONYMIC".
	FullName            string `json:"fullName"`
	Address             string `json:"address"`
	IDDocumentNumber    string `json:"idDocumentNumber"`
	IDDocumentIssueDate string `json:"idDocumentIssueDate"`
	IDDocumentIssuer    string `json:"idDocumentIssuer"`
	// Profiles are what the person may act as; empty means one
	// INDIVIDUAL profile for the IIN.
	Profiles []ProfileImport `json:"profiles,omitempty"`
	// Taxpayers are register records published (visible at once) with the
	// account: the person's own, an entity he heads. An ENTREPRENEUR or
	// ADMIN_ENTERPRISE profile needs its record, here or in the register.
	Taxpayers []esfreg.Taxpayer `json:"taxpayers,omitempty"`
}

// ProfileImport is a profile of an AccountImport: INDIVIDUAL or
// ENTREPRENEUR for the person's own IIN (TIN empty or the IIN), or
// ADMIN_ENTERPRISE for a BIN the register lists as a legal entity headed
// by the IIN and no other account heads.
type ProfileImport struct {
	TIN  string             `json:"tin,omitempty"`
	Type esfreg.ProfileType `json:"businessProfileType"`
}

// ImportResult is what ImportAccounts added.
type ImportResult struct {
	Accounts  int `json:"accounts"`
	Taxpayers int `json:"taxpayers"`
}

// ImportAccounts adds accounts at once, without the registration's four
// steps, signatures or e-mails: for filling a sandbox (esf mock populate).
// Every account is checked before any is added — the form's rules, no
// account for the IIN yet, no IIN twice, the profiles against the register
// as it will be with the accounts' Taxpayers published — and the first
// refusal comes back naming its field as "[i].field" (an *esfreg.Error
// with the rule's code, or a *FieldError). Then the passwords are hashed
// (each distinct one once, on every core), and the register records and
// the accounts are added in one transaction, checked again in it: all of
// them or none.
func (s *Server) ImportAccounts(list []AccountImport) (ImportResult, error) {
	return s.importAccounts(context.Background(), list, true)
}

// importAccounts is ImportAccounts; with array false the one account's
// fields are named without "[0]." (an object body).
func (s *Server) importAccounts(ctx context.Context, list []AccountImport, array bool) (ImportResult, error) {
	svc := s.Service()
	// Check before hashing, so that a refusal costs no bcrypt.
	err := s.view(ctx, func(r *request) error {
		_, err := s.checkImport(r, svc, list, array)
		return err
	})
	if err != nil {
		return ImportResult{}, err
	}
	hashes, err := hashAll(s.hasher, list)
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	err = s.update(ctx, func(r *request) error {
		res = ImportResult{}
		// Again, in the transaction that writes.
		accounts, err := s.checkImport(r, svc, list, array)
		if err != nil {
			return err
		}
		for _, a := range list {
			for _, t := range a.Taxpayers {
				if _, err := svc.PublishTaxpayer(r.ctx, t); err != nil {
					return err
				}
				res.Taxpayers++
			}
		}
		for i := range accounts {
			accounts[i].PasswordHash = hashes[list[i].Password]
			if err := r.tx.CreateAccount(accounts[i]); err != nil {
				return fmt.Errorf("mockserver: import: account %s: %w", accounts[i].IIN, err)
			}
			res.Accounts++
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// checkImport checks an import against svc's register and store's
// accounts and returns the accounts to store, without their hashes.
func (s *Server) checkImport(r *request, svc *esfreg.Service, list []AccountImport, array bool) ([]esfreg.Account, error) {
	store := r.tx
	at := func(i int, field string) string {
		if !array {
			return field
		}
		if field == "" {
			return fmt.Sprintf("[%d]", i)
		}
		return fmt.Sprintf("[%d].%s", i, field)
	}
	now := r.now
	ids := esfreg.IDOptions{AllowTestIdentities: s.opts.AllowTestIdentities}
	iins := map[string]int{}
	published := map[string]esfreg.Taxpayer{}
	where := map[string]string{} // a published TIN: the field that gave it
	for i, a := range list {
		for j, t := range a.Taxpayers {
			field := at(i, fmt.Sprintf("taxpayers[%d]", j))
			if err := svc.CheckTaxpayer(t); err != nil {
				return nil, refield(err, field)
			}
			if prev, dup := where[t.TIN]; dup {
				return nil, &FieldError{Field: field + ".tin", Reason: fmt.Sprintf("%s is given twice, also at %s", t.TIN, prev)}
			}
			where[t.TIN], published[t.TIN] = field, t
		}
	}
	// taxpayer is the register's record of tin once the import's are published.
	taxpayer := func(tin string) (esfreg.Taxpayer, bool, error) {
		if t, ok := published[tin]; ok {
			return t, true, nil
		}
		t, err := svc.Taxpayer(r.ctx, tin)
		if errors.Is(err, esfreg.ErrTaxpayerNotFound) {
			return esfreg.Taxpayer{}, false, nil
		}
		return t, err == nil, err
	}
	out := make([]esfreg.Account, 0, len(list))
	for i, a := range list {
		f := esfreg.Form{Category: esfreg.Individual, IIN: a.IIN, Email: a.Email, FullName: a.FullName,
			Password: a.Password, PasswordConfirmation: a.Password, Address: a.Address,
			IDDocumentNumber: a.IDDocumentNumber, IDDocumentIssueDate: a.IDDocumentIssueDate, IDDocumentIssuer: a.IDDocumentIssuer}
		if err := f.Validate(esfreg.FormOptions{Now: now, IDOptions: ids}); err != nil {
			return nil, refield(err, at(i, ""))
		}
		if j, dup := iins[a.IIN]; dup {
			return nil, &FieldError{Field: at(i, esfreg.FieldIIN), Reason: fmt.Sprintf("%s is given twice, also at %s", a.IIN, at(j, esfreg.FieldIIN))}
		}
		iins[a.IIN] = i
		if _, err := store.Account(a.IIN); err == nil {
			return nil, &esfreg.Error{Code: esfreg.CodeUserAlreadyRegistered, Field: at(i, esfreg.FieldIIN),
				Message: esfreg.CodeUserAlreadyRegistered.Message(), Err: fmt.Errorf("IIN %s has an account", a.IIN)}
		} else if !errors.Is(err, esfreg.ErrNotFound) {
			return nil, fmt.Errorf("mockserver: import: account %s: %w", a.IIN, err)
		}
		acct := esfreg.Account{IIN: a.IIN, Email: a.Email, FullName: a.FullName, Address: a.Address,
			IDDocumentNumber: a.IDDocumentNumber, IDDocumentIssueDate: a.IDDocumentIssueDate, IDDocumentIssuer: a.IDDocumentIssuer,
			Status: esfreg.StatusActive, CreatedAt: now}
		profiles := a.Profiles
		if len(profiles) == 0 {
			profiles = []ProfileImport{{Type: esfreg.ProfileIndividual}}
		}
		for k, p := range profiles {
			field := at(i, fmt.Sprintf("profiles[%d]", k))
			if err := checkImportProfile(&p, a.IIN, field, ids, taxpayer); err != nil {
				return nil, err
			}
			if p.Type == esfreg.ProfileAdminEnterprise {
				// One head per entity: the register names one, and an
				// IIN comes once, so only a registered head can clash.
				registered, err := store.ProfilesByTIN(p.TIN)
				if err != nil {
					return nil, fmt.Errorf("mockserver: import: profiles of %s: %w", p.TIN, err)
				}
				for _, rp := range registered {
					if rp.Type == esfreg.ProfileAdminEnterprise && rp.Active() {
						return nil, &esfreg.Error{Code: esfreg.CodeEnterpriseAlreadyRegistered, Field: field + ".tin",
							Message: esfreg.CodeEnterpriseAlreadyRegistered.Message(), Err: fmt.Errorf("BIN %s has the registered head %s", p.TIN, rp.IIN)}
					}
				}
			}
			if err := acct.AddProfile(esfreg.Profile{IIN: a.IIN, TIN: p.TIN, Type: p.Type}, now); err != nil {
				return nil, &FieldError{Field: field, Reason: fmt.Sprintf("%s for %s is given twice", p.Type, p.TIN)}
			}
		}
		out = append(out, acct)
	}
	return out, nil
}

// checkImportProfile checks one profile of an import and fills in its TIN.
func checkImportProfile(p *ProfileImport, iin, field string, ids esfreg.IDOptions, taxpayer func(string) (esfreg.Taxpayer, bool, error)) error {
	switch p.Type {
	case esfreg.ProfileIndividual, esfreg.ProfileEntrepreneur:
		if p.TIN == "" {
			p.TIN = iin
		}
		if p.TIN != iin {
			return &FieldError{Field: field + ".tin", Reason: fmt.Sprintf("%q: an %s profile's TIN is the IIN, %s", clip(p.TIN), p.Type, iin)}
		}
		if p.Type == esfreg.ProfileIndividual {
			return nil
		}
		t, ok, err := taxpayer(iin)
		if err != nil {
			return err
		}
		if !ok || !t.IsEntrepreneur() {
			return &esfreg.Error{Code: esfreg.CodeNotEntrepreneur, Field: field + ".tin", Message: esfreg.CodeNotEntrepreneur.Message(),
				Err: fmt.Errorf("the register lists no entrepreneur with IIN %s (publish one in taxpayers)", iin)}
		}
	case esfreg.ProfileAdminEnterprise:
		if _, err := ids.ParseBIN(p.TIN); err != nil {
			return refield(err, field+".tin")
		}
		t, ok, err := taxpayer(p.TIN)
		if err != nil {
			return err
		}
		if !ok || !t.IsLegalEntity() {
			return &esfreg.Error{Code: esfreg.CodeTaxpayerNotFound, Field: field + ".tin", Message: esfreg.CodeTaxpayerNotFound.Message(),
				Err: fmt.Errorf("the register lists no legal entity with BIN %s (publish one in taxpayers)", p.TIN)}
		}
		if t.EnterpriseAdministrator != iin {
			return &esfreg.Error{Code: esfreg.CodeHeadMismatch, Field: field + ".tin", Message: esfreg.CodeHeadMismatch.Message(),
				Err: fmt.Errorf("the register names %q head of BIN %s, not %s", t.EnterpriseAdministrator, p.TIN, iin)}
		}
	case "":
		return &FieldError{Field: field + ".businessProfileType", Reason: "required: INDIVIDUAL, ENTREPRENEUR or ADMIN_ENTERPRISE"}
	default:
		return &FieldError{Field: field + ".businessProfileType", Reason: fmt.Sprintf("%q: want INDIVIDUAL, ENTREPRENEUR or ADMIN_ENTERPRISE", clip(string(p.Type)))}
	}
	return nil
}

// refield returns the first refusal of err with its field put under
// prefix ("[3]" and "email" make "[3].email").
func refield(err error, prefix string) error {
	var ee *esfreg.Error
	if !errors.As(err, &ee) {
		return err
	}
	c := *ee
	switch {
	case prefix == "":
	case c.Field == "":
		c.Field = prefix
	default:
		c.Field = prefix + "." + c.Field
	}
	return &c
}

// hashAll hashes each distinct password of list once, on every core.
func hashAll(h esfreg.PasswordHasher, list []AccountImport) (map[string]string, error) {
	hashes := map[string]string{}
	var distinct []string
	for _, a := range list {
		if _, ok := hashes[a.Password]; !ok {
			hashes[a.Password] = ""
			distinct = append(distinct, a.Password)
		}
	}
	out := make([]string, len(distinct))
	errs := make([]error, len(distinct))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(distinct)) {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= len(distinct) {
					return
				}
				out[k], errs[k] = h.Hash(distinct[k])
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("mockserver: import: %w", err)
	}
	for k, pw := range distinct {
		hashes[pw] = out[k]
	}
	return hashes, nil
}

// handleImportAccounts serves POST /_mock/accounts with one AccountImport
// (an object) or several (an array): every one is checked before any is
// added (ImportAccounts); the answer is the ImportResult.
func (s *Server) handleImportAccounts(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if err := onlyParams(r); err != nil {
		s.writeControlError(w, err)
		return
	}
	data, err := readJSONBody(r)
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	list, array, err := decodeOneOrMany[AccountImport](data)
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	res, err := s.importAccounts(r.Context(), list, array)
	if err != nil {
		s.writeControlError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}
