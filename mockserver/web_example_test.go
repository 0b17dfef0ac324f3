package mockserver_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/esfkit/esf/mockserver"
)

// The portal's pages for a browser: here the log-in page, whose script
// signs through a headless NCALayer on plain ws:// (esf ncalayer serve
// --plain --addr 127.0.0.1:13580), and whose policy lets it connect there.
func ExampleOptions_ncaLayerURL() {
	s, err := mockserver.New(mockserver.Options{NCALayerURL: "ws://127.0.0.1:13580/"})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()

	resp, err := http.Get(srv.URL + mockserver.LoginPagePath)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	fmt.Println(strings.Contains(resp.Header.Get("Content-Security-Policy"), "connect-src 'self' wss://127.0.0.1:13579 ws://127.0.0.1:13579 wss://localhost:13579 ws://localhost:13579 ws://127.0.0.1:13580"))
	fmt.Println(resp.Header.Get("Referrer-Policy"))
	// Output:
	// 200 text/html; charset=utf-8
	// true
	// no-referrer
}
