// Command invoice issues one electronic invoice (ЭСФ) and sends it to ESF
// the way accounting software does: it builds the invoice (package
// invoice), checks it against InvoiceV2.xsd, opens an API session for the
// company, and UploadInvoiceService.syncInvoice sends it signed with the
// company's key — a raw signature over the body's bytes. ESF queues it;
// the example polls queryInvoiceSummaryById and prints each status as it
// changes (IN_QUEUE, IN_PROCESSING, CREATED) until the registration
// number comes, then reads the registered invoice and its history back.
//
//	go run ./examples/invoice
//
// An ESF mock runs in-process: the company (a legal entity whose first
// head logs in with an AUTH RSA key and signs with a GOST 2015 key) is
// registered first, and the customer (an entrepreneur) is put in the tax
// register. On a mock the wait moves the mock's clock through its
// processing step instead of sleeping. -auth/-sign/-pin take real key
// stores (NCA's: with -trust/-crl of NCA's CA) — a head's registers his
// entity, a person's registers as an entrepreneur — -customer the
// customer's TIN, -num the invoice's number. With ESF_MOCK_URL=http://…
// naming a server without the mock's /_mock/ API (a real ESF test stand),
// -auth FILE -pin PIN -password PASSWORD sends the invoice for an account
// registered there, registering nothing, and waits on the real clock.
package main

import (
	"context"
	"flag"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/examples/internal/demo"
	"github.com/esfkit/esf/invoice"
)

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout)) }

// newAccountPassword is the password of the account the example makes;
// an existing account's is -password.
const newAccountPassword = "Qazwsx12345"

// statusTitles are the WSDL's labels of the statuses.
var statusTitles = map[esfclient.InvoiceStatus]string{
	esfclient.StatusInQueue:      "В очереди",
	esfclient.StatusInProcessing: "В обработке",
	esfclient.StatusCreated:      "Созданный",
	esfclient.StatusDelivered:    "Доставленный",
	esfclient.StatusCanceled:     "Аннулированный",
	esfclient.StatusRevoked:      "Отозванный",
	esfclient.StatusFailed:       "Ошибочный",
	esfclient.StatusDeleted:      "Удаленный",
	esfclient.StatusDeclined:     "Отклоненный",
}

func statusLine(s esfclient.InvoiceStatus) string {
	if t, ok := statusTitles[s]; ok {
		return string(s) + " (" + t + ")"
	}
	return string(s)
}

func run(ctx context.Context, args []string, out io.Writer) int {
	var customerTIN, num string
	var wait time.Duration
	env, err := demo.Start(ctx, demo.Example{Name: "invoice", Doc: "Issues an electronic invoice, sends it to ESF and waits for its registration number.",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&customerTIN, "customer", "", "the customer's `TIN` (IIN or BIN); default: an entrepreneur the example puts in the mock's register")
			fs.StringVar(&num, "num", "", "the invoice's `number` (digits); default: the date and time of issue")
			fs.DurationVar(&wait, "wait", 2*time.Minute, "how long to wait for the registration number")
		}}, args, out)
	if env == nil {
		return demo.ExitCode(err, out)
	}
	defer env.Close()
	c := env.Client

	// The seller: a legal entity's first head (test keys: AUTH RSA and a
	// GOST 2015 signing key), or — with a person's own key — an
	// entrepreneur.
	auth, sign, err := env.KeyPair(demo.Head, certstest.KindCEO, true)
	if err != nil {
		return env.Fail(err)
	}
	cert := sign.Certificate
	category, key, tin, profile := esfreg.Entrepreneur, sign, cert.IIN, esfreg.ProfileEntrepreneur
	if cert.BIN != "" {
		category, key, tin, profile = esfreg.LegalEntity, sign, cert.BIN, esfreg.ProfileAdminEnterprise
	}
	password := env.Password(newAccountPassword)
	if env.Control != nil || !env.PasswordGiven() {
		if err := env.EnsureTaxpayer(category, cert); err != nil {
			return env.Fail(err)
		}
		_, pw, err := env.Register(esfclient.Registration{Category: category, Key: key, Signer: sign,
			Form: demo.Form(category, "invoices@example.kz", newAccountPassword)}, auth, newAccountPassword)
		if env.Skipped(err) {
			return 0
		} else if err != nil {
			return env.Fail(err)
		}
		password = pw
	}

	// The customer: an entrepreneur in the register.
	customer := esfreg.Taxpayer{TIN: demo.NewHead.IIN, LastNameRu: demo.NewHead.Surname, FirstNameRu: demo.NewHead.FirstName,
		MiddleNameRu: demo.NewHead.Patronymic, Type: esfreg.EnterpriseIndividualEntrepreneur, Resident: true, AddressRu: demo.Address}
	if customerTIN == "" {
		env.Step("Получатель")
		if err := env.SeedTaxpayer(customer, true); err != nil {
			return env.Fail(err)
		}
		customerTIN = customer.TIN
	}
	customerName := "ИП " + demo.TaxpayerName(customer)
	if customerTIN != customer.TIN {
		customerName = "Получатель " + customerTIN
	}

	now := env.Now()
	if num == "" {
		num = now.In(esfreg.Almaty).Format("20060102150405")
	}
	sellerName := cert.Organization
	if sellerName == "" {
		sellerName = "ИП " + cert.FullName()
	}
	inv := newInvoice(now, num, cert.FullName(), sellerName, tin, customerName, customerTIN)
	body, err := inv.Marshal()
	if err != nil {
		return env.Fail(err)
	}
	env.Step("ЭСФ № %s от %s", inv.Num, inv.Date)
	env.Printf("  Поставщик: %s — %s\n  Получатель: %s — %s\n", sellerName, tin, customerName, customerTIN)
	for _, p := range inv.ProductSet.Products {
		env.Printf("  %s: %s × %s = %s %s, без НДС\n", p.Description, p.Quantity, p.UnitPrice, p.PriceWithTax, inv.ProductSet.CurrencyCode)
	}
	if err := invoice.Check(body); err != nil {
		return env.Fail(err)
	}
	env.Printf("  Проверка по InvoiceV2.xsd: ошибок нет\n  Бланк (invoiceBody, %d байт):\n", len(body))
	for _, line := range strings.Split(strings.TrimRight(string(body), "\n"), "\n") {
		env.Printf("    | %s\n", line)
	}

	env.Step("AuthService.createAuthTicket → подпись → SessionService.createSessionSigned")
	env.Certificate("Ключ", auth)
	sess, err := c.OpenSession(ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: tin, ProfileType: profile})
	if err != nil {
		return env.Fail(err)
	}
	env.Printf("  sessionId: %s\n", sess.ID)
	defer func() {
		status, err := sess.Close(ctx)
		if err == nil {
			env.Step("SessionService.closeSession")
			env.Printf("  Статус: %s\n", status)
		}
	}()

	env.Step("UploadInvoiceService.syncInvoice")
	env.Certificate("Подпись", sign)
	env.Printf("  Тип подписи: %s\n", invoice.SignatureType(sign.Certificate))
	res, err := sess.SendInvoices(ctx, sign, body)
	if err != nil {
		return env.Fail(err)
	}
	if err := res.Err(); err != nil {
		env.Printf("  Отклонён (ошибки ФЛК):\n")
		env.Refusal(err)
		return 1
	}
	id := res.Accepted[0].ID
	env.Printf("  Принят в очередь на регистрацию: id %d\n", id)

	env.Step("Ожидание регистрационного номера (InvoiceService.queryInvoiceSummaryById)")
	opts := esfclient.WaitOptions{Interval: time.Second, OnStatus: func(s esfclient.InvoiceSummary) {
		env.Printf("  %s  Статус: %s", env.Now().In(esfreg.Almaty).Format("15:04:05"), statusLine(s.Status))
		if s.RegistrationNumber != "" {
			env.Printf(", регистрационный номер %s", s.RegistrationNumber)
		}
		env.Printf("\n")
	}}
	if env.Control != nil {
		// A mock's processing step runs on its clock: move it instead of
		// sleeping.
		opts.Sleep = func(ctx context.Context, d time.Duration) error { return env.Advance(d) }
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if _, err := sess.WaitForRegistration(wctx, id, opts); err != nil {
		return env.Fail(err)
	}

	env.Step("InvoiceService.queryInvoiceById")
	page, err := sess.QueryInvoiceByID(ctx, id)
	if err != nil {
		return env.Fail(err)
	}
	for _, got := range page.Invoices {
		env.Printf("  Регистрационный номер: %s\n  Статус: %s\n  Дата поступления: %s\n", got.RegistrationNumber, statusLine(got.Status),
			got.InputDate.In(esfreg.Almaty).Format("02.01.2006 15:04:05"))
		verdict := "действительна"
		if err := got.VerifySignature(); err != nil {
			verdict = "не прошла проверку: " + err.Error()
		}
		env.Printf("  Подпись ЭСФ: %s, длина %d; проверка по сертификату: %s; по данным ЭСФ signatureValid = %t\n",
			got.SignatureType, utf8.RuneCountInString(got.Signature), verdict, got.SignatureValid)
		env.Printf("  Бланк вернулся без изменений: %t\n", string(got.Body) == string(body))
	}

	env.Step("InvoiceService.queryInvoiceHistoryById")
	hist, err := sess.QueryInvoiceHistoryByID(ctx, id)
	if err != nil {
		return env.Fail(err)
	}
	for _, h := range hist {
		env.Printf("  %s  %s", h.DateTime.In(esfreg.Almaty).Format("02.01.2006 15:04:05"), statusLine(h.Status))
		if h.UserID != "" {
			env.Printf(" — %s", h.UserID)
		}
		env.Printf("\n")
	}
	return 0
}

// newInvoice is an ordinary invoice issued at now: one service, without
// VAT (a seller not registered for VAT).
func newInvoice(now time.Time, num, operator, seller, sellerTIN, customer, customerTIN string) *invoice.Invoice {
	day := now.In(esfreg.Almaty).Format("02.01.2006")
	return &invoice.Invoice{
		Date:             day,
		InvoiceType:      invoice.OrdinaryInvoice,
		Num:              num,
		OperatorFullname: operator,
		TurnoverDate:     day,
		Customers:        []invoice.Customer{{CountryCode: "KZ", Name: customer, TIN: customerTIN}},
		ProductSet: invoice.ProductSet{
			CurrencyCode: "KZT",
			Products: []invoice.Product{{
				CatalogTruID:     "1",
				Description:      "Консультационные услуги",
				NDSAmount:        "0",
				PriceWithTax:     "150000",
				PriceWithoutTax:  "150000",
				Quantity:         "1",
				TruOriginCode:    "6",
				TurnoverSize:     "150000",
				UnitNomenclature: "796",
				UnitPrice:        "150000",
			}},
			TotalExciseAmount:    "0",
			TotalNDSAmount:       "0",
			TotalPriceWithTax:    "150000",
			TotalPriceWithoutTax: "150000",
			TotalTurnoverSize:    "150000",
		},
		Sellers: []invoice.Seller{{Name: seller, TIN: sellerTIN}},
	}
}
