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

// A hash prepared before a transaction is taken once by Hash; each one
// has its own salt; one nobody took is dropped.
func TestCachedHasherPrepare(t *testing.T) {
	h := newCachedHasher(esfreg.Bcrypt{Cost: 4})
	done1, err := h.prepare("Secret2026x")
	require.NoError(t, err)
	done2, err := h.prepare("Secret2026x")
	require.NoError(t, err)
	a, err := h.Hash("Secret2026x")
	require.NoError(t, err)
	b, err := h.Hash("Secret2026x")
	require.NoError(t, err)
	assert.NotEqual(t, a, b, "two prepared hashes, two salts")
	require.NoError(t, h.Verify(a, "Secret2026x"))
	require.NoError(t, h.Verify(b, "Secret2026x"))
	done1()
	done2()
	assert.Empty(t, h.prepared)

	done3, err := h.prepare("Other2026x")
	require.NoError(t, err)
	done3()
	assert.Empty(t, h.prepared, "one nobody took is dropped")
	c, err := h.Hash("Other2026x")
	require.NoError(t, err)
	require.NoError(t, h.Verify(c, "Other2026x"))
}

// Requests with one password that overlap: the first to end, having taken
// the other's hash, leaves its own for the other (the load generator's
// registrations all use one password, and a fifth of them paid bcrypt
// twice when the first to end dropped its own hash).
func TestCachedHasherPrepareOverlapping(t *testing.T) {
	inner := &countingHasher{Bcrypt: esfreg.Bcrypt{Cost: 4}}
	h := newCachedHasher(&hashCounter{countingHasher: inner})
	doneA, err := h.prepare("Secret2026x")
	require.NoError(t, err)
	doneB, err := h.prepare("Secret2026x")
	require.NoError(t, err)
	_, err = h.Hash("Secret2026x") // A takes the last one prepared: B's
	require.NoError(t, err)
	doneA()
	_, err = h.Hash("Secret2026x") // B takes A's
	require.NoError(t, err)
	doneB()
	assert.Equal(t, 2, h.inner.(*hashCounter).hashes, "two requests, two bcrypt hashes")
	assert.Empty(t, h.prepared)

	// One that never took its hash leaves none behind.
	doneC, err := h.prepare("Secret2026x")
	require.NoError(t, err)
	doneD, err := h.prepare("Secret2026x")
	require.NoError(t, err)
	_, err = h.Hash("Secret2026x")
	require.NoError(t, err)
	doneC()
	doneD()
	assert.Empty(t, h.prepared)
}

// hashCounter counts the hashes that reach bcrypt.
type hashCounter struct {
	*countingHasher
	hashes int
}

func (c *hashCounter) Hash(password string) (string, error) {
	c.hashes++
	return c.countingHasher.Hash(password)
}
