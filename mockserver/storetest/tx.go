package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// seed writes one of everything: two accounts (one holding a legal
// entity), two changes, a request, a token and two records.
func seed(t *testing.T, st mockstore.Store) {
	t.Helper()
	update(t, st, func(tx mockstore.Tx) error {
		require.NoError(t, tx.CreateAccount(account("850314312344", "850314312344", "100440123456")))
		require.NoError(t, tx.CreateAccount(account("900702443212", "900702443212")))
		require.NoError(t, tx.AddChange(change("100440123456", "ТОО 1", t0)))
		require.NoError(t, tx.AddChange(change("150940678908", "ТОО 2", t0)))
		require.NoError(t, tx.CreateRequest(request("r1")))
		require.NoError(t, tx.CreateToken(token("k1")))
		require.NoError(t, tx.InsertRecord("session", mockstore.Record{Key: "s1", Owner: "850314312344", Expires: t0, Data: []byte("1")}))
		require.NoError(t, tx.InsertRecord("ticket", mockstore.Record{Key: "t1", Data: []byte("2")}))
		return nil
	})
}

// state is everything a store holds, read in one View.
type state struct {
	Accounts []esfreg.Account
	Holders  []esfreg.Profile // ProfilesByTIN of the seeded legal entity
	Changes  []esfreg.Change
	Requests []esfreg.Request
	Tokens   []esfreg.Token
	Records  map[string][]mockstore.Record // by kind, of the kinds seed writes
}

func readState(t *testing.T, st mockstore.Store) state {
	t.Helper()
	var s state
	view(t, st, func(tx mockstore.Tx) error {
		var err error
		s.Accounts, err = tx.Accounts()
		require.NoError(t, err)
		s.Holders, err = tx.ProfilesByTIN("100440123456")
		require.NoError(t, err)
		s.Changes, err = tx.AllChanges()
		require.NoError(t, err)
		s.Requests, err = tx.Requests()
		require.NoError(t, err)
		s.Tokens, err = tx.Tokens()
		require.NoError(t, err)
		s.Records = map[string][]mockstore.Record{}
		for _, kind := range []string{"session", "ticket"} {
			s.Records[kind], err = tx.RecordsOf(kind, "")
			require.NoError(t, err)
		}
		return nil
	})
	return s
}

// requireState asserts st holds want (Expires compared with Equal).
func requireState(t *testing.T, want state, st mockstore.Store) {
	t.Helper()
	got := readState(t, st)
	for kind, rs := range want.Records {
		requireRecords(t, rs, got.Records[kind])
	}
	want.Records, got.Records = nil, nil
	require.Equal(t, want, got)
}

// requireEmpty asserts st holds nothing.
func requireEmpty(t *testing.T, st mockstore.Store) {
	t.Helper()
	s := readState(t, st)
	assert.Empty(t, s.Accounts)
	assert.Empty(t, s.Holders)
	assert.Empty(t, s.Changes)
	assert.Empty(t, s.Requests)
	assert.Empty(t, s.Tokens)
	for kind, rs := range s.Records {
		assert.Empty(t, rs, kind)
	}
}

// writes are one call of every method that writes, each of which a View
// refuses and a rolled-back Update undoes. They expect seed's state.
var writes = []struct {
	name string
	do   func(tx mockstore.Tx) error
}{
	{"CreateAccount", func(tx mockstore.Tx) error { return tx.CreateAccount(account("781130307771", "100440123456")) }},
	{"UpdateAccount", func(tx mockstore.Tx) error {
		_, err := tx.UpdateAccount("850314312344", func(a *esfreg.Account) error {
			a.Email, a.Profiles = "new@example.kz", a.Profiles[:1]
			return nil
		})
		return err
	}},
	{"AddChange", func(tx mockstore.Tx) error { return tx.AddChange(change("100440123456", "ТОО 3", t0)) }},
	{"CreateRequest", func(tx mockstore.Tx) error { return tx.CreateRequest(request("r2")) }},
	{"UpdateRequest", func(tx mockstore.Tx) error {
		_, err := tx.UpdateRequest("r1", func(r *esfreg.Request) error { r.Status = esfreg.RequestCompleted; return nil })
		return err
	}},
	{"CreateToken", func(tx mockstore.Tx) error { return tx.CreateToken(token("k2")) }},
	{"UpdateToken", func(tx mockstore.Tx) error {
		_, err := tx.UpdateToken("k1", func(tk *esfreg.Token) error { tk.UsedAt = t0; return nil })
		return err
	}},
	// Before PutRecord, which clears s1's expiry.
	{"DeleteExpired", func(tx mockstore.Tx) error {
		n, err := tx.DeleteExpired("session", t0)
		if err == nil && n != 1 {
			return errors.New("DeleteExpired deleted nothing")
		}
		return err
	}},
	{"InsertRecord", func(tx mockstore.Tx) error { return tx.InsertRecord("session", mockstore.Record{Key: "s2"}) }},
	{"PutRecord", func(tx mockstore.Tx) error {
		return tx.PutRecord("session", mockstore.Record{Key: "s1", Owner: "x", Data: []byte("changed")})
	}},
	{"DeleteRecord", func(tx mockstore.Tx) error { return tx.DeleteRecord("ticket", "t1") }},
	{"Clear", func(tx mockstore.Tx) error { return tx.Clear() }},
}

var errRollback = errors.New("storetest: roll back")

var txCases = []storeCase{
	{"ReadsItsOwnWrites", func(t *testing.T, st mockstore.Store) {
		// A store may keep what a transaction read (the SQL stores do, so
		// that a rule reading one row twice asks once): every write in
		// the same transaction must show in the next read, and a read's
		// value must not change when the caller changes its copy.
		seed(t, st)
		update(t, st, func(tx mockstore.Tx) error {
			const iin = "850314312344"
			a, err := tx.Account(iin)
			require.NoError(t, err)
			// What a caller does to its copy stays there, whichever read
			// gave it (the first, or one the store answered itself).
			for range 3 {
				require.NotEmpty(t, a.Profiles)
				assert.Equal(t, esfreg.StatusActive, a.Profiles[0].Status)
				assert.NotEqual(t, "changed@example.kz", a.Email)
				a.Profiles[0].Status, a.Email = esfreg.StatusBlocked, "changed@example.kz"
				a, err = tx.Account(iin)
				require.NoError(t, err)
			}
			for range 3 {
				r1, err := tx.Request("r1")
				require.NoError(t, err)
				assert.Equal(t, byte('<'), r1.Agreements[0].Document[0])
				assert.Equal(t, esfreg.ProfileIndividual, r1.Profiles[0])
				r1.Agreements[0].Document[0], r1.Profiles[0] = 'X', esfreg.ProfileAdminEnterprise
			}
			_, err = tx.UpdateAccount(iin, func(a *esfreg.Account) error { a.Email = "new@example.kz"; return nil })
			require.NoError(t, err)
			a, err = tx.Account(iin)
			require.NoError(t, err)
			assert.Equal(t, "new@example.kz", a.Email)

			_, err = tx.Account("900101300123")
			require.ErrorIs(t, err, esfreg.ErrNotFound)
			require.NoError(t, tx.CreateAccount(account("900101300123", "900101300123")))
			_, err = tx.Account("900101300123")
			require.NoError(t, err)

			_, err = tx.Request("r9")
			require.ErrorIs(t, err, esfreg.ErrNotFound)
			require.NoError(t, tx.CreateRequest(request("r9")))
			_, err = tx.UpdateRequest("r9", func(r *esfreg.Request) error { r.Status = esfreg.RequestCompleted; return nil })
			require.NoError(t, err)
			r, err := tx.Request("r9")
			require.NoError(t, err)
			assert.Equal(t, esfreg.RequestCompleted, r.Status)

			_, err = tx.Token("k9")
			require.ErrorIs(t, err, esfreg.ErrNotFound)
			require.NoError(t, tx.CreateToken(token("k9")))
			_, err = tx.UpdateToken("k9", func(tk *esfreg.Token) error { tk.UsedAt = t0; return nil })
			require.NoError(t, err)
			tk, err := tx.Token("k9")
			require.NoError(t, err)
			assert.True(t, tk.UsedAt.Equal(t0))

			// Records: missing, inserted, replaced, changed by the caller,
			// deleted, expired, cleared.
			_, err = tx.Record("session", "s9")
			require.ErrorIs(t, err, esfreg.ErrNotFound)
			require.NoError(t, tx.InsertRecord("session", mockstore.Record{Key: "s9", Owner: iin, Data: []byte("1")}))
			rec, err := tx.Record("session", "s9")
			require.NoError(t, err)
			assert.Equal(t, []byte("1"), rec.Data)
			rec.Data[0] = 'x'
			rec, err = tx.Record("session", "s9")
			require.NoError(t, err)
			assert.Equal(t, []byte("1"), rec.Data, "a read is the caller's copy")
			require.NoError(t, tx.PutRecord("session", mockstore.Record{Key: "s9", Owner: iin, Data: []byte("2"), Expires: t0}))
			rec, err = tx.Record("session", "s9")
			require.NoError(t, err)
			assert.Equal(t, []byte("2"), rec.Data)
			assert.True(t, rec.Expires.Equal(t0))
			n, err := tx.DeleteExpired("session", t0.Add(time.Second))
			require.NoError(t, err)
			assert.Positive(t, n)
			_, err = tx.Record("session", "s9")
			require.ErrorIs(t, err, esfreg.ErrNotFound, "expired and deleted")
			require.NoError(t, tx.InsertRecord("session", mockstore.Record{Key: "s9", Data: []byte("3")}))
			_, err = tx.Record("session", "s9")
			require.NoError(t, err)
			require.NoError(t, tx.DeleteRecord("session", "s9"))
			_, err = tx.Record("session", "s9")
			require.ErrorIs(t, err, esfreg.ErrNotFound)

			_, err = tx.Record("ticket", "t1")
			require.NoError(t, err)
			require.NoError(t, tx.Clear())
			_, err = tx.Record("ticket", "t1")
			require.ErrorIs(t, err, esfreg.ErrNotFound, "after Clear")
			_, err = tx.Account(iin)
			require.ErrorIs(t, err, esfreg.ErrNotFound, "after Clear")
			return nil
		})
	}},
	{"CommittedIsVisible", func(t *testing.T, st mockstore.Store) {
		seed(t, st)
		s := readState(t, st)
		require.Len(t, s.Accounts, 2)
		require.Len(t, s.Holders, 1)
		require.Len(t, s.Changes, 2)
		require.Len(t, s.Requests, 1)
		require.Len(t, s.Tokens, 1)
		require.Len(t, s.Records["session"], 1)
		require.Len(t, s.Records["ticket"], 1)
		// And to the next Update.
		update(t, st, func(tx mockstore.Tx) error {
			_, err := tx.Account("850314312344")
			require.NoError(t, err)
			_, err = tx.Record("ticket", "t1")
			require.NoError(t, err)
			return nil
		})
	}},
	{"EveryWriteCommits", func(t *testing.T, st mockstore.Store) {
		// Each write, committed, changes the state: the rollback and
		// read-only cases below would pass vacuously otherwise.
		seed(t, st)
		before := readState(t, st)
		for _, w := range writes {
			t.Run(w.name, func(t *testing.T) {
				update(t, st, w.do)
				after := readState(t, st)
				require.NotEqual(t, before, after)
				update(t, st, func(tx mockstore.Tx) error { return tx.Clear() })
				seed(t, st)
				before = readState(t, st)
			})
		}
	}},
	{"RollbackLeavesNothing", func(t *testing.T, st mockstore.Store) {
		// Into an empty store: several writes, then an error.
		err := st.Update(t.Context(), func(tx mockstore.Tx) error {
			require.NoError(t, tx.CreateAccount(account("850314312344", "850314312344", "100440123456")))
			require.NoError(t, tx.AddChange(change("100440123456", "ТОО 1", t0)))
			require.NoError(t, tx.CreateRequest(request("r1")))
			require.NoError(t, tx.CreateToken(token("k1")))
			require.NoError(t, tx.InsertRecord("session", mockstore.Record{Key: "s1", Data: []byte("1")}))
			require.NoError(t, tx.PutRecord("ticket", mockstore.Record{Key: "t1", Data: []byte("2")}))
			return errRollback
		})
		require.ErrorIs(t, err, errRollback)
		requireEmpty(t, st)

		// Into a seeded one: every write at once, then an error.
		seed(t, st)
		want := readState(t, st)
		err = st.Update(t.Context(), func(tx mockstore.Tx) error {
			for _, w := range writes {
				require.NoError(t, w.do(tx), w.name)
			}
			return errRollback
		})
		require.ErrorIs(t, err, errRollback)
		requireState(t, want, st)

		// Each write alone.
		for _, w := range writes {
			err := st.Update(t.Context(), func(tx mockstore.Tx) error {
				require.NoError(t, w.do(tx), w.name)
				return errRollback
			})
			require.ErrorIs(t, err, errRollback)
			requireState(t, want, st)
		}
	}},
	{"PanicRollsBack", func(t *testing.T, st mockstore.Store) {
		seed(t, st)
		want := readState(t, st)
		require.PanicsWithValue(t, "storetest", func() {
			_ = st.Update(t.Context(), func(tx mockstore.Tx) error {
				require.NoError(t, tx.Clear())
				require.NoError(t, tx.PutRecord("session", mockstore.Record{Key: "s9"}))
				panic("storetest")
			})
		})
		requireState(t, want, st)
		// The store is still usable.
		update(t, st, func(tx mockstore.Tx) error { return tx.PutRecord("session", mockstore.Record{Key: "s9"}) })
	}},
	{"ViewIsReadOnly", func(t *testing.T, st mockstore.Store) {
		seed(t, st)
		want := readState(t, st)
		for _, w := range writes {
			err := st.View(t.Context(), func(tx mockstore.Tx) error {
				err := w.do(tx)
				require.ErrorIs(t, err, esfreg.ErrReadOnly, w.name)
				// Reads still work after a refused write.
				_, rerr := tx.Account("850314312344")
				require.NoError(t, rerr, w.name)
				return err
			})
			require.ErrorIs(t, err, esfreg.ErrReadOnly, w.name)
			requireState(t, want, st)
		}
		// View returns fn's error.
		err := st.View(t.Context(), func(mockstore.Tx) error { return errRollback })
		require.ErrorIs(t, err, errRollback)
	}},
	{"Clear", func(t *testing.T, st mockstore.Store) {
		seed(t, st)
		update(t, st, func(tx mockstore.Tx) error {
			require.NoError(t, tx.Clear())
			_, err := tx.Account("850314312344")
			require.ErrorIs(t, err, esfreg.ErrNotFound, "inside the transaction")
			return nil
		})
		requireEmpty(t, st)
		// Everything can be written again, as new.
		seed(t, st)
		s := readState(t, st)
		require.Len(t, s.Accounts, 2)
		require.Len(t, s.Changes, 2)
		require.Len(t, s.Holders, 1)
	}},
	{"CanceledContext", func(t *testing.T, st mockstore.Store) {
		seed(t, st)
		called := false
		err := st.Update(ctxDone(), func(tx mockstore.Tx) error {
			called = true
			return tx.PutRecord("session", mockstore.Record{Key: "s9"})
		})
		require.ErrorIs(t, err, context.Canceled)
		err = st.View(ctxDone(), func(tx mockstore.Tx) error {
			called = true
			return nil
		})
		require.ErrorIs(t, err, context.Canceled)
		require.False(t, called, "fn ran with a canceled context")
		view(t, st, func(tx mockstore.Tx) error {
			_, err := tx.Record("session", "s9")
			require.ErrorIs(t, err, esfreg.ErrNotFound)
			return nil
		})
	}},
	{"TxEndsWithItsFunction", func(t *testing.T, st mockstore.Store) {
		seed(t, st)
		var kept mockstore.Tx
		update(t, st, func(tx mockstore.Tx) error { kept = tx; return nil })
		require.Error(t, kept.PutRecord("session", mockstore.Record{Key: "late"}))
		_, err := kept.Account("850314312344")
		require.Error(t, err)
		view(t, st, func(tx mockstore.Tx) error { kept = tx; return nil })
		_, err = kept.Account("850314312344")
		require.Error(t, err)
		view(t, st, func(tx mockstore.Tx) error {
			_, err := tx.Record("session", "late")
			require.ErrorIs(t, err, esfreg.ErrNotFound)
			return nil
		})
	}},
	{"ViewSeesOneState", func(t *testing.T, st mockstore.Store) {
		// A View that started before a commit does not see it halfway:
		// it reads either none of an Update's writes or all of them.
		seed(t, st)
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() {
			for i := range 50 {
				err := st.Update(ctx, func(tx mockstore.Tx) error {
					for _, key := range []string{"a", "b"} {
						if err := tx.PutRecord("pair", mockstore.Record{Key: key, Data: []byte{byte(i)}}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		for finished := false; !finished; {
			select {
			case err := <-done:
				require.NoError(t, err)
				finished = true
			default:
			}
			view(t, st, func(tx mockstore.Tx) error {
				a, aerr := tx.Record("pair", "a")
				b, berr := tx.Record("pair", "b")
				if errors.Is(aerr, esfreg.ErrNotFound) {
					require.ErrorIs(t, berr, esfreg.ErrNotFound)
					return nil
				}
				require.NoError(t, aerr)
				require.NoError(t, berr)
				require.Equal(t, a.Data, b.Data)
				return nil
			})
		}
	}},
}
