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
	prepared map[string]*preparedHashes
}

// preparedHashes are the hashes prepared for one password and not taken
// yet, and how many of the requests that prepared them are still running.
// Requests with the same password take each other's hashes (any hash of
// the password will do), so a request that ends drops a hash only when
// more are left than the requests still running could take.
type preparedHashes struct {
	hashes  []string
	running int
}

const maxVerified = 4096

func newCachedHasher(inner esfreg.PasswordHasher) *cachedHasher {
	return &cachedHasher{inner: inner, ok: map[[32]byte]struct{}{}, prepared: map[string]*preparedHashes{}}
}

// Hash hashes a new password; the pair it makes verifies by construction,
// so it is remembered too (the first log-in after a registration is then
// free).
func (c *cachedHasher) Hash(password string) (string, error) {
	c.mu.Lock()
	if p := c.prepared[password]; p != nil && len(p.hashes) > 0 {
		hash := p.hashes[len(p.hashes)-1]
		p.hashes = p.hashes[:len(p.hashes)-1]
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
// (each prepared hash, with its own salt, is taken once). done, called
// when the request ends, drops a hash no request will take.
func (c *cachedHasher) prepare(password string) (done func(), err error) {
	hash, err := c.inner.Hash(password)
	if err != nil {
		return func() {}, err
	}
	c.remember(pairKey(hash, password))
	c.mu.Lock()
	p := c.prepared[password]
	if p == nil {
		p = &preparedHashes{}
		c.prepared[password] = p
	}
	p.hashes = append(p.hashes, hash)
	p.running++
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		p.running--
		if len(p.hashes) > p.running {
			p.hashes = p.hashes[:p.running]
		}
		if p.running == 0 {
			delete(c.prepared, password)
		}
	}, nil
}
