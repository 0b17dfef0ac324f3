package demo

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/mockserver"
)

func TestMockURL(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		want     string
		warnings string
	}{
		{"none", nil, "", ""},
		{"ESF_MOCK_URL", map[string]string{EnvURL: "http://a"}, "http://a", ""},
		{"ESF_MOCK_URL wins", map[string]string{EnvURL: "http://a", EnvURLDeprecated: "http://b"}, "http://a", ""},
		{"deprecated ESF_URL", map[string]string{EnvURLDeprecated: "http://b"}, "http://b",
			"warning: ESF_URL is deprecated and will be ignored in the next release: set ESF_MOCK_URL=http://b instead\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			got := MockURL(func(k string) string { return tt.env[k] }, &stderr)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.warnings, stderr.String())
		})
	}
}

func TestReadTrust(t *testing.T) {
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	ca, err := certstest.NewCA(certstest.Options{Now: func() time.Time { return at }, Rand: certstest.DeterministicRand(certstest.FixtureSeed)})
	require.NoError(t, err)
	leaf, err := ca.Issue(certstest.Profile{Kind: certstest.KindIndividual, IIN: Head.IIN, Surname: "ТЕСТОВ", FirstName: "ТЕСТ", Usage: certs.UsageAuth})
	require.NoError(t, err)
	crl, err := ca.CRL()
	require.NoError(t, err)

	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o600))
		return p
	}
	pemOf := func(ders ...[]byte) []byte {
		var b bytes.Buffer
		for _, d := range ders {
			require.NoError(t, pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: d}))
		}
		return b.Bytes()
	}
	root := write("root.cer", ca.RootDER())
	inter := write("inter.cer", ca.IntermediateDER())
	bundle := write("bundle.pem", pemOf(ca.RootDER(), ca.IntermediateDER()))
	leafFile := write("leaf.cer", leaf.Certificate.X509.Raw)
	crlFile := write("ca.crl", crl)
	junk := write("junk.cer", []byte("not a certificate"))
	noBlock := write("key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}}))

	tests := []struct {
		name                       string
		trust, crls                []string
		roots, intermediates, nCRL int
		err                        string
	}{
		{"nothing", nil, nil, 0, 0, 0, ""},
		{"root and intermediate", []string{root, inter}, []string{crlFile}, 2, 1, 1, ""},
		{"a PEM bundle", []string{bundle}, nil, 2, 1, 0, ""},
		{"a CRL alone", nil, []string{crlFile}, 0, 0, 1, ""},
		{"a leaf", []string{leafFile}, nil, 0, 0, 0, "-trust " + leafFile + `: "ТЕСТОВ ТЕСТ" is not a CA certificate`},
		{"junk", []string{junk}, nil, 0, 0, 0, "-trust " + junk + ": certs: not an X.509 certificate"},
		{"PEM without a certificate", []string{noBlock}, nil, 0, 0, 0, "no CERTIFICATE block"},
		{"a certificate as CRL", nil, []string{root}, 0, 0, 0, "-crl " + root + ": certs: not a CRL"},
		{"missing file", []string{filepath.Join(dir, "none.cer")}, nil, 0, 0, 0, "none.cer: no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadTrust(tt.trust, tt.crls)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Len(t, got.Roots, tt.roots)
			assert.Len(t, got.Intermediates, tt.intermediates)
			assert.Len(t, got.CRLs, tt.nCRL)
			assert.Equal(t, tt.roots+tt.nCRL == 0, got.Empty())
		})
	}
}

// NCA's own CA files: the GOST 2022 root is self-signed, its intermediate
// is not; the CRL with NCA's NULL-parameters quirk reads.
func TestReadTrustNCA(t *testing.T) {
	dir := filepath.Join(testref.Dir(t, "reference", "nca-test-certs"), "ncanode-kz_NCANode-Go", "internal", "testdata", "certs")
	got, err := ReadTrust([]string{filepath.Join(dir, "root_test_gost_2022.cer"), filepath.Join(dir, "nca_gost2022_test.cer")},
		[]string{filepath.Join(dir, "nca_gost2022_test.crl")})
	require.NoError(t, err)
	require.Len(t, got.Roots, 2)
	require.Len(t, got.Intermediates, 1)
	assert.Equal(t, "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022", got.Intermediates[0].CommonName)
	require.Len(t, got.CRLs, 1)
	assert.Len(t, got.CRLs[0].Revoked, 195)
}

func TestTaxpayerOf(t *testing.T) {
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	ca, err := certstest.NewCA(certstest.Options{Now: func() time.Time { return at }, Rand: certstest.DeterministicRand(certstest.FixtureSeed)})
	require.NoError(t, err)
	issue := func(p certstest.Profile) *certs.Certificate {
		p.IIN, p.Surname, p.FirstName, p.Patronymic, p.Usage = Head.IIN, Head.Surname, Head.FirstName, Head.Patronymic, certs.UsageSign
		is, err := ca.Issue(p)
		require.NoError(t, err)
		return is.Certificate
	}
	ceo := issue(certstest.Profile{Kind: certstest.KindCEO, BIN: EntityBIN, Organization: EntityName})
	employee := issue(certstest.Profile{Kind: certstest.KindEmployee, BIN: EntityBIN, Organization: EntityName})
	person := issue(certstest.Profile{Kind: certstest.KindIndividual})

	tests := []struct {
		name     string
		category esfreg.Category
		cert     *certs.Certificate
		want     esfreg.Taxpayer
		ok       bool
	}{
		{"a first head's", esfreg.LegalEntity, ceo, Entity(Head), true},
		{"an employee's: no head", esfreg.LegalEntity, employee, ExampleCompany.Record(""), true},
		{"an entrepreneur's", esfreg.Entrepreneur, person, esfreg.Taxpayer{TIN: Head.IIN, LastNameRu: Head.Surname, FirstNameRu: Head.FirstName,
			MiddleNameRu: Head.Patronymic, Type: esfreg.EnterpriseIndividualEntrepreneur, Resident: true, AddressRu: Address}, true},
		{"an individual needs none", esfreg.Individual, person, esfreg.Taxpayer{}, false},
		{"a person's certificate names no BIN", esfreg.LegalEntity, person, esfreg.Taxpayer{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := TaxpayerOf(tt.category, tt.cert)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestControlErrorUnavailable(t *testing.T) {
	tests := []struct {
		status int
		code   esfreg.Code
		want   bool
	}{
		{http.StatusNotFound, mockserver.CodeNotFound, true},
		{http.StatusNotFound, "", true},
		{http.StatusMethodNotAllowed, mockserver.CodeMethodNotAllowed, true},
		{http.StatusUnauthorized, mockserver.CodeControlTokenRequired, true},
		{http.StatusForbidden, mockserver.CodeControlLoopbackOnly, true},
		{http.StatusUnauthorized, "", true},
		{http.StatusNotFound, esfreg.CodeTaxpayerNotFound, false},
		{http.StatusUnauthorized, esfreg.CodeUserNotRegistered, false},
		{http.StatusBadRequest, esfreg.CodeBINNotValid, false},
		{http.StatusInternalServerError, "", false},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status)+" "+string(tt.code), func(t *testing.T) {
			err := &ControlError{Status: tt.status, Code: tt.code}
			assert.Equal(t, tt.want, Unavailable(err))
			assert.Equal(t, tt.want, Unavailable(fmt.Errorf("wrapped: %w", err)))
			assert.Contains(t, err.Error(), "HTTP")
		})
	}
}
