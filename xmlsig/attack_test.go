package xmlsig_test

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/xmlsig"
)

const ticket = `<?xml version="1.0" encoding="UTF-8"?>
<authSign><timeMark>1700000000000</timeMark><state>login</state><iin>123456789011</iin></authSign>`

// TestAttackCatalogue applies the known attacks on XML signature
// verifiers to a genuinely signed ticket. Every one must be refused, or —
// where the standard lets the document verify — the caller must read back
// exactly and only the signed text.
func TestAttackCatalogue(t *testing.T) {
	s := fixtureSigner(t, certstest.FixtureIndividualAuth)
	other := fixtureSigner(t, certstest.FixtureCEOAuth)
	signedBytes, err := xmlsig.Sign([]byte(ticket), s.signer, s.cert, xmlsig.SignOptions{Now: clock})
	require.NoError(t, err)
	signed := string(signedBytes)
	otherSigned, err := xmlsig.Sign([]byte(ticket), other.signer, other.cert, xmlsig.SignOptions{Now: clock})
	require.NoError(t, err)

	sigRe := regexp.MustCompile(`(?s)<ds:Signature .*</ds:Signature>`)
	sig := sigRe.FindString(signed)
	require.NotEmpty(t, sig)
	body := `<timeMark>1700000000000</timeMark><state>login</state><iin>123456789011</iin>`
	evil := `<timeMark>1700000000000</timeMark><state>login</state><iin>999999999999</iin>`
	otherCert := base64.StdEncoding.EncodeToString(other.cert.X509.Raw)
	certRe := regexp.MustCompile(`(?s)<ds:X509Certificate>.*</ds:X509Certificate>`)

	cases := []attack{
		// XML Signature Wrapping: moves and copies of the signed content.
		{"XSW1 signed document wrapped in a new root", `<evil>` + strings.TrimPrefix(signed, `<?xml version="1.0" encoding="UTF-8"?>`+"\n") + `</evil>`, xmlsig.ErrMalformed},
		{"XSW2 evil content beside the signed document", strings.Replace(signed, `<authSign>`, `<authSign><authSign>`+evil+`</authSign>`, 1), xmlsig.ErrDigest},
		{"XSW3 evil content replaces, original moved into ds:Object", strings.Replace(strings.Replace(signed, body, evil, 1), `</ds:KeyInfo>`, `</ds:KeyInfo><ds:Object>`+body+`</ds:Object>`, 1), xmlsig.ErrMalformed},
		{"XSW4 original copied into KeyInfo", strings.Replace(strings.Replace(signed, body, evil, 1), `<ds:X509Data>`, `<authSign>`+body+`</authSign><ds:X509Data>`, 1), xmlsig.ErrCertificate},
		{"XSW5 copy inside SignedInfo", strings.Replace(signed, `</ds:Reference>`, `</ds:Reference><authSign>`+body+`</authSign>`, 1), xmlsig.ErrMalformed},
		{"XSW6 signature moved into a child element", strings.Replace(strings.Replace(signed, sig, "", 1), `</iin>`, sig+`</iin>`, 1), xmlsig.ErrMalformed},
		{"XSW7 reference to an id instead of the document", strings.Replace(strings.Replace(signed, `URI=""`, `URI="#x"`, 1), `<authSign>`, `<authSign Id="x">`, 1), xmlsig.ErrMalformed},
		{"XSW8 second reference", strings.Replace(signed, `</ds:SignedInfo>`, `<ds:Reference URI=""><ds:Transforms></ds:Transforms></ds:Reference></ds:SignedInfo>`, 1), xmlsig.ErrMalformed},
		{"content changed", strings.Replace(signed, "123456789011", "999999999999", 1), xmlsig.ErrDigest},
		{"attribute added", strings.Replace(signed, `<iin>`, `<iin role="admin">`, 1), xmlsig.ErrDigest},
		// KeyInfo.
		{"KeyInfo swapped for another certificate", certRe.ReplaceAllString(signed, `<ds:X509Certificate>`+otherCert+`</ds:X509Certificate>`), xmlsig.ErrSignature},
		{"extra certificate in KeyInfo", strings.Replace(signed, `</ds:X509Data>`, `<ds:X509Certificate>`+otherCert+`</ds:X509Certificate></ds:X509Data>`, 1), xmlsig.ErrCertificate},
		{"KeyInfo removed", regexp.MustCompile(`(?s)<ds:KeyInfo>.*</ds:KeyInfo>`).ReplaceAllString(signed, ""), xmlsig.ErrMalformed},
		{"another signer's signature grafted onto changed content", strings.Replace(strings.Replace(signed, sig, sigRe.FindString(string(otherSigned)), 1), body, evil, 1), xmlsig.ErrDigest},
		// Several signatures where one is expected.
		{"signature duplicated", strings.Replace(signed, sig, sig+sig, 1), xmlsig.ErrSignatureCount},
		{"no signature", strings.Replace(signed, sig, "", 1), xmlsig.ErrNoSignature},
		// DTDs and entities.
		{"entity expanding to the signed text", `<!DOCTYPE authSign [<!ENTITY i "123456789011">]>` + strings.Replace(strings.TrimPrefix(signed, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"), "<iin>123456789011</iin>", "<iin>&i;</iin>", 1), xmlsig.ErrForbidden},
		{"external entity", `<!DOCTYPE authSign [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + strings.TrimPrefix(signed, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"), xmlsig.ErrForbidden},
		{"undeclared entity", strings.Replace(signed, "<state>login", "<state>&login;", 1), xmlsig.ErrMalformed},
		{"processing instruction", strings.Replace(signed, "<state>", "<?evil x?><state>", 1), xmlsig.ErrForbidden},
		// Namespace tricks.
		{"signature in a look-alike namespace", strings.Replace(signed, `xmlns:ds="http://www.w3.org/2000/09/xmldsig#"`, `xmlns:ds="http://www.w3.org/2000/09/xmldsig#x"`, 1), xmlsig.ErrNoSignature},
		{"ds prefix redeclared inside SignedInfo", strings.Replace(signed, `<ds:SignedInfo>`, `<ds:SignedInfo xmlns:ds2="urn:x">`, 1), xmlsig.ErrSignature},
		{"namespace added to the document element", strings.Replace(signed, `<authSign>`, `<authSign xmlns:e="urn:evil">`, 1), xmlsig.ErrDigest},
		{"SignedInfo moved to another namespace", strings.Replace(strings.Replace(signed, `<ds:SignedInfo>`, `<ds:SignedInfo xmlns:ds="urn:evil">`, 1), `</ds:SignedInfo>`, `</ds:SignedInfo>`, 1), xmlsig.ErrMalformed},
		// Algorithms and shape.
		{"downgrade to rsa-sha1", strings.Replace(signed, "xmldsig-more#rsa-sha256", "xmldsig#rsa-sha1", 1), xmlsig.ErrUnsupported},
		{"GOST method with an RSA key", strings.Replace(signed, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", xmlsig.GOST2015512, 1), xmlsig.ErrUnsupported},
		{"exclusive C14N", strings.Replace(signed, `<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"`, `<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"`, 1), xmlsig.ErrUnsupported},
		{"XPath transform added", strings.Replace(signed, `</ds:Transforms>`, `<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>1</ds:XPath></ds:Transform></ds:Transforms>`, 1), xmlsig.ErrMalformed},
		{"enveloped transform dropped", strings.Replace(signed, `<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>`, ``, 1), xmlsig.ErrMalformed},
		{"signature value altered", strings.Replace(signed, "<ds:SignatureValue>\n", "<ds:SignatureValue>\nAAAA", 1), xmlsig.ErrSignature},
		{"text inside the signature", strings.Replace(signed, `</ds:SignedInfo>`, `</ds:SignedInfo>trust me`, 1), xmlsig.ErrMalformed},
		{"document too large", strings.Replace(signed, "<state>", "<state>"+strings.Repeat("a", xmlsig.DefaultMaxSize), 1), xmlsig.ErrTooLarge},
		{"not XML", "\x00\x01", xmlsig.ErrMalformed},
		{"two document elements", signed + `<x/>`, xmlsig.ErrMalformed},
	}
	// Parser differentials: XML that is not well-formed, which encoding/xml
	// alone would let through or read another way than libxml2.
	for _, c := range wellFormednessCases(t, signed) {
		if c.want != nil {
			cases = append(cases, attack{"XML: " + c.name, c.doc, c.want})
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := xmlsig.Verify([]byte(tc.doc), xmlsig.VerifyOptions{})
			require.Error(t, err, "verified %q", v)
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

type attack struct {
	name string
	doc  string
	want error
}

// TestSignerIsWhoSigned: the same ticket signed by someone else verifies —
// as that someone else. Whether he may sign it is the caller's rule (the
// agreement package and esfreg check the signer's IIN against the content).
func TestSignerIsWhoSigned(t *testing.T) {
	other := fixtureSigner(t, certstest.FixtureCEOAuth)
	signed, err := xmlsig.Sign([]byte(ticket), other.signer, other.cert, xmlsig.SignOptions{Now: clock})
	require.NoError(t, err)
	v, err := xmlsig.Verify(signed, xmlsig.VerifyOptions{})
	require.NoError(t, err)
	assert.Equal(t, other.cert.X509.Raw, v.Signer.X509.Raw)
}

// TestCommentInjection: a comment inside signed text does not change what
// a URI="" reference signs, so the document verifies — and what the
// caller reads back is the whole signed text, not a node cut at the comment.
func TestCommentInjection(t *testing.T) {
	s := fixtureSigner(t, certstest.FixtureIndividualAuth)
	signed, err := xmlsig.Sign([]byte(ticket), s.signer, s.cert, xmlsig.SignOptions{Now: clock})
	require.NoError(t, err)
	for _, injected := range []string{"123456<!---->789011", "<!--999999999999-->123456789011", "123456789011<!-- -->"} {
		doc := strings.Replace(string(signed), "<iin>123456789011</iin>", "<iin>"+injected+"</iin>", 1)
		v, err := xmlsig.Verify([]byte(doc), xmlsig.VerifyOptions{})
		require.NoError(t, err, injected)
		assert.Contains(t, string(v.Signed), "<iin>123456789011</iin>")
		assert.NotContains(t, string(v.Signed), "<!--")
		assert.NotContains(t, string(v.Signed), "999")
	}
}
