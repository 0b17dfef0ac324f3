package demo

import (
	"fmt"
	"slices"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
)

// The subjects of ESF's e-mails.
const (
	SubjectRegistration = "Завершение процесса регистрации"
	SubjectCompleted    = "Регистрация завершена"
	SubjectReset        = "Восстановление пароля"
	SubjectEmailChanged = "Изменение адреса электронной почты"
)

// Fill is step 2's form: the prefilled one with what the person typed.
func Fill(pre, typed esfreg.Form) esfreg.Form {
	f := pre
	for _, kv := range []struct {
		dst *string
		v   string
	}{{&f.Email, typed.Email}, {&f.Password, typed.Password}, {&f.PasswordConfirmation, typed.PasswordConfirmation},
		{&f.CurrentPassword, typed.CurrentPassword}, {&f.Address, typed.Address}, {&f.IDDocumentNumber, typed.IDDocumentNumber},
		{&f.IDDocumentIssueDate, typed.IDDocumentIssueDate}, {&f.IDDocumentIssuer, typed.IDDocumentIssuer},
		{&f.ActingOnBasisOf, typed.ActingOnBasisOf}} {
		if kv.v != "" {
			*kv.dst = kv.v
		}
	}
	return f
}

// PrintForm prints step 2's form as the portal shows it.
func (e *Env) PrintForm(f esfreg.Form) {
	row := func(label, v string) {
		if v != "" {
			e.Printf("  %s: %s\n", label, v)
		}
	}
	row("Логин (ИИН)", f.IIN)
	row("ФИО", f.FullName)
	row("БИН", f.BIN)
	row("Наименование", f.CompanyName)
	row("Действующий на основании", f.ActingOnBasisOf)
	row("E-mail", f.Email)
	row("Адрес", f.Address)
	row("Номер документа, удостоверяющего личность", f.IDDocumentNumber)
	row("Дата выдачи", f.IDDocumentIssueDate)
	row("Кем выдан", f.IDDocumentIssuer)
	switch {
	case f.CurrentPassword != "":
		e.Printf("  Текущий пароль: ********\n")
	case f.Password != "":
		e.Printf("  Пароль: ******** (надёжность: %s)\n", esfreg.PasswordStrength(f.Password))
	}
}

// Complete reads the registration e-mail to address, follows its link and
// logs in with auth and password, which completes the registration. On a
// server without the control API it says what the user does next and
// returns an error Skipped recognises.
func (e *Env) Complete(address string, auth *certs.KeyStore, password string) (*esfclient.LoginResponse, error) {
	m, err := e.Mail(address, SubjectRegistration)
	if err != nil {
		return nil, err
	}
	e.Step("Переход по ссылке из письма и вход (%s и пароль)", auth.Certificate.FileName())
	login, err := e.Client.CompleteRegistration(e.ctx, m.Link, auth, password)
	if err != nil {
		return nil, err
	}
	e.Printf("  %s\n", login.Message)
	if _, err := e.Mail(address, SubjectCompleted); err != nil {
		return nil, err
	}
	return login, nil
}

// Typed is what the person types at step 2, fitted to step 1's answer.
// For an IIN that has an ESF account already (existingAccount) the portal
// sets no new password: it asks for the account's current one, -password,
// and the e-mail stays the account's (it changes only through «Смена
// e-mail»). Typed returns the form to send and the password to log in
// with. An existing account without -password is the portal's refusal
// PASSWORD_ALREADY_SET, for the field currentPassword, after a line
// naming the flag.
func (e *Env) Typed(start *esfclient.RegistrationStart, typed esfreg.Form) (esfreg.Form, string, error) {
	if !start.ExistingAccount {
		return Fill(start.Form, typed), typed.Password, nil
	}
	e.Printf("  У ИИН %s уже есть учётная запись в ИС ЭСФ: новый пароль не задаётся, вводится текущий\n", start.Form.IIN)
	if e.password == "" {
		e.Printf("  (текущий пароль учётной записи: флаг -password)\n")
		err := esfreg.NewError(esfreg.CodePasswordAlreadySet, esfreg.FieldCurrentPassword)
		err.Err = fmt.Errorf("IIN %s has an account: its current password is needed (-password)", start.Form.IIN)
		return esfreg.Form{}, "", err
	}
	typed.Email = ""
	typed.Password, typed.PasswordConfirmation, typed.CurrentPassword = "", "", e.password
	return Fill(start.Form, typed), e.password, nil
}

// Password returns -password if given, else def.
func (e *Env) Password(def string) string {
	if e.password != "" {
		return e.password
	}
	return def
}

// PasswordGiven reports whether -password was given.
func (e *Env) PasswordGiven() bool { return e.password != "" }

// Register runs the four steps quietly and completes the registration:
// for the examples in which a registration is the setting, not the flow.
// When the mock's account of the IIN has the profile already it says so
// and logs in instead; when the IIN has an account without it, step 2
// takes the current password (Typed). It returns the log-in and the
// password the account has.
func (e *Env) Register(r esfclient.Registration, auth *certs.KeyStore, password string) (*esfclient.LoginResponse, string, error) {
	cert := r.Key.Certificate
	e.Step("Регистрация: %s — %s, ИИН %s", r.Category.Title(), cert.FullName(), cert.IIN)
	if e.Control != nil {
		tin := cert.IIN
		if r.Category == esfreg.LegalEntity {
			tin = cert.BIN
		}
		acct, ok, err := e.Control.Account(e.ctx, cert.IIN)
		if err != nil && !Unavailable(err) {
			return nil, "", fmt.Errorf("the account of %s: %w", cert.IIN, err)
		}
		if ok && slices.ContainsFunc(acct.Profiles, func(p esfreg.Profile) bool {
			return p.TIN == tin && p.Type == r.Category.ProfileType() && p.Active()
		}) {
			pw := e.Password(password)
			e.Printf("  Уже зарегистрирован: профиль %s — %s есть; вход (%s и пароль)\n", r.Category.ProfileType(), tin, auth.Certificate.FileName())
			login, err := e.Client.Login(e.ctx, auth, pw)
			return login, pw, err
		}
	}
	start, err := e.Client.StartRegistration(e.ctx, r.Category, r.Key)
	if err != nil {
		return nil, "", err
	}
	form, pw, err := e.Typed(start, r.Form)
	if err != nil {
		return nil, "", err
	}
	list, err := e.Client.SubmitForm(e.ctx, start, form)
	if err != nil {
		return nil, "", err
	}
	signer := r.Signer
	if signer == nil {
		signer = r.Key
	}
	req, err := e.Client.SignAgreements(e.ctx, start, list, signer)
	if err != nil {
		return nil, "", err
	}
	e.Printf("  Соглашения подписаны: %d\n  %s\n", len(list), req.Message)
	login, err := e.Complete(req.Email, auth, pw)
	return login, pw, err
}
