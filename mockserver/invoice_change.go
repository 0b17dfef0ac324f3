package mockserver

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/invoice"
	"github.com/esfkit/esf/mockserver/internal/soap"
	"github.com/esfkit/esf/mockserver/internal/soap/invoicesvc"
)

// A change of status a user asks for: who may ask it, for which types of
// invoice and from which statuses, and where it leads. ESF states the
// types and the statuses in its WSDL (docs/esf-invoice-api.md §1.1, §4):
// revoke only an ORDINARY_INVOICE, decline only a FIXED_INVOICE or an
// ADDITIONAL_INVOICE, unrevoke only from REVOKED.
type change struct {
	// element is the response element.
	element string
	// bySeller: the invoice's seller asks; else one of its customers.
	bySeller bool
	// types allowed (nil: any); from: the statuses it starts from.
	types []invoice.InvoiceType
	from  []string
	to    string
}

var (
	changeRevoke = change{element: "revokeInvoiceByIdResponse", bySeller: true,
		types: []invoice.InvoiceType{invoice.OrdinaryInvoice}, from: []string{StatusCreated, StatusDelivered}, to: StatusRevoked}
	changeUnrevoke = change{element: "unrevokeInvoiceByIdResponse",
		from: []string{StatusRevoked}, to: StatusDelivered}
	changeDecline = change{element: "declineInvoiceByIdResponse",
		types: []invoice.InvoiceType{invoice.FixedInvoice, invoice.AdditionalInvoice}, from: []string{StatusCreated, StatusDelivered}, to: StatusDeclined}
)

// refusal is the errorCode a change of inv by tin gets, or "" when it is
// allowed.
func (ch change) refusal(inv *storedInvoice, tin string) string {
	switch {
	case inv == nil || !inv.visibleTo(tin):
		return InvCodeInvoiceNotFound
	case ch.bySeller && inv.Seller != tin, !ch.bySeller && !inv.isCustomer(tin):
		return InvCodeAccessDenied
	case ch.types != nil && !contains(ch.types, inv.Type):
		return InvCodeWrongType
	case !contains(ch.from, inv.Status):
		return InvCodeWrongStatus
	}
	return ""
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// signedBy checks the one signature of a status change over content with
// the request's certificate: "" when it verifies, else the errorCode each
// item gets. The signer's key must be the session user's own signing key
// (checkSigner, in the transaction).
func signedBy(content []byte, signature, certText string) (*certs.Certificate, string) {
	cert, err := parseCertField(strings.TrimSpace(certText))
	if err != nil {
		return nil, InvCodeCertificateInvalidFormat
	}
	switch err := invoice.VerifySignature(content, signature, cert); {
	case err == nil:
		return cert, ""
	case errors.Is(err, invoice.ErrSignatureFormat):
		return cert, InvCodeSignatureFormat
	default:
		return cert, InvCodeSignatureFailed
	}
}

// checkSigner checks the certificate of a status change: the session
// user's signing key, valid now and chained to the trust. It returns the
// errorCode of every item, or "".
func (s *Server) checkSigner(r *request, c caller, cert *certs.Certificate) string {
	opts := esfreg.CertOptions{Now: r.now, IDOptions: esfreg.IDOptions{AllowTestIdentities: s.opts.AllowTestIdentities}, Trust: s.trust.Load()}
	if err := esfreg.CheckSigningCertificate(cert, c.sess.IIN, opts); err != nil {
		var ee *esfreg.Error
		if errors.As(err, &ee) {
			return string(ee.Code)
		}
		return string(esfreg.CodeCertificateNotValid)
	}
	return ""
}

// changeOp answers revokeInvoiceById, unrevokeInvoiceById or
// declineInvoiceById: the signature over the list of ids with reasons
// (invoice.IDsWithReasonsContent) is checked first; then each invoice is
// changed, or refused with isChanged false and an errorCode. The reason
// becomes the invoice's cancelReason (cleared by an unrevoke).
func (s *Server) changeOp(ch change) func(context.Context, any) (soap.Field, error) {
	return func(ctx context.Context, v any) (soap.Field, error) {
		q := v.(*invoicesvc.ReasonRequest)
		items := make([]invoice.IDWithReason, len(q.Items))
		for i, it := range q.Items {
			items[i] = invoice.IDWithReason{ID: it.ID, Reason: it.Reason}
		}
		var cert *certs.Certificate
		sigCode := InvCodeFieldInvalid
		if content, err := invoice.IDsWithReasonsContent(items); err == nil {
			cert, sigCode = signedBy(content, q.Signature, q.Certificate)
		}
		var results []invoicesvc.ChangeResult
		err := s.invoiceOp(ctx, q.SessionID, true, func(r *request, c caller) error {
			if ch.bySeller && !c.issuer() {
				return newError(CodeAccessDenied, "sessionId")
			}
			refuseAll := sigCode
			if refuseAll == "" {
				refuseAll = s.checkSigner(r, c, cert)
			}
			results = make([]invoicesvc.ChangeResult, len(q.Items))
			// Changed in order of id, so that the feeds' events are.
			order := make([]int, len(q.Items))
			for i := range order {
				order[i] = i
			}
			sort.SliceStable(order, func(a, b int) bool { return q.Items[order[a]].ID < q.Items[order[b]].ID })
			f := newFeeds(r.tx)
			done := map[int64]bool{}
			for _, i := range order {
				it := q.Items[i]
				inv, err := getInvoice(r.tx, it.ID)
				if err != nil {
					return err
				}
				code := ch.refusal(inv, c.tin())
				if code == "" && refuseAll != "" {
					code = refuseAll
				}
				if code == "" && done[it.ID] {
					code = InvCodeWrongStatus // the same id twice: changed already
				}
				if code != "" {
					res := invoicesvc.ChangeResult{Summary: invoicesvc.Summary{ID: it.ID}, ErrorCode: code}
					if inv != nil && inv.visibleTo(c.tin()) {
						res.Summary = inv.summary(r.now)
					}
					results[i] = res
					continue
				}
				done[it.ID] = true
				inv.CancelReason = it.Reason
				if ch.to == StatusDelivered {
					inv.CancelReason = ""
				}
				if err := f.change(inv, allParties(inv), ch.to, r.now, c.sess.IIN, c.tin()); err != nil {
					return err
				}
				if ch.to == StatusDelivered && inv.DeliveryDate.IsZero() {
					inv.DeliveryDate = inv.LastUpdate
					if err := putInvoice(r.tx, inv); err != nil {
						return err
					}
				}
				results[i] = invoicesvc.ChangeResult{Summary: inv.summary(r.now), Changed: true}
			}
			return f.flush()
		})
		if err != nil {
			return soap.Field{}, err
		}
		return invoicesvc.ChangeResponse(ch.element, results), nil
	}
}

// opConfirm answers confirmInvoiceById: a customer confirms receipt, and a
// CREATED invoice becomes DELIVERED (no signature: the WSDL has none).
// Every invoice the session's taxpayer sees is in the answer, changed or
// not; others are left out.
func (s *Server) opConfirm(ctx context.Context, v any) (soap.Field, error) {
	q := v.(*invoicesvc.IDsRequest)
	var list []invoicesvc.Summary
	err := s.invoiceOp(ctx, q.SessionID, true, func(r *request, c caller) error {
		invs, err := visible(r, c, q.IDs)
		if err != nil {
			return err
		}
		sorted := append([]*storedInvoice(nil), invs...)
		sort.Slice(sorted, func(a, b int) bool { return sorted[a].ID < sorted[b].ID })
		f := newFeeds(r.tx)
		for _, inv := range sorted {
			if inv.isCustomer(c.tin()) && inv.Status == StatusCreated {
				if err := f.change(inv, allParties(inv), StatusDelivered, r.now, c.sess.IIN, c.tin()); err != nil {
					return err
				}
				inv.DeliveryDate = inv.LastUpdate
				if err := putInvoice(r.tx, inv); err != nil {
					return err
				}
			}
		}
		list = list[:0]
		for _, inv := range invs {
			list = append(list, inv.summary(r.now))
		}
		return f.flush()
	})
	if err != nil {
		return soap.Field{}, err
	}
	return invoicesvc.SummaryResponse("confirmInvoiceByIdResponse", list), nil
}

// opDelete answers deleteInvoiceById: the seller deletes FAILED invoices
// (DELETED), signing the list of ids (invoice.IDsContent). A bad
// signature, an invoice it does not see or one not FAILED is isDeleted
// false.
func (s *Server) opDelete(ctx context.Context, v any) (soap.Field, error) {
	q := v.(*invoicesvc.IDsRequest)
	cert, sigCode := signedBy(invoice.IDsContent(q.IDs), q.Signature, q.Certificate)
	results := make([]invoicesvc.DeleteResult, len(q.IDs))
	err := s.invoiceOp(ctx, q.SessionID, true, func(r *request, c caller) error {
		if !c.issuer() {
			return newError(CodeAccessDenied, "sessionId")
		}
		ok := sigCode == "" && s.checkSigner(r, c, cert) == ""
		order := make([]int, len(q.IDs))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return q.IDs[order[a]] < q.IDs[order[b]] })
		f := newFeeds(r.tx)
		for _, i := range order {
			results[i] = invoicesvc.DeleteResult{ID: q.IDs[i]}
			if !ok {
				continue
			}
			inv, err := getInvoice(r.tx, q.IDs[i])
			if err != nil {
				return err
			}
			if inv == nil || inv.Seller != c.tin() || inv.Status != StatusFailed {
				continue
			}
			if err := f.change(inv, []string{party(inv.Seller, invoicesvc.DirectionOutbound)}, StatusDeleted, r.now, c.sess.IIN, c.tin()); err != nil {
				return err
			}
			results[i].Deleted = true
		}
		return f.flush()
	})
	if err != nil {
		return soap.Field{}, err
	}
	return invoicesvc.DeleteResponse(results), nil
}
