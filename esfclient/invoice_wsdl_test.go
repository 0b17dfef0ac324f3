package esfclient

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/invoice"
)

// wsdlDir is KGD's invoice WSDLs in the shared reference set.
func wsdlDir(t *testing.T) string {
	t.Helper()
	return testref.Dir(t, "reference", "esf-api", "invoice")
}

// wsdlOperations lists the operations of a WSDL's portType.
func wsdlOperations(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(wsdlDir(t), file))
	require.NoError(t, err)
	var defs struct {
		PortTypes []struct {
			Operations []struct {
				Name string `xml:"name,attr"`
			} `xml:"operation"`
		} `xml:"portType"`
	}
	require.NoError(t, xml.Unmarshal(data, &defs))
	require.Len(t, defs.PortTypes, 1)
	var out []string
	for _, op := range defs.PortTypes[0].Operations {
		out = append(out, op.Name)
	}
	return out
}

// wsdlSchema writes the XML Schemas embedded in a WSDL to dir and returns
// the path of the one of namespace "esf"; its import of
// abstractInvoice.esf is pointed at the WSDL's second schema.
func wsdlSchema(t *testing.T, dir, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(wsdlDir(t), file))
	require.NoError(t, err)
	schemas := regexp.MustCompile(`(?s)<xs:schema\b.*?</xs:schema>`).FindAllString(string(data), -1)
	require.NotEmpty(t, schemas)
	var esf string
	for _, s := range schemas {
		if strings.Contains(s, `targetNamespace="abstractInvoice.esf"`) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "abstractInvoice.xsd"), []byte(s), 0o644))
		} else {
			esf = s
		}
	}
	esf = strings.Replace(esf, `<xs:import namespace="abstractInvoice.esf"/>`, `<xs:import namespace="abstractInvoice.esf" schemaLocation="abstractInvoice.xsd"/>`, 1)
	path := filepath.Join(dir, strings.TrimSuffix(file, ".wsdl")+".xsd")
	require.NoError(t, os.WriteFile(path, []byte(esf), 0o644))
	return path
}

// bodyElement returns the SOAP Body's first element of an envelope as a
// document of its own, with its prefix declared.
func bodyElement(t *testing.T, env []byte) []byte {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(env))
	depth := 0
	var begin int64 = -1
	var prefix string
	for {
		off := dec.InputOffset()
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		switch tk := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 3 && begin < 0 {
				begin, prefix = off, tk.Name.Space
			}
		case xml.EndElement:
			if depth == 3 && begin >= 0 {
				el := string(env[begin:dec.InputOffset()])
				if prefix != "" && !strings.Contains(el[:strings.Index(el, ">")], "xmlns:"+prefix+"=") {
					name := "<" + prefix + ":"
					i := strings.Index(el, name) + len(name)
					j := i + strings.IndexAny(el[i:], " />")
					el = el[:j] + ` xmlns:` + prefix + `="esf"` + el[j:]
				}
				return []byte(el)
			}
			depth--
		}
	}
	t.Fatal("no body element")
	return nil
}

// The golden requests and answers are what KGD's WSDLs allow, checked by
// xmllint against the schemas the WSDLs embed — except the tolerant-*
// answers, whose only faults are enumeration values the WSDLs lack (the
// client keeps those).
func TestGoldenMatchesWSDL(t *testing.T) {
	xmllint := testref.Tool(t, "xmllint", "libxml2-utils")
	dir := t.TempDir()
	schema := map[string]string{
		invoiceService: wsdlSchema(t, dir, "InvoiceService.wsdl"),
		uploadService:  wsdlSchema(t, dir, "UploadInvoiceService.wsdl"),
	}
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.xml"))
	require.NoError(t, err)
	checked := 0
	for _, file := range files {
		base := filepath.Base(file)
		if base == "body.xml" || strings.HasPrefix(base, "fault-") {
			continue
		}
		t.Run(base, func(t *testing.T) {
			env, err := os.ReadFile(file)
			require.NoError(t, err)
			doc := filepath.Join(dir, base)
			require.NoError(t, os.WriteFile(doc, bodyElement(t, env), 0o644))
			service := invoiceService
			if strings.HasPrefix(base, "syncInvoice.") || base == "tolerant-sync.response.xml" {
				service = uploadService
			}
			out, err := exec.Command(xmllint, "--noout", "--schema", schema[service], doc).CombinedOutput()
			if !strings.HasPrefix(base, "tolerant-") {
				assert.NoError(t, err, "%s", out)
				return
			}
			require.Error(t, err, "a tolerant-* file must break the WSDL's enumerations")
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if strings.HasSuffix(line, "fails to validate") {
					continue
				}
				assert.Regexp(t, `\[facet 'enumeration'\]|is not a valid value of the atomic type`, line)
			}
		})
		checked++
	}
	assert.GreaterOrEqual(t, checked, 2*len(goldenCases(nil)), "a request and an answer per operation")

	// The check can fail: signature and x509Certificate swapped.
	req := readGolden(t, "revokeInvoiceById.request.xml")
	sig := regexp.MustCompile(`<signature>[^<]*</signature>`).Find(req)
	cert := regexp.MustCompile(`<x509Certificate>[^<]*</x509Certificate>`).Find(req)
	swapped := bytes.Replace(bytes.Replace(req, sig, []byte("\x00"), 1), cert, sig, 1)
	swapped = bytes.Replace(swapped, []byte("\x00"), cert, 1)
	doc := filepath.Join(dir, "swapped.xml")
	require.NoError(t, os.WriteFile(doc, bodyElement(t, swapped), 0o644))
	out, err := exec.Command(xmllint, "--noout", "--schema", schema[invoiceService], doc).CombinedOutput()
	assert.Error(t, err)
	assert.Contains(t, string(out), "Expected is ( signature )")
}

// wsdlEnum returns the values of a simpleType of a WSDL.
func wsdlEnum(t *testing.T, file, name string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(wsdlDir(t), file))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?s)<xs:simpleType name="` + name + `">(.*?)</xs:simpleType>`).FindSubmatch(data)
	require.NotNil(t, m, name)
	var out []string
	for _, v := range regexp.MustCompile(`<xs:enumeration value="([^"]+)"`).FindAllSubmatch(m[1], -1) {
		out = append(out, string(v[1]))
	}
	return out
}

// The constants are the WSDL's own values: the 14 statuses in order, the
// result types, and every error code this package names (but
// BUSINESS_ERROR, its own).
func TestConstantsAreTheWSDLs(t *testing.T) {
	var statuses []string
	for _, s := range invoice.Statuses {
		statuses = append(statuses, string(s))
	}
	assert.Equal(t, wsdlEnum(t, "InvoiceService.wsdl", "InvoiceStatus"), statuses)
	assert.Equal(t, []string{string(EnterpriseSuccess), string(EnterpriseTINAbsent), string(EnterpriseCertificateSeriesOrNumAbs),
		string(EnterpriseBIKAbsent), string(EnterpriseBankNotFound), string(EnterpriseIIKAbsent)},
		wsdlEnum(t, "InvoiceService.wsdl", "EnterpriseValidationResultType"))
	assert.Equal(t, []string{string(SignatureCompany), string(SignatureOperator)}, wsdlEnum(t, "InvoiceService.wsdl", "SignatureType"))
	assert.Equal(t, []string{string(Inbound), string(Outbound)}, wsdlEnum(t, "InvoiceService.wsdl", "InvoiceDirection"))

	codes := wsdlEnum(t, "InvoiceService.wsdl", "errorCode")
	require.Len(t, codes, 745)
	for _, e := range []*esfreg.Error{ErrSessionClosed, ErrAccessDenied, ErrSignatureVerificationFailed, ErrSignatureInvalidFormat,
		ErrCertificateInvalidFormat, ErrWrongXMLFormat, ErrInvalidInvoiceVersion, ErrFieldIsNull, ErrFieldInvalid,
		ErrFLKValidationFailed, ErrMessageValidationError, ErrSellerTINNotEqualsTINInSession, ErrSellerTINAbsentInDictionary,
		ErrCustomerTINAbsentInDictionary, ErrNDSRateForNotNDSPayer, ErrNotUniqueNumberAndDate, ErrInvoiceNotFound,
		ErrWrongStatus, ErrWrongType, ErrWrongOperation, ErrWrongTIN} {
		assert.True(t, slices.Contains(codes, string(e.Code)), "%s is not in the WSDL's errorCode", e.Code)
	}
	assert.False(t, slices.Contains(codes, string(CodeBusinessError)), "BUSINESS_ERROR is this package's")
}
