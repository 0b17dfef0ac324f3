package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/internal/testref"
)

const cmsContent = "<invoice><num>1</num></invoice>\n"

// signedCMS signs cmsContent with a fixture key store and returns the
// paths of the content and the CMS.
func signedCMS(t *testing.T, keyStore string, extra ...string) (content, signed string) {
	t.Helper()
	dir := t.TempDir()
	content, signed = filepath.Join(dir, "invoice.xml"), filepath.Join(dir, "invoice.cms")
	require.NoError(t, os.WriteFile(content, []byte(cmsContent), 0o600))
	args := append([]string{"cms", "sign", "--keystore", fixture(t, keyStore), "--pin", certstest.FixturePIN, "--at", at, "--out", signed}, extra...)
	code, stdout, stderr := run(t, append(args, content)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stdout, "the CMS goes to --out")
	return content, signed
}

func TestCMSSignVerify(t *testing.T) {
	ca, crl := fixture(t, certstest.FixtureIntermediateCA), fixture(t, certstest.FixtureCRL)
	gostCA := fixture(t, certstest.FixtureGOSTIntermediateCA)
	for _, tc := range []struct {
		name     string
		keyStore string
		ca       string
		flags    []string
		detail   string // what the line says between the signer's name and the checks
	}{
		{"RSA attached", certstest.FixtureIndividualSign, ca, nil,
			"signer 0 by ТЕСТОВ ТЕСТ ТЕСТОВИЧ, IIN 123456789011 (RSA, attached, 32 bytes of content, signing time 2026-06-01T07:00:00Z)"},
		{"RSA detached PEM", certstest.FixtureIndividualSign, ca, []string{"--detached", "--pem"},
			"signer 0 by ТЕСТОВ ТЕСТ ТЕСТОВИЧ, IIN 123456789011 (RSA, detached, 32 bytes of content, signing time 2026-06-01T07:00:00Z)"},
		{"GOST 2015 attached", certstest.FixtureGOSTCEO, gostCA, nil,
			"signer 0 by ТЕСТОВ ТЕСТ ТЕСТОВИЧ, IIN 123456789011, BIN 123456789021 (GOST2015-512, attached, 32 bytes of content, signing time 2026-06-01T07:00:00Z)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			content, signed := signedCMS(t, tc.keyStore, tc.flags...)
			data, err := os.ReadFile(signed)
			require.NoError(t, err)
			detached := strings.Contains(tc.name, "detached")
			assert.Equal(t, strings.Contains(tc.name, "PEM"), strings.HasPrefix(string(data), "-----BEGIN CMS-----\n"))
			assert.Equal(t, !detached, strings.Contains(string(data), cmsContent))

			args := []string{"cms", "verify", "--ca", tc.ca, "--at", at}
			if detached {
				args = append(args, "--content", content)
			}
			code, stdout, stderr := run(t, append(args, signed)...)
			require.Equal(t, exitOK, code, "stdout %s\nstderr %s", stdout, stderr)
			assert.Equal(t, "OK "+signed+": "+tc.detail+"; chain checked; revocation not checked (no --crl)\n", stdout)

			code, stdout, _ = run(t, "cms", "verify", "--no-chain", "--content", content, signed)
			require.Equal(t, exitOK, code, stdout)
			assert.Equal(t, "UNCHECKED-CHAIN "+signed+": "+strings.Replace(tc.detail, " by ", " valid, by ", 1)+
				"; chain, validity and revocation not checked (--no-chain)\n", stdout)

			// Another content: INVALID, exit 1.
			other := filepath.Join(t.TempDir(), "other.xml")
			require.NoError(t, os.WriteFile(other, []byte("<invoice><num>2</num></invoice>\n"), 0o600))
			code, stdout, _ = run(t, "cms", "verify", "--no-chain", "--content", other, signed)
			assert.Equal(t, exitFailure, code)
			assert.True(t, strings.HasPrefix(stdout, "INVALID "+signed+": cms: "), stdout)
		})
	}
	t.Run("detached without --content", func(t *testing.T) {
		_, signed := signedCMS(t, certstest.FixtureIndividualSign, "--detached")
		code, stdout, _ := run(t, "cms", "verify", "--ca", ca, "--crl", crl, "--at", at, signed)
		assert.Equal(t, exitFailure, code)
		assert.Contains(t, stdout, "INVALID "+signed+": cms: content missing or different: the CMS is detached")
	})
	t.Run("revoked, with --crl", func(t *testing.T) {
		_, signed := signedCMS(t, certstest.FixtureIndividualSignRevoked)
		code, stdout, _ := run(t, "cms", "verify", "--ca", ca, "--crl", crl, "--at", at, signed)
		assert.Equal(t, exitFailure, code)
		assert.True(t, strings.HasPrefix(stdout, "INVALID "+signed+": revoked: "), stdout)
		code, stdout, _ = run(t, "cms", "verify", "--ca", ca, "--at", at, signed)
		assert.Equal(t, exitOK, code)
		assert.True(t, strings.HasSuffix(stdout, "; chain checked; revocation not checked (no --crl)\n"), stdout)
	})
	t.Run("several files, one not a CMS", func(t *testing.T) {
		content, signed := signedCMS(t, certstest.FixtureIndividualSign)
		code, stdout, _ := run(t, "cms", "verify", "--ca", ca, "--crl", crl, "--at", at, signed, content)
		assert.Equal(t, exitFailure, code)
		got := lines(stdout)
		require.Len(t, got, 2, stdout)
		assert.True(t, strings.HasPrefix(got[0], "OK "+signed+": "), got[0])
		assert.True(t, strings.HasSuffix(got[0], "; chain and revocation checked"), got[0])
		assert.True(t, strings.HasPrefix(got[1], "INVALID "+content+": cms: malformed CMS"), got[1])
	})
	t.Run("an AUTH key store signs too", func(t *testing.T) {
		// NCALayer's createCMSSignatureFromBase64 signs with either key.
		_, signed := signedCMS(t, certstest.FixtureIndividualAuth)
		code, stdout, _ := run(t, "cms", "verify", "--ca", ca, "--at", at, signed)
		assert.Equal(t, exitOK, code, stdout)
	})
	t.Run("certificate not valid at --at", func(t *testing.T) {
		dir := t.TempDir()
		content := filepath.Join(dir, "c.txt")
		require.NoError(t, os.WriteFile(content, []byte(cmsContent), 0o600))
		code, stdout, stderr := run(t, "cms", "sign", "--keystore", fixture(t, certstest.FixtureIndividualSign), "--pin", certstest.FixturePIN,
			"--at", "2030-01-01T00:00:00Z", content)
		assert.Equal(t, exitFailure, code)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, "esf cms sign: cms: bad signer certificate: the certificate is valid from")
	})
}

// TestCMSVerifyUsage: the trust flags behave as in the other verify
// commands.
func TestCMSVerifyUsage(t *testing.T) {
	_, signed := signedCMS(t, certstest.FixtureIndividualSign)
	ca := fixture(t, certstest.FixtureIntermediateCA)
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"no --ca", []string{"--at", at, signed}, "no --ca given: the signer's chain cannot be checked; give --ca FILE, or --no-chain to check the signature alone"},
		{"--no-chain with --ca", []string{"--no-chain", "--ca", ca, signed}, "--no-chain and --ca contradict each other"},
		{"no FILE", []string{"--no-chain"}, "no FILE given"},
		{"bad --at", []string{"--ca", ca, "--at", "yesterday", signed}, "--at \"yesterday\" is not RFC 3339"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, append([]string{"cms", "verify"}, tc.args...)...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tc.msg)
		})
	}
	code, stdout, stderr := run(t, "cms", "verify", "--no-chain", "--content", filepath.Join(t.TempDir(), "missing"), signed)
	assert.Equal(t, exitFailure, code, "an unreadable --content is input, not configuration")
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "--content")
	code, _, stderr = run(t, "cms", "sign", "--keystore", fixture(t, certstest.FixtureIndividualSign), "--pin", certstest.FixturePIN, signed, signed)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "want exactly one FILE, got 2")
}

// TestCMSVerifyRealFiles: NCA's own CMS (Kalkan, GOST 2015, detached, with
// a time-stamp) against NCA's test CA and its CRL.
func TestCMSVerifyRealFiles(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs")
	certsDir := filepath.Join(dir, "ncanode-kz_NCANode-Go", "internal", "testdata", "certs")
	cmsDir := filepath.Join(dir, "skarm_kalkan", "testdata", "cms")
	signed := filepath.Join(cmsDir, "legal_entity_detached.der")
	code, stdout, stderr := run(t, "cms", "verify", "--ca", filepath.Join(certsDir, "nca_gost2022_test.cer"),
		"--crl", filepath.Join(certsDir, "nca_gost2022_test.crl"), "--at", "2026-07-21T00:00:00Z",
		"--content", filepath.Join(cmsDir, "legal_entity_document.txt"), signed)
	require.Equal(t, exitOK, code, "stdout %s\nstderr %s", stdout, stderr)
	assert.Equal(t, "OK "+signed+": signer 0 by ТЕСТОВ ТЕСТ ТЕСТОВИЧ, IIN 123456789011, BIN 123456789021 (GOST2015-512, detached, 86 bytes of content, "+
		"signing time 2026-07-20T09:10:09Z, time-stamp 2026-07-20T09:10:09Z by TIME-STAMPING AUTHORITY, its chain not checked); chain and revocation checked\n", stdout)

	// NCANode's base64 CMS, as the file holds it.
	b64 := filepath.Join(dir, "danikarik_ncanode-go", "testdata", "personal", "active", "RSA256_11c707bd54cbfcccb3815e39c4eb57b1dc7dfea9.cms")
	code, stdout, _ = run(t, "cms", "verify", "--no-chain", b64)
	assert.Equal(t, exitOK, code, stdout)
	assert.Contains(t, stdout, "(RSA, attached, 6 bytes of content, signing time 2020-09-09T20:03:14Z)")
}
