package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

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
