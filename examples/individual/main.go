// Command individual registers an individual (физическое лицо) in ESF:
// he chooses his key store (step 1), completes the form (step 2), signs
// the individual's agreement with his signing key — RSA256_…, not the
// AUTH one (step 3) — and gets the e-mailed link (step 4); following it
// and logging in with the AUTH key store and password completes the
// registration. A log-in with a wrong password is refused.
//
//	go run ./examples/individual
//
// An ESF mock runs in-process and the key stores are issued in memory;
// ESF_MOCK_URL=http://… runs against another server, -auth/-sign/-pin take
// real key stores (NCA's: with -trust/-crl of NCA's CA), -password the
// current password when the IIN has an account already, -now pins the
// mock's clock:
//
//	go run ./examples/individual -now 2026-06-01T09:00:00Z -pin Qwerty12 \
//		-auth individual_valid.p12 -trust root_test_gost_2022.cer \
//		-trust nca_gost2022_test.cer -crl nca_gost2022_test.crl
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
	email              = "person@example.kz"
	newAccountPassword = "Qazwsx12345" // a new account's; an existing one's is -password
)

func run(ctx context.Context, args []string, out io.Writer) int {
	env, err := demo.Start(ctx, demo.Example{Name: "individual", Doc: "Registers an individual."}, args, out)
	if env == nil {
		return demo.ExitCode(err, out)
	}
	defer env.Close()
	c := env.Client

	// NCA's key stores of a person: AUTH_RSA256_… and RSA256_….
	auth, sign, err := env.KeyPair(demo.Head, certstest.KindIndividual, false)
	if err != nil {
		return env.Fail(err)
	}

	env.Step("Регистрация. Шаг 1. Выбор сертификата")
	env.Printf("  Категория: %s\n", esfreg.Individual.Title())
	env.Certificate("Сертификат", auth)
	start, err := c.StartRegistration(ctx, esfreg.Individual, auth)
	if err != nil {
		return env.Fail(err)
	}

	env.Step("Шаг 2. Регистрационные данные")
	form, password, err := env.Typed(start, demo.Form(esfreg.Individual, email, newAccountPassword))
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
	env.Certificate("Подписать ключом", sign)
	req, err := c.SignAgreements(ctx, start, agreements, sign)
	if err != nil {
		return env.Fail(err)
	}

	env.Step("Шаг 4. Завершение")
	env.Printf("  %s\n", req.Message)
	if _, err := env.Complete(req.Email, auth, password); env.Skipped(err) {
		return 0
	} else if err != nil {
		return env.Fail(err)
	}

	env.Step("Вход в систему (%s и пароль)", auth.Certificate.FileName())
	login, err := c.Login(ctx, auth, password)
	if err != nil {
		return env.Fail(err)
	}
	env.Printf("  ИИН: %s\n", login.IIN)
	env.Profiles(login.Profiles)

	env.Step("Вход с неверным паролем")
	if _, err := c.Login(ctx, auth, "Wrong12345x"); !env.Refusal(err) {
		return env.Fail(err)
	}
	return 0
}
