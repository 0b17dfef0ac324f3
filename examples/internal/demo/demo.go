// Package demo is what the examples share: a server to run against (an
// ESF mock started in-process on 127.0.0.1, or the mock ESF_MOCK_URL
// names), test key stores issued in memory (or the user's own, from -auth,
// -sign and -pin, with NCA's CA trusted through -trust and -crl), the
// register record and the existing account those need, and printing in
// the portal's words.
package demo

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

// EnvURL names the server to run against instead of an in-process mock: a
// mock ("esf mock serve", whose /_mock/ control API the example then uses)
// or a real ESF stand (the steps that need the control API are skipped).
// The conformance suite reads the same variable.
const EnvURL = "ESF_MOCK_URL"

// EnvURLDeprecated is EnvURL's former name, still read for one release
// when EnvURL is unset, with a line on stderr saying so.
const EnvURLDeprecated = "ESF_URL"

// MockURL returns the server the environment names: EnvURL, else the
// deprecated EnvURLDeprecated, which it reports on stderr.
func MockURL(getenv func(string) string, stderr io.Writer) string {
	if u := getenv(EnvURL); u != "" {
		return u
	}
	u := getenv(EnvURLDeprecated)
	if u != "" {
		fmt.Fprintf(stderr, "warning: %s is deprecated and will be ignored in the next release: set %s=%s instead\n", EnvURLDeprecated, EnvURL, u)
	}
	return u
}

// Example describes an example program to Start.
type Example struct {
	// Name is the example's folder under examples/, e.g. "legal-entity".
	Name string
	// Doc is the sentence -h prints.
	Doc string
	// Flags adds the example's own flags.
	Flags func(*flag.FlagSet)
	// OtherPeople says the example issues test key stores in memory for
	// people besides the holder of -auth/-sign (a former head, a person
	// the register does not know): with -trust the in-process mock then
	// trusts the certs/certstest CAs too.
	OtherPeople bool
}

// Env is one run of an example.
type Env struct {
	// Client runs the flows against the server.
	Client *esfclient.Client
	// Control is the mock's control API; nil when the server has none.
	Control *Control
	// URL is the server's base URL.
	URL string

	out      io.Writer
	ctx      context.Context
	authFile string
	signFile string
	pin      string
	password string

	mu    sync.Mutex
	clock func() time.Time // the server's clock, as far as it is known
	track bool             // clock was read once: Advance adds to shift
	shift time.Duration

	pki  sync.Once
	rsa  *certstest.CA
	gost *certstest.CA
	err  error

	shutdown func()
}

// Start parses the example's flags and starts or connects to the server.
// -now pins the clock (of the in-process mock, or of ESF_MOCK_URL's mock);
// -auth, -sign and -pin take the user's own key stores instead of test
// ones, and -trust and -crl the CA certificates and CRLs that make the mock
// accept them (NCA's); -password is the current password of an account
// the IIN has already. A nil Env with a nil error means -h was asked for.
func Start(ctx context.Context, ex Example, args []string, out io.Writer) (*Env, error) {
	fs := flag.NewFlagSet(ex.Name, flag.ContinueOnError)
	if ex.Flags != nil {
		ex.Flags(fs)
	}
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: go run ./examples/%s [flags]\n\n%s\n\nWith %s=URL it runs against that server instead of a mock of its own.\n\nFlags:\n", ex.Name, ex.Doc, EnvURL)
		fs.PrintDefaults()
	}
	var trustFiles, crlFiles files
	now := fs.String("now", "", "pin the mock's clock to this RFC 3339 `time` (e.g. 2026-06-01T09:00:00Z); default: the real clock")
	auth := fs.String("auth", "", "the person's authentication key store `FILE` (AUTH_RSA…/GOST512_….p12); default: a test one issued in memory")
	sign := fs.String("sign", "", "the person's signing key store `FILE` (RSA…/GOST…); default: the -auth file for GOST512_, else a test one")
	pin := fs.String("pin", certstest.DefaultPIN, "the `PIN` of -auth and -sign")
	password := fs.String("password", "", "the current `password` of the IIN's ESF account, when it has one already: step 2 asks for it instead of a new one, as the portal does")
	fs.Var(&trustFiles, "trust", "trust this CA certificate `FILE` (DER or PEM), e.g. NCA's nca_gost2022_test.cer; repeat for more; the in-process mock then trusts these instead of the certstest CAs (an ESF_MOCK_URL mock gets them through /_mock/trust)")
	fs.Var(&crlFiles, "crl", "check revocation against this CRL `FILE` (DER or PEM), e.g. nca_gost2022_test.crl; repeat for more")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var pinned time.Time
	if *now != "" {
		t, err := time.Parse(time.RFC3339, *now)
		if err != nil {
			return nil, fmt.Errorf("-now: %w", err)
		}
		pinned = t.UTC()
	}
	trust, err := ReadTrust(trustFiles, crlFiles)
	if err != nil {
		return nil, err
	}
	e := &Env{out: out, ctx: ctx, authFile: *auth, signFile: *sign, pin: *pin, password: *password, shutdown: func() {}}
	if base := MockURL(os.Getenv, os.Stderr); base != "" {
		if err := e.connect(base, pinned, trust); err != nil {
			return nil, err
		}
	} else if err := e.serve(pinned, trust, ex.OtherPeople); err != nil {
		return nil, err
	}
	c, err := esfclient.New(esfclient.Options{BaseURL: e.URL, Now: e.Now})
	if err != nil {
		e.Close()
		return nil, err
	}
	e.Client = c
	return e, nil
}

// serve starts a mock in-process on a free loopback port. With -trust its
// trust is trust's (with otherPeople, and the certstest CAs'); with -trust
// or the user's own key stores it accepts the published test IIN/BIN that
// NCA's test certificates carry (123456789011, 123456789021 …).
func (e *Env) serve(pinned time.Time, trust *Trust, otherPeople bool) error {
	opts := mockserver.Options{BcryptCost: 4, CRLs: trust.CRLs}
	e.clock = time.Now
	if !pinned.IsZero() {
		// A pinned clock and fixed randomness: the same links on every run.
		opts.Now = func() time.Time { return pinned }
		opts.Rand = certstest.DeterministicRand("github.com/esfkit/esf/examples")
		e.clock = opts.Now
	}
	// NCA's test certificates carry the published test IIN/BIN, which
	// fail the checksum: the user's own key stores may be those.
	opts.AllowTestIdentities = len(trust.Roots) > 0 || e.authFile != "" || e.signFile != ""
	testPKI := false
	if len(trust.Roots) > 0 {
		opts.Roots, opts.Intermediates = trust.Roots, trust.Intermediates
		if otherPeople {
			if err := e.buildPKI(); err != nil {
				return err
			}
			for _, ca := range []*certstest.CA{e.rsa, e.gost} {
				opts.Roots = append(opts.Roots, ca.Root())
				opts.Intermediates = append(opts.Intermediates, ca.Intermediate())
			}
			testPKI = true
		}
	}
	srv, err := mockserver.New(opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	e.shutdown = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}
	e.URL = "http://" + ln.Addr().String()
	e.Control = NewControl(e.URL)
	e.mu.Lock()
	e.clock = srv.Now
	e.mu.Unlock()
	e.Printf("ИС ЭСФ (mock, запущен в этом процессе): %s\n", e.URL)
	e.printTrust(trust, "")
	if testPKI {
		e.Printf("  Доверенные УЦ: и тестовые certs/certstest (ключи других участников примера выпускаются в памяти)\n")
	}
	return nil
}

// connect uses the server at base; its control API, if it has one, for
// the clock, -trust and -crl.
func (e *Env) connect(base string, pinned time.Time, trust *Trust) error {
	e.URL = strings.TrimRight(base, "/")
	ctl := NewControl(e.URL)
	if !pinned.IsZero() {
		if err := ctl.SetTime(e.ctx, pinned); err != nil && !Unavailable(err) {
			return err
		}
	}
	now, err := ctl.Now(e.ctx)
	if err != nil {
		e.clock = time.Now
		if !pinned.IsZero() { // the client's clock, at least, is pinned
			e.clock = func() time.Time { return pinned }
		}
		e.Printf("ИС ЭСФ: %s (без API управления /_mock/: шаги, которым оно нужно, пропускаются; %s)\n", e.URL, controlCause(err))
		if !trust.Empty() {
			e.Printf("  -trust и -crl не переданы: доверие и списки отзыва — сервера\n")
		}
		return nil
	}
	e.Control = ctl
	e.track = true
	read := time.Now()
	e.clock = func() time.Time { return now.Add(time.Since(read)) }
	e.Printf("ИС ЭСФ (mock): %s\n", e.URL)
	return e.pushTrust(trust)
}

// pushTrust gives a remote mock -trust and -crl through its control API.
func (e *Env) pushTrust(trust *Trust) error {
	sent := &Trust{}
	for i, c := range trust.Roots {
		if err := e.Control.Trust(e.ctx, c.X509.Raw); Unavailable(err) {
			e.Printf("  -trust %s не передан: %s\n", trust.rootFiles[i], controlCause(err))
			continue
		} else if err != nil {
			return fmt.Errorf("-trust %s: %w", trust.rootFiles[i], err)
		}
		sent.Roots, sent.rootFiles = append(sent.Roots, c), append(sent.rootFiles, trust.rootFiles[i])
	}
	for i, crl := range trust.CRLs {
		if err := e.Control.AddCRL(e.ctx, crl.Raw); Unavailable(err) {
			e.Printf("  -crl %s не передан: %s\n", trust.crlFiles[i], controlCause(err))
			continue
		} else if err != nil {
			return fmt.Errorf("-crl %s: %w", trust.crlFiles[i], err)
		}
		sent.CRLs, sent.crlFiles = append(sent.CRLs, crl), append(sent.crlFiles, trust.crlFiles[i])
	}
	e.printTrust(sent, ", передан через /_mock/")
	return nil
}

// controlCause says, in a few words, why the control API did not answer.
func controlCause(err error) string {
	var ce *ControlError
	if errors.As(err, &ce) {
		if ce.Code != "" {
			return fmt.Sprintf("/_mock/ ответил HTTP %d %s", ce.Status, ce.Code)
		}
		return fmt.Sprintf("/_mock/ ответил HTTP %d", ce.Status)
	}
	return err.Error()
}

// Close stops the in-process mock.
func (e *Env) Close() { e.shutdown() }

// Ctx is the run's context.
func (e *Env) Ctx() context.Context { return e.ctx }

// Now is the server's time.
func (e *Env) Now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.clock().Add(e.shift).UTC()
}

// Advance moves the mock's clock, which needs the control API.
func (e *Env) Advance(d time.Duration) error {
	if e.Control == nil {
		return errNoControl
	}
	if err := e.Control.Advance(e.ctx, d); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.track {
		e.shift += d
	}
	return nil
}

var errNoControl = errors.New("the server has no control API (/_mock/)")

// SeedTaxpayer publishes a register record on a mock, or stages it for the
// next refresh; on a server without the control API it says the register
// is the server's own.
func (e *Env) SeedTaxpayer(t esfreg.Taxpayer, publish bool) error {
	if e.Control == nil {
		e.Printf("Справочник налогоплательщиков: запись %s не добавлена (у сервера нет /_mock/: нужна запись в его справочнике)\n", t.TIN)
		return nil
	}
	if err := e.Control.SeedTaxpayer(e.ctx, t, publish); err != nil {
		return fmt.Errorf("the register record of %s: %w", t.TIN, err)
	}
	e.Printf("Справочник налогоплательщиков: %s", TaxpayerLine(t))
	if publish {
		e.Printf(" (в справочнике ЭСФ)\n")
	} else {
		e.Printf("\n  (изменение в государственном реестре: ЭСФ увидит его при обновлении справочника %s)\n",
			esfreg.NextRefresh(e.Now()).Format("02.01.2006 15:04")+" по Алматы")
	}
	return nil
}

// TaxpayerLine is a register record in one line: "NAME — TIN, первый
// руководитель: ИИН …".
func TaxpayerLine(t esfreg.Taxpayer) string {
	s := TaxpayerName(t) + " — " + t.TIN
	if t.EnterpriseAdministrator != "" {
		s += ", первый руководитель: ИИН " + t.EnterpriseAdministrator
	}
	return s
}

// TaxpayerName is the register's name of t.
func TaxpayerName(t esfreg.Taxpayer) string {
	if t.NameRu != "" {
		return t.NameRu
	}
	return strings.TrimSpace(t.LastNameRu + " " + t.FirstNameRu + " " + t.MiddleNameRu)
}

// Mail prints the last e-mail to address with subject and returns it; on a
// server without the control API it says the user should open the mail.
func (e *Env) Mail(address, subject string) (*Mail, error) {
	if e.Control == nil {
		e.Printf("\nПисьмо «%s» отправлено на %s: откройте его (у сервера нет /_mock/, письмо не прочитать отсюда)\n", subject, address)
		return nil, errNoControl
	}
	mails, err := e.Control.MailTo(e.ctx, address)
	if err != nil {
		return nil, fmt.Errorf("the e-mails to %s: %w", address, err)
	}
	for i := len(mails) - 1; i >= 0; i-- {
		if m := mails[i]; m.Subject == subject {
			e.Printf("\nПисьмо на %s\n  От: %s\n  Тема: %s\n", m.To, m.From, m.Subject)
			for _, line := range strings.Split(strings.TrimRight(m.Body, "\n"), "\n") {
				e.Printf("  | %s\n", line)
			}
			return &m, nil
		}
	}
	return nil, fmt.Errorf("no e-mail «%s» to %s", subject, address)
}

// Printf prints to the example's output.
func (e *Env) Printf(format string, args ...any) { fmt.Fprintf(e.out, format, args...) }

// Step prints a step's heading.
func (e *Env) Step(format string, args ...any) { e.Printf("\n"+format+"\n", args...) }

// Refusal prints err as the portal shows a refusal, and reports whether it
// is one (an *esfreg.Error, or several).
func (e *Env) Refusal(err error) bool {
	var es esfreg.Errors
	if errors.As(err, &es) {
		for _, x := range es {
			e.Printf("  Ошибка: %s (%s)\n", x.Message, describe(x))
		}
		return true
	}
	var x *esfreg.Error
	if errors.As(err, &x) {
		e.Printf("  Ошибка: %s (%s)\n", x.Message, describe(x))
		return true
	}
	return false
}

func describe(x *esfreg.Error) string {
	if x.Field != "" {
		return string(x.Code) + ", поле " + x.Field
	}
	return string(x.Code)
}

// ExitCode is the exit code of a Start that returned no Env: 0 after -h,
// 2 after bad flags (which it prints).
func ExitCode(err error, out io.Writer) int {
	if err != nil {
		fmt.Fprintln(out, err)
		return 2
	}
	return 0
}

// Fail prints err and returns the exit code 1. A nil err is a refusal
// that did not come: the server accepted what the example expected it to
// refuse.
func (e *Env) Fail(err error) int {
	if err == nil {
		e.Printf("  Ошибка: ожидался отказ, а запрос принят\n")
		return 1
	}
	if !e.Refusal(err) {
		e.Printf("Ошибка: %v\n", err)
	}
	return 1
}

// Skipped reports whether err means the step needs the control API the
// server lacks, having said so.
func (e *Env) Skipped(err error) bool { return errors.Is(err, errNoControl) }

// profileTitles are the portal's names of the profile types.
var profileTitles = map[esfreg.ProfileType]string{
	esfreg.ProfileIndividual:      "Физическое лицо",
	esfreg.ProfileEntrepreneur:    "Индивидуальный предприниматель",
	esfreg.ProfileAdminEnterprise: "Руководитель юридического лица",
	esfreg.ProfileUser:            "Сотрудник предприятия",
}

// Profiles prints profiles as the portal lists them after a log-in.
func (e *Env) Profiles(profiles []esfreg.Profile) {
	e.Printf("  Профили:\n")
	for _, p := range profiles {
		title := profileTitles[p.Type]
		if title == "" {
			title = string(p.Type)
		}
		e.Printf("    %s — %s (%s, %s)\n", title, p.TIN, p.Type, p.Status)
	}
}

// Certificate prints a key store as step 1 shows the chosen certificate.
func (e *Env) Certificate(label string, ks *certs.KeyStore) {
	c := ks.Certificate
	e.Printf("  %s: %s — %s, ИИН %s", label, c.FileName(), c.FullName(), c.IIN)
	if c.BIN != "" {
		e.Printf(", БИН %s, %s", c.BIN, c.Organization)
	}
	e.Printf(" (%s, %s)\n", c.Algorithm, c.Usage)
}
