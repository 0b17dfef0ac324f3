package mockserver

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/esfkit/esf/agreement"
	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/xmlsig"
)

// ApplicationTTL is how long a registration may sit between its steps.
const ApplicationTTL = time.Hour

// application is a registration between steps 1 and 4, a kindApp record.
// The store never sees its ID or its passwords in the clear: the record's
// key is the ID's SHA-256, and the form's passwords (typed at step 2,
// needed again at step 3) are sealed with AES-GCM under a key derived
// from the ID, which only the client holds (it is in the URL of steps 2
// and 3). A copy of the database, or a replica's, reads neither.
type application struct {
	ID         string              `json:"-"`
	App        *esfreg.Application `json:"app"`
	Lang       agreement.Lang      `json:"lang"`
	Form       *esfreg.Form        `json:"-"`                    // after step 2
	Agreements []esfreg.Agreement  `json:"agreements,omitempty"` // what step 3 asks to sign
	Expires    time.Time           `json:"expires"`
}

// applicationRecord is the stored form of an application.
type applicationRecord struct {
	application
	// Certificate is App.Certificate as DER.
	Certificate []byte `json:"certificate"`
	// Form is the form without its passwords; Sealed the passwords.
	Form   *esfreg.Form `json:"form,omitempty"`
	Sealed []byte       `json:"sealed,omitempty"`
}

// sealedPasswords are the form's fields that are not stored in the clear.
type sealedPasswords struct {
	Password             string `json:"p,omitempty"`
	PasswordConfirmation string `json:"c,omitempty"`
	CurrentPassword      string `json:"o,omitempty"`
}

// applicationKey is the record key of the application id.
func applicationKey(id string) string {
	sum := sha256.Sum256([]byte("esf mock application id\x00" + id))
	return hex.EncodeToString(sum[:])
}

// applicationAEAD is the cipher that seals the passwords of application id.
func applicationAEAD(id string) (cipher.AEAD, error) {
	key := sha256.Sum256([]byte("esf mock application form key\x00" + id))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func (s *Server) putApplication(r *request, a *application) error {
	rec := applicationRecord{application: *a, Certificate: a.App.Certificate.X509.Raw}
	app := *a.App
	app.Certificate = nil
	rec.App = &app
	if a.Form != nil {
		f := a.Form.WithoutPasswords()
		rec.Form = &f
		plain, err := json.Marshal(sealedPasswords{a.Form.Password, a.Form.PasswordConfirmation, a.Form.CurrentPassword})
		if err != nil {
			return err
		}
		aead, err := applicationAEAD(a.ID)
		if err != nil {
			return err
		}
		nonce := make([]byte, aead.NonceSize())
		if _, err := io.ReadFull(s.rand, nonce); err != nil {
			return fmt.Errorf("mockserver: random: %w", err)
		}
		rec.Sealed = aead.Seal(nonce, nonce, plain, []byte(applicationKey(a.ID)))
	}
	return putJSON(r.tx, kindApp, applicationKey(a.ID), "", a.Expires, rec)
}

// getApplication returns the registration in progress with id.
func getApplication(r *request, id string) (*application, error) {
	var rec applicationRecord
	err := getJSON(r.tx, kindApp, applicationKey(id), &rec)
	if errors.Is(err, esfreg.ErrNotFound) || err == nil && (rec.App == nil || r.now.After(rec.Expires)) {
		return nil, newError(CodeApplicationNotFound, "applicationId")
	}
	if err != nil {
		return nil, err
	}
	a := rec.application
	a.ID = id
	if a.App.Certificate, err = certs.ParseCertificate(rec.Certificate); err != nil {
		return nil, fmt.Errorf("mockserver: application: %w", err)
	}
	if rec.Form != nil {
		aead, err := applicationAEAD(id)
		if err != nil {
			return nil, err
		}
		n := aead.NonceSize()
		if len(rec.Sealed) < n {
			return nil, errors.New("mockserver: application: sealed passwords cut short")
		}
		plain, err := aead.Open(nil, rec.Sealed[:n], rec.Sealed[n:], []byte(applicationKey(id)))
		if err != nil {
			return nil, fmt.Errorf("mockserver: application: sealed passwords: %w", err)
		}
		var p sealedPasswords
		if err := json.Unmarshal(plain, &p); err != nil {
			return nil, fmt.Errorf("mockserver: application: sealed passwords: %w", err)
		}
		f := *rec.Form
		f.Password, f.PasswordConfirmation, f.CurrentPassword = p.Password, p.PasswordConfirmation, p.CurrentPassword
		a.Form = &f
	}
	return &a, nil
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
	r = r.WithContext(withFault(r.Context(), r.URL.Path))
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
	v, doc, err := verifyTicket(req.SignedTicket)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.warmChain(v.Signer)
	var app *esfreg.Application
	var id string
	err = s.update(r.Context(), func(rq *request) error {
		cert, err := s.redeemTicket(rq, v, doc)
		if err != nil {
			return err
		}
		if app, err = s.Service().Begin(rq.ctx, req.Category, cert); err != nil {
			return err
		}
		if id, err = s.randomHex(20); err != nil {
			return err
		}
		return s.putApplication(rq, &application{ID: id, App: app, Lang: lang, Expires: rq.now.Add(ApplicationTTL)})
	})
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, StartResponse{ApplicationID: id, Form: app.Form(), ExistingAccount: app.ExistingAccount(),
		HasIndividualProfile: app.HasIndividualProfile, Taxpayer: app.Taxpayer})
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
	r = r.WithContext(withFault(r.Context(), "/esf-web/ajax/registration/form"))
	var req FormRequest
	if err := readJSON(r, &req); err != nil {
		s.writeError(w, err)
		return
	}
	var out FormResponse
	err := s.update(r.Context(), func(rq *request) error {
		a, err := getApplication(rq, p.ByName("id"))
		if err != nil {
			return err
		}
		// An existing account types its current password here: the same
		// throttle as every password check.
		if err := s.checkPassword(rq, a.App.IIN, esfreg.FieldCurrentPassword, func() error { return s.Service().CheckForm(rq.ctx, a.App, req.Form) }); err != nil {
			return err
		}
		list := a.App.Agreements(req.Form, rq.now)
		out = FormResponse{}
		for _, ag := range list {
			doc, err := AgreementDocument(ag, a.Lang)
			if err != nil {
				return err
			}
			x, err := doc.XML()
			if err != nil {
				return err
			}
			out.Agreements = append(out.Agreements, AgreementToSign{Kind: ag.Kind, Title: ag.Kind.Title(), Document: string(x)})
		}
		form := req.Form
		a.Form = &form
		a.Agreements = list
		return s.putApplication(rq, a)
	})
	if err != nil {
		s.writeError(w, err)
		return
	}
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
	r = r.WithContext(withFault(r.Context(), "/esf-web/ajax/registration/agreements"))
	var req AgreementsRequest
	if err := readJSON(r, &req); err != nil {
		s.writeError(w, err)
		return
	}
	// The signatures first, outside the transaction: they cost the most.
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
	// The new password's bcrypt hash, and the signers' chains, before the
	// transaction: the store's writer is not held for them (nor are they
	// paid again when a PostgreSQL transaction is retried).
	for _, sa := range signed {
		s.warmChain(sa.Signer)
	}
	var pw string
	_ = s.view(r.Context(), func(rq *request) error {
		if a, err := getApplication(rq, p.ByName("id")); err == nil && a.Form != nil && a.Form.CurrentPassword == "" {
			pw = a.Form.Password
		}
		return nil
	})
	if pw != "" {
		done, err := s.hasher.prepare(pw)
		if err != nil {
			s.writeError(w, err)
			return
		}
		defer done()
	}
	var conf *esfreg.Confirmation
	err := s.update(r.Context(), func(rq *request) error {
		a, err := getApplication(rq, p.ByName("id"))
		if err != nil {
			return err
		}
		if a.Form == nil {
			return newError(esfreg.CodeFieldRequired, "form")
		}
		if conf, err = s.Service().Submit(rq.ctx, a.App, *a.Form, signed); err != nil {
			return err
		}
		link := s.baseURL(r) + esfreg.RegistrationLinkPath + conf.Token
		req2 := conf.Request
		if err := rq.tx.DeleteRecord(kindApp, applicationKey(a.ID)); err != nil {
			return err
		}
		return s.send(rq, registrationMail(req2.Email, req2.Category, a.Lang, req2.FullName, req2.IIN, req2.CompanyName, req2.BIN, link))
	})
	if err != nil {
		s.writeError(w, err)
		return
	}
	req2 := conf.Request
	writeJSON(w, http.StatusOK, AgreementsResponse{Success: true, Message: conf.Message, RequestID: req2.ID, Email: req2.Email})
}

// handleRegistrationLink serves GET /esf-web/self-registration-request/:token:
// the e-mailed link. Completing needs a log-in (POST to the same path). A
// browser (Accept: text/html) gets the page that logs in; any other client
// the JSON.
func (s *Server) handleRegistrationLink(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	w.Header().Add("Vary", "Accept")
	if wantsHTML(r) {
		s.webRegistrationLink(w, r, p.ByName("token"))
		return
	}
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
	r = r.WithContext(withFault(r.Context(), "/esf-web/self-registration-request"))
	f, err := readLoginForm(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	var sid string
	res, err := s.portalLogin(r.Context(), f, p.ByName("token"), s.webLogin(r, &sid))
	if err != nil {
		s.writeError(w, err)
		return
	}
	setSessionCookie(w, r, sid)
	writeJSON(w, http.StatusOK, map[string]any{
		"success":  true,
		"message":  "Регистрация завершена",
		"iin":      res.Account.IIN,
		"profiles": res.Account.ActiveProfiles(),
		"redirect": "/esf-web/app",
	})
}

// completed sends the completion e-mail of a completed registration.
func (s *Server) completed(r *request, c *esfreg.Completion) error {
	company, bin := "", ""
	for _, p := range c.Added {
		if p.Type == esfreg.ProfileAdminEnterprise {
			bin = p.TIN
			if t, err := s.Service().Taxpayer(r.ctx, p.TIN); err == nil {
				company = t.Name()
			}
		}
	}
	return s.send(r, completionMail(c.Account.Email, c.Account.FullName, c.Account.IIN, company, bin))
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
