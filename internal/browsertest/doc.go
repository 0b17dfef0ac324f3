// Package browsertest holds the tests that drive the mock's pages in a real
// browser: Debian's chromium, driven with github.com/chromedp/chromedp, with
// a headless NCALayer (package ncalayer) holding the test people's key
// stores in place of the desktop application.
//
// Where chromium is absent the tests skip and say so; with
// ESF_REQUIRE_BROWSER=1 (as .ci/run sets it) they fail instead. Each step's
// screenshot is kept in a temporary folder, named in the test's log; set
// ESF_SCREENSHOTS=DIR to keep them in DIR.
//
// The package has no code of its own outside its tests: chromedp is a test
// dependency only.
package browsertest
