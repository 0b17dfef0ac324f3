package mockserver_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/invoice"
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

// A fixed invoice replaces its parent: once the fixed one is registered,
// the parent is CANCELED, for both parties (its history and the
// customer's feed say so), and can no longer be revoked; an additional
// invoice leaves its parent as it was.
func TestFixedInvoiceCancelsParent(t *testing.T) {
	e := newInvoiceEnv(t)
	parent := e.sampleInvoice()
	parentID := e.registered(parent)
	e.confirm(e.customer, parentID)

	add := e.sampleInvoice()
	add.InvoiceType, add.RelatedInvoice = invoice.AdditionalInvoice, &invoice.RelatedInvoice{Date: parent.Date, Num: parent.Num}
	e.registered(add)
	assert.Equal(t, mockserver.StatusDelivered, e.summary(e.seller, parentID).status, "an additional invoice does not replace its parent")

	fixed := e.sampleInvoice()
	fixed.InvoiceType, fixed.RelatedInvoice = invoice.FixedInvoice, &invoice.RelatedInvoice{Date: parent.Date, Num: parent.Num}
	fixedID := e.registered(fixed)
	assert.Equal(t, mockserver.StatusCreated, e.summary(e.seller, fixedID).status)
	assert.Equal(t, mockserver.StatusCanceled, e.summary(e.seller, parentID).status)
	assert.Equal(t, mockserver.StatusCanceled, e.summary(e.customer, parentID).status)
	assert.Equal(t, []string{"IN_QUEUE", "IN_PROCESSING", "CREATED", "DELIVERED", "CANCELED"}, e.history(e.customer, parentID))

	res := e.reasonChange("revoke", e.seller, e.sellerKS, "Ошибка", parentID)
	require.Len(t, res, 1)
	assert.False(t, res[0].changed)
	assert.Equal(t, "WRONG_STATUS", res[0].code)
}
