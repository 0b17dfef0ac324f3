package certs

// Known answers of docs/gost.md §4.2 on the real NCA artefacts in
// shared/reference/nca-test-certs: certificates, CRLs, OCSP responses,
// timestamp tokens, CMS and XMLDSig signatures, each verified with NCA's
// convention — and with every other byte-order convention failing, so
// that the tests cannot pass by accident.

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/gost"
	"github.com/esfkit/esf/internal/testref"
)

// conventions are the eight ways one could read a GOST signature and
// digest; only the first is NCA's.
var conventions = []struct {
	name      string
	sig       func([]byte) []byte
	revDigest bool
}{
	{"r‖s LE, digest as output (NCA)", func(b []byte) []byte { return b }, false},
	{"r‖s LE, digest reversed", func(b []byte) []byte { return b }, true},
	{"s‖r BE (RFC), digest as output", reverse, false},
	{"s‖r BE (RFC), digest reversed", reverse, true},
	{"r‖s BE, digest as output", reverseHalves, false},
	{"r‖s BE, digest reversed", reverseHalves, true},
	{"s‖r LE, digest as output", swapHalves, false},
	{"s‖r LE, digest reversed", swapHalves, true},
}

func reverseHalves(b []byte) []byte {
	n := len(b) / 2
	return append(reverse(b[:n]), reverse(b[n:])...)
}

func swapHalves(b []byte) []byte {
	n := len(b) / 2
	return append(append([]byte{}, b[n:]...), b[:n]...)
}

// hashFor returns the GOST hash that goes with a key.
func hashFor(pub *gost.PublicKey) func([]byte) []byte {
	if pub.Curve == gost.CurveCryptoProA {
		return func(b []byte) []byte { d := gost.Sum341194(b); return d[:] }
	}
	return func(b []byte) []byte { d := gost.Sum512(b); return d[:] }
}

// checkOnlyNCA verifies sig over signed under all eight conventions and
// requires exactly NCA's to pass.
func checkOnlyNCA(t *testing.T, pub *gost.PublicKey, signed, sig []byte) {
	t.Helper()
	digest := hashFor(pub)(signed)
	for i, c := range conventions {
		d := digest
		if c.revDigest {
			d = reverse(digest)
		}
		err := gost.Verify(pub, d, c.sig(sig))
		if i == 0 {
			require.NoError(t, err, c.name)
		} else {
			require.Error(t, err, "%s must fail", c.name)
		}
	}
}

type knownFiles struct {
	root  string
	certs map[string]*Certificate // by file path; leaves from key stores too
	cas   []*Certificate
}

func loadKnownFiles(t *testing.T) *knownFiles {
	t.Helper()
	root := testref.Dir(t, "reference", "nca-test-certs")
	k := &knownFiles{root: root, certs: map[string]*Certificate{}}
	require.NoError(t, filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		switch filepath.Ext(path) {
		case ".cer", ".crt", ".pem":
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			c, err := ParseCertificate(data)
			require.NoError(t, err, path)
			k.certs[path] = c
			if c.X509.IsCA {
				k.cas = append(k.cas, c)
			}
		case ".p12":
			pin := "Qwerty12"
			if strings.Contains(path, "_2015") {
				pin = "Aa123456"
			}
			ks, err := OpenFile(path, pin)
			require.NoError(t, err, path)
			k.certs[path] = ks.Certificate
		}
		return nil
	}))
	return k
}

// issuerOf finds the CA certificate that signed c (by name and key id).
func (k *knownFiles) issuerOf(c *Certificate) *Certificate {
	for _, ca := range k.cas {
		if bytes.Equal(ca.X509.RawSubject, c.X509.RawIssuer) && (len(c.X509.AuthorityKeyId) == 0 || bytes.Equal(ca.SKI, c.X509.AuthorityKeyId)) {
			return ca
		}
	}
	return nil
}

func gostKey(c *Certificate) (*gost.PublicKey, bool) {
	k, ok := c.PublicKey.(*gost.PublicKey)
	return k, ok
}

func TestKnownAnswersCertificates(t *testing.T) {
	k := loadKnownFiles(t)
	checked := map[string]bool{}
	for path, c := range k.certs {
		if !isGOSTSignature(c.SignatureAlgorithm) || checked[string(c.X509.Raw)] {
			continue
		}
		ca := k.issuerOf(c)
		if ca == nil {
			continue
		}
		checked[string(c.X509.Raw)] = true
		t.Run(strings.TrimPrefix(path, k.root), func(t *testing.T) {
			pub, ok := gostKey(ca)
			require.True(t, ok)
			checkOnlyNCA(t, pub, c.X509.RawTBSCertificate, c.X509.Signature)
		})
	}
	t.Logf("%d distinct GOST certificates verified against their CA", len(checked))
	assert.GreaterOrEqual(t, len(checked), 30)
}

func TestKnownAnswersKeyDerivation(t *testing.T) {
	root := testref.Dir(t, "reference", "nca-test-certs")
	n := 0
	require.NoError(t, filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || filepath.Ext(path) != ".p12" {
			return err
		}
		pin := "Qwerty12"
		if strings.Contains(path, "_2015") {
			pin = "Aa123456"
		}
		// Open pairs key and certificate only when d·P equals the
		// certificate's key; check it here explicitly all the same.
		ks, err := OpenFile(path, pin)
		require.NoError(t, err)
		if priv, ok := ks.PrivateKey.(*gost.PrivateKey); ok {
			require.True(t, priv.PublicKey().Equal(ks.Certificate.PublicKey), path)
			n++
		}
		return nil
	}))
	assert.Equal(t, 43, n, "GOST key stores in the reference set (54 less 11 RSA)")
}

func TestKnownAnswersCRLs(t *testing.T) {
	k := loadKnownFiles(t)
	n := 0
	require.NoError(t, filepath.Walk(k.root, func(path string, info os.FileInfo, err error) error {
		if err != nil || filepath.Ext(path) != ".crl" {
			return err
		}
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		crl, err := ParseCRL(data)
		require.NoError(t, err)
		if !isGOSTSignature(crl.SignatureAlgorithm) {
			return nil
		}
		for _, ca := range k.cas {
			if bytes.Equal(ca.X509.RawSubject, crl.RawIssuer) && (crl.AuthorityKeyID == nil || bytes.Equal(ca.SKI, crl.AuthorityKeyID)) {
				t.Run(strings.TrimPrefix(path, k.root), func(t *testing.T) {
					pub, _ := gostKey(ca)
					checkOnlyNCA(t, pub, crl.RawTBSCertList, crl.Signature)
				})
				n++
				break
			}
		}
		return nil
	}))
	assert.GreaterOrEqual(t, n, 5)
}

// OCSP (RFC 6960).
type ocspResponse struct {
	Status asn1.Enumerated
	Bytes  struct {
		Type     asn1.ObjectIdentifier
		Response []byte
	} `asn1:"explicit,tag:0"`
}

type basicOCSPResponse struct {
	TBS       asn1.RawValue
	Algorithm pkix.AlgorithmIdentifier
	Signature asn1.BitString
	Certs     []asn1.RawValue `asn1:"explicit,tag:0,optional"`
}

func TestKnownAnswersOCSP(t *testing.T) {
	k := loadKnownFiles(t)
	paths, _ := filepath.Glob(filepath.Join(k.root, "malikzh_NCANode", "src", "test", "resources", "ocsp", "*.bin"))
	require.Len(t, paths, 4)
	gostResponses := 0
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			var resp ocspResponse
			_, err = asn1.Unmarshal(data, &resp)
			require.NoError(t, err)
			var basic basicOCSPResponse
			_, err = asn1.Unmarshal(resp.Bytes.Response, &basic)
			require.NoError(t, err)
			require.NotEmpty(t, basic.Certs, "the responder's certificate is included")
			responder, err := ParseCertificate(basic.Certs[0].FullBytes)
			require.NoError(t, err)
			pub, ok := gostKey(responder)
			if !ok {
				t.Skipf("responder key is %s, not GOST", responder.Algorithm)
			}
			gostResponses++
			checkOnlyNCA(t, pub, basic.TBS.FullBytes, basic.Signature.RightAlign())
			if ca := k.issuerOf(responder); ca != nil {
				caKey, _ := gostKey(ca)
				checkOnlyNCA(t, caKey, responder.X509.RawTBSCertificate, responder.X509.Signature)
			}
		})
	}
	assert.GreaterOrEqual(t, gostResponses, 2)
}

// CMS SignedData (RFC 5652), for timestamp tokens and Kalkan's CMS.
type cmsContentInfo struct {
	Type    asn1.ObjectIdentifier
	Content asn1.RawValue `asn1:"explicit,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	Encap            struct {
		Type    asn1.ObjectIdentifier
		Content []byte `asn1:"explicit,tag:0,optional"`
	}
	Certificates asn1.RawValue `asn1:"optional,tag:0"`
	CRLs         asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos  []signerInfo  `asn1:"set"`
}

type signerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

var (
	oidMessageDigest  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
)

// verifyCMS checks every GOST SignerInfo of a ContentInfo (and of the
// timestamp tokens in its unsigned attributes); it returns how many.
func verifyCMS(t *testing.T, der []byte, detached []byte) int {
	t.Helper()
	e, err := parseBER(der) // Kalkan's CMS may be BER
	require.NoError(t, err)
	der, err = e.der()
	require.NoError(t, err)
	var ci cmsContentInfo
	_, err = asn1.Unmarshal(der, &ci)
	require.NoError(t, err)
	var sd signedData
	_, err = asn1.Unmarshal(ci.Content.Bytes, &sd)
	require.NoError(t, err)
	var certs []*Certificate
	for rest := sd.Certificates.Bytes; len(rest) > 0; {
		var raw asn1.RawValue
		rest, err = asn1.Unmarshal(rest, &raw)
		require.NoError(t, err)
		if c, err := ParseCertificate(raw.FullBytes); err == nil {
			certs = append(certs, c)
		}
	}
	content := sd.Encap.Content
	if content == nil {
		content = detached
	}
	n := 0
	for _, si := range sd.SignerInfos {
		signer := findSigner(t, si.SID, certs)
		require.NotNil(t, signer, "signer certificate in the CMS")
		pub, ok := gostKey(signer)
		if !ok {
			continue
		}
		require.NotEmpty(t, si.SignedAttrs.FullBytes)
		signedAttrs := append([]byte{0x31}, si.SignedAttrs.FullBytes[1:]...)
		checkOnlyNCA(t, pub, signedAttrs, si.Signature)
		n++
		var attrs []attribute
		_, err := asn1.UnmarshalWithParams(signedAttrs, &attrs, "set")
		require.NoError(t, err)
		for _, a := range attrs {
			if a.Type.Equal(oidMessageDigest) && content != nil {
				var md []byte
				_, err := asn1.Unmarshal(a.Values[0].FullBytes, &md)
				require.NoError(t, err)
				assert.Equal(t, hashFor(pub)(content), md, "messageDigest is the hash of the content")
			}
		}
		if len(si.UnsignedAttrs.FullBytes) > 0 {
			var unsigned []attribute
			_, err := asn1.UnmarshalWithParams(append([]byte{0x31}, si.UnsignedAttrs.FullBytes[1:]...), &unsigned, "set")
			require.NoError(t, err)
			for _, a := range unsigned {
				if a.Type.Equal(oidTimeStampToken) {
					n += verifyCMS(t, a.Values[0].FullBytes, nil)
				}
			}
		}
	}
	return n
}

func findSigner(t *testing.T, sid asn1.RawValue, certs []*Certificate) *Certificate {
	t.Helper()
	if sid.Class == asn1.ClassContextSpecific { // [0] subjectKeyIdentifier
		for _, c := range certs {
			if bytes.Equal(c.SKI, sid.Bytes) {
				return c
			}
		}
		return nil
	}
	var ias struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}
	_, err := asn1.Unmarshal(sid.FullBytes, &ias)
	require.NoError(t, err)
	for _, c := range certs {
		if c.X509.SerialNumber.Cmp(ias.Serial) == 0 && bytes.Equal(c.X509.RawIssuer, ias.Issuer.FullBytes) {
			return c
		}
	}
	return nil
}

func TestKnownAnswersTimestampsAndCMS(t *testing.T) {
	root := testref.Dir(t, "reference", "nca-test-certs")
	read := func(t *testing.T, rel string) []byte {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(root, rel))
		require.NoError(t, err)
		if b, _ := pem.Decode(data); b != nil {
			return b.Bytes
		}
		if data[0] != 0x30 {
			der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(data)), ""))
			require.NoError(t, err, rel)
			return der
		}
		return data
	}
	total := 0
	t.Run("tsp_token.bin", func(t *testing.T) {
		total += verifyCMS(t, read(t, "malikzh_NCANode/src/test/resources/tsp/tsp_token.bin"), nil)
	})
	t.Run("tsp_response.bin", func(t *testing.T) {
		var resp struct {
			Status asn1.RawValue
			Token  asn1.RawValue
		}
		_, err := asn1.Unmarshal(read(t, "malikzh_NCANode/src/test/resources/tsp/tsp_response.bin"), &resp)
		require.NoError(t, err)
		total += verifyCMS(t, resp.Token.FullBytes, nil)
	})
	cmsFiles, _ := filepath.Glob(filepath.Join(root, "skarm_kalkan", "testdata", "cms", "*_attached.der"))
	detached, _ := filepath.Glob(filepath.Join(root, "skarm_kalkan", "testdata", "cms", "*_detached.der"))
	gostkncaCMS, _ := filepath.Glob(filepath.Join(root, "danikarik_ncanode-go", "testdata", "*", "*", "GOSTKNCA_*.cms"))
	for _, p := range append(append(cmsFiles, detached...), gostkncaCMS...) {
		rel := strings.TrimPrefix(p, root+string(filepath.Separator))
		t.Run(rel, func(t *testing.T) {
			var content []byte
			if strings.HasSuffix(p, "_detached.der") {
				var err error
				content, err = os.ReadFile(strings.Replace(p, "_detached.der", "_document.txt", 1))
				require.NoError(t, err)
			}
			n := verifyCMS(t, read(t, rel), content)
			require.Positive(t, n)
			total += n
		})
	}
	t.Logf("%d GOST CMS/timestamp signatures verified", total)
	assert.GreaterOrEqual(t, total, 8)
}

// c14nSignedInfo is inclusive C14N of the n-th SignedInfo of the simple,
// ds:-prefixed documents NCA tools write: the namespace declaration of
// ds:Signature moves onto SignedInfo, empty elements get end tags, line
// ends are LF and the &#13; Kalkan puts in base64 becomes &#xD;. The
// xmlsig package does real C14N; this is enough for the known answers.
func c14nSignedInfo(t *testing.T, doc string, n int) string {
	t.Helper()
	doc = strings.ReplaceAll(doc, "\r\n", "\n")
	parts := strings.Split(doc, "<ds:SignedInfo>")
	require.Greater(t, len(parts), n+1, "SignedInfo #%d", n)
	body, _, ok := strings.Cut(parts[n+1], "</ds:SignedInfo>")
	require.True(t, ok)
	empty := regexp.MustCompile(`<(ds:[A-Za-z]+)([^<>]*)/>`)
	body = empty.ReplaceAllString(body, "<$1$2></$1>")
	body = strings.ReplaceAll(body, "&#13;", "&#xD;")
	return `<ds:SignedInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">` + body + "</ds:SignedInfo>"
}

func xmlElement(t *testing.T, doc, name string, n int) []byte {
	t.Helper()
	re := regexp.MustCompile(`(?s)<ds:` + name + `>(.*?)</ds:` + name + `>`)
	m := re.FindAllStringSubmatch(doc, -1)
	require.Greater(t, len(m), n)
	clean := strings.NewReplacer("&#13;", "", "\r", "", "\n", "", " ", "").Replace(m[n][1])
	b, err := base64.StdEncoding.DecodeString(clean)
	require.NoError(t, err)
	return b
}

func TestKnownAnswersXMLDSig(t *testing.T) {
	root := testref.Dir(t, "reference", "nca-test-certs")
	gostkncaXML, _ := filepath.Glob(filepath.Join(root, "danikarik_ncanode-go", "testdata", "*", "*", "GOSTKNCA_*.xml"))
	cases := []struct {
		path string
		sig  int // which signature of the document
	}{
		{filepath.Join(root, "skarm_kalkan", "testdata", "java_xml", "native-xml.xml"), 0},
		{filepath.Join(root, "malikzh_NCANode", "xml", "XmlServiceTest.XML_SIGNED_VALID_STRING_TWO_SIGNERS.xml"), 1},
	}
	for _, p := range gostkncaXML {
		cases = append(cases, struct {
			path string
			sig  int
		}{p, 0})
	}
	require.Len(t, cases, 4)
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s#%d", strings.TrimPrefix(tc.path, root), tc.sig), func(t *testing.T) {
			data, err := os.ReadFile(tc.path)
			require.NoError(t, err)
			doc := string(data)
			cert, err := ParseCertificate(xmlElement(t, doc, "X509Certificate", tc.sig))
			require.NoError(t, err)
			pub, ok := gostKey(cert)
			require.True(t, ok, "signer key is %s", cert.Algorithm)
			signedInfo := c14nSignedInfo(t, doc, tc.sig)
			checkOnlyNCA(t, pub, []byte(signedInfo), xmlElement(t, doc, "SignatureValue", tc.sig))
		})
	}
}
