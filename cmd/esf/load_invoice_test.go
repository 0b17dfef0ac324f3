package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/mockserver"
)

// The invoice flow against esf mock serve (SQLite): every invoice
// registered, GOST and RSA, one and several a call, with the server's CPU
// per invoice.
func TestMockLoadInvoice(t *testing.T) {
	m := startMock(t, "--state", filepath.Join(t.TempDir(), "mock.db"))
	for _, c := range []struct {
		alg   string
		batch int
	}{{"gost", 1}, {"gost", 5}, {"rsa", 2}} {
		t.Run(c.alg+" batch "+strconv.Itoa(c.batch), func(t *testing.T) {
			var rep loadReport
			runJSON(t, &rep, "mock", "load", "--url", m.base, "--flow", "invoice", "--alg", c.alg, "--batch", strconv.Itoa(c.batch),
				"--n", "12", "--c", "3", "--server-pid", strconv.Itoa(os.Getpid()))
			checkReport(t, rep, "invoice", 12, 3)
			assert.Equal(t, c.batch, rep.Batch)
			assert.Equal(t, 12*c.batch, rep.Invoices)
			require.NotNil(t, rep.ServerCPUPerInvoice)
			assert.Positive(t, *rep.ServerCPUPerInvoice)
		})
	}
	ctl, err := mockserver.NewControlClient(m.base, mockserver.ControlClientOptions{})
	require.NoError(t, err)
	created, err := ctl.Invoices(context.Background(), mockserver.InvoiceFilter{Status: mockserver.StatusCreated, Limit: 1000})
	require.NoError(t, err)
	assert.Len(t, created, 12*(1+5+2), "every invoice the runs uploaded is registered")
}

func TestMockLoadInvoiceUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--batch", "0"}, "--batch"},
		{[]string{"--batch", "1001"}, "--batch"},
	} {
		code, _, stderr := run(t, append([]string{"mock", "load", "--url", "http://127.0.0.1:1", "--flow", "invoice", "--n", "1"}, c.args...)...)
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, stderr, c.want)
	}
}
