package mockserver_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/mockserver"
)

// Every errorCode the invoice services answer with is one of the 745 of
// KGD's InvoiceService.wsdl: the mock's own and those of the signing
// certificate's rules (esfreg) the processing step passes on.
func TestInvoiceCodesAreESFs(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testref.Dir(t, "reference", "esf-api", "invoice"), "InvoiceService.wsdl"))
	require.NoError(t, err)
	doc := string(data)
	start := strings.Index(doc, `<xs:simpleType name="errorCode">`)
	require.Positive(t, start)
	end := strings.Index(doc[start:], `</xs:simpleType>`)
	enum := map[string]bool{}
	for _, m := range regexp.MustCompile(`<xs:enumeration value="([^"]+)"`).FindAllStringSubmatch(doc[start:start+end], -1) {
		enum[m[1]] = true
	}
	require.Len(t, enum, 745)
	codes := mockserver.InvoiceCodes()
	require.NotEmpty(t, codes)
	for _, c := range []esfreg.Code{esfreg.CodeCertificateNotValid, esfreg.CodeCertificateIsNotForSigning, esfreg.CodeCertificateExpired,
		esfreg.CodeCertificateNotYetValid, esfreg.CodeCertificateRevoked, esfreg.CodeCertificateSignatureNotValid, esfreg.CodeIINNotValid,
		mockserver.CodeSessionClosed, mockserver.CodeAccessDenied, mockserver.CodeWrongDate} {
		codes = append(codes, string(c))
	}
	for _, c := range codes {
		assert.True(t, enum[c], "%s is not in KGD's errorCode", c)
	}
}
