//go:build !race

package conformance_test

// raceEnabled: see race_on_test.go.
const raceEnabled = false
