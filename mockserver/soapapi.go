package mockserver

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/internal/soap"
	"github.com/esfkit/esf/mockserver/internal/soap/invoicesvc"
)

// APIPath is where the SOAP services are served.
const APIPath = "/esf-web/ws/api1/"

// Version is what VersionService answers.
const Version = "InvoiceV2"

// handleWSDL serves GET /esf-web/ws/api1/:service?wsdl: our WSDL of the
// service, its address pointing at this server.
func (s *Server) handleWSDL(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	service := p.ByName("service")
	if _, ok := r.URL.Query()["wsdl"]; !ok {
		s.writeError(w, newError(CodeNotFound, ""))
		return
	}
	doc, ok := soap.WSDL(service, s.baseURL(r)+APIPath+service)
	if !ok {
		doc, ok = invoicesvc.WSDL(service, s.baseURL(r)+APIPath+service)
	}
	if !ok {
		s.writeError(w, newError(CodeNotFound, ""))
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = w.Write(doc)
}

// soapOp answers one operation: the response body, or an error to fault
// with. An operation needing the UsernameToken (needsToken) checks it in
// its transaction, through s.protected.
type soapOp func(ctx context.Context, req *soap.Request) (soap.Field, error)

// soapOps are the operations served, by service and request element.
func (s *Server) soapOps(service string) map[string]soapOp {
	switch service {
	case soap.VersionService:
		return map[string]soapOp{"esfVersionRequest": s.opVersion}
	case soap.AuthService:
		return map[string]soapOp{"createAuthTicketRequest": s.opCreateAuthTicket}
	case soap.SessionService:
		return map[string]soapOp{
			"createSessionRequest":                   s.opCreateSession,
			"createSessionSignedRequest":             s.opCreateSessionSigned,
			"closeSessionRequest":                    s.opCloseSession,
			"currentSessionStatusRequest":            s.opSessionStatus,
			"currentUserRequest":                     s.opCurrentUser,
			"currentUserProfilesRequest":             s.opCurrentUserProfiles,
			"closeSessionByCredentialsRequest":       s.opCloseByCredentials,
			"closeSessionBySignedCredentialsRequest": s.opCloseBySignedCredentials,
		}
	case invoicesvc.InvoiceService, invoicesvc.UploadInvoiceService:
		return s.invoiceOps(service) // invoice_ops.go
	}
	return nil
}

// handleSOAP serves POST /esf-web/ws/api1/:service: one SOAP 1.1 request.
func (s *Server) handleSOAP(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	ops := s.soapOps(p.ByName("service"))
	if ops == nil {
		s.writeError(w, newError(CodeNotFound, ""))
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, "xml") {
		soap.WriteClientFault(w, "Ожидается SOAP 1.1 (text/xml), получено "+ct)
		return
	}
	req, err := soap.ReadRequest(r.Body, s.opts.MaxBody)
	if err != nil {
		soap.WriteClientFault(w, err.Error())
		return
	}
	name := req.Operation.Local
	op, ok := ops[name]
	if !ok || req.Operation.Space != "esf" {
		soap.WriteClientFault(w, "Unexpected wrapper element {"+req.Operation.Space+"}"+name+" found")
		return
	}
	r = r.WithContext(withFault(r.Context(), strings.TrimSuffix(name, "Request")))
	body, err := op(r.Context(), req)
	if err != nil {
		s.writeFault(w, err)
		return
	}
	soap.WriteBody(w, body)
}

// writeFault is writeError's SOAP face: HTTP 500, the bare code as
// faultstring, the Russian message as the declared detail's description.
func (s *Server) writeFault(w http.ResponseWriter, err error) {
	var cf clientFault
	if errors.As(err, &cf) { // a request the schema refuses (invoice_ops.go)
		soap.WriteClientFault(w, cf.Error())
		return
	}
	e := errorsOf(err)[0]
	if e.Code == CodeSecurityError {
		soap.WriteSecurityFault(w)
		return
	}
	if e.Code == CodeInternal {
		s.log.Error("internal error", "err", err)
	}
	kind := map[faultKind]soap.FaultKind{faultBusiness: soap.Business, faultAccessDenied: soap.AccessDenied, faultSessionClosed: soap.SessionClosed}[infoOf(e.Code).fault]
	faultstring := string(e.Code)
	var ft faultText
	if errors.As(err, &ft) { // the real server's text (invoice_ops.go)
		faultstring = ft.text
	}
	if e.Code == CodeSessionAlreadyOpen {
		// The real server's text, with the open session's id when known.
		faultstring = "Can`t create a new user session. User already has opened session"
		if strings.Contains(e.Message, "already has opened session") {
			faultstring = e.Message
		}
	}
	soap.WriteFault(w, faultstring, &soap.FaultDetail{Kind: kind, Description: e.Message})
}

func field(req *soap.Request, name string) string {
	v, _ := req.Field(name)
	return strings.TrimSpace(v)
}

// opVersion answers VersionService.getVersion.
func (s *Server) opVersion(ctx context.Context, _ *soap.Request) (soap.Field, error) {
	if err := s.refresh(ctx); err != nil { // a queued fault, a store down
		return soap.Field{}, err
	}
	return soap.Text("version", Version), nil
}

// opCreateAuthTicket answers AuthService.createAuthTicket: a single-use
// <authSign> ticket for the key holder's IIN.
func (s *Server) opCreateAuthTicket(ctx context.Context, req *soap.Request) (soap.Field, error) {
	iin := field(req, "iin")
	if iin == "" {
		return soap.Field{}, newError(esfreg.CodeFieldRequired, "iin")
	}
	ttl, err := parseTTL(field(req, "ttlInMinutes"))
	if err != nil {
		return soap.Field{}, newError(esfreg.CodeFieldInvalid, "ttlInMinutes")
	}
	t, err := s.issueTicket(ctx, iin, ttl)
	if err != nil {
		return soap.Field{}, err
	}
	return soap.Group("createAuthTicketResponse", soap.Text("authTicketXml", t)), nil
}

// protected runs fn in one transaction after the UsernameToken check of
// req (checkUsernameToken), so that the throttle's counts, the password
// and what fn does are one.
func (s *Server) protected(ctx context.Context, req *soap.Request, fn func(r *request) error) error {
	return s.update(ctx, func(r *request) error {
		if err := s.checkUsernameToken(r, req); err != nil {
			return err
		}
		return fn(r)
	})
}

// login checks a session log-in: the key's rules, the account, the
// password (the UsernameToken's, when one is sent), the profile by tin and
// businessProfileType.
func (s *Server) login(r *request, req *soap.Request, cert *certs.Certificate) (*esfreg.LoginResult, error) {
	creds := esfreg.Credentials{Certificate: cert, TIN: field(req, "tin"), ProfileType: esfreg.ProfileType(field(req, "businessProfileType"))}
	if creds.TIN == "" {
		return nil, newError(esfreg.CodeFieldRequired, "tin")
	}
	if t := req.Security; t != nil && t.Username != "" {
		// checkUsernameToken has checked the password, throttled.
		creds.Login, creds.Password = t.Username, t.Password
		return s.Service().Login(r.ctx, creds)
	}
	// No UsernameToken (Options.AllowMissingUsernameToken, and only for
	// the operations with a signed ticket): the ticket alone proves the
	// key; the profile must still exist.
	return s.Service().LoginWithKey(r.ctx, creds)
}

// opCreateSessionSigned answers SessionService.createSessionSigned: the
// signed ticket proves the key (RSA or GOST).
func (s *Server) opCreateSessionSigned(ctx context.Context, req *soap.Request) (soap.Field, error) {
	v, doc, err := verifyTicket(field(req, "signedAuthTicket"))
	if err != nil {
		return soap.Field{}, err
	}
	var sess *Session
	err = s.protected(ctx, req, func(r *request) error {
		cert, err := s.redeemTicket(r, v, doc)
		if err != nil {
			return err
		}
		sess, err = s.openLoginSession(r, req, cert)
		return err
	})
	if err != nil {
		return soap.Field{}, err
	}
	return soap.Group("createSessionResponse", soap.Text("sessionId", sess.ID)), nil
}

// opCreateSession answers SessionService.createSession: the certificate
// alone, as before 2023; GOST 2015 keys are refused as the real server does.
func (s *Server) opCreateSession(ctx context.Context, req *soap.Request) (soap.Field, error) {
	cert, err := parseCertField(field(req, "x509Certificate"))
	if err != nil {
		return soap.Field{}, err
	}
	if cert.Algorithm == certs.AlgorithmGOST2015_512 {
		return soap.Field{}, newError(CodeMethodNotSupportGOST, "x509Certificate")
	}
	var sess *Session
	err = s.protected(ctx, req, func(r *request) error {
		sess, err = s.openLoginSession(r, req, cert)
		return err
	})
	if err != nil {
		return soap.Field{}, err
	}
	return soap.Group("createSessionResponse", soap.Text("sessionId", sess.ID)), nil
}

func (s *Server) openLoginSession(r *request, req *soap.Request, cert *certs.Certificate) (*Session, error) {
	res, err := s.login(r, req, cert)
	if err != nil {
		return nil, err
	}
	return s.openSession(r, res.Account.IIN, res.Profile.TIN, res.Profile.Type)
}

// parseCertField reads x509Certificate: base64 DER, with or without PEM armour.
func parseCertField(v string) (*certs.Certificate, error) {
	if v == "" {
		return nil, newError(esfreg.CodeFieldRequired, "x509Certificate")
	}
	data := []byte(v)
	if b, _ := pem.Decode(data); b != nil {
		data = b.Bytes
	} else if der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(v), "")); err == nil {
		data = der
	}
	c, err := certs.ParseCertificate(data)
	if err != nil {
		return nil, newError(CodeCertificateInvalidForm, "x509Certificate")
	}
	return c, nil
}

// session returns the open session named in the request, marked used
// now, or the sessionClosed fault.
func (s *Server) session(r *request, req *soap.Request) (*Session, error) {
	sess, status, err := s.sessionStatus(r, field(req, "sessionId"))
	if err != nil {
		return nil, err
	}
	if status != SessionOK {
		return nil, keep{newError(CodeSessionClosed, "sessionId")} // an idle session closed stays closed
	}
	sess.LastUsed = r.now
	return sess, s.putSession(r, sess)
}

// sessionUseGrain is how stale a session's LastUsed may be before a call
// writes it again: its idle timeout (DefaultSessionIdle, 30 minutes) is
// then exact to within it, and most calls in a session only read.
const sessionUseGrain = time.Minute

// opCloseSession answers SessionService.closeSession. With a
// UsernameToken, only the token's user's own session is closed: another
// user's is NOT_FOUND to him.
func (s *Server) opCloseSession(ctx context.Context, req *soap.Request) (soap.Field, error) {
	var status string
	err := s.protected(ctx, req, func(r *request) error {
		id := field(req, "sessionId")
		sess, st, err := s.sessionStatus(r, id)
		if err != nil {
			return err
		}
		if t := req.Security; t != nil && t.Username != "" && sess != nil && sess.IIN != t.Username {
			st = SessionNotFound
		}
		if st == SessionOK {
			if err := s.closeSession(r, id); err != nil {
				return err
			}
			st = SessionClosed
		}
		status = st
		return nil
	})
	if err != nil {
		return soap.Field{}, err
	}
	return soap.Group("closeSessionResponse", soap.Text("status", status)), nil
}

// opSessionStatus answers SessionService.currentSessionStatus.
func (s *Server) opSessionStatus(ctx context.Context, req *soap.Request) (soap.Field, error) {
	var status string
	err := s.update(ctx, func(r *request) error {
		_, st, err := s.sessionStatus(r, field(req, "sessionId"))
		status = st
		return err
	})
	if err != nil {
		return soap.Field{}, err
	}
	return soap.Group("currentSessionStatusResponse", soap.Text("status", status)), nil
}

// sessionUser returns the session named in req (marked used) with its
// user's account and the taxpayer of its profile.
func (s *Server) sessionUser(ctx context.Context, req *soap.Request, tp *esfreg.Taxpayer) (*Session, esfreg.Account, error) {
	var sess *Session
	var acct esfreg.Account
	// taxpayer reads, when tp is wanted, the register's record of the
	// session's profile (an empty one with the TIN if there is none).
	taxpayer := func(r *request, tin string) {
		if tp == nil {
			return
		}
		t, err := s.Service().Taxpayer(r.ctx, tin)
		if err != nil {
			t = esfreg.Taxpayer{TIN: tin}
		}
		*tp = t
	}
	// A session used within the last sessionUseGrain is read, not
	// written: one read-only transaction.
	fresh := false
	err := s.view(ctx, func(r *request) error {
		got, err := getSession(r, field(req, "sessionId"))
		if err != nil || got == nil || got.Closed || r.now.Sub(got.LastUsed) >= sessionUseGrain || r.now.Before(got.LastUsed) {
			return err
		}
		if acct, err = s.Service().Account(r.ctx, got.IIN); err != nil {
			return err
		}
		sess, fresh = got, true
		taxpayer(r, got.TIN)
		return nil
	})
	if err != nil || fresh {
		return sess, acct, err
	}
	err = s.update(ctx, func(r *request) error {
		var err error
		if sess, err = s.session(r, req); err != nil {
			return err
		}
		if acct, err = s.Service().Account(r.ctx, sess.IIN); err != nil {
			return err
		}
		taxpayer(r, sess.TIN)
		return nil
	})
	return sess, acct, err
}

// opCurrentUser answers SessionService.currentUser: the User with the
// Taxpayer of the session's profile.
func (s *Server) opCurrentUser(ctx context.Context, req *soap.Request) (soap.Field, error) {
	var tp esfreg.Taxpayer
	sess, acct, err := s.sessionUser(ctx, req, &tp)
	if err != nil {
		return soap.Field{}, err
	}
	status := esfreg.StatusActive
	for _, p := range acct.Profiles {
		if p.TIN == sess.TIN && p.Type == sess.ProfileType {
			status = p.Status
		}
	}
	if acct.Status != esfreg.StatusActive {
		status = acct.Status
	}
	user := soap.Group("user",
		soap.Text("login", acct.IIN),
		soap.Optional("email", acct.Email),
		soap.Optional("issueDate", acct.IDDocumentIssueDate),
		soap.Optional("issuedBy", acct.IDDocumentIssuer),
		soap.Optional("passportNum", acct.IDDocumentNumber),
		soap.Text("status", string(status)),
		soap.Optional("reason", acct.Reason),
		taxpayerField("taxpayer", tp),
	)
	return soap.Group("currentUserResponse", user), nil
}

func taxpayerField(name string, t esfreg.Taxpayer) soap.Field {
	return soap.Group(name,
		soap.Text("tin", t.TIN),
		soap.Optional("nameRu", t.NameRu),
		soap.Optional("lastNameRu", t.LastNameRu),
		soap.Optional("firstNameRu", t.FirstNameRu),
		soap.Optional("middleNameRu", t.MiddleNameRu),
		soap.Optional("lastNameKz", t.LastNameKz),
		soap.Optional("firstNameKz", t.FirstNameKz),
		soap.Optional("middleNameKz", t.MiddleNameKz),
		soap.Optional("nameKz", t.NameKz),
		soap.Optional("addressRu", t.AddressRu),
		soap.Optional("addressKz", t.AddressKz),
		soap.Optional("certificateSeries", t.CertificateSeries),
		soap.Optional("certificateNum", t.CertificateNum),
		soap.Text("resident", boolText(t.Resident)),
		soap.Optional("type", string(t.Type)),
		soap.Text("resourceUser", boolText(t.ResourceUser)),
		soap.Optional("enterpriseAdministrator", t.EnterpriseAdministrator),
		soap.Optional("budgetIin", t.BudgetIIN),
		soap.Optional("kogd", t.KOGD),
	)
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// opCurrentUserProfiles answers SessionService.currentUserProfiles: every
// active profile of the session's user.
func (s *Server) opCurrentUserProfiles(ctx context.Context, req *soap.Request) (soap.Field, error) {
	_, acct, err := s.sessionUser(ctx, req, nil)
	if err != nil {
		return soap.Field{}, err
	}
	list := soap.Group("profileInfoList")
	for _, p := range acct.ActiveProfiles() {
		list.Children = append(list.Children, soap.Group("profileInfo",
			soap.Text("iin", p.IIN),
			soap.Text("tin", p.TIN),
			soap.Text("businessProfileType", string(p.Type)),
			soap.Text("status", string(p.Status)),
			soap.Optional("type", string(p.Kind)),
		))
	}
	return soap.Group("currentUserProfilesResponse", list), nil
}

// opCloseByCredentials answers SessionService.closeSessionByCredentials:
// the certificate (and UsernameToken) close the user's open session.
func (s *Server) opCloseByCredentials(ctx context.Context, req *soap.Request) (soap.Field, error) {
	cert, err := parseCertField(field(req, "x509Certificate"))
	if err != nil {
		return soap.Field{}, err
	}
	return s.closeByCredentials(ctx, req, func(*request) (*certs.Certificate, error) { return cert, nil })
}

// opCloseBySignedCredentials answers SessionService.closeSessionBySignedCredentials.
func (s *Server) opCloseBySignedCredentials(ctx context.Context, req *soap.Request) (soap.Field, error) {
	v, doc, err := verifyTicket(field(req, "signedAuthTicket"))
	if err != nil {
		return soap.Field{}, err
	}
	return s.closeByCredentials(ctx, req, func(r *request) (*certs.Certificate, error) { return s.redeemTicket(r, v, doc) })
}

// closeByCredentials closes the open session of the user cert (which
// signer gives, in the transaction) logs in as.
func (s *Server) closeByCredentials(ctx context.Context, req *soap.Request, signer func(*request) (*certs.Certificate, error)) (soap.Field, error) {
	status := SessionNotFound
	err := s.protected(ctx, req, func(r *request) error {
		cert, err := signer(r)
		if err != nil {
			return err
		}
		res, err := s.login(r, req, cert)
		if err != nil {
			return err
		}
		var id string
		switch err := getJSON(r.tx, kindOpenSession, res.Account.IIN, &id); {
		case errors.Is(err, esfreg.ErrNotFound):
			status = SessionNotFound
			return nil
		case err != nil:
			return err
		}
		status = SessionClosed
		return s.closeSession(r, id)
	})
	if err != nil {
		return soap.Field{}, err
	}
	return soap.Group("closeSessionResponse", soap.Text("status", status)), nil
}
