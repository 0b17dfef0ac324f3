package storetest

import (
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// racers is how many goroutines each race starts.
const racers = 50

var raceCases = []raceCase{
	{"InsertOneKey", insertOneKey},
	{"CounterLosesNoUpdate", counter},
	{"NumbersUnique", numbersUnique},
	{"OneRegistrationPerBIN", oneRegistrationPerBIN},
}

// race runs fn(i, store) in racers goroutines released at once, goroutine
// i on stores[i%len(stores)], and returns their errors.
func race(stores []mockstore.Store, fn func(i int, st mockstore.Store) error) []error {
	errs := make([]error, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		wg.Go(func() {
			<-start
			errs[i] = fn(i, stores[i%len(stores)])
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// insertOneKey: of 50 InsertRecords of one key, one succeeds and the others
// get ErrExists; the record is the winner's.
func insertOneKey(t *testing.T, stores []mockstore.Store) {
	errs := race(stores, func(i int, st mockstore.Store) error {
		return st.Update(t.Context(), func(tx mockstore.Tx) error {
			return tx.InsertRecord("ticket", mockstore.Record{Key: "one", Owner: "o", Data: []byte(strconv.Itoa(i))})
		})
	})
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			assert.Equal(t, -1, winner, "a second insert succeeded: %d", i)
			winner = i
		case !errors.Is(err, esfreg.ErrExists):
			t.Errorf("insert %d: %v", i, err)
		}
	}
	require.NotEqual(t, -1, winner, "no insert succeeded")
	for _, st := range stores {
		view(t, st, func(tx mockstore.Tx) error {
			r, err := tx.Record("ticket", "one")
			require.NoError(t, err)
			require.Equal(t, strconv.Itoa(winner), string(r.Data))
			return nil
		})
	}
}

// counter: 50 read-modify-write transactions of one record leave it at 50.
func counter(t *testing.T, stores []mockstore.Store) {
	errs := race(stores, func(_ int, st mockstore.Store) error {
		return st.Update(t.Context(), func(tx mockstore.Tx) error {
			n := 0
			r, err := tx.Record("counter", "c")
			switch {
			case errors.Is(err, esfreg.ErrNotFound):
			case err != nil:
				return err
			default:
				if n, err = strconv.Atoi(string(r.Data)); err != nil {
					return err
				}
			}
			return tx.PutRecord("counter", mockstore.Record{Key: "c", Data: []byte(strconv.Itoa(n + 1))})
		})
	})
	for i, err := range errs {
		assert.NoError(t, err, "increment %d", i)
	}
	for _, st := range stores {
		view(t, st, func(tx mockstore.Tx) error {
			r, err := tx.Record("counter", "c")
			require.NoError(t, err)
			require.Equal(t, strconv.Itoa(racers), string(r.Data), "updates lost")
			return nil
		})
	}
}

// seeEachOthersCommits: what one replica commits, the other reads in its
// next transaction, and a write of one to what the other wrote is seen.
func seeEachOthersCommits(t *testing.T, stores []mockstore.Store) {
	a, b := stores[0], stores[1]
	update(t, a, func(tx mockstore.Tx) error {
		require.NoError(t, tx.CreateAccount(account("850314312344", "850314312344", "100440123456")))
		return tx.InsertRecord("session", mockstore.Record{Key: "s1", Owner: "850314312344", Data: []byte("a")})
	})
	view(t, b, func(tx mockstore.Tx) error {
		ps, err := tx.ProfilesByTIN("100440123456")
		require.NoError(t, err)
		require.Len(t, ps, 1)
		r, err := tx.Record("session", "s1")
		require.NoError(t, err)
		require.Equal(t, "a", string(r.Data))
		return nil
	})
	update(t, b, func(tx mockstore.Tx) error {
		require.ErrorIs(t, tx.InsertRecord("session", mockstore.Record{Key: "s1"}), esfreg.ErrExists)
		return tx.PutRecord("session", mockstore.Record{Key: "s1", Data: []byte("b")})
	})
	view(t, a, func(tx mockstore.Tx) error {
		r, err := tx.Record("session", "s1")
		require.NoError(t, err)
		require.Equal(t, "b", string(r.Data))
		return nil
	})
}
