package mockserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/esfkit/esf/esfreg"
)

// uiListLimit bounds the rows of a list page: a sandbox may hold
// thousands of e-mails or accounts; the page says how many it left out.
const uiListLimit = 500

// handleUIRoot serves GET /_mock/ui: the overview is at /_mock/ui/.
func (s *Server) handleUIRoot(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	http.Redirect(w, r, uiPrefix, http.StatusMovedPermanently)
}

// handleUIIndex serves GET /_mock/ui/: the overview, linking every page.
func (s *Server) handleUIIndex(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	s.uiRender(w, r, http.StatusOK, "index", &uiPage{Title: "ESF mock tooling", Nav: "index", Data: uiNav[1:]})
}

// handleUIStatic serves GET /_mock/ui/static/:file: the embedded stylesheet.
func (s *Server) handleUIStatic(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	name := p.ByName("file")
	data, err := uiFiles.ReadFile("ui/" + name)
	if err != nil || path.Ext(name) != ".css" {
		s.uiRefuse(w, r, http.StatusNotFound, "Not found", "No such file.")
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(data)
}

// The mailbox.

// uiMailbox is the mailbox page's data.
type uiMailbox struct {
	Mail    []Mail // newest first
	Total   int
	To      string
	Omitted int
}

// handleUIMailbox serves GET /_mock/ui/mail[?to=address]: the outbox,
// newest first (what GET /_mock/mail returns, oldest first).
func (s *Server) handleUIMailbox(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	to := strings.TrimSpace(r.URL.Query().Get("to"))
	list, err := s.mail(r.Context(), to)
	if err != nil {
		s.uiRefuse(w, r, http.StatusInternalServerError, "The store failed", err.Error())
		return
	}
	slices.Reverse(list)
	d := uiMailbox{Mail: list, Total: len(list), To: to}
	if len(list) > uiListLimit {
		d.Mail, d.Omitted = list[:uiListLimit], len(list)-uiListLimit
	}
	s.uiRender(w, r, http.StatusOK, "mail", &uiPage{Title: "Mailbox", Nav: "mail", Form: url.Values{"to": {to}}, Data: d})
}

// uiMessage is the message page's data.
type uiMessage struct {
	Mail Mail
	Body []uiTextPart
	// Foreign counts the links to another host, shown as text.
	Foreign int
}

// handleUIMessage serves GET /_mock/ui/mail/:id: one e-mail, its links to
// the mock itself clickable.
func (s *Server) handleUIMessage(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	id, err := strconv.Atoi(p.ByName("id"))
	if err != nil || id <= 0 || strconv.Itoa(id) != p.ByName("id") {
		s.uiRefuse(w, r, http.StatusNotFound, "No such e-mail", "An e-mail's number is a positive integer.")
		return
	}
	var m Mail
	err = s.view(r.Context(), func(rq *request) error {
		err := getJSON(rq.tx, kindMail, mailKey(id), &m)
		if errors.Is(err, esfreg.ErrNotFound) {
			// Kept by a version before mailKey, until retention drops it.
			err = getJSON(rq.tx, kindMail, seqKey(id), &m)
		}
		return err
	})
	if errors.Is(err, esfreg.ErrNotFound) {
		s.uiRefuse(w, r, http.StatusNotFound, "No such e-mail",
			fmt.Sprintf("The outbox holds no e-mail %d: never sent, or dropped by retention after %s.", id, s.retention()))
		return
	}
	if err != nil {
		s.uiRefuse(w, r, http.StatusInternalServerError, "The store failed", err.Error())
		return
	}
	parts := uiLinkParts(m.Body, r.Host)
	foreign := 0
	for _, l := range uiLinkRE.FindAllString(m.Body, -1) {
		if _, ok := uiSelfLink(uiTrimLink(l), r.Host); !ok {
			foreign++
		}
	}
	s.uiRender(w, r, http.StatusOK, "message", &uiPage{Title: "E-mail " + strconv.Itoa(id), Nav: "mail",
		Data: uiMessage{Mail: m, Body: parts, Foreign: foreign}})
}

// uiTextPart is a piece of an e-mail's body: text, or a link (Href) to
// the mock itself.
type uiTextPart struct{ Text, Href string }

// uiLinkRE finds what looks like a link in an e-mail's text.
var uiLinkRE = regexp.MustCompile("(?i)https?://[^\\s<>\"'`]+")

// uiTrimLink drops the punctuation a sentence puts after a link.
func uiTrimLink(s string) string { return strings.TrimRight(s, ".,;:!?)]}»") }

// uiLinkParts splits body into text and the http(s) links to host (the
// host the page was asked of: the mock itself); a link elsewhere — the
// host of a registration request's Host header, anything a taxpayer's
// name carries — stays text. The template escapes every part.
func uiLinkParts(body, host string) []uiTextPart {
	var out []uiTextPart
	last := 0
	for _, m := range uiLinkRE.FindAllStringIndex(body, -1) {
		raw := uiTrimLink(body[m[0]:m[1]])
		href, ok := uiSelfLink(raw, host)
		if !ok || raw == "" {
			continue
		}
		if m[0] > last {
			out = append(out, uiTextPart{Text: body[last:m[0]]})
		}
		out = append(out, uiTextPart{Text: raw, Href: href})
		last = m[0] + len(raw)
	}
	if last < len(body) {
		out = append(out, uiTextPart{Text: body[last:]})
	}
	return out
}

// uiSelfLink returns raw as a link when it is an http(s) URL of host.
func uiSelfLink(raw, host string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.Host == "" || host == "" ||
		!strings.EqualFold(u.Host, host) || u.Opaque != "" {
		return "", false
	}
	return raw, true
}

// The register.

// uiRegister is the register page's data.
type uiRegister struct {
	// Taxpayers are the register as ESF sees it now, by TIN.
	Taxpayers []esfreg.Taxpayer
	Total     int
	Omitted   int
	// Pending are the changes ESF does not see yet (GET /_mock/taxpayers).
	Pending     []esfreg.Change
	NextRefresh time.Time
	Types       []esfreg.EnterpriseType
	// Found is the record of the TIN looked up.
	Found *esfreg.Taxpayer
}

// uiTaxpayerFields are the register form's fields: the JSON names of
// esfreg.Taxpayer, which its refusals name.
var uiTaxpayerFields = []string{"tin", "type", "nameRu", "nameKz", "lastNameRu", "firstNameRu", "middleNameRu",
	"lastNameKz", "firstNameKz", "middleNameKz", "addressRu", "addressKz", "certificateSeries", "certificateNum",
	"resident", "headOffice", "resourceUser", "enterpriseAdministrator", "budgetIin", "kogd"}

var uiEnterpriseTypes = []esfreg.EnterpriseType{esfreg.EnterpriseIndividual, esfreg.EnterpriseIndividualEntrepreneur,
	esfreg.EnterprisePrivate, esfreg.EnterpriseState, esfreg.EnterpriseNotSet}

// handleUITaxpayers serves GET /_mock/ui/taxpayers[?tin=]: the register as
// ESF sees it now, the pending changes, a TIN looked up (GET
// /_mock/taxpayers/:tin), and the form that publishes or stages one.
func (s *Server) handleUITaxpayers(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	p := &uiPage{Title: "Tax register", Nav: "taxpayers", Form: url.Values{"resident": {"on"}}}
	var found *esfreg.Taxpayer
	if tin := strings.TrimSpace(r.URL.Query().Get("tin")); tin != "" {
		p.Form.Set("lookup", tin)
		t, err := s.Service().Taxpayer(r.Context(), tin)
		if err != nil {
			p.Errors, _ = uiRefusals(reField(err, "lookup"), "lookup")
		} else {
			found = &t
		}
	}
	s.uiRenderRegister(w, r, http.StatusOK, p, found)
}

// reField names field in an esfreg refusal of one field ("tin" of a
// lookup is the page's "lookup").
func reField(err error, field string) error {
	var ee *esfreg.Error
	if errors.As(err, &ee) {
		c := *ee
		c.Field = field
		return &c
	}
	return err
}

func (s *Server) uiRenderRegister(w http.ResponseWriter, r *http.Request, status int, p *uiPage, found *esfreg.Taxpayer) {
	d := uiRegister{Types: uiEnterpriseTypes, Found: found}
	err := s.view(r.Context(), func(rq *request) error {
		all, err := rq.tx.AllChanges()
		if err != nil {
			return err
		}
		byTIN := map[string][]esfreg.Change{}
		for _, c := range all {
			byTIN[c.Taxpayer.TIN] = append(byTIN[c.Taxpayer.TIN], c)
		}
		d.Taxpayers = d.Taxpayers[:0]
		for _, cs := range byTIN {
			if t, ok := esfreg.TaxpayerAt(cs, rq.now); ok {
				d.Taxpayers = append(d.Taxpayers, t)
			}
		}
		slices.SortFunc(d.Taxpayers, func(a, b esfreg.Taxpayer) int { return strings.Compare(a.TIN, b.TIN) })
		d.Pending, err = s.Service().PendingChanges(rq.ctx)
		d.NextRefresh = esfreg.NextRefresh(rq.now)
		p.Now = rq.now
		return err
	})
	if err != nil {
		s.uiRefuse(w, r, http.StatusInternalServerError, "The store failed", err.Error())
		return
	}
	d.Total = len(d.Taxpayers)
	if d.Total > uiListLimit {
		d.Taxpayers, d.Omitted = d.Taxpayers[:uiListLimit], d.Total-uiListLimit
	}
	p.Data = d
	s.uiRender(w, r, status, "taxpayers", p)
}

// handleUISeedTaxpayer serves POST /_mock/ui/taxpayers: the form's
// taxpayer published now (action=publish) or staged for the next refresh
// (action=stage), as POST /_mock/taxpayers[?publish=true] does.
func (s *Server) handleUISeedTaxpayer(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	f := r.PostForm
	p := &uiPage{Title: "Tax register", Nav: "taxpayers", Form: url.Values{}}
	for _, name := range uiTaxpayerFields {
		p.Form.Set(name, strings.TrimSpace(f.Get(name)))
	}
	fail := func(err error) {
		errs, status := uiRefusals(err, uiTaxpayerFields...)
		p.Errors = errs
		s.uiRenderRegister(w, r, status, p, nil)
	}
	var publish bool
	switch a := f.Get("action"); a {
	case "publish":
		publish = true
	case "stage":
	default:
		fail(&FieldError{Field: "action", Reason: fmt.Sprintf("%q: want publish or stage", clip(a))})
		return
	}
	t := esfreg.Taxpayer{
		TIN: p.Form.Get("tin"), Type: esfreg.EnterpriseType(p.Form.Get("type")),
		NameRu: p.Form.Get("nameRu"), NameKz: p.Form.Get("nameKz"),
		LastNameRu: p.Form.Get("lastNameRu"), FirstNameRu: p.Form.Get("firstNameRu"), MiddleNameRu: p.Form.Get("middleNameRu"),
		LastNameKz: p.Form.Get("lastNameKz"), FirstNameKz: p.Form.Get("firstNameKz"), MiddleNameKz: p.Form.Get("middleNameKz"),
		AddressRu: p.Form.Get("addressRu"), AddressKz: p.Form.Get("addressKz"),
		CertificateSeries: p.Form.Get("certificateSeries"), CertificateNum: p.Form.Get("certificateNum"),
		Resident: p.Form.Get("resident") != "", HeadOffice: p.Form.Get("headOffice"), ResourceUser: p.Form.Get("resourceUser") != "",
		EnterpriseAdministrator: p.Form.Get("enterpriseAdministrator"), BudgetIIN: p.Form.Get("budgetIin"), KOGD: p.Form.Get("kogd"),
	}
	if t.Type != "" && !slices.Contains(uiEnterpriseTypes, t.Type) {
		fail(&FieldError{Field: "type", Reason: fmt.Sprintf("%q is not an EnterpriseType", clip(string(t.Type)))})
		return
	}
	// As handleSeedTaxpayer: checked, then added in one transaction.
	if err := s.Service().CheckTaxpayer(t); err != nil {
		fail(err)
		return
	}
	changes, err := s.seedTaxpayers(r.Context(), []esfreg.Taxpayer{t}, publish)
	if err != nil {
		fail(err)
		return
	}
	c := changes[0]
	msg := fmt.Sprintf("Published %s (%s): ESF sees it now.", t.TIN, t.Name())
	if !publish {
		msg = fmt.Sprintf("Staged %s (%s): ESF sees it from the next refresh, %s.", t.TIN, t.Name(), uiWhen(c.EffectiveAt))
	}
	s.uiDone(w, r, uiPrefix+"taxpayers", msg)
}

// Accounts and sessions.

// uiAccounts is the accounts page's data.
type uiAccounts struct {
	Accounts []esfreg.Account
	Total    int
	Omitted  int
	Found    *esfreg.Account
}

// handleUIAccounts serves GET /_mock/ui/accounts[?iin=]: every account
// (by IIN), and the one of iin looked up as GET /_mock/accounts/:iin does.
func (s *Server) handleUIAccounts(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	p := &uiPage{Title: "Accounts", Nav: "accounts", Form: url.Values{}}
	var d uiAccounts
	if iin := strings.TrimSpace(r.URL.Query().Get("iin")); iin != "" {
		p.Form.Set("iin", iin)
		a, err := s.Service().Account(r.Context(), iin)
		if err != nil {
			p.Errors, _ = uiRefusals(reField(err, "iin"), "iin")
		} else {
			d.Found = &a
		}
	}
	err := s.view(r.Context(), func(rq *request) error {
		list, err := rq.tx.Accounts()
		d.Accounts = list
		p.Now = rq.now
		return err
	})
	if err != nil {
		s.uiRefuse(w, r, http.StatusInternalServerError, "The store failed", err.Error())
		return
	}
	for i := range d.Accounts {
		d.Accounts[i].PasswordHash = ""
	}
	d.Total = len(d.Accounts)
	if d.Total > uiListLimit {
		d.Accounts, d.Omitted = d.Accounts[:uiListLimit], d.Total-uiListLimit
	}
	status := http.StatusOK
	if len(p.Errors) > 0 {
		status = http.StatusNotFound
	}
	p.Data = d
	s.uiRender(w, r, status, "accounts", p)
}

// uiSession is a row of the sessions page.
type uiSession struct {
	Session
	// State is open, closed, or idle (closes at its next use).
	State string
}

// handleUISessions serves GET /_mock/ui/sessions: the API sessions (GET
// /_mock/sessions), newest first.
func (s *Server) handleUISessions(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	list, err := s.sessionList(r.Context())
	if err != nil {
		s.uiRefuse(w, r, http.StatusInternalServerError, "The store failed", err.Error())
		return
	}
	now := s.clock.Now()
	rows := make([]uiSession, 0, len(list))
	for _, sess := range list {
		st := "open"
		switch {
		case sess.Closed:
			st = "closed"
		case now.Sub(sess.LastUsed) >= DefaultSessionIdle:
			st = "idle"
		}
		rows = append(rows, uiSession{Session: sess, State: st})
	}
	slices.SortStableFunc(rows, func(a, b uiSession) int { return b.Created.Compare(a.Created) })
	s.uiRender(w, r, http.StatusOK, "sessions", &uiPage{Title: "API sessions", Nav: "sessions", Now: now, Data: rows})
}

// The clock.

// uiClock is the clock page's data.
type uiClock struct {
	NextRefresh time.Time
	Offset      time.Duration
}

// handleUIClock serves GET /_mock/ui/clock: the mock's now, and the forms
// that set or advance it.
func (s *Server) handleUIClock(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	s.uiRenderClock(w, r, http.StatusOK, &uiPage{})
}

func (s *Server) uiRenderClock(w http.ResponseWriter, r *http.Request, status int, p *uiPage) {
	p.Title, p.Nav = "Clock", "clock"
	var d uiClock
	err := s.view(r.Context(), func(rq *request) error {
		p.Now, d.Offset = rq.now, rq.shared.ClockOffset
		return nil
	})
	if err != nil {
		s.uiRefuse(w, r, http.StatusInternalServerError, "The store failed", err.Error())
		return
	}
	d.NextRefresh = esfreg.NextRefresh(p.Now)
	if p.Form == nil {
		p.Form = url.Values{"set": {uiWhen(p.Now)}}
	}
	p.Data = d
	s.uiRender(w, r, status, "clock", p)
}

// handleUISetClock serves POST /_mock/ui/clock with set (RFC 3339) or
// advance (a Go duration), as POST /_mock/clock does.
func (s *Server) handleUISetClock(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	var set, advance *string
	if v, ok := r.PostForm["set"]; ok {
		set = &v[0]
	}
	if v, ok := r.PostForm["advance"]; ok {
		advance = &v[0]
	}
	trim := func(p *string) *string {
		if p == nil {
			return nil
		}
		t := strings.TrimSpace(*p)
		return &t
	}
	set, advance = trim(set), trim(advance)
	if err := s.changeClock(set, advance); err != nil {
		errs, status := uiRefusals(err, "set", "advance")
		form := url.Values{}
		for k, v := range map[string]*string{"set": set, "advance": advance} {
			if v != nil {
				form.Set(k, *v)
			}
		}
		s.uiRenderClock(w, r, status, &uiPage{Errors: errs, Form: form})
		return
	}
	msg := "Clock set: the mock's time is now " + uiWhen(s.clock.Now()) + "."
	if advance != nil {
		msg = "Clock advanced by " + *advance + ": the mock's time is now " + uiWhen(s.clock.Now()) + "."
	}
	s.uiDone(w, r, uiPrefix+"clock", msg)
}

// Faults.

// uiFaults is the faults page's data.
type uiFaults struct {
	Queued  []queuedFault
	Matches []string
	Codes   []esfreg.Code
}

// handleUIFaults serves GET /_mock/ui/faults: the faults queued, and the
// form that queues one.
func (s *Server) handleUIFaults(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	s.uiRenderFaults(w, r, http.StatusOK, &uiPage{Form: url.Values{"count": {"1"}}})
}

func (s *Server) uiRenderFaults(w http.ResponseWriter, r *http.Request, status int, p *uiPage) {
	p.Title, p.Nav = "Queued faults", "faults"
	d := uiFaults{Matches: FaultMatches(), Codes: uiKnownCodes()}
	err := s.view(r.Context(), func(rq *request) error {
		d.Queued = d.Queued[:0]
		list, err := rq.tx.RecordsOf(kindFault, "")
		if err != nil {
			return err
		}
		for _, rec := range list {
			var f queuedFault
			if err := json.Unmarshal(rec.Data, &f); err != nil {
				return fmt.Errorf("mockserver: fault %s: %w", rec.Key, err)
			}
			if f.Left > 0 {
				d.Queued = append(d.Queued, f)
			}
		}
		p.Now = rq.now
		return nil
	})
	if err != nil {
		s.uiRefuse(w, r, http.StatusInternalServerError, "The store failed", err.Error())
		return
	}
	p.Data = d
	s.uiRender(w, r, status, "faults", p)
}

// uiKnownCodes are the codes a fault may answer with, sorted.
func uiKnownCodes() []esfreg.Code {
	out := append(esfreg.Codes(), Codes()...)
	slices.Sort(out)
	return slices.Compact(out)
}

// handleUIQueueFault serves POST /_mock/ui/faults with match, code,
// message and count, as POST /_mock/faults does.
func (s *Server) handleUIQueueFault(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	form := url.Values{}
	for _, k := range []string{"match", "code", "message", "count"} {
		form.Set(k, strings.TrimSpace(r.PostForm.Get(k)))
	}
	f := Fault{Match: form.Get("match"), Code: esfreg.Code(form.Get("code")), Message: form.Get("message")}
	var err error
	if c := form.Get("count"); c != "" {
		if f.Count, err = strconv.Atoi(c); err != nil {
			err = &FieldError{Field: "count", Reason: fmt.Sprintf("%q is not a whole number (1..%d)", clip(c), MaxFaultCount)}
		}
	}
	if err == nil {
		err = s.QueueFault(f)
	}
	if err != nil {
		errs, status := uiRefusals(err, "match", "code", "message", "count")
		s.uiRenderFaults(w, r, status, &uiPage{Errors: errs, Form: form})
		return
	}
	n := max(f.Count, 1)
	s.uiDone(w, r, uiPrefix+"faults", fmt.Sprintf("Queued: the next %d call(s) of %s answer %s.", n, f.Match, f.Code))
}
