package mockstore_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// A transaction commits all its writes or, when its function fails, none.
func ExampleNewMemStore() {
	st := mockstore.NewMemStore()
	ctx := context.Background()

	err := st.Update(ctx, func(tx mockstore.Tx) error {
		if err := tx.InsertRecord("ticket", mockstore.Record{Key: "t1", Data: []byte("issued")}); err != nil {
			return err
		}
		return errors.New("the request failed")
	})
	fmt.Println(err)

	err = st.View(ctx, func(tx mockstore.Tx) error {
		_, err := tx.Record("ticket", "t1")
		fmt.Println("after the failed update:", errors.Is(err, esfreg.ErrNotFound))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// the request failed
	// after the failed update: true
}

// The key of a record is the store's to enforce: of two inserts of one
// key, the second is refused, in one process or across replicas.
func ExampleRecords_InsertRecord() {
	st := mockstore.NewMemStore()
	ctx := context.Background()
	for range 2 {
		err := st.Update(ctx, func(tx mockstore.Tx) error {
			return tx.InsertRecord("open-session", mockstore.Record{Key: "850314312344", Data: []byte("s1")})
		})
		fmt.Println(err == nil, errors.Is(err, esfreg.ErrExists))
	}
	// Output:
	// true false
	// false true
}
