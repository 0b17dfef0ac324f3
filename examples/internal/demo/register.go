package demo

import (
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

// Register runs the four steps quietly and completes the registration:
// for the examples in which a registration is the setting, not the flow.
func (e *Env) Register(r esfclient.Registration, auth *certs.KeyStore, password string) (*esfclient.LoginResponse, error) {
	e.Step("Регистрация: %s — %s, ИИН %s", r.Category.Title(), r.Key.Certificate.FullName(), r.Key.Certificate.IIN)
	res, err := e.Client.Register(e.ctx, r)
	if err != nil {
		return nil, err
	}
	e.Printf("  Соглашения подписаны: %d\n  %s\n", len(res.Agreements), res.Request.Message)
	return e.Complete(res.Request.Email, auth, password)
}
