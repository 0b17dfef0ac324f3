package esfreg

import (
	"errors"
	"fmt"
)

// CheckPassword checks iin's account password: what the SOAP API's
// WS-Security UsernameToken carries (Username = IIN, Password = the ESF
// account password, not the key's PIN).
func (s *Service) CheckPassword(iin, password string) error {
	return s.verifyPassword(iin, password, FieldPassword)
}

// LoginWithKey is Login without the password: the signed ticket of the SOAP
// API's createSessionSigned proves the key, and a server that does not
// demand a UsernameToken (see esf-api.md §1.2) opens the session on it.
// Every other rule of Login holds: an authentication key of the login's
// IIN, a registered, unblocked account, a profile of c.TIN.
func (s *Service) LoginWithKey(c Credentials) (*LoginResult, error) {
	iin, err := s.checkLoginKey(c.Certificate, c.Login, s.now())
	if err != nil {
		return nil, err
	}
	acct, err := s.accounts.Account(iin)
	if errors.Is(err, ErrNotFound) {
		return nil, wrapError(CodeUserNotRegistered, "", fmt.Errorf("IIN %s", iin))
	} else if err != nil {
		return nil, storeError("accounts", err)
	}
	if acct.Status != StatusActive {
		return nil, wrapError(CodeUserBlocked, "", fmt.Errorf("account %s is %s", iin, acct.Status))
	}
	res := &LoginResult{Account: acct.public()}
	if c.TIN != "" {
		p, err := acct.SelectProfile(c.TIN, c.ProfileType)
		if err != nil {
			return nil, err
		}
		res.Profile = &p
	}
	return res, nil
}
