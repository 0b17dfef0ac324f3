package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/esfkit/esf/mockserver/mockstore"
)

// Group commit (SQLite). Every Update runs on the one writer connection;
// when several wait for it, the writer runs their functions one after the
// other in a single database transaction, each inside a savepoint of its
// own, and commits them together. A commit costs about the same for one
// function as for many — SQLite writes each page a transaction changed to
// the WAL once, however many functions changed it — so under load each
// Update pays a share of one.
//
// What each caller sees is what it would see alone:
//
//   - the functions run one at a time, in the order they arrived, each
//     seeing the writes of those before it: serializable, as before;
//   - a function that returns an error (or panics) has its savepoint
//     rolled back: nothing it wrote is kept, and the others are not
//     touched;
//   - Update returns nil only once the batch's commit is acknowledged; if
//     the commit fails, every function of the batch that would have
//     committed gets the commit's error, and none of their writes is
//     kept;
//   - a database error inside a function (a full disk, an I/O error, the
//     caller's context cancelled during a statement — SQLite may have
//     rolled the whole transaction back) fails that Update with it; the
//     batch is rolled back and the functions that had run before it are
//     run again in a new transaction, as esfreg.Store allows.
//
// A function never waits for functions that arrive after it started: the
// writer takes what is queued when it begins a batch, up to the batch
// size.

// GroupStats counts the writer's work since Open, for a program that
// reports it (and tests): Functions/Transactions is the mean batch.
type GroupStats struct {
	// Transactions is how many transactions the writer began.
	Transactions int64
	// Functions is how many Update functions it ran (again, after a
	// batch was rolled back, counting twice).
	Functions int64
	// Waiting is how many Updates are queued for the writer now, not yet
	// taken.
	Waiting int64
}

// GroupStats returns the counts of group commit; zero without it.
func (s *Store) GroupStats() GroupStats {
	return GroupStats{Transactions: s.txCount.Load(), Functions: s.fnCount.Load(), Waiting: int64(len(s.queue))}
}

// pending is one Update waiting for the writer.
type pending struct {
	ctx  context.Context
	fn   func(tx mockstore.Tx) error
	done chan struct{}
	// Set by the writer before done is closed.
	err      error
	panicked bool
	panicVal any
}

// errClosed is Update's error after Close.
var errClosed = errors.New("store closed")

// groupUpdate is Update's attempt when group commit is on: it hands fn
// to the writer and waits for its batch.
func (s *Store) groupUpdate(ctx context.Context, fn func(tx mockstore.Tx) error) error {
	p := &pending{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case <-s.quit:
		return s.fail("update", errClosed)
	default:
	}
	select {
	case s.queue <- p:
	case <-s.quit:
		return s.fail("update", errClosed)
	case <-ctx.Done():
		return ctx.Err()
	}
	// fn is queued: wait for its answer even if ctx ends, so that fn never
	// runs after Update returned — unless the writer stopped without
	// taking it (Close), which it then never will.
	select {
	case <-p.done:
	case <-s.stopped:
		select {
		case <-p.done:
		default:
			return s.fail("update", errClosed)
		}
	}
	if p.panicked {
		panic(p.panicVal)
	}
	return p.err
}

// writer runs the batches until quit is closed; then it answers nothing
// more (groupUpdate returns errClosed).
//
// A batch is the Update that woke the writer and every one queued behind
// it. Under a steady load of concurrent writers few are queued at that
// instant, so once the writer has seen Updates queue up together it waits
// up to s.wait for more to join each batch, the way PostgreSQL's
// commit_delay does; as soon as a wait brings none (a lone client) it
// stops waiting until Updates queue up together again.
func (s *Store) writer() {
	defer close(s.stopped)
	waiting := false
	var timer *time.Timer
	for {
		var first *pending
		select {
		case first = <-s.queue:
		case <-s.quit:
			return
		}
		batch := []*pending{first}
	more:
		for len(batch) < s.batch {
			select {
			case p := <-s.queue:
				batch = append(batch, p)
			default:
				break more
			}
		}
		if len(batch) > 1 {
			waiting = s.wait > 0
		}
		if waiting && len(batch) < s.batch {
			if timer == nil {
				timer = time.NewTimer(s.wait)
			} else {
				timer.Reset(s.wait)
			}
			n := len(batch)
		wait:
			for len(batch) < s.batch {
				select {
				case p := <-s.queue:
					batch = append(batch, p)
				case <-timer.C:
					break wait
				}
			}
			timer.Stop()
			waiting = len(batch) > n
		}
		s.runBatch(batch)
	}
}

// runBatch runs batch in as few transactions as it can: one, unless a
// database error ends a transaction early. Every pending gets its answer.
// A batch of one runs as Update without group commit does, with no
// savepoint.
func (s *Store) runBatch(batch []*pending) {
	for len(batch) > 1 {
		batch = s.runOnce(batch)
	}
	if len(batch) == 1 {
		p := batch[0]
		if err := p.ctx.Err(); err != nil {
			p.answer(err)
			return
		}
		s.txCount.Add(1)
		s.fnCount.Add(1)
		p.answer(p.run(func() error { return s.update(p.ctx, p.fn) }))
	}
}

// runOnce runs batch in one transaction and answers the functions it
// settled; it returns the ones to run again, in order.
func (s *Store) runOnce(batch []*pending) (again []*pending) {
	// The transaction's context is not a caller's: one caller giving up
	// must not roll back the others' work.
	bg := context.Background()
	s.txCount.Add(1)
	sqlTx, err := s.db.BeginTx(bg, &s.updateOpts)
	if err != nil {
		err = s.fail("begin", err)
		for _, p := range batch {
			p.answer(err)
		}
		return nil
	}
	var (
		bound     [nQueries]*sql.Stmt
		committed []*pending // ran and released: they commit with the batch
		settled   []*pending // answered by their own error, whatever the commit does
	)
	exec := func(q query) error {
		if bound[q] == nil {
			bound[q] = sqlTx.StmtContext(bg, s.w[q])
		}
		_, err := bound[q].ExecContext(bg)
		return err
	}
	abort := func(failed *pending, err error, rest []*pending) []*pending {
		sqlTx.Rollback() //nolint:errcheck // the error that stopped the batch is the one to report
		failed.answer(err)
		for _, p := range settled {
			p.answer(p.err)
		}
		return append(committed, rest...)
	}
	for i, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.err = err
			settled = append(settled, p)
			continue
		}
		s.fnCount.Add(1)
		if err := exec(qSavepoint); err != nil {
			return abort(p, s.fail("savepoint", err), batch[i+1:])
		}
		t := &tx{ctx: p.ctx, s: s, tx: sqlTx, st: s.w, bound: &bound}
		ferr := p.run(func() error { return p.fn(t) })
		if t.err != nil {
			// A database error: the transaction may be gone (SQLite
			// rolls it back on a full disk, an I/O error, an
			// interrupt).
			err := t.err
			if ferr != nil && !p.panicked && (reasonOf(err) != ReasonConflict || reasonOf(ferr) == ReasonConflict) {
				err = ferr
			}
			return abort(p, err, batch[i+1:])
		}
		if ferr != nil || p.panicked {
			if err := exec(qRollbackTo); err != nil {
				return abort(p, s.fail("rollback to savepoint", err), batch[i+1:])
			}
			p.err = ferr
		}
		if err := exec(qRelease); err != nil {
			return abort(p, s.fail("release savepoint", err), batch[i+1:])
		}
		if ferr != nil || p.panicked {
			settled = append(settled, p)
		} else {
			committed = append(committed, p)
		}
	}
	var cerr error
	if err := sqlTx.Commit(); err != nil {
		cerr = s.fail("commit", err)
	} else {
		s.committed()
	}
	for _, p := range committed {
		p.answer(cerr)
	}
	for _, p := range settled {
		p.answer(p.err)
	}
	return nil
}

// run calls f, which runs the function, catching a panic for the caller
// to panic on.
func (p *pending) run(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			p.panicked, p.panicVal = true, r
			err = nil
		}
	}()
	return f()
}

// answer gives the caller its result (a panic caught by run stays a
// panic).
func (p *pending) answer(err error) {
	p.err = err
	close(p.done)
}
