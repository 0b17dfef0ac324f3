package ncalayertest_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/esfkit/esf/ncalayer"
	"github.com/esfkit/esf/ncalayer/ncalayertest"
)

// New starts a headless NCALayer on a free loopback port; a test would
// use Start(t, …), which closes it at the test's end.
func ExampleNew() {
	srv, err := ncalayertest.New(ncalayer.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	fmt.Println(strings.HasPrefix(srv.URL, "wss://127.0.0.1:"), srv.TLSConfig() != nil, srv.SPKIHash() != "")

	plain, err := ncalayertest.New(ncalayer.Options{Plain: true})
	if err != nil {
		log.Fatal(err)
	}
	defer plain.Close()
	fmt.Println(strings.HasPrefix(plain.URL, "ws://127.0.0.1:"), plain.TLSConfig() == nil)
	// Output:
	// true true true
	// true true
}
