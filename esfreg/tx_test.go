package esfreg_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
)

// newPeople makes n people with valid IINs, born in year, and names them
// in people until the test ends.
func newPeople(t *testing.T, n, year int) []string {
	t.Helper()
	var iins []string
	for serial := 0; len(iins) < n; serial++ {
		iin, err := esfreg.NewIIN(time.Date(year, 3, 4, 0, 0, 0, 0, time.UTC), esfreg.SexMale, serial)
		if err != nil {
			continue // a serial with no check digit
		}
		people[string(iin)] = person{"ГЛАВНЫЙ", fmt.Sprintf("ИМЯ%d", len(iins)), "ТЕСТОВИЧ"}
		iins = append(iins, string(iin))
	}
	t.Cleanup(func() {
		for _, iin := range iins {
			delete(people, iin)
		}
	})
	return iins
}

// A Service method called with a context carrying a transaction runs in
// it: the caller's failure undoes the rule's writes too, and a read-only
// transaction refuses them.
func TestService_JoinsTheCallersTransaction(t *testing.T) {
	f := newFixture(t)
	boom := errors.New("boom")

	err := f.store.Update(ctx, func(tx esfreg.Tx) error {
		txCtx := esfreg.ContextWithTx(ctx, tx)
		_, err := f.svc.PublishTaxpayer(txCtx, company(binCompany, iinHead))
		require.NoError(t, err)
		_, err = f.svc.Taxpayer(txCtx, binCompany)
		require.NoError(t, err, "the transaction sees its own write")
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = f.svc.Taxpayer(ctx, binCompany)
	requireCode(t, err, esfreg.CodeTaxpayerNotFound, "tin")

	// A completion inside a transaction that fails leaves the link unused
	// and no account.
	f.publish(company(binCompany, iinHead))
	sign, auth := f.headSign(iinHead, binCompany), f.headAuth(iinHead, binCompany)
	_, conf := f.submit(esfreg.LegalEntity, sign, sign)
	creds := esfreg.Credentials{Certificate: auth, Password: testPassword}
	err = f.store.Update(ctx, func(tx esfreg.Tx) error {
		_, err := f.svc.Complete(esfreg.ContextWithTx(ctx, tx), conf.Token, creds)
		require.NoError(t, err)
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = f.svc.Account(ctx, iinHead)
	requireCode(t, err, esfreg.CodeUserNotRegistered, "")
	done, err := f.svc.Complete(ctx, conf.Token, creds)
	require.NoError(t, err, "the link still works")
	assert.Len(t, done.Added, 2)

	// Reads work in a View's transaction, writes do not.
	view(t, f.store, func(tx esfreg.Tx) error {
		txCtx := esfreg.ContextWithTx(ctx, tx)
		_, err := f.svc.Account(txCtx, iinHead)
		require.NoError(t, err)
		_, err = f.svc.StageTaxpayer(txCtx, company(binOther, iinHead))
		require.ErrorIs(t, err, esfreg.ErrReadOnly)
		return nil
	})
	_, err = f.svc.Taxpayer(ctx, binOther)
	requireCode(t, err, esfreg.CodeTaxpayerNotFound, "tin")

	// The store's own errors come wrapped.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = f.svc.Taxpayer(cancelled, binCompany)
	require.ErrorIs(t, err, context.Canceled)
	var rule *esfreg.Error
	require.False(t, errors.As(err, &rule))
}

// TestService_OneWinnerPerBIN completes 50 registrations of one legal
// entity at once: requests of five heads, each made while the register
// named him, completed when it names the first. Exactly one completion
// wins — one of the first head's ten — and every other gets the rule's
// refusal: HEAD_MISMATCH, or ENTERPRISE_ALREADY_REGISTERED once the entity
// has its head. The transaction alone keeps it so: the Service has no
// lock of its own.
func TestService_OneWinnerPerBIN(t *testing.T) {
	f := newFixture(t)
	const n, nHeads = 50, 5
	heads := newPeople(t, nHeads, 1975)
	tokens := make([]string, n)
	for h, head := range heads {
		f.publish(company(binCompany, head))
		sign := f.headSign(head, binCompany)
		for i := h; i < n; i += nHeads {
			_, conf := f.submit(esfreg.LegalEntity, sign, sign)
			tokens[i] = conf.Token
		}
	}
	f.publish(company(binCompany, heads[0]))
	auth := make([]*esfreg.Credentials, nHeads)
	for h, head := range heads {
		auth[h] = &esfreg.Credentials{Certificate: f.headAuth(head, binCompany), Password: testPassword}
	}

	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = f.svc.Complete(ctx, tokens[i], *auth[i%nHeads])
		})
	}
	close(start)
	wg.Wait()

	winners := 0
	for i, err := range errs {
		switch {
		case err == nil:
			winners++
			assert.Zero(t, i%nHeads, "the register names the first head")
		case errors.Is(err, esfreg.ErrEnterpriseAlreadyRegistered),
			i%nHeads != 0 && errors.Is(err, esfreg.ErrHeadMismatch):
		default:
			t.Errorf("completion %d (head %d): %v", i, i%nHeads, err)
		}
	}
	assert.Equal(t, 1, winners)

	var admins []esfreg.Profile
	view(t, f.store, func(tx esfreg.Tx) error {
		ps, err := tx.ProfilesByTIN(binCompany)
		require.NoError(t, err)
		for _, p := range ps {
			if p.Type == esfreg.ProfileAdminEnterprise {
				admins = append(admins, p)
			}
		}
		return nil
	})
	require.Len(t, admins, 1)
	assert.Equal(t, heads[0], admins[0].IIN)
	assert.True(t, admins[0].Active())
	assert.Len(t, f.store.Snapshot().Accounts, 1)
}

// TestService_TokenUsedOnce sends 50 password resets with one link at
// once: exactly one sets the password; the others get TOKEN_USED.
func TestService_TokenUsedOnce(t *testing.T) {
	f := newFixture(t)
	f.register(esfreg.Individual, iinPerson, "")
	ticket, err := f.svc.RequestPasswordReset(ctx, esfreg.PasswordResetRequest{IIN: iinPerson, Email: "user@example.kz"})
	require.NoError(t, err)
	signer := f.indSign(iinPerson)

	const n = 50
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			pw := fmt.Sprintf("Novyi%dParol", 100+i)
			errs[i] = f.svc.ResetPassword(ctx, esfreg.PasswordReset{Token: ticket.Token, Password: pw, PasswordConfirmation: pw}, signer)
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			assert.Equal(t, -1, winner, "a second reset succeeded")
			winner = i
		case !errors.Is(err, esfreg.ErrTokenUsed):
			t.Errorf("reset %d: %v", i, err)
		}
	}
	require.NotEqual(t, -1, winner)
	// The winner's password is the account's.
	auth := f.indAuth(iinPerson)
	_, err = f.svc.Login(ctx, esfreg.Credentials{Certificate: auth, Password: fmt.Sprintf("Novyi%dParol", 100+winner)})
	require.NoError(t, err)
}
