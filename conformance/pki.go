package conformance

import (
	"crypto/rand"
	"errors"
	"sync"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/certs/gost"
	"github.com/esfkit/esf/esfreg"
)

// person is someone the scenarios register: a name and a checksum-valid
// IIN (so that the target need not accept the published test identities).
type person struct {
	IIN                            string
	Surname, FirstName, Patronymic string
}

// The people and the legal entity of the scenarios. personA heads the
// entity; personB is an entrepreneur, and the entity's new head in the
// change of head.
var (
	personA = person{IIN: mustIIN(time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC), esfreg.SexMale, 2345),
		Surname: "ТЕСТОВ", FirstName: "ТЕСТ", Patronymic: "ТЕСТОВИЧ"}
	personB = person{IIN: mustIIN(time.Date(1990, 7, 21, 0, 0, 0, 0, time.UTC), esfreg.SexFemale, 6789),
		Surname: "ТЕСТТОВА", FirstName: "ТЕСТТ", Patronymic: "ТЕСТТОВНА"}
	entityBIN  = mustBIN(time.Date(2015, 5, 1, 0, 0, 0, 0, time.UTC), 1234)
	entityName = `ТОО "ТЕСТ СООТВЕТСТВИЕ"`
)

// address is the address every form and register record gives.
const address = "г. Астана, ул. Бейбітшілік, 10"

// mustIIN is esfreg.NewIIN from serial on, to the first serial a check
// digit fits.
func mustIIN(birth time.Time, sex esfreg.Sex, serial int) string {
	for ; serial < 10000; serial++ {
		if iin, err := esfreg.NewIIN(birth, sex, serial); err == nil {
			return string(iin)
		}
	}
	panic("conformance: no IIN")
}

func mustBIN(registered time.Time, serial int) string {
	for ; serial < 100000; serial++ {
		if bin, err := esfreg.NewBIN(registered, esfreg.EntityResident, esfreg.OfficeHead, serial); err == nil {
			return string(bin)
		}
	}
	panic("conformance: no BIN")
}

// entityRecord is the entity's register record, headed by head.
func entityRecord(head person) esfreg.Taxpayer {
	return esfreg.Taxpayer{TIN: entityBIN, NameRu: entityName, Type: esfreg.EnterprisePrivate, Resident: true,
		EnterpriseAdministrator: head.IIN, AddressRu: address}
}

// pki issues a scenario's key stores from certstest CAs built at the
// target's time with the fixtures' seeds, which gives them the keys of the
// CAs the mock trusts by default. RSA key stores take their keys from
// certstest's pool (sixteen per CA, plenty for a scenario); GOST keys are
// derived from the seed, or random for a key store to be revoked, so that
// a CRL never lists a key another scenario gets.
type pki struct {
	mu   sync.Mutex
	rsa  *certstest.CA
	gost *certstest.CA
}

func newPKI(now time.Time) (*pki, error) {
	clock := func() time.Time { return now }
	rsaCA, err := certstest.NewCA(certstest.Options{Now: clock, Rand: certstest.DeterministicRand(certstest.FixtureSeed)})
	if err != nil {
		return nil, err
	}
	gostCA, err := certstest.NewCA(certstest.Options{Now: clock, Algorithm: certs.AlgorithmGOST2015_512,
		Rand: certstest.DeterministicRand(certstest.FixtureGOSTSeed)})
	if err != nil {
		return nil, err
	}
	return &pki{rsa: rsaCA, gost: gostCA}, nil
}

// keyReq says which key store to issue.
type keyReq struct {
	who    person
	kind   certstest.Kind // individual, entrepreneur or CEO
	usage  certs.Usage    // RSA: auth or sign; GOST: both
	gost   bool
	state  certstest.State
	random bool // a random GOST key (for a key store to be revoked)
}

// issue issues and opens a key store; a revoked one is listed in the GOST
// CA's CRL (see revokedCRL).
func (p *pki) issue(r keyReq) (*certs.KeyStore, error) {
	prof := certstest.Profile{Kind: r.kind, Usage: r.usage, State: r.state, IIN: r.who.IIN,
		Surname: r.who.Surname, FirstName: r.who.FirstName, Patronymic: r.who.Patronymic}
	if r.kind.Holder() == certs.HolderLegalEntity {
		prof.BIN, prof.Organization = entityBIN, entityName
	}
	ca := p.rsa
	if r.gost {
		ca = p.gost
		prof.Usage = certs.UsageAuth | certs.UsageSign
	}
	if r.random {
		if !r.gost {
			return nil, errors.New("conformance: a random key is GOST only")
		}
		d := make([]byte, 64)
		if _, err := rand.Read(d); err != nil {
			return nil, err
		}
		d[0] = 0 // below the curve's order
		d[63] |= 1
		k, err := gost.NewPrivateKey(gost.CurveTC26512A, d)
		if err != nil {
			return nil, err
		}
		prof.GOSTKey = k
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	is, err := ca.Issue(prof)
	if err != nil {
		return nil, err
	}
	return certs.Open(is.PKCS12, is.PIN)
}

// revokedCRL returns the GOST CA's CRL (DER).
func (p *pki) revokedCRL() ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gost.CRL()
}

// key issues a key store, failing the scenario if it cannot.
func (e *env) key(r keyReq) *certs.KeyStore {
	e.t.Helper()
	ks, err := e.pki.issue(r)
	if err != nil {
		e.t.Fatalf("conformance: issue a key store: %v", err)
	}
	return ks
}

// The key stores the scenarios use.
func (e *env) individualAuth(p person) *certs.KeyStore {
	return e.key(keyReq{who: p, kind: certstest.KindIndividual, usage: certs.UsageAuth})
}

func (e *env) individualSign(p person) *certs.KeyStore {
	return e.key(keyReq{who: p, kind: certstest.KindIndividual, usage: certs.UsageSign})
}

func (e *env) headAuth(p person) *certs.KeyStore {
	return e.key(keyReq{who: p, kind: certstest.KindCEO, usage: certs.UsageAuth})
}

func (e *env) headSign(p person) *certs.KeyStore {
	return e.key(keyReq{who: p, kind: certstest.KindCEO, usage: certs.UsageSign})
}

// headGOST is a head's GOST512_ key store: one key that logs in and signs.
func (e *env) headGOST(p person) *certs.KeyStore {
	return e.key(keyReq{who: p, kind: certstest.KindCEO, gost: true})
}
