package mockserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/invoice"
	"github.com/esfkit/esf/mockserver/internal/soap/invoicesvc"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// The processing step. An accepted invoice waits in the queue
// (kindInvoiceQueue) in the slot of its due time (kindInvoiceSlot: due
// times rounded up to slotSize), until the step decides it: CREATED with
// a registration number, or FAILED with the errors queryInvoiceErrorById
// lists. The step runs when an invoice operation of any replica finds a
// slot due — before it answers, so what it reads is up to date — and when
// the control API runs it (ProcessInvoices), then on every queued
// invoice, due or not.
//
// The step first claims a batch in one transaction: it moves the batch's
// queue records to the slot claimFor ahead, so that no other request or
// replica takes them meanwhile, and a replica that dies holding them
// leaves them due again then. It verifies the batch outside any
// transaction, on every core (the certificate's chain, the signature over
// the body: the costly part), and decides it in a second transaction,
// which re-reads each invoice and skips one another step decided first.

// slotSize is the granularity of due times in the queue: an invoice is
// decided at most this long after it is due (given a request then).
const slotSize = 10 * time.Millisecond

// claimFor is how long a claimed batch is another step's only after its
// claim: a step that did not finish by then is taken to have died.
const claimFor = 30 * time.Second

// stepBatch is how many invoices one step transaction decides.
const stepBatch = 256

// slotKey is the slot of invoices due at or before t (t rounded up);
// dueSlotKey the last slot due at t (t rounded down).
func slotKey(t time.Time) string {
	n := t.UnixMilli() / slotSize.Milliseconds()
	if t.UnixMilli()%slotSize.Milliseconds() > 0 {
		n++
	}
	return seqKey(int(n))
}

func dueSlotKey(t time.Time) string { return seqKey(int(t.UnixMilli() / slotSize.Milliseconds())) }

// enqueue puts invoice id in the queue for due; it returns the slot,
// whose record the caller writes.
func enqueue(tx mockstore.Records, id int64, due time.Time) (string, error) {
	slot := slotKey(due)
	return slot, tx.PutRecord(kindInvoiceQueue, mockstore.Record{Key: idKey(id), Owner: slot, Data: []byte(idKey(id))})
}

// invoicesDue reports whether a slot of the queue is due at r.now: one
// point read of settingInvoiceNextDue, the earliest slot (or earlier: a
// step that finds nothing due sets it right).
func invoicesDue(r *request) (bool, error) {
	var next string
	err := getJSON(r.tx, kindInvoiceSetting, settingInvoiceNextDue, &next)
	if errors.Is(err, esfreg.ErrNotFound) {
		return false, nil
	}
	return err == nil && next <= dueSlotKey(r.now), err
}

// lowerNextDue makes settingInvoiceNextDue no later than slot.
func lowerNextDue(tx mockstore.Records, slot string) error {
	var next string
	err := getJSON(tx, kindInvoiceSetting, settingInvoiceNextDue, &next)
	switch {
	case err == nil && next <= slot:
		return nil
	case err != nil && !errors.Is(err, esfreg.ErrNotFound):
		return err
	}
	return putJSON(tx, kindInvoiceSetting, settingInvoiceNextDue, "", time.Time{}, slot)
}

// resetNextDue sets settingInvoiceNextDue to the earliest slot, or
// deletes it when the queue is empty.
func resetNextDue(tx mockstore.Records) error {
	slots, err := tx.RecordsOf(kindInvoiceSlot, "")
	if err != nil {
		return err
	}
	if len(slots) == 0 {
		return tx.DeleteRecord(kindInvoiceSetting, settingInvoiceNextDue)
	}
	return putJSON(tx, kindInvoiceSetting, settingInvoiceNextDue, "", time.Time{}, slots[0].Key)
}

// ProcessInvoices runs the processing step now on every queued invoice,
// due or not, and returns how many it decided.
func (s *Server) ProcessInvoices() (int, error) { return s.stepInvoices(context.Background(), true) }

// stepInvoices runs the processing step on the due invoices (all: every
// queued one) until none is left.
func (s *Server) stepInvoices(ctx context.Context, all bool) (int, error) {
	total := 0
	for {
		batch, claim, err := s.claimInvoices(ctx, all)
		if err != nil || len(batch) == 0 {
			return total, err
		}
		verdicts := s.verifyInvoices(batch, s.clock.Now())
		n, err := s.decideInvoices(ctx, batch, verdicts, claim)
		total += n
		if err != nil || len(batch) < stepBatch {
			return total, err
		}
	}
}

// claimInvoices takes up to stepBatch due invoices (all: queued ones)
// off their slots into the claim slot.
func (s *Server) claimInvoices(ctx context.Context, all bool) ([]*storedInvoice, string, error) {
	var batch []*storedInvoice
	var claim string
	err := s.update(ctx, func(r *request) error {
		batch = batch[:0]
		claim = slotKey(r.now.Add(claimFor))
		slots, err := r.tx.RecordsOf(kindInvoiceSlot, "")
		if err != nil {
			return err
		}
		due := dueSlotKey(r.now)
		for _, sl := range slots {
			if len(batch) == stepBatch || !all && sl.Key > due {
				break
			}
			if sl.Key == claim {
				continue
			}
			entries, err := r.tx.RecordsOf(kindInvoiceQueue, sl.Key)
			if err != nil {
				return err
			}
			moved := 0
			for _, e := range entries {
				if len(batch) == stepBatch {
					break
				}
				moved++
				id, err := strconv.ParseInt(e.Key, 10, 64)
				if err != nil {
					return fmt.Errorf("mockserver: queue record %q: %w", e.Key, err)
				}
				inv, err := getInvoice(r.tx, id)
				if err != nil {
					return err
				}
				if inv == nil || inv.Status != StatusInQueue {
					if err := r.tx.DeleteRecord(kindInvoiceQueue, e.Key); err != nil {
						return err
					}
					continue
				}
				e.Owner = claim
				if err := r.tx.PutRecord(kindInvoiceQueue, e); err != nil {
					return err
				}
				if err := withBody(r.tx, inv); err != nil {
					return err
				}
				batch = append(batch, inv)
			}
			if moved == len(entries) {
				if err := r.tx.DeleteRecord(kindInvoiceSlot, sl.Key); err != nil {
					return err
				}
			}
		}
		if len(batch) > 0 {
			if err := r.tx.PutRecord(kindInvoiceSlot, mockstore.Record{Key: claim, Data: []byte("1")}); err != nil {
				return err
			}
		}
		return resetNextDue(r.tx)
	})
	return batch, claim, err
}

// verdict is what the step found about an invoice outside the store: its
// certificate and signature, and the rules its body alone decides.
type verdict struct {
	sigValid bool
	errs     []invoicesvc.Error
	cert     *certs.Certificate
	body     *invoice.Invoice
}

// verifyInvoices verifies a batch on every core.
func (s *Server) verifyInvoices(batch []*storedInvoice, now time.Time) []verdict {
	out := make([]verdict, len(batch))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(batch)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(batch) {
					return
				}
				out[i] = s.verifyInvoice(batch[i], now)
			}
		})
	}
	wg.Wait()
	return out
}

// verifyInvoice checks the signing certificate (esfreg's rules for a
// signing key of the uploader: chain, validity, revocation, usage, IIN),
// the signature over the body as uploaded (invoice.VerifySignature), and
// the body's own rules: the turnover date not in the future, units of
// measure as codes, and the sums (each product's price with taxes is its
// price without them plus VAT and excise; the totals are the products'
// sums).
func (s *Server) verifyInvoice(inv *storedInvoice, now time.Time) verdict {
	var v verdict
	cert, err := parseCertField(inv.Certificate)
	if err != nil {
		v.errs = append(v.errs, invErr(InvCodeCertificateInvalidFormat, "x509Certificate"))
	} else {
		v.cert = cert
		opts := esfreg.CertOptions{Now: now, IDOptions: esfreg.IDOptions{AllowTestIdentities: s.opts.AllowTestIdentities}, Trust: s.trust.Load()}
		if err := esfreg.CheckSigningCertificate(cert, inv.UploaderIIN, opts); err != nil {
			code := string(esfreg.CodeCertificateNotValid)
			var ee *esfreg.Error
			if errors.As(err, &ee) {
				code = string(ee.Code)
			}
			v.errs = append(v.errs, invoicesvc.Error{ErrorCode: code, Property: "x509Certificate", Text: esfreg.Code(code).Message()})
		}
		switch err := invoice.VerifySignature([]byte(inv.Body), inv.Signature, cert); {
		case err == nil:
			v.sigValid = true
		case errors.Is(err, invoice.ErrSignatureFormat):
			v.errs = append(v.errs, invErr(InvCodeSignatureFormat, "signature"))
		default:
			v.errs = append(v.errs, invErr(InvCodeSignatureFailed, "signature"))
		}
	}
	body, err := invoice.Parse([]byte(inv.Body))
	if err != nil { // it passed at upload; the check's version may have changed since
		v.errs = append(v.errs, checkErrors(err)...)
		return v
	}
	v.body = body
	v.errs = append(v.errs, bodyRules(body, now)...)
	return v
}

// bodyRules are the processing step's rules on the body alone.
func bodyRules(inv *invoice.Invoice, now time.Time) []invoicesvc.Error {
	var errs []invoicesvc.Error
	local := now.In(esfreg.Almaty)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, esfreg.Almaty)
	if d, err := parseInvoiceDate(inv.TurnoverDate); err != nil || d.After(today) {
		errs = append(errs, invErr(InvCodeWrongDate, "/invoice/turnoverDate"))
	}
	var sum [5]*big.Rat // without tax, VAT, with tax, turnover, excise
	for i := range sum {
		sum[i] = new(big.Rat)
	}
	for i, p := range inv.ProductSet.Products {
		path := fmt.Sprintf("/invoice/productSet/products/product[%d]", i+1)
		if u := p.UnitNomenclature; u != "" && !allDigits(u) {
			errs = append(errs, invErr(InvCodeInvalidMeasureUnit, path+"/unitNomenclature"))
		}
		without, vat, with, turnover, excise := dec(p.PriceWithoutTax), dec(p.NDSAmount), dec(p.PriceWithTax), dec(p.TurnoverSize), dec(p.ExciseAmount)
		if new(big.Rat).Add(new(big.Rat).Add(without, vat), excise).Cmp(with) != 0 {
			errs = append(errs, invErr(InvCodeIncorrectProductSum, path+"/priceWithTax"))
		}
		for k, x := range []*big.Rat{without, vat, with, turnover, excise} {
			sum[k].Add(sum[k], x)
		}
	}
	ps := inv.ProductSet
	for k, total := range []struct {
		v    invoice.Decimal
		name string
	}{{ps.TotalPriceWithoutTax, "totalPriceWithoutTax"}, {ps.TotalNDSAmount, "totalNdsAmount"}, {ps.TotalPriceWithTax, "totalPriceWithTax"},
		{ps.TotalTurnoverSize, "totalTurnoverSize"}, {ps.TotalExciseAmount, "totalExciseAmount"}} {
		if dec(total.v).Cmp(sum[k]) != 0 {
			errs = append(errs, invErr(InvCodeIncorrectTotalSum, "/invoice/productSet/"+total.name))
		}
	}
	return errs
}

// dec reads a Decimal the schema checked (empty is 0).
func dec(d invoice.Decimal) *big.Rat {
	r, ok := new(big.Rat).SetString(string(d))
	if !ok {
		return new(big.Rat)
	}
	return r
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// vatCharged reports whether any product names a VAT rate above 0, and
// any a VAT amount above 0.
func vatCharged(inv *invoice.Invoice) (rate, amount bool) {
	for _, p := range inv.ProductSet.Products {
		rate = rate || p.NDSRate != nil && *p.NDSRate > 0
		amount = amount || dec(p.NDSAmount).Sign() > 0
	}
	return rate, amount || dec(inv.ProductSet.TotalNDSAmount).Sign() > 0
}

// decideInvoices decides a verified batch in one transaction.
func (s *Server) decideInvoices(ctx context.Context, batch []*storedInvoice, verdicts []verdict, claim string) (int, error) {
	order := make([]int, len(batch))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return batch[order[a]].ID < batch[order[b]].ID })
	n := 0
	err := s.update(ctx, func(r *request) error {
		n = 0
		f := newFeeds(r.tx)
		for _, i := range order {
			inv, err := getInvoice(r.tx, batch[i].ID)
			if err != nil {
				return err
			}
			if err := r.tx.DeleteRecord(kindInvoiceQueue, idKey(batch[i].ID)); err != nil {
				return err
			}
			if inv == nil || inv.Status != StatusInQueue {
				continue // another step decided it
			}
			if err := s.decide(r, f, inv, verdicts[i]); err != nil {
				return err
			}
			n++
		}
		left, err := r.tx.RecordsOf(kindInvoiceQueue, claim)
		if err != nil {
			return err
		}
		if len(left) == 0 {
			if err := r.tx.DeleteRecord(kindInvoiceSlot, claim); err != nil {
				return err
			}
			if err := resetNextDue(r.tx); err != nil {
				return err
			}
		}
		return f.flush()
	})
	return n, err
}

// decide moves inv from IN_QUEUE (through IN_PROCESSING) to CREATED or
// FAILED: v's findings, then the rules on the register (the seller and
// the customers in it; VAT of a seller that is not a VAT payer; the
// certificate of the seller's kind), the related invoice of a fixed or
// additional one, and an injected error (which alone decides).
func (s *Server) decide(r *request, f *feeds, inv *storedInvoice, v verdict) error {
	errs := v.errs
	seller, err := s.Service().Taxpayer(r.ctx, inv.Seller)
	inRegister := err == nil
	if err != nil && !errors.Is(err, esfreg.ErrNotFound) && !errors.Is(err, esfreg.ErrTaxpayerNotFound) {
		return err
	}
	if !inRegister {
		errs = append(errs, invErr(InvCodeSellerNotInRegister, "/invoice/sellers/seller/tin"))
	} else {
		inv.KOGD = seller.KOGD
		if c := v.cert; c != nil {
			switch {
			case seller.IsLegalEntity() && (c.Holder != certs.HolderLegalEntity || c.BIN != inv.Seller):
				errs = append(errs, invErr(InvCodeCertNotForEnterprise, "x509Certificate"))
			case !seller.IsLegalEntity() && c.Holder == certs.HolderLegalEntity:
				errs = append(errs, invErr(InvCodeCertNotForPrivate, "x509Certificate"))
			}
		}
		if v.body != nil && seller.CertificateNum == "" {
			rate, amount := vatCharged(v.body)
			if rate {
				errs = append(errs, invErr(InvCodeNDSRateForNotPayer, "/invoice/productSet/products/product/ndsRate"))
			}
			if amount {
				errs = append(errs, invErr(InvCodeNDSAmountForNotPayer, "/invoice/productSet/products/product/ndsAmount"))
			}
		}
	}
	for _, c := range inv.Customers {
		if _, err := s.Service().Taxpayer(r.ctx, c); err != nil {
			if !errors.Is(err, esfreg.ErrNotFound) && !errors.Is(err, esfreg.ErrTaxpayerNotFound) {
				return err
			}
			errs = append(errs, invErr(InvCodeCustomerNotInRegister, "/invoice/customers/customer/tin"))
			break
		}
	}
	var parent *storedInvoice
	if inv.Type != invoice.OrdinaryInvoice {
		if parent, err = relatedInvoice(r, inv); err != nil {
			return err
		}
		if parent == nil {
			errs = append(errs, invErr(InvCodeRelatedInvoiceNotFound, "/invoice/relatedInvoice"))
		}
	}
	if inv.Injected != nil {
		errs = []invoicesvc.Error{*inv.Injected}
	}
	inv.SignatureValid = v.sigValid
	// The IN_PROCESSING the invoice showed (at QueueUntil, or now when the
	// control API ran the step before).
	at := inv.QueueUntil
	if r.now.Before(at) {
		at = r.now
	}
	if at.Before(inv.InputDate) {
		at = inv.InputDate
	}
	inv.History = append(inv.History, historyEntry{Status: StatusInProcessing, At: at, Description: statusText[StatusInProcessing]})
	if len(errs) > 0 {
		inv.Errors, inv.CancelReason = errs, errs[0].ErrorCode
		// The number and date are free again.
		var holder int64
		numKey := inv.Seller + "/" + inv.Date + "/" + inv.Num
		if err := getJSON(r.tx, kindInvoiceNum, numKey, &holder); err == nil && holder == inv.ID {
			if err := r.tx.DeleteRecord(kindInvoiceNum, numKey); err != nil {
				return err
			}
		} else if err != nil && !errors.Is(err, esfreg.ErrNotFound) {
			return err
		}
		return f.change(inv, []string{party(inv.Seller, invoicesvc.DirectionOutbound)}, StatusFailed, r.now, "", "")
	}
	reg, err := s.registrationNumber(r, inv)
	if err != nil {
		return err
	}
	inv.RegistrationNumber = reg
	for _, c := range inv.Customers {
		if err := indexInvoice(r.tx, inv, party(c, invoicesvc.DirectionInbound)); err != nil {
			return err
		}
	}
	if err := f.change(inv, allParties(inv), StatusCreated, r.now, "", ""); err != nil {
		return err
	}
	// A fixed invoice replaces its parent: the parent, registered and not
	// yet revoked or declined, is CANCELED, and both parties see it.
	if inv.Type == invoice.FixedInvoice && parent != nil && (parent.Status == StatusCreated || parent.Status == StatusDelivered) {
		return f.change(parent, allParties(parent), StatusCanceled, r.now, "", "")
	}
	return nil
}

// relatedInvoice returns a fixed or additional invoice's related invoice,
// a registered invoice of the same seller — found by its registration
// number when given, else by its number and date — or nil.
func relatedInvoice(r *request, inv *storedInvoice) (*storedInvoice, error) {
	rel := inv.Related
	if rel == nil {
		return nil, nil
	}
	var ids []int64
	if rel.RegistrationNumber != "" {
		var id int64
		switch err := getJSON(r.tx, kindInvoiceReg, rel.RegistrationNumber, &id); {
		case errors.Is(err, esfreg.ErrNotFound):
		case err != nil:
			return nil, err
		default:
			ids = append(ids, id)
		}
	} else {
		owner := party(inv.Seller, invoicesvc.DirectionOutbound) + "/" + rel.Date + "/" + rel.Num
		recs, err := r.tx.RecordsOf(kindInvoiceKey, owner)
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			var id int64
			if err := jsonUnmarshal(rec.Data, &id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		parent, err := getInvoice(r.tx, id)
		if err != nil {
			return nil, err
		}
		if parent != nil && parent.Seller == inv.Seller && parent.RegistrationNumber != "" && parent.ID != inv.ID {
			return parent, nil
		}
	}
	return nil, nil
}

// registrationNumber gives inv its registration number, ESF's form
// ESF-<the seller's TIN>-<yyyyMMdd of the input date, Almaty>-<8 digits>
// (docs/esf-invoice-api.md §4); the digits are random (Options.Rand),
// unique by kindInvoiceReg.
func (s *Server) registrationNumber(r *request, inv *storedInvoice) (string, error) {
	prefix := "ESF-" + inv.Seller + "-" + inv.InputDate.In(esfreg.Almaty).Format("20060102") + "-"
	for range 100 {
		var b [8]byte
		if _, err := io.ReadFull(s.rand, b[:]); err != nil {
			return "", fmt.Errorf("mockserver: random: %w", err)
		}
		n := new(big.Int).SetBytes(b[:])
		reg := prefix + fmt.Sprintf("%08d", n.Mod(n, big.NewInt(100_000_000)).Int64())
		switch err := insertJSON(r.tx, kindInvoiceReg, reg, inv.Seller, time.Time{}, inv.ID); {
		case err == nil:
			return reg, nil
		case !errors.Is(err, esfreg.ErrExists):
			return "", err
		}
	}
	return "", errors.New("mockserver: no free registration number after 100 draws")
}
