package mockserver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
)

// countingHasher counts the verifications that reach it.
type countingHasher struct {
	esfreg.Bcrypt
	verifies int
}

func (c *countingHasher) Verify(hash, password string) error {
	c.verifies++
	return c.Bcrypt.Verify(hash, password)
}

func TestCachedHasher(t *testing.T) {
	inner := &countingHasher{Bcrypt: esfreg.Bcrypt{Cost: 4}}
	h := newCachedHasher(inner)
	hash, err := h.Hash("Secret2026x")
	require.NoError(t, err)
	require.NoError(t, h.Verify(hash, "Secret2026x"))
	assert.Zero(t, inner.verifies, "a pair Hash made needs no bcrypt")
	assert.Error(t, h.Verify(hash, "Secret2026y"), "a wrong password still fails")
	assert.Error(t, h.Verify(hash, "Secret2026y"), "and is not remembered")
	assert.Equal(t, 2, inner.verifies)

	other, err := esfreg.Bcrypt{Cost: 4}.Hash("Other2026x")
	require.NoError(t, err)
	require.NoError(t, h.Verify(other, "Other2026x"))
	require.NoError(t, h.Verify(other, "Other2026x"))
	assert.Equal(t, 3, inner.verifies, "the second verification is remembered")
}
