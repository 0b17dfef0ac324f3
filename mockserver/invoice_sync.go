package mockserver

import (
	"context"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/invoice"
	"github.com/esfkit/esf/mockserver/internal/soap"
	"github.com/esfkit/esf/mockserver/internal/soap/invoicesvc"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// upload is one invoice of a syncInvoice request as its checks at once
// left it.
type upload struct {
	info invoicesvc.UploadInfo
	inv  *invoice.Invoice   // nil when the body did not parse
	errs []invoicesvc.Error // the checks' refusals: declined
	num  string
	date string
}

// firstNum and firstDate find a body's number and date when it does not
// parse, for the declined item's num and date (required elements).
var (
	firstNum  = regexp.MustCompile(`<num>([^<]{0,64})</num>`)
	firstDate = regexp.MustCompile(`<date>([^<]{0,64})</date>`)
)

// checkUpload runs syncInvoice's checks at once on one invoice: the
// version, the signature's form, its type against the certificate's
// (invoice.SignatureType), and the body against the XSD (invoice.Parse,
// which runs invoice.Check).
func checkUpload(u invoicesvc.UploadInfo, cert *certs.Certificate) upload {
	out := upload{info: u}
	if u.Version != invoice.Version {
		out.errs = append(out.errs, invErr(InvCodeInvalidVersion, "version"))
	}
	sig := strings.Join(strings.Fields(u.Signature), "")
	if _, err := base64.StdEncoding.DecodeString(sig); sig == "" || err != nil {
		out.errs = append(out.errs, invErr(InvCodeSignatureFormat, "signature"))
	}
	if u.SignatureType != invoice.SignatureType(cert) {
		e := invErr(InvCodeFieldInvalid, "signatureType")
		e.Text = "Тип подписи " + u.SignatureType + " не соответствует сертификату: ожидается " + invoice.SignatureType(cert)
		out.errs = append(out.errs, e)
	}
	inv, err := invoice.Parse([]byte(u.Body))
	if err != nil {
		out.errs = append(out.errs, checkErrors(err)...)
		if m := firstNum.FindStringSubmatch(u.Body); m != nil {
			out.num = m[1]
		}
		if m := firstDate.FindStringSubmatch(u.Body); m != nil {
			out.date = m[1]
		}
		return out
	}
	out.inv, out.num, out.date = inv, inv.Num, inv.Date
	if _, err := parseInvoiceDate(inv.Date); err != nil {
		out.errs = append(out.errs, invoicesvc.Error{ErrorCode: InvCodeFieldInvalid, Property: "/invoice/date", Text: "Дата выписки не в формате дд.ММ.гггг"})
	}
	return out
}

// opSyncInvoice answers UploadInvoiceService.syncInvoice: every invoice
// goes through the checks at once (checkUpload, then the seller against
// the session's TIN and the uniqueness of its number and date); those
// that pass are stored IN_QUEUE with an id (acceptedSet) for the
// processing step, the others are declined with ESF's codes.
func (s *Server) opSyncInvoice(ctx context.Context, v any) (soap.Field, error) {
	q := v.(*invoicesvc.SyncRequest)
	cert, err := parseCertField(strings.TrimSpace(q.Certificate))
	if err != nil {
		return soap.Field{}, err
	}
	ups := make([]upload, len(q.Invoices))
	for i, u := range q.Invoices {
		ups[i] = checkUpload(u, cert)
	}
	var accepted, declined []invoicesvc.Standard
	err = s.invoiceOp(ctx, q.SessionID, true, func(r *request, c caller) error {
		if !c.issuer() {
			e := newError(CodeAccessDenied, "sessionId")
			e.Message = "Профиль " + string(c.profile) + " не может выписывать ЭСФ"
			return e
		}
		var err error
		accepted, declined, err = s.storeUploads(r, c, ups, q.Certificate)
		return err
	})
	if err != nil {
		return soap.Field{}, err
	}
	return invoicesvc.SyncResponse(accepted, declined), nil
}

// storeUploads stores the invoices that pass the checks of the
// transaction (the seller, the number's uniqueness, an injected error).
func (s *Server) storeUploads(r *request, c caller, ups []upload, certText string) (accepted, declined []invoicesvc.Standard, err error) {
	timing, err := invoiceTiming(r.tx)
	if err != nil {
		return nil, nil, err
	}
	inj, err := newInjections(r.tx)
	if err != nil {
		return nil, nil, err
	}
	var lastID int64
	if err := getJSON(r.tx, kindInvoiceSetting, settingInvoiceSeq, &lastID); err != nil && !errors.Is(err, esfreg.ErrNotFound) {
		return nil, nil, err
	}
	f := newFeeds(r.tx)
	slots := map[string]bool{}
	now := r.now
	for _, u := range ups {
		errs := u.errs
		if len(errs) == 0 && !sellerIs(u.inv, c.tin()) {
			errs = append(errs, invErr(InvCodeSellerNotSessionTIN, "/invoice/sellers/seller/tin"))
		}
		var injected *injection
		if len(errs) == 0 {
			injected = inj.next(c.tin())
			if injected != nil && injected.Stage == InjectAtSync {
				errs = append(errs, injected.Error)
				inj.use(injected)
			}
		}
		if len(errs) == 0 {
			id := invoiceIDBase + lastID + 1
			numKey := c.tin() + "/" + u.inv.Date + "/" + u.inv.Num
			err := insertJSON(r.tx, kindInvoiceNum, numKey, c.tin(), time.Time{}, id)
			if errors.Is(err, esfreg.ErrExists) {
				errs = append(errs, invErr(InvCodeNotUniqueNumberAndDay, "/invoice/num"))
			} else if err != nil {
				return nil, nil, err
			} else {
				lastID++
				inv := &storedInvoice{ID: id, Body: u.info.Body, Version: u.info.Version, Signature: u.info.Signature,
					SignatureType: u.info.SignatureType, Certificate: certText, Num: u.inv.Num, Date: u.inv.Date,
					Type: u.inv.InvoiceType, Related: u.inv.RelatedInvoice, Seller: c.tin(), Customers: distinct(u.inv.CustomerTINs()),
					UploaderIIN: c.sess.IIN, Feed: map[string]int64{}, FeedFirst: map[string]int64{}}
				if injected != nil {
					inv.Injected = &injected.Error
					inj.use(injected)
				}
				seller := []string{party(c.tin(), invoicesvc.DirectionOutbound)}
				t, err := f.eventTime(seller, id, now)
				if err != nil {
					return nil, nil, err
				}
				// Due on the mock's clock: t may be a millisecond ahead of it.
				inv.InputDate = t
				inv.QueueUntil = now.Add(max(timing.Queue, 0))
				inv.Due = inv.QueueUntil.Add(max(timing.Processing, 0))
				if err := f.change(inv, seller, StatusInQueue, now, c.sess.IIN, c.tin()); err != nil {
					return nil, nil, err
				}
				if err := putInvoiceBody(r.tx, inv); err != nil {
					return nil, nil, err
				}
				if err := indexInvoice(r.tx, inv, seller[0]); err != nil {
					return nil, nil, err
				}
				slot, err := enqueue(r.tx, inv.ID, inv.Due)
				if err != nil {
					return nil, nil, err
				}
				slots[slot] = true
				accepted = append(accepted, invoicesvc.Standard{ID: id, Num: u.num, Date: u.date})
				continue
			}
		}
		declined = append(declined, invoicesvc.Standard{Errors: errs, Num: u.num, Date: u.date})
	}
	if err := putJSON(r.tx, kindInvoiceSetting, settingInvoiceSeq, "", time.Time{}, lastID); err != nil {
		return nil, nil, err
	}
	for slot := range slots {
		if err := r.tx.PutRecord(kindInvoiceSlot, mockstore.Record{Key: slot, Data: []byte("1")}); err != nil {
			return nil, nil, err
		}
		if err := lowerNextDue(r.tx, slot); err != nil {
			return nil, nil, err
		}
	}
	if err := inj.flush(); err != nil {
		return nil, nil, err
	}
	return accepted, declined, f.flush()
}

// sellerIs reports whether tin is one of inv's sellers.
func sellerIs(inv *invoice.Invoice, tin string) bool {
	for _, t := range inv.SellerTINs() {
		if t == tin {
			return true
		}
	}
	return false
}

func distinct(list []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// indexInvoice writes the lookups of inv for party p: by date and number,
// and by month of issue.
func indexInvoice(tx mockstore.Records, inv *storedInvoice, p string) error {
	owner := p + "/" + inv.Date + "/" + inv.Num
	if err := putJSON(tx, kindInvoiceKey, owner+"/"+idKey(inv.ID), owner, time.Time{}, inv.ID); err != nil {
		return err
	}
	d, err := parseInvoiceDate(inv.Date)
	if err != nil {
		return err
	}
	return putJSON(tx, kindInvoiceMonth, p+"/"+d.Format("2006-01-02")+"/"+idKey(inv.ID), p+"/"+d.Format("2006-01"), time.Time{}, inv.ID)
}
