package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

// A sandbox's state goes out of one mock and into another whole; a state
// the mock refuses changes nothing.
func TestMockExportImport(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, b := startMock(t, "--allow-test-identities"), startMock(t, "--allow-test-identities")
	ctlA, err := mockserver.NewControlClient(a.base, mockserver.ControlClientOptions{})
	require.NoError(t, err)
	ctlB, err := mockserver.NewControlClient(b.base, mockserver.ControlClientOptions{})
	require.NoError(t, err)
	_, err = ctlA.SeedTaxpayers(ctx, true, esfreg.Taxpayer{TIN: mockTIN, NameRu: `ТОО "Тест"`, Type: esfreg.EnterprisePrivate, Resident: true, EnterpriseAdministrator: "123456789011"})
	require.NoError(t, err)

	file := filepath.Join(t.TempDir(), "state.json")
	code, stdout, stderr := run(t, "mock", "export", "--url", a.base, "--out", file)
	require.Equal(t, exitOK, code, "%s %s", stdout, stderr)
	code, stdout, _ = run(t, "mock", "export", "--url", a.base)
	require.Equal(t, exitOK, code)
	saved, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.JSONEq(t, string(saved), stdout, "--out and standard output write the same state")

	_, err = ctlB.Taxpayer(ctx, mockTIN)
	require.Error(t, err, "mock B starts without the taxpayer")
	code, stdout, stderr = run(t, "mock", "import", "--url", b.base, file)
	require.Equal(t, exitOK, code, "%s %s", stdout, stderr)
	assert.Contains(t, stdout, "loaded "+file)
	tp, err := ctlB.Taxpayer(ctx, mockTIN)
	require.NoError(t, err)
	assert.Equal(t, `ТОО "Тест"`, tp.NameRu)

	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"version":1,"version":1}`), 0o644))
	code, _, stderr = run(t, "mock", "import", "--url", b.base, bad)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "duplicate key")
	_, err = ctlB.Taxpayer(ctx, mockTIN)
	assert.NoError(t, err, "a refused import changed the mock")
}
