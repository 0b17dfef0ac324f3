package mockserver

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/esfkit/esf/agreement"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/xmlsig"
)

// ApplicationTTL is how long a registration may sit between its steps.
const ApplicationTTL = time.Hour

// application is a registration between steps 1 and 4.
type application struct {
	ID         string
	App        *esfreg.Application
	Lang       agreement.Lang
	Form       *esfreg.Form       // after step 2
	Agreements []esfreg.Agreement // what step 3 asks to sign
	Expires    time.Time
}

// StartRequest is the body of POST /esf-web/ajax/registration: step 1,
// "Выбор сертификата". The key is proved by signing a log-in ticket
// (GET /esf-web/ajax/login/ticket) with it.
type StartRequest struct {
	Category     esfreg.Category `json:"category"`
	SignedTicket string          `json:"signedTicket"`
	// Lang is the agreements' language, "ru" (default) or "kk".
	Lang string `json:"lang,omitempty"`
}

// StartResponse answers step 1 with step 2's prefilled form.
type StartResponse struct {
	ApplicationID string      `json:"applicationId"`
	Form          esfreg.Form `json:"form"`
	// ExistingAccount says the IIN has an account: the form asks for the
	// current password (currentPassword), not a new one.
	ExistingAccount      bool             `json:"existingAccount"`
	HasIndividualProfile bool             `json:"hasIndividualProfile"`
	Taxpayer             *esfreg.Taxpayer `json:"taxpayer,omitempty"`
}

// handleRegistrationStart serves POST /esf-web/ajax/registration (step 1).
func (s *Server) handleRegistrationStart(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	if err := s.injected(r.URL.Path); err != nil {
		s.writeError(w, err)
		return
	}
	var req StartRequest
	if err := readJSON(r, &req); err != nil {
		s.writeError(w, err)
		return
	}
	lang := agreement.Lang(req.Lang)
	if lang == "" {
		lang = agreement.Russian
	}
	if lang != agreement.Russian && lang != agreement.Kazakh {
		s.writeError(w, newError(esfreg.CodeFieldInvalid, "lang"))
		return
	}
	cert, err := s.redeemTicket(req.SignedTicket)
	if err != nil {
		s.writeError(w, err)
		return
	}
	app, err := s.Service().Begin(req.Category, cert)
	if err != nil {
		s.writeError(w, err)
		return
	}
	id, err := s.randomHex(20)
	if err != nil {
		s.writeError(w, err)
		return
	}
	now := s.clock.Now()
	s.mu.Lock()
	for k, a := range s.apps {
		if now.After(a.Expires) {
			delete(s.apps, k)
		}
	}
	s.apps[id] = &application{ID: id, App: app, Lang: lang, Expires: now.Add(ApplicationTTL)}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, StartResponse{ApplicationID: id, Form: app.Form(), ExistingAccount: app.ExistingAccount(),
		HasIndividualProfile: app.HasIndividualProfile, Taxpayer: app.Taxpayer})
}

// application returns the registration in progress with id.
func (s *Server) application(id string) (*application, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[id]
	if !ok || s.clock.Now().After(a.Expires) {
		return nil, newError(CodeApplicationNotFound, "applicationId")
	}
	return a, nil
}

// FormRequest is the body of POST /esf-web/ajax/registration/:id/form (step 2).
type FormRequest struct {
	Form esfreg.Form `json:"form"`
}

// AgreementToSign is one agreement of step 3: the document to sign.
type AgreementToSign struct {
	Kind     esfreg.AgreementKind `json:"kind"`
	Title    string               `json:"title"`
	Document string               `json:"document"`
}

// FormResponse answers step 2 with step 3's agreements.
type FormResponse struct {
	Agreements []AgreementToSign `json:"agreements"`
}

// handleRegistrationForm serves POST /esf-web/ajax/registration/:id/form:
// step 2's form; the answer lists the agreements to sign (two for a head
// not yet registered as an individual).
func (s *Server) handleRegistrationForm(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	if err := s.injected("/esf-web/ajax/registration/form"); err != nil {
		s.writeError(w, err)
		return
	}
	a, err := s.application(p.ByName("id"))
	if err != nil {
		s.writeError(w, err)
		return
	}
	var req FormRequest
	if err := readJSON(r, &req); err != nil {
		s.writeError(w, err)
		return
	}
	// An existing account types its current password here: the same
	// throttle as every password check.
	if err := s.checkPassword(a.App.IIN, esfreg.FieldCurrentPassword, func() error { return s.Service().CheckForm(a.App, req.Form) }); err != nil {
		s.writeError(w, err)
		return
	}
	list := a.App.Agreements(req.Form, s.clock.Now())
	out := FormResponse{}
	for _, ag := range list {
		doc, err := AgreementDocument(ag, a.Lang)
		if err != nil {
			s.writeError(w, err)
			return
		}
		x, err := doc.XML()
		if err != nil {
			s.writeError(w, err)
			return
		}
		out.Agreements = append(out.Agreements, AgreementToSign{Kind: ag.Kind, Title: ag.Kind.Title(), Document: string(x)})
	}
	s.mu.Lock()
	form := req.Form
	a.Form = &form
	a.Agreements = list
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// AgreementsRequest is the body of POST /esf-web/ajax/registration/:id/agreements
// (step 3): the signed agreements.
type AgreementsRequest struct {
	Signed []string `json:"signed"`
}

// AgreementsResponse answers step 4: the request is made, the e-mail sent.
type AgreementsResponse struct {
	Success   bool   `json:"success"`
	Message   string `json:"message"`
	RequestID string `json:"requestId"`
	Email     string `json:"email"`
}

// handleRegistrationAgreements serves POST
// /esf-web/ajax/registration/:id/agreements: steps 3 and 4. Each signed
// agreement is verified (xmlsig) and read back from what was signed only;
// esfreg checks who signed it and that it is the agreement step 3 showed.
func (s *Server) handleRegistrationAgreements(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	if err := s.injected("/esf-web/ajax/registration/agreements"); err != nil {
		s.writeError(w, err)
		return
	}
	a, err := s.application(p.ByName("id"))
	if err != nil {
		s.writeError(w, err)
		return
	}
	var req AgreementsRequest
	if err := readJSON(r, &req); err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	form := a.Form
	s.mu.Unlock()
	if form == nil {
		s.writeError(w, newError(esfreg.CodeFieldRequired, "form"))
		return
	}
	var signed []esfreg.SignedAgreement
	for i, doc := range req.Signed {
		v, err := xmlsig.Verify([]byte(doc), xmlsig.VerifyOptions{MaxSize: int(s.opts.MaxBody)})
		if err != nil {
			e := newError(CodeSignatureNotValid, fmt.Sprintf("signed[%d]", i))
			e.Description = err.Error()
			s.writeError(w, e)
			return
		}
		parsed, err := agreement.Parse(v.Signed)
		if err != nil {
			s.writeError(w, newError(esfreg.CodeAgreementMismatch, fmt.Sprintf("signed[%d]", i)))
			return
		}
		signed = append(signed, esfreg.SignedAgreement{Agreement: fromDocument(parsed), Signer: v.Signer, Document: []byte(doc)})
	}
	conf, err := s.Service().Submit(a.App, *form, signed)
	if err != nil {
		s.writeError(w, err)
		return
	}
	link := s.baseURL(r) + esfreg.RegistrationLinkPath + conf.Token
	req2 := conf.Request
	s.mu.Lock()
	delete(s.apps, a.ID)
	s.sendLocked(registrationMail(req2.Email, req2.Category, a.Lang, req2.FullName, req2.IIN, req2.CompanyName, req2.BIN, link))
	err = s.persistLocked()
	s.mu.Unlock()
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, AgreementsResponse{Success: true, Message: conf.Message, RequestID: req2.ID, Email: req2.Email})
}

// handleRegistrationLink serves GET /esf-web/self-registration-request/:token:
// the e-mailed link. Completing needs a log-in (POST to the same path).
func (s *Server) handleRegistrationLink(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	writeJSON(w, http.StatusOK, map[string]any{
		"token":   p.ByName("token"),
		"message": "Для завершения регистрации войдите в систему с регистрационным свидетельством для аутентификации и паролем",
		"login":   r.URL.Path,
	})
}

// handleRegistrationComplete serves POST /esf-web/self-registration-request/:token:
// the first log-in after following the link completes the registration and
// sends the completion e-mail.
func (s *Server) handleRegistrationComplete(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	if err := s.injected("/esf-web/self-registration-request"); err != nil {
		s.writeError(w, err)
		return
	}
	f, err := readLoginForm(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	res, err := s.portalLogin(f, p.ByName("token"))
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"success":  true,
		"message":  "Регистрация завершена",
		"iin":      res.Account.IIN,
		"profiles": res.Account.ActiveProfiles(),
		"redirect": "/esf-web/app",
	})
}

// completed sends the completion e-mail of a completed registration.
func (s *Server) completed(c *esfreg.Completion) {
	company, bin := "", ""
	for _, p := range c.Added {
		if p.Type == esfreg.ProfileAdminEnterprise {
			bin = p.TIN
			if t, err := s.Service().Taxpayer(p.TIN); err == nil {
				company = t.Name()
			}
		}
	}
	name := c.Account.FullName
	s.mu.Lock()
	s.sendLocked(completionMail(c.Account.Email, name, c.Account.IIN, company, bin))
	s.mu.Unlock()
}

// baseURL is the scheme and host the request came to, for e-mailed links.
func (s *Server) baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// AgreementDocument turns step 3's agreement into the agreement package's
// document in lang.
func AgreementDocument(a esfreg.Agreement, lang agreement.Lang) (*agreement.Agreement, error) {
	kinds := map[esfreg.AgreementKind]agreement.Kind{
		esfreg.AgreementIndividual:   agreement.Individual,
		esfreg.AgreementEntrepreneur: agreement.Entrepreneur,
		esfreg.AgreementLegalEntity:  agreement.LegalEntity,
	}
	r := a.Requisites
	return agreement.New(kinds[a.Kind], lang, agreement.Requisites{
		IIN: r.IIN, FullName: r.FullName, IDDocumentNumber: r.IDDocumentNumber, IDDocumentIssuer: r.IDDocumentIssuer,
		IDDocumentIssueDate: r.IDDocumentIssueDate, Address: r.Address, BIN: r.BIN, CompanyName: r.CompanyName,
		ActingOnBasisOf: strings.TrimSpace(r.ActingOnBasisOf),
	}, a.Date)
}

// fromDocument is AgreementDocument's inverse, for what was signed.
func fromDocument(d *agreement.Agreement) esfreg.Agreement {
	kinds := map[agreement.Kind]esfreg.AgreementKind{
		agreement.Individual:   esfreg.AgreementIndividual,
		agreement.Entrepreneur: esfreg.AgreementEntrepreneur,
		agreement.LegalEntity:  esfreg.AgreementLegalEntity,
	}
	r := d.Requisites
	return esfreg.Agreement{Kind: kinds[d.Kind], Date: d.Date, Requisites: esfreg.Requisites{
		IIN: r.IIN, FullName: r.FullName, IDDocumentNumber: r.IDDocumentNumber, IDDocumentIssuer: r.IDDocumentIssuer,
		IDDocumentIssueDate: r.IDDocumentIssueDate, Address: r.Address, BIN: r.BIN, CompanyName: r.CompanyName,
		ActingOnBasisOf: r.ActingOnBasisOf,
	}}
}
