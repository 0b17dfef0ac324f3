package mockserver

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/internal/soap"
	"github.com/esfkit/esf/mockserver/internal/soap/invoicesvc"
)

// invoiceOps are the operations of InvoiceService or UploadInvoiceService
// (service), by request element: each checks the request against KGD's
// schema (invoicesvc.Parse) and answers a mismatch with the soap:Client
// fault CXF's validation gives.
func (s *Server) invoiceOps(service string) map[string]soapOp {
	handlers := map[string]func(context.Context, any) (soap.Field, error){
		"queryInvoiceRequest":             s.opQueryInvoice,
		"queryInvoiceByIdRequest":         s.opQueryInvoiceByID,
		"queryInvoiceByKeyRequest":        s.opQueryInvoiceByKey,
		"queryInvoiceSummaryByIdRequest":  s.opSummaryByID,
		"queryInvoiceSummaryByKeyRequest": s.opSummaryByKey,
		"queryInvoiceErrorByIdRequest":    s.opErrorByID,
		"queryInvoiceHistoryByIdRequest":  s.opHistoryByID,
		"queryUpdatesRequest":             s.opQueryUpdates,
		"confirmInvoiceByIdRequest":       s.opConfirm,
		"revokeInvoiceByIdRequest":        s.changeOp(changeRevoke),
		"unrevokeInvoiceByIdRequest":      s.changeOp(changeUnrevoke),
		"declineInvoiceByIdRequest":       s.changeOp(changeDecline),
		"deleteInvoiceByIdRequest":        s.opDelete,
		"enterpriseValidationRequest":     s.opEnterpriseValidation,
		"syncInvoiceRequest":              s.opSyncInvoice,
	}
	ops := map[string]soapOp{}
	for _, name := range invoicesvc.Operations(service) {
		h := handlers[name]
		ops[name] = func(ctx context.Context, req *soap.Request) (soap.Field, error) {
			v, err := invoicesvc.Parse(&req.Body)
			if err != nil {
				return soap.Field{}, clientFault{err}
			}
			f, err := h(ctx, v)
			var ae *apiError
			if errors.As(err, &ae) && ae.Code == CodeSessionClosed {
				// ESF's faultstring on the invoice services (§5.1).
				err = faultText{err: err, text: SessionClosedText}
			}
			return f, err
		}
	}
	return ops
}

// SessionClosedText is the faultstring of ESF's sessionClosedException on
// the invoice services (docs/esf-invoice-api.md §5.1).
const SessionClosedText = "No open session associated with user."

// faultText is an error whose fault carries text as its faultstring
// instead of the bare code.
type faultText struct {
	err  error
	text string
}

func (f faultText) Error() string { return f.err.Error() }
func (f faultText) Unwrap() error { return f.err }

// clientFault is a request the schema refuses: a soap:Client fault whose
// faultstring is CXF's "Unmarshalling Error: " and Xerces's message.
type clientFault struct{ err error }

func (c clientFault) Error() string { return "Unmarshalling Error: " + c.err.Error() }
func (c clientFault) Unwrap() error { return c.err }

// Issuing profiles: a session of one of these may upload, revoke and
// delete invoices; an INDIVIDUAL one (a person, not a taxpayer acting in
// business) only reads and answers as a customer.
var issuingProfiles = map[esfreg.ProfileType]bool{
	esfreg.ProfileAdminEnterprise: true, esfreg.ProfileUser: true,
	esfreg.ProfileEntrepreneur: true, esfreg.ProfileEntrepreneurUser: true,
	esfreg.ProfileLawyer: true, esfreg.ProfileBailiff: true, esfreg.ProfileMediator: true, esfreg.ProfileNotary: true,
	esfreg.ProfileLawyerUser: true, esfreg.ProfileBailiffUser: true, esfreg.ProfileMediatorUser: true, esfreg.ProfileNotaryUser: true,
}

// caller is who calls an invoice operation: the session, and the profile
// it acts in.
type caller struct {
	sess    *Session
	profile esfreg.ProfileType
}

func (c caller) tin() string  { return c.sess.TIN }
func (c caller) issuer() bool { return issuingProfiles[c.profile] }

// errSessionStale: the session's use is to be recorded, which a read-only
// transaction cannot do; invoiceOp runs the operation again in one that
// writes.
var errSessionStale = errors.New("mockserver: session use to record")

// errStepDue: the processing step has invoices due; invoiceOp runs it,
// then the operation again.
var errStepDue = errors.New("mockserver: invoices due for processing")

// invoiceCaller checks the session an invoice operation names: open, its
// use recorded (at most once per sessionUseGrain, as every session call),
// its user's account and the profile it was opened in still active.
func (s *Server) invoiceCaller(r *request, id string, write bool) (caller, error) {
	sess, err := getSession(r, strings.TrimSpace(id))
	if err != nil {
		return caller{}, err
	}
	if sess == nil || sess.Closed || r.now.Sub(sess.LastUsed) >= DefaultSessionIdle {
		if sess != nil && !sess.Closed && write {
			if err := s.closeSession(r, sess.ID); err != nil {
				return caller{}, err
			}
			return caller{}, keep{newError(CodeSessionClosed, "sessionId")}
		}
		return caller{}, newError(CodeSessionClosed, "sessionId")
	}
	if r.now.Sub(sess.LastUsed) >= sessionUseGrain || r.now.Before(sess.LastUsed) {
		if !write {
			return caller{}, errSessionStale
		}
		sess.LastUsed = r.now
		if err := s.putSession(r, sess); err != nil {
			return caller{}, err
		}
	}
	acct, err := s.Service().Account(r.ctx, sess.IIN)
	if errors.Is(err, esfreg.ErrNotFound) {
		return caller{}, newError(CodeAccessDenied, "sessionId")
	}
	if err != nil {
		return caller{}, err
	}
	if acct.Status != esfreg.StatusActive {
		return caller{}, newError(CodeAccessDenied, "sessionId")
	}
	for _, p := range acct.Profiles {
		if p.TIN == sess.TIN && (sess.ProfileType == "" || p.Type == sess.ProfileType) && p.Active() {
			return caller{sess: sess, profile: p.Type}, nil
		}
	}
	return caller{}, newError(CodeAccessDenied, "sessionId")
}

// invoiceOp runs fn for an invoice operation in one transaction (one that
// writes when write is set, or when the session's use is to be
// recorded), with the caller of session id. When the processing step has
// invoices due it runs first, so that what fn reads is up to date.
func (s *Server) invoiceOp(ctx context.Context, id string, write bool, fn func(r *request, c caller) error) error {
	stepped := false
	for {
		run := s.view
		if write {
			run = s.update
		}
		err := run(ctx, func(r *request) error {
			if !stepped {
				if due, err := invoicesDue(r); err != nil {
					return err
				} else if due {
					return errStepDue
				}
			}
			c, err := s.invoiceCaller(r, id, write)
			if err != nil {
				return err
			}
			return fn(r, c)
		})
		switch {
		case errors.Is(err, errStepDue):
			stepped = true
			if _, err := s.stepInvoices(ctx, false); err != nil {
				return err
			}
		case errors.Is(err, errSessionStale) && !write:
			write = true
		default:
			return err
		}
	}
}

// visible reads the invoices of ids (each once, in the request's order)
// that c's taxpayer sees.
func visible(r *request, c caller, ids []int64) ([]*storedInvoice, error) {
	var out []*storedInvoice
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		inv, err := getInvoice(r.tx, id)
		if err != nil {
			return nil, err
		}
		if inv != nil && inv.visibleTo(c.tin()) {
			out = append(out, inv)
		}
	}
	return out, nil
}

// opQueryInvoiceByID answers queryInvoiceById: the invoices the session's
// taxpayer sees, with their bodies; ids it does not see are left out.
func (s *Server) opQueryInvoiceByID(ctx context.Context, v any) (soap.Field, error) {
	q := v.(*invoicesvc.IDsRequest)
	infos, err := eachInvoice(ctx, s, q.SessionID, byIDs(q.IDs), infoWithBody)
	if err != nil {
		return soap.Field{}, err
	}
	return invoicesvc.QueryResponse("queryInvoiceByIdResponse", true, 0, infos), nil
}

// opSummaryByID answers queryInvoiceSummaryById.
func (s *Server) opSummaryByID(ctx context.Context, v any) (soap.Field, error) {
	q := v.(*invoicesvc.IDsRequest)
	list, err := eachInvoice(ctx, s, q.SessionID, byIDs(q.IDs), summaryOf)
	if err != nil {
		return soap.Field{}, err
	}
	return invoicesvc.SummaryResponse("queryInvoiceSummaryByIdResponse", list), nil
}

// opErrorByID answers queryInvoiceErrorById: the processing step's errors
// of each invoice (none for one that did not fail).
func (s *Server) opErrorByID(ctx context.Context, v any) (soap.Field, error) {
	q := v.(*invoicesvc.IDsRequest)
	list, err := eachInvoice(ctx, s, q.SessionID, byIDs(q.IDs), func(_ *request, inv *storedInvoice) (invoicesvc.InvoiceError, error) {
		return invoicesvc.InvoiceError{ID: inv.ID, Errors: inv.Errors}, nil
	})
	if err != nil {
		return soap.Field{}, err
	}
	return invoicesvc.ErrorResponse(list), nil
}

// opHistoryByID answers queryInvoiceHistoryById.
func (s *Server) opHistoryByID(ctx context.Context, v any) (soap.Field, error) {
	q := v.(*invoicesvc.IDsRequest)
	var list []invoicesvc.History
	err := s.invoiceOp(ctx, q.SessionID, false, func(r *request, c caller) error {
		invs, err := visible(r, c, q.IDs)
		list = list[:0]
		for _, inv := range invs {
			list = append(list, inv.history(r.now)...)
		}
		return err
	})
	if err != nil {
		return soap.Field{}, err
	}
	return invoicesvc.HistoryResponse(list), nil
}

// byKey reads the invoices of keys in direction that c's taxpayer sees.
func byKey(r *request, c caller, keys []invoicesvc.Key, direction string) ([]*storedInvoice, error) {
	var ids []int64
	for _, k := range keys {
		recs, err := r.tx.RecordsOf(kindInvoiceKey, party(c.tin(), direction)+"/"+strings.TrimSpace(k.Date)+"/"+strings.TrimSpace(k.Num))
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
	return visible(r, c, ids)
}

// opQueryInvoiceByKey answers queryInvoiceByKey: by date of issue and
// number, the session's taxpayer the seller (OUTBOUND) or a customer
// (INBOUND).
func (s *Server) opQueryInvoiceByKey(ctx context.Context, v any) (soap.Field, error) {
	q := v.(*invoicesvc.KeyRequest)
	infos, err := eachInvoice(ctx, s, q.SessionID, byKeys(q.Keys, q.Direction), infoWithBody)
	if err != nil {
		return soap.Field{}, err
	}
	return invoicesvc.QueryResponse("queryInvoiceByKeyResponse", true, 0, infos), nil
}

// opSummaryByKey answers queryInvoiceSummaryByKey.
func (s *Server) opSummaryByKey(ctx context.Context, v any) (soap.Field, error) {
	q := v.(*invoicesvc.KeyRequest)
	list, err := eachInvoice(ctx, s, q.SessionID, byKeys(q.Keys, q.Direction), summaryOf)
	if err != nil {
		return soap.Field{}, err
	}
	return invoicesvc.SummaryResponse("queryInvoiceSummaryByKeyResponse", list), nil
}

// eachInvoice answers a query of invoices in the session's transaction:
// find picks the invoices the caller sees, each makes one item of the
// answer of each, in order.
func eachInvoice[T any](ctx context.Context, s *Server, session string, find func(*request, caller) ([]*storedInvoice, error),
	each func(*request, *storedInvoice) (T, error)) ([]T, error) {
	var out []T
	err := s.invoiceOp(ctx, session, false, func(r *request, c caller) error {
		invs, err := find(r, c)
		out = out[:0]
		for _, inv := range invs {
			v, err := each(r, inv)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return err
	})
	return out, err
}

// byIDs finds the invoices of ids the caller sees.
func byIDs(ids []int64) func(*request, caller) ([]*storedInvoice, error) {
	return func(r *request, c caller) ([]*storedInvoice, error) { return visible(r, c, ids) }
}

// byKeys finds the invoices of keys the caller sees in direction.
func byKeys(keys []invoicesvc.Key, direction string) func(*request, caller) ([]*storedInvoice, error) {
	return func(r *request, c caller) ([]*storedInvoice, error) { return byKey(r, c, keys, direction) }
}

// infoWithBody is an invoice's info with its body, signature and
// certificate.
func infoWithBody(r *request, inv *storedInvoice) (invoicesvc.Info, error) {
	if err := withBody(r.tx, inv); err != nil {
		return invoicesvc.Info{}, err
	}
	return inv.info(r.now, true), nil
}

// summaryOf is an invoice's summary.
func summaryOf(r *request, inv *storedInvoice) (invoicesvc.Summary, error) {
	return inv.summary(r.now), nil
}

// queryUpdates's limits (ESF's are not published): a page of
// DefaultUpdatesLimit invoices when limit is left out (or not positive),
// at most MaxUpdatesLimit whatever it asks.
const (
	DefaultUpdatesLimit = 100
	MaxUpdatesLimit     = 1000
)

// opQueryUpdates answers queryUpdates: a page of the session's taxpayer's
// feed in direction after the cursor (invoice_feed.go). With
// fullInfoOnStatusChange false an invoice that is not new to the feed (a
// change of status) comes without its body, signature and certificate.
func (s *Server) opQueryUpdates(ctx context.Context, v any) (soap.Field, error) {
	q := v.(*invoicesvc.UpdatesRequest)
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultUpdatesLimit
	}
	limit = min(limit, MaxUpdatesLimit)
	var page feedPage
	var infos []invoicesvc.Info
	err := s.invoiceOp(ctx, q.SessionID, false, func(r *request, c caller) error {
		var err error
		page, err = readFeed(r.tx, party(c.tin(), q.Direction), q.LastEventDate.UnixMilli(), q.LastInvoiceID, limit)
		if err != nil {
			return err
		}
		infos = infos[:0]
		for i, inv := range page.invoices {
			full := q.FullInfo || page.fresh[i]
			if full {
				if err := withBody(r.tx, inv); err != nil {
					return err
				}
			}
			infos = append(infos, inv.info(r.now, full))
		}
		return nil
	})
	if err != nil {
		return soap.Field{}, err
	}
	last, lastID := q.LastEventDate, q.LastInvoiceID
	if page.lastT != 0 || page.lastID != 0 {
		last, lastID = time.UnixMilli(page.lastT), page.lastID
	}
	return invoicesvc.UpdatesResponse(last, lastID, page.lastBlock, infos), nil
}

// QueryInvoicePageSize is how many invoices a page of queryInvoice holds
// (ESF's page size is not published).
const QueryInvoicePageSize = 100

// queryInvoiceOrders are the orderBy values queryInvoice sorts by (ESF's
// are not published); anything else, or none, is inputDate.
var queryInvoiceOrders = map[string]func(a, b *storedInvoice) int{
	"inputDate":          func(a, b *storedInvoice) int { return a.InputDate.Compare(b.InputDate) },
	"lastUpdateDate":     func(a, b *storedInvoice) int { return a.LastUpdate.Compare(b.LastUpdate) },
	"num":                func(a, b *storedInvoice) int { return strings.Compare(a.Num, b.Num) },
	"registrationNumber": func(a, b *storedInvoice) int { return strings.Compare(a.RegistrationNumber, b.RegistrationNumber) },
	"invoiceId":          func(a, b *storedInvoice) int { return 0 },
	"date": func(a, b *storedInvoice) int {
		da, _ := parseInvoiceDate(a.Date)
		db, _ := parseInvoiceDate(b.Date)
		return da.Compare(db)
	},
}

// quarterText is the real server's refusal of a period over a quarter
// (docs/esf-invoice-api.md §5.1).
const quarterText = "Можно получить список СФ за период не более 1 квартала"

// opQueryInvoice answers queryInvoice: the session's taxpayer's invoices
// in direction whose date of issue is in [dateFrom, dateTo] — a period of
// at most a quarter (three months) — filtered by the other criteria,
// sorted, QueryInvoicePageSize a page. Pages count from 0, as the one
// answer seen from the real service suggests (no pageNum: currPage 0):
// no pageNum (or a negative one) is page 0, and currPage is the page
// served.
func (s *Server) opQueryInvoice(ctx context.Context, v any) (soap.Field, error) {
	q := v.(*invoicesvc.QueryRequest)
	cr := q.Criteria
	from, to := cr.DateFrom.In(esfreg.Almaty), cr.DateTo.In(esfreg.Almaty)
	if to.Before(from) {
		e := newError(CodeWrongDate, "criteria/dateTo")
		e.Message = "Дата окончания периода раньше даты начала"
		return soap.Field{}, e
	}
	if to.After(from.AddDate(0, 3, 0)) {
		e := newError(CodeWrongDate, "criteria/dateTo")
		e.Message = quarterText
		return soap.Field{}, e
	}
	page := max(cr.PageNum, 0)
	var rows []invoicesvc.Info
	last := true
	err := s.invoiceOp(ctx, q.SessionID, false, func(r *request, c caller) error {
		p := party(c.tin(), cr.Direction)
		var found []*storedInvoice
		for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, esfreg.Almaty); !m.After(to); m = m.AddDate(0, 1, 0) {
			recs, err := r.tx.RecordsOf(kindInvoiceMonth, p+"/"+m.Format("2006-01"))
			if err != nil {
				return err
			}
			for _, rec := range recs {
				var id int64
				if err := jsonUnmarshal(rec.Data, &id); err != nil {
					return err
				}
				inv, err := getInvoice(r.tx, id)
				if err != nil {
					return err
				}
				if inv != nil && inv.visibleTo(c.tin()) && matches(inv, cr, from, to, r.now) {
					found = append(found, inv)
				}
			}
		}
		cmp := queryInvoiceOrders[cr.OrderBy]
		if cmp == nil {
			cmp = queryInvoiceOrders["inputDate"]
		}
		sort.SliceStable(found, func(i, j int) bool {
			c := cmp(found[i], found[j])
			if c == 0 {
				c = cmpInt(found[i].ID, found[j].ID)
			}
			if cr.Asc {
				return c < 0
			}
			return c > 0
		})
		start := page * QueryInvoicePageSize
		rows = rows[:0]
		for i := start; i < len(found) && i < start+QueryInvoicePageSize; i++ {
			if err := withBody(r.tx, found[i]); err != nil {
				return err
			}
			rows = append(rows, found[i].info(r.now, true))
		}
		last = start+QueryInvoicePageSize >= len(found)
		return nil
	})
	if err != nil {
		return soap.Field{}, err
	}
	return invoicesvc.QueryResponse("queryInvoiceResponse", last, page, rows), nil
}

// matches reports whether inv meets queryInvoice's criteria.
func matches(inv *storedInvoice, cr invoicesvc.Criteria, from, to, now time.Time) bool {
	d, err := parseInvoiceDate(inv.Date)
	if err != nil || d.Before(time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, esfreg.Almaty)) || d.After(to) {
		return false
	}
	if t := cr.ContragentTIN; t != "" {
		if cr.Direction == invoicesvc.DirectionOutbound && !inv.isCustomer(t) || cr.Direction == invoicesvc.DirectionInbound && inv.Seller != t {
			return false
		}
	}
	if !cr.LastUpdateDateFrom.IsZero() && inv.LastUpdate.Before(cr.LastUpdateDateFrom) {
		return false
	}
	if !cr.LastUpdateTo.IsZero() && inv.LastUpdate.After(cr.LastUpdateTo) {
		return false
	}
	if len(cr.Statuses) > 0 {
		st := inv.statusAt(now)
		ok := false
		for _, s := range cr.Statuses {
			ok = ok || s == st
		}
		if !ok {
			return false
		}
	}
	return cr.InvoiceType == "" || string(inv.Type) == cr.InvoiceType
}

// opEnterpriseValidation answers enterpriseValidation: each key against
// the register (the mock has no bank directory: a BIK that is not eight
// capital letters or digits is BANK_NOT_FOUND, and a BIK and an IIK go
// together).
func (s *Server) opEnterpriseValidation(ctx context.Context, v any) (soap.Field, error) {
	q := v.(*invoicesvc.EnterpriseRequest)
	var list []invoicesvc.EnterpriseResult
	err := s.invoiceOp(ctx, q.SessionID, false, func(r *request, _ caller) error {
		list = list[:0]
		for _, k := range q.Keys {
			list = append(list, invoicesvc.EnterpriseResult{TIN: k.TIN, ResultType: s.validateEnterprise(r, k)})
		}
		return nil
	})
	if err != nil {
		return soap.Field{}, err
	}
	return invoicesvc.EnterpriseResponse(list), nil
}

func (s *Server) validateEnterprise(r *request, k invoicesvc.EnterpriseKey) string {
	tp, err := s.Service().Taxpayer(r.ctx, strings.TrimSpace(k.TIN))
	switch {
	case err != nil:
		return "TIN_ABSENT"
	case tp.CertificateSeries == "" || tp.CertificateSeries != strings.TrimSpace(k.CertificateSeries) ||
		tp.CertificateNum != strings.TrimSpace(k.CertificateNum):
		return "CERTIFICATE_SERIES_OR_CERTIFICATE_NUM_ABSENT"
	}
	bik, iik := strings.TrimSpace(k.BIK), strings.TrimSpace(k.IIK)
	switch {
	case bik == "" && iik != "":
		return "BIK_ABSENT"
	case bik != "" && !bikPattern(bik):
		return "BANK_NOT_FOUND"
	case bik != "" && iik == "":
		return "IIK_ABSENT"
	}
	return "SUCCESS"
}

func bikPattern(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
