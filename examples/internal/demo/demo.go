// Package demo is what the examples share: a server to run against (an
// ESF mock started in-process on 127.0.0.1, or the server ESF_URL names),
// test key stores issued in memory (or the user's own, from -auth, -sign
// and -pin), and printing in the portal's words.
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
	"github.com/esfkit/esf/conformance"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

// EnvURL names the server to run against instead of an in-process mock: a
// mock ("esf mock serve", whose /_mock/ control API the example then uses)
// or a real ESF stand (the steps that need the control API are skipped).
const EnvURL = "ESF_URL"

// Env is one run of an example.
type Env struct {
	// Client runs the flows against the server.
	Client *esfclient.Client
	// Control is the mock's control API; nil when the server has none.
	Control conformance.Control
	// URL is the server's base URL.
	URL string

	out      io.Writer
	ctx      context.Context
	authFile string
	signFile string
	pin      string

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
// -now pins the clock (of the in-process mock, or of ESF_URL's mock);
// -auth, -sign and -pin take the user's own key stores instead of test
// ones; more, the example's own, may be added by flags. A nil Env with a
// nil error means -h was asked for.
func Start(ctx context.Context, name, doc string, args []string, out io.Writer, flags ...func(*flag.FlagSet)) (*Env, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	for _, f := range flags {
		f(fs)
	}
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: go run ./examples/%s [flags]\n\n%s\n\nWith %s=URL it runs against that server instead of a mock of its own.\n\nFlags:\n", name, doc, EnvURL)
		fs.PrintDefaults()
	}
	now := fs.String("now", "", "pin the mock's clock to this RFC 3339 `time` (e.g. 2026-06-01T09:00:00Z); default: the real clock")
	auth := fs.String("auth", "", "the person's authentication key store `FILE` (AUTH_RSA…/GOST512_….p12); default: a test one issued in memory")
	sign := fs.String("sign", "", "the person's signing key store `FILE` (RSA…/GOST…); default: the -auth file for GOST512_, else a test one")
	pin := fs.String("pin", certstest.DefaultPIN, "the `PIN` of -auth and -sign")
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
	e := &Env{out: out, ctx: ctx, authFile: *auth, signFile: *sign, pin: *pin, shutdown: func() {}}
	if base := os.Getenv(EnvURL); base != "" {
		if err := e.connect(base, pinned); err != nil {
			return nil, err
		}
	} else if err := e.serve(pinned); err != nil {
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

// serve starts a mock in-process on a free loopback port.
func (e *Env) serve(pinned time.Time) error {
	opts := mockserver.Options{BcryptCost: 4}
	if !pinned.IsZero() {
		// A pinned clock and fixed randomness: the same links on every run.
		opts.Now = func() time.Time { return pinned }
		opts.Rand = certstest.DeterministicRand("github.com/esfkit/esf/examples")
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
	e.Control = conformance.NewHTTPControl(e.URL, nil)
	e.clock = srv.Now
	e.Printf("ИС ЭСФ (mock, запущен в этом процессе): %s\n", e.URL)
	return nil
}

// connect uses the server at base; its control API, if it has one.
func (e *Env) connect(base string, pinned time.Time) error {
	e.URL = strings.TrimRight(base, "/")
	ctl := conformance.NewHTTPControl(e.URL, nil)
	if !pinned.IsZero() {
		if err := ctl.SetTime(e.ctx, pinned); err != nil && !errors.Is(err, conformance.ErrUnsupported) {
			return err
		}
	}
	now, err := ctl.Now(e.ctx)
	if err != nil {
		e.clock = time.Now
		e.Printf("ИС ЭСФ: %s (без API управления /_mock/: шаги, которым оно нужно, пропускаются)\n", e.URL)
		return nil
	}
	e.Control = ctl
	e.track = true
	read := time.Now()
	e.clock = func() time.Time { return now.Add(time.Since(read)) }
	e.Printf("ИС ЭСФ (mock): %s\n", e.URL)
	return nil
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

// SeedTaxpayer publishes a register record on a mock; on a server without
// the control API it says the register is the server's own.
func (e *Env) SeedTaxpayer(t esfreg.Taxpayer, publish bool) error {
	if e.Control == nil {
		e.Printf("Справочник налогоплательщиков: запись %s не добавлена (у сервера нет /_mock/: нужна запись в его справочнике)\n", t.TIN)
		return nil
	}
	if err := e.Control.SeedTaxpayer(e.ctx, t, publish); err != nil {
		return err
	}
	e.Printf("Справочник налогоплательщиков: %s — %s", TaxpayerName(t), t.TIN)
	if t.EnterpriseAdministrator != "" {
		e.Printf(", первый руководитель: ИИН %s", t.EnterpriseAdministrator)
	}
	if publish {
		e.Printf(" (в справочнике ЭСФ)\n")
	} else {
		e.Printf("\n  (изменение в государственном реестре: ЭСФ увидит его при обновлении справочника %s)\n",
			esfreg.NextRefresh(e.Now()).Format("02.01.2006 15:04")+" по Алматы")
	}
	return nil
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
func (e *Env) Mail(address, subject string) (*conformance.Mail, error) {
	if e.Control == nil {
		e.Printf("\nПисьмо «%s» отправлено на %s: откройте его (у сервера нет /_mock/, письмо не прочитать отсюда)\n", subject, address)
		return nil, errNoControl
	}
	mails, err := e.Control.MailTo(e.ctx, address)
	if err != nil {
		return nil, err
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

// Fail prints err and returns the exit code 1.
func (e *Env) Fail(err error) int {
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
