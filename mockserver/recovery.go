package mockserver

import (
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/esfkit/esf/esfreg"
)

// ResetLinkPath is the path of the password reset link, followed by the token.
const ResetLinkPath = "/esf-web/reset-password/"

// ChangeEmailAction is the document a change of e-mail signs; the request
// carries it signed in xmlDsig, and only what was signed is used.
type ChangeEmailAction struct {
	XMLName xml.Name `xml:"changeEmail"`
	Login   string   `xml:"login"`
	Email   string   `xml:"email"`
}

// ChangeEmailRequest is the body of POST /esf-web/ajax/change-email.
type ChangeEmailRequest struct {
	Login   string `json:"login"`
	Email   string `json:"email"`
	XMLDsig string `json:"xmlDsig"`
}

// handleChangeEmail serves POST /esf-web/ajax/change-email: the login (IIN)
// and the new e-mail, signed with a signing key of that IIN.
func (s *Server) handleChangeEmail(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	r = r.WithContext(withFault(r.Context(), r.URL.Path))
	var req ChangeEmailRequest
	if err := readJSON(r, &req); err != nil {
		s.writeError(w, err)
		return
	}
	var action ChangeEmailAction
	signer, err := signedAction(req.XMLDsig, &action)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if action.Login != req.Login || !strings.EqualFold(action.Email, req.Email) {
		s.writeError(w, newError(esfreg.CodeFieldMismatch, "xmlDsig"))
		return
	}
	var acct esfreg.Account
	err = s.update(r.Context(), func(rq *request) error {
		var err error
		acct, err = s.Service().ChangeEmail(rq.ctx, esfreg.EmailChange{IIN: action.Login, Email: action.Email}, signer)
		if err != nil {
			return err
		}
		return s.send(rq, emailChangedMail(acct.Email, acct.IIN))
	})
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "Адрес электронной почты изменён", "email": acct.Email})
}

// ResetRequest is the body of POST /esf-web/ajax/reset-password.
type ResetRequest struct {
	Login string `json:"login"`
	Email string `json:"email"`
}

// handleResetRequest serves POST /esf-web/ajax/reset-password: the login and
// the account's e-mail; a one-time link goes to that e-mail.
func (s *Server) handleResetRequest(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	r = r.WithContext(withFault(r.Context(), r.URL.Path))
	var req ResetRequest
	if err := readJSON(r, &req); err != nil {
		s.writeError(w, err)
		return
	}
	err := s.update(r.Context(), func(rq *request) error {
		t, err := s.Service().RequestPasswordReset(rq.ctx, esfreg.PasswordResetRequest{IIN: req.Login, Email: req.Email})
		if err != nil {
			return err
		}
		return s.send(rq, resetMail(t.Email, t.IIN, s.baseURL(r)+ResetLinkPath+t.Token))
	})
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "Ссылка для восстановления пароля отправлена на указанный E-mail"})
}

// handleResetLink serves GET /esf-web/reset-password/:token: the e-mailed
// link. A browser (Accept: text/html) gets the page that sets the new
// password; any other client the JSON.
func (s *Server) handleResetLink(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	w.Header().Add("Vary", "Accept")
	if wantsHTML(r) {
		s.webResetLink(w, r, p.ByName("token"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token":   p.ByName("token"),
		"message": "Введите новый пароль дважды и подпишите действие регистрационным свидетельством для подписи",
	})
}

// ResetPasswordAction is the document a password reset signs: the login
// and the link's token, so the signature is bound to this reset.
type ResetPasswordAction struct {
	XMLName xml.Name `xml:"resetPassword"`
	Login   string   `xml:"login"`
	Token   string   `xml:"token"`
}

// ResetPasswordRequest is the body of POST /esf-web/reset-password/:token.
type ResetPasswordRequest struct {
	Password             string `json:"password"`
	PasswordConfirmation string `json:"passwordConfirmation"`
	XMLDsig              string `json:"xmlDsig"`
}

// handleResetPassword serves POST /esf-web/reset-password/:token: the new
// password twice, and the action signed with a signing key of the IIN.
func (s *Server) handleResetPassword(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
	r = r.WithContext(withFault(r.Context(), "/esf-web/reset-password"))
	var req ResetPasswordRequest
	if err := readJSON(r, &req); err != nil {
		s.writeError(w, err)
		return
	}
	token := p.ByName("token")
	var action ResetPasswordAction
	signer, err := signedAction(req.XMLDsig, &action)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if action.Token != token {
		s.writeError(w, newError(esfreg.CodeFieldMismatch, "xmlDsig"))
		return
	}
	if action.Login != signer.IIN {
		s.writeError(w, newError(esfreg.CodeIINNotValid, "xmlDsig"))
		return
	}
	err = s.update(r.Context(), func(rq *request) error {
		return s.Service().ResetPassword(rq.ctx, esfreg.PasswordReset{Token: token, Password: req.Password, PasswordConfirmation: req.PasswordConfirmation}, signer)
	})
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "Пароль изменён"})
}
