package esfreg

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/esfkit/esf/certs"
)

// RequestCreatedMessage is what the portal says when step 4 made the
// request and sent the e-mail.
const RequestCreatedMessage = "Запрос создан успешно. Дальнейшие инструкции отправлены по указанному E-mail"

// ChangeOfHeadReason is the reason a head's profile is blocked when a new
// head registers the legal entity.
const ChangeOfHeadReason = "Смена руководителя предприятия"

// Application is a registration that passed step 1: the category and the
// certificate chosen, and what ESF found for them in the register and
// the accounts. Begin makes it; the later steps take it. It belongs to the
// server side: Account is the person's account without its password hash.
type Application struct {
	Category    Category
	Certificate *certs.Certificate
	IIN         string
	// BIN is the legal entity's, for LegalEntity.
	BIN string
	// Taxpayer is the register's record: the legal entity, the
	// entrepreneur, or (if the register has one) the individual.
	Taxpayer *Taxpayer
	// Account is the IIN's account, nil for a person new to ESF. With an
	// account the form asks for the current password, not a new one.
	Account *Account
	// HasIndividualProfile says the person is registered as an individual
	// already; a head who is not signs two agreements.
	HasIndividualProfile bool
	// ReplacesHeads, for a change of head, are the IINs of the registered
	// heads the new head replaces.
	ReplacesHeads []string
	// At is when step 1 ran.
	At time.Time
}

// ExistingAccount reports whether the person has an account already.
func (a *Application) ExistingAccount() bool { return a.Account != nil }

// Form returns step 2's form as ESF prefills it (Prefill).
func (a *Application) Form() Form {
	return Prefill(a.Category, a.Certificate, a.Taxpayer, a.Account)
}

// Agreements returns what step 3 asks the person to sign for form f, dated
// the day of now (Agreements).
func (a *Application) Agreements(f Form, now time.Time) []Agreement {
	f.Category = a.Category
	return Agreements(f, a.HasIndividualProfile, now)
}

// Profiles returns the profile types completion adds: the category's, and
// INDIVIDUAL too for a head not yet registered as an individual.
func (a *Application) Profiles() []ProfileType {
	if a.Category == LegalEntity && !a.HasIndividualProfile {
		return []ProfileType{ProfileIndividual, ProfileAdminEnterprise}
	}
	return []ProfileType{a.Category.ProfileType()}
}

// Begin is step 1, "Выбор сертификата" (domain.md, "Registration"): the
// person chose category c and a key store whose certificate is cert. It
// checks the certificate (CheckCertificate), then the register and the
// accounts as of now:
//
//   - Individual: the IIN has no individual profile yet;
//   - Entrepreneur: the register lists the IIN as an individual
//     entrepreneur (NOT_ENTREPRENEUR), and the IIN has no entrepreneur
//     profile yet;
//   - LegalEntity: the register lists the BIN as a legal entity
//     (TAXPAYER_NOT_FOUND) and names the certificate's IIN as its head
//     (HEAD_MISMATCH). If the entity has a registered head already, the
//     registration is a change of head, accepted only when the register
//     — after its refresh — names the certificate's IIN as head and that
//     IIN is not the registered head; otherwise it is
//     ErrEnterpriseAlreadyRegistered, "Юридическое лицо уже
//     зарегистрировано в системе" (the certificates name no new head).
//
// A blocked account or profile is ErrUserBlocked.
func (s *Service) Begin(ctx context.Context, c Category, cert *certs.Certificate) (*Application, error) {
	var app *Application
	err := s.view(ctx, func(tx Tx) error {
		var err error
		app, err = s.begin(tx, c, cert)
		return err
	})
	if err != nil {
		return nil, err
	}
	return app, nil
}

// begin is Begin in tx.
func (s *Service) begin(tx Tx, c Category, cert *certs.Certificate) (*Application, error) {
	now := s.now()
	if err := CheckCertificate(c, cert, s.certOptions(now)); err != nil {
		return nil, err
	}
	acct, err := findAccount(tx, cert.IIN)
	if err != nil {
		return nil, err
	}
	if acct != nil && acct.Status != StatusActive {
		return nil, wrapError(CodeUserBlocked, "", fmt.Errorf("account %s is %s", acct.IIN, acct.Status))
	}
	app := &Application{Category: c, Certificate: cert, IIN: cert.IIN, At: now}
	if c == LegalEntity {
		app.BIN = cert.BIN
	}
	if app.Taxpayer, app.ReplacesHeads, err = admit(tx, c, app.IIN, app.BIN, acct, now); err != nil {
		return nil, err
	}
	if acct != nil {
		pub := acct.public()
		app.Account = &pub
		app.HasIndividualProfile = acct.HasProfile(app.IIN, ProfileIndividual)
	}
	return app, nil
}

// findAccount returns the account of iin with its hash, or nil.
func findAccount(tx Tx, iin string) (*Account, error) {
	a, err := tx.Account(iin)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, storeError("accounts", err)
	}
	return &a, nil
}

// admit checks what the register and the accounts must say for iin (and
// bin) to register in category c at now. It returns the register's record
// and, for a change of head, the heads replaced.
func admit(tx Tx, c Category, iin, bin string, acct *Account, now time.Time) (*Taxpayer, []string, error) {
	// A profile the person has already is a duplicate, or blocked (see
	// Account.AddProfile): try adding it to a copy of the account.
	duplicate := func(tin string, typ ProfileType) error {
		if acct == nil {
			return nil
		}
		probe := acct.clone()
		return probe.AddProfile(Profile{TIN: tin, Type: typ}, now)
	}
	switch c {
	case Individual:
		if err := duplicate(iin, ProfileIndividual); err != nil {
			return nil, nil, err
		}
		tp, ok, err := taxpayerAt(tx, iin, now)
		if err != nil || !ok {
			return nil, nil, err
		}
		return &tp, nil, nil

	case Entrepreneur:
		tp, ok, err := taxpayerAt(tx, iin, now)
		if err != nil {
			return nil, nil, err
		}
		if !ok || !tp.IsEntrepreneur() {
			return nil, nil, wrapError(CodeNotEntrepreneur, "", fmt.Errorf("the register lists no entrepreneur with IIN %s", iin))
		}
		if err := duplicate(iin, ProfileEntrepreneur); err != nil {
			return nil, nil, err
		}
		return &tp, nil, nil

	case LegalEntity:
		tp, ok, err := taxpayerAt(tx, bin, now)
		if err != nil {
			return nil, nil, err
		}
		if !ok || !tp.IsLegalEntity() {
			return nil, nil, wrapError(CodeTaxpayerNotFound, FieldBIN, fmt.Errorf("the register lists no legal entity with BIN %s", bin))
		}
		heads, err := registeredHeads(tx, bin)
		if err != nil {
			return nil, nil, err
		}
		if len(heads) > 0 {
			if tp.EnterpriseAdministrator != iin || slices.Contains(heads, iin) {
				return nil, nil, wrapError(CodeEnterpriseAlreadyRegistered, "",
					fmt.Errorf("BIN %s has head %v registered; the register names %q, the certificate %s", bin, heads, tp.EnterpriseAdministrator, iin))
			}
		} else if tp.EnterpriseAdministrator != iin {
			return nil, nil, wrapError(CodeHeadMismatch, "", fmt.Errorf("the register names %q head of BIN %s, the certificate %s", tp.EnterpriseAdministrator, bin, iin))
		}
		if err := duplicate(bin, ProfileAdminEnterprise); err != nil {
			return nil, nil, err
		}
		return &tp, heads, nil
	}
	return nil, nil, NewError(CodeCategoryNotValid, FieldCategory)
}

// registeredHeads returns the IINs with an active ADMIN_ENTERPRISE profile
// of bin.
func registeredHeads(tx Tx, bin string) ([]string, error) {
	profiles, err := tx.ProfilesByTIN(bin)
	if err != nil {
		return nil, storeError("accounts", err)
	}
	var heads []string
	for _, p := range profiles {
		if p.Type == ProfileAdminEnterprise && p.Active() && !slices.Contains(heads, p.IIN) {
			heads = append(heads, p.IIN)
		}
	}
	return heads, nil
}

// CheckForm is step 2, "Регистрационные данные": the form on its own
// (Form.Validate), then against the application: the category, IIN, full
// name and BIN are the certificate's (FIELD_MISMATCH); and for a person
// with an account, the e-mail is the account's (EMAIL_MISMATCH: the
// e-mail belongs to the IIN and changes only through change of e-mail)
// and currentPassword is his password (PASSWORD_INVALID). It returns
// every bad field as Errors.
func (s *Service) CheckForm(ctx context.Context, app *Application, f Form) error {
	return s.view(ctx, func(tx Tx) error { return s.checkForm(tx, app, f) })
}

// checkForm is CheckForm in tx.
func (s *Service) checkForm(tx Tx, app *Application, f Form) error {
	now := s.now()
	var errs Errors
	if err := f.Validate(FormOptions{Now: now, IDOptions: s.ids, ExistingAccount: app.Account != nil}); err != nil {
		errs = append(errs, err.(Errors)...)
	}
	bad := map[string]bool{}
	for _, e := range errs {
		bad[e.Field] = true
	}
	mismatch := func(field, got, want string) {
		if !bad[field] && normalizeSpace(got) != normalizeSpace(want) {
			errs = append(errs, wrapError(CodeFieldMismatch, field, fmt.Errorf("%q, the certificate says %q", clip(got), clip(want))))
			bad[field] = true
		}
	}
	mismatch(FieldCategory, f.Category.String(), app.Category.String())
	mismatch(FieldIIN, f.IIN, app.IIN)
	mismatch(FieldFullName, f.FullName, app.Certificate.FullName())
	if app.Category == LegalEntity {
		mismatch(FieldBIN, f.BIN, app.BIN)
	}
	if app.Account != nil {
		if !bad[FieldEmail] && !sameEmail(f.Email, app.Account.Email) {
			errs = append(errs, NewError(CodeEmailMismatch, FieldEmail))
		}
		if !bad[FieldCurrentPassword] {
			if err := s.verifyPassword(tx, app.IIN, f.CurrentPassword, FieldCurrentPassword); err != nil {
				var e *Error
				if !errors.As(err, &e) {
					return err
				}
				errs = append(errs, e)
			}
		}
	}
	return errs.err()
}

// verifyPassword checks password against the stored account of iin.
func (s *Service) verifyPassword(tx Tx, iin, password, field string) error {
	acct, err := findAccount(tx, iin)
	if err != nil {
		return err
	}
	if acct == nil {
		s.verifyDummy(password)
		return NewError(CodeUserNotRegistered, "")
	}
	if err := s.hasher.Verify(acct.PasswordHash, password); err != nil {
		return passwordError(err, field)
	}
	return nil
}

// verifyDummy does the work of a password check that has no account to
// check against: one hash comparison with the hasher's own cost, so that
// the time a refusal takes does not tell whether an account exists.
func (s *Service) verifyDummy(password string) {
	s.dummy.once.Do(func() {
		secret := make([]byte, 16)
		_, _ = io.ReadFull(s.rand, secret)
		s.dummy.hash, _ = s.hasher.Hash(hex.EncodeToString(secret))
	})
	if s.dummy.hash != "" {
		_ = s.hasher.Verify(s.dummy.hash, password)
	}
}

func normalizeSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// Confirmation is what step 4 gives: the request made, and the one-time
// token of the link e-mailed to the person. The token is shown here only;
// the store keeps its hash.
type Confirmation struct {
	// Request is the request, without the password hash.
	Request Request
	// Token is the secret of the link (40 hex digits).
	Token string
	// Message is RequestCreatedMessage.
	Message string
}

// Link returns the link the e-mail holds: baseURL (such as
// "https://esf.gov.kz:8443"), RegistrationLinkPath and the token.
func (c *Confirmation) Link(baseURL string) string {
	return strings.TrimRight(baseURL, "/") + RegistrationLinkPath + c.Token
}

// Submit is steps 3 and 4, "Ознакомление с соглашением" and "Завершение":
// the person signed the agreements and sends them with the form. Submit
// runs step 1 again for the application's certificate (the register or
// the accounts may have changed since), checks the form (CheckForm) and
// the signed agreements against the ones step 3 asks for
// (CheckSignedAgreements: each by the right signing key), stores the new
// password's hash, and makes the request and its one-time token, valid
// for Config.RequestTTL. The link goes to the form's e-mail, or the
// account's.
func (s *Service) Submit(ctx context.Context, app *Application, f Form, signed []SignedAgreement) (*Confirmation, error) {
	if app == nil {
		return nil, NewError(CodeCategoryNotValid, FieldCategory)
	}
	var conf *Confirmation
	err := s.update(ctx, func(tx Tx) error {
		var err error
		conf, err = s.submit(tx, app, f, signed)
		return err
	})
	if err != nil {
		return nil, err
	}
	return conf, nil
}

// submit is Submit in tx.
func (s *Service) submit(tx Tx, app *Application, f Form, signed []SignedAgreement) (*Confirmation, error) {
	fresh, err := s.begin(tx, app.Category, app.Certificate)
	if err != nil {
		return nil, err
	}
	if err := s.checkForm(tx, fresh, f); err != nil {
		return nil, err
	}
	now := s.now()
	if err := CheckSignedAgreements(fresh.Agreements(f, now), signed, s.certOptions(now)); err != nil {
		return nil, err
	}
	req := Request{
		Category:      fresh.Category,
		IIN:           fresh.IIN,
		BIN:           fresh.BIN,
		Email:         strings.TrimSpace(f.Email),
		FullName:      normalizeSpace(f.FullName),
		CompanyName:   f.CompanyName,
		Form:          f.WithoutPasswords(),
		Agreements:    slices.Clone(signed),
		Profiles:      fresh.Profiles(),
		ReplacesHeads: fresh.ReplacesHeads,
		Status:        RequestPending,
		CreatedAt:     now,
		ExpiresAt:     now.Add(s.requestTTL),
	}
	if fresh.Account != nil {
		req.Email = fresh.Account.Email
	} else if req.PasswordHash, err = s.hasher.Hash(f.Password); err != nil {
		return nil, err
	}
	if req.ID, err = newSecret(s.rand, 16); err != nil {
		return nil, err
	}
	if err := tx.CreateRequest(req); err != nil {
		return nil, storeError("requests", err)
	}
	secret, _, err := s.issueToken(tx, Token{Purpose: PurposeRegistration, IIN: req.IIN, Email: req.Email, RequestID: req.ID}, s.requestTTL)
	if err != nil {
		return nil, err
	}
	req.PasswordHash = ""
	return &Confirmation{Request: req, Token: secret, Message: RequestCreatedMessage}, nil
}

// pendingRequest finds the registration request of a link's token at now.
func pendingRequest(tx Tx, token string, now time.Time) (Token, Request, error) {
	tok, err := lookupToken(tx, token, PurposeRegistration, now)
	if err != nil {
		return Token{}, Request{}, err
	}
	req, err := tx.Request(tok.RequestID)
	if errors.Is(err, ErrNotFound) {
		return Token{}, Request{}, NewError(CodeTokenNotFound, FieldToken)
	} else if err != nil {
		return Token{}, Request{}, storeError("requests", err)
	}
	if req.Status != RequestPending {
		return Token{}, Request{}, NewError(CodeTokenUsed, FieldToken)
	}
	return tok, req, nil
}

// Completion is a completed registration.
type Completion struct {
	// Account is the person's account after completion, without its hash.
	Account Account
	// Added are the profiles the registration added (or made active again).
	Added []Profile
	// Blocked are the former heads' profiles a change of head blocked.
	Blocked []Profile
}

// Complete finishes a registration (domain.md, step 4): the person
// followed the e-mailed link, whose token is token, and logged in with c
// (Login's rules: an authentication key of the request's IIN, and the
// password — the one set at step 2, or the account's). The token must be
// unused and unexpired. The rules of step 1 are checked once more as of
// now; then the account is made (or the profiles added to it) and, for a
// change of head, the former heads' ADMIN_ENTERPRISE profiles become
// ENTERPRISE_ADMIN_CHANGE_BLOCKED. The token is used up. All of it, the
// password check included, is one transaction: of completions racing for
// one BIN, or one token, exactly one wins.
func (s *Service) Complete(ctx context.Context, token string, c Credentials) (*Completion, error) {
	var done *Completion
	err := s.update(ctx, func(tx Tx) error {
		var err error
		done, err = s.complete(tx, token, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return done, nil
}

// complete is Complete in tx.
func (s *Service) complete(tx Tx, token string, c Credentials) (*Completion, error) {
	now := s.now()
	tok, req, err := pendingRequest(tx, token, now)
	if err != nil {
		return nil, err
	}
	iin, err := s.checkLoginKey(c.Certificate, c.Login, now)
	if err != nil {
		return nil, err
	}
	if iin != req.IIN {
		return nil, wrapError(CodeIINNotValid, FieldIIN, fmt.Errorf("logged in as %s; the request is %s's", iin, req.IIN))
	}
	acct, err := findAccount(tx, iin)
	if err != nil {
		return nil, err
	}
	verified := req.PasswordHash
	if acct != nil {
		verified = acct.PasswordHash
	}
	if err := s.hasher.Verify(verified, c.Password); err != nil {
		return nil, passwordError(err, FieldPassword)
	}
	if acct != nil && acct.Status != StatusActive {
		return nil, wrapError(CodeUserBlocked, "", fmt.Errorf("account %s is %s", iin, acct.Status))
	}
	_, replaces, err := admit(tx, req.Category, iin, req.BIN, acct, now)
	if err != nil {
		return nil, err
	}
	if err := useToken(tx, tok, now); err != nil {
		return nil, err
	}

	var added []Profile
	addAll := func(a *Account) error {
		for _, typ := range req.Profiles {
			tin := iin
			if typ == ProfileAdminEnterprise {
				tin = req.BIN
			}
			if typ == ProfileIndividual && req.Category != Individual && a.HasProfile(iin, ProfileIndividual) {
				continue // registered as an individual meanwhile
			}
			if err := a.AddProfile(Profile{IIN: iin, TIN: tin, Type: typ}, now); err != nil {
				return err
			}
			added = append(added, a.Profiles[a.profileIndex(tin, typ)])
		}
		return nil
	}
	var final Account
	if acct == nil {
		a := Account{
			IIN:                 iin,
			Email:               req.Email,
			PasswordHash:        req.PasswordHash,
			FullName:            req.FullName,
			IDDocumentNumber:    req.Form.IDDocumentNumber,
			IDDocumentIssueDate: req.Form.IDDocumentIssueDate,
			IDDocumentIssuer:    req.Form.IDDocumentIssuer,
			Address:             req.Form.Address,
			Status:              StatusActive,
			CreatedAt:           now,
		}
		if err := addAll(&a); err != nil {
			return nil, err
		}
		if err := tx.CreateAccount(a); err != nil {
			return nil, storeError("accounts", err)
		}
		final = a
	} else {
		a, err := tx.UpdateAccount(iin, func(a *Account) error {
			added = nil
			return addAll(a)
		})
		if err != nil {
			if e := (*Error)(nil); errors.As(err, &e) {
				return nil, err
			}
			return nil, storeError("accounts", err)
		}
		final = a
	}

	var blocked []Profile
	for _, old := range replaces {
		_, err := tx.UpdateAccount(old, func(a *Account) error {
			i := a.profileIndex(req.BIN, ProfileAdminEnterprise)
			if i < 0 || !a.Profiles[i].Active() {
				return nil
			}
			p := &a.Profiles[i]
			p.Status, p.Reason, p.StatusChangedAt = StatusEnterpriseAdminChangeBlocked, ChangeOfHeadReason, now
			blocked = append(blocked, *p)
			return nil
		})
		if err != nil {
			return nil, storeError("accounts", err)
		}
	}
	if _, err := tx.UpdateRequest(req.ID, func(r *Request) error {
		r.Status, r.CompletedAt = RequestCompleted, now
		return nil
	}); err != nil {
		return nil, storeError("requests", err)
	}
	return &Completion{Account: final.public(), Added: added, Blocked: blocked}, nil
}
