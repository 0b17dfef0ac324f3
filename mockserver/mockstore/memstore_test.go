package mockstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// The basics of the memory store; mockserver/storetest runs the whole
// suite against it.

var (
	ctx = context.Background()
	t0  = time.Date(2026, 11, 16, 5, 0, 0, 0, time.UTC)
)

func update(t *testing.T, st mockstore.Store, fn func(tx mockstore.Tx) error) {
	t.Helper()
	require.NoError(t, st.Update(ctx, fn))
}

func view(t *testing.T, st mockstore.Store, fn func(tx mockstore.Tx) error) {
	t.Helper()
	require.NoError(t, st.View(ctx, fn))
}

// keys returns the keys of RecordsOf(kind, owner), in its order.
func keys(t *testing.T, st mockstore.Store, kind, owner string) []string {
	t.Helper()
	var out []string
	view(t, st, func(tx mockstore.Tx) error {
		rs, err := tx.RecordsOf(kind, owner)
		require.NoError(t, err)
		for _, r := range rs {
			out = append(out, r.Key)
		}
		return nil
	})
	return out
}

func TestMemStore_Records(t *testing.T) {
	st := mockstore.NewMemStore()
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	data := []byte("one")
	update(t, st, func(tx mockstore.Tx) error {
		require.NoError(t, tx.InsertRecord("session", mockstore.Record{Key: "b", Owner: "111", Data: data}))
		require.ErrorIs(t, tx.InsertRecord("session", mockstore.Record{Key: "b"}), esfreg.ErrExists)
		require.NoError(t, tx.InsertRecord("ticket", mockstore.Record{Key: "b"}), "kinds are apart")
		require.NoError(t, tx.PutRecord("session", mockstore.Record{Key: "c", Owner: "222"}))
		require.NoError(t, tx.PutRecord("session", mockstore.Record{Key: "a", Owner: "111"}))
		require.NoError(t, tx.PutRecord("session", mockstore.Record{Key: "a", Owner: "111", Data: []byte("new")}))
		require.NoError(t, tx.DeleteRecord("ticket", "b"))
		require.NoError(t, tx.DeleteRecord("ticket", "missing"), "deleting nothing is not an error")
		return nil
	})
	data[0] = 'X' // the caller's copy

	view(t, st, func(tx mockstore.Tx) error {
		r, err := tx.Record("session", "b")
		require.NoError(t, err)
		assert.Equal(t, "one", string(r.Data))
		assert.Equal(t, "111", r.Owner)
		r.Data[0] = 'Y' // the store's answer
		again, err := tx.Record("session", "b")
		require.NoError(t, err)
		assert.Equal(t, "one", string(again.Data))
		a, err := tx.Record("session", "a")
		require.NoError(t, err)
		assert.Equal(t, "new", string(a.Data))
		_, err = tx.Record("ticket", "b")
		assert.ErrorIs(t, err, esfreg.ErrNotFound)
		_, err = tx.Record("nokind", "b")
		assert.ErrorIs(t, err, esfreg.ErrNotFound)
		return nil
	})
	assert.Equal(t, []string{"a", "b", "c"}, keys(t, st, "session", ""))
	assert.Equal(t, []string{"a", "b"}, keys(t, st, "session", "111"))
	assert.Empty(t, keys(t, st, "session", "333"))
	assert.Empty(t, keys(t, st, "ticket", ""))
}

func TestMemStore_DeleteExpired(t *testing.T) {
	st := mockstore.NewMemStore()
	update(t, st, func(tx mockstore.Tx) error {
		for key, exp := range map[string]time.Time{
			"never": {}, "past": t0.Add(-time.Hour), "now": t0, "later": t0.Add(time.Second),
		} {
			require.NoError(t, tx.PutRecord("ticket", mockstore.Record{Key: key, Expires: exp}))
		}
		require.NoError(t, tx.PutRecord("session", mockstore.Record{Key: "past", Expires: t0.Add(-time.Hour)}))
		return nil
	})
	update(t, st, func(tx mockstore.Tx) error {
		n, err := tx.DeleteExpired("ticket", t0)
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		return nil
	})
	assert.Equal(t, []string{"later", "never"}, keys(t, st, "ticket", ""))
	assert.Equal(t, []string{"past"}, keys(t, st, "session", ""), "other kinds stay")
}

// seed stores one account, one change and two records.
func seed(t *testing.T, st mockstore.Store) {
	t.Helper()
	update(t, st, func(tx mockstore.Tx) error {
		require.NoError(t, tx.CreateAccount(esfreg.Account{IIN: "111", Email: "a@b.kz"}))
		require.NoError(t, tx.AddChange(esfreg.PublishedChange(esfreg.Taxpayer{TIN: "900"}, t0)))
		require.NoError(t, tx.PutRecord("session", mockstore.Record{Key: "s1", Owner: "111", Data: []byte("1")}))
		require.NoError(t, tx.PutRecord("ticket", mockstore.Record{Key: "t1", Expires: t0}))
		return nil
	})
}

// writeAll writes to both parts of the store, and clears it.
func writeAll(t *testing.T, tx mockstore.Tx) {
	t.Helper()
	require.NoError(t, tx.CreateAccount(esfreg.Account{IIN: "222"}))
	_, err := tx.UpdateAccount("111", func(a *esfreg.Account) error { a.Email = "new@b.kz"; return nil })
	require.NoError(t, err)
	require.NoError(t, tx.InsertRecord("session", mockstore.Record{Key: "s2"}))
	require.NoError(t, tx.PutRecord("session", mockstore.Record{Key: "s1", Data: []byte("2")}))
	require.NoError(t, tx.DeleteRecord("ticket", "t1"))
	require.NoError(t, tx.PutRecord("ticket", mockstore.Record{Key: "t2", Expires: t0}))
	n, err := tx.DeleteExpired("ticket", t0)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.NoError(t, tx.Clear())
	require.NoError(t, tx.PutRecord("fault", mockstore.Record{Key: "f"}))
	require.NoError(t, tx.CreateAccount(esfreg.Account{IIN: "333"}))
}

// requireSeed asserts the store holds what seed stored, and no more.
func requireSeed(t *testing.T, st mockstore.Store) {
	t.Helper()
	view(t, st, func(tx mockstore.Tx) error {
		as, err := tx.Accounts()
		require.NoError(t, err)
		require.Len(t, as, 1)
		assert.Equal(t, "a@b.kz", as[0].Email)
		cs, err := tx.AllChanges()
		require.NoError(t, err)
		assert.Len(t, cs, 1)
		r, err := tx.Record("session", "s1")
		require.NoError(t, err)
		assert.Equal(t, "1", string(r.Data))
		assert.Equal(t, "111", r.Owner)
		return nil
	})
	assert.Equal(t, []string{"s1"}, keys(t, st, "session", ""))
	assert.Equal(t, []string{"t1"}, keys(t, st, "ticket", ""))
	assert.Empty(t, keys(t, st, "fault", ""))
}

// A failed Update — an error or a panic — keeps nothing it wrote, in
// esfreg's part or the records.
func TestMemStore_UpdateRollsBack(t *testing.T) {
	t.Run("error", func(t *testing.T) {
		st := mockstore.NewMemStore()
		seed(t, st)
		boom := errors.New("boom")
		err := st.Update(ctx, func(tx mockstore.Tx) error {
			writeAll(t, tx)
			return boom
		})
		require.ErrorIs(t, err, boom)
		requireSeed(t, st)
	})
	t.Run("panic", func(t *testing.T) {
		st := mockstore.NewMemStore()
		seed(t, st)
		require.PanicsWithValue(t, "boom", func() {
			_ = st.Update(ctx, func(tx mockstore.Tx) error {
				writeAll(t, tx)
				panic("boom")
			})
		})
		requireSeed(t, st)
		update(t, st, func(tx mockstore.Tx) error { return tx.PutRecord("fault", mockstore.Record{Key: "f"}) })
	})
	t.Run("commit", func(t *testing.T) {
		st := mockstore.NewMemStore()
		seed(t, st)
		update(t, st, func(tx mockstore.Tx) error { writeAll(t, tx); return nil })
		view(t, st, func(tx mockstore.Tx) error {
			as, err := tx.Accounts()
			require.NoError(t, err)
			require.Len(t, as, 1)
			assert.Equal(t, "333", as[0].IIN)
			cs, err := tx.AllChanges()
			require.NoError(t, err)
			assert.Empty(t, cs)
			return nil
		})
		assert.Empty(t, keys(t, st, "session", ""))
		assert.Equal(t, []string{"f"}, keys(t, st, "fault", ""))
	})
}

// A View reads, and refuses every write with esfreg.ErrReadOnly.
func TestMemStore_ViewIsReadOnly(t *testing.T) {
	st := mockstore.NewMemStore()
	seed(t, st)
	view(t, st, func(tx mockstore.Tx) error {
		_, err := tx.Record("session", "s1")
		require.NoError(t, err)
		_, err = tx.Account("111")
		require.NoError(t, err)
		assert.ErrorIs(t, tx.InsertRecord("session", mockstore.Record{Key: "s2"}), esfreg.ErrReadOnly)
		assert.ErrorIs(t, tx.PutRecord("session", mockstore.Record{Key: "s1"}), esfreg.ErrReadOnly)
		assert.ErrorIs(t, tx.DeleteRecord("session", "s1"), esfreg.ErrReadOnly)
		_, err = tx.DeleteExpired("ticket", t0)
		assert.ErrorIs(t, err, esfreg.ErrReadOnly)
		assert.ErrorIs(t, tx.Clear(), esfreg.ErrReadOnly)
		assert.ErrorIs(t, tx.CreateAccount(esfreg.Account{IIN: "222"}), esfreg.ErrReadOnly)
		return nil
	})
	requireSeed(t, st)
}

// An esfreg.Service runs over the mock's store through Esfreg.
func TestEsfreg(t *testing.T) {
	st := mockstore.NewMemStore()
	svc := esfreg.New(esfreg.Config{Store: mockstore.Esfreg(st), Now: func() time.Time { return t0 }})
	_, err := svc.PublishTaxpayer(ctx, esfreg.Taxpayer{TIN: "100440123456", Type: esfreg.EnterprisePrivate, EnterpriseAdministrator: "850314312344"})
	require.NoError(t, err)
	view(t, st, func(tx mockstore.Tx) error {
		cs, err := tx.Changes("100440123456")
		require.NoError(t, err)
		assert.Len(t, cs, 1)
		return nil
	})
	// Joined to the mock's transaction, the rule's write goes with it.
	err = st.Update(ctx, func(tx mockstore.Tx) error {
		if _, err := svc.RemoveTaxpayer(esfreg.ContextWithTx(ctx, tx), "100440123456"); err != nil {
			return err
		}
		return errors.New("the mock's own write failed")
	})
	require.Error(t, err)
	_, err = svc.Taxpayer(ctx, "100440123456")
	require.NoError(t, err)
}

// Updates run one at a time: no increment is lost.
func TestMemStore_OneWriterAtATime(t *testing.T) {
	st := mockstore.NewMemStore()
	const n = 50
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			assert.NoError(t, st.Update(ctx, func(tx mockstore.Tx) error {
				r, err := tx.Record("counter", "c")
				if err != nil && !errors.Is(err, esfreg.ErrNotFound) {
					return err
				}
				return tx.PutRecord("counter", mockstore.Record{Key: "c", Data: append(r.Data, '+')})
			}))
		})
		wg.Go(func() {
			assert.NoError(t, st.View(ctx, func(tx mockstore.Tx) error {
				_, err := tx.RecordsOf("counter", "")
				return err
			}))
		})
	}
	wg.Wait()
	view(t, st, func(tx mockstore.Tx) error {
		r, err := tx.Record("counter", "c")
		require.NoError(t, err)
		assert.Len(t, r.Data, n)
		return nil
	})
}
