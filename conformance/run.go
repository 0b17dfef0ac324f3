package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
)

// Need says what a scenario needs of the target.
type Need int

// The needs of the scenarios.
const (
	// NeedNothing runs against any target.
	NeedNothing Need = iota
	// NeedControl runs only against a mock (a target with a Control).
	NeedControl
	// NeedControlOrStand runs against a mock, or against a real stand when
	// Options.Stand has what the scenario needs.
	NeedControlOrStand
)

// Scenario describes one scenario of the suite.
type Scenario struct {
	// Name is the subtest's name, as Options.Skip and go test -run take it.
	Name string
	// Doc says what the scenario checks, from docs/domain.md.
	Doc string
	// Need says what the target must offer.
	Need Need

	run func(e *env)
}

// Scenarios lists the suite's scenarios in the order Run runs them.
func Scenarios() []Scenario { return slices.Clone(scenarios) }

// Run runs every scenario against target as a subtest of t, one after
// another. With a Control, each scenario starts from a reset target (and
// Options.Time, if set), publishes the register records it needs, and
// issues its key stores from certs/certstest's test PKI with the fixtures'
// seeds — which the mock trusts by default (not with --trust). Without
// a Control (a real ESF test stand) the scenarios that need one are
// skipped, saying why, and the others use Options.Stand.
//
// A target without a base URL skips the whole suite: a CI job can pass
// os.Getenv of an unset variable and get a skip, not a failure.
func Run(t *testing.T, target Target, opts Options) {
	t.Helper()
	if target == nil || target.BaseURL() == "" {
		t.Skip("conformance: no target base URL (set the environment variable that names the mock or the stand)")
	}
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			if slices.Contains(opts.Skip, sc.Name) {
				t.Skip("conformance: skipped by Options.Skip")
			}
			ctl := target.Control()
			if sc.Need == NeedControl && ctl == nil {
				t.Skip("conformance: needs the mock's control API (register, e-mail, clock), which a real ESF stand has not")
			}
			e := newEnv(t, target, opts)
			sc.run(e)
		})
	}
}

// scenarios is the suite, in order; each is in scenarios.go.
var scenarios = []Scenario{
	{Name: "version", Doc: "VersionService answers: the target is reachable and speaks the SOAP API", Need: NeedNothing, run: scVersion},
	{Name: "individual", Doc: "an individual registers in four steps, signs one agreement, follows the e-mailed link and logs in", Need: NeedControl, run: scIndividual},
	{Name: "entrepreneur", Doc: "an entrepreneur the register lists registers; a person it does not list is refused", Need: NeedControl, run: scEntrepreneur},
	{Name: "legal-entity-two-agreements", Doc: "a head not yet registered as an individual registers his legal entity (AUTH RSA + GOST signing key) and signs two agreements", Need: NeedControl, run: scLegalEntityTwoAgreements},
	{Name: "legal-entity-registered-person", Doc: "a person registered as an individual registers his legal entity: current password, one agreement, one account with two profiles", Need: NeedControl, run: scLegalEntityRegisteredPerson},
	{Name: "login-and-api-session", Doc: "portal log-in; createAuthTicket → createSessionSigned → currentUser → currentUserProfiles → closeSession; one session per user and its recovery", Need: NeedControlOrStand, run: scSession},
	{Name: "change-of-head", Doc: "a new head re-registers the entity: refused before the register refresh, accepted after it; the old head's profile is blocked", Need: NeedControl, run: scChangeOfHead},
	{Name: "legal-entity-already-registered", Doc: "registering a registered entity with keys that name no new head: «Юридическое лицо уже зарегистрировано в системе»", Need: NeedControl, run: scAlreadyRegistered},
	{Name: "change-of-email", Doc: "the e-mail changes with a signing key of the login's IIN; an AUTH key or another person's key is refused", Need: NeedControl, run: scChangeOfEmail},
	{Name: "password-reset", Doc: "reset by the e-mailed link, signed with a GOST key; a used link and an expired link are refused", Need: NeedControl, run: scPasswordReset},
	{Name: "auth-key-signs-agreement", Doc: "an agreement signed with an AUTH key is refused, by the client and by the server", Need: NeedControl, run: scAuthKeySignsAgreement},
	{Name: "revoked-key", Doc: "a key store its CA revoked (listed in a CRL the target trusts) is refused", Need: NeedControlOrStand, run: scRevokedKey},
	{Name: "expired-key", Doc: "an expired key store is refused by the server", Need: NeedControl, run: scExpiredKey},
	{Name: "session-needs-account-password", Doc: "createSession, createSessionSigned and closeSessionByCredentials demand the UsernameToken (IIN + account password); a certificate alone opens and closes nothing; an IIN without an account is answered word for word as a wrong password", Need: NeedControl, run: scSessionNeedsPassword},
	{Name: "password-throttle", Doc: "five failed password checks of one IIN in fifteen minutes (UsernameToken and portal alike, with or without an account) lock the IIN out, right password included, until the window passes", Need: NeedControl, run: scPasswordThrottle},
	{Name: "cert-info-refuses-untrusted-key", Doc: "the portal's certificate step (xmlDsigCertInfo) refuses a key of an untrusted CA and a signing-only key", Need: NeedNothing, run: scCertInfoUntrusted},
	{Name: "individual-agreement-with-entity-key", Doc: "an individual's agreement signed with the same person's head (CEO) key is refused: an individual signs with a personal key", Need: NeedControl, run: scIndividualAgreementEntityKey},
	{Name: "control-api-validates-input", Doc: "the control API refuses out-of-range times, non-positive steps, unknown fault targets and codes, negative counts, unknown fields and keys given twice, naming the field, and changes nothing", Need: NeedControl, run: scControlValidates},
}

// env is one scenario's run: the target, a client and, with a Control, a
// clock kept in step with the target's and the test PKI.
type env struct {
	t      *testing.T
	ctx    context.Context
	target Target
	ctl    Control
	opts   Options
	c      *esfclient.Client
	hc     *http.Client

	mu  sync.Mutex
	now time.Time // the target's time as last set, advanced by advance

	pki *pki
}

func newEnv(t *testing.T, target Target, opts Options) *env {
	t.Helper()
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	e := &env{t: t, ctx: ctx, target: target, ctl: target.Control(), opts: opts, hc: hc}
	copts := esfclient.Options{BaseURL: target.BaseURL(), HTTPClient: hc}
	if e.ctl != nil {
		e.prepare()
		copts.Now = e.clock
	}
	c, err := esfclient.New(copts)
	if err != nil {
		t.Fatalf("conformance: %v", err)
	}
	e.c = c
	return e
}

// prepare resets the target, sets its clock and builds the test PKI at
// its time.
func (e *env) prepare() {
	e.t.Helper()
	e.control("reset the target", e.ctl.Reset(e.ctx))
	if !e.opts.Time.IsZero() {
		e.control("set the clock", e.ctl.SetTime(e.ctx, e.opts.Time))
	}
	now, err := e.ctl.Now(e.ctx)
	e.control("read the clock", err)
	e.now = now.UTC()
	e.t.Logf("target clock: %s", e.now.Format(time.RFC3339))
	p, err := newPKI(e.now)
	if err != nil {
		e.t.Fatalf("conformance: test PKI: %v", err)
	}
	e.pki = p
}

// clock is the client's clock: the target's time.
func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

// advance moves the target's clock (and the client's) by d.
func (e *env) advance(d time.Duration) {
	e.t.Helper()
	e.control("advance the clock", e.ctl.Advance(e.ctx, d))
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
	e.t.Logf("clock advanced by %s to %s", d, e.clock().Format(time.RFC3339))
}

// control fails the scenario on a control error, or skips it when the
// target does not support the operation.
func (e *env) control(what string, err error) {
	e.t.Helper()
	if errors.Is(err, ErrUnsupported) {
		e.t.Skipf("conformance: cannot %s: %v", what, err)
	}
	if err != nil {
		e.t.Fatalf("conformance: cannot %s: %v", what, err)
	}
}

// seedRegister publishes the register every scenario of the mock starts
// from: the legal entity headed by personA, and personB as an entrepreneur.
func (e *env) seedRegister() {
	e.t.Helper()
	e.control("seed the register", e.ctl.SeedTaxpayer(e.ctx, entityRecord(personA), true))
	e.control("seed the register", e.ctl.SeedTaxpayer(e.ctx, esfreg.Taxpayer{TIN: personB.IIN, LastNameRu: personB.Surname,
		FirstNameRu: personB.FirstName, MiddleNameRu: personB.Patronymic, Type: esfreg.EnterpriseIndividualEntrepreneur,
		Resident: true, AddressRu: address}, true))
}

// mailTo returns the e-mails to address.
func (e *env) mailTo(address string) []Mail {
	e.t.Helper()
	m, err := e.ctl.MailTo(e.ctx, address)
	e.control("read the e-mail", err)
	return m
}

// lastMail returns the last e-mail to address with subject, failing the
// scenario when there is none.
func (e *env) lastMail(address, subject string) Mail {
	e.t.Helper()
	mails := e.mailTo(address)
	for i := len(mails) - 1; i >= 0; i-- {
		if mails[i].Subject == subject {
			m := mails[i]
			e.t.Logf("e-mail to %s from %s: «%s» %s", m.To, m.From, m.Subject, m.Link)
			if m.From != MailFrom {
				e.t.Errorf("e-mail «%s» is from %q, want %q", subject, m.From, MailFrom)
			}
			return m
		}
	}
	var got []string
	for _, m := range mails {
		got = append(got, "«"+m.Subject+"»")
	}
	e.t.Fatalf("no e-mail «%s» to %s (got %s)", subject, address, strings.Join(got, ", "))
	return Mail{}
}

// MailFrom is the sender of ESF's e-mails (docs/domain.md).
const MailFrom = "ESF Support <esf@minfin.gov.kz>"

// must fails the scenario when err is not nil.
func (e *env) must(err error, format string, args ...any) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", fmt.Sprintf(format, args...), err)
	}
}

// refused checks that err is a refusal with want's code, and logs its
// Russian message.
func (e *env) refused(err error, want *esfreg.Error, format string, args ...any) bool {
	e.t.Helper()
	what := fmt.Sprintf(format, args...)
	if err == nil {
		e.t.Errorf("%s: accepted, want the refusal %s «%s»", what, want.Code, want.Code.Message())
		return false
	}
	if !errors.Is(err, want) {
		e.t.Errorf("%s: refused with %v, want %s «%s»", what, err, want.Code, want.Code.Message())
		return false
	}
	var got *esfreg.Error
	if errors.As(err, &got) {
		e.t.Logf("%s: refused: %s «%s»", what, got.Code, got.Message)
	}
	return true
}

// refusedAny checks that err is an *esfreg.Error refusal, whatever its code.
func (e *env) refusedAny(err error, format string, args ...any) {
	e.t.Helper()
	what := fmt.Sprintf(format, args...)
	var got *esfreg.Error
	switch {
	case err == nil:
		e.t.Errorf("%s: accepted, want a refusal", what)
	case !errors.As(err, &got):
		e.t.Errorf("%s: %v, want a refusal with a code", what, err)
	default:
		e.t.Logf("%s: refused: %s «%s»", what, got.Code, got.Message)
	}
}

// equal checks got == want.
func equal[T comparable](e *env, got, want T, format string, args ...any) bool {
	e.t.Helper()
	if got != want {
		e.t.Errorf("%s: got %v, want %v", fmt.Sprintf(format, args...), got, want)
		return false
	}
	return true
}
