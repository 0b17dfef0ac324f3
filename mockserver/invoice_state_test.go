package mockserver_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/mockserver"
)

// An export and an import carry the invoices: one registered and
// confirmed, one still in the queue. In a second mock loaded from the
// first's dump both are there in their states, the queued one goes on to
// CREATED, and the feeds go on from where they were.
func TestInvoiceStateDumpAndLoad(t *testing.T) {
	a := newInvoiceEnv(t)
	done := a.upload1(a.sampleInvoice())
	_, err := a.srv.ProcessInvoices()
	require.NoError(t, err)
	require.Equal(t, mockserver.StatusCreated, a.summary(a.seller, done).status)
	a.confirm(a.customer, done)
	require.NoError(t, a.srv.SetInvoiceTiming(mockserver.InvoiceTiming{Queue: time.Hour, Processing: time.Hour}))
	queued := a.upload1(a.sampleInvoice())
	require.Equal(t, mockserver.StatusInQueue, a.summary(a.seller, queued).status)

	dump, err := a.srv.Dump()
	require.NoError(t, err)
	var st mockserver.State
	require.NoError(t, json.Unmarshal(dump, &st))
	assert.NotEmpty(t, st.Invoices)

	b := newInvoiceEnv(t)
	require.NoError(t, b.srv.Load(dump))
	b.seller, b.customer = a.seller, a.customer // the sessions came with the dump
	assert.Equal(t, mockserver.StatusDelivered, b.summary(b.seller, done).status)
	assert.Equal(t, mockserver.StatusInQueue, b.summary(b.seller, queued).status)
	assert.Equal(t, []string{"IN_QUEUE", "IN_PROCESSING", "CREATED", "DELIVERED"}, b.history(b.seller, done))
	_, err = b.srv.ProcessInvoices()
	require.NoError(t, err)
	assert.Equal(t, mockserver.StatusCreated, b.summary(b.seller, queued).status)

	// A dump naming a kind that is not the invoices' is refused, naming it.
	bad := []byte(`{"version":1,"invoices":[{"kind":"session","key":"x","data":""}]}`)
	err = b.srv.Load(bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "invoices[0].kind")
}
