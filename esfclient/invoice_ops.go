package esfclient

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/esfkit/esf/esfreg"
)

// InvoiceUpload is one invoice of a syncInvoice batch (invoiceUploadInfo).
type InvoiceUpload struct {
	// Body is the invoice's XML text (a bare v2:invoice element), sent
	// byte for byte: the signature covers exactly these bytes.
	Body []byte
	// Version is the invoice version; empty means InvoiceVersion.
	Version string
	// Signature is the raw signature over Body, Base64 (at most 400
	// characters).
	Signature string
	// SignatureType is COMPANY or OPERATOR.
	SignatureType SignatureType
}

// SyncRequest is a syncInvoice batch: the invoices and the certificate of
// the key that signed them all (x509Certificate, one per request).
type SyncRequest struct {
	Invoices []InvoiceUpload
	// Certificate is the signing certificate, DER; it is sent Base64
	// without PEM's header and line breaks.
	Certificate []byte
}

// maxSignature is invoiceUploadInfo/signature's maxLength.
const maxSignature = 400

// SyncInvoice calls UploadInvoiceService.syncInvoice: it uploads a batch
// of signed invoices. The invoices that pass the format checks are queued
// for registration (SyncResult.Accepted, each with its ESF id: wait for
// the registration number with WaitForRegistration); the others are
// declined with their errors (SyncResult.Declined). Declined invoices are
// not an error of the call: SyncResult.Err makes them one.
func (s *Session) SyncInvoice(ctx context.Context, r SyncRequest) (*SyncResult, error) {
	for i, inv := range r.Invoices {
		field := func(name string) string {
			return fmt.Sprintf("invoiceUploadInfoList/invoiceUploadInfo[%d]/%s", i, name)
		}
		switch {
		case len(inv.Body) == 0:
			return nil, esfreg.NewError(esfreg.CodeFieldRequired, field("invoiceBody"))
		case inv.SignatureType == "":
			return nil, esfreg.NewError(esfreg.CodeFieldRequired, field("signatureType"))
		case utf8.RuneCountInString(inv.Signature) > maxSignature:
			return nil, esfreg.NewError(esfreg.CodeFieldTooLong, field("signature"))
		}
	}
	if len(r.Certificate) == 0 {
		return nil, esfreg.NewError(esfreg.CodeFieldRequired, "x509Certificate")
	}
	var w wireSync
	err := s.invoke(ctx, uploadService, "syncInvoiceRequest", func(q *request) {
		q.open("invoiceUploadInfoList")
		for i, inv := range r.Invoices {
			version := inv.Version
			if version == "" {
				version = InvoiceVersion
			}
			q.openAt("invoiceUploadInfo", i)
			q.text("invoiceBody", string(inv.Body))
			q.text("version", version)
			q.text("signature", inv.Signature)
			q.text("signatureType", string(inv.SignatureType))
			q.close("invoiceUploadInfo")
		}
		q.close("invoiceUploadInfoList")
		q.text("x509Certificate", base64.StdEncoding.EncodeToString(r.Certificate))
	}, "syncInvoiceResponse", &w)
	if err != nil {
		return nil, err
	}
	out := &SyncResult{}
	if out.Accepted, err = standards("acceptedSet", w.Accepted); err != nil {
		return nil, fmt.Errorf("esfclient: syncInvoice: %w", err)
	}
	if out.Declined, err = standards("declinedSet", w.Declined); err != nil {
		return nil, fmt.Errorf("esfclient: syncInvoice: %w", err)
	}
	return out, nil
}

// idList writes idList{id+}, refusing an empty list (the WSDL wants one
// id at least).
func idList(q *request, ids []int64) {
	q.open("idList")
	for _, id := range ids {
		q.text("id", strconv.FormatInt(id, 10))
	}
	q.close("idList")
}

func needIDs(ids []int64) error {
	if len(ids) == 0 {
		return esfreg.NewError(esfreg.CodeFieldRequired, "idList")
	}
	return nil
}

func needDirection(d Direction) error {
	if d == "" {
		return esfreg.NewError(esfreg.CodeFieldRequired, "direction")
	}
	return nil
}

// byIDs calls an operation whose request is sessionId and idList.
func (s *Session) byIDs(ctx context.Context, element, want string, ids []int64, out any) error {
	if err := needIDs(ids); err != nil {
		return err
	}
	return s.invoke(ctx, invoiceService, element, func(q *request) { idList(q, ids) }, want, out)
}

// QueryInvoice calls InvoiceService.queryInvoice: one page of the
// invoices that meet c. Invoices reads every page.
func (s *Session) QueryInvoice(ctx context.Context, c InvoiceCriteria) (*InvoicePage, error) {
	if err := needDirection(c.Direction); err != nil {
		return nil, err
	}
	if c.DateFrom.IsZero() {
		return nil, esfreg.NewError(esfreg.CodeFieldRequired, "criteria/dateFrom")
	}
	if c.DateTo.IsZero() {
		return nil, esfreg.NewError(esfreg.CodeFieldRequired, "criteria/dateTo")
	}
	var w wireInvoicePage
	err := s.invoke(ctx, invoiceService, "queryInvoiceRequest", func(q *request) {
		q.open("criteria")
		q.text("direction", string(c.Direction))
		q.opt("contragentTin", c.ContragentTIN)
		q.text("dateFrom", formatDateTime(c.DateFrom))
		q.text("dateTo", formatDateTime(c.DateTo))
		if !c.LastUpdateDateFrom.IsZero() {
			q.text("lastUpdateDateFrom", formatDateTime(c.LastUpdateDateFrom))
		}
		if !c.LastUpdateDateTo.IsZero() {
			q.text("lastUpdateDateTo", formatDateTime(c.LastUpdateDateTo))
		}
		if len(c.Statuses) > 0 {
			q.open("invoiceStatusList")
			for _, st := range c.Statuses {
				q.text("invoiceStatus", string(st))
			}
			q.close("invoiceStatusList")
		}
		q.opt("invoiceType", c.InvoiceType)
		q.opt("orderBy", c.OrderBy)
		q.text("asc", strconv.FormatBool(c.Asc))
		if c.PageNum > 0 {
			q.text("pageNum", strconv.Itoa(c.PageNum))
		}
		q.close("criteria")
	}, "queryInvoiceResponse", &w)
	if err != nil {
		return nil, err
	}
	return pageOf("queryInvoice", &w)
}

func pageOf(op string, w *wireInvoicePage) (*InvoicePage, error) {
	p, err := w.page()
	if err != nil {
		return nil, fmt.Errorf("esfclient: %s: %w", op, err)
	}
	return p, nil
}

// QueryInvoiceByID calls InvoiceService.queryInvoiceById: the invoices of
// ids, with their bodies. Right after an upload an invoice may be missing
// from the answer (ESF has not stored it yet).
func (s *Session) QueryInvoiceByID(ctx context.Context, ids ...int64) (*InvoicePage, error) {
	var w wireInvoicePage
	if err := s.byIDs(ctx, "queryInvoiceByIdRequest", "queryInvoiceByIdResponse", ids, &w); err != nil {
		return nil, err
	}
	return pageOf("queryInvoiceById", &w)
}

// keyList writes invoiceKeyList{invoiceKey+{date, num}} and direction.
func keyList(q *request, d Direction, keys []InvoiceKey) {
	q.open("invoiceKeyList")
	for i, k := range keys {
		q.openAt("invoiceKey", i)
		q.text("date", k.Date)
		q.text("num", k.Num)
		q.close("invoiceKey")
	}
	q.close("invoiceKeyList")
	q.text("direction", string(d))
}

func needKeys(d Direction, keys []InvoiceKey) error {
	if len(keys) == 0 {
		return esfreg.NewError(esfreg.CodeFieldRequired, "invoiceKeyList")
	}
	return needDirection(d)
}

// QueryInvoiceByKey calls InvoiceService.queryInvoiceByKey: the invoices
// of direction d with the seller's dates and numbers keys.
func (s *Session) QueryInvoiceByKey(ctx context.Context, d Direction, keys ...InvoiceKey) (*InvoicePage, error) {
	if err := needKeys(d, keys); err != nil {
		return nil, err
	}
	var w wireInvoicePage
	if err := s.invoke(ctx, invoiceService, "queryInvoiceByKeyRequest", func(q *request) { keyList(q, d, keys) }, "queryInvoiceByKeyResponse", &w); err != nil {
		return nil, err
	}
	return pageOf("queryInvoiceByKey", &w)
}

func summariesOf(op string, w *wireSummaries) ([]InvoiceSummary, error) {
	out, err := w.summaries()
	if err != nil {
		return nil, fmt.Errorf("esfclient: %s: %w", op, err)
	}
	return out, nil
}

// QueryInvoiceSummaryByID calls InvoiceService.queryInvoiceSummaryById:
// the statuses of ids, without bodies.
func (s *Session) QueryInvoiceSummaryByID(ctx context.Context, ids ...int64) ([]InvoiceSummary, error) {
	var w wireSummaries
	if err := s.byIDs(ctx, "queryInvoiceSummaryByIdRequest", "queryInvoiceSummaryByIdResponse", ids, &w); err != nil {
		return nil, err
	}
	return summariesOf("queryInvoiceSummaryById", &w)
}

// QueryInvoiceSummaryByKey calls InvoiceService.queryInvoiceSummaryByKey:
// the statuses of the invoices with the seller's dates and numbers keys.
func (s *Session) QueryInvoiceSummaryByKey(ctx context.Context, d Direction, keys ...InvoiceKey) ([]InvoiceSummary, error) {
	if err := needKeys(d, keys); err != nil {
		return nil, err
	}
	var w wireSummaries
	if err := s.invoke(ctx, invoiceService, "queryInvoiceSummaryByKeyRequest", func(q *request) { keyList(q, d, keys) }, "queryInvoiceSummaryByKeyResponse", &w); err != nil {
		return nil, err
	}
	return summariesOf("queryInvoiceSummaryByKey", &w)
}

// QueryInvoiceErrorByID calls InvoiceService.queryInvoiceErrorById: the
// errors of the asynchronous format checks that made invoices FAILED.
func (s *Session) QueryInvoiceErrorByID(ctx context.Context, ids ...int64) ([]InvoiceErrors, error) {
	var w wireInvoiceErrors
	if err := s.byIDs(ctx, "queryInvoiceErrorByIdRequest", "queryInvoiceErrorByIdResponse", ids, &w); err != nil {
		return nil, err
	}
	var out []InvoiceErrors
	for i, e := range w.List {
		c := conv{at: fmt.Sprintf("invoiceError[%d]/", i)}
		ie := InvoiceErrors{ID: c.long("invoiceId", e.InvoiceID), Errors: errorsOf(e.Errors)}
		if c.err != nil {
			return nil, fmt.Errorf("esfclient: queryInvoiceErrorById: %w", c.err)
		}
		out = append(out, ie)
	}
	return out, nil
}

// QueryInvoiceHistoryByID calls InvoiceService.queryInvoiceHistoryById:
// every change of the invoices' statuses.
func (s *Session) QueryInvoiceHistoryByID(ctx context.Context, ids ...int64) ([]HistoryRecord, error) {
	var w wireHistory
	if err := s.byIDs(ctx, "queryInvoiceHistoryByIdRequest", "queryInvoiceHistoryByIdResponse", ids, &w); err != nil {
		return nil, err
	}
	var out []HistoryRecord
	for i, h := range w.List {
		c := conv{at: fmt.Sprintf("esfHistory[%d]/", i)}
		r := HistoryRecord{InvoiceID: c.long("invoiceId", h.InvoiceID), Status: InvoiceStatus(strings.TrimSpace(h.Status)),
			DateTime: c.time("dateTime", h.DateTime), UserID: strings.TrimSpace(h.UserID), TIN: strings.TrimSpace(h.TIN),
			StatusDescription: strings.TrimSpace(h.StatusDescription), ClientType: strings.TrimSpace(h.ClientType)}
		if c.err != nil {
			return nil, fmt.Errorf("esfclient: queryInvoiceHistoryById: %w", c.err)
		}
		out = append(out, r)
	}
	return out, nil
}

// QueryUpdates calls InvoiceService.queryUpdates: one block of the
// invoices registered or changed after r.Cursor. Updates reads every
// block.
func (s *Session) QueryUpdates(ctx context.Context, r UpdatesRequest) (*UpdatesPage, error) {
	if err := needDirection(r.Direction); err != nil {
		return nil, err
	}
	if r.Cursor.LastEventDate.IsZero() {
		return nil, esfreg.NewError(esfreg.CodeFieldRequired, "lastEventDate")
	}
	var w wireUpdates
	err := s.invoke(ctx, invoiceService, "queryUpdatesRequest", func(q *request) {
		q.text("lastEventDate", formatDateTime(r.Cursor.LastEventDate))
		if r.Cursor.LastInvoiceID != 0 {
			q.text("lastInvoiceId", strconv.FormatInt(r.Cursor.LastInvoiceID, 10))
		}
		q.text("direction", string(r.Direction))
		if r.Limit > 0 {
			q.text("limit", strconv.Itoa(r.Limit))
		}
		q.text("fullInfoOnStatusChange", strconv.FormatBool(r.FullInfoOnStatusChange))
	}, "queryUpdatesResponse", &w)
	if err != nil {
		return nil, err
	}
	var c conv
	p := &UpdatesPage{Next: UpdatesCursor{LastEventDate: c.time("lastEventDate", w.LastEventDate), LastInvoiceID: c.long("lastInvoiceId", w.LastInvoiceID)},
		LastBlock: c.bool("lastBlock", w.LastBlock)}
	if p.Next.LastEventDate.IsZero() {
		p.Next.LastEventDate = r.Cursor.LastEventDate // an answer without one leaves the cursor where it was
	}
	if c.err == nil {
		p.Invoices, c.err = infos(w.Infos)
	}
	if c.err != nil {
		return nil, fmt.Errorf("esfclient: queryUpdates: %w", c.err)
	}
	return p, nil
}

// ConfirmInvoiceByID calls InvoiceService.confirmInvoiceById: the
// customer marks invoices DELIVERED ("Получено получателем"). It takes no
// signature. The answer is the invoices' summaries.
func (s *Session) ConfirmInvoiceByID(ctx context.Context, ids ...int64) ([]InvoiceSummary, error) {
	var w wireSummaries
	if err := s.byIDs(ctx, "confirmInvoiceByIdRequest", "confirmInvoiceByIdResponse", ids, &w); err != nil {
		return nil, err
	}
	return summariesOf("confirmInvoiceById", &w)
}

// StatusChange is a signed revocation, rejection of a revocation, or
// decline of invoices (InvoiceByIdWithReasonRequest): one signature and
// one certificate for the whole list.
type StatusChange struct {
	Items []InvoiceReason
	// Signature is the raw signature, Base64, over the list's signed
	// content (esf-invoice-api.md §3.2).
	Signature string
	// Certificate is the signing certificate, DER.
	Certificate []byte
}

func (s *Session) changeStatus(ctx context.Context, op string, r StatusChange) ([]ChangeStatusResult, error) {
	if len(r.Items) == 0 {
		return nil, esfreg.NewError(esfreg.CodeFieldRequired, "idWithReasonList")
	}
	if r.Signature == "" {
		return nil, esfreg.NewError(esfreg.CodeFieldRequired, "signature")
	}
	if len(r.Certificate) == 0 {
		return nil, esfreg.NewError(esfreg.CodeFieldRequired, "x509Certificate")
	}
	var w wireChangeStatus
	err := s.invoke(ctx, invoiceService, op+"Request", func(q *request) {
		q.text("signature", r.Signature)
		q.text("x509Certificate", base64.StdEncoding.EncodeToString(r.Certificate))
		q.open("idWithReasonList")
		for i, it := range r.Items {
			q.openAt("invoiceIdWithReason", i)
			q.text("id", strconv.FormatInt(it.ID, 10))
			q.text("reason", it.Reason)
			q.close("invoiceIdWithReason")
		}
		q.close("idWithReasonList")
	}, op+"Response", &w)
	if err != nil {
		return nil, err
	}
	out, err := w.results()
	if err != nil {
		return nil, fmt.Errorf("esfclient: %s: %w", op, err)
	}
	return out, nil
}

// RevokeInvoiceByID calls InvoiceService.revokeInvoiceById: the seller
// revokes invoices (REVOKED, "Отозвано отправителем"); ESF allows it for
// ORDINARY_INVOICE only. Each invoice's outcome is a ChangeStatusResult:
// an invoice ESF refused to change is not an error of the call.
func (s *Session) RevokeInvoiceByID(ctx context.Context, r StatusChange) ([]ChangeStatusResult, error) {
	return s.changeStatus(ctx, "revokeInvoiceById", r)
}

// UnrevokeInvoiceByID calls InvoiceService.unrevokeInvoiceById: the
// customer rejects a revocation, and a REVOKED invoice is DELIVERED again.
func (s *Session) UnrevokeInvoiceByID(ctx context.Context, r StatusChange) ([]ChangeStatusResult, error) {
	return s.changeStatus(ctx, "unrevokeInvoiceById", r)
}

// DeclineInvoiceByID calls InvoiceService.declineInvoiceById: the
// customer declines invoices (DECLINED); ESF allows it for FIXED_INVOICE
// and ADDITIONAL_INVOICE only.
func (s *Session) DeclineInvoiceByID(ctx context.Context, r StatusChange) ([]ChangeStatusResult, error) {
	return s.changeStatus(ctx, "declineInvoiceById", r)
}

// Deletion is a signed deletion of FAILED invoices (DeleteInvoiceByIdRequest).
type Deletion struct {
	IDs []int64
	// Signature is the raw signature, Base64, over the list's signed
	// content; Certificate is the signing certificate, DER.
	Signature   string
	Certificate []byte
}

// DeleteInvoiceByID calls InvoiceService.deleteInvoiceById: it deletes
// invoices in status FAILED.
func (s *Session) DeleteInvoiceByID(ctx context.Context, r Deletion) ([]DeleteResult, error) {
	if err := needIDs(r.IDs); err != nil {
		return nil, err
	}
	if r.Signature == "" {
		return nil, esfreg.NewError(esfreg.CodeFieldRequired, "signature")
	}
	if len(r.Certificate) == 0 {
		return nil, esfreg.NewError(esfreg.CodeFieldRequired, "x509Certificate")
	}
	var w wireDelete
	err := s.invoke(ctx, invoiceService, "deleteInvoiceByIdRequest", func(q *request) {
		idList(q, r.IDs)
		q.text("signature", r.Signature)
		q.text("x509Certificate", base64.StdEncoding.EncodeToString(r.Certificate))
	}, "deleteInvoiceByIdResponse", &w)
	if err != nil {
		return nil, err
	}
	var out []DeleteResult
	for i, d := range w.List {
		c := conv{at: fmt.Sprintf("changeStatusResult[%d]/", i)}
		r := DeleteResult{ID: c.long("invoiceId", d.InvoiceID), Deleted: c.bool("isDeleted", d.IsDeleted)}
		if c.err != nil {
			return nil, fmt.Errorf("esfclient: deleteInvoiceById: %w", c.err)
		}
		out = append(out, r)
	}
	return out, nil
}

// EnterpriseValidation calls InvoiceService.enterpriseValidation: it
// checks enterprises' registration data (VAT certificate, bank account).
func (s *Session) EnterpriseValidation(ctx context.Context, keys ...EnterpriseKey) ([]EnterpriseValidation, error) {
	if len(keys) == 0 {
		return nil, esfreg.NewError(esfreg.CodeFieldRequired, "enterpriseKeyList")
	}
	var w wireEnterprise
	err := s.invoke(ctx, invoiceService, "enterpriseValidationRequest", func(q *request) {
		q.open("enterpriseKeyList")
		for i, k := range keys {
			q.openAt("enterpriseKey", i)
			q.text("certificateSeries", k.CertificateSeries)
			q.text("certificateNum", k.CertificateNum)
			q.text("tin", k.TIN)
			q.opt("bik", k.BIK)
			q.opt("iik", k.IIK)
			q.close("enterpriseKey")
		}
		q.close("enterpriseKeyList")
	}, "enterpriseValidationResponse", &w)
	if err != nil {
		return nil, err
	}
	var out []EnterpriseValidation
	for _, r := range w.List {
		out = append(out, EnterpriseValidation{TIN: strings.TrimSpace(r.TIN), Result: EnterpriseResult(strings.TrimSpace(r.ResultType))})
	}
	return out, nil
}
