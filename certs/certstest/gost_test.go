package certstest_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"io"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/certs/gost"
	"github.com/esfkit/esf/certs/internal/pbe"
)

// gostGen is what a test expects of one GOST generation.
type gostGen struct {
	name       string
	alg        certs.Algorithm
	curve      gost.Curve
	keyOID     asn1.ObjectIdentifier
	params     []asn1.ObjectIdentifier
	sigOID     asn1.ObjectIdentifier
	fileKind   certs.FileKind
	usage      certs.Usage
	keyUsage   x509.KeyUsage
	rootName   string
	intName    string
	intPolicy  asn1.ObjectIdentifier
	tag        string // in the URLs
	skiOfSPKI  bool   // SKI = SHA-1 of the whole SPKI, else of the key BIT STRING
	kinds      []certstest.Kind
	leafPolicy func(legal bool) asn1.ObjectIdentifier
}

func (g gostGen) digest(msg []byte) []byte {
	if g.curve == gost.CurveTC26512A {
		d := gost.Sum512(msg)
		return d[:]
	}
	d := gost.Sum341194(msg)
	return d[:]
}

var (
	oidExtKeyStore = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 5}
	oidKeyUsage    = asn1.ObjectIdentifier{2, 5, 29, 15}

	gost2015Gen = gostGen{
		name:      "GOST 2015-512",
		alg:       certs.AlgorithmGOST2015_512,
		curve:     gost.CurveTC26512A,
		keyOID:    asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 2},
		params:    []asn1.ObjectIdentifier{{1, 2, 398, 3, 10, 1, 1, 2, 2, 1}, {1, 2, 398, 3, 10, 1, 3, 3}},
		sigOID:    asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 2, 3, 2},
		fileKind:  certs.FileGOST512,
		usage:     certs.UsageAuth | certs.UsageSign,
		keyUsage:  x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageKeyAgreement,
		rootName:  "НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST CERTSTEST",
		intName:   "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST CERTSTEST",
		intPolicy: asn1.ObjectIdentifier{1, 2, 398, 3, 3, 2},
		tag:       "gost",
		kinds:     []certstest.Kind{certstest.KindIndividual, certstest.KindEntrepreneur, certstest.KindCEO, certstest.KindCanSign, certstest.KindEmployee},
		leafPolicy: func(bool) asn1.ObjectIdentifier {
			return asn1.ObjectIdentifier{1, 2, 398, 3, 3, 2}
		},
	}
	gost2004Gen = gostGen{
		name:      "GOST 2004",
		alg:       certs.AlgorithmGOST2004,
		curve:     gost.CurveCryptoProA,
		keyOID:    asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 1, 1},
		params:    []asn1.ObjectIdentifier{{1, 2, 398, 3, 10, 1, 1, 1, 1, 1}, {1, 2, 398, 3, 10, 1, 3, 1, 1, 0}},
		sigOID:    asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 1, 1, 2},
		fileKind:  certs.FileGOSTKNCA,
		usage:     certs.UsageSign,
		keyUsage:  x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		rootName:  "НЕГІЗГІ КО TEST (GOST) CERTSTEST",
		intName:   "ҰКО 3.0 (GOST TEST CERTSTEST)",
		intPolicy: asn1.ObjectIdentifier{1, 2, 398, 3, 3, 1, 1},
		tag:       "gost2004",
		skiOfSPKI: true,
		kinds:     []certstest.Kind{certstest.KindCEO, certstest.KindCanSign, certstest.KindEmployee},
		leafPolicy: func(legal bool) asn1.ObjectIdentifier {
			return asn1.ObjectIdentifier{1, 2, 398, 3, 3, 2, 1}
		},
	}
	gostGens = []gostGen{gost2015Gen, gost2004Gen}
)

func newGOSTCA(t testing.TB, g gostGen, opts certstest.Options) *certstest.CA {
	t.Helper()
	opts.Algorithm = g.alg
	return newCA(t, opts)
}

// gostSPKI is NCA's GOST SubjectPublicKeyInfo.
type gostSPKI struct {
	Algorithm struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters []asn1.ObjectIdentifier
	}
	PublicKey asn1.BitString
}

// signedObject is a certificate or CRL: TBS, algorithm, signature.
type signedObject struct {
	TBS       asn1.RawValue
	Algorithm pkix.AlgorithmIdentifier
	Signature asn1.BitString
}

// checkGOSTSigned checks that der is signed with g's algorithm by pub, in
// NCA's form: AlgorithmIdentifier with NULL, r ‖ s little-endian.
func checkGOSTSigned(t *testing.T, g gostGen, der []byte, pub *gost.PublicKey) {
	t.Helper()
	var o signedObject
	rest, err := asn1.Unmarshal(der, &o)
	require.NoError(t, err)
	require.Empty(t, rest)
	assert.Equal(t, g.sigOID, o.Algorithm.Algorithm)
	assert.Equal(t, asn1.NullRawValue.Tag, o.Algorithm.Parameters.Tag, "signature AlgorithmIdentifier with NULL, as NCA writes it")
	assert.Equal(t, []byte{0x05, 0x00}, o.Algorithm.Parameters.FullBytes)
	alg, err := asn1.Marshal(o.Algorithm)
	require.NoError(t, err)
	assert.True(t, bytes.Contains(o.TBS.FullBytes[:64], alg), "the TBS names the same algorithm (with NULL)")
	assert.Len(t, o.Signature.Bytes, 2*g.curve.Size())
	assert.NoError(t, gost.Verify(pub, g.digest(o.TBS.FullBytes), o.Signature.Bytes))
	bad := bytes.Clone(o.Signature.Bytes)
	bad[0] ^= 1
	assert.Error(t, gost.Verify(pub, g.digest(o.TBS.FullBytes), bad))
}

// checkGOSTKey checks a certificate's GOST SubjectPublicKeyInfo and SKI.
func checkGOSTKey(t *testing.T, g gostGen, c *certs.Certificate) {
	t.Helper()
	var k gostSPKI
	rest, err := asn1.Unmarshal(c.X509.RawSubjectPublicKeyInfo, &k)
	require.NoError(t, err)
	require.Empty(t, rest)
	assert.Equal(t, g.keyOID, k.Algorithm.Algorithm)
	assert.Equal(t, g.params, k.Algorithm.Parameters)
	var raw []byte
	_, err = asn1.Unmarshal(k.PublicKey.Bytes, &raw)
	require.NoError(t, err, "the key is an OCTET STRING inside the BIT STRING")
	pub, ok := c.PublicKey.(*gost.PublicKey)
	require.True(t, ok, "certs reads a %T", c.PublicKey)
	assert.Equal(t, g.curve, pub.Curve)
	assert.Equal(t, pub.Bytes(), raw, "X ‖ Y little-endian")
	assert.Equal(t, g.alg, c.Algorithm)
	sum := sha1.Sum(k.PublicKey.Bytes)
	if g.skiOfSPKI {
		sum = sha1.Sum(c.X509.RawSubjectPublicKeyInfo)
	}
	assert.Equal(t, sum[:], c.SKI)
	want := bytes.Clone(c.SKI)
	want[0] &= 0x7f
	if want[0] < 0x10 {
		want[0] |= 0x10
	}
	assert.Equal(t, new(big.Int).SetBytes(want), c.X509.SerialNumber, "serial = SKI with the top bit cleared")
}

type gostCase struct {
	name    string
	profile certstest.Profile
	holder  certs.Holder
	roles   []certs.Role
	bin     string
	org     string
}

func gostCases(g gostGen) []gostCase {
	var out []gostCase
	for _, k := range g.kinds {
		c := gostCase{name: k.String(), profile: certstest.Profile{Kind: k}, holder: k.Holder(), roles: k.Roles()}
		if k.Holder() == certs.HolderLegalEntity {
			c.bin, c.org = certstest.TestBIN, certstest.TestOrganization
		}
		out = append(out, c)
	}
	return out
}

// TestGOSTProfiles issues every kind from both GOST CAs and checks what
// certs and crypto/x509 read in the key store.
func TestGOSTProfiles(t *testing.T) {
	for _, g := range gostGens {
		t.Run(g.name, func(t *testing.T) {
			ca := newGOSTCA(t, g, certstest.Options{})
			assert.Equal(t, g.alg, ca.Algorithm())
			opts, err := ca.VerifyOptions()
			require.NoError(t, err)
			for _, tc := range gostCases(g) {
				t.Run(tc.name, func(t *testing.T) {
					is, err := ca.Issue(tc.profile)
					require.NoError(t, err)

					ks, err := certs.Open(is.PKCS12, is.PIN)
					require.NoError(t, err, "certs.Open on a certstest GOST key store")
					c := ks.Certificate
					assert.Equal(t, is.Certificate.X509.Raw, c.X509.Raw)
					assert.Empty(t, ks.CACertificates, "NCA key stores hold the leaf only")
					key, ok := ks.PrivateKey.(*gost.PrivateKey)
					require.True(t, ok, "private key is a %T", ks.PrivateKey)
					assert.True(t, key.Equal(is.PrivateKey), "key store holds Issued.PrivateKey")
					assert.Equal(t, g.curve, key.Curve)
					// NCA's bag attributes: both are the SKI.
					assert.Equal(t, c.SKI, ks.LocalKeyID)
					assert.Equal(t, hex.EncodeToString(c.SKI), ks.FriendlyName)

					// What certs makes of it.
					assert.Equal(t, g.alg, c.Algorithm)
					assert.Equal(t, g.usage, c.Usage)
					assert.Equal(t, g.usage, is.Profile.Usage)
					assert.Equal(t, tc.holder, c.Holder)
					assert.Equal(t, tc.roles, c.Roles)
					assert.Equal(t, g.fileKind, c.FileKind)
					assert.Equal(t, certstest.TestIIN, c.IIN)
					assert.Equal(t, tc.bin, c.BIN)
					assert.Equal(t, tc.org, c.Organization)
					assert.Equal(t, "ТЕСТОВ ТЕСТ ТЕСТОВИЧ", c.FullName())
					assert.Equal(t, g.intName, c.Issuer)
					assert.Equal(t, g.sigOID, c.SignatureAlgorithm)
					checkGOSTKey(t, g, c)
					assert.Equal(t, ca.Intermediate().SKI, c.X509.AuthorityKeyId)

					// File name.
					assert.Equal(t, string(g.fileKind)+hex.EncodeToString(c.SKI)+".p12", is.FileName)
					assert.Equal(t, c.FileName(), is.FileName)
					kind, fileSKI, ok := certs.ParseFileName(is.FileName)
					require.True(t, ok)
					assert.Equal(t, g.fileKind, kind)
					assert.Equal(t, c.SKI, fileSKI)

					// Validity and extensions.
					assert.Equal(t, testNow, c.NotBefore)
					assert.Equal(t, testNow.Add(365*24*time.Hour), c.NotAfter)
					x := c.X509
					assert.Equal(t, g.keyUsage, x.KeyUsage)
					assert.True(t, extension(t, x, oidKeyUsage).Critical)
					assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}, x.ExtKeyUsage)
					var roleOIDs []asn1.ObjectIdentifier
					for _, r := range tc.roles {
						roleOIDs = append(roleOIDs, r.OID())
					}
					assert.Equal(t, roleOIDs, x.UnknownExtKeyUsage)
					assert.Equal(t, []asn1.ObjectIdentifier{g.leafPolicy(tc.holder == certs.HolderLegalEntity)}, x.PolicyIdentifiers)
					assert.Equal(t, []string{"http://test.pki.gov.kz/crl/nca_" + g.tag + "_certstest.crl"}, x.CRLDistributionPoints)
					assert.Equal(t, []string{"http://test.pki.gov.kz/cert/nca_" + g.tag + "_certstest.cer"}, x.IssuingCertificateURL)
					assert.Equal(t, []string{"http://test.pki.gov.kz/ocsp/"}, x.OCSPServer)
					extension(t, x, asn1.ObjectIdentifier{2, 5, 29, 46}) // freshest CRL
					var keyStoreExt []byte
					for _, e := range x.Extensions {
						if e.Id.Equal(oidExtKeyStore) {
							keyStoreExt = e.Value
						}
					}
					if g.alg == certs.AlgorithmGOST2015_512 {
						// SEQUENCE { OID 1.2.398.3.3.5.1.1 }, as in every GOST512_ certificate.
						assert.Equal(t, "300a06082a830e0303050101", hex.EncodeToString(keyStoreExt))
					} else {
						assert.Nil(t, keyStoreExt, "GOSTKNCA_ certificates have no 1.2.398.3.3.5")
					}
					assert.False(t, x.IsCA)
					checkGOSTSigned(t, g, x.Raw, ca.Intermediate().PublicKey.(*gost.PublicKey))

					// The key store's signer signs what gost.Verify accepts.
					signer, err := ks.Signer()
					require.NoError(t, err)
					digest := g.digest([]byte("<invoice>signed with a certstest key</invoice>"))
					sig, err := signer.Sign(rand.Reader, digest, nil)
					require.NoError(t, err)
					pub := c.PublicKey.(*gost.PublicKey)
					assert.NoError(t, gost.Verify(pub, digest, sig))
					assert.Error(t, gost.Verify(pub, g.digest([]byte("something else")), sig))

					// Chain and Verify, for each usage the key has.
					require.Len(t, is.Chain, 3)
					assert.Same(t, ca.Root(), is.Chain[2])
					chain, err := certs.Verify(c, opts)
					require.NoError(t, err)
					require.Len(t, chain, 3)
					assert.Equal(t, ca.Root().X509.Raw, chain[2].X509.Raw)
					o := opts
					o.Holder = tc.holder
					for _, u := range []certs.Usage{certs.UsageAuth, certs.UsageSign} {
						o.Usage = u
						_, err := certs.Verify(c, o)
						if g.usage.Has(u) {
							assert.NoError(t, err, "usage %s", u)
						} else {
							assertReason(t, certs.ReasonWrongUsage, err)
						}
					}
				})
			}
		})
	}
}

func TestGOSTCACertificates(t *testing.T) {
	for _, g := range gostGens {
		t.Run(g.name, func(t *testing.T) {
			ca := newGOSTCA(t, g, certstest.Options{})
			root, inter := ca.Root(), ca.Intermediate()
			tests := []struct {
				name   string
				cert   *certs.Certificate
				cn     string
				issuer *certs.Certificate
				policy asn1.ObjectIdentifier
			}{
				{"root", root, g.rootName, root, asn1.ObjectIdentifier{1, 2, 398, 3, 1, 2}},
				{"intermediate", inter, g.intName, root, g.intPolicy},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					x := tc.cert.X509
					assert.Equal(t, tc.cn, tc.cert.CommonName)
					assert.Contains(t, tc.cn, "CERTSTEST")
					assert.Equal(t, tc.issuer.CommonName, tc.cert.Issuer)
					assert.True(t, x.IsCA)
					assert.Equal(t, x509.KeyUsageCertSign|x509.KeyUsageCRLSign, x.KeyUsage)
					assert.True(t, extension(t, x, oidKeyUsage).Critical)
					assert.Equal(t, []asn1.ObjectIdentifier{tc.policy}, x.PolicyIdentifiers)
					assert.Equal(t, tc.issuer.SKI, x.AuthorityKeyId)
					assert.Equal(t, certs.HolderUnknown, tc.cert.Holder)
					assert.Empty(t, tc.cert.FileKind)
					assert.True(t, tc.cert.ValidAt(testNow.Add(-366*24*time.Hour)), "CA validity covers an expired leaf")
					checkGOSTKey(t, g, tc.cert)
					checkGOSTSigned(t, g, x.Raw, tc.issuer.PublicKey.(*gost.PublicKey))

					// crypto/x509 parses it (and knows neither key nor signature).
					px, err := x509.ParseCertificate(x.Raw)
					require.NoError(t, err)
					assert.Nil(t, px.PublicKey)
					assert.Equal(t, x509.UnknownSignatureAlgorithm, px.SignatureAlgorithm)

					// Name order: "CN, C" (2022 CAs) or "C, CN" (older ones).
					var rdns pkix.RDNSequence
					_, err = asn1.Unmarshal(x.RawSubject, &rdns)
					require.NoError(t, err)
					require.Len(t, rdns, 2)
					first := rdns[0][0].Type.String()
					if g.alg == certs.AlgorithmGOST2004 {
						assert.Equal(t, "2.5.4.6", first)
					} else {
						assert.Equal(t, "2.5.4.3", first)
					}
				})
			}
			chain, err := certs.Verify(inter, certs.VerifyOptions{Roots: []*certs.Certificate{root}, CurrentTime: testNow})
			require.NoError(t, err)
			assert.Len(t, chain, 2)
			assert.Equal(t, []string{"http://test.pki.gov.kz/crl/root_" + g.tag + "_certstest.crl"}, inter.X509.CRLDistributionPoints)
			assert.Equal(t, []string{"http://test.pki.gov.kz/cert/root_" + g.tag + "_certstest.cer"}, inter.X509.IssuingCertificateURL)

			// Another CA (another Rand), even of the same names, has other
			// keys: no cross-trust.
			other := newGOSTCA(t, g, certstest.Options{Rand: certstest.DeterministicRand("another")})
			assert.NotEqual(t, root.SKI, other.Root().SKI)
			assert.Equal(t, root.X509.RawSubject, other.Root().X509.RawSubject)
			is, err := other.Issue(certstest.Profile{Kind: certstest.KindCEO})
			require.NoError(t, err)
			opts, err := ca.VerifyOptions()
			require.NoError(t, err)
			assertReason(t, certs.ReasonUnknownAuthority, verify(is.Certificate, opts))
		})
	}
}

func TestGOSTStatesAndCRL(t *testing.T) {
	for _, g := range gostGens {
		t.Run(g.name, func(t *testing.T) {
			now := testNow
			ca := newGOSTCA(t, g, certstest.Options{Now: func() time.Time { return now }})
			tests := []struct {
				name    string
				profile certstest.Profile
				reason  certs.Reason // 0: verifies
			}{
				{"valid", certstest.Profile{Kind: certstest.KindCEO}, 0},
				{"expired", certstest.Profile{Kind: certstest.KindCEO, State: certstest.StateExpired}, certs.ReasonExpired},
				{"revoked", certstest.Profile{Kind: certstest.KindCanSign, State: certstest.StateRevoked}, certs.ReasonRevoked},
				{"not yet valid", certstest.Profile{Kind: certstest.KindEmployee, NotBefore: testNow.Add(time.Hour)}, certs.ReasonNotYetValid},
			}
			issued := map[string]*certstest.Issued{}
			for _, tc := range tests {
				is, err := ca.Issue(tc.profile)
				require.NoError(t, err, tc.name)
				issued[tc.name] = is
			}
			later, err := ca.Issue(certstest.Profile{Kind: certstest.KindEmployee})
			require.NoError(t, err)
			now = testNow.Add(time.Hour)
			require.NoError(t, ca.Revoke(later.Certificate))
			now = testNow.Add(2 * time.Hour)

			opts, err := ca.VerifyOptions()
			require.NoError(t, err)
			opts.CurrentTime = testNow.Add(30 * time.Minute)
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					_, err := certs.Verify(issued[tc.name].Certificate, opts)
					if tc.reason == 0 {
						assert.NoError(t, err)
						return
					}
					ve := assertReason(t, tc.reason, err)
					if tc.reason == certs.ReasonRevoked && ve != nil {
						assert.Equal(t, testNow, ve.RevocationTime)
					}
				})
			}
			_, err = certs.Verify(later.Certificate, opts)
			assert.NoError(t, err, "valid before its revocation time")
			opts.CurrentTime = now
			assertReason(t, certs.ReasonRevoked, verify(later.Certificate, opts))

			// The CRL itself.
			der, err := ca.CRL()
			require.NoError(t, err)
			crl, err := certs.ParseCRL(der)
			require.NoError(t, err)
			assert.Equal(t, ca.Intermediate().X509.RawSubject, crl.RawIssuer)
			assert.Equal(t, ca.Intermediate().SKI, crl.AuthorityKeyID)
			assert.Equal(t, now, crl.ThisUpdate)
			assert.Equal(t, now.Add(24*time.Hour), crl.NextUpdate)
			assert.Equal(t, big.NewInt(3), crl.Number)
			assert.Equal(t, g.sigOID, crl.SignatureAlgorithm)
			require.Len(t, crl.Revoked, 2)
			_, ok := crl.Lookup(issued["revoked"].Certificate.X509.SerialNumber)
			assert.True(t, ok)
			checkGOSTSigned(t, g, der, ca.Intermediate().PublicKey.(*gost.PublicKey))
			// crypto/x509 parses it: NULL both inside and outside the TBS.
			xcrl, err := x509.ParseRevocationList(der)
			require.NoError(t, err)
			assert.Len(t, xcrl.RevokedCertificateEntries, 2)

			// A CRL with a broken signature is refused.
			bad := bytes.Clone(der)
			bad[len(bad)-1] ^= 1
			badCRL, err := certs.ParseCRL(bad)
			require.NoError(t, err)
			o := opts
			o.CRLs = []*certs.CRL{badCRL}
			assertReason(t, certs.ReasonBadCRL, verify(issued["valid"].Certificate, o))
		})
	}
}

// TestGOSTKeyStoreLayout walks a GOST key store and checks NCA's layout
// (nca-certificates.md §6) field by field.
func TestGOSTKeyStoreLayout(t *testing.T) {
	type contentInfo struct {
		Type    asn1.ObjectIdentifier
		Content asn1.RawValue `asn1:"explicit,tag:0"`
	}
	type attribute struct {
		Type   asn1.ObjectIdentifier
		Values []asn1.RawValue `asn1:"set"`
	}
	type safeBag struct {
		ID         asn1.ObjectIdentifier
		Value      asn1.RawValue `asn1:"explicit,tag:0"`
		Attributes []attribute   `asn1:"set"`
	}
	type pbeParams struct {
		Salt       []byte
		Iterations int
	}
	type algID struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters asn1.RawValue
	}
	params := func(t *testing.T, a algID) pbeParams {
		var p pbeParams
		_, err := asn1.Unmarshal(a.Parameters.FullBytes, &p)
		require.NoError(t, err)
		return p
	}
	var (
		oidData      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
		oidEncrypted = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
		oidShrouded  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
		oidCertBag   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
		oid3DES      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
		oidRC240     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 6}
		oidLocalKey  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 21}
		oidFriendly  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 20}
	)
	// The PrivateKeyInfo up to the key, as in NCA's own key stores.
	pkcs8Prefix := map[certs.Algorithm]string{
		certs.AlgorithmGOST2015_512: "306c020100302306092a830e030a010102023016060a2a830e030a010102020106082a830e030a01030304420440",
		certs.AlgorithmGOST2004:     "020100302506092a830e030a010101013018060a2a830e030a0101010101060a2a830e030a0103010100",
	}
	for _, g := range gostGens {
		t.Run(g.name, func(t *testing.T) {
			ca := newGOSTCA(t, g, certstest.Options{})
			is, err := ca.Issue(certstest.Profile{Kind: certstest.KindCEO})
			require.NoError(t, err)
			ski := is.Certificate.SKI
			checkAttributes := func(t *testing.T, attrs []attribute) {
				t.Helper()
				require.Len(t, attrs, 2)
				assert.Equal(t, oidLocalKey, attrs[0].Type, "localKeyID first, as NCA")
				assert.Equal(t, oidFriendly, attrs[1].Type)
				var id []byte
				_, err := asn1.Unmarshal(attrs[0].Values[0].FullBytes, &id)
				require.NoError(t, err)
				assert.Equal(t, ski, id)
				name := attrs[1].Values[0]
				assert.Equal(t, asn1.TagBMPString, name.Tag)
				var want []byte
				for _, r := range hex.EncodeToString(ski) {
					want = append(want, 0, byte(r))
				}
				assert.Equal(t, want, name.Bytes, "friendlyName = SKI hex, BMPString without terminator")
			}

			var pfx struct {
				Version  int
				AuthSafe contentInfo
				MacData  struct {
					Mac struct {
						Algorithm pkix.AlgorithmIdentifier
						Digest    []byte
					}
					Salt       []byte
					Iterations int
				}
			}
			rest, err := asn1.Unmarshal(is.PKCS12, &pfx)
			require.NoError(t, err)
			require.Empty(t, rest)
			assert.Equal(t, 3, pfx.Version)
			assert.Equal(t, oidData, pfx.AuthSafe.Type)
			assert.Equal(t, "1.3.14.3.2.26", pfx.MacData.Mac.Algorithm.Algorithm.String(), "HMAC-SHA1")
			assert.Len(t, pfx.MacData.Mac.Digest, 20)
			assert.Len(t, pfx.MacData.Salt, 20)
			assert.Equal(t, 1024, pfx.MacData.Iterations)
			var authSafeBytes []byte
			_, err = asn1.Unmarshal(pfx.AuthSafe.Content.Bytes, &authSafeBytes)
			require.NoError(t, err)
			macAlg, err := asn1.Marshal(pfx.MacData.Mac.Algorithm)
			require.NoError(t, err)
			assert.NoError(t, pbe.VerifyMAC(macAlg, pfx.MacData.Mac.Digest, pfx.MacData.Salt, 1024, authSafeBytes, is.PIN))

			var authSafe []contentInfo
			_, err = asn1.Unmarshal(authSafeBytes, &authSafe)
			require.NoError(t, err)
			require.Len(t, authSafe, 2)
			assert.Equal(t, oidData, authSafe[0].Type, "key bag first, in plain data")
			assert.Equal(t, oidEncrypted, authSafe[1].Type, "certificate bag second, encrypted")

			// The key bag.
			var keyBags []safeBag
			var keyContents []byte
			_, err = asn1.Unmarshal(authSafe[0].Content.Bytes, &keyContents)
			require.NoError(t, err)
			_, err = asn1.Unmarshal(keyContents, &keyBags)
			require.NoError(t, err)
			require.Len(t, keyBags, 1)
			assert.Equal(t, oidShrouded, keyBags[0].ID)
			checkAttributes(t, keyBags[0].Attributes)
			var epki struct {
				Algorithm algID
				Data      []byte
			}
			_, err = asn1.Unmarshal(keyBags[0].Value.Bytes, &epki)
			require.NoError(t, err)
			assert.Equal(t, oid3DES, epki.Algorithm.Algorithm)
			p := params(t, epki.Algorithm)
			assert.Len(t, p.Salt, 20)
			assert.Equal(t, 1024, p.Iterations)
			alg, err := asn1.Marshal(epki.Algorithm)
			require.NoError(t, err)
			pkcs8, err := pbe.Decrypt(alg, epki.Data, is.PIN)
			require.NoError(t, err)
			assert.Contains(t, hex.EncodeToString(pkcs8), pkcs8Prefix[g.alg])
			d := is.PrivateKey.(*gost.PrivateKey).Bytes()
			if g.alg == certs.AlgorithmGOST2015_512 {
				le := make([]byte, len(d))
				for i := range d {
					le[i] = d[len(d)-1-i]
				}
				assert.Equal(t, le, pkcs8[len(pkcs8)-64:], "d little-endian")
				assert.Len(t, pkcs8, 110)
			} else {
				var pki struct {
					Version    int
					Algorithm  asn1.RawValue
					PrivateKey []byte
				}
				_, err := asn1.Unmarshal(pkcs8, &pki)
				require.NoError(t, err)
				var n *big.Int
				_, err = asn1.Unmarshal(pki.PrivateKey, &n)
				require.NoError(t, err, "privateKey holds an INTEGER")
				assert.Equal(t, new(big.Int).SetBytes(d), n)
			}
			parsed, err := certs.ParsePKCS8PrivateKey(pkcs8)
			require.NoError(t, err)
			assert.True(t, is.PrivateKey.(*gost.PrivateKey).Equal(parsed))

			// The certificate bag.
			var ed struct {
				Version int
				Info    struct {
					Type      asn1.ObjectIdentifier
					Algorithm algID
					Content   []byte `asn1:"tag:0"`
				}
			}
			_, err = asn1.Unmarshal(authSafe[1].Content.Bytes, &ed)
			require.NoError(t, err)
			assert.Equal(t, 0, ed.Version)
			assert.Equal(t, oidData, ed.Info.Type)
			assert.Equal(t, oidRC240, ed.Info.Algorithm.Algorithm)
			p = params(t, ed.Info.Algorithm)
			assert.Len(t, p.Salt, 20)
			assert.Equal(t, 1024, p.Iterations)
			alg, err = asn1.Marshal(ed.Info.Algorithm)
			require.NoError(t, err)
			plain, err := pbe.Decrypt(alg, ed.Info.Content, is.PIN)
			require.NoError(t, err)
			var certBags []safeBag
			_, err = asn1.Unmarshal(plain, &certBags)
			require.NoError(t, err)
			require.Len(t, certBags, 1, "the leaf only")
			assert.Equal(t, oidCertBag, certBags[0].ID)
			checkAttributes(t, certBags[0].Attributes)
			var cb struct {
				Type asn1.ObjectIdentifier
				Cert []byte `asn1:"explicit,tag:0"`
			}
			_, err = asn1.Unmarshal(certBags[0].Value.Bytes, &cb)
			require.NoError(t, err)
			assert.Equal(t, is.DER(), cb.Cert)

			// A wrong PIN is a wrong PIN.
			_, err = certs.Open(is.PKCS12, "Qwerty13")
			assert.ErrorIs(t, err, certs.ErrWrongPIN)
		})
	}
}

func TestGOSTDeterministic(t *testing.T) {
	for _, g := range gostGens {
		t.Run(g.name, func(t *testing.T) {
			build := func(seed string) (files [][]byte) {
				ca, err := certstest.NewCA(certstest.Options{Algorithm: g.alg, Now: fixedClock(testNow), Rand: certstest.DeterministicRand(seed)})
				require.NoError(t, err)
				files = append(files, ca.RootDER(), ca.IntermediateDER())
				for _, p := range []certstest.Profile{
					{Kind: certstest.KindCEO}, {Kind: certstest.KindCanSign, State: certstest.StateRevoked}, {Kind: certstest.KindEmployee, State: certstest.StateExpired},
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
				// GOST keys come from Rand: with another Rand, everything differs.
				assert.NotEqual(t, first[i], other[i], "file %d does not depend on Rand", i)
			}
		})
	}
}

// countingRand counts the bytes read through it.
type countingRand struct {
	r io.Reader
	n int
}

func (c *countingRand) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestGOSTRandIsUsed(t *testing.T) {
	for _, g := range gostGens {
		t.Run(g.name, func(t *testing.T) {
			r := &countingRand{r: certstest.DeterministicRand("count")}
			ca := newGOSTCA(t, g, certstest.Options{Rand: r})
			key := g.curve.Size() + 16
			assert.Equal(t, 2*key, r.n, "the CAs' two keys")
			_, err := ca.Issue(certstest.Profile{Kind: certstest.KindCEO})
			require.NoError(t, err)
			assert.Equal(t, 3*key+3*20, r.n, "a key and three 20-byte salts: key bag, certificate bag, MAC")
			_, err = ca.CRL()
			require.NoError(t, err)
			assert.Equal(t, 3*key+3*20, r.n, "signatures need no randomness")
		})
	}
}

func TestGOSTOwnKey(t *testing.T) {
	for _, g := range gostGens {
		t.Run(g.name, func(t *testing.T) {
			ca := newGOSTCA(t, g, certstest.Options{PIN: "Aa123456"})
			d := bytes.Repeat([]byte{0x42}, g.curve.Size())
			key, err := gost.NewPrivateKey(g.curve, d)
			require.NoError(t, err)
			is, err := ca.Issue(certstest.Profile{Kind: certstest.KindCanSign, GOSTKey: key, Email: "abai@example.kz", Usage: certs.UsageSign})
			require.NoError(t, err)
			assert.Same(t, key, is.PrivateKey)
			assert.Same(t, key, is.Profile.GOSTKey)
			assert.Equal(t, g.usage, is.Profile.Usage)
			ks, err := certs.Open(is.PKCS12, "Aa123456")
			require.NoError(t, err)
			assert.True(t, key.Equal(ks.PrivateKey))
			assert.True(t, key.PublicKey().Equal(ks.Certificate.PublicKey))
			assert.Equal(t, "abai@example.kz", ks.Certificate.Email)
		})
	}
}

func TestGOSTIssueErrors(t *testing.T) {
	key2015, err := gost.NewPrivateKey(gost.CurveTC26512A, []byte{7})
	require.NoError(t, err)
	key2004, err := gost.NewPrivateKey(gost.CurveCryptoProA, []byte{7})
	require.NoError(t, err)
	rsaCA := newCA(t, certstest.Options{})
	ca2015 := newGOSTCA(t, gost2015Gen, certstest.Options{})
	ca2004 := newGOSTCA(t, gost2004Gen, certstest.Options{})
	tests := []struct {
		name    string
		ca      *certstest.CA
		profile certstest.Profile
	}{
		{"GOST key to an RSA CA", rsaCA, certstest.Profile{GOSTKey: key2015}},
		{"RSA key to a GOST CA", ca2015, certstest.Profile{Key: poolKey(t)}},
		{"2004 key to a 2015 CA", ca2015, certstest.Profile{GOSTKey: key2004}},
		{"2015 key to a 2004 CA", ca2004, certstest.Profile{Kind: certstest.KindCEO, GOSTKey: key2015}},
		{"unknown usage", ca2015, certstest.Profile{Usage: 4}},
		{"2004 AUTH key", ca2004, certstest.Profile{Kind: certstest.KindCEO, Usage: certs.UsageAuth}},
		{"2004 AUTH+SIGN key", ca2004, certstest.Profile{Kind: certstest.KindCEO, Usage: certs.UsageAuth | certs.UsageSign}},
		{"2004 individual", ca2004, certstest.Profile{Kind: certstest.KindIndividual}},
		{"2004 entrepreneur", ca2004, certstest.Profile{Kind: certstest.KindEntrepreneur}},
		{"unknown kind", ca2015, certstest.Profile{Kind: certstest.Kind(42)}},
		{"organization for an individual", ca2015, certstest.Profile{Organization: "ТОО"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.ca.Issue(tc.profile)
			assert.Error(t, err)
		})
	}
	_, err = certstest.NewCA(certstest.Options{Algorithm: certs.Algorithm(42)})
	assert.Error(t, err, "no CA for an unknown algorithm")
	_, err = certstest.NewCA(certstest.Options{Algorithm: certs.AlgorithmGOST2015_512, Rand: bytes.NewReader(make([]byte, 10))})
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "Rand too short for a key")
}

func TestGOSTZeroOptions(t *testing.T) {
	for _, g := range gostGens {
		t.Run(g.name, func(t *testing.T) {
			ca, err := certstest.NewCA(certstest.Options{Algorithm: g.alg})
			require.NoError(t, err)
			is, err := ca.Issue(certstest.Profile{Kind: certstest.KindCEO})
			require.NoError(t, err)
			assert.WithinDuration(t, time.Now(), is.Certificate.NotBefore, time.Minute)
			opts, err := ca.VerifyOptions()
			require.NoError(t, err)
			_, err = certs.Verify(is.Certificate, opts)
			assert.NoError(t, err)
			assert.Equal(t, g.rootName, ca.Root().CommonName)
		})
	}
}

func TestGOSTConcurrentIssue(t *testing.T) {
	ca := newGOSTCA(t, gost2015Gen, certstest.Options{})
	results := make([]*certstest.Issued, 6)
	errs := make([]error, len(results))
	done := make(chan struct{})
	for i := range results {
		go func() {
			defer func() { done <- struct{}{} }()
			p := certstest.Profile{Kind: certstest.Kind(i % 5)}
			if i%2 == 0 {
				p.State = certstest.StateRevoked
			}
			results[i], errs[i] = ca.Issue(p)
			if errs[i] == nil {
				_, errs[i] = ca.CRL()
			}
		}()
	}
	for range results {
		<-done
	}
	seen := map[string]bool{}
	for i, is := range results {
		require.NoError(t, errs[i])
		assert.False(t, seen[is.FileName], "two key stores share key %s", is.FileName)
		seen[is.FileName] = true
		_, err := certs.Open(is.PKCS12, is.PIN)
		assert.NoError(t, err)
	}
	der, err := ca.CRL()
	require.NoError(t, err)
	crl, err := certs.ParseCRL(der)
	require.NoError(t, err)
	assert.Len(t, crl.Revoked, 3)
}
