package certstest_test

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/internal/testref"
)

// These tests hold certstest's GOST output next to NCA's own test key
// stores (the shared reference material, never copied into the project;
// skipped where it is absent) and compare what must be alike.

// ncaGOST are NCA test key stores (PIN Qwerty12) of each generation, a
// legal entity's head, and the kind that imitates them.
var ncaGOST = []struct {
	gen  gostGen
	path []string
}{
	{gost2015Gen, []string{"ncanode-kz_NCANode-Go", "internal", "testdata", "certs", "legal", "valid", "head.p12"}},
	{gost2004Gen, []string{"danikarik_ncanode-go", "testdata", "organization", "active", "GOSTKNCA_13a3741b52d7bf860aab199b56fad1f4652e357b.p12"}},
}

type extShape struct {
	id       string
	critical bool
}

// extensionShape is the sorted set of a certificate's extensions.
func extensionShape(c *x509.Certificate) []extShape {
	var out []extShape
	for _, e := range c.Extensions {
		out = append(out, extShape{e.Id.String(), e.Critical})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// algorithmDER returns the DER of a certificate's signature and public key
// AlgorithmIdentifiers.
func algorithmDER(t *testing.T, c *x509.Certificate) (sig, key []byte) {
	t.Helper()
	var cert struct {
		TBS       asn1.RawValue
		Algorithm asn1.RawValue
	}
	_, err := asn1.Unmarshal(c.Raw, &cert)
	require.NoError(t, err)
	var spki struct {
		Algorithm asn1.RawValue
		Key       asn1.BitString
	}
	_, err = asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki)
	require.NoError(t, err)
	return cert.Algorithm.FullBytes, spki.Algorithm.FullBytes
}

// TestGOSTLikeNCA compares a certstest CEO key store with NCA's.
func TestGOSTLikeNCA(t *testing.T) {
	root := testref.Dir(t, "reference", "nca-test-certs")
	for _, ref := range ncaGOST {
		g := ref.gen
		t.Run(g.name, func(t *testing.T) {
			path := filepath.Join(append([]string{root}, ref.path...)...)
			nca, err := certs.OpenFile(path, "Qwerty12")
			if os.IsNotExist(err) {
				t.Skipf("reference key store absent: %v", err)
			}
			require.NoError(t, err)
			ca := newGOSTCA(t, g, certstest.Options{})
			is, err := ca.Issue(certstest.Profile{Kind: certstest.KindCEO})
			require.NoError(t, err)
			ours, err := certs.Open(is.PKCS12, is.PIN)
			require.NoError(t, err)

			n, o := nca.Certificate, ours.Certificate
			for _, f := range []struct {
				name      string
				nca, ours any
			}{
				{"algorithm", n.Algorithm, o.Algorithm},
				{"usage", n.Usage, o.Usage},
				{"holder", n.Holder, o.Holder},
				{"roles", n.Roles, o.Roles},
				{"file kind", n.FileKind, o.FileKind},
				{"IIN", n.IIN, o.IIN},
				{"BIN", n.BIN, o.BIN},
				{"full name", n.FullName(), o.FullName()},
				{"organization", n.Organization, o.Organization},
				{"signature algorithm", n.SignatureAlgorithm, o.SignatureAlgorithm},
				{"key usage", n.X509.KeyUsage, o.X509.KeyUsage},
				{"extended key usage", n.X509.ExtKeyUsage, o.X509.ExtKeyUsage},
				{"policies", n.X509.PolicyIdentifiers, o.X509.PolicyIdentifiers},
				{"extensions", extensionShape(n.X509), extensionShape(o.X509)},
				{"validity", n.NotAfter.Sub(n.NotBefore), o.NotAfter.Sub(o.NotBefore)},
				{"private key type", fmt.Sprintf("%T", nca.PrivateKey), fmt.Sprintf("%T", ours.PrivateKey)},
				{"friendlyName = SKI hex", nca.FriendlyName == hex.EncodeToString(n.SKI), ours.FriendlyName == hex.EncodeToString(o.SKI)},
				{"localKeyID = SKI", string(nca.LocalKeyID) == string(n.SKI), string(ours.LocalKeyID) == string(o.SKI)},
			} {
				assert.Equal(t, f.nca, f.ours, f.name)
			}
			nSig, nKey := algorithmDER(t, n.X509)
			oSig, oKey := algorithmDER(t, o.X509)
			assert.Equal(t, nSig, oSig, "signature AlgorithmIdentifier, byte for byte")
			assert.Equal(t, nKey, oKey, "public key AlgorithmIdentifier, byte for byte")
			assert.Equal(t, len(n.X509.Signature), len(o.X509.Signature))
			if g.alg == certs.AlgorithmGOST2015_512 {
				// The 2022 subject layout (the GOST 2004 reference has the
				// older one with L and ST, which certstest does not write).
				assert.Equal(t, rdnTypes(t, n.X509.RawSubject), rdnTypes(t, o.X509.RawSubject))
				assert.Equal(t, rdnTypes(t, n.X509.RawIssuer), rdnTypes(t, o.X509.RawIssuer))
			}

			// OpenSSL describes both key stores alike.
			bin := openssl(t)
			ourFile := writeFile(t, t.TempDir(), is.FileName, is.PKCS12)
			for _, args := range [][]string{{"-nokeys"}, {"-nodes"}} {
				ncaOut, _ := runOpenSSL(t, bin, append([]string{"pkcs12", "-legacy", "-info", "-in", path, "-passin", "pass:Qwerty12"}, args...)...)
				ourOut, _ := runOpenSSL(t, bin, append([]string{"pkcs12", "-legacy", "-info", "-in", ourFile, "-passin", "pass:" + is.PIN}, args...)...)
				assert.Equal(t, opensslSkeleton(ncaOut), opensslSkeleton(ourOut), "openssl pkcs12 -info %s", args[0])
			}
		})
	}
}

var (
	hexRun     = regexp.MustCompile(`\b([0-9A-F]{2} )+[0-9A-F]{2}\b|\b[0-9a-f]{40}\b`)
	errorDebug = regexp.MustCompile(`^[0-9A-F]+:error:`)
)

// opensslSkeleton keeps the lines of openssl pkcs12 -info that describe
// the structure, with key identifiers masked: the names, the certificate
// itself and OpenSSL's internal error prefixes differ by nature.
func opensslSkeleton(out string) []string {
	var lines []string
	inPEM := false
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimRight(l, " ")
		switch {
		case strings.HasPrefix(l, "-----BEGIN"):
			inPEM = true
			continue
		case strings.HasPrefix(l, "-----END"):
			inPEM = false
			continue
		case inPEM, l == "", strings.HasPrefix(l, "subject="), strings.HasPrefix(l, "issuer="):
			continue // the certificate and the names
		case errorDebug.MatchString(l):
			l = l[strings.LastIndex(l, ":")+1:] // keep the detail (TYPE=…)
		}
		lines = append(lines, hexRun.ReplaceAllString(l, "<id>"))
	}
	return lines
}

func rdnTypes(t *testing.T, raw []byte) []string {
	t.Helper()
	var seq []asn1.RawValue
	_, err := asn1.Unmarshal(raw, &seq)
	require.NoError(t, err)
	var out []string
	for _, set := range seq {
		var atvs []struct {
			Type  asn1.ObjectIdentifier
			Value asn1.RawValue
		}
		_, err := asn1.UnmarshalWithParams(set.FullBytes, &atvs, "set")
		require.NoError(t, err)
		for _, a := range atvs {
			out = append(out, a.Type.String())
		}
	}
	return out
}
