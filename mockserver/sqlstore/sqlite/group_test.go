package sqlite_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/mockstore"
	"github.com/esfkit/esf/mockserver/sqlstore"
	sqlitestore "github.com/esfkit/esf/mockserver/sqlstore/sqlite"
)

// panicked is what batch reports for an Update that panicked.
type panicked struct{ value any }

// batch runs fns as Updates queued, in order, behind one that holds the
// writer until they all wait (GroupStats.Waiting): the writer then runs
// them as one batch.
// It returns each one's error, or a panicked.
func batch(t *testing.T, st *sqlstore.Store, fns ...func(tx mockstore.Tx) error) []any {
	t.Helper()
	return batchIn(t, st, nil, fns...)
}

// batchIn is batch with the Updates' contexts: ctxs[i], if given and not
// nil, is fns[i]'s.
func batchIn(t *testing.T, st *sqlstore.Store, ctxs []context.Context, fns ...func(tx mockstore.Tx) error) []any {
	t.Helper()
	hold, holding := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	wg.Go(func() {
		assert.NoError(t, st.Update(context.Background(), func(tx mockstore.Tx) error {
			once.Do(func() { close(holding) })
			<-hold
			return tx.PutRecord("k", mockstore.Record{Key: "holder"})
		}))
	})
	<-holding
	out := make([]any, len(fns))
	for i, fn := range fns {
		ctx := context.Background()
		if i < len(ctxs) && ctxs[i] != nil {
			ctx = ctxs[i]
		}
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					out[i] = panicked{r}
				}
			}()
			out[i] = st.Update(ctx, fn)
		})
		waitFor(t, st, int64(i+1)) // queued in this order
	}
	close(hold)
	returned := make(chan struct{})
	go func() { wg.Wait(); close(returned) }()
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("the batch's Updates did not all return")
	}
	return out
}

// waitFor waits until n Updates are queued for st's writer.
func waitFor(t *testing.T, st *sqlstore.Store, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for st.GroupStats().Waiting != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d Updates queued for the writer, not %d", st.GroupStats().Waiting, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// has reports whether the record k/key is stored.
func has(t *testing.T, st *sqlstore.Store, key string) bool {
	t.Helper()
	var err error
	require.NoError(t, st.View(t.Context(), func(tx mockstore.Tx) error {
		_, err = tx.Record("k", key)
		return nil
	}))
	if errors.Is(err, esfreg.ErrNotFound) {
		return false
	}
	require.NoError(t, err)
	return true
}

func put(key string) func(tx mockstore.Tx) error {
	return func(tx mockstore.Tx) error { return tx.PutRecord("k", mockstore.Record{Key: key}) }
}

// TestGroupCommit: the functions of a batch commit together, each as if
// alone — one that fails or panics keeps nothing and touches no other,
// and each sees the writes of those before it.
func TestGroupCommit(t *testing.T) {
	st, _ := open(t, sqlitestore.Options{})
	t.Cleanup(func() { st.Close() })
	refused := errors.New("refused")
	before := st.GroupStats()
	out := batch(t, st,
		func(tx mockstore.Tx) error { require.NoError(t, put("x")(tx)); return refused },
		put("y"),
		func(tx mockstore.Tx) error { require.NoError(t, put("z")(tx)); panic("boom") },
		func(tx mockstore.Tx) error {
			if _, err := tx.Record("k", "y"); err != nil {
				return err // y, queued before, is visible
			}
			if _, err := tx.Record("k", "x"); !errors.Is(err, esfreg.ErrNotFound) {
				return errors.New("x was rolled back, yet visible")
			}
			return put("w")(tx)
		},
	)
	assert.ErrorIs(t, out[0].(error), refused)
	assert.Nil(t, out[1])
	assert.Equal(t, panicked{"boom"}, out[2])
	assert.Nil(t, out[3])
	for key, want := range map[string]bool{"holder": true, "x": false, "y": true, "z": false, "w": true} {
		assert.Equal(t, want, has(t, st, key), key)
	}
	after := st.GroupStats()
	assert.Equal(t, int64(2), after.Transactions-before.Transactions, "the holder alone, then one batch")
	assert.Equal(t, int64(5), after.Functions-before.Functions)
}

// TestGroupCommit_DatabaseError: a function that meets a database error
// (here a full database) fails with it, keeping nothing; the batch's
// other functions commit, those that had run before it run again.
func TestGroupCommit_DatabaseError(t *testing.T) {
	st, _ := open(t, sqlitestore.Options{MaxSize: 256 << 10})
	t.Cleanup(func() { st.Close() })
	var runs atomic.Int32
	before := st.GroupStats()
	out := batch(t, st,
		func(tx mockstore.Tx) error { runs.Add(1); return put("first")(tx) },
		func(tx mockstore.Tx) error {
			require.NoError(t, put("small")(tx))
			err := tx.PutRecord("k", mockstore.Record{Key: "big", Data: make([]byte, 1<<20)})
			require.Error(t, err)
			return nil // ignored: the Update fails anyway
		},
		put("last"),
	)
	var e *sqlstore.Error
	require.ErrorAs(t, out[1].(error), &e)
	assert.Equal(t, sqlstore.ReasonFull, e.Reason)
	assert.Nil(t, out[0])
	assert.Nil(t, out[2])
	for key, want := range map[string]bool{"first": true, "small": false, "big": false, "last": true} {
		assert.Equal(t, want, has(t, st, key), key)
	}
	assert.Equal(t, int32(2), runs.Load(), "the first function ran again")
	after := st.GroupStats()
	assert.Equal(t, int64(3), after.Transactions-before.Transactions, "the holder, the batch rolled back, the batch again")
}

// TestGroupCommit_Cancelled: an Update whose context ends while it waits
// in the batch returns the context's error and writes nothing; one whose
// context ends while its function runs fails with it, and the batch's
// others commit.
func TestGroupCommit_Cancelled(t *testing.T) {
	st, _ := open(t, sqlitestore.Options{})
	t.Cleanup(func() { st.Close() })
	gone, cancelGone := context.WithCancel(context.Background())
	during, cancelDuring := context.WithCancel(context.Background())
	ran := false
	out := batchIn(t, st, []context.Context{nil, gone, during},
		func(tx mockstore.Tx) error {
			cancelGone() // before the next function's turn
			return put("first")(tx)
		},
		func(tx mockstore.Tx) error { ran = true; return put("gone")(tx) },
		func(tx mockstore.Tx) error {
			cancelDuring()
			return put("during")(tx)
		},
		put("last"),
	)
	assert.Nil(t, out[0])
	assert.ErrorIs(t, out[1].(error), context.Canceled)
	assert.False(t, ran, "a cancelled Update's function does not run")
	assert.ErrorIs(t, out[2].(error), context.Canceled)
	assert.Nil(t, out[3])
	for key, want := range map[string]bool{"first": true, "gone": false, "during": false, "last": true} {
		assert.Equal(t, want, has(t, st, key), key)
	}
}

// TestGroupCommit_Close: Close lets the batch that runs finish and
// refuses the Updates still waiting; none hangs.
func TestGroupCommit_Close(t *testing.T) {
	st, _ := open(t, sqlitestore.Options{})
	hold, holding := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		assert.NoError(t, st.Update(t.Context(), func(tx mockstore.Tx) error {
			close(holding)
			<-hold
			return put("holder")(tx)
		}))
	})
	<-holding
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = st.Update(t.Context(), put("waiting")) })
	}
	waitFor(t, st, int64(len(errs)))
	closed := make(chan error)
	go func() { closed <- st.Close() }()
	time.Sleep(20 * time.Millisecond)
	close(hold)
	require.NoError(t, <-closed)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			assert.Contains(t, err.Error(), "store closed")
		}
	}
	assert.Error(t, st.Update(t.Context(), put("after")))
}
