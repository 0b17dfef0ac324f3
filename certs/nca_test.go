package certs_test

import (
	"bufio"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/gost"
	"github.com/esfkit/esf/internal/testref"
)

// ncaStore is one row of the tables in the READMEs of
// shared/reference/nca-test-certs: a real NCA test key store and what it holds.
type ncaStore struct {
	folder    string // source folder, e.g. "danikarik_ncanode-go"
	path      string // full path of the .p12
	pin       string
	algorithm certs.Algorithm
	holder    certs.Holder
	iin, bin  string
	usage     certs.Usage
	roles     []certs.Role
	notBefore string // YYYY-MM-DD
	notAfter  string
	crl       string // "in CRL", "not in CRL" or ""
}

// ncaStores reads every key store row of the reference READMEs, so the test
// checks the library against the documented table, not a copy of it.
func ncaStores(t *testing.T) []ncaStore {
	t.Helper()
	root := testref.Dir(t, "reference", "nca-test-certs")
	readmes, err := filepath.Glob(filepath.Join(root, "*", "README.md"))
	require.NoError(t, err)
	var out []ncaStore
	for _, readme := range readmes {
		folder := filepath.Base(filepath.Dir(readme))
		f, err := os.Open(readme)
		require.NoError(t, err)
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if !strings.HasPrefix(line, "| `") || !strings.Contains(line, ".p12`") {
				continue
			}
			cols := strings.Split(line, "|")
			cols = cols[1 : len(cols)-1]
			for i := range cols {
				cols[i] = strings.TrimSpace(cols[i])
			}
			if len(cols) != 10 {
				continue // the password table of malikzh_NCANode, not a key store row
			}
			s := ncaStore{folder: folder, path: filepath.Join(root, folder, strings.Trim(cols[0], "`")), pin: "Qwerty12"}
			if folder == "malikzh_NCANode" && strings.Contains(cols[0], "_2015") {
				s.pin = "Aa123456" // per that folder's README
			}
			s.algorithm = map[string]certs.Algorithm{"RSA-SHA256": certs.AlgorithmRSA, "GOST34.310-2004": certs.AlgorithmGOST2004, "GOST2015-512": certs.AlgorithmGOST2015_512}[cols[1]]
			s.holder = map[string]certs.Holder{"individual": certs.HolderIndividual, "legal": certs.HolderLegalEntity}[cols[2]]
			for _, f := range strings.Fields(cols[3]) {
				if v, ok := strings.CutPrefix(f, "IIN"); ok {
					s.iin = v
				}
				if v, ok := strings.CutPrefix(f, "BIN"); ok {
					s.bin = v
				}
			}
			switch {
			case strings.HasSuffix(cols[4], "→ AUTH"):
				s.usage = certs.UsageAuth
			case strings.HasSuffix(cols[4], "→ SIGN"):
				s.usage = certs.UsageSign
				if s.algorithm == certs.AlgorithmGOST2015_512 {
					s.usage |= certs.UsageAuth // one GOST512 key logs in and signs
				}
			}
			for _, e := range strings.Split(cols[5], ",") {
				role, ok := map[string]certs.Role{
					"INDIVIDUAL": certs.RoleIndividual, "ORGANIZATION": certs.RoleOrganization, "CEO": certs.RoleCEO,
					"CAN_SIGN": certs.RoleCanSign, "EMPLOYEE": certs.RoleEmployee,
					"K2/treasury(5.19.1.2.2.1)": certs.RoleTreasuryClient, "ORG_IS(1.2.6)": certs.RoleOrganizationInformationSystem,
				}[strings.TrimSpace(e)]
				if ok {
					s.roles = append(s.roles, role)
				}
			}
			s.notBefore, s.notAfter, _ = strings.Cut(cols[8], "..")
			s.crl = cols[9]
			out = append(out, s)
		}
		require.NoError(t, sc.Err())
		f.Close()
	}
	require.Len(t, out, 54, "the reference set documents 54 key stores")
	return out
}

func (s ncaStore) name() string { return s.folder + "/" + filepath.Base(s.path) }

func TestOpenRealNCAKeyStores(t *testing.T) {
	for _, s := range ncaStores(t) {
		t.Run(s.name(), func(t *testing.T) {
			require.NotZero(t, s.algorithm, "row parsed")
			ks, err := certs.OpenFile(s.path, s.pin)
			require.NoError(t, err)
			c := ks.Certificate
			assert.Equal(t, s.algorithm, c.Algorithm)
			assert.Equal(t, s.holder, c.Holder)
			assert.Equal(t, s.iin, c.IIN)
			assert.Equal(t, s.bin, c.BIN)
			assert.Equal(t, s.usage, c.Usage)
			assert.ElementsMatch(t, s.roles, c.Roles)
			assert.Equal(t, s.notBefore, c.NotBefore.UTC().Format(time.DateOnly))
			assert.Equal(t, s.notAfter, c.NotAfter.UTC().Format(time.DateOnly))
			assert.Equal(t, "KZ", c.Country)
			assert.Empty(t, ks.CACertificates, "NCA key stores carry the leaf only")

			// NCA names the bags after the SKI.
			assert.Equal(t, c.SKI, ks.LocalKeyID)
			assert.Equal(t, strings.ToLower(strings.TrimSpace(ks.FriendlyName)), ks.FriendlyName)
			if kind, ski, ok := certs.ParseFileName(s.path); ok {
				assert.Equal(t, kind, c.FileKind, "file kind from the certificate")
				assert.Equal(t, ski, c.SKI, "file name is the SKI")
				assert.Equal(t, filepath.Base(s.path), c.FileName())
			}
			if c.IIN != "" {
				assert.NotEmpty(t, c.Surname)
				assert.NotEmpty(t, c.FirstName)
				assert.NotEmpty(t, c.Patronymic)
				assert.Equal(t, c.Surname+" "+c.FirstName, c.CommonName)
			}
			if c.Holder == certs.HolderLegalEntity {
				assert.NotEmpty(t, c.Organization)
			}

			switch k := ks.PrivateKey.(type) {
			case *rsa.PrivateKey:
				signer, err := ks.Signer()
				require.NoError(t, err)
				digest := sha256.Sum256([]byte("ИС ЭСФ"))
				sig, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
				require.NoError(t, err)
				require.NoError(t, rsa.VerifyPKCS1v15(c.PublicKey.(*rsa.PublicKey), crypto.SHA256, digest[:], sig),
					"the certificate's key verifies what the key store's key signed")
			case *gost.PrivateKey:
				pub, ok := c.PublicKey.(*gost.PublicKey)
				require.True(t, ok, "GOST certificate key is %T", c.PublicKey)
				require.True(t, k.PublicKey().Equal(pub), "the private key derives exactly the certificate's public key")
				signer, err := ks.Signer()
				require.NoError(t, err)
				digest := gostDigest(k.Curve, []byte("ИС ЭСФ"))
				sig, err := signer.Sign(rand.Reader, digest, nil)
				require.NoError(t, err)
				require.NoError(t, gost.Verify(pub, digest, sig), "the certificate's key verifies what the key store's key signed")
			default:
				t.Fatalf("private key of type %T", k)
			}
		})
	}
}

func TestOpenRealNCAKeyStoresWrongPIN(t *testing.T) {
	for _, s := range ncaStores(t) {
		t.Run(s.name(), func(t *testing.T) {
			for _, pin := range []string{"", "qwerty12", s.pin + "x", "Аа123456"} {
				_, err := certs.OpenFile(s.path, pin)
				require.ErrorIs(t, err, certs.ErrWrongPIN, "pin %q", pin)
			}
		})
	}
}

// TestVerifyRealNCAChains verifies each real certificate against the CA
// certificates and CRLs found in its own source folder, with the clock
// pinned inside its validity (after the revocation for revoked ones).
func TestVerifyRealNCAChains(t *testing.T) {
	root := testref.Dir(t, "reference", "nca-test-certs")
	cas := map[string][]*certs.Certificate{}
	crls := map[string][]*certs.CRL{}
	require.NoError(t, filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		folder := strings.SplitN(filepath.ToSlash(strings.TrimPrefix(path, root+string(filepath.Separator))), "/", 2)[0]
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch filepath.Ext(path) {
		case ".crl":
			crl, err := certs.ParseCRL(data)
			require.NoError(t, err, path)
			crls[folder] = append(crls[folder], crl)
		case ".cer", ".crt", ".pem":
			c, err := certs.ParseCertificate(data)
			require.NoError(t, err, path)
			if c.X509.IsCA {
				cas[folder] = append(cas[folder], c)
			}
		}
		return nil
	}))

	verified, revoked, gostChecked := 0, 0, 0
	for _, s := range ncaStores(t) {
		t.Run(s.name(), func(t *testing.T) {
			ks, err := certs.OpenFile(s.path, s.pin)
			require.NoError(t, err)
			c := ks.Certificate
			var issuer *certs.Certificate
			for _, ca := range cas[s.folder] {
				if ca.X509.Subject.String() == c.X509.Issuer.String() && string(ca.SKI) == string(c.X509.AuthorityKeyId) {
					issuer = ca
				}
			}
			if issuer == nil {
				t.Skipf("the CA %q is not in %s", c.Issuer, s.folder)
			}
			at := c.NotBefore.Add(c.NotAfter.Sub(c.NotBefore) / 2)
			var entry *certs.RevokedCertificate
			for _, crl := range crls[s.folder] {
				if e, ok := crl.Lookup(c.X509.SerialNumber); ok && string(crl.RawIssuer) == string(issuer.X509.RawSubject) {
					entry = &e
				}
			}
			if entry != nil && entry.RevocationTime.After(at) {
				at = entry.RevocationTime.Add(time.Minute)
				require.True(t, c.ValidAt(at), "revoked within validity")
			}
			if s.crl != "" {
				assert.Equal(t, s.crl == "in CRL", entry != nil, "the README's CRL column")
			}
			chain, err := certs.Verify(c, certs.VerifyOptions{Roots: cas[s.folder], CRLs: crls[s.folder], CurrentTime: at})

			var ve *certs.VerifyError
			if c.Algorithm != certs.AlgorithmRSA {
				gostChecked++
			}
			switch {
			case entry != nil:
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, certs.ReasonRevoked, ve.Reason)
				assert.Equal(t, entry.RevocationTime, ve.RevocationTime)
				revoked++
			default:
				require.NoError(t, err)
				require.Len(t, chain, 2)
				assert.Equal(t, issuer, chain[1])
				verified++
			}
		})
	}
	t.Logf("verified %d, revoked %d (GOST among them %d)", verified, revoked, gostChecked)
	if !t.Skipped() {
		assert.Positive(t, verified)
		assert.Positive(t, revoked)
		assert.Greater(t, gostChecked, 30)
	}
}

func TestParseRealNCACRLs(t *testing.T) {
	root := testref.Dir(t, "reference", "nca-test-certs")
	var paths []string
	require.NoError(t, filepath.Walk(root, func(path string, _ os.FileInfo, err error) error {
		if err == nil && filepath.Ext(path) == ".crl" {
			paths = append(paths, path)
		}
		return err
	}))
	require.Len(t, paths, 6)
	for _, p := range paths {
		t.Run(strings.TrimPrefix(p, root), func(t *testing.T) {
			data, err := os.ReadFile(p)
			require.NoError(t, err)
			crl, err := certs.ParseCRL(data)
			require.NoError(t, err)
			assert.False(t, crl.ThisUpdate.IsZero())
			assert.NotEmpty(t, crl.Signature)
			for _, r := range crl.Revoked {
				got, ok := crl.Lookup(r.SerialNumber)
				require.True(t, ok)
				assert.Equal(t, r.RevocationTime, got.RevocationTime)
			}
		})
	}
}

func TestParseRealNCACertificates(t *testing.T) {
	root := testref.Dir(t, "reference", "nca-test-certs")
	n := 0
	require.NoError(t, filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		switch filepath.Ext(path) {
		case ".cer", ".crt", ".pem":
		default:
			return nil
		}
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		c, err := certs.ParseCertificate(data)
		require.NoError(t, err, path)
		require.NotEqual(t, certs.AlgorithmUnknown, c.Algorithm, path)
		if c.X509.IsCA {
			assert.Equal(t, certs.HolderUnknown, c.Holder, path)
			assert.Equal(t, certs.FileKind(""), c.FileKind, path)
		} else {
			assert.NotEqual(t, certs.HolderUnknown, c.Holder, path)
		}
		n++
		return nil
	}))
	assert.Greater(t, n, 20)
}

// gostDigest hashes msg with the hash that goes with curve c.
func gostDigest(c gost.Curve, msg []byte) []byte {
	if c == gost.CurveCryptoProA {
		d := gost.Sum341194(msg)
		return d[:]
	}
	d := gost.Sum512(msg)
	return d[:]
}
