package conformance

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/invoice"
)

// The invoice scenarios (issue 14 §5): the entity personA heads sells,
// personB — registered as an entrepreneur — buys; each has an API session
// of its own. The mock's processing step runs on its clock: the scenarios
// wait for a registration number by moving the clock (WaitOptions.Sleep),
// as a vendor's CI would.

// The invoice scenarios run after the registration ones (see Scenarios).
func init() { scenarios = append(scenarios, invoiceScenarios...) }

var invoiceScenarios = []Scenario{
	{Name: "invoice-registration", Doc: "syncInvoice queues a signed invoice (acceptedSet, an id); the processing step registers it: IN_QUEUE/IN_PROCESSING → CREATED with ESF-<BIN>-<yyyyMMdd>-<8 digits>; the body comes back byte for byte with a signature that verifies; a closed session is refused (SESSION_CLOSED)", Need: NeedControl, run: scInvoiceRegistration},
	{Name: "invoice-declined-format-error", Doc: "a body that breaks InvoiceV2's schema is declined at once (declinedSet, no id) with a format code naming the element, invoice by invoice beside a good one; the client refuses it before sending", Need: NeedControl, run: scInvoiceDeclined},
	{Name: "invoice-failed-bad-signature", Doc: "an invoice whose signature does not verify is queued, then FAILED with SIGNATURE_VERIFICATION_FAILED (queryInvoiceErrorById); deleteInvoiceById deletes it and its number is free again", Need: NeedControl, run: scInvoiceFailed},
	{Name: "invoice-confirm", Doc: "the customer sees the invoice once registered (queryUpdates INBOUND, the body and signature as sent) and confirms it: DELIVERED for both parties", Need: NeedControl, run: scInvoiceConfirm},
	{Name: "invoice-revoke-and-rejection", Doc: "the seller revokes an ordinary invoice (REVOKED) and the customer rejects the revocation (DELIVERED); declining an ordinary invoice (WRONG_TYPE), revoking twice and unrevoking what is not revoked (WRONG_STATUS), a revocation by the customer are refused; the history lists each step", Need: NeedControl, run: scInvoiceRevoke},
	{Name: "invoice-updates-paging", Doc: "1,000 invoices on a frozen clock, queryUpdates paged by both parties in blocks that split events sharing a timestamp: every invoice once, in its latest state, none lost or repeated", Need: NeedControl, run: scInvoiceUpdatesPaging},
	{Name: "invoice-read", Doc: "reading only — queryUpdates both ways, queryInvoice over this quarter, summaries, history, queryInvoiceByKey, enterpriseValidation — with the invariants any server keeps; against a real stand, the account's own invoices, changing nothing", Need: NeedControlOrStand, run: scInvoiceRead},
}

// invoiceParties are the seller and the customer of the invoice
// scenarios, registered, each with an open session.
type invoiceParties struct {
	seller, customer       *esfclient.Session
	sellerKey, customerKey *certs.KeyStore
}

// invoiceParties registers the seller (the entity; its head logs in with
// his AUTH RSA key and signs with the entity's GOST key) and the customer
// (personB, an entrepreneur), and opens their sessions.
func (e *env) invoiceParties() *invoiceParties {
	e.t.Helper()
	e.seedRegister()
	auth, gostKey := e.headAuth(personA), e.headGOST(personA)
	e.register("the seller, a legal entity", esfclient.Registration{Category: esfreg.LegalEntity, Key: gostKey, Signer: gostKey, Form: headForm("seller@example.kz")},
		auth, password, esfreg.AgreementLegalEntity, esfreg.AgreementIndividual)
	bAuth := e.key(keyReq{who: personB, kind: certstest.KindEntrepreneur, usage: certs.UsageAuth})
	bSign := e.key(keyReq{who: personB, kind: certstest.KindEntrepreneur, usage: certs.UsageSign})
	e.register("the customer, an entrepreneur", esfclient.Registration{Category: esfreg.Entrepreneur, Key: bSign, Signer: bSign, Form: personForm("customer@example.kz")},
		bAuth, password, esfreg.AgreementEntrepreneur)

	p := &invoiceParties{sellerKey: gostKey, customerKey: bSign}
	var err error
	p.seller, err = e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: entityBIN})
	e.must(err, "the seller's session")
	p.customer, err = e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: bAuth, Password: password, TIN: personB.IIN, ProfileType: esfreg.ProfileEntrepreneur})
	e.must(err, "the customer's session")
	e.servesInvoices(p.seller)
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = p.seller.Close(ctx)
		_, _ = p.customer.Close(ctx)
	})
	return p
}

// servesInvoices skips the scenario when the target does not serve
// InvoiceService (a mock of an earlier release answers no SOAP there).
func (e *env) servesInvoices(s *esfclient.Session) {
	e.t.Helper()
	if _, err := s.QueryInvoiceSummaryByID(e.ctx, 1); errors.Is(err, esfclient.ErrNotSOAP) {
		e.t.Skipf("conformance: the target does not serve InvoiceService: %v", err)
	}
}

// today is the target's date in Almaty, as invoices write it.
func (e *env) today() string { return e.clock().In(esfreg.Almaty).Format("02.01.2006") }

// newInvoice is an ordinary invoice of the seller to the customer, dated
// today, numbered num: one service line, without VAT (the register does
// not list the entity as a VAT payer).
func (e *env) newInvoice(num int) *invoice.Invoice {
	return &invoice.Invoice{
		Date:             e.today(),
		InvoiceType:      invoice.OrdinaryInvoice,
		Num:              strconv.Itoa(num),
		OperatorFullname: personA.Surname + " " + personA.FirstName + " " + personA.Patronymic,
		TurnoverDate:     e.today(),
		Customers:        []invoice.Customer{{CountryCode: "KZ", Name: "ИП " + personB.Surname, TIN: personB.IIN}},
		ProductSet: invoice.ProductSet{
			CurrencyCode: "KZT",
			Products: []invoice.Product{{
				CatalogTruID:     "1",
				Description:      "Консультационные услуги",
				NDSAmount:        "0",
				PriceWithTax:     "10000",
				PriceWithoutTax:  "10000",
				Quantity:         "1",
				TruOriginCode:    "6",
				TurnoverSize:     "10000",
				UnitNomenclature: "796",
				UnitPrice:        "10000",
			}},
			TotalExciseAmount:    "0",
			TotalNDSAmount:       "0",
			TotalPriceWithTax:    "10000",
			TotalPriceWithoutTax: "10000",
			TotalTurnoverSize:    "10000",
		},
		Sellers: []invoice.Seller{{Name: entityName, TIN: entityBIN}},
	}
}

// body marshals inv.
func (e *env) body(inv *invoice.Invoice) []byte {
	e.t.Helper()
	b, err := inv.Marshal()
	e.must(err, "marshal invoice %s", inv.Num)
	return b
}

// waitOpts polls by moving the target's clock (the mock's processing step
// runs on it) and logs each status.
func (e *env) waitOpts(what string) esfclient.WaitOptions {
	return esfclient.WaitOptions{
		Interval: time.Second,
		Sleep: func(ctx context.Context, d time.Duration) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			e.control("advance the clock", e.ctl.Advance(ctx, d))
			e.mu.Lock()
			e.now = e.now.Add(d)
			e.mu.Unlock()
			return nil
		},
		OnStatus: func(s esfclient.InvoiceSummary) {
			e.t.Logf("%s: invoice %d %s %s", what, s.ID, s.Status, s.RegistrationNumber)
		},
	}
}

// accepted checks that res queued exactly n invoices and declined none,
// and returns their ids.
func (e *env) accepted(res *esfclient.SyncResult, n int, what string) []int64 {
	e.t.Helper()
	if err := res.Err(); err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
	if len(res.Accepted) != n {
		e.t.Fatalf("%s: %d invoices queued, want %d", what, len(res.Accepted), n)
	}
	var ids []int64
	for _, a := range res.Accepted {
		if a.ID == 0 {
			e.t.Fatalf("%s: invoice %s queued without an id", what, a.Num)
		}
		ids = append(ids, a.ID)
	}
	return ids
}

// registrationNumber is ESF's: ESF-<seller's TIN>-<yyyyMMdd>-<8 digits>.
var registrationNumber = regexp.MustCompile(`^ESF-(\d{12})-(\d{8})-\d{8}$`)

// sendOne sends inv as the seller and waits for its registration.
func (e *env) sendOne(p *invoiceParties, inv *invoice.Invoice) (int64, *esfclient.InvoiceSummary) {
	e.t.Helper()
	res, err := p.seller.SendInvoices(e.ctx, p.sellerKey, e.body(inv))
	e.must(err, "syncInvoice of invoice %s", inv.Num)
	id := e.accepted(res, 1, "syncInvoice")[0]
	sum, err := p.seller.WaitForRegistration(e.ctx, id, e.waitOpts("invoice "+inv.Num))
	e.must(err, "registration of invoice %s", inv.Num)
	return id, sum
}

// scInvoiceRegistration: upload → registration number.
func scInvoiceRegistration(e *env) {
	p := e.invoiceParties()
	inv := e.newInvoice(1001)
	body := e.body(inv)
	res, err := p.seller.SendInvoices(e.ctx, p.sellerKey, body)
	e.must(err, "syncInvoice")
	id := e.accepted(res, 1, "syncInvoice")[0]
	equal(e, res.Accepted[0].Num, inv.Num, "acceptedSet: num")
	equal(e, res.Accepted[0].Date, inv.Date, "acceptedSet: date")
	e.t.Logf("queued as invoice %d", id)

	var seen []esfclient.InvoiceStatus
	opts := e.waitOpts("invoice " + inv.Num)
	log := opts.OnStatus
	opts.OnStatus = func(s esfclient.InvoiceSummary) { seen = append(seen, s.Status); log(s) }
	sum, err := p.seller.WaitForRegistration(e.ctx, id, opts)
	e.must(err, "waiting for the registration number")
	m := registrationNumber.FindStringSubmatch(sum.RegistrationNumber)
	if m == nil {
		e.t.Fatalf("registration number %q is not ESF-<TIN>-<yyyyMMdd>-<8 digits>", sum.RegistrationNumber)
	}
	equal(e, m[1], entityBIN, "the registration number's TIN")
	equal(e, m[2], e.clock().In(esfreg.Almaty).Format("20060102"), "the registration number's date")
	equal(e, sum.Status, esfclient.StatusCreated, "the registered invoice's status")
	if len(seen) == 0 || !seen[0].Pending() {
		e.t.Errorf("statuses seen %v: the first is not IN_QUEUE or IN_PROCESSING", seen)
	}

	page, err := p.seller.QueryInvoiceByID(e.ctx, id)
	e.must(err, "queryInvoiceById")
	if len(page.Invoices) != 1 {
		e.t.Fatalf("queryInvoiceById: %d invoices, want 1", len(page.Invoices))
	}
	got := page.Invoices[0]
	equal(e, string(got.Body), string(body), "invoiceBody: the bytes uploaded")
	equal(e, got.RegistrationNumber, sum.RegistrationNumber, "queryInvoiceById: registrationNumber")
	equal(e, got.SignatureValid, true, "signatureValid")
	equal(e, got.SignatureType, esfclient.SignatureCompany, "signatureType of the head's key")
	e.must(got.VerifySignature(), "the invoice's signature over its body")

	byKey, err := p.seller.QueryInvoiceSummaryByKey(e.ctx, esfclient.Outbound, esfclient.InvoiceKey{Date: inv.Date, Num: inv.Num})
	e.must(err, "queryInvoiceSummaryByKey")
	if len(byKey) != 1 || byKey[0].ID != id {
		e.t.Errorf("queryInvoiceSummaryByKey: %+v, want invoice %d", byKey, id)
	}
	hist, err := p.seller.QueryInvoiceHistoryByID(e.ctx, id)
	e.must(err, "queryInvoiceHistoryById")
	if len(hist) == 0 || hist[len(hist)-1].Status != esfclient.StatusCreated {
		e.t.Errorf("queryInvoiceHistoryById: %+v, want CREATED last", hist)
	}

	_, err = p.seller.Close(e.ctx)
	e.must(err, "closeSession")
	_, err = p.seller.QueryInvoiceSummaryByID(e.ctx, id)
	e.refused(err, esfclient.ErrSessionClosed, "queryInvoiceSummaryById on a closed session")
}

// formatCodes are the codes a format error of the body may be declined with.
var formatCodes = []esfreg.Code{esfclient.CodeWrongXMLFormat, esfclient.CodeFieldInvalid, esfclient.CodeFieldIsNull,
	esfclient.CodeFLKValidationFailed, esfclient.CodeMessageValidationError}

// scInvoiceDeclined: a body that breaks the schema is declined at once,
// invoice by invoice, naming the element.
func scInvoiceDeclined(e *env) {
	p := e.invoiceParties()
	signer, err := p.sellerKey.Signer()
	e.must(err, "the seller's signer")
	good := e.body(e.newInvoice(2001))
	badNum := strings.Replace(string(e.body(e.newInvoice(2002))), "<num>2002</num>", "<num>СФ-2002</num>", 1)
	noSellers := regexp.MustCompile(`(?s)\s*<sellers>.*</sellers>`).ReplaceAllString(string(e.body(e.newInvoice(2003))), "")

	_, err = p.seller.SendInvoices(e.ctx, p.sellerKey, []byte(badNum))
	if !errors.Is(err, invoice.ErrInvalid) {
		e.t.Errorf("the client sent a body whose num breaks the schema: %v", err)
	}

	req := esfclient.SyncRequest{Certificate: p.sellerKey.Certificate.X509.Raw}
	for _, b := range []string{string(good), badNum, noSellers} {
		sig, err := invoice.Sign([]byte(b), signer)
		e.must(err, "sign")
		req.Invoices = append(req.Invoices, esfclient.InvoiceUpload{Body: []byte(b), Signature: sig, SignatureType: esfclient.SignatureCompany})
	}
	res, err := p.seller.SyncInvoice(e.ctx, req)
	e.must(err, "syncInvoice of one good and two broken invoices")
	equal(e, len(res.Accepted), 1, "invoices queued")
	equal(e, len(res.Declined), 2, "invoices declined")
	if len(res.Accepted) == 1 {
		equal(e, res.Accepted[0].Num, "2001", "the queued invoice")
	}
	for _, d := range res.Declined {
		e.t.Logf("declined %s of %s: %v", d.Num, d.Date, d.Err())
		if d.ID != 0 {
			e.t.Errorf("declined invoice %s has an id %d", d.Num, d.ID)
		}
		if len(d.Errors) == 0 {
			e.t.Errorf("declined invoice %s without errors", d.Num)
		}
		for _, x := range d.Errors {
			if !slices.Contains(formatCodes, x.Code) {
				e.t.Errorf("declined invoice %s: code %s, want one of %v", d.Num, x.Code, formatCodes)
			}
		}
	}
	err = res.Err()
	if !errors.Is(err, esfclient.ErrFieldInvalid) && !errors.Is(err, esfclient.ErrWrongXMLFormat) {
		e.t.Errorf("the invalid num: %v", err)
	}
	var de *esfclient.DeclinedError
	if errors.As(err, &de) {
		names := func(field string) bool {
			for _, d := range de.Declined {
				for _, x := range d.Errors {
					if strings.Contains(x.Field, field) || strings.Contains(x.Message, field) {
						return true
					}
				}
			}
			return false
		}
		if !names("num") || !names("sellers") { // a missing element may be named in the text, its parent as the property
			e.t.Errorf("the errors do not name num and sellers: %v", err)
		}
	}
}

// scInvoiceFailed: an invoice whose signature does not verify passes the
// checks at once and FAILS in the processing step; it can be deleted.
func scInvoiceFailed(e *env) {
	p := e.invoiceParties()
	signer, err := p.sellerKey.Signer()
	e.must(err, "the seller's signer")
	body := e.body(e.newInvoice(3001))
	sig, err := invoice.Sign(append(append([]byte{}, body...), ' '), signer) // over other bytes
	e.must(err, "sign")
	res, err := p.seller.SyncInvoice(e.ctx, esfclient.SyncRequest{Certificate: p.sellerKey.Certificate.X509.Raw,
		Invoices: []esfclient.InvoiceUpload{{Body: body, Signature: sig, SignatureType: esfclient.SignatureCompany}}})
	e.must(err, "syncInvoice")
	id := e.accepted(res, 1, "syncInvoice of a badly signed invoice (its format is good)")[0]

	sum, err := p.seller.WaitForRegistration(e.ctx, id, e.waitOpts("badly signed invoice"))
	if !e.refused(err, esfclient.ErrSignatureVerificationFailed, "the badly signed invoice's registration") {
		return
	}
	if !errors.Is(err, esfclient.ErrNotRegistered) || sum == nil || sum.Status != esfclient.StatusFailed {
		e.t.Errorf("the badly signed invoice: %+v, %v; want FAILED", sum, err)
	}
	if sum != nil && sum.RegistrationNumber != "" {
		e.t.Errorf("a FAILED invoice has the registration number %s", sum.RegistrationNumber)
	}
	list, err := p.seller.QueryInvoiceErrorByID(e.ctx, id)
	e.must(err, "queryInvoiceErrorById")
	if len(list) != 1 || !errors.Is(list[0].Errors, esfclient.ErrSignatureVerificationFailed) {
		e.t.Errorf("queryInvoiceErrorById: %+v, want SIGNATURE_VERIFICATION_FAILED", list)
	}

	del, err := p.seller.DeleteInvoices(e.ctx, p.sellerKey, id)
	e.must(err, "deleteInvoiceById")
	if len(del) != 1 || !del[0].Deleted || del[0].ID != id {
		e.t.Errorf("deleteInvoiceById: %+v, want invoice %d deleted", del, id)
	}
	sums, err := p.seller.QueryInvoiceSummaryByID(e.ctx, id)
	e.must(err, "queryInvoiceSummaryById of the deleted invoice")
	if len(sums) == 1 {
		equal(e, sums[0].Status, esfclient.StatusDeleted, "the deleted invoice's status")
	}

	// The number is free again: the same invoice, signed right, registers.
	_, sum = e.sendOne(p, e.newInvoice(3001))
	e.t.Logf("invoice 3001 again: %s", sum.RegistrationNumber)
}

// findInbound pages the customer's INBOUND feed from since for id.
func (e *env) findInbound(p *invoiceParties, since time.Time, id int64) *esfclient.InvoiceInfo {
	e.t.Helper()
	for inv, err := range p.customer.Updates(e.ctx, esfclient.UpdatesRequest{Direction: esfclient.Inbound, Cursor: esfclient.UpdatesCursor{LastEventDate: since}, FullInfoOnStatusChange: true}) {
		e.must(err, "queryUpdates INBOUND")
		if inv.ID == id {
			return &inv
		}
	}
	return nil
}

// scInvoiceConfirm: the customer sees the invoice once it is registered
// and confirms it (DELIVERED).
func scInvoiceConfirm(e *env) {
	p := e.invoiceParties()
	since := e.clock().Add(-time.Minute)
	inv := e.newInvoice(4001)
	body := e.body(inv)
	res, err := p.seller.SendInvoices(e.ctx, p.sellerKey, body)
	e.must(err, "syncInvoice")
	id := e.accepted(res, 1, "syncInvoice")[0]
	if early, err := p.customer.QueryInvoiceSummaryByID(e.ctx, id); err == nil && len(early) > 0 {
		e.t.Errorf("the customer sees the invoice before its registration: %+v", early)
	}
	sum, err := p.seller.WaitForRegistration(e.ctx, id, e.waitOpts("invoice 4001"))
	e.must(err, "registration")

	got := e.findInbound(p, since, id)
	if got == nil {
		e.t.Fatalf("the customer's queryUpdates INBOUND does not list invoice %d", id)
	}
	equal(e, string(got.Body), string(body), "the customer's copy: the body")
	equal(e, got.RegistrationNumber, sum.RegistrationNumber, "the customer's copy: registrationNumber")
	e.must(got.VerifySignature(), "the customer verifies the seller's signature")
	parsed, err := got.Invoice()
	e.must(err, "the customer parses the body")
	equal(e, parsed.Num, inv.Num, "the parsed invoice's num")

	conf, err := p.customer.ConfirmInvoiceByID(e.ctx, id)
	e.must(err, "confirmInvoiceById")
	if len(conf) != 1 || conf[0].Status != esfclient.StatusDelivered {
		e.t.Errorf("confirmInvoiceById: %+v, want DELIVERED", conf)
	}
	sums, err := p.seller.QueryInvoiceSummaryByID(e.ctx, id)
	e.must(err, "the seller's summary")
	if len(sums) != 1 || sums[0].Status != esfclient.StatusDelivered {
		e.t.Errorf("the seller sees %+v, want DELIVERED", sums)
	}
}

// scInvoiceRevoke: the seller revokes an ordinary invoice; the customer
// rejects the revocation; a decline of an ordinary invoice and a
// revocation by the customer are refused.
func scInvoiceRevoke(e *env) {
	p := e.invoiceParties()
	id, _ := e.sendOne(p, e.newInvoice(5001))
	_, err := p.customer.ConfirmInvoiceByID(e.ctx, id)
	e.must(err, "confirmInvoiceById")

	changed := func(what string, res []esfclient.ChangeStatusResult, err error, want esfclient.InvoiceStatus) {
		e.t.Helper()
		e.must(err, "%s", what)
		if len(res) != 1 || res[0].Summary.ID != id {
			e.t.Fatalf("%s: %+v, want one result for invoice %d", what, res, id)
		}
		e.must(res[0].Err(), "%s", what)
		equal(e, res[0].Summary.Status, want, "%s: the status", what)
	}
	refused := func(what string, res []esfclient.ChangeStatusResult, err error, want *esfreg.Error) {
		e.t.Helper()
		if err != nil { // a fault refuses the whole request
			e.refusedAny(err, "%s", what)
			return
		}
		if len(res) != 1 {
			e.t.Fatalf("%s: %+v, want one result", what, res)
		}
		if want != nil {
			e.refused(res[0].Err(), want, "%s", what)
		} else {
			e.refusedAny(res[0].Err(), "%s", what)
		}
	}

	reason := []esfclient.InvoiceReason{{ID: id, Reason: "Ошибка в сумме"}}
	res, err := p.customer.DeclineInvoices(e.ctx, p.customerKey, reason...)
	refused("the customer declines an ordinary invoice", res, err, esfclient.ErrWrongType)
	res, err = p.customer.RevokeInvoices(e.ctx, p.customerKey, reason...)
	refused("the customer revokes the seller's invoice", res, err, nil)

	res, err = p.seller.RevokeInvoices(e.ctx, p.sellerKey, reason...)
	changed("the seller revokes", res, err, esfclient.StatusRevoked)
	res, err = p.seller.RevokeInvoices(e.ctx, p.sellerKey, reason...)
	refused("a revoked invoice revoked again", res, err, esfclient.ErrWrongStatus)

	res, err = p.customer.UnrevokeInvoices(e.ctx, p.customerKey, esfclient.InvoiceReason{ID: id, Reason: "Товар получен"})
	changed("the customer rejects the revocation", res, err, esfclient.StatusDelivered)
	res, err = p.customer.UnrevokeInvoices(e.ctx, p.customerKey, esfclient.InvoiceReason{ID: id, Reason: "Товар получен"})
	refused("rejecting a revocation of an invoice not revoked", res, err, esfclient.ErrWrongStatus)

	hist, err := p.seller.QueryInvoiceHistoryByID(e.ctx, id)
	e.must(err, "queryInvoiceHistoryById")
	var statuses []esfclient.InvoiceStatus
	for _, h := range hist {
		if !h.Status.Pending() {
			statuses = append(statuses, h.Status)
		}
	}
	want := []esfclient.InvoiceStatus{esfclient.StatusCreated, esfclient.StatusDelivered, esfclient.StatusRevoked, esfclient.StatusDelivered}
	if !slices.Equal(statuses, want) {
		e.t.Errorf("the history: %v, want %v", statuses, want)
	}
}

// pagingInvoices is how many invoices scInvoiceUpdatesPaging uploads.
const pagingInvoices = 1000

// scInvoiceUpdatesPaging: 1,000 invoices uploaded on a frozen clock (most
// events share their timestamp), then both parties page queryUpdates with
// a block size that splits the ties: every invoice once, none lost; and
// queryInvoice page by page over the day: each once too.
func scInvoiceUpdatesPaging(e *env) {
	p := e.invoiceParties()
	// The head's RSA signing key: a thousand GOST signatures (and the
	// target's checks of them) cost minutes under the race detector, and
	// the key is not what this scenario is about.
	key := e.headSign(personA)
	since := e.clock().Add(-time.Minute)
	var ids []int64
	const batch = 100
	for n := 0; n < pagingInvoices; n += batch {
		var bodies [][]byte
		for i := n; i < n+batch; i++ {
			bodies = append(bodies, e.body(e.newInvoice(600000+i)))
		}
		res, err := p.seller.SendInvoices(e.ctx, key, bodies...)
		e.must(err, "syncInvoice of invoices %d–%d", n, n+batch-1)
		ids = append(ids, e.accepted(res, batch, "syncInvoice")...)
	}
	// The processing step: wait for the last one; the rest were queued
	// before it.
	_, err := p.seller.WaitForRegistration(e.ctx, ids[len(ids)-1], e.waitOpts("the last invoice"))
	e.must(err, "registration of the last invoice")

	for _, side := range []struct {
		name  string
		sess  *esfclient.Session
		dir   esfclient.Direction
		limit int
	}{{"the customer", p.customer, esfclient.Inbound, 37}, {"the seller", p.seller, esfclient.Outbound, 100}} {
		seen := map[int64]int{}
		pages, ties := 0, 0
		var prev esfclient.UpdatesCursor
		for page, err := range side.sess.UpdatePages(e.ctx, esfclient.UpdatesRequest{Direction: side.dir, Cursor: esfclient.UpdatesCursor{LastEventDate: since}, Limit: side.limit}) {
			e.must(err, "%s: queryUpdates %s, block %d", side.name, side.dir, pages+1)
			pages++
			if len(page.Invoices) > side.limit {
				e.t.Errorf("%s: a block of %d invoices, limit %d", side.name, len(page.Invoices), side.limit)
			}
			if pages > 1 && !after(page.Next, prev) {
				e.t.Errorf("%s: block %d's cursor %+v is not after %+v", side.name, pages, page.Next, prev)
			}
			if pages > 1 && page.Next.LastEventDate.Equal(prev.LastEventDate) {
				ties++ // the block began inside a timestamp the previous one ended in
			}
			prev = page.Next
			for _, inv := range page.Invoices {
				seen[inv.ID]++
				if inv.Status != esfclient.StatusCreated {
					e.t.Errorf("%s: invoice %d is %s, want CREATED (its latest state)", side.name, inv.ID, inv.Status)
				}
			}
		}
		for _, id := range ids {
			switch seen[id] {
			case 0:
				e.t.Errorf("%s: invoice %d lost", side.name, id)
			case 1:
			default:
				e.t.Errorf("%s: invoice %d repeated %d times", side.name, id, seen[id])
			}
		}
		equal(e, len(seen), pagingInvoices, "%s: invoices in the feed", side.name)
		e.t.Logf("%s: %d invoices in %d blocks of at most %d; %d blocks began inside the previous block's timestamp", side.name, len(seen), pages, side.limit, ties)
	}

	// queryInvoice pages the same invoices by criteria: today's, both
	// ways, sorted by number; each once.
	day := e.clock().In(esfreg.Almaty)
	from := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, esfreg.Almaty)
	for _, side := range []struct {
		name string
		sess *esfclient.Session
		dir  esfclient.Direction
	}{{"the customer", p.customer, esfclient.Inbound}, {"the seller", p.seller, esfclient.Outbound}} {
		seen := map[int64]int{}
		pages := 0
		for page, err := range side.sess.InvoicePages(e.ctx, esfclient.InvoiceCriteria{Direction: side.dir, DateFrom: from, DateTo: from.Add(24*time.Hour - time.Second),
			OrderBy: "num", Asc: true}) {
			e.must(err, "%s: queryInvoice %s, page %d", side.name, side.dir, pages+1)
			pages++
			for _, inv := range page.Invoices {
				seen[inv.ID]++
			}
		}
		lost, repeated := 0, 0
		for _, id := range ids {
			switch {
			case seen[id] == 0:
				lost++
			case seen[id] > 1:
				repeated++
			}
		}
		if lost > 0 || repeated > 0 || len(seen) != pagingInvoices {
			e.t.Errorf("%s: queryInvoice: %d invoices, %d of the uploaded lost, %d repeated", side.name, len(seen), lost, repeated)
		}
		e.t.Logf("%s: queryInvoice: %d invoices in %d pages", side.name, len(seen), pages)
	}
}

// after reports whether cursor a is after b in (time, id) order.
func after(a, b esfclient.UpdatesCursor) bool {
	return a.LastEventDate.After(b.LastEventDate) || (a.LastEventDate.Equal(b.LastEventDate) && a.LastInvoiceID > b.LastInvoiceID)
}

// standReadPages bounds the blocks and pages the read-only scenario reads
// of a real stand (3,000 calls a day per IP is ESF's limit).
const standReadPages = 10

// scInvoiceRead: reading only — queryUpdates both ways, queryInvoice over
// this quarter, summaries, history, queryInvoiceByKey,
// enterpriseValidation — with invariants any server must
// keep: ids once per page and positive, cursors moving on, summaries of
// the ids read. Against a real stand it reads the account's own invoices
// (Options.Stand) and changes nothing.
func scInvoiceRead(e *env) {
	var sess *esfclient.Session
	if e.ctl != nil {
		p := e.invoiceParties()
		for i := range 3 {
			e.sendOne(p, e.newInvoice(7001+i))
		}
		sess = p.seller
	} else {
		st := e.opts.Stand
		if st == nil || st.Auth.Path == "" {
			e.t.Skipf("conformance: no account on the stand to read invoices with: set Options.Stand.Auth (%s, %s) and Password (%s)",
				EnvStandAuth, EnvStandPIN, EnvStandPassword)
		}
		auth, err := st.Auth.Open()
		e.must(err, "the stand's AUTH key store")
		tin := st.TIN
		if tin == "" {
			tin = auth.Certificate.IIN
		}
		sess, err = e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: auth, Password: st.Password, TIN: tin, ProfileType: st.ProfileType})
		e.must(err, "createSessionSigned on the stand")
		defer func() { _, _ = sess.Close(context.Background()) }()
		e.servesInvoices(sess)
	}
	now := e.clock()
	if e.ctl == nil {
		now = time.Now() // a stand's own clock
	}
	var ids []int64
	firstOf := map[esfclient.Direction]int64{}
	for _, dir := range []esfclient.Direction{esfclient.Outbound, esfclient.Inbound} {
		pages := 0
		for page, err := range sess.UpdatePages(e.ctx, esfclient.UpdatesRequest{Direction: dir, Cursor: esfclient.UpdatesCursor{LastEventDate: now.AddDate(0, 0, -30)}, Limit: 50}) {
			e.must(err, "queryUpdates %s", dir)
			checkPage(e, fmt.Sprintf("queryUpdates %s block %d", dir, pages+1), page.Invoices)
			for _, inv := range page.Invoices {
				ids = append(ids, inv.ID)
				if firstOf[dir] == 0 {
					firstOf[dir] = inv.ID
				}
			}
			if pages++; pages == standReadPages {
				break
			}
		}
		e.t.Logf("queryUpdates %s: %d blocks read", dir, pages)
	}
	from := time.Date(now.Year(), ((now.Month()-1)/3)*3+1, 1, 0, 0, 0, 0, esfreg.Almaty)
	pages := 0
	for page, err := range sess.InvoicePages(e.ctx, esfclient.InvoiceCriteria{Direction: esfclient.Outbound, DateFrom: from, DateTo: now}) {
		e.must(err, "queryInvoice this quarter")
		checkPage(e, fmt.Sprintf("queryInvoice page %d", page.CurrPage), page.Invoices)
		if pages++; pages == standReadPages {
			break
		}
	}
	if e.ctl != nil && len(ids) < 3 {
		e.t.Errorf("queryUpdates found %d invoices, want the 3 sent", len(ids))
	}
	e.enterpriseValidation(sess)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		e.t.Log("no invoices in the last 30 days to read summaries of")
		return
	}
	ids = ids[:min(len(ids), 20)]
	sums, err := sess.QueryInvoiceSummaryByID(e.ctx, ids...)
	e.must(err, "queryInvoiceSummaryById")
	for _, s := range sums {
		if !slices.Contains(ids, s.ID) {
			e.t.Errorf("queryInvoiceSummaryById answered invoice %d, not asked for", s.ID)
		}
		if !s.Status.Known() {
			e.t.Logf("invoice %d: status %s, not in the 2026 WSDL", s.ID, s.Status)
		}
	}
	_, err = sess.QueryInvoiceHistoryByID(e.ctx, ids[0])
	e.must(err, "queryInvoiceHistoryById")

	// queryInvoiceByKey finds an invoice by the seller's date and number.
	for dir, id := range firstOf {
		sums, err := sess.QueryInvoiceSummaryByID(e.ctx, id)
		e.must(err, "queryInvoiceSummaryById of invoice %d", id)
		if len(sums) != 1 || sums[0].Num == "" || sums[0].Date == "" {
			continue
		}
		page, err := sess.QueryInvoiceByKey(e.ctx, dir, esfclient.InvoiceKey{Date: sums[0].Date, Num: sums[0].Num})
		e.must(err, "queryInvoiceByKey %s %s of %s", dir, sums[0].Num, sums[0].Date)
		if !slices.ContainsFunc(page.Invoices, func(inv esfclient.InvoiceInfo) bool { return inv.ID == id }) {
			e.t.Errorf("queryInvoiceByKey %s %s of %s does not find invoice %d", dir, sums[0].Num, sums[0].Date, id)
		}
	}
}

// enterpriseValidation checks the session's own TIN and one no register
// lists.
func (e *env) enterpriseValidation(sess *esfclient.Session) {
	e.t.Helper()
	tin := sess.TIN
	res, err := sess.EnterpriseValidation(e.ctx, esfclient.EnterpriseKey{CertificateSeries: "60001", CertificateNum: "0000001", TIN: tin},
		esfclient.EnterpriseKey{CertificateSeries: "60001", CertificateNum: "0000001", TIN: "000000000000"})
	e.must(err, "enterpriseValidation")
	if len(res) != 2 || res[0].TIN != tin || res[1].TIN != "000000000000" {
		e.t.Fatalf("enterpriseValidation: %+v, want a result for %s and 000000000000", res, tin)
	}
	for _, r := range res {
		e.t.Logf("enterpriseValidation %s: %s", r.TIN, r.Result)
	}
	equal(e, res[1].Result, esfclient.EnterpriseTINAbsent, "enterpriseValidation of a TIN no register lists")
	if res[0].Result == esfclient.EnterpriseTINAbsent {
		e.t.Errorf("enterpriseValidation says the session's own TIN %s is absent", tin)
	}
}

// checkPage checks what any page must be: positive ids, each once, and
// registration numbers in ESF's form.
func checkPage(e *env, what string, list []esfclient.InvoiceInfo) {
	e.t.Helper()
	seen := map[int64]bool{}
	for _, inv := range list {
		if inv.ID <= 0 {
			e.t.Errorf("%s: invoice id %d", what, inv.ID)
		}
		if seen[inv.ID] {
			e.t.Errorf("%s: invoice %d twice", what, inv.ID)
		}
		seen[inv.ID] = true
		if inv.RegistrationNumber != "" && !registrationNumber.MatchString(inv.RegistrationNumber) {
			e.t.Errorf("%s: registration number %q", what, inv.RegistrationNumber)
		}
	}
}
