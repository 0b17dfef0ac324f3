package mockserver_test

import (
	"crypto"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/invoice"
	"github.com/esfkit/esf/mockserver"
	"github.com/esfkit/esf/mockserver/internal/soap"
)

// The parties of the invoice tests: АО "ТЕСТ" (BIN …021, a VAT payer,
// headed by ТЕСТОВ, IIN …011) sells to the entrepreneur ТЕСТТОВ (IIN
// …012), each in an API session opened with his GOST 2015 key.
const (
	sellerTIN   = certstest.TestBIN
	customerTIN = certstest.TestIIN2
)

// invEnv is a mock with the two parties' accounts and open sessions.
type invEnv struct {
	*env
	sellerKS, customerKS *certs.KeyStore
	seller, customer     string // session ids
	seq                  int    // invoice numbers
}

func newInvoiceEnv(t *testing.T, modify ...func(*mockserver.Options)) *invEnv {
	t.Helper()
	e := &invEnv{env: newEnv(t, modify...)}
	e.seedParties()
	e.sellerKS, e.customerKS = e.ks(certstest.FixtureGOSTCEO), e.ks(certstest.FixtureGOSTEntrepreneur)
	_, err := e.srv.ImportAccounts(invoiceAccounts())
	require.NoError(t, err)
	e.seller = e.openSession(e.sellerKS, sellerTIN)
	e.customer = e.openSession(e.customerKS, customerTIN)
	// Processing at once unless a test sets a timing.
	require.NoError(t, e.srv.SetInvoiceTiming(mockserver.InvoiceTiming{}))
	return e
}

// invoiceAccounts are the two parties' accounts: the head of the seller
// (his own profile and the company's) and the entrepreneur.
func invoiceAccounts() []mockserver.AccountImport {
	return []mockserver.AccountImport{
		{IIN: certstest.TestIIN, Email: "ceo@example.kz", Password: password, FullName: "ТЕСТОВ ТЕСТ ТЕСТОВИЧ", Address: "г. Астана",
			IDDocumentNumber: "012345678", IDDocumentIssueDate: "14.03.2019", IDDocumentIssuer: "МВД РК",
			Profiles: []mockserver.ProfileImport{{Type: esfreg.ProfileIndividual}, {TIN: sellerTIN, Type: esfreg.ProfileAdminEnterprise}}},
		{IIN: certstest.TestIIN2, Email: "ip@example.kz", Password: password, FullName: "ТЕСТТОВ ТЕСТТ ТЕСТТОВИЧ", Address: "г. Алматы",
			IDDocumentNumber: "012345679", IDDocumentIssueDate: "14.03.2019", IDDocumentIssuer: "МВД РК",
			Profiles: []mockserver.ProfileImport{{TIN: customerTIN, Type: esfreg.ProfileEntrepreneur}}},
	}
}

// invoiceParties are the two parties' register records: the seller a VAT
// payer.
func invoiceParties() []esfreg.Taxpayer {
	return []esfreg.Taxpayer{
		{TIN: sellerTIN, NameRu: `АО "ТЕСТ"`, Type: esfreg.EnterprisePrivate, Resident: true,
			EnterpriseAdministrator: certstest.TestIIN, CertificateSeries: "60001", CertificateNum: "1234567", KOGD: "6205"},
		{TIN: customerTIN, LastNameRu: "ТЕСТТОВ", FirstNameRu: "ТЕСТТ", Type: esfreg.EnterpriseIndividualEntrepreneur, Resident: true},
	}
}

// seedParties publishes the two parties.
func (e *invEnv) seedParties() {
	for _, tp := range invoiceParties() {
		_, err := e.srv.SeedTaxpayer(tp, true)
		require.NoError(e.t, err)
	}
}

func (e *invEnv) openSession(ks *certs.KeyStore, tin string) string {
	e.t.Helper()
	s, err := e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: ks, Password: password, TIN: tin})
	require.NoError(e.t, err)
	return s.ID
}

// sampleInvoice is an ordinary invoice from the seller to the customer:
// one service line at 12% VAT, dated the mock's day.
func (e *invEnv) sampleInvoice() *invoice.Invoice { return e.sampleInvoiceAt(e.srv.Now()) }

// sampleInvoiceAt is sampleInvoice dated now's day.
func (e *invEnv) sampleInvoiceAt(now time.Time) *invoice.Invoice {
	e.seq++
	day := now.In(esfreg.Almaty).Format("02.01.2006")
	rate := 12
	return &invoice.Invoice{
		Date: day, InvoiceType: invoice.OrdinaryInvoice, Num: strconv.Itoa(1000 + e.seq), OperatorFullname: "ТЕСТОВ ТЕСТ ТЕСТОВИЧ",
		TurnoverDate: day,
		Customers:    []invoice.Customer{{CountryCode: "KZ", Name: "ИП ТЕСТТОВ", TIN: customerTIN}},
		ProductSet: invoice.ProductSet{CurrencyCode: "KZT", Products: []invoice.Product{{
			CatalogTruID: "1", Description: "Консультационные услуги", NDSAmount: "1200", NDSRate: &rate,
			PriceWithTax: "11200", PriceWithoutTax: "10000", Quantity: "1", TruOriginCode: "6", TurnoverSize: "10000",
			UnitNomenclature: "796", UnitPrice: "10000"}},
			TotalExciseAmount: "0", TotalNDSAmount: "1200", TotalPriceWithTax: "11200", TotalPriceWithoutTax: "10000", TotalTurnoverSize: "10000"},
		Sellers: []invoice.Seller{{Name: `АО "ТЕСТ"`, TIN: sellerTIN, CertificateSeries: "60001", CertificateNum: "1234567"}},
	}
}

// upload is one invoiceUploadInfo.
type upload struct {
	body, version, signature, signatureType string
}

// signed marshals and signs inv with ks.
func (e *invEnv) signed(ks *certs.KeyStore, inv *invoice.Invoice) upload {
	e.t.Helper()
	body, err := inv.Marshal()
	require.NoError(e.t, err)
	signer, err := ks.Signer()
	require.NoError(e.t, err)
	sig, err := invoice.Sign(body, signer)
	require.NoError(e.t, err)
	return upload{body: string(body), version: invoice.Version, signature: sig, signatureType: invoice.SignatureType(ks.Certificate)}
}

func certText(ks *certs.KeyStore) string {
	return base64.StdEncoding.EncodeToString(ks.Certificate.X509.Raw)
}

// reply is a SOAP answer: its body element, or a fault.
type reply struct {
	status int
	body   soap.Node
	raw    string
}

func (r reply) fault() (code, text, kind, description string) {
	if r.body.Name.Local != "Fault" {
		return "", "", "", ""
	}
	code, _ = r.body.Field("faultcode")
	text, _ = r.body.Field("faultstring")
	if d := r.body.Child("detail"); d != nil && len(d.Children) > 0 {
		kind = d.Children[0].Name.Local
		description, _ = d.Children[0].Field("description")
	}
	return code, text, kind, description
}

// post sends a request element (its children XML) to service.
func (e *invEnv) post(service, element, inner string) reply {
	e.t.Helper()
	env := `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:esf="esf"><soapenv:Body>` +
		`<esf:` + element + `>` + inner + `</esf:` + element + `></soapenv:Body></soapenv:Envelope>`
	resp, err := http.Post(e.srv.URL+"/esf-web/ws/api1/"+service, "text/xml; charset=utf-8", strings.NewReader(env))
	require.NoError(e.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	req, err := soap.ReadRequest(strings.NewReader(string(data)), 64<<20)
	require.NoError(e.t, err, "%s", data)
	return reply{status: resp.StatusCode, body: req.Body, raw: string(data)}
}

// ok requires an answer that is not a fault.
func (e *invEnv) ok(r reply) soap.Node {
	e.t.Helper()
	require.Equal(e.t, http.StatusOK, r.status, r.raw)
	return r.body
}

func x(s string) string { return escape(s) }

// syncRaw uploads invoices in one syncInvoice with cert.
func (e *invEnv) syncRaw(session, cert string, ups ...upload) reply {
	e.t.Helper()
	var b strings.Builder
	b.WriteString("<sessionId>" + x(session) + "</sessionId><invoiceUploadInfoList>")
	for _, u := range ups {
		fmt.Fprintf(&b, "<invoiceUploadInfo><invoiceBody>%s</invoiceBody><version>%s</version><signature>%s</signature><signatureType>%s</signatureType></invoiceUploadInfo>",
			x(u.body), x(u.version), x(u.signature), x(u.signatureType))
	}
	b.WriteString("</invoiceUploadInfoList><x509Certificate>" + cert + "</x509Certificate>")
	return e.post("UploadInvoiceService", "syncInvoiceRequest", b.String())
}

// syncResult is syncInvoice's answer.
type syncResult struct {
	accepted []int64
	declined []declinedItem
}

type declinedItem struct {
	num, date string
	codes     []string
	props     []string
}

func (e *invEnv) sync(session string, ks *certs.KeyStore, ups ...upload) syncResult {
	e.t.Helper()
	body := e.ok(e.syncRaw(session, certText(ks), ups...))
	var out syncResult
	for _, sr := range body.Child("acceptedSet").Children {
		id, _ := sr.Field("id")
		n, err := strconv.ParseInt(id, 10, 64)
		require.NoError(e.t, err)
		out.accepted = append(out.accepted, n)
	}
	for _, sr := range body.Child("declinedSet").Children {
		d := declinedItem{}
		d.num, _ = sr.Field("num")
		d.date, _ = sr.Field("date")
		if errs := sr.Child("errors"); errs != nil {
			for _, er := range errs.Children {
				c, _ := er.Field("errorCode")
				p, _ := er.Field("property")
				d.codes, d.props = append(d.codes, c), append(d.props, p)
			}
		}
		out.declined = append(out.declined, d)
	}
	return out
}

// upload1 uploads one invoice signed by the seller, requiring it accepted.
func (e *invEnv) upload1(inv *invoice.Invoice) int64 {
	e.t.Helper()
	res := e.sync(e.seller, e.sellerKS, e.signed(e.sellerKS, inv))
	require.Len(e.t, res.accepted, 1, "declined: %+v", res.declined)
	return res.accepted[0]
}

// registered uploads an invoice and runs the processing step: CREATED.
func (e *invEnv) registered(inv *invoice.Invoice) int64 {
	e.t.Helper()
	id := e.upload1(inv)
	_, err := e.srv.ProcessInvoices()
	require.NoError(e.t, err)
	require.Equal(e.t, mockserver.StatusCreated, e.summary(e.seller, id).status)
	return id
}

func idList(ids ...int64) string {
	var b strings.Builder
	b.WriteString("<idList>")
	for _, id := range ids {
		fmt.Fprintf(&b, "<id>%d</id>", id)
	}
	b.WriteString("</idList>")
	return b.String()
}

// summaryOf is an invoiceSummary.
type summaryOf struct {
	id                                      int64
	status, num, date, regNum, reason, last string
}

func readSummary(n *soap.Node) summaryOf {
	var s summaryOf
	id, _ := n.Field("invoiceId")
	s.id, _ = strconv.ParseInt(id, 10, 64)
	s.status, _ = n.Field("invoiceStatus")
	s.num, _ = n.Field("num")
	s.date, _ = n.Field("date")
	s.regNum, _ = n.Field("registrationNumber")
	s.reason, _ = n.Field("cancelReason")
	s.last, _ = n.Field("lastUpdateDate")
	return s
}

// summaries answers queryInvoiceSummaryById.
func (e *invEnv) summaries(session string, ids ...int64) []summaryOf {
	e.t.Helper()
	body := e.ok(e.post("InvoiceService", "queryInvoiceSummaryByIdRequest", "<sessionId>"+x(session)+"</sessionId>"+idList(ids...)))
	var out []summaryOf
	for i := range body.Child("invoiceSummaryList").Children {
		out = append(out, readSummary(&body.Child("invoiceSummaryList").Children[i]))
	}
	return out
}

func (e *invEnv) summary(session string, id int64) summaryOf {
	e.t.Helper()
	list := e.summaries(session, id)
	require.Len(e.t, list, 1, "invoice %d not seen", id)
	return list[0]
}

// changeResult is a changeStatusResult.
type changeResult struct {
	summaryOf
	changed bool
	code    string
}

// reasonChange runs revoke, unrevoke or decline (op) over ids with one
// reason, signed by ks.
func (e *invEnv) reasonChange(op, session string, ks *certs.KeyStore, reason string, ids ...int64) []changeResult {
	e.t.Helper()
	items := make([]invoice.IDWithReason, len(ids))
	var list strings.Builder
	for i, id := range ids {
		items[i] = invoice.IDWithReason{ID: id, Reason: reason}
		fmt.Fprintf(&list, "<invoiceIdWithReason><id>%d</id><reason>%s</reason></invoiceIdWithReason>", id, x(reason))
	}
	signer, err := ks.Signer()
	require.NoError(e.t, err)
	sig, err := invoice.SignIDsWithReasons(items, signer)
	require.NoError(e.t, err)
	body := e.ok(e.post("InvoiceService", op+"InvoiceByIdRequest", "<sessionId>"+x(session)+"</sessionId><signature>"+sig+
		"</signature><x509Certificate>"+certText(ks)+"</x509Certificate><idWithReasonList>"+list.String()+"</idWithReasonList>"))
	return readChanges(body)
}

func readChanges(body soap.Node) []changeResult {
	var out []changeResult
	for _, r := range body.Child("resultList").Children {
		c := changeResult{summaryOf: readSummary(r.Child("invoiceSummary"))}
		ch, _ := r.Field("isChanged")
		c.changed = ch == "true"
		c.code, _ = r.Field("errorCode")
		out = append(out, c)
	}
	return out
}

// confirm answers confirmInvoiceById.
func (e *invEnv) confirm(session string, ids ...int64) []summaryOf {
	e.t.Helper()
	body := e.ok(e.post("InvoiceService", "confirmInvoiceByIdRequest", "<sessionId>"+x(session)+"</sessionId>"+idList(ids...)))
	var out []summaryOf
	for i := range body.Child("invoiceSummaryList").Children {
		out = append(out, readSummary(&body.Child("invoiceSummaryList").Children[i]))
	}
	return out
}

// remove answers deleteInvoiceById, signed by ks.
func (e *invEnv) remove(session string, ks *certs.KeyStore, ids ...int64) map[int64]bool {
	e.t.Helper()
	signer, err := ks.Signer()
	require.NoError(e.t, err)
	sig, err := invoice.SignIDs(ids, signer)
	require.NoError(e.t, err)
	body := e.ok(e.post("InvoiceService", "deleteInvoiceByIdRequest", "<sessionId>"+x(session)+"</sessionId>"+idList(ids...)+
		"<signature>"+sig+"</signature><x509Certificate>"+certText(ks)+"</x509Certificate>"))
	out := map[int64]bool{}
	for _, r := range body.Child("resultList").Children {
		id, _ := r.Field("invoiceId")
		n, _ := strconv.ParseInt(id, 10, 64)
		d, _ := r.Field("isDeleted")
		out[n] = d == "true"
	}
	return out
}

// errorsOf answers queryInvoiceErrorById for one invoice: its codes.
func (e *invEnv) errorsOf(session string, id int64) []string {
	e.t.Helper()
	body := e.ok(e.post("InvoiceService", "queryInvoiceErrorByIdRequest", "<sessionId>"+x(session)+"</sessionId>"+idList(id)))
	var codes []string
	for _, ie := range body.Child("invoiceErrorList").Children {
		if errs := ie.Child("errors"); errs != nil {
			for _, er := range errs.Children {
				c, _ := er.Field("errorCode")
				codes = append(codes, c)
			}
		}
	}
	return codes
}

// history answers queryInvoiceHistoryById: the statuses in order.
func (e *invEnv) history(session string, id int64) []string {
	e.t.Helper()
	body := e.ok(e.post("InvoiceService", "queryInvoiceHistoryByIdRequest", "<sessionId>"+x(session)+"</sessionId>"+idList(id)))
	var out []string
	for _, h := range body.Child("resultList").Children {
		s, _ := h.Field("status")
		out = append(out, s)
	}
	return out
}

var regNumber = regexp.MustCompile(`^ESF-(\d{12})-(\d{8})-(\d{8})$`)

// signerOf returns ks's signer.
func signerOf(t *testing.T, ks *certs.KeyStore) crypto.Signer {
	t.Helper()
	s, err := ks.Signer()
	require.NoError(t, err)
	return s
}

var _ = time.Second
