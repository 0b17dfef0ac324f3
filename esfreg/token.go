package esfreg

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// TokenPurpose is what a one-time token is for.
type TokenPurpose string

// The purposes of tokens.
const (
	// PurposeRegistration: the link of step 4,
	// …/esf-web/self-registration-request/<token>.
	PurposeRegistration TokenPurpose = "REGISTRATION"
	// PurposePasswordReset: the link of the reset-password e-mail.
	PurposePasswordReset TokenPurpose = "PASSWORD_RESET"
)

// TokenLength is the length of a token: 40 lowercase hex digits, 160
// random bits, as in the portal's registration links.
const TokenLength = 40

// RegistrationLinkPath is the path of the link the step 4 e-mail holds,
// followed by the token.
const RegistrationLinkPath = "/esf-web/self-registration-request/"

// Token is a one-time token as stored: the secret itself is e-mailed and
// never kept; Key, its SHA-256, finds the record.
type Token struct {
	Key     string       `json:"key"`
	Purpose TokenPurpose `json:"purpose"`
	IIN     string       `json:"iin"`
	// Email is where the token was sent; a password reset token dies when
	// the account's e-mail changes.
	Email string `json:"email"`
	// RequestID is the registration request of a registration token.
	RequestID string    `json:"requestId,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	// UsedAt is when the token was used; zero while unused.
	UsedAt time.Time `json:"usedAt"`
}

// TokenKey returns the key a token is stored under: its SHA-256 in hex.
func TokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// newSecret returns n random bytes from r in lowercase hex.
func newSecret(r io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("esfreg: random: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// validToken reports whether s looks like a token: 40 lowercase hex digits.
func validToken(s string) bool {
	if len(s) != TokenLength {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// usable checks a stored token at now: of the purpose, unused, unexpired.
func (t Token) usable(purpose TokenPurpose, now time.Time) error {
	switch {
	case t.Purpose != purpose:
		return wrapError(CodeTokenNotFound, FieldToken, fmt.Errorf("a %s token, not %s", t.Purpose, purpose))
	case !t.UsedAt.IsZero():
		return wrapError(CodeTokenUsed, FieldToken, fmt.Errorf("used at %s", t.UsedAt.UTC().Format(time.RFC3339)))
	case !now.Before(t.ExpiresAt):
		return wrapError(CodeTokenExpired, FieldToken, fmt.Errorf("expired at %s", t.ExpiresAt.UTC().Format(time.RFC3339)))
	}
	return nil
}

// issueToken makes and stores a token; it returns the secret.
func (s *Service) issueToken(tx Tx, t Token, ttl time.Duration) (string, Token, error) {
	secret, err := newSecret(s.rand, TokenLength/2)
	if err != nil {
		return "", Token{}, err
	}
	t.Key = TokenKey(secret)
	t.CreatedAt = s.now()
	t.ExpiresAt = t.CreatedAt.Add(ttl)
	if err := tx.CreateToken(t); err != nil {
		return "", Token{}, storeError("tokens", err)
	}
	return secret, t, nil
}

// lookupToken finds a token by its secret and checks it is usable at now.
func lookupToken(tx Tx, secret string, purpose TokenPurpose, now time.Time) (Token, error) {
	if !validToken(secret) {
		return Token{}, NewError(CodeTokenNotFound, FieldToken)
	}
	t, err := tx.Token(TokenKey(secret))
	if errors.Is(err, ErrNotFound) {
		return Token{}, NewError(CodeTokenNotFound, FieldToken)
	} else if err != nil {
		return Token{}, storeError("tokens", err)
	}
	if err := t.usable(purpose, now); err != nil {
		return Token{}, err
	}
	return t, nil
}

// useToken marks a token used, once.
func useToken(tx Tx, t Token, now time.Time) error {
	_, err := tx.UpdateToken(t.Key, func(t *Token) error {
		if !t.UsedAt.IsZero() {
			return NewError(CodeTokenUsed, FieldToken)
		}
		t.UsedAt = now
		return nil
	})
	if err != nil && !errors.As(err, new(*Error)) {
		return storeError("tokens", err)
	}
	return err
}

// RequestStatus is where a registration request stands.
type RequestStatus string

// The statuses of a request.
const (
	// RequestPending: the e-mail is sent; the link has not been followed.
	RequestPending RequestStatus = "PENDING"
	// RequestCompleted: the link was followed and the person logged in.
	RequestCompleted RequestStatus = "COMPLETED"
)

// Request is a registration request, made at step 4 ("Запрос создан
// успешно"): everything the registration needs to complete when the person
// follows the e-mailed link and logs in.
type Request struct {
	ID       string   `json:"id"`
	Category Category `json:"category"`
	IIN      string   `json:"iin"`
	BIN      string   `json:"bin,omitempty"`
	// Email is where the link went: the form's, or the account's.
	Email       string `json:"email"`
	FullName    string `json:"fullName"`
	CompanyName string `json:"companyName,omitempty"`
	// Form is step 2's form without its passwords.
	Form Form `json:"form"`
	// PasswordHash is the new account's password; empty when the IIN had
	// an account at step 4.
	PasswordHash string `json:"passwordHash,omitempty"`
	// Agreements are step 3's signed agreements.
	Agreements []SignedAgreement `json:"agreements"`
	// Profiles are the profile types completion adds, such as
	// [INDIVIDUAL ADMIN_ENTERPRISE] for a head not yet registered as an
	// individual.
	Profiles []ProfileType `json:"profiles"`
	// ReplacesHeads are, for a change of head, the IINs of the registered
	// heads whose ADMIN_ENTERPRISE profiles completion blocks.
	ReplacesHeads []string      `json:"replacesHeads,omitempty"`
	Status        RequestStatus `json:"status"`
	CreatedAt     time.Time     `json:"createdAt"`
	ExpiresAt     time.Time     `json:"expiresAt"`
	CompletedAt   time.Time     `json:"completedAt"`
}

// Clone returns a copy of r that shares no memory with it but the signers'
// certificates, which no one changes: a store that keeps the values it
// read hands out clones.
func (r Request) Clone() Request { return r.clone() }

func (r Request) clone() Request {
	r.Agreements = slices.Clone(r.Agreements)
	for i := range r.Agreements {
		r.Agreements[i].Document = slices.Clone(r.Agreements[i].Document)
	}
	r.Profiles = slices.Clone(r.Profiles)
	r.ReplacesHeads = slices.Clone(r.ReplacesHeads)
	return r
}
