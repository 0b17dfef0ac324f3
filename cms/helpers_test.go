package cms_test

import (
	"bytes"
	"crypto"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
)

// fixtureTime is inside the committed fixtures' validity.
var fixtureTime = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func clock() time.Time { return fixtureTime }

type testSigner struct {
	name   string
	signer crypto.Signer
	cert   *certs.Certificate
}

func fixtureSigner(t testing.TB, name string) testSigner {
	t.Helper()
	ks, err := certstest.OpenFixture(name)
	require.NoError(t, err, "fixture %s", name)
	s, err := ks.Signer()
	require.NoError(t, err)
	return testSigner{name, s, ks.Certificate}
}

// fixtureSigners are an RSA, a GOST 2015-512 and a GOST 2004 key store of
// the committed test PKI.
func fixtureSigners(t testing.TB) []testSigner {
	t.Helper()
	return []testSigner{
		fixtureSigner(t, certstest.FixtureIndividualSign),
		fixtureSigner(t, certstest.FixtureGOSTCEO),
		fixtureSigner(t, certstest.FixtureGOST2004CEO),
	}
}

// fixtureChain returns options trusting the fixture PKI's roots, with its
// intermediates and CRLs.
func fixtureChain(t testing.TB) *certs.VerifyOptions {
	t.Helper()
	opts, err := certstest.FixtureVerifyOptions()
	require.NoError(t, err)
	return &opts
}

// flip returns a copy of data with the byte at i changed.
func flip(data []byte, i int) []byte {
	out := bytes.Clone(data)
	out[i] ^= 0x01
	return out
}

// flipIn returns a copy of data with a byte of the first occurrence of
// part, at offset off in it, changed.
func flipIn(t testing.TB, data, part []byte, off int) []byte {
	t.Helper()
	i := bytes.Index(data, part)
	require.GreaterOrEqual(t, i, 0, "%x not found", part)
	require.Less(t, off, len(part))
	return flip(data, i+off)
}
