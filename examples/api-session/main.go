// Command api-session logs in to ESF's SOAP API the way accounting
// software does: AuthService.createAuthTicket, the ticket signed with the
// key (RSA or GOST), SessionService.createSessionSigned for a TIN (here
// the legal entity's BIN), then currentUser and currentUserProfiles — one
// person, several profiles — and closeSession. ESF allows one open session
// per user: a second one is refused (esfclient.ErrSessionAlreadyOpen)
// until the open one is closed; OpenSession closes it with
// closeSessionBySignedCredentials only when SessionRequest.CloseOpenSession
// asks, since it may be another worker's.
//
//	go run ./examples/api-session
//
// An ESF mock runs in-process, a head registers his legal entity first,
// and the key stores are issued in memory. -auth/-sign/-pin take real key
// stores (NCA's: with -trust/-crl of NCA's CA): a first head's registers
// his entity (published in the register from the certificate if the mock
// has no record of it), a person's registers him as an individual — unless
// the mock's account has the profile already; -password is the account's
// current password, -tin the TIN to open the session for. With
// ESF_MOCK_URL=http://… naming a server without the mock's /_mock/ API (a
// real ESF test stand), -auth FILE -pin PIN -password PASSWORD [-tin TIN]
// opens a session for an account already registered there, registering
// nothing; -now pins the mock's clock.
package main

import (
	"context"
	"flag"
	"io"
	"os"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/examples/internal/demo"
)

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout)) }

// newAccountPassword is the password of the account the example makes;
// an existing account's is -password.
const newAccountPassword = "Qazwsx12345"

func run(ctx context.Context, args []string, out io.Writer) int {
	var tin string
	env, err := demo.Start(ctx, demo.Example{Name: "api-session", Doc: "Opens an ESF API session and reads the user and his profiles.",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&tin, "tin", "", "the `TIN` to open the session for; default: the BIN of a head's key store, else the IIN")
		}}, args, out)
	if env == nil {
		return demo.ExitCode(err, out)
	}
	defer env.Close()
	c := env.Client

	auth, sign, err := env.KeyPair(demo.Head, certstest.KindCEO, true)
	if err != nil {
		return env.Fail(err)
	}
	cert := sign.Certificate
	category, key := esfreg.Individual, auth
	if cert.BIN != "" {
		category, key = esfreg.LegalEntity, sign
	}
	if tin == "" {
		tin = cert.IIN
		if category == esfreg.LegalEntity {
			tin = cert.BIN
		}
	}
	password := env.Password(newAccountPassword)
	// On a server without the control API (a real stand) the account is
	// there already: -password is its password, and nothing is registered.
	if env.Control != nil || !env.PasswordGiven() {
		if err := env.EnsureTaxpayer(category, cert); err != nil {
			return env.Fail(err)
		}
		_, pw, err := env.Register(esfclient.Registration{Category: category, Key: key, Signer: sign,
			Form: demo.Form(category, "api@example.kz", newAccountPassword)}, auth, newAccountPassword)
		if env.Skipped(err) {
			return 0
		} else if err != nil {
			return env.Fail(err)
		}
		password = pw
	}

	env.Step("VersionService")
	version, err := c.Version(ctx)
	if err != nil {
		return env.Fail(err)
	}
	env.Printf("  Версия: %s\n", version)

	req := esfclient.SessionRequest{Key: auth, Password: password, TIN: tin}
	env.Step("AuthService.createAuthTicket → подпись → SessionService.createSessionSigned")
	env.Certificate("Ключ", auth)
	env.Printf("  ИИН/БИН: %s\n", tin)
	sess, err := c.OpenSession(ctx, req)
	if err != nil {
		return env.Fail(err)
	}
	env.Printf("  sessionId: %s\n", sess.ID)

	env.Step("SessionService.currentUser")
	u, err := sess.CurrentUser(ctx)
	if err != nil {
		return env.Fail(err)
	}
	env.Printf("  Логин: %s\n  E-mail: %s\n  Статус: %s\n", u.Login, u.Email, u.Status)
	t := u.Taxpayer
	env.Printf("  Налогоплательщик: %s — %s", t.TIN, demo.TaxpayerName(t))
	if t.EnterpriseAdministrator != "" {
		env.Printf(", первый руководитель: ИИН %s", t.EnterpriseAdministrator)
	}
	env.Printf("\n")

	env.Step("SessionService.currentUserProfiles")
	profiles, err := sess.Profiles(ctx)
	if err != nil {
		return env.Fail(err)
	}
	env.Profiles(profiles)

	env.Step("Вторая сессия того же пользователя")
	if auth.Certificate.Algorithm == certs.AlgorithmRSA { // createSession refuses GOST 2015 keys anyway
		env.Printf("  SessionService.createSession:\n")
		if _, err := c.CreateSession(ctx, req); !env.Refusal(err) {
			return env.Fail(err)
		}
	}
	env.Printf("  SessionService.createSessionSigned:\n")
	if _, err := c.OpenSession(ctx, req); !env.Refusal(err) {
		return env.Fail(err)
	}
	env.Printf("  closeSessionBySignedCredentials и createSessionSigned (CloseOpenSession):\n")
	replace := req
	replace.CloseOpenSession = true
	again, err := c.OpenSession(ctx, replace)
	if err != nil {
		return env.Fail(err)
	}
	status, err := sess.Status(ctx)
	if err != nil {
		return env.Fail(err)
	}
	env.Printf("  прежняя сессия: %s\n  новая сессия: %s\n", status, again.ID)

	env.Step("SessionService.closeSession")
	status, err = again.Close(ctx)
	if err != nil {
		return env.Fail(err)
	}
	env.Printf("  Статус: %s\n", status)
	return 0
}
