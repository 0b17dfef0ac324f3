package esfreg_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
)

// t0 is the tests' starting time: Monday 16 November 2026, 10:00 in
// Almaty (05:00 UTC), just after a refresh of the register.
var t0 = time.Date(2026, 11, 16, 5, 0, 0, 0, time.UTC)

// Valid (checksum-correct) identifiers, made with NewIIN and NewBIN.
const (
	iinHead         = "850314312344" // born 1985-03-14, male
	iinNewHead      = "781130307771" // born 1978-11-30, male
	iinPerson       = "900702443212" // born 1990-07-02, female
	iinEntrepreneur = "620520320209" // born 1962-05-20, male
	binCompany      = "100440123456" // registered 2010-04, resident, head office
	binOther        = "150940678908" // registered 2015-09
)

type person struct{ surname, first, patronymic string }

var people = map[string]person{
	iinHead:         {"АХМЕТОВ", "АРМАН", "СЕРИКОВИЧ"},
	iinNewHead:      {"БЕКОВ", "ЕРЛАН", "МАРАТОВИЧ"},
	iinPerson:       {"ЖАНТАЕВА", "АЙГУЛЬ", "ЕРЛАНОВНА"},
	iinEntrepreneur: {"ОМАРОВ", "ДАУЛЕТ", "КАЙРАТОВИЧ"},
	esfreg.TestIIN:  {certstest.TestSurname, certstest.TestFirstName, certstest.TestPatronymic},
}

func fullName(iin string) string {
	p := people[iin]
	return p.surname + " " + p.first + " " + p.patronymic
}

// ctx is the context of the tests' calls to the Service.
var ctx = context.Background()

// testPassword is a password that meets the policy (Высокий).
const testPassword = "Parol2026x"

// clock is a settable clock for the Service and the CA.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a Service over a MemStore, a test CA and a clock, all at t0.
type fixture struct {
	t     testing.TB
	clock *clock
	ca    *certstest.CA
	store *esfreg.MemStore
	svc   *esfreg.Service
	certs map[string]*certs.Certificate
}

// newFixture makes a fixture; configure adjusts the Service's Config.
func newFixture(t testing.TB, configure ...func(*esfreg.Config)) *fixture {
	t.Helper()
	clk := &clock{t: t0}
	ca, err := certstest.NewCA(certstest.Options{Now: clk.Now, Rand: certstest.DeterministicRand(t.Name())})
	require.NoError(t, err)
	store := esfreg.NewMemStore()
	cfg := esfreg.Config{
		Now:    clk.Now,
		Rand:   certstest.DeterministicRand("esfreg " + t.Name()),
		Hasher: esfreg.Bcrypt{Cost: bcrypt.MinCost},
		Store:  store,
	}
	for _, c := range configure {
		c(&cfg)
	}
	return &fixture{t: t, clock: clk, ca: ca, store: store, svc: esfreg.New(cfg), certs: map[string]*certs.Certificate{}}
}

// withTrust makes the Service verify chains against the fixture's CA.
func (f *fixture) withTrust() {
	f.t.Helper()
	vo, err := f.ca.VerifyOptions()
	require.NoError(f.t, err)
	f.svc = esfreg.New(esfreg.Config{
		Now: f.clock.Now, Rand: certstest.DeterministicRand("trust"), Hasher: esfreg.Bcrypt{Cost: bcrypt.MinCost},
		Trust: &vo, Store: f.store,
	})
}

// cert issues (once per arguments) a certificate of kind and usage for iin
// and, for the legal kinds, bin.
func (f *fixture) cert(kind certstest.Kind, usage certs.Usage, iin, bin string) *certs.Certificate {
	f.t.Helper()
	key := fmt.Sprint(kind, usage, iin, bin)
	if c, ok := f.certs[key]; ok {
		return c
	}
	p := people[iin]
	is, err := f.ca.Issue(certstest.Profile{
		Kind: kind, Usage: usage, IIN: iin, BIN: bin,
		Surname: p.surname, FirstName: p.first, Patronymic: p.patronymic,
		Organization: orgName(kind, bin),
	})
	require.NoError(f.t, err)
	f.certs[key] = is.Certificate
	return is.Certificate
}

func orgName(kind certstest.Kind, bin string) string {
	if kind.Holder() != certs.HolderLegalEntity {
		return ""
	}
	return `ТОО "КОМПАНИЯ ` + bin[len(bin)-4:] + `"`
}

// The keys a person holds.
func (f *fixture) indAuth(iin string) *certs.Certificate {
	return f.cert(certstest.KindIndividual, certs.UsageAuth, iin, "")
}
func (f *fixture) indSign(iin string) *certs.Certificate {
	return f.cert(certstest.KindIndividual, certs.UsageSign, iin, "")
}
func (f *fixture) headAuth(iin, bin string) *certs.Certificate {
	return f.cert(certstest.KindCEO, certs.UsageAuth, iin, bin)
}
func (f *fixture) headSign(iin, bin string) *certs.Certificate {
	return f.cert(certstest.KindCEO, certs.UsageSign, iin, bin)
}

// company is a legal entity's record.
func company(bin, head string) esfreg.Taxpayer {
	return esfreg.Taxpayer{
		TIN: bin, NameRu: `ТОО "КОМПАНИЯ ` + bin[len(bin)-4:] + `"`, NameKz: `"КОМПАНИЯ ` + bin[len(bin)-4:] + `" ЖШС`,
		AddressRu: "010000, Казахстан, г. Астана, ул. Мира 4", AddressKz: "010000, Қазақстан, Астана қ., Мира к-сі 4",
		CertificateSeries: "60001", CertificateNum: "1234567", Resident: true,
		Type: esfreg.EnterprisePrivate, EnterpriseAdministrator: head, KOGD: "6205",
	}
}

// entrepreneur is an individual entrepreneur's record.
func entrepreneur(iin string) esfreg.Taxpayer {
	p := people[iin]
	return esfreg.Taxpayer{
		TIN: iin, NameRu: "ИП " + p.surname, LastNameRu: p.surname, FirstNameRu: p.first, MiddleNameRu: p.patronymic,
		AddressRu: "050000, Казахстан, г. Алматы, пр. Абая 10", Resident: true, Type: esfreg.EnterpriseIndividualEntrepreneur,
	}
}

func (f *fixture) publish(tp esfreg.Taxpayer) {
	f.t.Helper()
	_, err := f.svc.PublishTaxpayer(ctx, tp)
	require.NoError(f.t, err)
}

// fill completes a prefilled form as the user would.
func fill(form esfreg.Form, existing bool) esfreg.Form {
	if form.Email == "" {
		form.Email = "user@example.kz"
	}
	if existing {
		form.CurrentPassword = testPassword
	} else {
		form.Password, form.PasswordConfirmation = testPassword, testPassword
	}
	if form.Address == "" {
		form.Address = "010000, Казахстан, г. Астана, ул. Мира 4"
	}
	if form.IDDocumentNumber == "" {
		form.IDDocumentNumber, form.IDDocumentIssueDate, form.IDDocumentIssuer = "043512345", "19.11.2014", "МВД РК"
	}
	if form.Category == esfreg.LegalEntity && form.ActingOnBasisOf == "" {
		form.ActingOnBasisOf = "Устав"
	}
	return form
}

// sign signs every agreement step 3 asks for with signer.
func (f *fixture) sign(app *esfreg.Application, form esfreg.Form, signer *certs.Certificate) []esfreg.SignedAgreement {
	var out []esfreg.SignedAgreement
	for _, a := range app.Agreements(form, f.clock.Now()) {
		out = append(out, esfreg.SignedAgreement{Agreement: a, Signer: signer, Document: []byte("<signed/>")})
	}
	return out
}

// submit runs steps 1–4 and returns the confirmation.
func (f *fixture) submit(c esfreg.Category, stepCert, signer *certs.Certificate) (*esfreg.Application, *esfreg.Confirmation) {
	f.t.Helper()
	app, err := f.svc.Begin(ctx, c, stepCert)
	require.NoError(f.t, err)
	form := fill(app.Form(), app.ExistingAccount())
	require.NoError(f.t, f.svc.CheckForm(ctx, app, form))
	conf, err := f.svc.Submit(ctx, app, form, f.sign(app, form, signer))
	require.NoError(f.t, err)
	return app, conf
}

// register runs the whole registration of a person with his keys: the
// category's signing key for steps 1–3, then the link and a log-in with
// the matching AUTH key.
func (f *fixture) register(c esfreg.Category, iin, bin string) *esfreg.Completion {
	f.t.Helper()
	sign, auth := f.indSign(iin), f.indAuth(iin)
	if c == esfreg.LegalEntity {
		sign, auth = f.headSign(iin, bin), f.headAuth(iin, bin)
	}
	_, conf := f.submit(c, sign, sign)
	done, err := f.svc.Complete(ctx, conf.Token, esfreg.Credentials{Certificate: auth, Password: testPassword})
	require.NoError(f.t, err)
	return done
}

// requireCode asserts err is an *esfreg.Error (or Errors holding one) with
// code and, if field is not empty, that field.
func requireCode(t testing.TB, err error, code esfreg.Code, field string) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, &esfreg.Error{Code: code, Field: field}, "got %v", err)
}
