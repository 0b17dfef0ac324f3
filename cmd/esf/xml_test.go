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

func TestAgreementNewSignVerify(t *testing.T) {
	dir := t.TempDir()
	unsigned, signed := filepath.Join(dir, "a.xml"), filepath.Join(dir, "a.signed.xml")
	code, _, stderr := run(t, "agreement", "new", "--kind", "individual", "--lang", "ru", "--iin", certstest.TestIIN,
		"--name", "ТЕСТОВ ТЕСТ ТЕСТОВИЧ", "--doc-number", "012345678", "--doc-issuer", "МВД РК", "--doc-date", "2019-03-14",
		"--address", "Астана", "--date", "2026-06-01", "--out", unsigned)
	require.Equal(t, exitOK, code, stderr)

	code, _, stderr = run(t, "agreement", "sign", "--keystore", fixture(t, certstest.FixtureIndividualAuth), "--pin", "Qwerty12", "--at", at, unsigned)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "signing-key", "an AUTH key does not sign agreements")

	code, _, stderr = run(t, "agreement", "sign", "--keystore", fixture(t, certstest.FixtureIndividualSign), "--pin", "Qwerty12", "--at", at, "--out", signed, unsigned)
	require.Equal(t, exitOK, code, stderr)

	ca, crl := fixture(t, certstest.FixtureIntermediateCA), fixture(t, certstest.FixtureCRL)
	code, stdout, _ := run(t, "agreement", "verify", "--ca", ca, "--crl", crl, "--at", at, signed)
	assert.Equal(t, exitOK, code, stdout)
	assert.Contains(t, stdout, "OK "+signed+": individual agreement (ru) of ТЕСТОВ ТЕСТ ТЕСТОВИЧ")

	code, stdout, _ = run(t, "agreement", "verify", "--ca", ca, "--at", at, "--kind", "legal-entity", signed)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stdout, "INVALID "+signed+": agreement: kind")

	code, stdout, _ = run(t, "xml", "verify", "--ca", ca, "--at", at, signed, unsigned)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stdout, "OK "+signed+": signature 0 by ТЕСТОВ ТЕСТ ТЕСТОВИЧ, IIN 123456789011")
	assert.Contains(t, stdout, "INVALID "+unsigned+": xmlsig: no signature")

	code, _, stderr = run(t, "agreement", "new", "--kind", "legal-entity", "--iin", certstest.TestIIN, "--name", "X",
		"--doc-number", "1", "--doc-issuer", "МВД", "--doc-date", "2019-03-14", "--address", "A")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--bin")
}

func TestXMLSignVerify(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "ticket.xml")
	require.NoError(t, os.WriteFile(doc, []byte(`<authSign><iin>123456789011</iin></authSign>`), 0o600))
	code, stdout, stderr := run(t, "xml", "sign", "--keystore", fixture(t, certstest.FixtureIndividualAuth), "--pin", "Qwerty12", "--at", at, "--cr", doc)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "&#13;")
	out := filepath.Join(dir, "signed.xml")
	require.NoError(t, os.WriteFile(out, []byte(stdout), 0o600))
	code, stdout, _ = run(t, "xml", "verify", "--no-chain", out)
	assert.Equal(t, exitOK, code, stdout)
	assert.Contains(t, stdout, "UNCHECKED-CHAIN "+out+": ")

	code, _, _ = run(t, "xml", "sign", doc)
	assert.Equal(t, exitUsage, code)
	code, _, _ = run(t, "xml", "verify")
	assert.Equal(t, exitUsage, code)
}

func TestXMLVerifyRealFiles(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs", "skarm_kalkan", "testdata")
	code, stdout, _ := run(t, "xml", "verify", "--ca", filepath.Join(dir, "certs", "nca_gost2022_test.cer"), "--at", "2024-01-10T00:00:00Z",
		filepath.Join(dir, "java_xml", "native-xml.xml"))
	assert.Equal(t, exitOK, code, stdout)
	assert.Contains(t, stdout, "gostr34102015-gostr34112015-512")
}

// signedAgreement writes the test individual's agreement signed with the
// fixture key store keyStore and returns its path.
func signedAgreement(t *testing.T, keyStore string) string {
	t.Helper()
	dir := t.TempDir()
	unsigned, signed := filepath.Join(dir, "a.xml"), filepath.Join(dir, "signed.xml")
	code, _, stderr := run(t, "agreement", "new", "--kind", "individual", "--lang", "ru", "--iin", certstest.TestIIN,
		"--name", "ТЕСТОВ ТЕСТ ТЕСТОВИЧ", "--doc-number", "012345678", "--doc-issuer", "МВД РК", "--doc-date", "2019-03-14",
		"--address", "Астана", "--date", "2026-06-01", "--out", unsigned)
	require.Equal(t, exitOK, code, stderr)
	code, _, stderr = run(t, "agreement", "sign", "--keystore", fixture(t, keyStore), "--pin", certstest.FixturePIN, "--at", at, "--out", signed, unsigned)
	require.Equal(t, exitOK, code, stderr)
	return signed
}

// lines splits a command's output into its lines.
func lines(out string) []string {
	return strings.Split(strings.TrimRight(out, "\n"), "\n")
}

// verifyCommands are the commands that verify signed files.
var verifyCommands = [][]string{{"xml", "verify"}, {"agreement", "verify"}}

// TestVerifyRefusesWithoutCA: without --ca the verify commands cannot
// check the signer's chain, so they say nothing is OK: a usage error
// (exit 2) that names the way out, and nothing on standard output.
func TestVerifyRefusesWithoutCA(t *testing.T) {
	signed := signedAgreement(t, certstest.FixtureIndividualSign)
	ca, crl := fixture(t, certstest.FixtureIntermediateCA), fixture(t, certstest.FixtureCRL)
	for _, cmd := range verifyCommands {
		for _, tc := range []struct {
			name string
			args []string
			msg  string
		}{
			{"no --ca", []string{"--at", at, signed}, "no --ca given: the signer's chain cannot be checked; give --ca FILE, or --no-chain to check the signature alone"},
			{"--crl without --ca", []string{"--crl", crl, "--at", at, signed}, "no --ca given: the signer's chain cannot be checked; give --ca FILE, or --no-chain to check the signature alone"},
			{"--no-chain with --ca", []string{"--no-chain", "--ca", ca, signed}, "--no-chain and --ca contradict each other"},
			{"--no-chain with --crl", []string{"--no-chain", "--crl", crl, signed}, "--no-chain and --crl contradict each other"},
		} {
			t.Run(strings.Join(cmd, " ")+"/"+tc.name, func(t *testing.T) {
				code, stdout, stderr := run(t, append(cmd, tc.args...)...)
				assert.Equal(t, exitUsage, code, "stdout %s\nstderr %s", stdout, stderr)
				assert.Contains(t, stderr, tc.msg)
				assert.Empty(t, stdout, "nothing is declared valid")
			})
		}
	}
	// esf cert verify has no --no-chain: checking the chain is its job.
	code, _, stderr := run(t, "cert", "verify", "--pin", certstest.FixturePIN, fixture(t, certstest.FixtureIndividualSign))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "no --ca given: the certificate's chain cannot be checked; give --ca FILE")
}

// TestVerifyNoChain: with --no-chain the verify commands check the
// signature alone, exit 0 when it is valid, and every line for a file
// starts with UNCHECKED-CHAIN (or INVALID): never OK.
func TestVerifyNoChain(t *testing.T) {
	signed := signedAgreement(t, certstest.FixtureIndividualSign)
	revoked := signedAgreement(t, certstest.FixtureIndividualSignRevoked)
	for _, tc := range []struct {
		cmd    []string
		detail string
	}{
		{[]string{"xml", "verify"}, "signature 0 valid, by ТЕСТОВ ТЕСТ ТЕСТОВИЧ, IIN 123456789011"},
		{[]string{"agreement", "verify"}, "individual agreement (ru) of ТЕСТОВ ТЕСТ ТЕСТОВИЧ, signature valid, signed by ТЕСТОВ ТЕСТ ТЕСТОВИЧ, IIN 123456789011"},
	} {
		t.Run(strings.Join(tc.cmd, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, append(tc.cmd, "--no-chain", signed, revoked)...)
			require.Equal(t, exitOK, code, "stdout %s\nstderr %s", stdout, stderr)
			got := lines(stdout)
			require.Len(t, got, 2, stdout)
			for i, file := range []string{signed, revoked} {
				assert.Equal(t, "UNCHECKED-CHAIN", strings.Fields(got[i])[0], got[i])
				assert.True(t, strings.HasPrefix(got[i], "UNCHECKED-CHAIN "+file+": "+tc.detail), got[i])
				assert.True(t, strings.HasSuffix(got[i], "; chain, validity and revocation not checked (--no-chain)"), got[i])
			}

			// A broken file is still INVALID, and the exit status 1.
			tampered := filepath.Join(t.TempDir(), "tampered.xml")
			doc, err := os.ReadFile(signed)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(tampered, []byte(strings.Replace(string(doc), "012345678", "987654321", 1)), 0o600))
			code, stdout, _ = run(t, append(tc.cmd, "--no-chain", signed, tampered)...)
			assert.Equal(t, exitFailure, code, stdout)
			got = lines(stdout)
			require.Len(t, got, 2, stdout)
			assert.Equal(t, "UNCHECKED-CHAIN", strings.Fields(got[0])[0], got[0])
			assert.True(t, strings.HasPrefix(got[1], "INVALID "+tampered+": "), got[1])
		})
	}
}

// TestVerifyRevocationWording: with --ca the OK line says whether
// revocation was checked; with --crl a revoked signer is INVALID: revoked.
func TestVerifyRevocationWording(t *testing.T) {
	signed := signedAgreement(t, certstest.FixtureIndividualSign)
	revoked := signedAgreement(t, certstest.FixtureIndividualSignRevoked)
	ca, crl := fixture(t, certstest.FixtureIntermediateCA), fixture(t, certstest.FixtureCRL)
	for _, cmd := range verifyCommands {
		for _, tc := range []struct {
			name string
			args []string
			file string
			code int
			line string // the start of the line
			end  string // its end
		}{
			{"--ca without --crl", []string{"--ca", ca}, signed, exitOK, "OK " + signed + ": ", "; chain checked; revocation not checked (no --crl)"},
			{"--ca and --crl", []string{"--ca", ca, "--crl", crl}, signed, exitOK, "OK " + signed + ": ", "; chain and revocation checked"},
			{"revoked, --ca and --crl", []string{"--ca", ca, "--crl", crl}, revoked, exitFailure, "INVALID " + revoked + ": revoked: ", ""},
			{"revoked, without --crl", []string{"--ca", ca}, revoked, exitOK, "OK " + revoked + ": ", "; chain checked; revocation not checked (no --crl)"},
		} {
			t.Run(strings.Join(cmd, " ")+"/"+tc.name, func(t *testing.T) {
				args := append(append(append([]string{}, cmd...), tc.args...), "--at", at, tc.file)
				code, stdout, stderr := run(t, args...)
				assert.Equal(t, tc.code, code, "stdout %s\nstderr %s", stdout, stderr)
				got := lines(stdout)
				require.Len(t, got, 1, stdout)
				assert.True(t, strings.HasPrefix(got[0], tc.line), "%q does not start with %q", got[0], tc.line)
				assert.True(t, strings.HasSuffix(got[0], tc.end), "%q does not end with %q", got[0], tc.end)
			})
		}
	}
}

// TestCertVerifyRevocationWording: esf cert verify says the same of
// revocation as the other verify commands.
func TestCertVerifyRevocationWording(t *testing.T) {
	inter, crl := fixture(t, certstest.FixtureIntermediateCA), fixture(t, certstest.FixtureCRL)
	key := fixture(t, certstest.FixtureIndividualSign)
	for _, tc := range []struct {
		name string
		args []string
		line string
	}{
		{"without --crl", []string{"--ca", inter}, "OK: ТЕСТОВ ТЕСТ ТЕСТОВИЧ; chain checked; revocation not checked (no --crl)"},
		{"with --crl", []string{"--ca", inter, "--crl", crl}, "OK: ТЕСТОВ ТЕСТ ТЕСТОВИЧ; chain and revocation checked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, append(append([]string{"cert", "verify"}, tc.args...), "--at", at, "--pin", certstest.FixturePIN, key)...)
			require.Equal(t, exitOK, code, stderr)
			assert.Equal(t, tc.line, lines(stdout)[0])
		})
	}
}

// TestAgreementVerifyHeadOf: an individual's agreement signed with the
// same person's CEO key is INVALID alone, and OK with --head-of the key's
// BIN (signed beside that entity's agreement).
func TestAgreementVerifyHeadOf(t *testing.T) {
	signed := signedAgreement(t, certstest.FixtureCEOSign)
	ca := fixture(t, certstest.FixtureIntermediateCA)
	code, stdout, stderr := run(t, "agreement", "verify", "--ca", ca, "--at", at, signed)
	assert.Equal(t, exitFailure, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, "INVALID "+signed+": "), stdout)
	assert.Contains(t, stdout, "it needs a personal key")
	code, stdout, stderr = run(t, "agreement", "verify", "--ca", ca, "--at", at, "--head-of", "000000000000", signed)
	assert.Equal(t, exitFailure, code, "another BIN: %s %s", stdout, stderr)
	code, stdout, stderr = run(t, "agreement", "verify", "--ca", ca, "--at", at, "--head-of", certstest.TestBIN, signed)
	assert.Equal(t, exitOK, code, "%s %s", stdout, stderr)
	assert.True(t, strings.HasPrefix(stdout, "OK "+signed+": "), stdout)
}
