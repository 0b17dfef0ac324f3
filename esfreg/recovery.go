package esfreg

import (
	"errors"
	"time"

	"github.com/esfkit/esf/certs"
)

// EmailChange is the change-of-e-mail form (…/esf-web/login/#!/change-email):
// the login and the new address. The person signs it with a signing key.
type EmailChange struct {
	IIN   string `json:"iin"`
	Email string `json:"email"`
}

// ChangeEmail changes the e-mail of the account of req.IIN (domain.md,
// "Account recovery", step 1). signer is the certificate of the key that
// signed req, as the signature's verification returned it: a signing key
// (RSA or GOST) of that IIN (CheckSigningCertificate). The e-mail is the
// account's, so every profile of the person gets it; password reset
// tokens sent to the old address stop working. It returns the account,
// without its hash.
func (s *Service) ChangeEmail(req EmailChange, signer *certs.Certificate) (Account, error) {
	now := s.now()
	if _, err := s.ids.ParseIIN(req.IIN); err != nil {
		return Account{}, err
	}
	if err := CheckEmail(req.Email); err != nil {
		return Account{}, err
	}
	if err := CheckSigningCertificate(signer, req.IIN, s.certOptions(now)); err != nil {
		return Account{}, err
	}
	a, err := s.accounts.UpdateAccount(req.IIN, func(a *Account) error {
		a.Email = req.Email
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return Account{}, NewError(CodeUserNotRegistered, FieldIIN)
	} else if err != nil {
		return Account{}, storeError("accounts", err)
	}
	return a.public(), nil
}

// PasswordResetRequest is the reset-password form
// (…/esf-web/login/#!/reset-password): the login and the account's e-mail.
type PasswordResetRequest struct {
	IIN   string `json:"iin"`
	Email string `json:"email"`
}

// ResetTicket is a password reset link to e-mail.
type ResetTicket struct {
	// Token is the secret of the link (40 hex digits), shown here only.
	Token string
	IIN   string
	// Email is the account's address, where the link goes.
	Email     string
	ExpiresAt time.Time
}

// RequestPasswordReset starts a password reset (domain.md, "Account
// recovery", step 2): the IIN has an account and req.Email is its e-mail
// (EMAIL_MISMATCH otherwise: change the e-mail first). It returns a
// one-time token valid for Config.ResetTTL, to be e-mailed to that address.
func (s *Service) RequestPasswordReset(req PasswordResetRequest) (*ResetTicket, error) {
	if _, err := s.ids.ParseIIN(req.IIN); err != nil {
		return nil, err
	}
	if err := CheckEmail(req.Email); err != nil {
		return nil, err
	}
	acct, err := s.findAccount(req.IIN)
	if err != nil {
		return nil, err
	}
	if acct == nil {
		return nil, NewError(CodeUserNotRegistered, FieldIIN)
	}
	if !sameEmail(req.Email, acct.Email) {
		return nil, NewError(CodeEmailMismatch, FieldEmail)
	}
	secret, tok, err := s.issueToken(Token{Purpose: PurposePasswordReset, IIN: acct.IIN, Email: acct.Email}, s.resetTTL)
	if err != nil {
		return nil, err
	}
	return &ResetTicket{Token: secret, IIN: acct.IIN, Email: acct.Email, ExpiresAt: tok.ExpiresAt}, nil
}

// PasswordReset is the form behind the reset link: the link's token and
// the new password twice.
type PasswordReset struct {
	Token                string `json:"token"`
	Password             string `json:"password"`
	PasswordConfirmation string `json:"passwordConfirmation"`
}

// ResetPassword sets a new password through a reset link: the token is
// unused, unexpired and was sent to the account's current e-mail; the two
// passwords are equal and meet the policy (CheckPassword); signer, the
// certificate of the key that signed req, is a signing key of the
// account's IIN. The new password serves every profile of the person.
// The token is used up.
func (s *Service) ResetPassword(req PasswordReset, signer *certs.Certificate) error {
	now := s.now()
	tok, err := s.lookupToken(req.Token, PurposePasswordReset, now)
	if err != nil {
		return err
	}
	stale := wrapError(CodeTokenNotFound, FieldToken, errors.New("the account's e-mail changed since the link was sent"))
	acct, err := s.findAccount(tok.IIN)
	if err != nil {
		return err
	}
	if acct == nil || !sameEmail(acct.Email, tok.Email) {
		return stale
	}
	var errs Errors
	if err := CheckPassword(req.Password, tok.IIN); err != nil {
		errs = append(errs, fieldError(err, FieldPassword))
	}
	switch {
	case req.PasswordConfirmation == "":
		errs = append(errs, NewError(CodeFieldRequired, FieldPasswordConfirmation))
	case req.PasswordConfirmation != req.Password:
		errs = append(errs, NewError(CodePasswordMismatch, FieldPasswordConfirmation))
	}
	if len(errs) > 0 {
		return errs
	}
	if err := CheckSigningCertificate(signer, tok.IIN, s.certOptions(now)); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(req.Password)
	if err != nil {
		return err
	}
	if err := s.useToken(tok, now); err != nil {
		return err
	}
	_, err = s.accounts.UpdateAccount(tok.IIN, func(a *Account) error {
		if !sameEmail(a.Email, tok.Email) {
			return stale // the e-mail changed a moment ago
		}
		a.PasswordHash = hash
		return nil
	})
	if err != nil && !errors.Is(err, stale) {
		return storeError("accounts", err)
	}
	return err
}
