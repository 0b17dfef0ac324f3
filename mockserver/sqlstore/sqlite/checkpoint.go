package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// DefaultCheckpointInterval is Options.CheckpointInterval's default.
const DefaultCheckpointInterval = 250 * time.Millisecond

// autoCheckpoint is the writer's own checkpoint threshold, in WAL frames
// (pages): SQLite checkpoints after a commit that leaves the WAL this
// long. With the background checkpointer it is a backstop, and a cheap
// one: the pages are in the database file already but for the last
// interval's (a variable for tests).
var autoCheckpoint = 16384

// passHook, if set (by tests), is given to the checkpointers opened
// after.
var passHook func(busy bool, frames, copied int, err error)

// checkpointer copies the pages the WAL holds into the database file in
// a goroutine of its own, on a connection of its own, so that the writer
// never stops to do it. SQLite's own checkpoint runs in the connection
// that committed, after the commit: the writer, with every Update queued
// behind it, waits while thousands of pages are copied and both files
// are synced (tens of milliseconds on a busy WAL).
//
// A pass is a PASSIVE checkpoint: it copies what no reader still needs
// and waits for no one; the writer goes on appending meanwhile. Passes
// follow commits: the first one CheckpointInterval after a commit, then
// at most one per interval while commits go on; none while the database
// is idle.
//
// SQLite starts the WAL over from its beginning (a restart) only when a
// writer begins with every frame copied. After a burst of writes, the
// pass that follows copies them all and the next write restarts the WAL.
// Under steady writes a pass running beside the writer never finishes
// before the next commit, and the writer's own checkpoint at
// autoCheckpoint frames restarts it, copying only the pages written since
// the last pass. Either way the file stays within journal_size_limit.
type checkpointer struct {
	db       *sql.DB
	interval time.Duration
	kick     chan struct{}
	quit     chan struct{}
	stopped  chan struct{}
	once     sync.Once
	// pass, in tests, sees each pass's result: whether a reader or
	// writer kept it from copying every frame, how many the WAL holds and
	// how many of them are in the database file now.
	pass func(busy bool, frames, copied int, err error)
}

func newCheckpointer(db *sql.DB, interval time.Duration) *checkpointer {
	c := &checkpointer{db: db, interval: interval, kick: make(chan struct{}, 1), quit: make(chan struct{}), stopped: make(chan struct{}), pass: passHook}
	go c.run()
	return c
}

// committed wakes the checkpointer; it never blocks.
func (c *checkpointer) committed() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// stop ends the goroutine (a pass under way finishes first) and closes
// the connection; it may be called more than once.
func (c *checkpointer) stop() error {
	var err error
	c.once.Do(func() {
		close(c.quit)
		<-c.stopped
		err = c.db.Close()
	})
	return err
}

func (c *checkpointer) run() {
	defer close(c.stopped)
	t := time.NewTimer(c.interval)
	t.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-c.kick:
		}
		t.Reset(c.interval)
		select {
		case <-c.quit:
			t.Stop()
			return
		case <-t.C:
		}
		// The commits that kicked meanwhile are this pass's too.
		select {
		case <-c.kick:
		default:
		}
		c.checkpoint()
	}
}

// checkpoint runs one pass. An error is not the writer's: what the WAL
// holds is safe in it, and the writer's own checkpoint (autoCheckpoint)
// or the next pass copies it.
func (c *checkpointer) checkpoint() {
	var busy, frames, copied int
	err := c.db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
	if c.pass != nil {
		c.pass(busy != 0, frames, copied, err)
	}
}
