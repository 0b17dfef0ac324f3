package storetest_test

import (
	"testing"

	"github.com/esfkit/esf/mockserver/mockstore"
	"github.com/esfkit/esf/mockserver/storetest"
)

// Your own store passes the suite every store of this module passes: in
// your store's tests, give Run a function that opens a fresh, empty one.
func ExampleRun() {
	var t *testing.T // your test's
	storetest.Run(t, func(t *testing.T) mockstore.Store {
		return mockstore.NewMemStore() // yours here
	})
}
