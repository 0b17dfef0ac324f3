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
	// prepared are hashes made before a transaction (prepare) for the
	// transaction's Hash to take, each once: bcrypt then runs outside the
	// store's write lock, and a retried transaction does not pay it again.
	prepared map[string][]string
}

const maxVerified = 4096

func newCachedHasher(inner esfreg.PasswordHasher) *cachedHasher {
	return &cachedHasher{inner: inner, ok: map[[32]byte]struct{}{}, prepared: map[string][]string{}}
}

// Hash hashes a new password; the pair it makes verifies by construction,
// so it is remembered too (the first log-in after a registration is then
// free).
func (c *cachedHasher) Hash(password string) (string, error) {
	c.mu.Lock()
	if list := c.prepared[password]; len(list) > 0 {
		hash := list[len(list)-1]
		if len(list) == 1 {
			delete(c.prepared, password)
		} else {
			c.prepared[password] = list[:len(list)-1]
		}
		c.mu.Unlock()
		return hash, nil
	}
	c.mu.Unlock()
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

// prepare hashes password now, for a Hash of it in a transaction to come
// (each prepared hash, with its own salt, is taken once). done drops the
// hash if no Hash took it.
func (c *cachedHasher) prepare(password string) (done func(), err error) {
	hash, err := c.inner.Hash(password)
	if err != nil {
		return func() {}, err
	}
	c.remember(pairKey(hash, password))
	c.mu.Lock()
	c.prepared[password] = append(c.prepared[password], hash)
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		list := c.prepared[password]
		for i, h := range list {
			if h == hash {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(c.prepared, password)
		} else {
			c.prepared[password] = list
		}
	}, nil
}
