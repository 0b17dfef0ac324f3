package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/esfkit/esf/mockserver/mockstore"
	"github.com/esfkit/esf/mockserver/sqlstore/sqlite"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "esf-mock")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	st, err := sqlite.Open(ctx, filepath.Join(dir, "state.db"), sqlite.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	// One transaction per request: committed when fn returns nil.
	err = st.Update(ctx, func(tx mockstore.Tx) error {
		return tx.PutRecord("session", mockstore.Record{Key: "s1", Owner: "850314312344", Data: []byte(`{"open":true}`)})
	})
	if err != nil {
		log.Fatal(err)
	}
	err = st.View(ctx, func(tx mockstore.Tx) error {
		r, err := tx.Record("session", "s1")
		if err != nil {
			return err
		}
		fmt.Println(r.Owner, string(r.Data))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output: 850314312344 {"open":true}
}

// Updates made at once share commits: here 64 goroutines each record a
// session, and the writer commits those that queue up together in one
// transaction (how many do depends on the scheduler; GroupStats tells).
func ExampleOptions_batch() {
	dir, err := os.MkdirTemp("", "esf-mock")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	// Batch: at most 16 Updates per commit; BatchWait: how long the
	// writer waits for more to join, once they queue up together.
	st, err := sqlite.Open(ctx, filepath.Join(dir, "state.db"), sqlite.Options{Batch: 16, BatchWait: time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			err := st.Update(ctx, func(tx mockstore.Tx) error {
				return tx.PutRecord("session", mockstore.Record{Key: fmt.Sprint("s", i), Data: []byte(`{"open":true}`)})
			})
			if err != nil {
				log.Fatal(err)
			}
		})
	}
	wg.Wait()
	g := st.GroupStats()
	fmt.Println(g.Functions, "Updates, in at most as many transactions:", g.Transactions <= g.Functions)
	// Output: 64 Updates, in at most as many transactions: true
}
