package ncalayer_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/cms"
	"github.com/esfkit/esf/ncalayer"
	"github.com/esfkit/esf/ncalayer/internal/orgjson"
	"github.com/esfkit/esf/ncalayer/ncalayertest"
	"github.com/esfkit/esf/xmlsig"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from what the server answers")

// A golden file is the transcript of one connection, message by message:
// "< " before what the server sent, "> " before what the client sent,
// one JSON text per line. Signatures are verified for real, then the parts
// that change from run to run are replaced (see normalize).

// protocolCase is one connection's exchange.
type protocolCase struct {
	name string
	// opts returns the server's options; nil is baseOptions with the
	// individual's RSA AUTH and SIGN keys and the GOST head's key.
	opts func(t *testing.T) ncalayer.Options
	// requests are sent one after the other.
	requests []string
	// content is the data of a detached CMS, for its verification.
	content []byte
	// signer is the common name every signature must be by.
	signer string
}

const (
	cu     = `{"module":"kz.gov.pki.knca.commonUtils",`
	basics = `{"module":"kz.gov.pki.knca.basics","method":"sign","args":`
)

var protocolCases = []protocolCase{
	{name: "greeting_heartbeat", requests: []string{"--heartbeat--", "--heartbeat--"}},
	{name: "greeting_version", opts: func(t *testing.T) ncalayer.Options {
		o := baseOptions()
		o.Version = "1.2"
		return o
	}},
	{name: "getActiveTokens", requests: []string{
		cu + `"method":"getActiveTokens"}`,
		cu + `"method":"getActiveTokens","args":[]}`,
		cu + `"method":"getActiveTokens","uuid":"42"}`,
	}},
	{name: "getActiveTokens_device", opts: func(t *testing.T) ncalayer.Options {
		auth, _, gost := keys(t)
		gost.Storage = ncalayer.StorageKaztoken
		return baseOptions(auth, gost)
	}, requests: []string{
		cu + `"method":"getActiveTokens"}`,
		cu + `"method":"getKeyInfo","args":["AKKaztokenStore"]}`,
		cu + `"method":"getKeyInfo","args":["AKJaCartaStore"]}`,
	}},
	{name: "getKeyInfo", requests: []string{
		cu + `"method":"getKeyInfo","args":["PKCS12"]}`,
		cu + `"method":"getKeyInfo","args":["PKCS12"],"uuid":"c0ffee"}`,
		cu + `"method":"getKeyInfo","args":[""]}`,
		cu + `"method":"getKeyInfo","args":["FLASH"]}`,
		cu + `"method":"getKeyInfo","args":["AKKaztokenStore"]}`,
		cu + `"method":"getKeyInfo","args":[null]}`,
		cu + `"method":"getKeyInfo","args":[1]}`,
		cu + `"method":"getKeyInfo"}`,
	}},
	{name: "getKeyInfo_gost", opts: func(t *testing.T) ncalayer.Options {
		_, _, gost := keys(t)
		o := baseOptions(gost)
		o.LineEnding = ncalayer.CRLF
		return o
	}, requests: []string{cu + `"method":"getKeyInfo","args":["PKCS12"]}`}},
	{name: "signXml_auth", signer: "ТЕСТОВ ТЕСТ", requests: []string{
		cu + `"method":"signXml","args":["PKCS12","AUTHENTICATION","<login><sessionid>e1f2</sessionid></login>","",""],"uuid":"u-1"}`,
		cu + `"method":"signXml","args":["PKCS12","SIGNATURE","<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tag>data</tag>","",""]}`,
	}},
	{name: "signXml_crlf", signer: "ТЕСТОВ ТЕСТ", opts: func(t *testing.T) ncalayer.Options {
		auth, _, _ := keys(t)
		o := baseOptions(auth)
		o.LineEnding = ncalayer.CRLF
		return o
	}, requests: []string{cu + `"method":"signXml","args":["PKCS12","ALL","<tag>data</tag>","",""]}`}},
	{name: "signXml_gost", signer: "ТЕСТОВ ТЕСТ", opts: func(t *testing.T) ncalayer.Options {
		_, _, gost := keys(t)
		return baseOptions(gost)
	}, requests: []string{
		cu + `"method":"signXml","args":["PKCS12","AUTHENTICATION","<login><timeTicket>1</timeTicket></login>","",""]}`,
		cu + `"method":"signXml","args":["PKCS12","SIGNATURE","<tag>data</tag>","",""]}`,
	}},
	{name: "signXml_errors", requests: []string{
		cu + `"method":"signXml","args":["PKCS12","123",555,"",""]}`,
		cu + `"method":"signXml","args":["PKCS12","123","<this>is not a valid XML","",""]}`,
		cu + `"method":"signXml","args":["PKCS12","SIGNATURE","<a/>"]}`,
		cu + `"method":"signXml","args":["PKCS12","SIGNATURE","<a id=\"x\"/>","//a",""]}`,
		cu + `"method":"signXml","args":["AKKaztokenStore","SIGNATURE","<a/>","",""]}`,
	}},
	{name: "signXmls", signer: "ТЕСТОВ ТЕСТ", requests: []string{
		cu + `"method":"signXmls","args":["PKCS12","SIGNATURE",["<a>1</a>","<b>2</b>"],"",""]}`,
		cu + `"method":"signXmls","args":["PKCS12","SIGNATURE","<a>1</a>","",""]}`,
		cu + `"method":"signXmls","args":["PKCS12","SIGNATURE",["<a>1</a>",2],"",""]}`,
	}},
	{name: "createCMSSignatureFromBase64", signer: "ТЕСТОВ ТЕСТ", content: []byte("11\n"), requests: []string{
		cu + `"method":"createCMSSignatureFromBase64","args":["PKCS12","SIGNATURE","MTEK",true]}`,
		cu + `"method":"createCMSSignatureFromBase64","args":["PKCS12","SIGNATURE","MTEK",false]}`,
		cu + `"method":"createCMSSignatureFromBase64","args":["PKCS12",[7,7,7],"MTEK",false]}`,
		cu + `"method":"createCMSSignatureFromBase64","args":["PKCS12","SIGNATURE","MTEK","true"]}`,
		cu + `"method":"createCMSSignatureFromBase64","args":["PKCS12","SIGNATURE","-----BEGIN",true]}`,
		cu + `"method":"createCMSSignatureFromBase64","args":["PKCS12","SIGNATURE","MTEK"]}`,
	}},
	{name: "createCAdESFromBase64", signer: "ТЕСТОВ ТЕСТ", content: []byte("11\n"), opts: func(t *testing.T) ncalayer.Options {
		_, _, gost := keys(t)
		return baseOptions(gost)
	}, requests: []string{
		cu + `"method":"createCAdESFromBase64","args":["PKCS12","SIGNATURE","MTEK",false]}`,
		cu + `"method":"createCAdESFromBase64","args":["AKKaztokenStore",123,"MTEK",false]}`,
		cu + `"method":"createCAdESFromBase64Hash","args":["PKCS12","123",""]}`,
		cu + `"method":"createCAdESFromBase64Hash","args":["PKCS12","123","MjVk"]}`,
	}},
	{name: "changeLocale", requests: []string{
		cu + `"method":"changeLocale","args":["kk"]}`,
		cu + `"method":"changeLocale","args":["en"],"uuid":"7"}`,
		cu + `"method":"changeLocale","args":[2]}`,
		cu + `"method":"showFileChooser","args":["P12",""]}`,
	}},
	{name: "commonUtils_dispatch", requests: []string{
		cu + `"method":"noSuchMethod","args":[]}`,
		cu + `"args":["PKCS12"]}`,
		cu + `"method":7}`,
		cu + `"method":"","args":[]}`,
		cu + `"method":"getKeyInfo","args":{"storage":"PKCS12"}}`,
		cu + `"method":"createCMSSignatureFromFile","args":["PKCS12","SIGNATURE","/etc/passwd",true]}`,
	}},
	{name: "cancel_no_key_fits", opts: func(t *testing.T) ncalayer.Options {
		_, sign, _ := keys(t)
		return baseOptions(sign)
	}, requests: []string{
		cu + `"method":"signXml","args":["PKCS12","AUTHENTICATION","<login/>","",""],"uuid":"9"}`,
		cu + `"method":"signXml","args":["JKS","SIGNATURE","<login/>","",""]}`,
		basics + `{"format":"xml","data":"<a/>","signingParams":{},"signerParams":{"extKeyUsageOids":["1.3.6.1.5.5.7.3.2"]}}}`,
		basics + `{"format":"cms","data":"MTEK","signingParams":{"decode":true},"signerParams":{"extKeyUsageOids":[],"iin":"000000000000"}}}`,
		basics + `{"allowedStorages":["AKKaztokenStore"],"format":"cms","data":"MTEK","signingParams":{"decode":true},"signerParams":{"extKeyUsageOids":[]}}}`,
	}},
	{name: "cancel_by_user", opts: func(t *testing.T) ncalayer.Options {
		o := baseOptions(keys(t))
		o.Choose = ncalayer.Cancel
		return o
	}, requests: []string{
		cu + `"method":"getKeyInfo","args":["PKCS12"]}`,
		basics + `{"format":"xml","data":"<a/>","signingParams":{},"signerParams":{"extKeyUsageOids":[]}}}`,
	}},
	{name: "basics_xml", signer: "ТЕСТОВ ТЕСТ", requests: []string{
		basics + `{"allowedStorages":["PKCS12"],"format":"xml","data":"<agreement><iin>123456789011</iin></agreement>","signingParams":{"decode":"false","encapsulate":"true","digested":"false"},"signerParams":{"extKeyUsageOids":["1.3.6.1.5.5.7.3.4"],"iin":"123456789011","bin":"","serialNumber":"","chain":null},"locale":"ru"}}`,
		basics + `{"format":"xml","data":["PGE+MTwvYT4=","PGI+MjwvYj4="],"signingParams":{"decode":true},"signerParams":{"extKeyUsageOids":["1.3.6.1.5.5.7.3.2"],"chain":[]},"locale":"kk"}}`,
	}},
	{name: "basics_cms", signer: "ТЕСТОВ ТЕСТ", content: []byte("11\n"), requests: []string{
		basics + `{"allowedStorages":["PKCS12"],"format":"cms","data":"MTEK","signingParams":{"decode":true,"encapsulate":false,"digested":false,"tsaProfile":{}},"signerParams":{"extKeyUsageOids":["1.3.6.1.5.5.7.3.4"]},"locale":"ru"}}`,
		basics + `{"format":"cms","data":["MTEK","MTEK"],"signingParams":{"decode":true},"signerParams":{"extKeyUsageOids":["1.2.398.3.3.4.1.1"]}}}`,
	}},
	{name: "basics_cms_gost_string", signer: "ТЕСТОВ ТЕСТ", opts: func(t *testing.T) ncalayer.Options {
		o := baseOptions(keys(t))
		o.CMSResultString = true
		return o
	}, requests: []string{
		basics + `{"format":"cms","data":"11\n","signingParams":{},"signerParams":{"extKeyUsageOids":[],"bin":"123456789021"}}}`,
		basics + `{"format":"cms","data":["11\n"],"signingParams":{},"signerParams":{"extKeyUsageOids":[],"bin":"123456789021"}}}`,
	}},
	{name: "basics_errors", requests: []string{
		basics + `{"format":"cms","data":"MTEK","signingParams":1,"signerParams":{"extKeyUsageOids":[]}}}`,
		basics + `{"format":"cms","data":"MTEK","signerParams":{"extKeyUsageOids":[]}}}`,
		basics + `{"format":"cms","data":"MTEK","signingParams":{},"signerParams":{}}}`,
		basics + `{"format":"cms","data":"-----BEGIN CMS-----","signingParams":{"decode":true},"signerParams":{"extKeyUsageOids":[]}}}`,
		basics + `{"format":"xml","data":"<a>","signingParams":{},"signerParams":{"extKeyUsageOids":[]}}}`,
		basics + `{"format":"pdf","data":"x","signingParams":{},"signerParams":{"extKeyUsageOids":[]}}}`,
		basics + `{"format":"cms","data":[],"signingParams":{},"signerParams":{"extKeyUsageOids":[]}}}`,
		basics + `{"format":"cms","data":"MTEK","signingParams":{"digested":true},"signerParams":{"extKeyUsageOids":[]}}}`,
		`{"module":"kz.gov.pki.knca.basics","method":"sign"}`,
		`{"module":"kz.gov.pki.knca.basics","method":"verify","args":{}}`,
		`{"module":"kz.gov.pki.knca.basics","method":"sign","apiVersion":1,"args":{}}`,
	}},
	{name: "unknown_modules", requests: []string{
		`{"module":"kz.gov.pki.knca.unknown","method":"x"}`,
		`{"module":"kz.digiflow.mobile.extensions","method":"getVersion"}`,
		`{"method":"getKeys","args":["PKCS12","C:\\keys\\RSA256_x.p12","secret","SIGN"]}`,
		`not json at all`,
		`["kz.gov.pki.knca.commonUtils"]`,
	}},
}

func TestProtocolGolden(t *testing.T) {
	for _, tc := range protocolCases {
		t.Run(tc.name, func(t *testing.T) {
			opts := baseOptions(keys(t))
			if tc.opts != nil {
				opts = tc.opts(t)
			}
			srv := ncalayertest.Start(t, opts)
			c, greeting := dial(t, srv, "")
			var b strings.Builder
			fmt.Fprintf(&b, "< %s\n", greeting)
			for _, req := range tc.requests {
				reply := c.call(req)
				fmt.Fprintf(&b, "> %s\n< %s\n", req, normalize(t, tc, reply))
			}
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./ncalayer -run TestProtocolGolden -update to write it")
			require.Equal(t, string(want), b.String())
		})
	}
}

var (
	signatureValue = regexp.MustCompile(`(?s)(<ds:SignatureValue>).*?(</ds:SignatureValue>)`)
	pemBody        = regexp.MustCompile(`(?s)^(-----BEGIN CMS-----\n)(.*)(\n-----END CMS-----\n)$`)
)

// normalize verifies every signature in a reply and replaces what changes
// from run to run: a GOST XML signature's value (GOST signatures are
// randomized), and a CMS whole (its bytes belong to package cms), by a
// description of what was verified. The rest stays byte for byte.
func normalize(t *testing.T, tc protocolCase, reply string) string {
	t.Helper()
	if reply == "--heartbeat--" {
		return reply
	}
	var v any
	require.NoError(t, json.Unmarshal([]byte(reply), &v), reply)
	replace := map[string]string{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case string:
			if n, ok := normalizeString(t, tc, v); ok {
				replace[v] = n
			}
		}
	}
	walk(v)
	out := []byte(reply)
	for old, n := range replace {
		q := orgjson.Quote(nil, old)
		require.True(t, bytes.Contains(out, q), "a reply string is not quoted as org.json quotes it")
		out = bytes.ReplaceAll(out, q, orgjson.Quote(nil, n))
	}
	return string(out)
}

func normalizeString(t *testing.T, tc protocolCase, s string) (string, bool) {
	switch {
	case strings.HasPrefix(s, "<?xml") && strings.Contains(s, "<ds:Signature"):
		ver, err := xmlsig.Verify([]byte(s), xmlsig.VerifyOptions{Chain: verifyOptions(t), Now: clock})
		require.NoError(t, err, s)
		require.Equal(t, tc.signer, ver.Signer.CommonName)
		if ver.Method == xmlsig.GOST2015512 {
			return signatureValue.ReplaceAllString(s, "${1}(GOST signature, verified)${2}"), true
		}
		return "", false
	case strings.HasPrefix(s, "-----BEGIN CMS-----"):
		m := pemBody.FindStringSubmatch(s)
		require.NotNil(t, m, "PEM armour: %q", s)
		der, err := cms.DecodePEM([]byte(s))
		require.NoError(t, err)
		return m[1] + describeCMS(t, tc, der) + m[3], true
	case strings.HasPrefix(s, "MII"):
		der, err := base64.StdEncoding.DecodeString(s)
		require.NoError(t, err)
		return describeCMS(t, tc, der), true
	}
	return "", false
}

// describeCMS verifies a CMS and says what it is.
func describeCMS(t *testing.T, tc protocolCase, der []byte) string {
	t.Helper()
	opts := cms.VerifyOptions{Chain: verifyOptions(t), Now: clock}
	ver, err := cms.Verify(der, opts)
	if errors.Is(err, cms.ErrContent) {
		opts.Content = tc.content
		ver, err = cms.Verify(der, opts)
	}
	require.NoError(t, err)
	require.Equal(t, tc.signer, ver.Signer.CommonName)
	require.True(t, ver.SigningTime.Equal(now.Truncate(1e9)), "signing time %s", ver.SigningTime)
	kind := "attached"
	if ver.Detached {
		kind = "detached"
	}
	return fmt.Sprintf("(CMS verified: %s, %d bytes of content, %s signature by %s %s, signed at %s)",
		kind, len(ver.Content), ver.Signer.Algorithm, ver.Signer.CommonName, ver.Signer.Usage, ver.SigningTime.UTC().Format("2006-01-02T15:04:05Z"))
}

// The golden files must hold what docs/ncalayer.md records, whatever
// -update wrote: the recorded exchanges, byte for byte.
func TestGoldenHoldsRecordings(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", name+".golden"))
		require.NoError(t, err)
		return string(b)
	}
	for _, tt := range []struct{ file, line string }{
		{"greeting_heartbeat", `< {"result":{"version":"1.4"}}`},
		{"greeting_heartbeat", "< --heartbeat--"},
		{"greeting_version", `< {"result":{"version":"1.2"}}`},
		{"getActiveTokens", `< {"responseObject":[],"code":"200"}`},
		{"getActiveTokens_device", `< {"responseObject":["AKKaztokenStore"],"code":"200"}`},
		{"getKeyInfo", `< {"code":"500","message":"java.lang.IllegalArgumentException: argument type mismatch. Method: getKeyInfo"}`},
		{"getKeyInfo", `< {"code":"500","message":"storage.unknown"}`},
		{"getKeyInfo", `< {"code":"500","message":"NoSuchMethodException getKeyInfo"}`},
		{"signXml_errors", `< {"code":"500","message":"java.lang.IllegalArgumentException: argument type mismatch. Method: signXml"}`},
		{"signXmls", `< {"code":"500","message":"java.lang.IllegalArgumentException: argument type mismatch. Method: signXmls"}`},
		{"createCMSSignatureFromBase64", `< {"code":"500","message":"java.lang.IllegalArgumentException: argument type mismatch. Method: createCMSSignatureFromBase64"}`},
		{"createCAdESFromBase64", `< {"code":"500","message":"java.lang.IllegalArgumentException: argument type mismatch. Method: createCAdESFromBase64"}`},
		{"createCAdESFromBase64", `< {"code":"500"}`},
		{"changeLocale", `< {"code":"200"}`},
		{"changeLocale", `< {"code":"500","message":"java.lang.IllegalArgumentException: argument type mismatch. Method: changeLocale"}`},
		{"cancel_no_key_fits", `< {"code":"500","message":"action.canceled","uuid":"9"}`},
		{"cancel_no_key_fits", `< {"body":{},"status":true}`},
		{"basics_errors", `< {"code":"INVOCATION_ERROR","details":"org.json.JSONException: JSONObject[\"signingParams\"] is not a JSONObject.","message":"An invoked method threw an exception.","status":false}`},
		{"basics_errors", `< {"code":"SIGNING_FAILURE","details":"java.lang.IllegalArgumentException: Illegal base64 character 2d","message":"Signing has failed.","status":false}`},
		{"unknown_modules", `< {"success":false,"errorCode":"MODULE_NOT_FOUND"}`},
	} {
		require.Contains(t, read(tt.file), tt.line+"\n", tt.file)
	}
	// The RSA signature of <tag>data</tag> digests as NCALayer's did.
	require.Contains(t, read("signXml_crlf"), `<ds:DigestValue>soDZFGIUsZ1x0sK/7x1bJvtGeQsO0BKOVwAvKxC3RJY=<\/ds:DigestValue>\r\n`)
	require.Contains(t, read("signXml_crlf"), `"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?><tag>data<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">\r\n<ds:SignedInfo>\r\n`)
}
