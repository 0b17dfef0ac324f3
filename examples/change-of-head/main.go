// Command change-of-head re-registers a legal entity in ESF under its new
// first head (смена руководителя). The first head registered the entity;
// the head changes in the state register and NCA issues certificates in
// the new head's name. Until ESF's copy of the register is refreshed
// (Monday, Wednesday, Friday at 00:00 Almaty) registration fails with
// "Юридическое лицо уже зарегистрировано в системе"; after the refresh the
// new head registers through the same four steps (signing two agreements,
// since he is not registered as an individual), logs in, and the old
// head's profile of the entity is blocked.
//
//	go run ./examples/change-of-head
//
// An ESF mock runs in-process and the key stores are issued in memory;
// ESF_MOCK_URL=http://… runs against another mock (a real stand cannot be
// driven through a change of head: the register and the clock are the
// mock's control API). -auth/-sign/-pin take the new head's real key
// stores (NCA's: with -trust/-crl of NCA's CA): the entity is then the
// one his certificate names, and its former head a test person whose key
// stores are issued in memory for that BIN (the in-process mock trusts
// the certstest CAs as well as -trust). -password is the new head's
// current password if his IIN has an account already; -now pins the
// mock's clock.
package main

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/examples/internal/demo"
)

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout)) }

const (
	oldPassword = "Qazwsx12345"
	newPassword = "Edcrfv67890"
)

func run(ctx context.Context, args []string, out io.Writer) int {
	env, err := demo.Start(ctx, demo.Example{Name: "change-of-head", Doc: "Re-registers a legal entity under its new head.", OtherPeople: true}, args, out)
	if env == nil {
		return demo.ExitCode(err, out)
	}
	defer env.Close()
	c := env.Client
	if env.Control == nil {
		env.Printf("Смена руководителя разыгрывается на mock: нужны его справочник и часы (/_mock/), а у сервера их нет.\n")
		return 0
	}

	// NCA's new certificates name the new head of the entity: the
	// examples' own, or the one the -auth/-sign certificate names.
	newAuth, newSign, err := env.KeyPair(demo.NewHead, certstest.KindCEO, true)
	if err != nil {
		return env.Fail(err)
	}
	co, newHead := demo.ExampleCompany, newSign.Certificate.IIN
	if env.OwnKeys() {
		co = demo.CompanyOf(newSign.Certificate)
	}
	oldHead := demo.Head
	if oldHead.IIN == newHead || oldHead.FullName() == newSign.Certificate.FullName() {
		oldHead = demo.NewHead
	}

	// The entity, registered by its first head.
	if err := env.SeedTaxpayer(co.Record(oldHead.IIN), true); err != nil {
		return env.Fail(err)
	}
	oldAuth, oldSign, err := env.TestKeyPairOf(oldHead, co, certstest.KindCEO, true)
	if err != nil {
		return env.Fail(err)
	}
	if _, _, err := env.Register(esfclient.Registration{Category: esfreg.LegalEntity, Key: oldSign, Signer: oldSign,
		Form: demo.Form(esfreg.LegalEntity, "old-head@example.kz", oldPassword)}, oldAuth, oldPassword); err != nil {
		return env.Fail(err)
	}

	env.Step("Новые регистрационные свидетельства НУЦ на имя нового руководителя")
	env.Certificate("Аутентификация", newAuth)
	env.Certificate("Подпись", newSign)

	env.Step("Регистрация нового руководителя, пока реестр называет прежнего")
	if _, err := c.StartRegistration(ctx, esfreg.LegalEntity, newSign); !env.Refusal(err) {
		return env.Fail(err)
	}
	env.Printf("  Сначала смените руководителя в государственном реестре (органы юстиции, «Правительство для граждан»).\n\n")

	if err := env.SeedTaxpayer(co.Record(newHead), false); err != nil {
		return env.Fail(err)
	}
	env.Step("Регистрация до обновления справочника ЭСФ")
	if _, err := c.StartRegistration(ctx, esfreg.LegalEntity, newSign); !env.Refusal(err) {
		return env.Fail(err)
	}

	refresh := esfreg.NextRefresh(env.Now())
	if err := env.Advance(refresh.Sub(env.Now()) + time.Minute); err != nil {
		return env.Fail(err)
	}
	env.Step("Справочник обновлён %s по Алматы", refresh.Format("02.01.2006 15:04"))

	login, _, err := env.Register(esfclient.Registration{Category: esfreg.LegalEntity, Key: newSign, Signer: newSign,
		Form: demo.Form(esfreg.LegalEntity, "new-head@example.kz", newPassword)}, newAuth, newPassword)
	if err != nil {
		return env.Fail(err)
	}
	env.Step("Вход нового руководителя")
	env.Printf("  ИИН: %s\n", login.IIN)
	env.Profiles(login.Profiles)

	env.Step("Учётная запись прежнего руководителя")
	acct, _, err := env.Control.Account(ctx, oldHead.IIN)
	if err != nil {
		return env.Fail(err)
	}
	env.Profiles(acct.Profiles)
	return 0
}
