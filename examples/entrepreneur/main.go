// Command entrepreneur registers an individual entrepreneur (ИП) in ESF.
// NCA gives an entrepreneur an individual's certificate: it is the tax
// register, not the certificate, that makes him an entrepreneur, so the
// register lists him first. He signs the entrepreneur's agreement, follows
// the e-mailed link and logs in to the ENTREPRENEUR profile; a person the
// register does not list as an entrepreneur is refused.
//
//	go run ./examples/entrepreneur
//
// An ESF mock runs in-process and the key stores are issued in memory;
// ESF_MOCK_URL=http://… runs against another server, -auth/-sign/-pin take
// real key stores (NCA's: with -trust/-crl of NCA's CA; the register then
// gets a record built from the certificate if it has none), -password the
// current password when the IIN has an account already (an individual's,
// say), -now pins the mock's clock.
package main

import (
	"context"
	"io"
	"os"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/examples/internal/demo"
)

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout)) }

const (
	email              = "ip@example.kz"
	newAccountPassword = "Qazwsx12345" // a new account's; an existing one's is -password
)

func run(ctx context.Context, args []string, out io.Writer) int {
	env, err := demo.Start(ctx, demo.Example{Name: "entrepreneur", Doc: "Registers an individual entrepreneur.", OtherPeople: true}, args, out)
	if env == nil {
		return demo.ExitCode(err, out)
	}
	defer env.Close()
	c := env.Client

	auth, sign, err := env.KeyPair(demo.Head, certstest.KindEntrepreneur, false)
	if err != nil {
		return env.Fail(err)
	}
	// The register lists the person as an entrepreneur under his IIN.
	if err := env.EnsureTaxpayer(esfreg.Entrepreneur, sign.Certificate); err != nil {
		return env.Fail(err)
	}

	env.Step("Регистрация. Шаг 1. Выбор сертификата")
	env.Printf("  Категория: %s\n", esfreg.Entrepreneur.Title())
	env.Certificate("Сертификат", sign)
	start, err := c.StartRegistration(ctx, esfreg.Entrepreneur, sign)
	if err != nil {
		return env.Fail(err)
	}

	env.Step("Шаг 2. Регистрационные данные")
	form, password, err := env.Typed(start, demo.Form(esfreg.Entrepreneur, email, newAccountPassword))
	if err != nil {
		return env.Fail(err)
	}
	env.PrintForm(form)
	agreements, err := c.SubmitForm(ctx, start, form)
	if err != nil {
		return env.Fail(err)
	}

	env.Step("Шаг 3. Соглашение")
	for _, a := range agreements {
		env.Printf("  %s: подписать\n", a.Title)
	}
	req, err := c.SignAgreements(ctx, start, agreements, sign)
	if err != nil {
		return env.Fail(err)
	}

	env.Step("Шаг 4. Завершение")
	env.Printf("  %s\n", req.Message)
	login, err := env.Complete(req.Email, auth, password)
	if env.Skipped(err) {
		return 0
	} else if err != nil {
		return env.Fail(err)
	}
	env.Step("Вход в систему")
	env.Printf("  ИИН: %s\n", login.IIN)
	env.Profiles(login.Profiles)

	// Someone the register does not list as an entrepreneur.
	_, other, err := env.TestKeyPair(demo.NewHead, certstest.KindIndividual, false)
	if err != nil {
		return env.Fail(err)
	}
	env.Step("Регистрация ИП тем, кого справочник не знает как ИП")
	env.Certificate("Сертификат", other)
	if _, err := c.StartRegistration(ctx, esfreg.Entrepreneur, other); !env.Refusal(err) {
		return env.Fail(err)
	}
	return 0
}
