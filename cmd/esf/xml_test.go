package main

import (
	"os"
	"path/filepath"
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
	assert.Contains(t, stdout, "OK individual agreement (ru) of ТЕСТОВ ТЕСТ ТЕСТОВИЧ")

	code, stdout, _ = run(t, "agreement", "verify", "--ca", ca, "--at", at, "--kind", "legal-entity", signed)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stdout, "INVALID: agreement: kind")

	code, stdout, _ = run(t, "xml", "verify", "--ca", ca, "--at", at, signed, unsigned)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stdout, "a.signed.xml: OK signature 0 by ТЕСТОВ ТЕСТ ТЕСТОВИЧ, IIN 123456789011")
	assert.Contains(t, stdout, "a.xml: INVALID: xmlsig: no signature")

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
	code, stdout, _ = run(t, "xml", "verify", out)
	assert.Equal(t, exitOK, code, stdout)
	assert.Contains(t, stdout, "chain not checked")

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
