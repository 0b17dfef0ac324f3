package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/mockserver/mockstore"
	"github.com/esfkit/esf/mockserver/sqlstore"
	sqlitestore "github.com/esfkit/esf/mockserver/sqlstore/sqlite"
)

// pass is one background checkpoint's result.
type pass struct {
	busy           bool
	frames, copied int
	err            error
}

// passes reports the passes of the checkpointers opened after it; frames,
// if positive, is the writer's own checkpoint threshold meanwhile.
func passes(t *testing.T, frames int) <-chan pass {
	ch := make(chan pass, 4096)
	t.Cleanup(sqlitestore.SetPassHook(func(busy bool, frames, copied int, err error) {
		select {
		case ch <- pass{busy, frames, copied, err}:
		default:
		}
	}, frames))
	return ch
}

// fill writes n records of size bytes under prefix in one Update.
func fill(t *testing.T, st *sqlstore.Store, prefix string, n, size int) {
	t.Helper()
	require.NoError(t, st.Update(t.Context(), func(tx mockstore.Tx) error {
		for i := range n {
			if err := tx.PutRecord("k", mockstore.Record{Key: prefix + strconv.Itoa(i), Data: make([]byte, size)}); err != nil {
				return err
			}
		}
		return nil
	}))
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	require.NoError(t, err)
	return fi.Size()
}

// TestCheckpointer: a commit's pages reach the database file in the
// background, CheckpointInterval after it, long before the WAL is full
// enough for the writer to checkpoint; with nothing committed, no pass
// runs.
func TestCheckpointer(t *testing.T) {
	t.Run("default", func(t *testing.T) {
		ch := passes(t, 0)
		st, _ := open(t, sqlitestore.Options{})
		t.Cleanup(func() { st.Close() })
		fill(t, st, "a", 1, 10)
		select {
		case p := <-ch:
			assert.NoError(t, p.err)
		case <-time.After(10 * time.Second):
			t.Fatal("no checkpoint after a commit with Options{}")
		}
	})
	ch := passes(t, 0)
	st, path := open(t, sqlitestore.Options{CheckpointInterval: 20 * time.Millisecond})
	t.Cleanup(func() { st.Close() })
	start := time.Now()
	fill(t, st, "a", 64, 8<<10) // 64 records of 8 KiB: over 128 pages
	var p pass
	select {
	case p = <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("no checkpoint after a commit")
	}
	assert.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond, "a pass waits out the interval after a commit")
	require.NoError(t, p.err)
	assert.False(t, p.busy)
	assert.Greater(t, p.frames, 128)
	assert.Equal(t, p.frames, p.copied, "every frame copied")
	assert.Greater(t, fileSize(t, path), int64(512<<10), "the pages are in the database file")
	assert.FileExists(t, path+"-wal")

	select {
	case p := <-ch:
		t.Fatalf("a pass with nothing committed: %+v", p)
	case <-time.After(150 * time.Millisecond):
	}
	fill(t, st, "b", 1, 10)
	select {
	case p = <-ch:
		require.NoError(t, p.err)
	case <-time.After(10 * time.Second):
		t.Fatal("no checkpoint after the next commit")
	}
}

// TestCheckpointer_Off: a negative CheckpointInterval leaves checkpoints
// to the writer: the pages stay in the WAL until it fills.
func TestCheckpointer_Off(t *testing.T) {
	ch := passes(t, 0)
	st, path := open(t, sqlitestore.Options{CheckpointInterval: -1})
	t.Cleanup(func() { st.Close() })
	fill(t, st, "a", 64, 8<<10)
	time.Sleep(100 * time.Millisecond)
	assert.Less(t, fileSize(t, path), int64(256<<10), "the pages are still in the WAL only")
	assert.Greater(t, fileSize(t, path+"-wal"), int64(512<<10))
	assert.Empty(t, ch)
}

// TestCheckpointer_WALRestarts: while writes and reads go on, the WAL
// starts over once its pages are in the database file, so it stays near
// the writer's threshold (here 256 frames, 1 MiB; a reader still on an
// old snapshot can put a restart off for a few commits) instead of
// growing with everything written (25 MiB).
func TestCheckpointer_WALRestarts(t *testing.T) {
	ch := passes(t, 256)
	st, path := open(t, sqlitestore.Options{CheckpointInterval: time.Millisecond})
	t.Cleanup(func() { st.Close() })
	var reading atomic.Bool
	reading.Store(true)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for reading.Load() {
			st.View(context.Background(), func(tx mockstore.Tx) error { //nolint:errcheck
				_, err := tx.Record("k", "w0-0")
				return err
			})
		}
	}()
	var largest int64
	for i := range 400 {
		fill(t, st, "w"+strconv.Itoa(i)+"-", 8, 4<<10) // 16 pages or more each: 6,400 in all
		largest = max(largest, fileSize(t, path+"-wal"))
	}
	reading.Store(false)
	<-readerDone
	assert.Less(t, largest, int64(8<<20), "the WAL grew to %d bytes", largest)
	assert.NotEmpty(t, ch, "background passes ran")
}

// TestCheckpointer_Close: Close does not wait out a pass's interval.
func TestCheckpointer_Close(t *testing.T) {
	ch := passes(t, 0)
	st, _ := open(t, sqlitestore.Options{CheckpointInterval: time.Hour})
	fill(t, st, "a", 1, 10)
	start := time.Now()
	require.NoError(t, st.Close())
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Empty(t, ch)
}

// TestConfigHooks: AfterCommit is called after each commit — an Update's
// alone, or a batch's once — and not for one rolled back; OnClose is
// called by Close, and its error is Close's.
func TestConfigHooks(t *testing.T) {
	for _, group := range []int{0, 8} {
		t.Run("group="+strconv.Itoa(group), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			db := rawDB(t, path)
			db.SetMaxOpenConns(1)
			var commits, closes atomic.Int32
			stopErr := errors.New("stop failed")
			st, err := sqlstore.Open(t.Context(), sqlstore.Config{
				Dialect:     sqlitestore.Dialect,
				DB:          db,
				GroupCommit: group,
				AfterCommit: func() { commits.Add(1) },
				OnClose:     func() error { closes.Add(1); return stopErr },
			})
			require.NoError(t, err)
			assert.Zero(t, commits.Load(), "the migrations are not Updates")
			require.NoError(t, st.Update(t.Context(), put("a")))
			assert.Equal(t, int32(1), commits.Load())
			refused := errors.New("refused")
			require.ErrorIs(t, st.Update(t.Context(), func(tx mockstore.Tx) error {
				require.NoError(t, put("b")(tx))
				return refused
			}), refused)
			assert.Equal(t, int32(1), commits.Load(), "a rolled-back Update")
			if group > 1 {
				out := batch(t, st, put("c"), put("d"), func(mockstore.Tx) error { return refused })
				assert.Nil(t, out[0])
				assert.Nil(t, out[1])
				assert.Equal(t, int32(3), commits.Load(), "the holder's commit, then the batch's")
			}
			assert.ErrorIs(t, st.Close(), stopErr)
			assert.Equal(t, int32(1), closes.Load())
		})
	}
}
