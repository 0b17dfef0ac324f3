package mockserver_test

import (
	"context"
	"crypto"
	"html"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/internal/pgtest"
	"github.com/esfkit/esf/mockserver"
	"github.com/esfkit/esf/xmlsig"
)

// TestMain closes the PostgreSQL cluster the tests share (pgtest.DSN), if
// one started it.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

// newEnvAt is newEnv with the clock at another time.
func newEnvAt(t *testing.T, at time.Time, modify ...func(*mockserver.Options)) *env {
	t.Helper()
	srv := mockserver.NewTestServer(t, append([]func(*mockserver.Options){mockserver.FixedClock(at)}, modify...)...)
	c, err := esfclient.New(esfclient.Options{BaseURL: srv.URL, Now: srv.Now})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	_, err = srv.SeedTaxpayer(esfreg.Taxpayer{TIN: "123456789021", NameRu: `АО "ТЕСТ"`, Type: esfreg.EnterprisePrivate,
		Resident: true, EnterpriseAdministrator: "123456789011"}, true)
	require.NoError(t, err)
	return &env{t: t, srv: srv, c: c, ctx: ctx}
}

// soapCall posts a SOAP body to a service and returns the answer.
func soapCall(t *testing.T, base, service, body string) string {
	t.Helper()
	return soapCallAs(t, base, service, body, "", "")
}

// soapCallAs is soapCall with a WS-Security UsernameToken (none when
// user is empty).
func soapCallAs(t *testing.T, base, service, body, user, password string) string {
	t.Helper()
	header := ""
	if user != "" {
		header = `<soapenv:Header><wsse:Security soapenv:mustUnderstand="1" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:UsernameToken>` +
			`<wsse:Username>` + escape(user) + `</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">` +
			escape(password) + `</wsse:Password></wsse:UsernameToken></wsse:Security></soapenv:Header>`
	}
	env := `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:esf="esf">` + header + `<soapenv:Body>` + body + `</soapenv:Body></soapenv:Envelope>`
	resp, err := http.Post(base+"/esf-web/ws/api1/"+service, "text/xml; charset=utf-8", strings.NewReader(env))
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(data)
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	if j := strings.Index(s, b); j >= 0 {
		return s[:j]
	}
	return s
}

func unescape(s string) string { return html.UnescapeString(s) }

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func xmlsigSign(doc string, s crypto.Signer, c *certs.Certificate, now func() time.Time) ([]byte, error) {
	return xmlsig.Sign([]byte(doc), s, c, xmlsig.SignOptions{Now: now})
}
