//go:build race

package conformance_test

// raceEnabled: this test binary was built with -race, so the binary the
// tests build is too, and reuses the packages already compiled that way.
const raceEnabled = true
