package esfreg_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
)

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
