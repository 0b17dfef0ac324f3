package esfclient_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/invoice"
	"github.com/esfkit/esf/mockserver"
)

// company is the setting of the invoice examples: a mock whose register
// lists АО "ТЕСТ" (BIN 123456789021) and an entrepreneur (IIN
// 123456789012), the company registered by its first head, and an open
// API session for it; key is the company's GOST 2015 key store, which
// signs its invoices.
type company struct {
	mock *mockserver.Server
	c    *esfclient.Client
	sess *esfclient.Session
	key  *certs.KeyStore
	done func()
}

func openCompany(ctx context.Context) (*company, error) {
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	mock, err := mockserver.New(mockserver.Options{Now: func() time.Time { return at }, AllowTestIdentities: true, BcryptCost: 4})
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(mock)
	for _, t := range []esfreg.Taxpayer{
		{TIN: certstest.TestBIN, NameRu: certstest.TestOrganization, Type: esfreg.EnterprisePrivate, Resident: true, EnterpriseAdministrator: certstest.TestIIN},
		{TIN: certstest.TestIIN2, LastNameRu: "ТЕСТОВА", FirstNameRu: "ТЕСТ", Type: esfreg.EnterpriseIndividualEntrepreneur, Resident: true},
	} {
		if _, err := mock.SeedTaxpayer(t, true); err != nil {
			return nil, err
		}
	}
	auth, err := certstest.OpenFixture(certstest.FixtureCEOAuth)
	if err != nil {
		return nil, err
	}
	key, err := certstest.OpenFixture(certstest.FixtureGOSTCEO)
	if err != nil {
		return nil, err
	}
	const password = "Qazwsx12345"
	c, err := esfclient.New(esfclient.Options{BaseURL: srv.URL, Now: mock.Now})
	if err != nil {
		return nil, err
	}
	res, err := c.Register(ctx, esfclient.Registration{Category: esfreg.LegalEntity, Key: key, Signer: key, Form: esfreg.Form{
		Email: "head@example.kz", Password: password, PasswordConfirmation: password, ActingOnBasisOf: "Устава", Address: "г. Астана",
		IDDocumentNumber: "012345678", IDDocumentIssueDate: "14.03.2019", IDDocumentIssuer: "МВД РК"}})
	if err != nil {
		return nil, err
	}
	mails := mock.MailTo(res.Request.Email)
	if _, err := c.CompleteRegistration(ctx, mails[0].Link, auth, password); err != nil {
		return nil, err
	}
	sess, err := c.OpenSession(ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: certstest.TestBIN})
	if err != nil {
		return nil, err
	}
	return &company{mock: mock, c: c, sess: sess, key: key, done: srv.Close}, nil
}

// anInvoice is an ordinary invoice of the company to the entrepreneur.
func anInvoice(num string) *invoice.Invoice {
	return &invoice.Invoice{
		Date: "01.06.2026", InvoiceType: invoice.OrdinaryInvoice, Num: num, OperatorFullname: "ТЕСТОВ ТЕСТ ТЕСТОВИЧ", TurnoverDate: "01.06.2026",
		Customers: []invoice.Customer{{CountryCode: "KZ", Name: "ИП ТЕСТОВА", TIN: certstest.TestIIN2}},
		ProductSet: invoice.ProductSet{CurrencyCode: "KZT", Products: []invoice.Product{{CatalogTruID: "1", Description: "Консультационные услуги",
			NDSAmount: "0", PriceWithTax: "10000", PriceWithoutTax: "10000", Quantity: "1", TruOriginCode: "6", TurnoverSize: "10000",
			UnitNomenclature: "796", UnitPrice: "10000"}},
			TotalExciseAmount: "0", TotalNDSAmount: "0", TotalPriceWithTax: "10000", TotalPriceWithoutTax: "10000", TotalTurnoverSize: "10000"},
		Sellers: []invoice.Seller{{Name: certstest.TestOrganization, TIN: certstest.TestBIN}},
	}
}

// A company sends an invoice and waits for its registration number. The
// mock registers on its own clock, so the wait moves that clock instead
// of sleeping (against the real ESF, leave Sleep nil).
func ExampleSession_SendInvoices() {
	ctx := context.Background()
	co, err := openCompany(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer co.done()

	body, _ := anInvoice("1001").Marshal()
	res, err := co.sess.SendInvoices(ctx, co.key, body)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := res.Err(); err != nil {
		fmt.Println(err) // declined: the format errors, invoice by invoice
		return
	}
	sum, err := co.sess.WaitForRegistration(ctx, res.Accepted[0].ID, esfclient.WaitOptions{
		Interval: time.Second,
		Sleep:    func(_ context.Context, d time.Duration) error { co.mock.Advance(d); return nil },
		OnStatus: func(s esfclient.InvoiceSummary) { fmt.Println(s.Status) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.HasPrefix(sum.RegistrationNumber, "ESF-123456789021-20260601-"))
	// Output:
	// IN_QUEUE
	// IN_PROCESSING
	// CREATED
	// true
}

// An invoice whose signature does not verify is queued, then FAILED by
// ESF's processing step: the error says why, and errors.Is tests the code.
func ExampleSession_WaitForRegistration_failed() {
	ctx := context.Background()
	co, err := openCompany(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer co.done()

	body, _ := anInvoice("1002").Marshal()
	signer, _ := co.key.Signer()
	sig, _ := invoice.Sign([]byte("other bytes"), signer)
	res, err := co.sess.SyncInvoice(ctx, esfclient.SyncRequest{Certificate: co.key.Certificate.X509.Raw,
		Invoices: []esfclient.InvoiceUpload{{Body: body, Signature: sig, SignatureType: esfclient.SignatureCompany}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = co.sess.WaitForRegistration(ctx, res.Accepted[0].ID, esfclient.WaitOptions{
		Sleep: func(_ context.Context, d time.Duration) error { co.mock.Advance(d); return nil }})
	fmt.Println(errors.Is(err, esfclient.ErrNotRegistered), errors.Is(err, esfclient.ErrSignatureVerificationFailed))
	// Output:
	// true true
}

// The company reads its outgoing invoices as they change, block after
// block of queryUpdates, with their bodies (FullInfoOnStatusChange); a
// caller that keeps its place stores each block's Next (UpdatePages).
func ExampleSession_Updates() {
	ctx := context.Background()
	co, err := openCompany(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer co.done()
	since := co.mock.Now()
	var bodies [][]byte
	for _, num := range []string{"2001", "2002", "2003"} {
		body, _ := anInvoice(num).Marshal()
		bodies = append(bodies, body)
	}
	if _, err := co.sess.SendInvoices(ctx, co.key, bodies...); err != nil {
		fmt.Println(err)
		return
	}
	co.mock.Advance(time.Minute) // past the processing step

	for inv, err := range co.sess.Updates(ctx, esfclient.UpdatesRequest{Direction: esfclient.Outbound, Cursor: esfclient.UpdatesCursor{LastEventDate: since},
		Limit: 2, FullInfoOnStatusChange: true}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		parsed, err := inv.Invoice() // the body, as the seller signed it
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(parsed.Num, inv.Status)
	}
	// Output:
	// 2001 CREATED
	// 2002 CREATED
	// 2003 CREATED
}
