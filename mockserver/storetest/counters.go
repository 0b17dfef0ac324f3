package storetest

import (
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// next draws the next number of counter in an Update that must succeed.
func next(t *testing.T, st mockstore.Store, counter string) int64 {
	t.Helper()
	var n int64
	update(t, st, func(tx mockstore.Tx) error {
		var err error
		n, err = tx.NextNumber(counter)
		return err
	})
	return n
}

var errRollBack = errors.New("storetest: roll back")

var counterCases = []storeCase{
	{"FromOneAndUp", func(t *testing.T, st mockstore.Store) {
		require.Equal(t, int64(1), next(t, st, mockstore.CounterMail), "a new store's first number")
		update(t, st, func(tx mockstore.Tx) error {
			a, err := tx.NextNumber(mockstore.CounterMail)
			require.NoError(t, err)
			b, err := tx.NextNumber(mockstore.CounterMail)
			require.NoError(t, err)
			assert.Greater(t, a, int64(1))
			assert.Greater(t, b, a, "two numbers in one transaction")
			return nil
		})
		// The counters are each their own.
		assert.Equal(t, int64(1), next(t, st, mockstore.CounterFault))
		assert.Greater(t, next(t, st, mockstore.CounterMail), int64(3))
	}},
	{"RolledBack", func(t *testing.T, st mockstore.Store) {
		committed := next(t, st, mockstore.CounterMail)
		err := st.Update(t.Context(), func(tx mockstore.Tx) error {
			_, err := tx.NextNumber(mockstore.CounterMail)
			require.NoError(t, err)
			return errRollBack
		})
		require.ErrorIs(t, err, errRollBack)
		// A rolled-back number may be drawn again or skipped, never one
		// a committed transaction drew.
		assert.Greater(t, next(t, st, mockstore.CounterMail), committed)
	}},
	{"Raise", func(t *testing.T, st mockstore.Store) {
		update(t, st, func(tx mockstore.Tx) error { return tx.RaiseNumber(mockstore.CounterMail, 100) })
		assert.Equal(t, int64(101), next(t, st, mockstore.CounterMail), "a raised counter's next number")
		// Never lowered; 0 and below are nothing to raise to.
		update(t, st, func(tx mockstore.Tx) error {
			require.NoError(t, tx.RaiseNumber(mockstore.CounterMail, 50))
			require.NoError(t, tx.RaiseNumber(mockstore.CounterMail, 0))
			return tx.RaiseNumber(mockstore.CounterMail, -7)
		})
		assert.Greater(t, next(t, st, mockstore.CounterMail), int64(101))
		// A counter never drawn from is raised as well.
		update(t, st, func(tx mockstore.Tx) error { return tx.RaiseNumber(mockstore.CounterFault, 7) })
		assert.Equal(t, int64(8), next(t, st, mockstore.CounterFault))
	}},
	{"UnknownCounter", func(t *testing.T, st mockstore.Store) {
		update(t, st, func(tx mockstore.Tx) error {
			_, err := tx.NextNumber("invoice")
			require.ErrorIs(t, err, mockstore.ErrUnknownCounter)
			assert.Contains(t, err.Error(), `"invoice"`)
			require.ErrorIs(t, tx.RaiseNumber("", 1), mockstore.ErrUnknownCounter)
			// An answer, not a broken transaction: it goes on and commits.
			return tx.InsertRecord("ticket", mockstore.Record{Key: "after", Data: []byte("x")})
		})
		view(t, st, func(tx mockstore.Tx) error {
			_, err := tx.Record("ticket", "after")
			return err
		})
	}},
	{"ReadOnly", func(t *testing.T, st mockstore.Store) {
		view(t, st, func(tx mockstore.Tx) error {
			_, err := tx.NextNumber(mockstore.CounterMail)
			require.ErrorIs(t, err, esfreg.ErrReadOnly)
			require.ErrorIs(t, tx.RaiseNumber(mockstore.CounterMail, 5), esfreg.ErrReadOnly)
			return nil
		})
		assert.Equal(t, int64(1), next(t, st, mockstore.CounterMail), "a View drew a number")
	}},
	{"ClearKeepsThem", func(t *testing.T, st mockstore.Store) {
		last := next(t, st, mockstore.CounterMail)
		update(t, st, func(tx mockstore.Tx) error { return tx.Clear() })
		assert.Greater(t, next(t, st, mockstore.CounterMail), last, "a number drawn again after Clear")
	}},
}

// numbersUnique: 50 transactions each drawing a number and inserting a
// record under it all commit, with 50 different numbers.
func numbersUnique(t *testing.T, stores []mockstore.Store) {
	got := make([]int64, racers)
	errs := race(stores, func(i int, st mockstore.Store) error {
		return st.Update(t.Context(), func(tx mockstore.Tx) error {
			n, err := tx.NextNumber(mockstore.CounterMail)
			if err != nil {
				return err
			}
			got[i] = n
			return tx.InsertRecord("mail", mockstore.Record{Key: strconv.FormatInt(n, 10), Data: []byte(strconv.Itoa(i))})
		})
	})
	seen := map[int64]int{}
	for i, err := range errs {
		if !assert.NoError(t, err, "transaction %d", i) {
			continue
		}
		if j, dup := seen[got[i]]; dup {
			t.Errorf("transactions %d and %d both drew %d", j, i, got[i])
		}
		seen[got[i]] = i
		assert.Positive(t, got[i])
	}
	view(t, stores[0], func(tx mockstore.Tx) error {
		recs, err := tx.RecordsOf("mail", "")
		require.NoError(t, err)
		assert.Len(t, recs, racers)
		return nil
	})
}
