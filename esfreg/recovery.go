package esfreg

import (
	"context"
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
func (s *Service) ChangeEmail(ctx context.Context, req EmailChange, signer *certs.Certificate) (Account, error) {
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
	var a Account
	err := s.update(ctx, func(tx Tx) error {
		var err error
		a, err = tx.UpdateAccount(req.IIN, func(a *Account) error {
			a.Email = req.Email
			return nil
		})
		if errors.Is(err, ErrNotFound) {
			return NewError(CodeUserNotRegistered, FieldIIN)
		} else if err != nil {
			return storeError("accounts", err)
		}
		return nil
	})
	if err != nil {
		return Account{}, err
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
func (s *Service) RequestPasswordReset(ctx context.Context, req PasswordResetRequest) (*ResetTicket, error) {
	if _, err := s.ids.ParseIIN(req.IIN); err != nil {
		return nil, err
	}
	if err := CheckEmail(req.Email); err != nil {
		return nil, err
	}
	var ticket *ResetTicket
	err := s.update(ctx, func(tx Tx) error {
		acct, err := findAccount(tx, req.IIN)
		if err != nil {
			return err
		}
		if acct == nil {
			return NewError(CodeUserNotRegistered, FieldIIN)
		}
		if !sameEmail(req.Email, acct.Email) {
			return NewError(CodeEmailMismatch, FieldEmail)
		}
		secret, tok, err := s.issueToken(tx, Token{Purpose: PurposePasswordReset, IIN: acct.IIN, Email: acct.Email}, s.resetTTL)
		if err != nil {
			return err
		}
		ticket = &ResetTicket{Token: secret, IIN: acct.IIN, Email: acct.Email, ExpiresAt: tok.ExpiresAt}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ticket, nil
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
func (s *Service) ResetPassword(ctx context.Context, req PasswordReset, signer *certs.Certificate) error {
	now := s.now()
	return s.update(ctx, func(tx Tx) error {
		tok, err := lookupToken(tx, req.Token, PurposePasswordReset, now)
		if err != nil {
			return err
		}
		stale := wrapError(CodeTokenNotFound, FieldToken, errors.New("the account's e-mail changed since the link was sent"))
		acct, err := findAccount(tx, tok.IIN)
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
		if err := useToken(tx, tok, now); err != nil {
			return err
		}
		if _, err := tx.UpdateAccount(tok.IIN, func(a *Account) error {
			a.PasswordHash = hash
			return nil
		}); err != nil {
			return storeError("accounts", err)
		}
		return nil
	})
}
