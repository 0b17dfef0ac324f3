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

func (c *cachedHasher) Hash(password string) (string, error) { return c.inner.Hash(password) }

func (c *cachedHasher) Verify(hash, password string) error {
	h := sha256.New()
	h.Write([]byte(hash))
	h.Write([]byte{0})
	h.Write([]byte(password))
	var key [32]byte
	h.Sum(key[:0])
	c.mu.Lock()
	_, hit := c.ok[key]
	c.mu.Unlock()
	if hit {
		return nil
	}
	if err := c.inner.Verify(hash, password); err != nil {
		return err
	}
	c.mu.Lock()
	if len(c.ok) >= maxVerified {
		clear(c.ok)
	}
	c.ok[key] = struct{}{}
	c.mu.Unlock()
	return nil
}
