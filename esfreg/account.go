package esfreg

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/esfkit/esf/certs"
)

// Account is a person's ESF account: one per IIN, whatever he registers
// as. The password and the e-mail belong to the IIN, so every profile of
// the person — individual, entrepreneur, head of one or more legal
// entities — shares them (domain.md, "One person, several profiles").
// The JSON names follow ESF's User type where it has the field.
type Account struct {
	// IIN is the login.
	IIN   string `json:"login"`
	Email string `json:"email"`
	// PasswordHash is the password as the Service's PasswordHasher stored
	// it; the password itself is never kept.
	PasswordHash string `json:"passwordHash"`
	// FullName is the person's name from his certificate.
	FullName string `json:"fullName"`
	// The identity document of the registration form.
	IDDocumentNumber    string `json:"passportNum,omitempty"`
	IDDocumentIssueDate string `json:"issueDate,omitempty"` // ДД.ММ.ГГГГ
	IDDocumentIssuer    string `json:"issuedBy,omitempty"`
	Address             string `json:"address,omitempty"`
	// Status is StatusActive, or StatusBlocked when the system's
	// administrator blocked the person altogether; Reason says why.
	Status UserStatus `json:"status"`
	Reason string     `json:"reason,omitempty"`
	// Profiles are what the person may act as, in the order registered.
	Profiles  []Profile `json:"profiles"`
	CreatedAt time.Time `json:"createdAt"`
}

// Profile is one thing a person may act as in ESF: ESF's profileInfo. The
// profile is chosen at log-in by TIN and, when one TIN has several (an
// individual who is also an entrepreneur), by Type.
type Profile struct {
	IIN string `json:"iin"`
	// TIN is the taxpayer the profile acts for: the IIN for INDIVIDUAL and
	// ENTREPRENEUR, the BIN for ADMIN_ENTERPRISE.
	TIN    string      `json:"tin"`
	Type   ProfileType `json:"businessProfileType"`
	Status UserStatus  `json:"status"`
	Kind   ProfileKind `json:"type"`
	// Reason says why the profile is blocked.
	Reason          string    `json:"reason,omitempty"`
	CreatedAt       time.Time `json:"createdAt"`
	StatusChangedAt time.Time `json:"statusChangedAt"`
}

// Active reports whether the profile may be used.
func (p Profile) Active() bool { return p.Status == StatusActive }

// Clone returns a copy of a that shares no memory with it: a store that
// keeps the values it read hands out clones.
func (a Account) Clone() Account { return a.clone() }

// clone returns a copy of a that shares no memory with it.
func (a Account) clone() Account {
	a.Profiles = slices.Clone(a.Profiles)
	return a
}

// HasProfile reports whether a has a profile of type typ for tin, in any
// status.
func (a *Account) HasProfile(tin string, typ ProfileType) bool {
	return a.profileIndex(tin, typ) >= 0
}

func (a *Account) profileIndex(tin string, typ ProfileType) int {
	return slices.IndexFunc(a.Profiles, func(p Profile) bool { return p.TIN == tin && p.Type == typ })
}

// ActiveProfiles returns the profiles that may be used: what ESF's
// currentUserProfiles lists.
func (a *Account) ActiveProfiles() []Profile {
	var out []Profile
	for _, p := range a.Profiles {
		if p.Active() {
			out = append(out, p)
		}
	}
	return out
}

// AddProfile adds p, active, to the account at now. A profile of the same
// TIN and type that is active already is ErrEnterpriseAlreadyRegistered
// (for ADMIN_ENTERPRISE) or ErrUserAlreadyRegistered; one blocked at a
// change of head is made active again (the head is head once more); one
// blocked otherwise stays so (ErrUserBlocked).
func (a *Account) AddProfile(p Profile, now time.Time) error {
	if p.IIN == "" {
		p.IIN = a.IIN
	}
	if p.IIN != a.IIN {
		return wrapError(CodeIINNotValid, FieldIIN, fmt.Errorf("profile of IIN %s added to the account of %s", p.IIN, a.IIN))
	}
	if i := a.profileIndex(p.TIN, p.Type); i >= 0 {
		old := &a.Profiles[i]
		switch {
		case old.Active() && p.Type == ProfileAdminEnterprise:
			return NewError(CodeEnterpriseAlreadyRegistered, "")
		case old.Active():
			return NewError(CodeUserAlreadyRegistered, "")
		case old.Status != StatusEnterpriseAdminChangeBlocked:
			return wrapError(CodeUserBlocked, "", fmt.Errorf("profile %s for %s is %s", old.Type, old.TIN, old.Status))
		}
		old.Status, old.Reason, old.StatusChangedAt = StatusActive, "", now
		return nil
	}
	p.Status, p.Reason = StatusActive, ""
	if p.Kind == "" {
		p.Kind = ProfileGeneral
	}
	p.CreatedAt, p.StatusChangedAt = now, now
	a.Profiles = append(a.Profiles, p)
	return nil
}

// SelectProfile chooses the profile a log-in acts as: the one for tin, of
// type typ when tin has more than one. No profile for tin is
// ErrEnterpriseNotFoundForUser; several and no typ is
// ErrBusinessProfileTypeRequired; a profile that is not active is
// ErrUserBlocked.
func (a *Account) SelectProfile(tin string, typ ProfileType) (Profile, error) {
	var found []Profile
	for _, p := range a.Profiles {
		if p.TIN == tin && (typ == "" || p.Type == typ) {
			found = append(found, p)
		}
	}
	switch {
	case len(found) == 0:
		return Profile{}, wrapError(CodeEnterpriseNotFoundForUser, "tin", fmt.Errorf("IIN %s has no profile %s for %s", a.IIN, typ, clip(tin)))
	case len(found) > 1:
		// Prefer the only active one, if there is exactly one.
		var active []Profile
		for _, p := range found {
			if p.Active() {
				active = append(active, p)
			}
		}
		if len(active) != 1 {
			return Profile{}, NewError(CodeBusinessProfileTypeRequired, "businessProfileType")
		}
		found = active
	}
	p := found[0]
	if !p.Active() {
		return Profile{}, wrapError(CodeUserBlocked, "", fmt.Errorf("profile %s of %s for %s is %s", p.Type, p.IIN, p.TIN, p.Status))
	}
	return p, nil
}

// Credentials are what a person logs in with: the certificate of his
// authentication key (read from the signed log-in ticket, already
// verified), the login he typed and his password, and the profile he
// chooses.
type Credentials struct {
	// Certificate is the log-in key's: an AUTH key, or a GOST 2015-512
	// key, which serves both. Its IIN is the login.
	Certificate *certs.Certificate
	// Login is the IIN typed, or sent as the UsernameToken; empty means
	// the certificate's. It must equal the certificate's IIN.
	Login    string
	Password string
	// TIN chooses the profile; empty logs in without one.
	TIN string
	// ProfileType chooses among several profiles of one TIN.
	ProfileType ProfileType
}

// LoginResult is a successful log-in.
type LoginResult struct {
	Account Account
	// Profile is the chosen profile, nil when Credentials.TIN was empty.
	Profile *Profile
}

// Login checks a log-in (domain.md, "Login"): the key is for
// authentication and valid, the login is its IIN, the IIN has an account,
// the password is the account's, the account is not blocked, and a
// profile of Credentials.TIN can be chosen. The account comes back
// without its password hash.
func (s *Service) Login(ctx context.Context, c Credentials) (*LoginResult, error) {
	return s.login(ctx, c, true)
}

// login is Login, with the password checked or (LoginWithKey) not.
func (s *Service) login(ctx context.Context, c Credentials, checkPassword bool) (*LoginResult, error) {
	now := s.now()
	iin, err := s.checkLoginKey(c.Certificate, c.Login, now)
	if err != nil {
		return nil, err
	}
	var res *LoginResult
	err = s.view(ctx, func(tx Tx) error {
		acct, err := findAccount(tx, iin)
		if err != nil {
			return err
		}
		if acct == nil {
			if checkPassword {
				s.verifyDummy(c.Password)
			}
			return wrapError(CodeUserNotRegistered, "", fmt.Errorf("IIN %s", iin))
		}
		if checkPassword {
			if err := s.hasher.Verify(acct.PasswordHash, c.Password); err != nil {
				return passwordError(err, FieldPassword)
			}
		}
		if acct.Status != StatusActive {
			return wrapError(CodeUserBlocked, "", fmt.Errorf("account %s is %s", iin, acct.Status))
		}
		res = &LoginResult{Account: acct.public()}
		if c.TIN != "" {
			p, err := acct.SelectProfile(c.TIN, c.ProfileType)
			if err != nil {
				return err
			}
			res.Profile = &p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// checkLoginKey checks a log-in key and the login typed with it, and
// returns the IIN.
func (s *Service) checkLoginKey(cert *certs.Certificate, login string, now time.Time) (string, error) {
	opts := s.certOptions(now)
	if err := CheckAuthCertificate(cert, opts); err != nil {
		return "", err
	}
	if login != "" && login != cert.IIN {
		return "", wrapError(CodeIINNotValid, FieldIIN, fmt.Errorf("login %q, certificate IIN %s", clip(login), cert.IIN))
	}
	return cert.IIN, nil
}

// public returns a copy of a without the password hash.
func (a Account) public() Account {
	c := a.clone()
	c.PasswordHash = ""
	return c
}

// Account returns the account of iin without its password hash, or
// ErrUserNotRegistered.
func (s *Service) Account(ctx context.Context, iin string) (Account, error) {
	var a *Account
	err := s.view(ctx, func(tx Tx) error {
		var err error
		a, err = findAccount(tx, iin)
		return err
	})
	if err != nil {
		return Account{}, err
	}
	if a == nil {
		return Account{}, NewError(CodeUserNotRegistered, "")
	}
	return a.public(), nil
}

// sameEmail compares e-mail addresses as people type them: ignoring case
// and surrounding space.
func sameEmail(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}
