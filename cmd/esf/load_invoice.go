package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/invoice"
	"github.com/esfkit/esf/mockserver"
)

// maxBatch bounds --batch. A syncInvoice of B invoices is about B × 2 KB:
// above ~450 it needs a mock whose --max-body is above its 1 MiB default.
const maxBatch = 1000

// invoicePoll is how often the invoice flow asks whether its invoices are
// registered.
const invoicePoll = 20 * time.Millisecond

// identitiesOf is how many identities a run uses: one per registration,
// one per worker for sessions, and for invoices one seller per worker and
// the customer.
func identitiesOf(cfg *loadConfig) int {
	switch cfg.flow {
	case "session":
		return cfg.c
	case "invoice":
		return cfg.c + 1
	}
	return cfg.n
}

// vatCertificate is the sellers' VAT registration in the register (the
// invoices charge VAT at 12%).
const vatSeries, vatNum = "60001", "1234567"

// entrepreneur is id's register record as an entrepreneur and VAT payer.
func (id identity) entrepreneur() esfreg.Taxpayer {
	t := id.taxpayer()
	t.Type, t.CertificateSeries, t.CertificateNum = esfreg.EnterpriseIndividualEntrepreneur, vatSeries, vatNum
	return t
}

// invoiceFlow sets up the invoice flow — the sellers' accounts (an
// ENTREPRENEUR profile each, imported), the customer's register record,
// no processing delay, a session per seller — and builds and signs the
// invoices of every flow (prep). Flow k uploads invoices k·B … k·B+B-1 of
// seller k mod C and waits for their registration numbers.
func invoiceFlow(ctx context.Context, sb *sandbox, c *esfclient.Client, cfg *loadConfig, ids []identity, keys []keyPair) (func(context.Context, int, int) error, time.Duration, error) {
	sellers, customer := ids[:cfg.c], ids[cfg.c]
	var imports []mockserver.AccountImport
	for _, id := range sellers {
		a := id.accountImport(cfg.password)
		a.Profiles = []mockserver.ProfileImport{{Type: esfreg.ProfileEntrepreneur}}
		a.Taxpayers = []esfreg.Taxpayer{id.entrepreneur()}
		imports = append(imports, a)
	}
	for start := 0; start < len(imports); start += seedBatch {
		if _, err := sb.ctl.ImportAccounts(ctx, imports[start:min(start+seedBatch, len(imports))]...); err != nil {
			return nil, 0, fmt.Errorf("importing the sellers' accounts (POST /_mock/accounts): %w", err)
		}
	}
	if _, err := sb.ctl.SeedTaxpayers(ctx, true, customer.entrepreneur()); err != nil {
		return nil, 0, fmt.Errorf("publishing the customer (POST /_mock/taxpayers): %w", err)
	}
	if err := sb.ctl.SetInvoiceTiming(ctx, mockserver.InvoiceTiming{}); err != nil {
		return nil, 0, fmt.Errorf("setting the processing timing (POST /_mock/invoice-timing): %w", err)
	}
	sessions := make([]*esfclient.Session, len(sellers))
	err := parallel(ctx, len(sellers), cfg.c, func(ctx context.Context, _, k int) error {
		s, err := c.OpenSession(ctx, esfclient.SessionRequest{Key: keys[k].auth, Password: cfg.password, TIN: sellers[k].IIN, CloseOpenSession: true})
		if err != nil {
			return fmt.Errorf("opening the session of seller %d (%s): %w", k, sellers[k].IIN, err)
		}
		sessions[k] = s
		return nil
	})
	if err != nil {
		return nil, 0, err
	}

	// Untimed: every flow's invoices, built and signed.
	prepStart := time.Now()
	day := sb.now().In(esfreg.Almaty).Format("02.01.2006")
	run := strconv.FormatInt(sb.now().UnixMilli()%1_000_000_000, 10) // numbers unique across runs
	uploads := make([][]esfclient.InvoiceUpload, cfg.n)
	err = parallel(ctx, cfg.n, cfg.c, func(_ context.Context, _, k int) error {
		seller := k % cfg.c
		signer, err := keys[seller].sign.Signer()
		if err != nil {
			return err
		}
		typ := esfclient.SignatureType(invoice.SignatureType(keys[seller].sign.Certificate))
		for b := range cfg.batch {
			inv := loadInvoice(sellers[seller], customer, day, run+fmt.Sprintf("%09d", k*cfg.batch+b))
			body, err := inv.Marshal()
			if err != nil {
				return err
			}
			sig, err := invoice.Sign(body, signer)
			if err != nil {
				return err
			}
			uploads[k] = append(uploads[k], esfclient.InvoiceUpload{Body: body, Signature: sig, SignatureType: typ})
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("signing the invoices: %w", err)
	}
	prep := time.Since(prepStart)

	flow := func(ctx context.Context, _, k int) error {
		seller := k % cfg.c
		res, err := sessions[seller].SyncInvoice(ctx, esfclient.SyncRequest{Invoices: uploads[k], Certificate: keys[seller].sign.Certificate.X509.Raw})
		if err != nil {
			return fmt.Errorf("syncInvoice: %w", err)
		}
		if err := res.Err(); err != nil {
			return fmt.Errorf("syncInvoice declined: %w", err)
		}
		pending := make([]int64, 0, len(res.Accepted))
		for _, a := range res.Accepted {
			pending = append(pending, a.ID)
		}
		for len(pending) > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(invoicePoll):
			}
			sums, err := sessions[seller].QueryInvoiceSummaryByID(ctx, pending...)
			if err != nil {
				return fmt.Errorf("queryInvoiceSummaryById: %w", err)
			}
			pending = pending[:0]
			for _, s := range sums {
				switch {
				case s.Status == esfclient.InvoiceStatus(mockserver.StatusFailed):
					return fmt.Errorf("invoice %d FAILED: %s", s.ID, s.CancelReason)
				case s.RegistrationNumber == "":
					pending = append(pending, s.ID)
				}
			}
		}
		return nil
	}
	return flow, prep, nil
}

// loadInvoice is the flow's invoice: one service line at 12% VAT, from
// seller to customer, dated day.
func loadInvoice(seller, customer identity, day, num string) *invoice.Invoice {
	rate := 12
	return &invoice.Invoice{
		Date: day, InvoiceType: invoice.OrdinaryInvoice, Num: num, OperatorFullname: seller.fullName(), TurnoverDate: day,
		Customers: []invoice.Customer{{CountryCode: "KZ", Name: "ИП " + customer.fullName(), TIN: customer.IIN}},
		ProductSet: invoice.ProductSet{CurrencyCode: "KZT", Products: []invoice.Product{{
			CatalogTruID: "1", Description: "Консультационные услуги", NDSAmount: "1200", NDSRate: &rate,
			PriceWithTax: "11200", PriceWithoutTax: "10000", Quantity: "1", TruOriginCode: "6", TurnoverSize: "10000",
			UnitNomenclature: "796", UnitPrice: "10000"}},
			TotalExciseAmount: "0", TotalNDSAmount: "1200", TotalPriceWithTax: "11200", TotalPriceWithoutTax: "10000", TotalTurnoverSize: "10000"},
		Sellers: []invoice.Seller{{Name: "ИП " + seller.fullName(), TIN: seller.IIN, CertificateSeries: vatSeries, CertificateNum: vatNum}},
	}
}
