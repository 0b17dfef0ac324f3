package esfclient

import (
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
)

var update = flag.Bool("update", false, "rewrite testdata/invoice/*.request.xml from what the client sends")

// goldenDir holds, per operation, the request the client sends
// (NAME.request.xml, written with -update) and an answer written by hand
// from the WSDL (NAME.response.xml); TestGoldenMatchesWSDL validates both
// against KGD's WSDL schemas with xmllint.
const goldenDir = "testdata/invoice"

const (
	testSession = "5f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5"
	testSig     = "MEUCIQDx7Gq2b1mX9f0yH6o4Z2c8w3kP5s1aVr7NtL0eJ+QyBAIgR2k9Yb8vW3xZc6n1mQp4sT7uE0oA5dG2hJ9iK8lL3fM="
	testCertB64 = "MIIBszCCAVmgAwIBAgIUTEST"
	regNum      = "ESF-123456789021-20260115-76963660"
)

// testCert is testCertB64 decoded: what the requests send Base64 again.
var testCert = []byte{0x30, 0x82, 0x01, 0xb3, 0x30, 0x82, 0x01, 0x59, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x14, 0x4c, 0x44, 0x93}

// fakeESF answers each request with a file and records what it got.
type fakeESF struct {
	mu       sync.Mutex
	paths    []string
	requests [][]byte
	answer   func(n int) (status int, body []byte)
}

func (f *fakeESF) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.paths = append(f.paths, r.URL.Path)
	f.requests = append(f.requests, data)
	n := len(f.requests)
	f.mu.Unlock()
	status, body := f.answer(n)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (f *fakeESF) last() (string, []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.paths[len(f.paths)-1], f.requests[len(f.requests)-1]
}

// fakeSession is a session whose calls go to handler.
func fakeSession(t *testing.T, handler http.Handler) *Session {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := New(Options{BaseURL: srv.URL})
	require.NoError(t, err)
	return &Session{ID: testSession, c: c}
}

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(goldenDir, name))
	require.NoError(t, err)
	return data
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// goldenCase is one operation: how to call it, the service it must reach,
// and what it must return for NAME.response.xml.
type goldenCase struct {
	name    string
	service string
	call    func(ctx context.Context, s *Session) (any, error)
	want    any
}

func goldenCases(body []byte) []goldenCase {
	input, lastUpdate := mustTime("2026-01-15T10:20:30.123+05:00"), mustTime("2026-01-15T10:21:00.456+05:00")
	info := func(id int64, reg string, st InvoiceStatus) InvoiceInfo {
		return InvoiceInfo{Body: body, ID: id, RegistrationNumber: reg, InputDate: input, LastUpdateDate: lastUpdate,
			SignatureValid: true, Status: st, Version: "InvoiceV2", Signature: testSig, SignatureType: SignatureCompany,
			Certificate: testCertB64, KOGD: "6205"}
	}
	summary := func(id int64, st InvoiceStatus, reg string) InvoiceSummary {
		return InvoiceSummary{ID: id, Date: "15.01.2026", Status: st, Num: "1001", RegistrationNumber: reg, LastUpdateDate: lastUpdate}
	}
	delivered := info(20113995733614592, regNum, StatusDelivered)
	delivered.DeliveryDate = mustTime("2026-01-15T14:00:00.000+05:00")
	failed := info(20113995733614593, "", StatusFailed)
	failed.CancelReason = "NDS_RATE_FOR_NOT_NDS_PAYER"
	created := info(20113995733614592, regNum, StatusCreated)
	withDeadline := created
	withDeadline.Deadline = &Deadline{DateInput: mustTime("2026-01-15T10:21:00+05:00"), DeadlineDate: mustTime("2026-02-14T23:59:59+05:00"),
		DocumentID: 20113995733614592, DocumentType: "INVOICE", RegistrationNumber: regNum, TIN: "123456789011", Type: "DECLINE"}
	reasons := StatusChange{Items: []InvoiceReason{{ID: 20113995733614592, Reason: "Ошибка в сумме & <цене>"}, {ID: 20113995733614594, Reason: "Дубль"}},
		Signature: testSig, Certificate: testCert}
	revoked := summary(20113995733614592, StatusRevoked, regNum)
	notRevoked := summary(20113995733614594, StatusDelivered, regNum)

	return []goldenCase{
		{"syncInvoice", uploadService, func(ctx context.Context, s *Session) (any, error) {
			return s.SyncInvoice(ctx, SyncRequest{Certificate: testCert, Invoices: []InvoiceUpload{
				{Body: body, Signature: testSig, SignatureType: SignatureCompany},
				{Body: body, Version: "InvoiceV2", Signature: testSig, SignatureType: SignatureOperator},
			}})
		}, &SyncResult{
			Accepted: []UploadResult{{ID: 20114103046471680, Num: "1001", Date: "15.01.2026"}},
			Declined: []UploadResult{{Num: "1002", Date: "15.01.2026", Errors: esfreg.Errors{
				{Code: "INVALID_MEASURE_UNIT_CODE", Field: "invoice.productSet.products[0].unitNomenclature", Message: "Некорректный код единицы измерения"},
				{Code: CodeFieldIsNull, Message: "FIELD_IS_NULL"},
			}}},
		}},
		{"queryInvoice", invoiceService, func(ctx context.Context, s *Session) (any, error) {
			return s.QueryInvoice(ctx, InvoiceCriteria{Direction: Outbound, ContragentTIN: "123456789011",
				DateFrom: mustTime("2026-01-01T00:00:00+05:00"), DateTo: mustTime("2026-03-31T23:59:59.999+05:00"),
				LastUpdateDateFrom: mustTime("2026-01-10T00:00:00Z"), LastUpdateDateTo: mustTime("2026-01-20T00:00:00Z"),
				Statuses: []InvoiceStatus{StatusCreated, StatusDelivered}, InvoiceType: "ORDINARY_INVOICE", OrderBy: "date", Asc: true, PageNum: 2})
		}, &InvoicePage{Invoices: []InvoiceInfo{delivered, failed}, CurrPage: 0, RSCount: 2}},
		{"queryInvoiceById", invoiceService, func(ctx context.Context, s *Session) (any, error) {
			return s.QueryInvoiceByID(ctx, 20113995733614592, 20113995733614593)
		}, &InvoicePage{Invoices: []InvoiceInfo{withDeadline}, LastBlock: true, CurrPage: 1, RSCount: 1}},
		{"queryInvoiceByKey", invoiceService, func(ctx context.Context, s *Session) (any, error) {
			return s.QueryInvoiceByKey(ctx, Inbound, InvoiceKey{Date: "14.09.2020", Num: "7723243884732154991"}, InvoiceKey{Date: "15.01.2026", Num: "1001"})
		}, &InvoicePage{LastBlock: true}},
		{"queryInvoiceSummaryById", invoiceService, func(ctx context.Context, s *Session) (any, error) {
			return s.QueryInvoiceSummaryByID(ctx, 20114103046471680, 20114103046471681)
		}, []InvoiceSummary{summary(20114103046471680, StatusCreated, regNum), summary(20114103046471681, StatusInProcessing, "")}},
		{"queryInvoiceSummaryByKey", invoiceService, func(ctx context.Context, s *Session) (any, error) {
			return s.QueryInvoiceSummaryByKey(ctx, Outbound, InvoiceKey{Date: "15.01.2026", Num: "1001"})
		}, []InvoiceSummary{summary(20114103046471680, StatusInQueue, "")}},
		{"queryInvoiceErrorById", invoiceService, func(ctx context.Context, s *Session) (any, error) {
			return s.QueryInvoiceErrorByID(ctx, 20113995733614593, 20113995733614592)
		}, []InvoiceErrors{
			{ID: 20113995733614593, Errors: esfreg.Errors{
				{Code: CodeSignatureVerificationFailed, Field: "signature", Message: "Подпись ЭСФ не прошла проверку"},
				{Code: CodeNDSRateForNotNDSPayer, Message: "NDS_RATE_FOR_NOT_NDS_PAYER"}}},
			{ID: 20113995733614592},
		}},
		{"queryInvoiceHistoryById", invoiceService, func(ctx context.Context, s *Session) (any, error) {
			return s.QueryInvoiceHistoryByID(ctx, 20113995733614592)
		}, []HistoryRecord{
			{InvoiceID: 20113995733614592, Status: StatusCreated, DateTime: lastUpdate, UserID: "123456789011", TIN: "123456789021", StatusDescription: "Создан", ClientType: "API"},
			{InvoiceID: 20113995733614592, Status: StatusDelivered, DateTime: mustTime("2026-01-15T14:00:00Z"), ClientType: "API_VS"},
		}},
		{"queryUpdates", invoiceService, func(ctx context.Context, s *Session) (any, error) {
			return s.QueryUpdates(ctx, UpdatesRequest{Direction: Inbound, Cursor: UpdatesCursor{LastEventDate: mustTime("2026-01-15T10:00:00.5+05:00"), LastInvoiceID: 20113995733614500},
				Limit: 100, FullInfoOnStatusChange: true})
		}, &UpdatesPage{Invoices: []InvoiceInfo{created}, Next: UpdatesCursor{LastEventDate: lastUpdate, LastInvoiceID: 20113995733614592}}},
		{"confirmInvoiceById", invoiceService, func(ctx context.Context, s *Session) (any, error) {
			return s.ConfirmInvoiceByID(ctx, 20113995733614592)
		}, []InvoiceSummary{summary(20113995733614592, StatusDelivered, regNum)}},
		{"revokeInvoiceById", invoiceService, func(ctx context.Context, s *Session) (any, error) {
			return s.RevokeInvoiceByID(ctx, reasons)
		}, []ChangeStatusResult{{Summary: revoked, Changed: true}, {Summary: notRevoked, Code: CodeWrongType}}},
		{"unrevokeInvoiceById", invoiceService, func(ctx context.Context, s *Session) (any, error) {
			return s.UnrevokeInvoiceByID(ctx, reasons)
		}, []ChangeStatusResult{{Summary: summary(20113995733614592, StatusDelivered, regNum), Changed: true}}},
		{"declineInvoiceById", invoiceService, func(ctx context.Context, s *Session) (any, error) {
			return s.DeclineInvoiceByID(ctx, reasons)
		}, []ChangeStatusResult{{Summary: summary(20113995733614592, StatusDelivered, regNum), Code: CodeWrongType}}},
		{"deleteInvoiceById", invoiceService, func(ctx context.Context, s *Session) (any, error) {
			return s.DeleteInvoiceByID(ctx, Deletion{IDs: []int64{20113995733614593}, Signature: testSig, Certificate: testCert})
		}, []DeleteResult{{ID: 20113995733614593, Deleted: true}}},
		{"enterpriseValidation", invoiceService, func(ctx context.Context, s *Session) (any, error) {
			return s.EnterpriseValidation(ctx, EnterpriseKey{CertificateSeries: "60001", CertificateNum: "1234567", TIN: "123456789021", BIK: "KCJBKZKX", IIK: "KZ000000000000000001"},
				EnterpriseKey{CertificateSeries: "60001", CertificateNum: "7654321", TIN: "123456789011"})
		}, []EnterpriseValidation{{TIN: "123456789021", Result: EnterpriseSuccess}, {TIN: "123456789011", Result: EnterpriseTINAbsent}}},
	}
}

// Every operation sends the golden request to its service's path and
// decodes the golden answer into the Go values the WSDL's fields say.
func TestInvoiceOperationsGolden(t *testing.T) {
	body := readGolden(t, "body.xml")
	for _, tt := range goldenCases(body) {
		t.Run(tt.name, func(t *testing.T) {
			answer := readGolden(t, tt.name+".response.xml")
			f := &fakeESF{answer: func(int) (int, []byte) { return http.StatusOK, answer }}
			s := fakeSession(t, f)
			got, err := tt.call(context.Background(), s)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)

			path, req := f.last()
			assert.Equal(t, "/esf-web/ws/api1/"+tt.service, path)
			file := filepath.Join(goldenDir, tt.name+".request.xml")
			if *update {
				require.NoError(t, os.WriteFile(file, append(req, '\n'), 0o644))
			}
			want, err := os.ReadFile(file)
			require.NoError(t, err, "run go test -update to write it")
			assert.Equal(t, string(want), string(req)+"\n")
		})
	}
}

// Every operation of both WSDLs has its golden case.
func TestGoldenCoversEveryOperation(t *testing.T) {
	var names []string
	for _, tt := range goldenCases(nil) {
		names = append(names, tt.name)
	}
	assert.ElementsMatch(t, append(wsdlOperations(t, "InvoiceService.wsdl"), wsdlOperations(t, "UploadInvoiceService.wsdl")...), names)
}
