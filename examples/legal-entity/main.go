// Command legal-entity registers a legal entity in ESF end to end: its
// first head, not yet registered as an individual, chooses his GOST
// signing key store (step 1), completes the form (step 2), signs two
// agreements — the legal entity's and his own as an individual (step 3) —
// and gets "Запрос создан успешно…" with an e-mailed link (step 4); he
// follows the link and logs in with his AUTH key store and password,
// which completes the registration, and sees both profiles.
//
//	go run ./examples/legal-entity
//
// It needs nothing but Go: it starts an ESF mock in-process on 127.0.0.1
// and issues NCA-shaped test key stores in memory (certs/certstest). With
// ESF_MOCK_URL=http://… it runs against that server instead (an "esf mock
// serve", set up through its /_mock/ API); -auth/-sign/-pin take real key
// stores — a first head's, with -trust/-crl of NCA's CA, the register then
// getting the entity from the certificate if it has none — -password the
// current password when the head's IIN has an account already, and -now
// pins the mock's clock:
//
//	go run ./examples/legal-entity -now 2026-06-01T09:00:00Z -pin Qwerty12 \
//		-auth head.p12 -trust root_test_gost_2022.cer \
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
	email              = "head@example.kz"
	newAccountPassword = "Qazwsx12345" // a new account's; an existing one's is -password
)

func run(ctx context.Context, args []string, out io.Writer) int {
	env, err := demo.Start(ctx, demo.Example{Name: "legal-entity", Doc: "Registers a legal entity: its head signs two agreements."}, args, out)
	if env == nil {
		return demo.ExitCode(err, out)
	}
	defer env.Close()
	c := env.Client

	// NCA's key stores of a legal entity's head: AUTH_RSA256_… to log in,
	// GOST512_… to sign (a GOST512_ key store of 2022 on does both).
	auth, sign, err := env.KeyPair(demo.Head, certstest.KindCEO, true)
	if err != nil {
		return env.Fail(err)
	}
	// The tax register names the entity and its first head.
	if err := env.EnsureTaxpayer(esfreg.LegalEntity, sign.Certificate); err != nil {
		return env.Fail(err)
	}

	env.Step("Регистрация. Шаг 1. Выбор сертификата")
	env.Printf("  Категория: %s\n", esfreg.LegalEntity.Title())
	env.Certificate("Сертификат", sign)
	start, err := c.StartRegistration(ctx, esfreg.LegalEntity, sign)
	if err != nil {
		return env.Fail(err)
	}

	env.Step("Шаг 2. Регистрационные данные")
	// The form comes prefilled from the certificate (IIN, name, BIN,
	// company) and the register; the head types the rest.
	form, password, err := env.Typed(start, demo.Form(esfreg.LegalEntity, email, newAccountPassword))
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

	login, err := env.Complete(req.Email, auth, password)
	if env.Skipped(err) {
		return 0
	} else if err != nil {
		return env.Fail(err)
	}
	env.Step("Вход в систему")
	env.Printf("  ИИН: %s\n", login.IIN)
	env.Profiles(login.Profiles)
	return 0
}
