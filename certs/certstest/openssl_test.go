package certstest_test

import (
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/certs/certstest/internal/fixtures"
	"github.com/esfkit/esf/internal/testref"
)

// openssl returns the path of the openssl binary, or skips the test.
func openssl(t *testing.T) string {
	t.Helper()
	path := testref.Tool(t, "openssl", "openssl")
	out, err := exec.Command(path, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "OpenSSL 3") {
		testref.Missing(t, "need OpenSSL 3 (for -legacy), have %q", strings.TrimSpace(string(out)))
	}
	return path
}

func runOpenSSL(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	return writeFile(t, dir, name, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// TestOpenSSLKeyStores checks that OpenSSL reads every kind of key store
// certstest writes and reports NCA's algorithms.
func TestOpenSSLKeyStores(t *testing.T) {
	bin := openssl(t)
	ca := newCA(t, certstest.Options{})
	dir := t.TempDir()
	type store struct {
		name, path, pin string
	}
	var stores []store
	for _, tc := range profileCases() {
		is, err := ca.Issue(tc.profile)
		require.NoError(t, err)
		stores = append(stores, store{tc.name, writeFile(t, dir, is.FileName, is.PKCS12), is.PIN})
	}
	is, err := ca.Issue(certstest.Profile{Usage: certs.UsageSign, PIN: "Aa123456", Email: "a@example.kz"})
	require.NoError(t, err)
	stores = append(stores, store{"own PIN and e-mail", writeFile(t, dir, is.FileName, is.PKCS12), "Aa123456"})
	if fixtureDir := certstest.FixtureDir(); fixtureDir != "" {
		for i, name := range fixtureKeyStores() {
			if fixtures.Entries[i].PKI.Alg == certs.AlgorithmRSA { // GOST: TestOpenSSLGOSTKeyStores
				stores = append(stores, store{"fixture " + name, filepath.Join(fixtureDir, name), certstest.FixturePIN})
			}
		}
	}

	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			out, err := runOpenSSL(t, bin, "pkcs12", "-legacy", "-info", "-nokeys", "-in", s.path, "-passin", "pass:"+s.pin)
			require.NoError(t, err, out)
			for _, want := range []string{
				"MAC: sha1, Iteration 1024",
				"Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 1024",
				"PKCS7 Encrypted data: pbeWithSHA1And40BitRC2-CBC, Iteration 1024",
				"Certificate bag",
				"BEGIN CERTIFICATE",
			} {
				assert.Contains(t, out, want)
			}
			assert.Equal(t, 1, strings.Count(out, "BEGIN CERTIFICATE"), "the leaf only")
			assert.NotContains(t, out, "PRIVATE KEY")

			out, err = runOpenSSL(t, bin, "pkcs12", "-legacy", "-info", "-nodes", "-in", s.path, "-passin", "pass:"+s.pin)
			require.NoError(t, err, out)
			assert.Contains(t, out, "BEGIN PRIVATE KEY")

			out, err = runOpenSSL(t, bin, "pkcs12", "-legacy", "-info", "-nokeys", "-in", s.path, "-passin", "pass:wrong")
			assert.Error(t, err, "a wrong PIN must fail: %s", out)
		})
	}
}

// TestOpenSSLVerify checks the chain and the CRL with openssl verify.
func TestOpenSSLVerify(t *testing.T) {
	bin := openssl(t)
	ca := newCA(t, certstest.Options{})
	dir := t.TempDir()
	valid, err := ca.Issue(certstest.Profile{Kind: certstest.KindCEO, Usage: certs.UsageSign})
	require.NoError(t, err)
	revoked, err := ca.Issue(certstest.Profile{Usage: certs.UsageSign, State: certstest.StateRevoked})
	require.NoError(t, err)
	expired, err := ca.Issue(certstest.Profile{State: certstest.StateExpired})
	require.NoError(t, err)
	crl, err := ca.CRL()
	require.NoError(t, err)

	root := writePEM(t, dir, "root.pem", "CERTIFICATE", ca.RootDER())
	inter := writePEM(t, dir, "intermediate.pem", "CERTIFICATE", ca.IntermediateDER())
	crlFile := writePEM(t, dir, "crl.pem", "X509 CRL", crl)
	// OpenSSL checks at the wall clock unless told; the CA's clock is fixed.
	at := fmt.Sprint(testNow.Add(time.Minute).Unix())

	tests := []struct {
		name    string
		leaf    *certstest.Issued
		withCRL bool
		want    string // in openssl's output
		ok      bool
	}{
		{"valid", valid, false, "OK", true},
		{"valid, CRL checked", valid, true, "OK", true},
		{"revoked, no CRL", revoked, false, "OK", true},
		{"revoked, CRL checked", revoked, true, "certificate revoked", false},
		{"expired", expired, false, "certificate has expired", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			leaf := writePEM(t, t.TempDir(), "leaf.pem", "CERTIFICATE", tc.leaf.DER())
			args := []string{"verify", "-attime", at, "-CAfile", root, "-untrusted", inter}
			if tc.withCRL {
				args = append(args, "-crl_check", "-CRLfile", crlFile)
			}
			out, err := runOpenSSL(t, bin, append(args, leaf)...)
			assert.Contains(t, out, tc.want)
			if tc.ok {
				assert.NoError(t, err, out)
			} else {
				assert.Error(t, err, out)
			}
		})
	}
}
