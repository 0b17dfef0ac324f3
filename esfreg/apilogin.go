package esfreg

import (
	"context"

	"github.com/esfkit/esf/certs"
)

// CheckPassword checks iin's account password: what the SOAP API's
// WS-Security UsernameToken carries (Username = IIN, Password = the ESF
// account password, not the key's PIN).
func (s *Service) CheckPassword(ctx context.Context, iin, password string) error {
	return s.view(ctx, func(tx Tx) error {
		return s.verifyPassword(tx, iin, password, FieldPassword)
	})
}

// LoginWithKey is Login without the password: the signed ticket of the SOAP
// API's createSessionSigned proves the key, and a server that does not
// demand a UsernameToken (see esf-api.md §1.2) opens the session on it.
// Every other rule of Login holds: an authentication key of the login's
// IIN, a registered, unblocked account, a profile of c.TIN.
func (s *Service) LoginWithKey(ctx context.Context, c Credentials) (*LoginResult, error) {
	return s.login(ctx, c, false)
}

// CheckLoginKey checks a log-in key as Login does before any password is
// looked at: an authentication key (or a GOST 2015-512 key), valid now,
// chained to the Service's trust and not revoked, naming a valid IIN. The
// portal's certificate-info step answers with it, so that an untrusted or
// unfit certificate is refused before the person types a password. It
// reads no state: ctx is there as in Login, whose first step it is.
func (s *Service) CheckLoginKey(ctx context.Context, cert *certs.Certificate) error {
	_, err := s.checkLoginKey(cert, "", s.now())
	return err
}
