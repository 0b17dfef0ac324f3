package mockserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/xmlsig"
)

// handleLoginTicket serves GET /esf-web/ajax/login/ticket: the XML ticket
// the portal has the browser sign with the authentication key.
func (s *Server) handleLoginTicket(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	r = r.WithContext(withFault(r.Context(), r.URL.Path))
	t, err := s.issueTicket(r.Context(), "", DefaultTicketTTL)
	if err != nil {
		s.writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = io.WriteString(w, t)
}

// handleCertInfo serves POST /esf-web/ajax/login/xmlDsigCertInfo: the
// signed ticket in, the signer's IIN and certificate out (the portal shows
// the IIN before the password is typed). The ticket is not used up.
func (s *Server) handleCertInfo(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	body, err := readSignedBody(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	v, err := xmlsig.Verify(body, xmlsig.VerifyOptions{})
	if err != nil {
		e := newError(CodeSignatureNotValid, "xmlDsig")
		e.Description = err.Error()
		s.writeError(w, e)
		return
	}
	c := v.Signer
	// The portal shows the IIN only of a key it would let log in: an
	// untrusted, expired, revoked or non-AUTH certificate is refused here.
	if err := s.Service().CheckLoginKey(r.Context(), c); err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"success":    true,
		"iin":        c.IIN,
		"bin":        c.BIN,
		"fullName":   c.FullName(),
		"base64Cert": base64.StdEncoding.EncodeToString(c.X509.Raw),
		"base64Pem":  string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.X509.Raw})),
	})
}

// readSignedBody reads a signed XML document sent as the body itself or
// as a JSON string (the real portal posts it with a JSON content type).
func readSignedBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, badRequest("Тело запроса слишком велико или не прочитано")
	}
	trimmed := strings.TrimSpace(string(data))
	if strings.HasPrefix(trimmed, `"`) {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, badRequest("Некорректный JSON: " + err.Error())
		}
		return []byte(s), nil
	}
	if strings.HasPrefix(trimmed, "{") {
		var body struct {
			XMLDsig string `json:"xmlDsig"`
		}
		if err := decodeJSON(data, &body); err != nil {
			return nil, err
		}
		return []byte(body.XMLDsig), nil
	}
	return data, nil
}

// loginForm is the log-in form: login (IIN), password, certificate
// (base64, optional) and xmlDsig (the signed ticket).
type loginForm struct {
	Login       string `json:"login"`
	Password    string `json:"password"`
	Certificate string `json:"certificate,omitempty"`
	XMLDsig     string `json:"xmlDsig"`
	TIN         string `json:"tin,omitempty"`
	ProfileType string `json:"businessProfileType,omitempty"`
}

// readLoginForm reads the log-in form as multipart (the real portal),
// URL-encoded or JSON.
func readLoginForm(r *http.Request) (loginForm, error) {
	var f loginForm
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		if err := readJSON(r, &f); err != nil {
			return f, err
		}
	case "multipart/form-data", "application/x-www-form-urlencoded":
		// ParseMultipartForm would hide a URL-encoded body's read error
		// (too large, cut off) behind ErrNotMultipart: parse each kind
		// with its own call.
		var err error
		if ct == "multipart/form-data" {
			err = r.ParseMultipartForm(MaxLoginBody)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			return f, badRequest("Некорректная форма: " + err.Error())
		}
		f = loginForm{Login: r.FormValue("login"), Password: r.FormValue("password"), Certificate: r.FormValue("certificate"),
			XMLDsig: r.FormValue("xmlDsig"), TIN: r.FormValue("tin"), ProfileType: r.FormValue("businessProfileType")}
	default:
		return f, badRequest("Ожидается multipart/form-data, application/x-www-form-urlencoded или application/json")
	}
	return f, nil
}

// handleLogin serves POST /esf-web/ajax/login: log-in with the signed
// ticket, the IIN and the password. Failed log-ins are throttled per IIN.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	r = r.WithContext(withFault(r.Context(), r.URL.Path))
	f, err := readLoginForm(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	var sid string
	res, err := s.portalLogin(r.Context(), f, "", s.webLogin(r, &sid))
	if err != nil {
		s.writeError(w, err)
		return
	}
	setSessionCookie(w, r, sid)
	writeJSON(w, http.StatusOK, map[string]any{
		"success":  true,
		"iin":      res.Account.IIN,
		"email":    res.Account.Email,
		"profiles": res.Account.ActiveProfiles(),
		"profile":  res.Profile,
		"redirect": "/esf-web/app",
	})
}

// portalLogin redeems the signed ticket and logs in (or, with a token,
// completes a registration), in one transaction. The password check goes
// through the throttle of the certificate's IIN, and a locked-out IIN is
// refused before the ticket is used up. after, if not nil, runs in the
// same transaction once the log-in succeeded (the web session).
func (s *Server) portalLogin(ctx context.Context, f loginForm, token string, after func(*request, *esfreg.LoginResult) error) (*esfreg.LoginResult, error) {
	v, doc, err := verifyTicket(f.XMLDsig)
	if err != nil {
		return nil, err
	}
	var res *esfreg.LoginResult
	err = s.update(ctx, func(r *request) error {
		res = nil
		if locked, err := s.throttled(r, f.Login); err != nil {
			return err
		} else if locked {
			return newError(CodeTooManyAttempts, "login")
		}
		cert, err := s.redeemTicket(r, v, doc)
		if err != nil {
			return err
		}
		if f.Certificate != "" {
			if der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(f.Certificate)); err != nil || string(der) != string(cert.X509.Raw) {
				return newError(esfreg.CodeCertificateNotValid, "certificate")
			}
		}
		creds := esfreg.Credentials{Certificate: cert, Login: f.Login, Password: f.Password, TIN: f.TIN, ProfileType: esfreg.ProfileType(f.ProfileType)}
		err = s.checkPassword(r, cert.IIN, "password", func() error {
			if token == "" {
				var err error
				res, err = s.Service().Login(r.ctx, creds)
				return err
			}
			c, err := s.Service().Complete(r.ctx, token, creds)
			if err != nil {
				return err
			}
			res = &esfreg.LoginResult{Account: c.Account}
			return s.completed(r, c)
		})
		if err != nil || after == nil {
			return err
		}
		return after(r, res)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// signedAction verifies a signed XML action (change of e-mail, password
// reset) and decodes what was signed into v.
func signedAction(doc string, v any) (*certs.Certificate, error) {
	if strings.TrimSpace(doc) == "" {
		return nil, newError(CodeSignatureNotValid, "xmlDsig")
	}
	ver, err := xmlsig.Verify([]byte(doc), xmlsig.VerifyOptions{})
	if err != nil {
		e := newError(CodeSignatureNotValid, "xmlDsig")
		e.Description = err.Error()
		return nil, e
	}
	if err := xml.Unmarshal(ver.Signed, v); err != nil {
		return nil, badRequest("Подписанный документ не соответствует действию: " + err.Error())
	}
	return ver.Signer, nil
}
