package esfreg_test

import (
	"encoding/json"
	"flag"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
)

// fuzzMinimizeTime is how long go test -fuzz may spend minimizing each
// new input when -fuzzminimizetime is not given; Go's default is a minute.
// Go minimizes every input that widens coverage, by cutting single bytes
// and then every range of bytes, which is quadratic in the length: for a
// state file of a few kilobytes that is millions of runs, so with the
// default each new input took the whole minute and FuzzMemStateJSON,
// stuck minimizing, reported a handful of execs a minute.
const fuzzMinimizeTime = "1s"

// limitMinimization sets -fuzzminimizetime to fuzzMinimizeTime when
// fuzzing and the command line does not say otherwise. The coordinating
// process reads the flag when the target calls f.Fuzz.
func limitMinimization(f *testing.F) {
	f.Helper()
	const name = "test.fuzzminimizetime"
	given := false
	flag.Visit(func(fl *flag.Flag) { given = given || fl.Name == name })
	if fuzz := flag.Lookup("test.fuzz"); given || fuzz == nil || fuzz.Value.String() == "" {
		return
	}
	if err := flag.Set(name, fuzzMinimizeTime); err != nil {
		f.Fatal(err)
	}
}

// Regressions the fuzz targets found, as plain tests.

// TestNewMemStoreFrom_RefusesAgreementWithoutKind: a state file whose
// request holds an agreement without a kind loaded, and the state then
// could not be saved (AgreementKind's MarshalText refuses the zero kind).
// FuzzMemStateJSON found it.
func TestNewMemStoreFrom_RefusesAgreementWithoutKind(t *testing.T) {
	var st esfreg.MemState
	require.NoError(t, json.Unmarshal([]byte(`{"requests":[{"Agreements":[{}]}]}`), &st))
	_, err := esfreg.NewMemStoreFrom(st)
	require.Error(t, err)

	st.Requests[0].Agreements[0].Agreement.Kind = esfreg.AgreementLegalEntity
	m, err := esfreg.NewMemStoreFrom(st)
	require.NoError(t, err)
	_, err = json.Marshal(m.Snapshot())
	require.NoError(t, err)
}
