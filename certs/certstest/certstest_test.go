package certstest_test

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
)

var testNow = time.Date(2026, 3, 15, 10, 30, 0, 0, time.UTC)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func newCA(t testing.TB, opts certstest.Options) *certstest.CA {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedClock(testNow)
	}
	if opts.Rand == nil {
		opts.Rand = certstest.DeterministicRand(t.Name())
	}
	ca, err := certstest.NewCA(opts)
	require.NoError(t, err)
	return ca
}

// profileCase is one profile with what the certificate must say.
type profileCase struct {
	name     string
	profile  certstest.Profile
	holder   certs.Holder
	usage    certs.Usage
	roles    []certs.Role
	policy   asn1.ObjectIdentifier
	fileKind certs.FileKind
	iin, bin string
	surname  string
	first    string
	patron   string
	org      string
}

func profileCases() []profileCase {
	ind := func(name string, p certstest.Profile, usage certs.Usage, policy asn1.ObjectIdentifier, fk certs.FileKind) profileCase {
		return profileCase{name: name, profile: p, holder: certs.HolderIndividual, usage: usage,
			roles: []certs.Role{certs.RoleIndividual}, policy: policy, fileKind: fk,
			iin: certstest.TestIIN, surname: "ТЕСТОВ", first: "ТЕСТ", patron: "ТЕСТОВИЧ"}
	}
	legal := func(name string, p certstest.Profile, usage certs.Usage, role certs.Role, policy asn1.ObjectIdentifier, fk certs.FileKind) profileCase {
		return profileCase{name: name, profile: p, holder: certs.HolderLegalEntity, usage: usage,
			roles: []certs.Role{certs.RoleOrganization, role}, policy: policy, fileKind: fk,
			iin: certstest.TestIIN, bin: certstest.TestBIN, surname: "ТЕСТОВ", first: "ТЕСТ", patron: "ТЕСТОВИЧ", org: `АО "ТЕСТ"`}
	}
	var (
		indAuth   = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 2, 4}
		indSign   = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 2, 3}
		legalAuth = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 2, 2}
		legalSign = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 2, 1}
	)
	return []profileCase{
		ind("individual AUTH (zero profile)", certstest.Profile{}, certs.UsageAuth, indAuth, certs.FileAuthRSA256),
		ind("individual SIGN", certstest.Profile{Usage: certs.UsageSign}, certs.UsageSign, indSign, certs.FileRSA256),
		ind("entrepreneur AUTH", certstest.Profile{Kind: certstest.KindEntrepreneur, Usage: certs.UsageAuth}, certs.UsageAuth, indAuth, certs.FileAuthRSA256),
		ind("entrepreneur SIGN", certstest.Profile{Kind: certstest.KindEntrepreneur, Usage: certs.UsageSign}, certs.UsageSign, indSign, certs.FileRSA256),
		legal("CEO AUTH", certstest.Profile{Kind: certstest.KindCEO, Usage: certs.UsageAuth}, certs.UsageAuth, certs.RoleCEO, legalAuth, certs.FileAuthRSA256),
		legal("CEO SIGN", certstest.Profile{Kind: certstest.KindCEO, Usage: certs.UsageSign}, certs.UsageSign, certs.RoleCEO, legalSign, certs.FileRSA256),
		legal("can sign AUTH", certstest.Profile{Kind: certstest.KindCanSign, Usage: certs.UsageAuth}, certs.UsageAuth, certs.RoleCanSign, legalAuth, certs.FileAuthRSA256),
		legal("can sign SIGN", certstest.Profile{Kind: certstest.KindCanSign, Usage: certs.UsageSign}, certs.UsageSign, certs.RoleCanSign, legalSign, certs.FileRSA256),
		legal("employee AUTH", certstest.Profile{Kind: certstest.KindEmployee, Usage: certs.UsageAuth}, certs.UsageAuth, certs.RoleEmployee, legalAuth, certs.FileAuthRSA256),
		legal("employee SIGN", certstest.Profile{Kind: certstest.KindEmployee, Usage: certs.UsageSign}, certs.UsageSign, certs.RoleEmployee, legalSign, certs.FileRSA256),
	}
}

func TestIssueProfiles(t *testing.T) {
	ca := newCA(t, certstest.Options{})
	for _, tc := range profileCases() {
		t.Run(tc.name, func(t *testing.T) {
			is, err := ca.Issue(tc.profile)
			require.NoError(t, err)

			ks, err := certs.Open(is.PKCS12, is.PIN)
			require.NoError(t, err, "certs.Open on a certstest key store")
			c := ks.Certificate
			assert.Equal(t, is.Certificate.X509.Raw, c.X509.Raw)
			assert.Empty(t, ks.CACertificates, "NCA key stores hold the leaf only")
			require.IsType(t, &rsa.PrivateKey{}, ks.PrivateKey)
			assert.True(t, ks.PrivateKey.(*rsa.PrivateKey).Equal(is.PrivateKey), "key store holds Issued.PrivateKey")
			// go-pkcs12's attributes, not NCA's (documented difference).
			fp := sha1.Sum(c.X509.Raw)
			assert.Equal(t, fp[:], ks.LocalKeyID)
			assert.Empty(t, ks.FriendlyName)

			assert.Equal(t, tc.iin, c.IIN)
			assert.Equal(t, tc.bin, c.BIN)
			assert.Equal(t, tc.surname+" "+tc.first, c.CommonName)
			assert.Equal(t, tc.surname, c.Surname)
			assert.Equal(t, tc.first, c.FirstName)
			assert.Equal(t, tc.patron, c.Patronymic)
			assert.Equal(t, tc.org, c.Organization)
			assert.Equal(t, "KZ", c.Country)
			assert.Empty(t, c.Email)
			assert.Equal(t, tc.usage, c.Usage)
			assert.Equal(t, tc.holder, c.Holder)
			assert.Equal(t, tc.profile.Kind.Holder(), c.Holder)
			assert.Equal(t, certs.AlgorithmRSA, c.Algorithm)
			assert.Equal(t, tc.roles, c.Roles)
			assert.Equal(t, tc.fileKind, c.FileKind)
			assert.Equal(t, certstest.DefaultIntermediateName, c.Issuer)
			assert.Equal(t, 2048, c.PublicKey.(*rsa.PublicKey).N.BitLen())

			// SKI = SHA-1 of the subjectPublicKey (RFC 5280 method 1).
			spki := sha1.Sum(x509.MarshalPKCS1PublicKey(&is.PrivateKey.(*rsa.PrivateKey).PublicKey))
			assert.Equal(t, spki[:], c.SKI)
			// Serial = SKI with the top bit cleared, 20 bytes.
			want := append([]byte(nil), c.SKI...)
			want[0] &= 0x7f
			assert.Equal(t, new(big.Int).SetBytes(want), c.X509.SerialNumber)
			assert.GreaterOrEqual(t, c.X509.SerialNumber.Bytes()[0], byte(0x10))
			assert.Equal(t, ca.Intermediate().SKI, c.X509.AuthorityKeyId)

			// File name: kind + SKI hex, and certs agrees.
			assert.Equal(t, string(tc.fileKind)+hex.EncodeToString(c.SKI)+".p12", is.FileName)
			assert.Equal(t, c.FileName(), is.FileName)
			kind, fileSKI, ok := certs.ParseFileName(is.FileName)
			require.True(t, ok, "certs.ParseFileName(%q)", is.FileName)
			assert.Equal(t, tc.fileKind, kind)
			assert.Equal(t, c.SKI, fileSKI)

			// Validity: 365 days from Now.
			assert.Equal(t, testNow, c.NotBefore)
			assert.Equal(t, testNow.Add(365*24*time.Hour), c.NotAfter)

			// Extensions.
			x := c.X509
			assert.Equal(t, []asn1.ObjectIdentifier{tc.policy}, x.PolicyIdentifiers)
			assert.True(t, extension(t, x, asn1.ObjectIdentifier{2, 5, 29, 15}).Critical, "keyUsage is critical")
			wantEKU := x509.ExtKeyUsageClientAuth
			wantKU := x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
			if tc.usage == certs.UsageSign {
				wantEKU = x509.ExtKeyUsageEmailProtection
				wantKU = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
			}
			assert.Equal(t, wantKU, x.KeyUsage)
			assert.Equal(t, []x509.ExtKeyUsage{wantEKU}, x.ExtKeyUsage)
			var roleOIDs []asn1.ObjectIdentifier
			for _, r := range tc.roles {
				roleOIDs = append(roleOIDs, r.OID())
			}
			assert.Equal(t, roleOIDs, x.UnknownExtKeyUsage)
			assert.Equal(t, []string{"http://test.pki.gov.kz/crl/nca_rsa_certstest.crl"}, x.CRLDistributionPoints)
			assert.Equal(t, []string{"http://test.pki.gov.kz/cert/nca_rsa_certstest.cer"}, x.IssuingCertificateURL)
			assert.Equal(t, []string{"http://test.pki.gov.kz/ocsp/"}, x.OCSPServer)
			extension(t, x, asn1.ObjectIdentifier{2, 5, 29, 46}) // freshest CRL
			assert.False(t, x.IsCA)
			assert.Equal(t, x509.SHA256WithRSA, x.SignatureAlgorithm)

			// Chain and Verify.
			require.Len(t, is.Chain, 3)
			assert.Same(t, is.Certificate, is.Chain[0])
			assert.Same(t, ca.Intermediate(), is.Chain[1])
			assert.Same(t, ca.Root(), is.Chain[2])
			opts, err := ca.VerifyOptions()
			require.NoError(t, err)
			chain, err := certs.Verify(c, opts)
			require.NoError(t, err)
			require.Len(t, chain, 3)
			assert.Equal(t, ca.Root().X509.Raw, chain[2].X509.Raw)
			opts.Usage, opts.Holder = tc.usage, tc.holder
			_, err = certs.Verify(c, opts)
			assert.NoError(t, err)

			// The other usage and the other holder are refused.
			otherUsage, otherHolder := certs.UsageSign, certs.HolderLegalEntity
			if tc.usage == certs.UsageSign {
				otherUsage = certs.UsageAuth
			}
			if tc.holder == certs.HolderLegalEntity {
				otherHolder = certs.HolderIndividual
			}
			opts.Usage, opts.Holder = otherUsage, 0
			assertReason(t, certs.ReasonWrongUsage, verify(c, opts))
			opts.Usage, opts.Holder = 0, otherHolder
			assertReason(t, certs.ReasonWrongHolder, verify(c, opts))
		})
	}
}

// TestSubjectLayout checks the RDN order and string types of §1.1.
func TestSubjectLayout(t *testing.T) {
	ca := newCA(t, certstest.Options{})
	type rdn struct {
		oid   string
		tag   int
		value string
	}
	const utf8, printable = asn1.TagUTF8String, asn1.TagPrintableString
	tests := []struct {
		name    string
		profile certstest.Profile
		want    []rdn
	}{
		{"individual", certstest.Profile{}, []rdn{
			{"2.5.4.3", utf8, "ТЕСТОВ ТЕСТ"}, {"2.5.4.4", utf8, "ТЕСТОВ"}, {"2.5.4.5", printable, "IIN123456789011"},
			{"2.5.4.6", printable, "KZ"}, {"2.5.4.42", utf8, "ТЕСТОВИЧ"}}},
		{"legal entity", certstest.Profile{Kind: certstest.KindEmployee}, []rdn{
			{"2.5.4.3", utf8, "ТЕСТОВ ТЕСТ"}, {"2.5.4.4", utf8, "ТЕСТОВ"}, {"2.5.4.5", printable, "IIN123456789011"},
			{"2.5.4.6", printable, "KZ"}, {"2.5.4.10", utf8, `АО "ТЕСТ"`}, {"2.5.4.11", utf8, "BIN123456789021"},
			{"2.5.4.42", utf8, "ТЕСТОВИЧ"}}},
		{"latin name without patronymic", certstest.Profile{Surname: "SMITH", FirstName: "JOHN", IIN: "990101300123"}, []rdn{
			{"2.5.4.3", utf8, "SMITH JOHN"}, {"2.5.4.4", utf8, "SMITH"}, {"2.5.4.5", printable, "IIN990101300123"},
			{"2.5.4.6", printable, "KZ"}}},
		{"intermediate CA", certstest.Profile{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, want := ca.Intermediate().X509.RawSubject, []rdn{{"2.5.4.3", utf8, certstest.DefaultIntermediateName}, {"2.5.4.6", printable, "KZ"}}
			if tc.want != nil {
				is, err := ca.Issue(tc.profile)
				require.NoError(t, err)
				raw, want = is.Certificate.X509.RawSubject, tc.want
				assert.Equal(t, ca.Intermediate().X509.RawSubject, is.Certificate.X509.RawIssuer)
			}
			var seq []asn1.RawValue
			rest, err := asn1.Unmarshal(raw, &seq)
			require.NoError(t, err)
			require.Empty(t, rest)
			var got []rdn
			for _, set := range seq {
				var atvs []struct {
					Type  asn1.ObjectIdentifier
					Value asn1.RawValue
				}
				_, err := asn1.UnmarshalWithParams(set.FullBytes, &atvs, "set")
				require.NoError(t, err)
				require.Len(t, atvs, 1, "single-valued RDNs")
				got = append(got, rdn{atvs[0].Type.String(), atvs[0].Value.Tag, string(atvs[0].Value.Bytes)})
			}
			assert.Equal(t, want, got)
		})
	}
}

func TestCACertificates(t *testing.T) {
	ca := newCA(t, certstest.Options{})
	root, inter := ca.Root(), ca.Intermediate()
	tests := []struct {
		name   string
		cert   *certs.Certificate
		cn     string
		issuer *certs.Certificate
		policy asn1.ObjectIdentifier
	}{
		{"root", root, certstest.DefaultRootName, root, asn1.ObjectIdentifier{1, 2, 398, 3, 1, 2}},
		{"intermediate", inter, certstest.DefaultIntermediateName, root, asn1.ObjectIdentifier{1, 2, 398, 3, 3, 1, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := tc.cert.X509
			assert.Equal(t, tc.cn, tc.cert.CommonName)
			assert.Equal(t, tc.issuer.CommonName, tc.cert.Issuer)
			assert.True(t, x.IsCA)
			assert.True(t, x.BasicConstraintsValid)
			assert.Equal(t, x509.KeyUsageCertSign|x509.KeyUsageCRLSign, x.KeyUsage)
			assert.True(t, extension(t, x, asn1.ObjectIdentifier{2, 5, 29, 15}).Critical)
			assert.Equal(t, 4096, x.PublicKey.(*rsa.PublicKey).N.BitLen())
			assert.Equal(t, []asn1.ObjectIdentifier{tc.policy}, x.PolicyIdentifiers)
			assert.Equal(t, tc.issuer.SKI, x.AuthorityKeyId)
			spki := sha1.Sum(x509.MarshalPKCS1PublicKey(x.PublicKey.(*rsa.PublicKey)))
			assert.Equal(t, spki[:], tc.cert.SKI)
			assert.Equal(t, certs.HolderUnknown, tc.cert.Holder)
			assert.Empty(t, tc.cert.FileKind)
			assert.True(t, tc.cert.ValidAt(testNow))
			assert.True(t, tc.cert.ValidAt(testNow.Add(-366*24*time.Hour)), "CA validity covers an expired leaf")
			assert.NoError(t, x.CheckSignatureFrom(tc.issuer.X509))
		})
	}
	assert.Equal(t, root.X509.Raw, ca.RootDER())
	assert.Equal(t, inter.X509.Raw, ca.IntermediateDER())
	assert.Equal(t, []string{"http://test.pki.gov.kz/crl/root_rsa_certstest.crl"}, inter.X509.CRLDistributionPoints)
	assert.Equal(t, []string{"http://test.pki.gov.kz/cert/root_rsa_certstest.cer"}, inter.X509.IssuingCertificateURL)
}

func TestStates(t *testing.T) {
	ca := newCA(t, certstest.Options{})
	tests := []struct {
		name    string
		profile certstest.Profile
		reason  certs.Reason // 0: verifies
	}{
		{"valid", certstest.Profile{Usage: certs.UsageSign}, 0},
		{"expired", certstest.Profile{Usage: certs.UsageSign, State: certstest.StateExpired}, certs.ReasonExpired},
		{"revoked", certstest.Profile{Usage: certs.UsageSign, State: certstest.StateRevoked}, certs.ReasonRevoked},
		{"not yet valid", certstest.Profile{NotBefore: testNow.Add(time.Hour)}, certs.ReasonNotYetValid},
		{"expired by hand", certstest.Profile{NotBefore: testNow.Add(-48 * time.Hour), Validity: 24 * time.Hour}, certs.ReasonExpired},
	}
	issued := map[string]*certstest.Issued{}
	for _, tc := range tests {
		is, err := ca.Issue(tc.profile)
		require.NoError(t, err, tc.name)
		issued[tc.name] = is
	}
	opts, err := ca.VerifyOptions()
	require.NoError(t, err)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := certs.Verify(issued[tc.name].Certificate, opts)
			if tc.reason == 0 {
				assert.NoError(t, err)
				return
			}
			ve := assertReason(t, tc.reason, err)
			if tc.reason == certs.ReasonRevoked {
				assert.Equal(t, testNow, ve.RevocationTime)
			}
		})
	}
	exp := issued["expired"].Certificate
	assert.Equal(t, testNow.Add(-24*time.Hour), exp.NotAfter, "expired a day before Now")
	assert.Equal(t, 365*24*time.Hour, exp.NotAfter.Sub(exp.NotBefore))
}

func TestRevokeAndCRL(t *testing.T) {
	now := testNow
	ca := newCA(t, certstest.Options{Now: func() time.Time { return now }})
	a, err := ca.Issue(certstest.Profile{})
	require.NoError(t, err)
	b, err := ca.Issue(certstest.Profile{Usage: certs.UsageSign})
	require.NoError(t, err)

	der, err := ca.CRL()
	require.NoError(t, err)
	crl, err := certs.ParseCRL(der)
	require.NoError(t, err)
	assert.Empty(t, crl.Revoked)
	assert.Equal(t, big.NewInt(1), crl.Number)

	now = testNow.Add(time.Hour)
	require.NoError(t, ca.Revoke(b.Certificate))
	require.NoError(t, ca.Revoke(b.Certificate), "revoking twice is fine")
	now = testNow.Add(2 * time.Hour)
	der, err = ca.CRL()
	require.NoError(t, err)
	crl, err = certs.ParseCRL(der)
	require.NoError(t, err)

	assert.Equal(t, ca.Intermediate().X509.RawSubject, crl.RawIssuer)
	assert.Equal(t, ca.Intermediate().SKI, crl.AuthorityKeyID)
	assert.Equal(t, now, crl.ThisUpdate)
	assert.Equal(t, now.Add(24*time.Hour), crl.NextUpdate)
	assert.Equal(t, big.NewInt(2), crl.Number)
	assert.False(t, crl.Delta)
	require.Len(t, crl.Revoked, 1)
	entry, ok := crl.Lookup(b.Certificate.X509.SerialNumber)
	require.True(t, ok)
	assert.Equal(t, testNow.Add(time.Hour), entry.RevocationTime)
	_, ok = crl.Lookup(a.Certificate.X509.SerialNumber)
	assert.False(t, ok)

	// crypto/x509 agrees: a well-formed CRL signed by the intermediate.
	xcrl, err := x509.ParseRevocationList(der)
	require.NoError(t, err)
	require.NoError(t, xcrl.CheckSignatureFrom(ca.Intermediate().X509))

	opts := certs.VerifyOptions{
		Roots:         []*certs.Certificate{ca.Root()},
		Intermediates: []*certs.Certificate{ca.Intermediate()},
		CRLs:          []*certs.CRL{crl},
		CurrentTime:   now,
	}
	_, err = certs.Verify(a.Certificate, opts)
	assert.NoError(t, err)
	assertReason(t, certs.ReasonRevoked, verify(b.Certificate, opts))
	opts.CurrentTime = testNow.Add(30 * time.Minute)
	_, err = certs.Verify(b.Certificate, opts)
	assert.NoError(t, err, "valid before its revocation time")

	t.Run("foreign certificate", func(t *testing.T) {
		other := newCA(t, certstest.Options{IntermediateName: "ANOTHER TEST CA"})
		is, err := other.Issue(certstest.Profile{})
		require.NoError(t, err)
		assert.ErrorIs(t, ca.Revoke(is.Certificate), certstest.ErrNotIssued)
		assert.ErrorIs(t, ca.Revoke(nil), certstest.ErrNotIssued)
		opts.CurrentTime = now
		assertReason(t, certs.ReasonUnknownAuthority, verify(is.Certificate, opts))
	})
}

func TestCustomProfile(t *testing.T) {
	ca := newCA(t, certstest.Options{PIN: "Aa123456", BaseURL: "http://127.0.0.1:8080"})
	key := poolKey(t)
	p := certstest.Profile{
		Kind:         certstest.KindCanSign,
		Usage:        certs.UsageSign,
		Surname:      "ҚҰНАНБАЙ",
		FirstName:    "АБАЙ",
		Patronymic:   "ҚҰНАНБАЙҰЛЫ",
		IIN:          "123456789012",
		Organization: `"АЛАШ" ПАРТИЯСЫ`,
		BIN:          "012345678912",
		Email:        "abai@example.kz",
		Roles:        []certs.Role{certs.RoleOrganization, certs.RoleCanSign, certs.RoleCanSignFinancial},
		NotBefore:    testNow.Add(-time.Hour),
		Validity:     3 * 365 * 24 * time.Hour,
		PIN:          "secret",
		Key:          key,
	}
	is, err := ca.Issue(p)
	require.NoError(t, err)
	assert.Equal(t, "secret", is.PIN)
	_, err = certs.Open(is.PKCS12, "Aa123456")
	assert.ErrorIs(t, err, certs.ErrWrongPIN)
	ks, err := certs.Open(is.PKCS12, "secret")
	require.NoError(t, err)
	c := ks.Certificate
	assert.Equal(t, "ҚҰНАНБАЙ АБАЙ", c.CommonName)
	assert.Equal(t, "ҚҰНАНБАЙ АБАЙ ҚҰНАНБАЙҰЛЫ", c.FullName())
	assert.Equal(t, "123456789012", c.IIN)
	assert.Equal(t, "012345678912", c.BIN)
	assert.Equal(t, `"АЛАШ" ПАРТИЯСЫ`, c.Organization)
	assert.Equal(t, "abai@example.kz", c.Email)
	assert.Equal(t, []string{"abai@example.kz"}, c.X509.EmailAddresses, "e-mail in subjectAltName")
	assert.Equal(t, []certs.Role{certs.RoleOrganization, certs.RoleCanSign, certs.RoleCanSignFinancial}, c.Roles)
	assert.Equal(t, testNow.Add(-time.Hour), c.NotBefore)
	assert.Equal(t, testNow.Add(-time.Hour+3*365*24*time.Hour), c.NotAfter)
	assert.True(t, key.Equal(ks.PrivateKey))
	assert.Equal(t, []string{"http://127.0.0.1:8080/crl/nca_rsa_certstest.crl"}, c.X509.CRLDistributionPoints)
	assert.Equal(t, "http://127.0.0.1:8080/crl/nca_rsa_certstest.crl", ca.URLs().CRL)
	assert.Equal(t, "Aa123456", ca.PIN())

	// Issued.Profile is the profile with defaults filled in.
	assert.Equal(t, p.Surname, is.Profile.Surname)
	assert.Equal(t, testNow.Add(-time.Hour), is.Profile.NotBefore)
	def, err := ca.Issue(certstest.Profile{Kind: certstest.KindCEO})
	require.NoError(t, err)
	assert.Equal(t, certstest.Profile{
		Kind: certstest.KindCEO, Usage: certs.UsageAuth, Surname: "ТЕСТОВ", FirstName: "ТЕСТ", Patronymic: "ТЕСТОВИЧ",
		IIN: "123456789011", Organization: `АО "ТЕСТ"`, BIN: "123456789021", Roles: []certs.Role{certs.RoleOrganization, certs.RoleCEO},
		NotBefore: testNow, Validity: 365 * 24 * time.Hour, PIN: "Aa123456", Key: def.PrivateKey.(*rsa.PrivateKey),
	}, def.Profile)
}

// poolKey takes a key from a throwaway CA's pool.
func poolKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	other := newCA(t, certstest.Options{})
	is, err := other.Issue(certstest.Profile{})
	require.NoError(t, err)
	return is.PrivateKey.(*rsa.PrivateKey)
}

func TestIssueErrors(t *testing.T) {
	ca := newCA(t, certstest.Options{})
	tests := []struct {
		name    string
		profile certstest.Profile
	}{
		{"AUTH+SIGN is GOST only", certstest.Profile{Usage: certs.UsageAuth | certs.UsageSign}},
		{"unknown kind", certstest.Profile{Kind: certstest.Kind(42)}},
		{"unknown state", certstest.Profile{State: certstest.State(42)}},
		{"organization for an individual", certstest.Profile{Organization: "ТОО"}},
		{"BIN for an entrepreneur", certstest.Profile{Kind: certstest.KindEntrepreneur, BIN: "123456789021"}},
		{"IIN not printable", certstest.Profile{IIN: "ИИН"}},
		{"first name without surname", certstest.Profile{FirstName: "ТЕСТ"}},
		{"role without OID", certstest.Profile{Roles: []certs.Role{"BOSS"}}},
		{"negative validity", certstest.Profile{Validity: -time.Hour}},
		{"expired that is not", certstest.Profile{State: certstest.StateExpired, NotBefore: testNow}},
		{"e-mail not IA5", certstest.Profile{Email: "тест@пример.kz"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ca.Issue(tc.profile)
			assert.Error(t, err)
		})
	}
}

func TestDeterministic(t *testing.T) {
	build := func(seed string) (files [][]byte) {
		ca, err := certstest.NewCA(certstest.Options{Now: fixedClock(testNow), Rand: certstest.DeterministicRand(seed)})
		require.NoError(t, err)
		files = append(files, ca.RootDER(), ca.IntermediateDER())
		for _, p := range []certstest.Profile{
			{}, {Usage: certs.UsageSign, State: certstest.StateRevoked}, {Kind: certstest.KindCEO, State: certstest.StateExpired},
		} {
			is, err := ca.Issue(p)
			require.NoError(t, err)
			files = append(files, is.Certificate.X509.Raw, is.PKCS12)
		}
		crl, err := ca.CRL()
		require.NoError(t, err)
		return append(files, crl)
	}
	first, again, other := build("seed"), build("seed"), build("other seed")
	require.Equal(t, len(first), len(again))
	for i := range first {
		assert.Equal(t, first[i], again[i], "file %d differs between two runs with the same clock and Rand", i)
	}
	// Rand feeds the key stores' salts only: certificates and the CRL stay.
	for i := range first {
		isKeyStore := i >= 2 && i < 8 && i%2 == 1
		if isKeyStore {
			assert.NotEqual(t, first[i], other[i], "file %d: another Rand, other salts", i)
		} else {
			assert.Equal(t, first[i], other[i], "file %d does not depend on Rand", i)
		}
	}
}

// countingReader counts what is read from crypto/rand through it.
type countingReader struct {
	mu sync.Mutex
	r  io.Reader
	n  int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestRandIsUsed(t *testing.T) {
	r := &countingReader{r: certstest.DeterministicRand("count")}
	ca := newCA(t, certstest.Options{Rand: r})
	_, err := ca.Issue(certstest.Profile{})
	require.NoError(t, err)
	assert.Equal(t, 3*8, r.n, "three 8-byte salts: MAC, key bag, certificate bag")
}

func TestZeroOptions(t *testing.T) {
	ca, err := certstest.NewCA(certstest.Options{})
	require.NoError(t, err)
	is, err := ca.Issue(certstest.Profile{})
	require.NoError(t, err)
	assert.Equal(t, certstest.DefaultPIN, is.PIN)
	assert.WithinDuration(t, time.Now(), is.Certificate.NotBefore, time.Minute)
	opts, err := ca.VerifyOptions()
	require.NoError(t, err)
	_, err = certs.Verify(is.Certificate, opts)
	assert.NoError(t, err)
	assert.Equal(t, certstest.DefaultRootName, ca.Root().CommonName)
	assert.Equal(t, "http://test.pki.gov.kz/ocsp/", ca.URLs().OCSP)
}

func TestKeyPool(t *testing.T) {
	a, b := newCA(t, certstest.Options{}), newCA(t, certstest.Options{Now: fixedClock(testNow.Add(time.Hour))})
	assert.Equal(t, a.Root().SKI, b.Root().SKI, "every pool CA has the same keys")
	seen := map[string]bool{}
	for i := range 16 {
		ia, err := a.Issue(certstest.Profile{})
		require.NoError(t, err)
		ib, err := b.Issue(certstest.Profile{Usage: certs.UsageSign})
		require.NoError(t, err)
		assert.Equal(t, ia.Certificate.SKI, ib.Certificate.SKI, "key %d: both CAs hand out the pool in order", i)
		assert.False(t, seen[string(ia.Certificate.SKI)], "key %d used twice", i)
		seen[string(ia.Certificate.SKI)] = true
	}
	if testing.Short() {
		t.Skip("generating an RSA key once the pool is used up is slow; skipped in -short")
	}
	is, err := a.Issue(certstest.Profile{})
	require.NoError(t, err, "the 17th key is generated")
	assert.False(t, seen[string(is.Certificate.SKI)])
}

func TestConcurrentIssue(t *testing.T) {
	ca := newCA(t, certstest.Options{})
	var wg sync.WaitGroup
	results := make([]*certstest.Issued, 8)
	errs := make([]error, 8)
	for i := range results {
		wg.Go(func() {
			p := certstest.Profile{Kind: certstest.Kind(i % 5), Usage: certs.UsageSign}
			if i%3 == 0 {
				p.State = certstest.StateRevoked
			}
			results[i], errs[i] = ca.Issue(p)
			if errs[i] == nil {
				_, errs[i] = ca.CRL()
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, is := range results {
		require.NoError(t, errs[i])
		assert.False(t, seen[is.FileName], "two key stores share key %s", is.FileName)
		seen[is.FileName] = true
	}
	der, err := ca.CRL()
	require.NoError(t, err)
	crl, err := certs.ParseCRL(der)
	require.NoError(t, err)
	assert.Len(t, crl.Revoked, 3)
}

func TestDeterministicRand(t *testing.T) {
	read := func(r io.Reader, sizes ...int) []byte {
		var out []byte
		for _, n := range sizes {
			b := make([]byte, n)
			_, err := io.ReadFull(r, b)
			require.NoError(t, err)
			out = append(out, b...)
		}
		return out
	}
	a := read(certstest.DeterministicRand("s"), 100)
	assert.Equal(t, a, read(certstest.DeterministicRand("s"), 1, 7, 31, 32, 29), "the stream does not depend on read sizes")
	assert.NotEqual(t, a, read(certstest.DeterministicRand("t"), 100))
	assert.False(t, bytes.Equal(a[:32], a[32:64]))
}

func TestKindAndState(t *testing.T) {
	tests := []struct {
		kind   certstest.Kind
		name   string
		holder certs.Holder
	}{
		{certstest.KindIndividual, "individual", certs.HolderIndividual},
		{certstest.KindEntrepreneur, "entrepreneur", certs.HolderIndividual},
		{certstest.KindCEO, "ceo", certs.HolderLegalEntity},
		{certstest.KindCanSign, "can_sign", certs.HolderLegalEntity},
		{certstest.KindEmployee, "employee", certs.HolderLegalEntity},
		{certstest.Kind(9), "certstest.Kind(9)", certs.HolderUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.name, tc.kind.String())
			assert.Equal(t, tc.holder, tc.kind.Holder())
		})
	}
	assert.Equal(t, "valid", certstest.StateValid.String())
	assert.Equal(t, "expired", certstest.StateExpired.String())
	assert.Equal(t, "revoked", certstest.StateRevoked.String())
}

func extension(t *testing.T, c *x509.Certificate, oid asn1.ObjectIdentifier) (ext struct{ Critical bool }) {
	t.Helper()
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			ext.Critical = e.Critical
			return ext
		}
	}
	t.Errorf("certificate %q has no extension %s", c.Subject.CommonName, oid)
	return ext
}

func verify(c *certs.Certificate, opts certs.VerifyOptions) error {
	_, err := certs.Verify(c, opts)
	return err
}

func assertReason(t *testing.T, want certs.Reason, err error) *certs.VerifyError {
	t.Helper()
	var ve *certs.VerifyError
	if !assert.True(t, errors.As(err, &ve), "want *certs.VerifyError %s, got %v", want, err) {
		return nil
	}
	assert.Equal(t, want, ve.Reason, "%v", err)
	return ve
}
