package certstest_test

import (
	"encoding/pem"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/certs/certstest/internal/fixtures"
)

// opensslSKI is how openssl -info prints a localKeyID: "AB CD … ".
func opensslSKI(ski []byte) string {
	var b strings.Builder
	for _, x := range ski {
		fmt.Fprintf(&b, "%02X ", x)
	}
	return strings.TrimSpace(b.String())
}

// TestOpenSSLGOSTKeyStores checks that OpenSSL reads every kind of GOST key
// store certstest writes as it reads NCA's: the MAC and both bags with
// NCA's algorithms listed by -info -nokeys, and the key refused (OpenSSL
// knows no Kazakh GOST OIDs).
func TestOpenSSLGOSTKeyStores(t *testing.T) {
	bin := openssl(t)
	dir := t.TempDir()
	type store struct {
		name, path, pin string
		keyOID          string
		der             []byte // the certificate
	}
	var stores []store
	add := func(name string, is *certstest.Issued, keyOID string) {
		stores = append(stores, store{name, writeFile(t, dir, is.FileName, is.PKCS12), is.PIN, keyOID, is.DER()})
	}
	for _, g := range gostGens {
		ca := newGOSTCA(t, g, certstest.Options{})
		for _, tc := range gostCases(g) {
			is, err := ca.Issue(tc.profile)
			require.NoError(t, err)
			add(g.name+" "+tc.name, is, g.keyOID.String())
		}
		is, err := ca.Issue(certstest.Profile{Kind: certstest.KindCEO, State: certstest.StateRevoked, PIN: "Aa123456", Email: "ceo@example.kz"})
		require.NoError(t, err)
		add(g.name+" revoked, own PIN and e-mail", is, g.keyOID.String())
	}
	if fixtureDir := certstest.FixtureDir(); fixtureDir != "" {
		for i, name := range fixtureKeyStores() {
			e := fixtures.Entries[i]
			if e.PKI.Alg == certs.AlgorithmRSA {
				continue
			}
			ks, err := certstest.OpenFixture(name)
			require.NoError(t, err)
			oid := gost2015Gen.keyOID.String()
			if e.PKI.Alg == certs.AlgorithmGOST2004 {
				oid = gost2004Gen.keyOID.String()
			}
			stores = append(stores, store{"fixture " + name, filepath.Join(fixtureDir, name), certstest.FixturePIN, oid, ks.Certificate.X509.Raw})
		}
	}
	require.NotEmpty(t, stores)

	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			c, err := certs.ParseCertificate(s.der)
			require.NoError(t, err)
			out, err := runOpenSSL(t, bin, "pkcs12", "-legacy", "-info", "-nokeys", "-in", s.path, "-passin", "pass:"+s.pin)
			require.NoError(t, err, out)
			for _, want := range []string{
				"MAC: sha1, Iteration 1024",
				"MAC length: 20, salt length: 20",
				"Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 1024",
				"PKCS7 Encrypted data: pbeWithSHA1And40BitRC2-CBC, Iteration 1024",
				"Certificate bag",
				"localKeyID: " + opensslSKI(c.SKI),
				"friendlyName: " + fmt.Sprintf("%x", c.SKI),
			} {
				assert.Contains(t, out, want)
			}
			assert.Less(t, strings.Index(out, "Shrouded Keybag"), strings.Index(out, "PKCS7 Encrypted data"), "key bag first, as NCA")
			assert.Equal(t, 1, strings.Count(out, "BEGIN CERTIFICATE"), "the leaf only")
			assert.NotContains(t, out, "PRIVATE KEY")
			b, _ := pem.Decode([]byte(out[strings.Index(out, "-----BEGIN CERTIFICATE"):]))
			require.NotNil(t, b)
			assert.Equal(t, s.der, b.Bytes)

			// With the key, OpenSSL stops where it stops on NCA's files.
			out, err = runOpenSSL(t, bin, "pkcs12", "-legacy", "-info", "-nodes", "-in", s.path, "-passin", "pass:"+s.pin)
			assert.Error(t, err, "OpenSSL cannot load a Kazakh GOST key")
			assert.Contains(t, out, "unsupported private key algorithm")
			assert.Contains(t, out, "TYPE="+s.keyOID)

			out, err = runOpenSSL(t, bin, "pkcs12", "-legacy", "-info", "-nokeys", "-in", s.path, "-passin", "pass:wrong")
			assert.Error(t, err, "a wrong PIN must fail: %s", out)
			assert.Contains(t, out, "verify error")
		})
	}
}

// TestOpenSSLGOSTCertificates has OpenSSL print the GOST certificates and
// CRLs: it parses them and names NCA's algorithms (it cannot check GOST
// signatures with Kazakh OIDs; certs.Verify does).
func TestOpenSSLGOSTCertificates(t *testing.T) {
	bin := openssl(t)
	for _, g := range gostGens {
		t.Run(g.name, func(t *testing.T) {
			ca := newGOSTCA(t, g, certstest.Options{})
			dir := t.TempDir()
			leaf, err := ca.Issue(certstest.Profile{Kind: certstest.KindCEO, State: certstest.StateRevoked})
			require.NoError(t, err)
			crl, err := ca.CRL()
			require.NoError(t, err)
			for _, c := range []struct {
				name string
				der  []byte
				want []string
			}{
				{"root", ca.RootDER(), []string{"CA:TRUE", "Certificate Sign, CRL Sign", "Policy: 1.2.398.3.1.2"}},
				{"intermediate", ca.IntermediateDER(), []string{"CA:TRUE", "Policy: " + g.intPolicy.String()}},
				{"leaf", leaf.DER(), []string{"E-mail Protection, 1.2.398.3.3.4.1.2, 1.2.398.3.3.4.1.2.1", "Digital Signature, Non Repudiation",
					"Policy: " + g.leafPolicy(true).String(), "CPS: http://pki.gov.kz/cps", "Freshest CRL"}},
			} {
				t.Run(c.name, func(t *testing.T) {
					out, err := runOpenSSL(t, bin, "x509", "-inform", "DER", "-noout", "-text", "-in", writeFile(t, dir, c.name+".cer", c.der))
					require.NoError(t, err, out)
					assert.Contains(t, out, "Signature Algorithm: "+g.sigOID.String())
					assert.Contains(t, out, "Public Key Algorithm: "+g.keyOID.String())
					for _, w := range c.want {
						assert.Contains(t, out, w)
					}
				})
			}
			out, err := runOpenSSL(t, bin, "crl", "-inform", "DER", "-noout", "-text", "-in", writeFile(t, dir, "nca.crl", crl))
			require.NoError(t, err, out)
			assert.Contains(t, out, "Signature Algorithm: "+g.sigOID.String())
			assert.Contains(t, out, fmt.Sprintf("Serial Number: %X", leaf.Certificate.X509.SerialNumber))
			assert.Contains(t, out, "X509v3 CRL Number")
		})
	}
}
