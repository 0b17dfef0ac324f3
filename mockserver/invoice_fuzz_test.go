package mockserver_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/invoice"
	"github.com/esfkit/esf/mockserver"
)

// FuzzInvoiceSOAP posts arbitrary requests to the invoice services in an
// open session (the text SESSION stands for its id): the answer is a SOAP
// response or fault, never a panic or a 500 without a fault.
func FuzzInvoiceSOAP(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	srv := mockserver.NewTestServer(f, mockserver.FixedClock(at))
	_, err := srv.SeedTaxpayer(esfreg.Taxpayer{TIN: certstest.TestIIN2, LastNameRu: "ТЕСТТОВ", Type: esfreg.EnterpriseIndividualEntrepreneur,
		Resident: true, CertificateSeries: "60001", CertificateNum: "1"}, true)
	if err != nil {
		f.Fatal(err)
	}
	_, err = srv.ImportAccounts([]mockserver.AccountImport{{IIN: certstest.TestIIN2, Email: "ip@example.kz", Password: password, FullName: "ТЕСТТОВ ТЕСТТ ТЕСТТОВИЧ",
		Address: "г. Алматы", IDDocumentNumber: "012345679", IDDocumentIssueDate: "14.03.2019", IDDocumentIssuer: "МВД РК",
		Profiles: []mockserver.ProfileImport{{Type: esfreg.ProfileEntrepreneur}}}})
	if err != nil {
		f.Fatal(err)
	}
	ks, err := certstest.OpenFixture(certstest.FixtureGOSTEntrepreneur)
	if err != nil {
		f.Fatal(err)
	}
	c, err := esfclient.New(esfclient.Options{BaseURL: srv.URL, Now: srv.Now})
	if err != nil {
		f.Fatal(err)
	}
	sess, err := c.OpenSession(context.Background(), esfclient.SessionRequest{Key: ks, Password: password, TIN: certstest.TestIIN2})
	if err != nil {
		f.Fatal(err)
	}
	if err := srv.SetInvoiceTiming(mockserver.InvoiceTiming{}); err != nil {
		f.Fatal(err)
	}
	rate := 12
	inv := &invoice.Invoice{Date: "01.06.2026", InvoiceType: invoice.OrdinaryInvoice, Num: "1", OperatorFullname: "Т", TurnoverDate: "01.06.2026",
		Customers: []invoice.Customer{{CountryCode: "KZ", Name: "И", TIN: certstest.TestIIN2}},
		ProductSet: invoice.ProductSet{CurrencyCode: "KZT", Products: []invoice.Product{{CatalogTruID: "1", NDSAmount: "12", NDSRate: &rate,
			PriceWithTax: "112", PriceWithoutTax: "100", TruOriginCode: "6", TurnoverSize: "100"}},
			TotalExciseAmount: "0", TotalNDSAmount: "12", TotalPriceWithTax: "112", TotalPriceWithoutTax: "100", TotalTurnoverSize: "100"},
		Sellers: []invoice.Seller{{Name: "ИП", TIN: certstest.TestIIN2}}}
	body, err := inv.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	signer, err := ks.Signer()
	if err != nil {
		f.Fatal(err)
	}
	sig, err := invoice.Sign(body, signer)
	if err != nil {
		f.Fatal(err)
	}
	wrap := func(element, inner string) string {
		return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:esf="esf"><soapenv:Body><esf:` + element + `>` +
			inner + `</esf:` + element + `></soapenv:Body></soapenv:Envelope>`
	}
	f.Add(uint8(1), wrap("syncInvoiceRequest", "<sessionId>SESSION</sessionId><invoiceUploadInfoList><invoiceUploadInfo><invoiceBody>"+escape(string(body))+
		"</invoiceBody><version>InvoiceV2</version><signature>"+sig+"</signature><signatureType>COMPANY</signatureType></invoiceUploadInfo></invoiceUploadInfoList><x509Certificate>"+
		certText(ks)+"</x509Certificate>"))
	for _, seed := range []string{
		wrap("queryInvoiceSummaryByIdRequest", "<sessionId>SESSION</sessionId><idList><id>20000000000000001</id></idList>"),
		wrap("confirmInvoiceByIdRequest", "<sessionId>SESSION</sessionId><idList><id>20000000000000001</id></idList>"),
		wrap("queryUpdatesRequest", "<sessionId>SESSION</sessionId><lastEventDate>2018-01-01T00:00:00</lastEventDate><direction>INBOUND</direction><limit>-1</limit><fullInfoOnStatusChange>false</fullInfoOnStatusChange>"),
		wrap("queryInvoiceRequest", "<sessionId>SESSION</sessionId><criteria><direction>OUTBOUND</direction><dateFrom>2026-06-01T00:00:00</dateFrom><dateTo>2026-06-30T00:00:00</dateTo><orderBy>date</orderBy><asc>false</asc><pageNum>-5</pageNum></criteria>"),
		wrap("revokeInvoiceByIdRequest", "<sessionId>SESSION</sessionId><signature>AAAA</signature><x509Certificate>"+certText(ks)+"</x509Certificate><idWithReasonList><invoiceIdWithReason><id>20000000000000001</id><reason>\x01</reason></invoiceIdWithReason></idWithReasonList>"),
		wrap("deleteInvoiceByIdRequest", "<sessionId>SESSION</sessionId><idList><id>-1</id></idList><signature></signature><x509Certificate>x</x509Certificate>"),
		wrap("queryInvoiceByKeyRequest", "<sessionId>SESSION</sessionId><invoiceKeyList><invoiceKey><date>01.06.2026</date><num>1</num></invoiceKey></invoiceKeyList><direction>OUTBOUND</direction>"),
		wrap("enterpriseValidationRequest", "<sessionId>SESSION</sessionId><enterpriseKeyList><enterpriseKey><certificateSeries/><certificateNum/><tin/></enterpriseKey></enterpriseKeyList>"),
	} {
		f.Add(uint8(0), seed)
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		svc := []string{"InvoiceService", "UploadInvoiceService"}[which%2]
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/esf-web/ws/api1/"+svc, strings.NewReader(strings.ReplaceAll(body, "SESSION", sess.ID)))
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		srv.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
		case http.StatusInternalServerError:
			if !strings.Contains(rec.Body.String(), "Fault>") {
				t.Fatalf("500 without a SOAP fault: %s", rec.Body.String())
			}
		default:
			t.Fatalf("HTTP %d: %s", rec.Code, rec.Body.String())
		}
	})
}
