package esfreg_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
)

// exampleNow is the examples' pinned clock: Monday 16 November 2026, 10:00
// in Almaty.
var exampleNow = time.Date(2026, 11, 16, 5, 0, 0, 0, time.UTC)

// exampleHeadKeyStore issues the signing key store of a head of a legal
// entity, as NCA would: a .p12 file and its PIN.
func exampleHeadKeyStore() (p12 []byte, pin string) {
	ca, err := certstest.NewCA(certstest.Options{
		Now:  func() time.Time { return exampleNow },
		Rand: certstest.DeterministicRand("esfreg examples"),
	})
	if err != nil {
		log.Fatal(err)
	}
	is, err := ca.Issue(certstest.Profile{
		Kind: certstest.KindCEO, Usage: certs.UsageSign,
		Surname: "АХМЕТОВ", FirstName: "АРМАН", Patronymic: "СЕРИКОВИЧ", IIN: "850314312344",
		Organization: `ТОО "БАТЫС"`, BIN: "100440123456",
	})
	if err != nil {
		log.Fatal(err)
	}
	return is.PKCS12, is.PIN
}

// exampleRegister is the register's record of the legal entity.
var exampleRegister = esfreg.Taxpayer{
	TIN: "100440123456", NameRu: `ТОО "БАТЫС"`, AddressRu: "010000, г. Астана, ул. Мира 4",
	Resident: true, Type: esfreg.EnterprisePrivate, EnterpriseAdministrator: "850314312344",
}

// Prefilling the registration form from a key store, as step 2 does: the
// certificate gives the login, the name, the BIN and the company; the
// register gives the address.
func ExamplePrefill() {
	p12, pin := exampleHeadKeyStore() // in real use: os.ReadFile("RSA256_….p12") or GOST512_….p12
	ks, err := certs.Open(p12, pin)
	if err != nil {
		log.Fatal(err)
	}
	opts := esfreg.CertOptions{Now: exampleNow}
	if err := esfreg.CheckCertificate(esfreg.LegalEntity, ks.Certificate, opts); err != nil {
		log.Fatal(err) // step 1: not a head's key, expired…
	}
	form := esfreg.Prefill(esfreg.LegalEntity, ks.Certificate, &exampleRegister, nil)
	fmt.Println("login:  ", form.IIN)
	fmt.Println("name:   ", form.FullName)
	fmt.Println("BIN:    ", form.BIN)
	fmt.Println("company:", form.CompanyName)
	fmt.Println("address:", form.Address)
	// Output:
	// login:   850314312344
	// name:    АХМЕТОВ АРМАН СЕРИКОВИЧ
	// BIN:     100440123456
	// company: ТОО "БАТЫС"
	// address: 010000, г. Астана, ул. Мира 4
}

// Validating the form: every bad field is named, with its code and the
// Russian message for the user.
func ExampleForm_Validate() {
	form := esfreg.Form{
		Category: esfreg.LegalEntity, IIN: "850314312344", FullName: "АХМЕТОВ АРМАН СЕРИКОВИЧ",
		BIN: "100440123456", CompanyName: `ТОО "БАТЫС"`, Address: "010000, г. Астана, ул. Мира 4",
		Email:    "arman@example",                                  // no top-level domain
		Password: "Parol2026x", PasswordConfirmation: "Parol2026y", // typed differently
		IDDocumentNumber: "043512345", IDDocumentIssueDate: "19.11.2027", // in the future
		// IDDocumentIssuer and ActingOnBasisOf left empty
	}
	opts := esfreg.FormOptions{Now: exampleNow}
	var errs esfreg.Errors
	if errors.As(form.Validate(opts), &errs) {
		for _, e := range errs {
			fmt.Printf("%s: %s — %s\n", e.Field, e.Code, e.Message)
		}
	}

	form.Email, form.PasswordConfirmation, form.IDDocumentIssueDate = "arman@example.kz", "Parol2026x", "19.11.2014"
	form.IDDocumentIssuer, form.ActingOnBasisOf = "МВД РК", "Устав"
	fmt.Println("fixed:", form.Validate(opts) == nil)
	// Output:
	// email: EMAIL_INVALID — Некорректный адрес электронной почты
	// actingOnBasisOf: FIELD_REQUIRED — Поле обязательно для заполнения
	// passwordConfirmation: PASSWORD_MISMATCH — Пароль и подтверждение пароля не совпадают
	// idDocumentIssueDate: DATE_IN_FUTURE — Дата выдачи не может быть позже текущей даты
	// idDocumentIssuer: FIELD_REQUIRED — Поле обязательно для заполнения
	// fixed: true
}

// Listing the agreements a head must sign at step 3: a head not yet
// registered as an individual signs the individual's agreement too.
func ExampleAgreements() {
	form := esfreg.Form{
		Category: esfreg.LegalEntity, IIN: "850314312344", FullName: "АХМЕТОВ АРМАН СЕРИКОВИЧ",
		BIN: "100440123456", CompanyName: `ТОО "БАТЫС"`, ActingOnBasisOf: "Устав",
		Address:          "010000, г. Астана, ул. Мира 4",
		IDDocumentNumber: "043512345", IDDocumentIssueDate: "19.11.2014", IDDocumentIssuer: "МВД РК",
	}
	for _, a := range esfreg.Agreements(form, false, exampleNow) {
		r := a.Requisites
		fmt.Printf("%s: ИИН %s, БИН %q, документ %s от %s, %s\n", a.Kind.Title(), r.IIN, r.BIN,
			r.IDDocumentNumber, r.IDDocumentIssueDate.Format(esfreg.DateLayout), a.Date.Format(esfreg.DateLayout))
	}
	fmt.Println(esfreg.Agreements(form, false, exampleNow)[1].Consent())
	fmt.Println("already an individual:", len(esfreg.Agreements(form, true, exampleNow)), "agreement")
	// Output:
	// Соглашение физического лица: ИИН 850314312344, БИН "", документ 043512345 от 19.11.2014, 16.11.2026
	// Соглашение юридического лица: ИИН 850314312344, БИН "100440123456", документ 043512345 от 19.11.2014, 16.11.2026
	// Я АХМЕТОВ АРМАН СЕРИКОВИЧ с условиями настоящего Соглашения согласен
	// already an individual: 1 agreement
}

// The whole registration of a legal entity by its head, against a Service
// with its state in memory: the mock does the same behind its handlers.
func ExampleService() {
	ca, err := certstest.NewCA(certstest.Options{Now: func() time.Time { return exampleNow }, Rand: certstest.DeterministicRand("service example")})
	if err != nil {
		log.Fatal(err)
	}
	issue := func(u certs.Usage) *certs.Certificate {
		is, err := ca.Issue(certstest.Profile{Kind: certstest.KindCEO, Usage: u, IIN: "850314312344", BIN: "100440123456",
			Surname: "АХМЕТОВ", FirstName: "АРМАН", Patronymic: "СЕРИКОВИЧ", Organization: `ТОО "БАТЫС"`})
		if err != nil {
			log.Fatal(err)
		}
		return is.Certificate
	}
	signKey, authKey := issue(certs.UsageSign), issue(certs.UsageAuth)

	// The state is in a MemStore (Config.Store nil); every call below
	// runs its rules in one transaction of it.
	svc := esfreg.New(esfreg.Config{
		Now:  func() time.Time { return exampleNow },
		Rand: certstest.DeterministicRand("service example"),
	})
	ctx := context.Background()
	if _, err := svc.PublishTaxpayer(ctx, exampleRegister); err != nil {
		log.Fatal(err)
	}

	app, err := svc.Begin(ctx, esfreg.LegalEntity, signKey) // step 1
	if err != nil {
		log.Fatal(err)
	}
	form := app.Form() // step 2
	form.Email, form.ActingOnBasisOf = "arman@example.kz", "Устав"
	form.Password, form.PasswordConfirmation = "Parol2026x", "Parol2026x"
	form.IDDocumentNumber, form.IDDocumentIssueDate, form.IDDocumentIssuer = "043512345", "19.11.2014", "МВД РК"
	if err := svc.CheckForm(ctx, app, form); err != nil {
		log.Fatal(err)
	}
	var signed []esfreg.SignedAgreement // step 3: each agreement signed (xmlsig verifies the XML)
	for _, a := range app.Agreements(form, exampleNow) {
		signed = append(signed, esfreg.SignedAgreement{Agreement: a, Signer: signKey})
	}
	conf, err := svc.Submit(ctx, app, form, signed) // step 4
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(conf.Message)

	// The link in the e-mail is followed, and the head logs in.
	done, err := svc.Complete(ctx, conf.Token, esfreg.Credentials{Certificate: authKey, Password: "Parol2026x"})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range done.Added {
		fmt.Println(p.Type, p.TIN, p.Status)
	}
	_, err = svc.Begin(ctx, esfreg.LegalEntity, signKey)
	fmt.Println(err.(*esfreg.Error).Message)
	// Output:
	// Запрос создан успешно. Дальнейшие инструкции отправлены по указанному E-mail
	// INDIVIDUAL 850314312344 ACTIVE
	// ADMIN_ENTERPRISE 100440123456 ACTIVE
	// Юридическое лицо уже зарегистрировано в системе
}

func ExampleParseIIN() {
	iin, err := esfreg.ParseIIN("850314312344")
	if err != nil {
		log.Fatal(err)
	}
	info := iin.Info()
	fmt.Println(info.BirthDate.Format("2006-01-02"), info.Sex)

	_, err = esfreg.ParseIIN(esfreg.TestIIN)
	fmt.Println(errors.Is(err, esfreg.ErrIINNotValid))
	_, err = esfreg.IDOptions{AllowTestIdentities: true}.ParseIIN(esfreg.TestIIN)
	fmt.Println(err)
	// Output:
	// 1985-03-14 male
	// true
	// <nil>
}

func ExampleNextRefresh() {
	// A change of head made in the state register on Friday afternoon…
	staged := time.Date(2026, 11, 20, 15, 0, 0, 0, esfreg.Almaty)
	// …is seen by ESF from Monday 00:00 in Almaty, Sunday 19:00 UTC.
	next := esfreg.NextRefresh(staged)
	fmt.Println(next.Weekday(), next.Format(time.DateTime), next.UTC().Format(time.DateTime))
	// Output:
	// Monday 2026-11-23 00:00:00 2026-11-22 19:00:00
}

func ExampleGeneratePassword() {
	p, err := esfreg.GeneratePassword(certstest.DeterministicRand("example")) // nil: crypto/rand
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(p), esfreg.PasswordStrength(p), esfreg.CheckPassword(p, "850314312344"))
	// Output:
	// 10 Высокий <nil>
}
