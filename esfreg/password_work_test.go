package esfreg_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
)

// countingHasher counts hash comparisons.
type countingHasher struct {
	esfreg.PasswordHasher
	verifies atomic.Int64
}

func (c *countingHasher) Verify(hash, password string) error {
	c.verifies.Add(1)
	return c.PasswordHasher.Verify(hash, password)
}

// A password check of an IIN without an account does the work of a wrong
// password — one hash comparison at the hasher's cost — so that its time
// does not tell whether the account exists.
func TestPasswordCheckWorkWithoutAccount(t *testing.T) {
	h := &countingHasher{PasswordHasher: esfreg.Bcrypt{Cost: 4}}
	now := certstest.FixtureTime.Add(24 * time.Hour)
	svc := esfreg.New(esfreg.Config{Hasher: h, AllowTestIdentities: true, Now: func() time.Time { return now }})
	auth, err := certstest.OpenFixture(certstest.FixtureIndividualAuth)
	require.NoError(t, err)

	for name, check := range map[string]func() error{
		"CheckPassword": func() error { return svc.CheckPassword(ctx, certstest.TestIIN, "Qazwsx12345") },
		"Login": func() error {
			_, err := svc.Login(ctx, esfreg.Credentials{Certificate: auth.Certificate, Password: "Qazwsx12345"})
			return err
		},
	} {
		before := h.verifies.Load()
		err := check()
		assert.ErrorIs(t, err, esfreg.ErrUserNotRegistered, name)
		assert.Equal(t, int64(1), h.verifies.Load()-before, "%s: hash comparisons for an IIN without an account", name)
	}
	// LoginWithKey checks no password, so it compares no hash.
	before := h.verifies.Load()
	_, err = svc.LoginWithKey(ctx, esfreg.Credentials{Certificate: auth.Certificate})
	assert.ErrorIs(t, err, esfreg.ErrUserNotRegistered)
	assert.Equal(t, before, h.verifies.Load())
}
