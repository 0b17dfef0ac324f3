package mockserver

import (
	"crypto/sha256"
	"sync"

	"github.com/esfkit/esf/esfreg"
)

// cachedHasher remembers the (hash, password) pairs that verified, so a
// user who logs in again and again (an ERP opening API sessions) does not
// pay bcrypt each time. Only the SHA-256 of a verified pair is kept, in
// memory, at most maxVerified of them.
type cachedHasher struct {
	inner esfreg.PasswordHasher
	mu    sync.Mutex
	ok    map[[32]byte]struct{}
}

const maxVerified = 4096

func newCachedHasher(inner esfreg.PasswordHasher) *cachedHasher {
	return &cachedHasher{inner: inner, ok: map[[32]byte]struct{}{}}
}

// Hash hashes a new password; the pair it makes verifies by construction,
// so it is remembered too (the first log-in after a registration is then
// free).
func (c *cachedHasher) Hash(password string) (string, error) {
	hash, err := c.inner.Hash(password)
	if err == nil {
		c.remember(pairKey(hash, password))
	}
	return hash, err
}

func (c *cachedHasher) Verify(hash, password string) error {
	key := pairKey(hash, password)
	c.mu.Lock()
	_, hit := c.ok[key]
	c.mu.Unlock()
	if hit {
		return nil
	}
	if err := c.inner.Verify(hash, password); err != nil {
		return err
	}
	c.remember(key)
	return nil
}

func pairKey(hash, password string) [32]byte {
	h := sha256.New()
	h.Write([]byte(hash))
	h.Write([]byte{0})
	h.Write([]byte(password))
	var key [32]byte
	h.Sum(key[:0])
	return key
}

func (c *cachedHasher) remember(key [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.ok) >= maxVerified {
		clear(c.ok)
	}
	c.ok[key] = struct{}{}
}
