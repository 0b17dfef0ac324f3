package conformance_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/esfkit/esf/conformance"
)

// A vendor's CI test: the suite against the mock ESF_MOCK_URL names (it
// skips when the variable is unset).
func ExampleRun() {
	testESFConformance := func(t *testing.T) {
		conformance.Run(t, conformance.NewHTTPTarget(os.Getenv("ESF_MOCK_URL")), conformance.Options{})
	}
	_ = testESFConformance
}

// The scenarios, and which of them a real ESF test stand can run.
func ExampleScenarios() {
	for _, sc := range conformance.Scenarios() {
		if sc.Need != conformance.NeedControl {
			fmt.Println(sc.Name)
		}
	}
	// Output:
	// version
	// login-and-api-session
	// revoked-key
	// cert-info-refuses-untrusted-key
	// invoice-read
}
