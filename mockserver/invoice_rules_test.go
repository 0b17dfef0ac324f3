package mockserver_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/invoice"
	"github.com/esfkit/esf/mockserver"
)

// inState makes an invoice of type typ that is in status now.
func (e *invEnv) inState(status string, typ invoice.InvoiceType) int64 {
	e.t.Helper()
	inv := e.sampleInvoice()
	if typ != invoice.OrdinaryInvoice {
		parent := e.sampleInvoice()
		pid := e.registered(parent)
		inv.InvoiceType = typ
		inv.RelatedInvoice = &invoice.RelatedInvoice{Date: parent.Date, Num: parent.Num, RegistrationNumber: e.summary(e.seller, pid).regNum}
	}
	switch status {
	case mockserver.StatusInQueue:
		require.NoError(e.t, e.srv.SetInvoiceTiming(mockserver.InvoiceTiming{Queue: time.Hour}))
		id := e.upload1(inv)
		require.NoError(e.t, e.srv.SetInvoiceTiming(mockserver.InvoiceTiming{}))
		return id
	case mockserver.StatusFailed:
		require.NoError(e.t, e.srv.InjectInvoiceError(mockserver.InvoiceErrorInjection{Code: "SELLER_IS_BLOCKED"}))
		id := e.upload1(inv)
		_, err := e.srv.ProcessInvoices()
		require.NoError(e.t, err)
		return id
	}
	id := e.registered(inv)
	switch status {
	case mockserver.StatusCreated:
	case mockserver.StatusDelivered:
		e.confirm(e.customer, id)
	case mockserver.StatusRevoked:
		e.confirm(e.customer, id)
		require.True(e.t, e.reasonChange("revoke", e.seller, e.sellerKS, "r", id)[0].changed)
	case mockserver.StatusDeclined:
		require.True(e.t, e.reasonChange("decline", e.customer, e.customerKS, "r", id)[0].changed)
	default:
		e.t.Fatalf("no way to %s", status)
	}
	require.Equal(e.t, status, e.summary(e.seller, id).status)
	return id
}

// Every change of status, allowed and refused: who asks (the seller or
// the customer), the invoice's type and status, and what comes of it —
// the status after, or the errorCode of the refusal.
func TestInvoiceTransitions(t *testing.T) {
	e := newInvoiceEnv(t)
	const (
		ord = invoice.OrdinaryInvoice
		fix = invoice.FixedInvoice
		add = invoice.AdditionalInvoice
	)
	cases := []struct {
		op     string // confirm, revoke, unrevoke, decline, delete
		by     string // seller, customer
		typ    invoice.InvoiceType
		from   string
		to     string // status after
		refuse string // errorCode (revoke, unrevoke, decline), or "hidden"/"unchanged"
	}{
		{"confirm", "customer", ord, "CREATED", "DELIVERED", ""},
		{"confirm", "customer", ord, "DELIVERED", "DELIVERED", "unchanged"},
		{"confirm", "customer", ord, "REVOKED", "REVOKED", "unchanged"},
		{"confirm", "seller", ord, "CREATED", "CREATED", "unchanged"},
		{"confirm", "customer", ord, "IN_QUEUE", "IN_QUEUE", "hidden"},
		{"confirm", "customer", ord, "FAILED", "FAILED", "hidden"},

		{"revoke", "seller", ord, "CREATED", "REVOKED", ""},
		{"revoke", "seller", ord, "DELIVERED", "REVOKED", ""},
		{"revoke", "seller", ord, "REVOKED", "REVOKED", "WRONG_STATUS"},
		{"revoke", "seller", ord, "IN_QUEUE", "IN_QUEUE", "WRONG_STATUS"},
		{"revoke", "seller", ord, "FAILED", "FAILED", "WRONG_STATUS"},
		{"revoke", "seller", fix, "CREATED", "CREATED", "WRONG_TYPE"},
		{"revoke", "seller", add, "CREATED", "CREATED", "WRONG_TYPE"},
		{"revoke", "customer", ord, "CREATED", "CREATED", "ACCESS_DENIED"},
		{"revoke", "customer", ord, "IN_QUEUE", "IN_QUEUE", "INVOICE_NOT_FOUND"},

		{"unrevoke", "customer", ord, "REVOKED", "DELIVERED", ""},
		{"unrevoke", "customer", ord, "CREATED", "CREATED", "WRONG_STATUS"},
		{"unrevoke", "customer", ord, "DELIVERED", "DELIVERED", "WRONG_STATUS"},
		{"unrevoke", "seller", ord, "REVOKED", "REVOKED", "ACCESS_DENIED"},

		{"decline", "customer", fix, "CREATED", "DECLINED", ""},
		{"decline", "customer", add, "CREATED", "DECLINED", ""},
		{"decline", "customer", fix, "DECLINED", "DECLINED", "WRONG_STATUS"},
		{"decline", "customer", ord, "CREATED", "CREATED", "WRONG_TYPE"},
		{"decline", "seller", fix, "CREATED", "CREATED", "ACCESS_DENIED"},
		{"decline", "customer", fix, "IN_QUEUE", "IN_QUEUE", "INVOICE_NOT_FOUND"},

		{"delete", "seller", ord, "FAILED", "DELETED", ""},
		{"delete", "seller", ord, "CREATED", "CREATED", "unchanged"},
		{"delete", "seller", ord, "IN_QUEUE", "IN_QUEUE", "unchanged"},
		{"delete", "customer", ord, "CREATED", "CREATED", "unchanged"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s by the %s of a %s %s", c.op, c.by, c.typ, c.from), func(t *testing.T) {
			id := e.inState(c.from, c.typ)
			session, ks := e.seller, e.sellerKS
			if c.by == "customer" {
				session, ks = e.customer, e.customerKS
			}
			switch c.op {
			case "confirm":
				res := e.confirm(session, id)
				if c.refuse == "hidden" {
					assert.Empty(t, res)
					break
				}
				require.Len(t, res, 1)
				assert.Equal(t, c.to, res[0].status)
			case "delete":
				res := e.remove(session, ks, id)
				assert.Equal(t, c.refuse == "", res[id])
			default:
				res := e.reasonChange(c.op, session, ks, "причина", id)
				require.Len(t, res, 1)
				assert.Equal(t, id, res[0].id)
				assert.Equal(t, c.refuse == "", res[0].changed)
				assert.Equal(t, c.refuse, res[0].code)
				if c.refuse != "INVOICE_NOT_FOUND" {
					assert.Equal(t, c.to, res[0].status)
				}
			}
			assert.Equal(t, c.to, e.summary(e.seller, id).status)
		})
	}

	t.Run("a bad signature refuses every item", func(t *testing.T) {
		id := e.inState("CREATED", ord)
		// The customer's key signs the seller's request: not the session user's.
		res := e.reasonChange("revoke", e.seller, e.customerKS, "r", id)
		require.Len(t, res, 1)
		assert.False(t, res[0].changed)
		assert.Equal(t, "IIN_NOT_VALID", res[0].code)
		assert.Equal(t, "CREATED", e.summary(e.seller, id).status)

		items := "<invoiceIdWithReason><id>" + fmt.Sprint(id) + "</id><reason>r</reason></invoiceIdWithReason>"
		body := e.ok(e.post("InvoiceService", "revokeInvoiceByIdRequest", "<sessionId>"+e.seller+"</sessionId><signature>AAAA</signature><x509Certificate>"+
			certText(e.sellerKS)+"</x509Certificate><idWithReasonList>"+items+"</idWithReasonList>"))
		r := readChanges(body)
		require.Len(t, r, 1)
		assert.Equal(t, "SIGNATURE_INVALID_FORMAT", r[0].code)

		other := e.reasonChange("revoke", e.seller, e.sellerKS, "r", id+1000) // signed for another list
		assert.Equal(t, "INVOICE_NOT_FOUND", other[0].code)
	})
	t.Run("the same invoice twice in one request", func(t *testing.T) {
		id := e.inState("CREATED", ord)
		res := e.reasonChange("revoke", e.seller, e.sellerKS, "r", id, id)
		require.Len(t, res, 2)
		assert.True(t, res[0].changed)
		assert.Equal(t, "WRONG_STATUS", res[1].code)
	})
}

// What the processing step fails an invoice for, each with
// queryInvoiceErrorById's errors and the first as cancelReason; a FAILED
// invoice frees its number and can be deleted.
func TestInvoiceFailed(t *testing.T) {
	e := newInvoiceEnv(t)
	cases := []struct {
		name   string
		modify func(*invoice.Invoice)
		sign   func(u *upload)
		code   string
	}{
		{"signature over other bytes", nil, func(u *upload) { u.signature = e.signed(e.sellerKS, e.sampleInvoice()).signature }, "SIGNATURE_VERIFICATION_FAILED"},
		{"signature of the wrong length", nil, func(u *upload) { u.signature = "AAAA" }, "SIGNATURE_INVALID_FORMAT"},
		{"customer not in the register", func(i *invoice.Invoice) { i.Customers[0].TIN = "760215300123" }, nil, "CUSTOMER_TIN_ABSENT_IN_DICTIONARY"},
		{"product sum", func(i *invoice.Invoice) {
			i.ProductSet.Products[0].PriceWithTax = "11201"
			i.ProductSet.TotalPriceWithTax = "11201"
		}, nil, "INCORRECT_PRODUCT_SUM"},
		{"total sum", func(i *invoice.Invoice) { i.ProductSet.TotalNDSAmount = "1201" }, nil, "INCORRECT_TOTAL_SUM"},
		{"turnover in the future", func(i *invoice.Invoice) { i.TurnoverDate = "01.01.2099" }, nil, "WRONG_DATE"},
		{"unit of measure not a code", func(i *invoice.Invoice) { i.ProductSet.Products[0].UnitNomenclature = "шт" }, nil, "INVALID_MEASURE_UNIT_CODE"},
		{"fixed invoice without its parent", func(i *invoice.Invoice) {
			i.InvoiceType = invoice.FixedInvoice
			i.RelatedInvoice = &invoice.RelatedInvoice{Date: i.Date, Num: "999999", RegistrationNumber: "ESF-123456789021-20260601-00000000"}
		}, nil, "RELATED_INVOICE_NOT_FOUND"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv := e.sampleInvoice()
			if c.modify != nil {
				c.modify(inv)
			}
			u := e.signed(e.sellerKS, inv)
			if c.sign != nil {
				c.sign(&u)
			}
			res := e.sync(e.seller, e.sellerKS, u)
			require.Len(t, res.accepted, 1, "%+v", res.declined)
			id := res.accepted[0]
			_, err := e.srv.ProcessInvoices()
			require.NoError(t, err)
			s := e.summary(e.seller, id)
			assert.Equal(t, "FAILED", s.status)
			assert.Empty(t, s.regNum)
			assert.Contains(t, e.errorsOf(e.seller, id), c.code)
			assert.Equal(t, e.errorsOf(e.seller, id)[0], s.reason, "cancelReason is the first error's code")
			assert.Empty(t, e.summaries(e.customer, id), "the customer never sees a failed invoice")
		})
	}

	t.Run("a seller that is not a VAT payer", func(t *testing.T) {
		e := newInvoiceEnv(t)
		_, err := e.srv.SeedTaxpayer(mockTaxpayerNoVAT(), true)
		require.NoError(t, err)
		id := e.upload1(e.sampleInvoice())
		_, err = e.srv.ProcessInvoices()
		require.NoError(t, err)
		assert.Equal(t, []string{"NDS_RATE_FOR_NOT_NDS_PAYER", "NDS_AMOUNT_FOR_NOT_NDS_PAYER"}, e.errorsOf(e.seller, id))

		inv := e.sampleInvoice()
		inv.ProductSet.Products[0].NDSRate = nil
		inv.ProductSet.Products[0].NDSAmount, inv.ProductSet.Products[0].PriceWithTax = "0", "10000"
		inv.ProductSet.TotalNDSAmount, inv.ProductSet.TotalPriceWithTax = "0", "10000"
		e.registered(inv) // without VAT it registers
	})

	t.Run("a seller gone from the register", func(t *testing.T) {
		e := newInvoiceEnv(t)
		id := e.upload1(e.sampleInvoice())
		_, err := e.srv.Service().RemoveTaxpayer(e.ctx, sellerTIN)
		require.NoError(t, err)
		e.srv.Advance(4 * 24 * time.Hour) // past the register's next refresh
		_, err = e.srv.ProcessInvoices()
		require.NoError(t, err)
		got, err := e.srv.InvoiceByID(id)
		require.NoError(t, err)
		assert.Equal(t, "FAILED", got.Status)
		require.NotEmpty(t, got.Errors)
		assert.Equal(t, "SELLER_TIN_ABSENT_IN_DICTIONARY", got.Errors[0].ErrorCode)
	})

	t.Run("injected: at processing, at sync, for one seller", func(t *testing.T) {
		require.NoError(t, e.srv.InjectInvoiceError(mockserver.InvoiceErrorInjection{Code: "SELLER_IS_BLOCKED", Text: "Поставщик заблокирован", Count: 2}))
		a, b := e.upload1(e.sampleInvoice()), e.upload1(e.sampleInvoice())
		c := e.registered(e.sampleInvoice())
		for _, id := range []int64{a, b} {
			assert.Equal(t, []string{"SELLER_IS_BLOCKED"}, e.errorsOf(e.seller, id))
			assert.Equal(t, "FAILED", e.summary(e.seller, id).status)
		}
		assert.Empty(t, e.errorsOf(e.seller, c))

		require.NoError(t, e.srv.InjectInvoiceError(mockserver.InvoiceErrorInjection{Code: "DUPLICATE_MESSAGE", Stage: mockserver.InjectAtSync, TIN: "999999999999"}))
		e.registered(e.sampleInvoice()) // another seller's injection
		require.NoError(t, e.srv.InjectInvoiceError(mockserver.InvoiceErrorInjection{Code: "DUPLICATE_MESSAGE", Stage: mockserver.InjectAtSync, TIN: sellerTIN, Text: "Дубликат"}))
		res := e.sync(e.seller, e.sellerKS, e.signed(e.sellerKS, e.sampleInvoice()))
		require.Len(t, res.declined, 1)
		assert.Equal(t, []string{"DUPLICATE_MESSAGE"}, res.declined[0].codes)
		left, err := e.srv.InvoiceInjections()
		require.NoError(t, err)
		require.Len(t, left, 1)
		assert.Equal(t, "999999999999", left[0].TIN)

		for _, bad := range []mockserver.InvoiceErrorInjection{{}, {Code: "lower"}, {Code: "A", Stage: "later"}, {Code: "A", Count: -1}} {
			var fe *mockserver.FieldError
			assert.ErrorAs(t, e.srv.InjectInvoiceError(bad), &fe, "%+v", bad)
		}
	})

	t.Run("a FAILED invoice frees its number and is deleted", func(t *testing.T) {
		require.NoError(t, e.srv.InjectInvoiceError(mockserver.InvoiceErrorInjection{Code: "SELLER_IS_BLOCKED"}))
		inv := e.sampleInvoice()
		id := e.upload1(inv)
		_, err := e.srv.ProcessInvoices()
		require.NoError(t, err)
		again := e.registered(inv) // the same number and date, now free
		assert.NotEqual(t, id, again)
		assert.Equal(t, map[int64]bool{id: true}, e.remove(e.seller, e.sellerKS, id))
		assert.Equal(t, "DELETED", e.summary(e.seller, id).status)
		assert.Equal(t, map[int64]bool{id: false}, e.remove(e.seller, e.sellerKS, id), "once")
		assert.Equal(t, []string{"IN_QUEUE", "IN_PROCESSING", "FAILED", "DELETED"}, e.history(e.seller, id))
	})

	t.Run("a key not the session user's", func(t *testing.T) {
		// The CEO's GOST key signs in the entrepreneur's session.
		inv := e.sampleInvoice()
		inv.Sellers[0].TIN = customerTIN
		u := e.signed(e.sellerKS, inv)
		u.signatureType = "OPERATOR" // ignored: the check at once compares with the certificate
		res := e.sync(e.customer, e.sellerKS, e.signed(e.sellerKS, inv))
		require.Len(t, res.accepted, 1, "%+v", res.declined)
		_, err := e.srv.ProcessInvoices()
		require.NoError(t, err)
		codes := e.errorsOf(e.customer, res.accepted[0])
		assert.Contains(t, codes, "IIN_NOT_VALID")
		assert.Contains(t, codes, "CERTIFICATE_IS_NOT_FOR_PRIVATE")
	})
}

// mockTaxpayerNoVAT is the seller's register record without a VAT
// registration.
func mockTaxpayerNoVAT() esfreg.Taxpayer {
	return esfreg.Taxpayer{TIN: sellerTIN, NameRu: `АО "ТЕСТ"`, Type: esfreg.EnterprisePrivate, Resident: true, EnterpriseAdministrator: certstest.TestIIN}
}
