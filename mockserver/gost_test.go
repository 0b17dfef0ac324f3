package mockserver_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/mockserver"
)

// GOST 2015-512 keys (the one key NCA issues today for log-in and signing)
// from the test PKI: a head registers his legal entity and opens an API
// session; the old createSession refuses the key.
func TestScenarioGOSTHead(t *testing.T) {
	e := newEnv(t)
	head := e.ks(certstest.FixtureGOSTCEO)
	require.Equal(t, certs.AlgorithmGOST2015_512, head.Certificate.Algorithm)
	res := e.register(esfreg.LegalEntity, head, head, legalForm("gost@example.kz"), head)
	assert.Len(t, res.Agreements, 2)

	_, err := e.c.CreateSession(e.ctx, esfclient.SessionRequest{Key: head, Password: password, TIN: certstest.TestBIN})
	assert.ErrorIs(t, err, &esfreg.Error{Code: mockserver.CodeMethodNotSupportGOST})

	sess, err := e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: head, Password: password, TIN: certstest.TestBIN})
	require.NoError(t, err)
	st, err := sess.Status(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, "OK", st)
}

// The same flows with NCA's own GOST test keys (valid 2026-05-08 to
// 2027-05-08), trusting NCA's test CA and CRL.
func TestScenarioRealNCAGOSTKeys(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs", "ncanode-kz_NCANode-Go", "internal", "testdata", "certs")
	read := func(name string) []byte { return mustRead(t, filepath.Join(dir, name)) }
	ca, err := certs.ParseCertificate(read("nca_gost2022_test.cer"))
	require.NoError(t, err)
	crl, err := certs.ParseCRL(read("nca_gost2022_test.crl"))
	require.NoError(t, err)
	e := newEnvAt(t, time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC), func(o *mockserver.Options) {
		o.Roots = []*certs.Certificate{ca}
		o.CRLs = []*certs.CRL{crl}
	})
	open := func(rel string) *certs.KeyStore {
		ks, err := certs.OpenFile(filepath.Join(dir, rel), "Qwerty12")
		require.NoError(t, err)
		return ks
	}
	head := open("legal/valid/head.p12")
	individual := open("individual/valid/individual_valid.p12")

	e.register(esfreg.LegalEntity, head, head, legalForm("nca-head@example.kz"), head)
	// The same person's individual key logs in to the same account.
	login, err := e.c.Login(e.ctx, individual, password)
	require.NoError(t, err)
	assert.Len(t, login.Profiles, 2)
	sess, err := e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: head, Password: password, TIN: certstest.TestBIN})
	require.NoError(t, err)
	_, _ = sess.Close(e.ctx)

	// A key NCA revoked (listed in its CRL) is refused.
	_, err = e.c.StartRegistration(e.ctx, esfreg.LegalEntity, open("legal/revoked/head.p12"))
	assert.ErrorIs(t, err, esfreg.ErrCertificateRevoked)
}

func TestSOAPTicketsAndTokens(t *testing.T) {
	e := newEnv(t)
	auth, sign := e.ks(certstest.FixtureIndividualAuth), e.ks(certstest.FixtureIndividualSign)
	e.register(esfreg.Individual, auth, sign, form("soap@example.kz"), auth)
	req := esfclient.SessionRequest{Key: auth, Password: password, TIN: certstest.TestIIN}

	t.Run("UsernameToken required", func(t *testing.T) {
		noToken, err := esfclient.New(esfclient.Options{BaseURL: e.srv.URL, Now: e.srv.Now, NoUsernameToken: true})
		require.NoError(t, err)
		_, err = noToken.OpenSession(e.ctx, req)
		assert.ErrorIs(t, err, &esfreg.Error{Code: esfclient.CodeSecurityError})
		bad := req
		bad.Password = "Wrong12345"
		_, err = e.c.OpenSession(e.ctx, bad)
		assert.ErrorIs(t, err, &esfreg.Error{Code: esfclient.CodeSecurityError})
	})
	t.Run("an AUTH key or GOST key opens; a SIGN-only RSA key does not", func(t *testing.T) {
		_, err := e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: sign, Password: password, TIN: certstest.TestIIN})
		assert.ErrorIs(t, err, esfreg.ErrCertificateIsNotForAuth)
	})
	t.Run("no profile for the TIN", func(t *testing.T) {
		_, err := e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: auth, Password: password, TIN: certstest.TestBIN})
		assert.ErrorIs(t, err, esfreg.ErrEnterpriseNotFoundForUser)
	})
	t.Run("session times out", func(t *testing.T) {
		sess, err := e.c.OpenSession(e.ctx, req)
		require.NoError(t, err)
		e.srv.Advance(mockserver.DefaultSessionIdle + time.Minute)
		st, err := sess.Status(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, "CLOSED", st)
		_, err = sess.Profiles(e.ctx)
		assert.ErrorIs(t, err, &esfreg.Error{Code: mockserver.CodeSessionClosed})
	})
}

// Tickets are single use and expire.
func TestTickets(t *testing.T) {
	e := newEnv(t)
	auth, sign := e.ks(certstest.FixtureIndividualAuth), e.ks(certstest.FixtureIndividualSign)
	e.register(esfreg.Individual, auth, sign, form("t@example.kz"), auth)
	signer, err := auth.Signer()
	require.NoError(t, err)
	ticket := func() []byte {
		xml := soapCall(t, e.srv.URL, "AuthService", `<esf:createAuthTicketRequest><iin>`+certstest.TestIIN+`</iin><ttlInMinutes>1</ttlInMinutes></esf:createAuthTicketRequest>`)
		doc := between(xml, "<authTicketXml>", "</authTicketXml>")
		signed, err := xmlsigSign(unescape(doc), signer, auth.Certificate, e.srv.Now)
		require.NoError(t, err)
		return signed
	}
	create := func(signed []byte) string {
		return soapCallAs(t, e.srv.URL, "SessionService", `<esf:createSessionSignedRequest><tin>`+certstest.TestIIN+`</tin><signedAuthTicket>`+escape(string(signed))+`</signedAuthTicket></esf:createSessionSignedRequest>`, certstest.TestIIN, password)
	}
	signed := ticket()
	assert.Contains(t, create(signed), "<sessionId>")
	reused := create(signed)
	assert.Contains(t, reused, "<faultstring>AUTH_TICKET_NOT_FOUND</faultstring>", "a ticket works once")

	// A state the mock did not make, or a ticket whose IIN was changed.
	issued := unescape(between(soapCall(t, e.srv.URL, "AuthService", `<esf:createAuthTicketRequest><iin>`+certstest.TestIIN+`</iin></esf:createAuthTicketRequest>`), "<authTicketXml>", "</authTicketXml>"))
	state := between(issued, "<state>", "</state>")
	require.NotEmpty(t, state)
	for name, tc := range map[string]struct{ doc, fault string }{
		"forged state": {strings.Replace(issued, state, "0123456789abcdef."+state[strings.Index(state, ".")+1:], 1), "AUTH_TICKET_NOT_FOUND"},
		"another IIN":  {strings.Replace(issued, "<iin>"+certstest.TestIIN+"</iin>", "<iin>"+certstest.TestIIN2+"</iin>", 1), "INVALID_AUTH_TICKET"},
	} {
		signed, err := xmlsigSign(tc.doc, signer, auth.Certificate, e.srv.Now)
		require.NoError(t, err)
		assert.Contains(t, create(signed), "<faultstring>"+tc.fault+"</faultstring>", name)
	}

	expired := ticket()
	e.srv.Advance(2 * time.Minute)
	assert.Contains(t, create(expired), "<faultstring>AUTH_TICKET_EXPIRED</faultstring>")
	assert.Contains(t, create(expired), "<faultstring>AUTH_TICKET_NOT_FOUND</faultstring>", "an expired ticket is used up")
}
