package certstest

import (
	"cmp"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/gost"
	"software.sslmate.com/src/go-pkcs12"
)

// NCA's test identities (nca-certificates.md §7), the defaults of Profile.
const (
	TestSurname      = "ТЕСТОВ"
	TestFirstName    = "ТЕСТ"
	TestPatronymic   = "ТЕСТОВИЧ"
	TestIIN          = "123456789011"
	TestOrganization = `АО "ТЕСТ"`
	TestBIN          = "123456789021"

	// The second person NCA's test key stores use.
	TestSurname2    = "ТЕСТТОВ"
	TestFirstName2  = "ТЕСТТ"
	TestPatronymic2 = "ТЕСТТОВИЧ"
	TestIIN2        = "123456789012"
)

// Kind is who a key store is issued to, as the taxpayer sees it.
type Kind int

// The kinds of holder Issue knows.
const (
	// KindIndividual is a person (ФЛ): roles INDIVIDUAL.
	KindIndividual Kind = iota
	// KindEntrepreneur is an individual entrepreneur (ИП). NCA issues him
	// an individual's certificate; the tax register, not the certificate,
	// says he is an entrepreneur. The certificate equals KindIndividual's.
	KindEntrepreneur
	// KindCEO is a legal entity's first head (первый руководитель): roles
	// ORGANIZATION, CEO.
	KindCEO
	// KindCanSign is a legal entity's employee with the right to sign
	// (лицо, наделённое правом подписи): roles ORGANIZATION, CAN_SIGN.
	KindCanSign
	// KindEmployee is a legal entity's employee without the right to sign
	// (сотрудник организации): roles ORGANIZATION, EMPLOYEE.
	KindEmployee
)

var kindNames = map[Kind]string{
	KindIndividual:   "individual",
	KindEntrepreneur: "entrepreneur",
	KindCEO:          "ceo",
	KindCanSign:      "can_sign",
	KindEmployee:     "employee",
}

// String returns "individual", "entrepreneur", "ceo", "can_sign" or "employee".
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("certstest.Kind(%d)", int(k))
}

// Holder returns whom NCA's certificate names: an individual for
// KindIndividual and KindEntrepreneur, else a legal entity.
func (k Kind) Holder() certs.Holder {
	switch k {
	case KindIndividual, KindEntrepreneur:
		return certs.HolderIndividual
	case KindCEO, KindCanSign, KindEmployee:
		return certs.HolderLegalEntity
	}
	return certs.HolderUnknown
}

// Roles returns the roles NCA marks a certificate of kind k with, in the
// order NCA writes them.
func (k Kind) Roles() []certs.Role {
	switch k {
	case KindIndividual, KindEntrepreneur:
		return []certs.Role{certs.RoleIndividual}
	case KindCEO:
		return []certs.Role{certs.RoleOrganization, certs.RoleCEO}
	case KindCanSign:
		return []certs.Role{certs.RoleOrganization, certs.RoleCanSign}
	case KindEmployee:
		return []certs.Role{certs.RoleOrganization, certs.RoleEmployee}
	}
	return nil
}

// State is whether an issued certificate is good at Now.
type State int

// The states Issue can put a certificate in.
const (
	// StateValid is valid from Now (or Profile.NotBefore) and not revoked.
	StateValid State = iota
	// StateExpired ended before Now: by default it was valid from Now-366
	// days to Now-1 day.
	StateExpired
	// StateRevoked is valid but listed in the CA's CRL from Now on.
	StateRevoked
)

// String returns "valid", "expired" or "revoked".
func (s State) String() string {
	switch s {
	case StateValid:
		return "valid"
	case StateExpired:
		return "expired"
	case StateRevoked:
		return "revoked"
	}
	return fmt.Sprintf("certstest.State(%d)", int(s))
}

// Profile says what to issue. The zero value is an authentication key store
// of the individual ТЕСТОВ ТЕСТ ТЕСТОВИЧ, IIN 123456789011, valid for a year
// from Now. Every field can be set.
type Profile struct {
	// Kind is the holder: individual, entrepreneur, CEO, employee with or
	// without the right to sign.
	Kind Kind
	// Usage, from an RSA CA, is certs.UsageAuth (also the zero value;
	// keyUsage digitalSignature+keyEncipherment, EKU clientAuth, file
	// AUTH_RSA256_…) or certs.UsageSign (digitalSignature+nonRepudiation,
	// EKU emailProtection, file RSA256_…); RSA has no combined AUTH+SIGN
	// key. From a GOST 2015 CA every key is NCA's one key for both
	// (digitalSignature+nonRepudiation+keyAgreement, EKU emailProtection,
	// file GOST512_…): zero, AUTH, SIGN and AUTH|SIGN all give it, and
	// certs classifies it AUTH|SIGN. From a GOST 2004 CA a key signs only
	// (digitalSignature+nonRepudiation, file GOSTKNCA_…): zero or SIGN.
	Usage certs.Usage
	// State is valid, expired or revoked.
	State State

	// Surname, FirstName and Patronymic name the person: CN "SURNAME
	// FIRSTNAME", SURNAME, GIVENNAME (the patronymic; left out when empty).
	// When all three are empty they are ТЕСТОВ, ТЕСТ, ТЕСТОВИЧ.
	Surname, FirstName, Patronymic string
	// IIN is the person's 12-digit IIN, written as SERIALNUMBER "IIN…";
	// empty means TestIIN. Any PrintableString is accepted, so tests can
	// issue malformed IINs.
	IIN string
	// Organization and BIN name the legal entity (O, and OU "BIN…") of the
	// legal kinds; empty means TestOrganization and TestBIN. They must be
	// empty for KindIndividual and KindEntrepreneur.
	Organization, BIN string
	// Email, if set, goes into subjectAltName as an rfc822Name, where NCA
	// puts it.
	Email string
	// Roles replace the kind's roles (Kind.Roles) in extendedKeyUsage when
	// not nil; include certs.RoleIndividual or certs.RoleOrganization
	// yourself. Every role needs an OID (certs.Role.OID).
	Roles []certs.Role

	// NotBefore is the start of validity; zero means Now, or Now-366 days
	// for StateExpired.
	NotBefore time.Time
	// Validity is the length of validity; zero means LeafValidity (365 days).
	Validity time.Duration

	// PIN is the key store's password; empty means the CA's (Options.PIN).
	PIN string
	// Key is the RSA key pair to certify (RSA CAs only); nil means the
	// next key of the CA's pool (or a fresh one once the pool is used up,
	// or with Options.FreshKeys).
	Key *rsa.PrivateKey
	// GOSTKey is the GOST key pair to certify (GOST CAs only), on the CA's
	// curve; nil means a key derived from Options.Rand.
	GOSTKey *gost.PrivateKey
}

// Issued is what Issue returns: a key store and everything in it.
type Issued struct {
	// Certificate is the end-entity certificate, as certs classifies it.
	Certificate *certs.Certificate
	// PrivateKey is the certificate's key: *rsa.PrivateKey, or
	// *gost.PrivateKey from a GOST CA (its Sign takes the GOST digest of
	// the message and returns NCA's signature layout). Pool keys are
	// shared by every CA of the process: do not modify it.
	PrivateKey crypto.Signer
	// PKCS12 is the key store: the key and the certificate only, as NCA
	// writes them, protected by PIN.
	PKCS12 []byte
	// PIN opens PKCS12.
	PIN string
	// FileName is the name NCA gives the key store: the file kind and the
	// SKI in lowercase hex, e.g. "AUTH_RSA256_3f…a1.p12" or
	// "GOST512_3f…a1.p12".
	FileName string
	// Chain is the leaf, the intermediate and the root, in that order.
	Chain []*certs.Certificate
	// Profile is the profile issued, with every default filled in.
	Profile Profile
}

// DER returns the certificate in DER (what NCA's .cer files hold).
func (is *Issued) DER() []byte { return is.Certificate.X509.Raw }

// Issue certifies a key for p and writes its key store. The certificate is
// shaped like NCA's RSA certificates of nca-certificates.md §1–§2: subject
// "CN, SURNAME, SERIALNUMBER, C, [O, OU,] GIVENNAME" (UTF8String except the
// PrintableString SERIALNUMBER and C), keyUsage critical, EKU and role OIDs,
// the policy of the holder and usage with NCA's CPS, CRL, delta CRL, AIA and
// OCSP URLs, AKI and SKI, serial number = SKI with the top bit cleared,
// sha256WithRSAEncryption.
//
// A GOST 2015 CA issues NCA's GOST512_ key stores instead: one GOST R
// 34.10-2015 512-bit key for log-in and signing, keyUsage
// digitalSignature+nonRepudiation+keyAgreement, EKU emailProtection and
// the roles, policy 1.2.398.3.3.2, NCA's 1.2.398.3.3.5 extension; a GOST
// 2004 CA the GOSTKNCA_ signing key stores NCA gave legal entities (legal
// kinds only): GOST 34.310-2004, keyUsage digitalSignature+nonRepudiation,
// policy 1.2.398.3.3.2.1. Their key stores are written like NCA's own (see
// the package documentation).
func (ca *CA) Issue(p Profile) (*Issued, error) {
	if err := ca.fillProfile(&p); err != nil {
		return nil, err
	}
	ca.mu.Lock()
	defer ca.mu.Unlock()

	now := ca.clock()
	notBefore := p.NotBefore.UTC().Truncate(time.Second)
	if notBefore.IsZero() {
		notBefore = now
		if p.State == StateExpired {
			notBefore = now.Add(-p.Validity - 24*time.Hour)
		}
	}
	notAfter := notBefore.Add(p.Validity)
	if p.State == StateExpired && !notAfter.Before(now) {
		return nil, fmt.Errorf("certstest: an expired profile ends at %s, not before Now %s", notAfter.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	p.NotBefore = notBefore
	if ca.spec != nil {
		return ca.issueGOST(p, notBefore, notAfter)
	}

	key := p.Key
	if key == nil {
		var err error
		if key, err = ca.nextKeyLocked(); err != nil {
			return nil, err
		}
	}

	tmpl, err := ca.leafTemplate(&p, ski(&key.PublicKey), notBefore, notAfter)
	if err != nil {
		return nil, err
	}
	leaf, err := ca.certify(tmpl, ca.intermediate.X509, &key.PublicKey, ca.intKey)
	if err != nil {
		return nil, fmt.Errorf("certstest: issue %s %s: %w", p.Kind, p.Usage, err)
	}
	// NCA's key stores: 3DES key bag, RC2-40 certificate bag, SHA-1 MAC,
	// 1024 iterations; the leaf alone, no chain.
	pfx, err := pkcs12.LegacyRC2.WithIterations(1024).WithRand(ca.rand).Encode(key, leaf.X509, nil, p.PIN)
	if err != nil {
		return nil, fmt.Errorf("certstest: write key store: %w", err)
	}
	if p.State == StateRevoked {
		ca.revokeLocked(leaf.X509.SerialNumber)
	}
	p.Key = key
	return &Issued{
		Certificate: leaf,
		PrivateKey:  key,
		PKCS12:      pfx,
		PIN:         p.PIN,
		FileName:    fileName(p.Usage, leaf.SKI),
		Chain:       []*certs.Certificate{leaf, ca.intermediate, ca.root},
		Profile:     p,
	}, nil
}

// issueGOST is Issue for a GOST CA, with p filled in and ca.mu held.
func (ca *CA) issueGOST(p Profile, notBefore, notAfter time.Time) (*Issued, error) {
	s := ca.spec
	key := p.GOSTKey
	if key == nil {
		var err error
		if key, err = s.deriveKey(ca.rand); err != nil {
			return nil, err
		}
	}
	id, err := s.ski(key.PublicKey())
	if err != nil {
		return nil, err
	}
	tmpl, err := ca.leafTemplate(&p, id, notBefore, notAfter)
	if err != nil {
		return nil, err
	}
	leaf, err := ca.certify(tmpl, ca.intermediate.X509, key.PublicKey(), ca.intKey)
	if err != nil {
		return nil, fmt.Errorf("certstest: issue %s %s: %w", p.Kind, p.Usage, err)
	}
	pkcs8, err := s.pkcs8(key)
	if err != nil {
		return nil, err
	}
	pfx, err := encodeKeyStore(ca.rand, pkcs8, leaf.X509.Raw, leaf.SKI, p.PIN)
	if err != nil {
		return nil, err
	}
	if p.State == StateRevoked {
		ca.revokeLocked(leaf.X509.SerialNumber)
	}
	p.GOSTKey = key
	return &Issued{
		Certificate: leaf,
		PrivateKey:  key,
		PKCS12:      pfx,
		PIN:         p.PIN,
		FileName:    string(s.fileKind) + hex.EncodeToString(leaf.SKI) + ".p12",
		Chain:       []*certs.Certificate{leaf, ca.intermediate, ca.root},
		Profile:     p,
	}, nil
}

// fillProfile checks p and fills in its defaults.
func (ca *CA) fillProfile(p *Profile) error {
	holder := p.Kind.Holder()
	if holder == certs.HolderUnknown {
		return fmt.Errorf("certstest: unknown kind %s", p.Kind)
	}
	switch ca.alg {
	case certs.AlgorithmGOST2015_512:
		switch p.Usage {
		case 0, certs.UsageAuth, certs.UsageSign, certs.UsageAuth | certs.UsageSign:
			p.Usage = certs.UsageAuth | certs.UsageSign
		default:
			return fmt.Errorf("certstest: usage %s: a GOST 2015 key is for AUTH and SIGN", p.Usage)
		}
	case certs.AlgorithmGOST2004:
		switch p.Usage {
		case 0, certs.UsageSign:
			p.Usage = certs.UsageSign
		default:
			return fmt.Errorf("certstest: usage %s: a GOST 2004 key (GOSTKNCA_) signs only; NCA issued AUTH keys as RSA", p.Usage)
		}
		if holder != certs.HolderLegalEntity {
			return fmt.Errorf("certstest: a %s gets no GOST 2004 key: NCA issued GOSTKNCA_ key stores to legal entities (an individual signed with RSA256_)", p.Kind)
		}
	default:
		switch p.Usage {
		case 0:
			p.Usage = certs.UsageAuth
		case certs.UsageAuth, certs.UsageSign:
		default:
			return fmt.Errorf("certstest: usage %s: an RSA key is either AUTH or SIGN (one key for both is GOST 2015: Options.Algorithm)", p.Usage)
		}
	}
	switch {
	case ca.spec == nil && p.GOSTKey != nil:
		return errors.New("certstest: Profile.GOSTKey given to an RSA CA (use Profile.Key)")
	case ca.spec != nil && p.Key != nil:
		return fmt.Errorf("certstest: Profile.Key (RSA) given to a %s CA (use Profile.GOSTKey)", ca.alg)
	case ca.spec != nil && p.GOSTKey != nil:
		if err := ca.spec.checkKey(p.GOSTKey); err != nil {
			return err
		}
	}
	switch p.State {
	case StateValid, StateExpired, StateRevoked:
	default:
		return fmt.Errorf("certstest: unknown state %s", p.State)
	}
	if p.Surname == "" && p.FirstName == "" && p.Patronymic == "" {
		p.Surname, p.FirstName, p.Patronymic = TestSurname, TestFirstName, TestPatronymic
	}
	if p.Surname == "" {
		return errors.New("certstest: a profile with a first name or patronymic needs a surname")
	}
	p.IIN = cmp.Or(p.IIN, TestIIN)
	if holder == certs.HolderLegalEntity {
		p.Organization = cmp.Or(p.Organization, TestOrganization)
		p.BIN = cmp.Or(p.BIN, TestBIN)
	} else if p.Organization != "" || p.BIN != "" {
		return fmt.Errorf("certstest: a %s's certificate names no organization or BIN", p.Kind)
	}
	if p.Roles == nil {
		p.Roles = p.Kind.Roles()
	} else {
		p.Roles = append([]certs.Role(nil), p.Roles...)
	}
	for _, r := range p.Roles {
		if r.OID() == nil {
			return fmt.Errorf("certstest: role %q has no OID", r)
		}
	}
	if p.Validity == 0 {
		p.Validity = LeafValidity
	}
	if p.Validity < 0 {
		return fmt.Errorf("certstest: negative validity %s", p.Validity)
	}
	p.PIN = cmp.Or(p.PIN, ca.pin)
	return nil
}

// nextKeyLocked takes the next pool key, or generates one.
func (ca *CA) nextKeyLocked() (*rsa.PrivateKey, error) {
	if ca.freshKeys {
		return freshKey(eeKeyBits)
	}
	pool, err := loadPool()
	if err != nil {
		return nil, err
	}
	if ca.nextKey < len(pool.ee) {
		k := pool.ee[ca.nextKey]
		ca.nextKey++
		return k, nil
	}
	// The pool is used up: from here on, output is not reproducible.
	return freshKey(eeKeyBits)
}

// leafTemplate builds the end-entity certificate of p for the key whose SKI
// is id.
func (ca *CA) leafTemplate(p *Profile, id []byte, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	legal := p.Kind.Holder() == certs.HolderLegalEntity
	cn := p.Surname
	if p.FirstName != "" {
		cn += " " + p.FirstName
	}
	attrs := []attr{
		{typ: oidCommonName, value: cn},
		{typ: oidSurname, value: p.Surname},
		{typ: oidSerialNumber, value: "IIN" + p.IIN, printable: true},
		{typ: oidCountry, value: "KZ", printable: true},
	}
	if legal {
		attrs = append(attrs,
			attr{typ: oidOrganization, value: p.Organization},
			attr{typ: oidOrgUnit, value: "BIN" + p.BIN})
	}
	attrs = append(attrs, attr{typ: oidGivenName, value: p.Patronymic})
	subject, err := rawName(attrs)
	if err != nil {
		return nil, err
	}

	var (
		keyUsage x509.KeyUsage
		eku      x509.ExtKeyUsage
		policy   asn1.ObjectIdentifier
	)
	switch {
	case ca.spec != nil:
		keyUsage, eku, policy = ca.spec.keyUsage, x509.ExtKeyUsageEmailProtection, ca.spec.policy(legal)
	case p.Usage == certs.UsageAuth && legal:
		keyUsage, eku, policy = x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment, x509.ExtKeyUsageClientAuth, policyLegalAuth
	case p.Usage == certs.UsageAuth:
		keyUsage, eku, policy = x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment, x509.ExtKeyUsageClientAuth, policyIndividualAuth
	case legal:
		keyUsage, eku, policy = x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment, x509.ExtKeyUsageEmailProtection, policyLegalSign
	default:
		keyUsage, eku, policy = x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment, x509.ExtKeyUsageEmailProtection, policyIndividualSign
	}
	var roles []asn1.ObjectIdentifier
	for _, r := range p.Roles {
		roles = append(roles, r.OID())
	}
	policies, err := policiesExtension(policy, cpsNCA)
	if err != nil {
		return nil, err
	}
	freshest, err := freshestCRLExtension(ca.urls.DeltaCRL)
	if err != nil {
		return nil, err
	}
	extra := []pkix.Extension{policies, freshest}
	if ca.spec != nil && ca.spec.extra != nil {
		ext, err := ca.spec.extra()
		if err != nil {
			return nil, err
		}
		extra = append(extra, ext)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          new(big.Int).SetBytes(serialFromSKI(id)),
		RawSubject:            subject,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              keyUsage,
		ExtKeyUsage:           []x509.ExtKeyUsage{eku},
		UnknownExtKeyUsage:    roles,
		SubjectKeyId:          id,
		CRLDistributionPoints: []string{ca.urls.CRL},
		IssuingCertificateURL: []string{ca.urls.IntermediateCert},
		OCSPServer:            []string{ca.urls.OCSP},
		ExtraExtensions:       extra,
	}
	if p.Email != "" {
		tmpl.EmailAddresses = []string{p.Email}
	}
	return tmpl, nil
}

// fileName is NCA's key store name: AUTH_RSA256_<ski>.p12 or RSA256_<ski>.p12.
func fileName(u certs.Usage, ski []byte) string {
	kind := certs.FileRSA256
	if u == certs.UsageAuth {
		kind = certs.FileAuthRSA256
	}
	return string(kind) + hex.EncodeToString(ski) + ".p12"
}
