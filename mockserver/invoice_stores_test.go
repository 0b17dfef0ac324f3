package mockserver_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/internal/pgtest"
	"github.com/esfkit/esf/mockserver"
	"github.com/esfkit/esf/mockserver/mockstore"
	"github.com/esfkit/esf/mockserver/sqlstore/postgres"
	"github.com/esfkit/esf/mockserver/sqlstore/sqlite"
)

// invoiceStores are the stores the invoice services run on: in memory,
// SQLite and PostgreSQL (a fresh database in the test binary's throwaway
// cluster; skipped where PostgreSQL is not installed, unless
// ESF_REQUIRE_TOOLS=1).
var invoiceStores = map[string]func(t *testing.T) mockstore.Store{
	"memory": func(*testing.T) mockstore.Store { return mockstore.NewMemStore() },
	"sqlite": func(t *testing.T) mockstore.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "mock.db"), sqlite.Options{})
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		return st
	},
	"postgres": func(t *testing.T) mockstore.Store {
		st, err := postgres.Open(context.Background(), pgtest.DSN(t), postgres.Options{})
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		return st
	},
}

// The invoice services on every store: an invoice's life, the rules that
// rest on the store's keys (a number taken, registration numbers), a
// FAILED invoice deleted, and the feeds paged to their end.
func TestInvoiceStores(t *testing.T) {
	for name, open := range invoiceStores {
		t.Run(name, func(t *testing.T) {
			e := newInvoiceEnv(t, func(o *mockserver.Options) { o.Store = open(t) })
			require.NoError(t, e.srv.SetInvoiceTiming(mockserver.InvoiceTiming{Queue: time.Second, Processing: time.Second}))
			inv := e.sampleInvoice()
			id := e.upload1(inv)
			assert.Equal(t, "IN_QUEUE", e.summary(e.seller, id).status)
			e.srv.Advance(time.Second)
			assert.Equal(t, "IN_PROCESSING", e.summary(e.seller, id).status)
			e.srv.Advance(time.Second)
			assert.Regexp(t, regNumber, e.summary(e.seller, id).regNum)
			e.confirm(e.customer, id)
			assert.True(t, e.reasonChange("revoke", e.seller, e.sellerKS, "r", id)[0].changed)
			assert.True(t, e.reasonChange("unrevoke", e.customer, e.customerKS, "r", id)[0].changed)
			assert.Equal(t, []string{"IN_QUEUE", "IN_PROCESSING", "CREATED", "DELIVERED", "REVOKED", "DELIVERED"}, e.history(e.customer, id))

			res := e.sync(e.seller, e.sellerKS, e.signed(e.sellerKS, inv))
			require.Len(t, res.declined, 1)
			assert.Equal(t, []string{"NOT_UNIQUE_NUMBER_AND_DATE"}, res.declined[0].codes)

			require.NoError(t, e.srv.InjectInvoiceError(mockserver.InvoiceErrorInjection{Code: "SELLER_IS_BLOCKED"}))
			failed := e.upload1(e.sampleInvoice())
			_, err := e.srv.ProcessInvoices()
			require.NoError(t, err)
			assert.Equal(t, map[int64]bool{failed: true}, e.remove(e.seller, e.sellerKS, failed))

			require.NoError(t, e.srv.SetInvoiceTiming(mockserver.InvoiceTiming{}))
			ids := e.uploadMany(150)
			_, err = e.srv.ProcessInvoices()
			require.NoError(t, err)
			rows := e.pageAll(e.customer, "INBOUND", 40, nil)
			require.Len(t, rows, 151)
			assert.Equal(t, id, rows[0].id, "the first invoice's last change came before the others")
			regs := map[string]bool{}
			for _, r := range rows[1:] {
				regs[e.summary(e.customer, r.id).regNum] = true
			}
			assert.Len(t, regs, 150, "registration numbers are unique")
			assert.Equal(t, ids, idsOf(rows[1:]))
			assert.Len(t, e.pageAll(e.seller, "OUTBOUND", 1000, nil), 152)
		})
	}
}

func idsOf(rows []updateRow) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.id
	}
	return out
}

// Replicas of the mock over one database share the invoices: one uploads,
// the other's requests run the processing step; uploads of one number
// racing on both leave one winner; processing steps racing on both decide
// each invoice once.
func TestInvoiceReplicas(t *testing.T) {
	for name, open := range replicaStores {
		t.Run(name, func(t *testing.T) {
			sa, sb := open(t)
			e := newInvoiceEnv(t, func(o *mockserver.Options) { o.Store = sa })
			b := mockserver.NewTestServer(t, mockserver.FixedClock(at), func(o *mockserver.Options) { o.Store = sb })
			onB := *e
			onB.env = &env{t: t, srv: b, c: e.c, ctx: e.ctx}

			t.Run("upload at one, registered through the other", func(t *testing.T) {
				id := e.upload1(e.sampleInvoice())
				s := onB.summary(e.seller, id) // B runs the step
				assert.Equal(t, "CREATED", s.status)
				assert.Equal(t, s, e.summary(e.seller, id))
			})

			t.Run("one number raced on both", func(t *testing.T) {
				u := e.signed(e.sellerKS, e.sampleInvoice())
				const n = 10
				results := make([]syncResult, n)
				var wg sync.WaitGroup
				for i := range n {
					wg.Go(func() {
						results[i] = []*invEnv{e, &onB}[i%2].sync(e.seller, e.sellerKS, u)
					})
				}
				wg.Wait()
				accepted := 0
				for _, r := range results {
					accepted += len(r.accepted)
					for _, d := range r.declined {
						assert.Equal(t, []string{"NOT_UNIQUE_NUMBER_AND_DATE"}, d.codes)
					}
				}
				assert.Equal(t, 1, accepted)
			})

			t.Run("steps raced on both decide each invoice once", func(t *testing.T) {
				require.NoError(t, e.srv.SetInvoiceTiming(mockserver.InvoiceTiming{Queue: time.Hour}))
				ids := e.uploadMany(120)
				e.srv.Advance(time.Hour) // due at both
				var wg sync.WaitGroup
				for _, srv := range []*mockserver.TestServer{e.srv, b, e.srv, b} {
					wg.Go(func() {
						_, err := srv.ProcessInvoices()
						assert.NoError(t, err)
					})
				}
				wg.Wait()
				// Sessions idled out during the hour: open them again.
				e.seller = e.reopen(e.sellerKS, sellerTIN)
				e.customer = e.reopen(e.customerKS, customerTIN)
				for _, id := range ids {
					h := e.history(e.seller, id)
					assert.Equal(t, []string{"IN_QUEUE", "IN_PROCESSING", "CREATED"}, h, fmt.Sprint(id))
				}
				rows := e.pageAll(e.customer, "INBOUND", 50, nil)
				assert.Equal(t, ids, idsOf(rows[len(rows)-120:]), "each once, in order")
			})
		})
	}
}

// reopen opens a session again, closing one left open.
func (e *invEnv) reopen(ks *certs.KeyStore, tin string) string {
	e.t.Helper()
	s, err := e.c.OpenSession(e.ctx, esfclient.SessionRequest{Key: ks, Password: password, TIN: tin, CloseOpenSession: true})
	require.NoError(e.t, err)
	return s.ID
}
