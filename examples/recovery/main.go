// Command recovery restores access to an ESF account whose password is
// forgotten, in the portal's two steps: change the e-mail (login = IIN,
// the new address, signed with a signing key — an AUTH key is refused),
// then reset the password (login and the new address; ESF e-mails a
// link; the new password is typed twice and signed with a signing key).
// The person then logs in with the new password; the used link no longer
// works.
//
//	go run ./examples/recovery
//
// An ESF mock runs in-process and the key stores are issued in memory;
// ESF_MOCK_URL=http://… runs against another server (on one without the
// mock's /_mock/ API the e-mailed link cannot be read, and the example
// stops there), -auth/-sign/-pin take real key stores (NCA's: with
// -trust/-crl of NCA's CA), -password is the account's current password
// when the IIN has one already (an account with an individual's profile is
// recovered as it is, nothing registered), -now pins the mock's clock.
package main

import (
	"context"
	"io"
	"os"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/examples/internal/demo"
)

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout)) }

const (
	oldEmail    = "old@example.kz"
	newEmail    = "new@example.kz"
	password    = "Qazwsx12345"
	newPassword = "Newpass2026x"
)

func run(ctx context.Context, args []string, out io.Writer) int {
	env, err := demo.Start(ctx, demo.Example{Name: "recovery", Doc: "Changes the e-mail and resets a forgotten password."}, args, out)
	if env == nil {
		return demo.ExitCode(err, out)
	}
	defer env.Close()
	c := env.Client

	p := demo.Head
	auth, sign, err := env.KeyPair(p, certstest.KindIndividual, false)
	if err != nil {
		return env.Fail(err)
	}
	if env.Control != nil { // on a real server the account exists already
		if _, _, err := env.Register(esfclient.Registration{Category: esfreg.Individual, Key: auth, Signer: sign,
			Form: demo.Form(esfreg.Individual, oldEmail, password)}, auth, password); err != nil {
			return env.Fail(err)
		}
	}
	iin := auth.Certificate.IIN

	env.Step("Смена e-mail (…/esf-web/login/#!/change-email)")
	env.Printf("  Логин (ИИН): %s\n  Новый e-mail: %s\n", iin, newEmail)
	if !auth.Certificate.Usage.Has(certs.UsageSign) {
		env.Certificate("Подписать ключом", auth)
		if err := c.ChangeEmail(ctx, iin, newEmail, auth); !env.Refusal(err) {
			return env.Fail(err)
		}
	}
	env.Certificate("Подписать ключом", sign)
	if err := c.ChangeEmail(ctx, iin, newEmail, sign); err != nil {
		return env.Fail(err)
	}
	env.Printf("  Адрес электронной почты изменён\n")
	if _, err := env.Mail(newEmail, demo.SubjectEmailChanged); err != nil && !env.Skipped(err) {
		return env.Fail(err)
	}

	env.Step("Восстановление пароля (…/esf-web/login/#!/reset-password)")
	env.Printf("  Логин (ИИН): %s\n  E-mail: %s\n", iin, newEmail)
	if err := c.RequestPasswordReset(ctx, iin, newEmail); err != nil {
		return env.Fail(err)
	}
	env.Printf("  Ссылка для восстановления пароля отправлена на указанный E-mail\n")
	mail, err := env.Mail(newEmail, demo.SubjectReset)
	if env.Skipped(err) {
		return 0
	} else if err != nil {
		return env.Fail(err)
	}

	env.Step("Переход по ссылке: новый пароль дважды, подпись")
	env.Certificate("Подписать ключом", sign)
	if err := c.ResetPassword(ctx, mail.Link, newPassword, sign); err != nil {
		return env.Fail(err)
	}
	env.Printf("  Пароль изменён\n")

	env.Step("Вход с новым паролем")
	login, err := c.Login(ctx, auth, newPassword)
	if err != nil {
		return env.Fail(err)
	}
	env.Printf("  ИИН: %s\n", login.IIN)
	env.Profiles(login.Profiles)

	env.Step("Повторный переход по той же ссылке")
	if err := c.ResetPassword(ctx, mail.Link, "Another2026x", sign); !env.Refusal(err) {
		return env.Fail(err)
	}
	return 0
}
