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
// and the key stores are issued in memory. With ESF_URL=http://…,
// -auth FILE -pin PIN -password PASSWORD [-tin TIN] it opens a session
// for an account already registered there instead; -now pins the mock's
// clock.
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

func run(ctx context.Context, args []string, out io.Writer) int {
	var password, tin string
	env, err := demo.Start(ctx, "api-session", "Opens an ESF API session and reads the user and his profiles.", args, out, func(fs *flag.FlagSet) {
		fs.StringVar(&password, "password", "", "the `password` of an account registered on the server (skips the registration)")
		fs.StringVar(&tin, "tin", "", "the `TIN` to open the session for; default: the entity's BIN, or the IIN with -password")
	})
	if env == nil {
		return demo.ExitCode(err, out)
	}
	defer env.Close()
	c := env.Client

	auth, sign, err := env.KeyPair(demo.Head, certstest.KindCEO, true)
	if err != nil {
		return env.Fail(err)
	}
	if password == "" {
		password = "Qazwsx12345"
		if tin == "" {
			tin = demo.EntityBIN
		}
		if err := env.SeedTaxpayer(demo.Entity(demo.Head), true); err != nil {
			return env.Fail(err)
		}
		if _, err := env.Register(esfclient.Registration{Category: esfreg.LegalEntity, Key: sign, Signer: sign,
			Form: demo.Form(esfreg.LegalEntity, "api@example.kz", password)}, auth, password); err != nil {
			if env.Skipped(err) {
				return 0
			}
			return env.Fail(err)
		}
	} else if tin == "" {
		tin = auth.Certificate.IIN
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
