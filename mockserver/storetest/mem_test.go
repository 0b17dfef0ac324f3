package storetest_test

import (
	"testing"

	"github.com/esfkit/esf/mockserver/mockstore"
	"github.com/esfkit/esf/mockserver/storetest"
)

// TestMemStore runs the suite against the memory store.
func TestMemStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) mockstore.Store { return mockstore.NewMemStore() })
}
