package xmlsig_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/xmlsig"
)

// realSigned lists the signed XML of the reference set with how many
// signatures each carries.
func realSigned(t testing.TB) map[string]int {
	root := testref.Dir(t, "reference", "nca-test-certs")
	out := map[string]int{}
	require.NoError(t, filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || filepath.Ext(path) != ".xml" {
			return err
		}
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		s := string(data)
		if strings.Contains(s, "wsse:") || strings.Contains(s, "soap:Envelope") || strings.Contains(s, "SOAP-ENV") || !strings.Contains(s, "SignatureValue") {
			return nil // WS-Security samples and unsigned inputs are not enveloped signatures
		}
		out[path] = strings.Count(s, "<ds:Signature ") + strings.Count(s, "<ds:Signature>")
		return nil
	}))
	return out
}

func TestVerifyRealNCASignedXML(t *testing.T) {
	files := realSigned(t)
	require.Len(t, files, 11, "8 danikarik, 2 malikzh enveloped, 1 skarm native")
	for path, n := range files {
		t.Run(filepath.Base(filepath.Dir(path))+"/"+filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			all, err := xmlsig.VerifyAll(data, xmlsig.VerifyOptions{})
			require.NoError(t, err)
			require.Len(t, all, n)
			for i, v := range all {
				assert.Equal(t, "1234567890", v.Signer.IIN[:10])
				assert.NotZero(t, v.Signer.Usage)
				assert.Equal(t, i, strings.Count(string(v.Signed), "<ds:SignatureValue"),
					"signature %d covers the %d signatures before it, not itself", i, i)
			}
			if n == 1 {
				v, err := xmlsig.Verify(data, xmlsig.VerifyOptions{})
				require.NoError(t, err)
				assert.Equal(t, all[0].Signed, v.Signed)
			} else {
				_, err := xmlsig.Verify(data, xmlsig.VerifyOptions{})
				assert.ErrorIs(t, err, xmlsig.ErrSignatureCount)
			}

			// One changed character of signed content fails.
			i := strings.Index(string(data), "</")
			require.Positive(t, i)
			bad := []byte(string(data[:i-1]) + "Z" + string(data[i:]))
			_, err = xmlsig.VerifyAll(bad, xmlsig.VerifyOptions{})
			require.Error(t, err)
			assert.ErrorIs(t, err, xmlsig.ErrDigest)
		})
	}
}

func TestVerifyRealWithChain(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs", "skarm_kalkan", "testdata")
	data, err := os.ReadFile(filepath.Join(dir, "java_xml", "native-xml.xml"))
	require.NoError(t, err)
	caDER, err := os.ReadFile(filepath.Join(dir, "certs", "nca_gost2022_test.cer"))
	require.NoError(t, err)
	ca, err := certs.ParseCertificate(caDER)
	require.NoError(t, err)
	v, err := xmlsig.Verify(data, xmlsig.VerifyOptions{Chain: &certs.VerifyOptions{Roots: []*certs.Certificate{ca}}, Now: func() time.Time { return time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC) }})
	require.NoError(t, err)
	assert.Len(t, v.Chain, 2)
	assert.Equal(t, xmlsig.GOST2015512, v.Method)
	assert.Equal(t, `<root><value>native XML interoperability</value></root>`, string(v.Signed))

	_, err = xmlsig.Verify(data, xmlsig.VerifyOptions{Chain: &certs.VerifyOptions{Roots: []*certs.Certificate{ca}}, Now: func() time.Time { return time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC) }})
	var ve *certs.VerifyError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, certs.ReasonExpired, ve.Reason)
}
