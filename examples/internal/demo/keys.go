package demo

import (
	"fmt"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
)

// Person is someone an example registers. Their IINs pass the checksum,
// so that any mock takes them (no --allow-test-identities needed).
type Person struct {
	IIN                            string
	Surname, FirstName, Patronymic string
}

// FullName is "SURNAME FIRSTNAME PATRONYMIC".
func (p Person) FullName() string { return p.Surname + " " + p.FirstName + " " + p.Patronymic }

// The people and the legal entity of the examples.
var (
	// Head is a person, an entrepreneur, or the entity's first head.
	Head = Person{IIN: newIIN(time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC), esfreg.SexMale, 2345),
		Surname: "ТЕСТОВ", FirstName: "ТЕСТ", Patronymic: "ТЕСТОВИЧ"}
	// NewHead heads the entity after the change of head.
	NewHead = Person{IIN: newIIN(time.Date(1990, 7, 21, 0, 0, 0, 0, time.UTC), esfreg.SexFemale, 6789),
		Surname: "ТЕСТТОВА", FirstName: "ТЕСТТ", Patronymic: "ТЕСТТОВНА"}
	// EntityBIN and EntityName name the legal entity.
	EntityBIN  = newBIN(time.Date(2015, 5, 1, 0, 0, 0, 0, time.UTC), 1234)
	EntityName = `ТОО "ПРИМЕР"`
)

// Address is the address of every form and register record.
const Address = "г. Астана, ул. Бейбітшілік, 10"

// Company is a legal entity: its BIN and name.
type Company struct{ BIN, Name string }

// ExampleCompany is the examples' own legal entity (EntityBIN, EntityName).
var ExampleCompany = Company{BIN: EntityBIN, Name: EntityName}

// CompanyOf is the legal entity a certificate names (OU=BIN…, O=…).
func CompanyOf(c *certs.Certificate) Company { return Company{BIN: c.BIN, Name: c.Organization} }

// Record is the company's register record with the IIN head as its first
// head (empty for none).
func (co Company) Record(head string) esfreg.Taxpayer {
	return esfreg.Taxpayer{TIN: co.BIN, NameRu: co.Name, Type: esfreg.EnterprisePrivate, Resident: true,
		EnterpriseAdministrator: head, AddressRu: Address}
}

// Entity is the examples' entity's register record with head as its first
// head.
func Entity(head Person) esfreg.Taxpayer { return ExampleCompany.Record(head.IIN) }

// Form is what the person types at step 2 (the rest comes from the
// certificate): e-mail, password, address and identity document; for a
// legal entity also "acting on the basis of".
func Form(category esfreg.Category, email, password string) esfreg.Form {
	f := esfreg.Form{Email: email, Password: password, PasswordConfirmation: password, Address: Address,
		IDDocumentNumber: "012345678", IDDocumentIssueDate: "14.03.2019", IDDocumentIssuer: "МВД РК"}
	if category == esfreg.LegalEntity {
		f.ActingOnBasisOf = "Устава"
	}
	return f
}

func newIIN(birth time.Time, sex esfreg.Sex, serial int) string {
	for ; ; serial++ {
		if iin, err := esfreg.NewIIN(birth, sex, serial); err == nil {
			return string(iin)
		}
	}
}

func newBIN(registered time.Time, serial int) string {
	for ; ; serial++ {
		if bin, err := esfreg.NewBIN(registered, esfreg.EntityResident, esfreg.OfficeHead, serial); err == nil {
			return string(bin)
		}
	}
}

// KeyPair returns the person's authentication and signing key stores:
// the user's own from -auth and -sign when given, else test ones
// (TestKeyPair). A GOST512_ key store, with which NCA's holder both logs
// in and signs, may be given alone, as -auth or -sign.
func (e *Env) KeyPair(p Person, kind certstest.Kind, gostSign bool) (auth, sign *certs.KeyStore, err error) {
	if e.authFile == "" && e.signFile == "" {
		return e.TestKeyPair(p, kind, gostSign)
	}
	open := func(flag, path string) (*certs.KeyStore, error) {
		ks, err := certs.OpenFile(path, e.pin)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", flag, path, err)
		}
		return ks, nil
	}
	if e.authFile != "" {
		if auth, err = open("-auth", e.authFile); err != nil {
			return nil, nil, err
		}
	}
	if e.signFile != "" {
		if sign, err = open("-sign", e.signFile); err != nil {
			return nil, nil, err
		}
	}
	switch {
	case auth == nil && !sign.Certificate.Usage.Has(certs.UsageAuth):
		return nil, nil, fmt.Errorf("-sign %s cannot log in (%s): give the authentication key store with -auth", e.signFile, sign.Certificate.Usage)
	case auth == nil:
		auth = sign
	case sign == nil && !auth.Certificate.Usage.Has(certs.UsageSign):
		return nil, nil, fmt.Errorf("-auth %s cannot sign (%s): give the signing key store with -sign", e.authFile, auth.Certificate.Usage)
	case sign == nil:
		sign = auth
	}
	if auth.Certificate.IIN != sign.Certificate.IIN {
		return nil, nil, fmt.Errorf("-auth %s is IIN %s's, -sign %s is IIN %s's: give one person's key stores",
			e.authFile, auth.Certificate.IIN, e.signFile, sign.Certificate.IIN)
	}
	return auth, sign, nil
}

// OwnKeys reports whether the key stores are the user's (-auth, -sign),
// not test ones issued in memory.
func (e *Env) OwnKeys() bool { return e.authFile != "" || e.signFile != "" }

// TestKeyPair issues, in memory, key stores shaped like NCA's from the
// test PKI of certs/certstest, valid for a year from the server's now: an
// AUTH_RSA256_ key store, and an RSA256_ one for signing — or, with
// gostSign, a GOST512_ one, as NCA gives legal entities. The mock trusts
// this PKI by default.
func (e *Env) TestKeyPair(p Person, kind certstest.Kind, gostSign bool) (auth, sign *certs.KeyStore, err error) {
	return e.TestKeyPairOf(p, ExampleCompany, kind, gostSign)
}

// TestKeyPairOf is TestKeyPair for a legal entity's person of co (the
// company is ignored for a person's kinds).
func (e *Env) TestKeyPairOf(p Person, co Company, kind certstest.Kind, gostSign bool) (auth, sign *certs.KeyStore, err error) {
	if err := e.buildPKI(); err != nil {
		return nil, nil, err
	}
	prof := certstest.Profile{Kind: kind, IIN: p.IIN, Surname: p.Surname, FirstName: p.FirstName, Patronymic: p.Patronymic}
	if kind.Holder() == certs.HolderLegalEntity {
		prof.BIN, prof.Organization = co.BIN, co.Name
	}
	issue := func(ca *certstest.CA, u certs.Usage) (*certs.KeyStore, error) {
		prof.Usage = u
		is, err := ca.Issue(prof)
		if err != nil {
			return nil, err
		}
		return certs.Open(is.PKCS12, is.PIN)
	}
	if auth, err = issue(e.rsa, certs.UsageAuth); err != nil {
		return nil, nil, err
	}
	ca := e.rsa
	if gostSign {
		ca = e.gost
	}
	if sign, err = issue(ca, certs.UsageSign); err != nil {
		return nil, nil, err
	}
	return auth, sign, nil
}

// buildPKI makes the test CAs at the server's time, with the seeds of
// certstest's fixtures: the keys of the CAs the mock trusts.
func (e *Env) buildPKI() error {
	e.pki.Do(func() {
		now := e.Now()
		clock := func() time.Time { return now }
		e.rsa, e.err = certstest.NewCA(certstest.Options{Now: clock, Rand: certstest.DeterministicRand(certstest.FixtureSeed)})
		if e.err != nil {
			return
		}
		e.gost, e.err = certstest.NewCA(certstest.Options{Now: clock, Algorithm: certs.AlgorithmGOST2015_512,
			Rand: certstest.DeterministicRand(certstest.FixtureGOSTSeed)})
	})
	return e.err
}
