package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/internal/testref"
)

// envRunAsESF makes the test binary run as the esf command: TestMain calls
// main, which takes the arguments after the program name. The tests that
// need a real process (a SIGKILL, say) start os.Args[0] with it set,
// instead of building the binary with other flags than the test's.
const envRunAsESF = "ESF_TEST_RUN_AS_ESF"

func TestMain(m *testing.M) {
	if os.Getenv(envRunAsESF) == "1" {
		main() // exits
	}
	os.Exit(m.Run())
}

// esfCommand returns an *exec.Cmd that runs this test binary as esf with args.
func esfCommand(ctx context.Context, t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), envRunAsESF+"=1")
	return cmd
}

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv(envPIN, "")
	var out, errOut bytes.Buffer
	code := Run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	p := certstest.FixturePath(name)
	require.FileExists(t, p)
	return p
}

// at is inside the fixture set's validity (2026-01-01 .. 2027-01-01).
const at = "2026-06-01T12:00:00+05:00"

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no command", nil, exitUsage, "Usage"},
		{"unknown command", []string{"frobnicate"}, exitUsage, "unknown command"},
		{"cert without subcommand", []string{"cert"}, exitUsage, "Usage"},
		{"info without files", []string{"cert", "info"}, exitUsage, "no FILE"},
		{"info demo with a file", []string{"cert", "info", "--demo", "x.p12"}, exitUsage, "--demo takes no FILE"},
		{"unknown flag", []string{"cert", "info", "--frob", "x"}, exitUsage, "frob"},
		{"verify without ca", []string{"cert", "verify", "x.cer"}, exitUsage, "--ca"},
		{"verify two files", []string{"cert", "verify", "--ca", "a", "x", "y"}, exitUsage, "exactly one FILE"},
		{"verify bad time", []string{"cert", "verify", "--ca", "a", "--at", "yesterday", "x"}, exitUsage, "RFC 3339"},
		{"verify bad usage", []string{"cert", "verify", "--ca", "a", "--usage", "ENCRYPT", "x"}, exitUsage, "AUTH or SIGN"},
		{"verify missing ca file", []string{"cert", "verify", "--ca", "/nonexistent.cer", "x"}, exitUsage, "nonexistent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, tc.args...)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, stderr, tc.msg)
		})
	}
	code, stdout, _ := run(t, "help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "esf cert info")
}

func TestCertInfoJSON(t *testing.T) {
	p12 := fixture(t, certstest.FixtureCEOSign)
	// Flags may follow the file.
	code, stdout, stderr := run(t, "cert", "info", p12, "--json", "--pin", certstest.FixturePIN)
	require.Equal(t, exitOK, code, stderr)
	var got []map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	require.Len(t, got, 1)
	c := got[0]
	assert.Equal(t, "SIGN", c["keyUsage"])
	assert.Equal(t, []any{"ORGANIZATION", "CEO"}, c["keyUser"])
	assert.Equal(t, "SHA256WithRSAEncryption", c["signAlg"])
	assert.Equal(t, "RSA", c["algorithm"])
	assert.Equal(t, "LEGAL_ENTITY", c["holder"])
	assert.Equal(t, "RSA256_", c["fileKind"])
	assert.Equal(t, filepath.Base(p12), "RSA256_"+c["ski"].(string)+".p12")
	subject := c["subject"].(map[string]any)
	assert.Equal(t, "123456789011", subject["iin"])
	assert.Equal(t, "123456789021", subject["bin"])
	assert.Equal(t, "ТЕСТОВ", subject["surName"])
	assert.Equal(t, "ТЕСТОВИЧ", subject["lastName"])
	assert.Equal(t, `АО "ТЕСТ"`, subject["organization"])
	assert.Contains(t, subject["dn"], "SERIALNUMBER=IIN123456789011")
	for _, k := range []string{"notBefore", "notAfter", "serialNumber", "valid"} {
		assert.Contains(t, c, k)
	}
}

func TestCertInfoTableAndErrors(t *testing.T) {
	cer := fixture(t, certstest.FixtureRootCA)
	p12 := fixture(t, certstest.FixtureIndividualAuth)
	code, stdout, stderr := run(t, "cert", "info", "--pin", certstest.FixturePIN, p12, cer)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "AUTH_RSA256_")
	assert.Contains(t, stdout, "ТЕСТОВ ТЕСТ ТЕСТОВИЧ")
	assert.Contains(t, stdout, "НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST CERTSTEST")

	code, stdout, stderr = run(t, "cert", "info", p12, cer)
	assert.Equal(t, exitUsage, code, "a key store without a PIN is a usage error")
	assert.Contains(t, stderr, "give its PIN")
	assert.Empty(t, stdout, "nothing is printed, not even the certificate")

	code, _, stderr = run(t, "cert", "info", "--pin", "wrong", p12)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "wrong PIN")

	code, _, stderr = run(t, "cert", "info", "--pin", "x", filepath.Join(testref.Root(), "go.mod"))
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "neither a certificate nor a PKCS#12 key store")

	t.Setenv(envPIN, certstest.FixturePIN)
	var out, errOut bytes.Buffer
	assert.Equal(t, exitOK, Run(context.Background(), []string{"cert", "info", p12}, &out, &errOut), errOut.String())
}

func TestCertInfoDemo(t *testing.T) {
	code, stdout, stderr := run(t, "cert", "info", "--demo", "--json")
	require.Equal(t, exitOK, code, stderr)
	var got []map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	require.Len(t, got, 7)
	for _, c := range got {
		assert.Equal(t, true, c["valid"])
	}
}

func TestCertVerify(t *testing.T) {
	root := fixture(t, certstest.FixtureRootCA)
	inter := fixture(t, certstest.FixtureIntermediateCA)
	crl := fixture(t, certstest.FixtureCRL)
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"valid key store", []string{"--ca", root, "--ca", inter, "--crl", crl, "--at", at, "--pin", "Qwerty12", fixture(t, certstest.FixtureIndividualSign)}, exitOK, "OK: ТЕСТОВ ТЕСТ ТЕСТОВИЧ"},
		{"intermediate alone is an anchor", []string{"--ca", inter, "--at", at, "--pin", "Qwerty12", fixture(t, certstest.FixtureCEOAuth)}, exitOK, "OK"},
		{"root alone misses the intermediate", []string{"--ca", root, "--at", at, "--pin", "Qwerty12", fixture(t, certstest.FixtureCEOAuth)}, exitFailure, "INVALID: unknown authority"},
		{"revoked", []string{"--ca", inter, "--crl", crl, "--at", at, "--pin", "Qwerty12", fixture(t, certstest.FixtureIndividualSignRevoked)}, exitFailure, "INVALID: revoked"},
		{"expired", []string{"--ca", inter, "--at", at, "--pin", "Qwerty12", fixture(t, certstest.FixtureIndividualSignExpired)}, exitFailure, "INVALID: expired"},
		{"not yet valid", []string{"--ca", inter, "--at", "2025-06-01T00:00:00Z", "--pin", "Qwerty12", fixture(t, certstest.FixtureIndividualSign)}, exitFailure, "INVALID: not yet valid"},
		{"auth key where signing is required", []string{"--ca", inter, "--at", at, "--usage", "SIGN", "--pin", "Qwerty12", fixture(t, certstest.FixtureIndividualAuth)}, exitFailure, "INVALID: wrong usage"},
		{"legal entity required", []string{"--ca", inter, "--at", at, "--holder", "LEGAL_ENTITY", "--pin", "Qwerty12", fixture(t, certstest.FixtureIndividualSign)}, exitFailure, "INVALID: wrong holder"},
		{"CA certificate as FILE", []string{"--ca", root, "--at", at, inter}, exitOK, "OK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, append([]string{"cert", "verify"}, tc.args...)...)
			assert.Equal(t, tc.code, code, "stdout %s\nstderr %s", stdout, stderr)
			assert.Contains(t, stdout, tc.out)
		})
	}
}

func TestCertVerifyRealGOST(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs", "ncanode-kz_NCANode-Go", "internal", "testdata", "certs")
	base := []string{"cert", "verify", "--ca", filepath.Join(dir, "root_test_gost_2022.cer"), "--crl", filepath.Join(dir, "nca_gost2022_test.crl"),
		"--at", "2026-09-01T00:00:00Z", "--pin", "Qwerty12"}
	// The intermediate is not in the key store: without it there is no chain.
	code, stdout, _ := run(t, append(base, filepath.Join(dir, "legal", "valid", "head.p12"))...)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stdout, "INVALID: unknown authority")

	base = append(base, "--ca", filepath.Join(dir, "nca_gost2022_test.cer"))
	code, stdout, _ = run(t, append(base, "--usage", "SIGN", "--holder", "LEGAL_ENTITY", filepath.Join(dir, "legal", "valid", "head.p12"))...)
	assert.Equal(t, exitOK, code, stdout)
	assert.Contains(t, stdout, "OK: ТЕСТОВ ТЕСТ ТЕСТОВИЧ")

	code, stdout, _ = run(t, append(base, filepath.Join(dir, "legal", "valid", "employee.p12"))...)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stdout, "INVALID: revoked", "listed in the CRL despite its folder's name")
}
