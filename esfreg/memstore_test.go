package esfreg_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/internal/testref"
)

// update runs fn in an Update of st that must succeed.
func update(t testing.TB, st esfreg.Store, fn func(tx esfreg.Tx) error) {
	t.Helper()
	require.NoError(t, st.Update(ctx, fn))
}

// view runs fn in a View of st that must succeed.
func view(t testing.TB, st esfreg.Store, fn func(tx esfreg.Tx) error) {
	t.Helper()
	require.NoError(t, st.View(ctx, fn))
}

func TestMemStore_CopiesInAndOut(t *testing.T) {
	m := esfreg.NewMemStore()
	a := esfreg.Account{IIN: iinPerson, Email: "a@b.kz", Profiles: []esfreg.Profile{{TIN: iinPerson, Type: esfreg.ProfileIndividual}}}
	r := esfreg.Request{ID: "r1", Profiles: []esfreg.ProfileType{esfreg.ProfileIndividual},
		Agreements: []esfreg.SignedAgreement{{Document: []byte("doc")}}}
	update(t, m, func(tx esfreg.Tx) error {
		require.NoError(t, tx.CreateAccount(a))
		require.NoError(t, tx.CreateRequest(r))
		return nil
	})
	a.Profiles[0].Type = esfreg.ProfileEntrepreneur // the caller's copy
	r.Agreements[0].Document[0] = 'X'
	view(t, m, func(tx esfreg.Tx) error {
		got, err := tx.Account(iinPerson)
		require.NoError(t, err)
		assert.Equal(t, esfreg.ProfileIndividual, got.Profiles[0].Type)
		got.Profiles[0].Status = esfreg.StatusBlocked // the store's answer
		again, err := tx.Account(iinPerson)
		require.NoError(t, err)
		assert.Empty(t, again.Profiles[0].Status)

		got2, err := tx.Request("r1")
		require.NoError(t, err)
		assert.Equal(t, "doc", string(got2.Agreements[0].Document))
		got2.Agreements[0].Document[0] = 'Y'
		all, err := tx.Requests()
		require.NoError(t, err)
		assert.Equal(t, "doc", string(all[0].Agreements[0].Document))
		return nil
	})
	// What an update function is given is a copy too.
	update(t, m, func(tx esfreg.Tx) error {
		var kept *esfreg.Account
		_, err := tx.UpdateAccount(iinPerson, func(a *esfreg.Account) error { kept = a; return nil })
		require.NoError(t, err)
		kept.Profiles[0].Status = esfreg.StatusBlocked
		got, err := tx.Account(iinPerson)
		require.NoError(t, err)
		assert.Empty(t, got.Profiles[0].Status)
		return nil
	})
}

func TestMemStore_NotFoundExistsAndFailedUpdates(t *testing.T) {
	m := esfreg.NewMemStore()
	update(t, m, func(tx esfreg.Tx) error {
		_, err := tx.Account("x")
		assert.ErrorIs(t, err, esfreg.ErrNotFound)
		_, err = tx.UpdateAccount("x", func(*esfreg.Account) error { return nil })
		assert.ErrorIs(t, err, esfreg.ErrNotFound)
		_, err = tx.Request("x")
		assert.ErrorIs(t, err, esfreg.ErrNotFound)
		_, err = tx.UpdateRequest("x", func(*esfreg.Request) error { return nil })
		assert.ErrorIs(t, err, esfreg.ErrNotFound)
		_, err = tx.Token("x")
		assert.ErrorIs(t, err, esfreg.ErrNotFound)
		_, err = tx.UpdateToken("x", func(*esfreg.Token) error { return nil })
		assert.ErrorIs(t, err, esfreg.ErrNotFound)

		require.NoError(t, tx.CreateAccount(esfreg.Account{IIN: "a", Email: "1"}))
		assert.ErrorIs(t, tx.CreateAccount(esfreg.Account{IIN: "a"}), esfreg.ErrExists)
		require.NoError(t, tx.CreateRequest(esfreg.Request{ID: "r"}))
		assert.ErrorIs(t, tx.CreateRequest(esfreg.Request{ID: "r"}), esfreg.ErrExists)
		require.NoError(t, tx.CreateToken(esfreg.Token{Key: "k"}))
		assert.ErrorIs(t, tx.CreateToken(esfreg.Token{Key: "k"}), esfreg.ErrExists)

		boom := errors.New("boom")
		_, err = tx.UpdateAccount("a", func(a *esfreg.Account) error { a.Email = "2"; return boom })
		assert.ErrorIs(t, err, boom)
		a, err := tx.Account("a")
		require.NoError(t, err)
		assert.Equal(t, "1", a.Email, "a failed update stores nothing")
		_, err = tx.UpdateToken("k", func(tk *esfreg.Token) error { tk.IIN = "x"; return boom })
		assert.ErrorIs(t, err, boom)
		tk, err := tx.Token("k")
		require.NoError(t, err)
		assert.Empty(t, tk.IIN)

		// The key does not change under an update.
		a, err = tx.UpdateAccount("a", func(a *esfreg.Account) error { a.IIN = "b"; return nil })
		require.NoError(t, err)
		assert.Equal(t, "a", a.IIN)
		return nil
	})
}

// seedStore fills m with one record of each kind, two accounts sharing a
// TIN, and returns its snapshot.
func seedStore(t *testing.T, m *esfreg.MemStore) esfreg.MemState {
	t.Helper()
	update(t, m, func(tx esfreg.Tx) error {
		require.NoError(t, tx.CreateAccount(esfreg.Account{IIN: "111", Email: "a@b.kz",
			Profiles: []esfreg.Profile{{IIN: "111", TIN: "900", Type: esfreg.ProfileAdminEnterprise, Status: esfreg.StatusActive}}}))
		require.NoError(t, tx.CreateAccount(esfreg.Account{IIN: "222",
			Profiles: []esfreg.Profile{{IIN: "222", TIN: "900", Type: esfreg.ProfileAdminEnterprise}}}))
		require.NoError(t, tx.AddChange(esfreg.PublishedChange(esfreg.Taxpayer{TIN: "900"}, t0)))
		require.NoError(t, tx.CreateRequest(esfreg.Request{ID: "r", Status: esfreg.RequestPending}))
		require.NoError(t, tx.CreateToken(esfreg.Token{Key: "k", IIN: "111"}))
		return nil
	})
	return m.Snapshot()
}

// writeEverything writes every kind of record through tx, then calls
// fail.
func writeEverything(t *testing.T, tx esfreg.Tx) {
	t.Helper()
	require.NoError(t, tx.CreateAccount(esfreg.Account{IIN: "333",
		Profiles: []esfreg.Profile{{IIN: "333", TIN: "900", Type: esfreg.ProfileAdminEnterprise}}}))
	_, err := tx.UpdateAccount("111", func(a *esfreg.Account) error {
		a.Email, a.Profiles[0].TIN = "new@b.kz", "901"
		return nil
	})
	require.NoError(t, err)
	_, err = tx.UpdateAccount("111", func(a *esfreg.Account) error {
		a.Profiles = append(a.Profiles, esfreg.Profile{IIN: "111", TIN: "902"})
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, tx.AddChange(esfreg.PublishedChange(esfreg.Taxpayer{TIN: "900", NameRu: "НОВОЕ"}, t0)))
	require.NoError(t, tx.AddChange(esfreg.PublishedChange(esfreg.Taxpayer{TIN: "901"}, t0)))
	require.NoError(t, tx.CreateRequest(esfreg.Request{ID: "r2"}))
	_, err = tx.UpdateRequest("r", func(r *esfreg.Request) error { r.Status = esfreg.RequestCompleted; return nil })
	require.NoError(t, err)
	require.NoError(t, tx.CreateToken(esfreg.Token{Key: "k2"}))
	_, err = tx.UpdateToken("k", func(tk *esfreg.Token) error { tk.UsedAt = t0; return nil })
	require.NoError(t, err)
	// What the transaction sees is its own writes.
	ps, err := tx.ProfilesByTIN("900")
	require.NoError(t, err)
	assert.Len(t, ps, 2)
	// Clear, which the mock's memory store uses, is undone with the rest.
	require.NoError(t, tx.(interface{ Clear() error }).Clear())
	require.NoError(t, tx.CreateAccount(esfreg.Account{IIN: "444"}))
}

// requireState asserts m holds exactly want, its TIN index included.
func requireState(t *testing.T, m *esfreg.MemStore, want esfreg.MemState) {
	t.Helper()
	require.Equal(t, want, m.Snapshot())
	view(t, m, func(tx esfreg.Tx) error {
		for tin, iins := range map[string][]string{"900": {"111", "222"}, "901": nil, "902": nil} {
			ps, err := tx.ProfilesByTIN(tin)
			require.NoError(t, err)
			var got []string
			for _, p := range ps {
				got = append(got, p.IIN)
			}
			assert.Equal(t, iins, got, "holders of %s", tin)
		}
		for tin, n := range map[string]int{"900": 1, "901": 0} {
			cs, err := tx.Changes(tin)
			require.NoError(t, err)
			assert.Len(t, cs, n, "changes of %s", tin)
		}
		return nil
	})
}

// An Update whose function fails keeps none of its writes: accounts (and
// the index of their TINs), changes, requests, tokens.
func TestMemStore_UpdateRollsBackOnError(t *testing.T) {
	m := esfreg.NewMemStore()
	before := seedStore(t, m)
	boom := errors.New("boom")
	err := m.Update(ctx, func(tx esfreg.Tx) error {
		writeEverything(t, tx)
		return boom
	})
	require.ErrorIs(t, err, boom)
	requireState(t, m, before)

	// The store goes on working, and a successful Update keeps its writes.
	update(t, m, func(tx esfreg.Tx) error { return tx.CreateToken(esfreg.Token{Key: "k3"}) })
	view(t, m, func(tx esfreg.Tx) error {
		_, err := tx.Token("k3")
		return err
	})
}

// A panic in an Update's function rolls back too, and goes on.
func TestMemStore_UpdateRollsBackOnPanic(t *testing.T) {
	m := esfreg.NewMemStore()
	before := seedStore(t, m)
	require.PanicsWithValue(t, "boom", func() {
		_ = m.Update(ctx, func(tx esfreg.Tx) error {
			writeEverything(t, tx)
			panic("boom")
		})
	})
	requireState(t, m, before)
	// The lock was released.
	update(t, m, func(tx esfreg.Tx) error { return tx.CreateToken(esfreg.Token{Key: "k3"}) })
}

// A View's transaction reads, and every write through it is ErrReadOnly.
func TestMemStore_ViewIsReadOnly(t *testing.T) {
	m := esfreg.NewMemStore()
	before := seedStore(t, m)
	view(t, m, func(tx esfreg.Tx) error {
		_, err := tx.Account("111")
		require.NoError(t, err)
		noop := func(any) error { return nil }
		for name, write := range map[string]func() error{
			"CreateAccount": func() error { return tx.CreateAccount(esfreg.Account{IIN: "333"}) },
			"UpdateAccount": func() error {
				_, err := tx.UpdateAccount("111", func(a *esfreg.Account) error { return noop(a) })
				return err
			},
			"AddChange":     func() error { return tx.AddChange(esfreg.Change{}) },
			"CreateRequest": func() error { return tx.CreateRequest(esfreg.Request{ID: "r2"}) },
			"UpdateRequest": func() error {
				_, err := tx.UpdateRequest("r", func(r *esfreg.Request) error { return noop(r) })
				return err
			},
			"CreateToken": func() error { return tx.CreateToken(esfreg.Token{Key: "k2"}) },
			"UpdateToken": func() error {
				_, err := tx.UpdateToken("k", func(tk *esfreg.Token) error { return noop(tk) })
				return err
			},
			"Clear": func() error { return tx.(interface{ Clear() error }).Clear() },
		} {
			assert.ErrorIs(t, write(), esfreg.ErrReadOnly, name)
		}
		return nil
	})
	require.Equal(t, before, m.Snapshot())
}

// A transaction's Tx does not work once its Update or View returned, and
// a done context starts none.
func TestMemStore_TxEndsWithItsFunction(t *testing.T) {
	m := esfreg.NewMemStore()
	var kept esfreg.Tx
	update(t, m, func(tx esfreg.Tx) error { kept = tx; return nil })
	require.Error(t, kept.CreateToken(esfreg.Token{Key: "late"}))
	_, err := kept.Tokens()
	require.Error(t, err)

	done, cancel := context.WithCancel(ctx)
	cancel()
	ran := false
	err = m.Update(done, func(esfreg.Tx) error { ran = true; return nil })
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, ran)
}

// Updates run one at a time: increments read and written in separate
// calls of one transaction are never lost.
func TestMemStore_OneWriterAtATime(t *testing.T) {
	m := esfreg.NewMemStore()
	update(t, m, func(tx esfreg.Tx) error { return tx.CreateAccount(esfreg.Account{IIN: "c", Email: "0"}) })
	const n = 50
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			err := m.Update(ctx, func(tx esfreg.Tx) error {
				a, err := tx.Account("c")
				if err != nil {
					return err
				}
				var count int
				fmt.Sscan(a.Email, &count)
				runtime.Gosched()
				_, err = tx.UpdateAccount("c", func(a *esfreg.Account) error {
					a.Email = fmt.Sprint(count + 1)
					return nil
				})
				return err
			})
			assert.NoError(t, err)
		})
		wg.Go(func() {
			assert.NoError(t, m.View(ctx, func(tx esfreg.Tx) error {
				_, err := tx.Accounts()
				return err
			}))
		})
	}
	wg.Wait()
	view(t, m, func(tx esfreg.Tx) error {
		a, err := tx.Account("c")
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprint(n), a.Email)
		return nil
	})
}

// The listings for an export are ordered by key.
func TestMemStore_ListingsOrderedByKey(t *testing.T) {
	m := esfreg.NewMemStore()
	update(t, m, func(tx esfreg.Tx) error {
		for _, k := range []string{"b", "c", "a"} {
			require.NoError(t, tx.CreateAccount(esfreg.Account{IIN: k}))
			require.NoError(t, tx.CreateRequest(esfreg.Request{ID: k}))
			require.NoError(t, tx.CreateToken(esfreg.Token{Key: k}))
		}
		return nil
	})
	view(t, m, func(tx esfreg.Tx) error {
		as, err := tx.Accounts()
		require.NoError(t, err)
		rs, err := tx.Requests()
		require.NoError(t, err)
		ts, err := tx.Tokens()
		require.NoError(t, err)
		for i, want := range []string{"a", "b", "c"} {
			assert.Equal(t, want, as[i].IIN)
			assert.Equal(t, want, rs[i].ID)
			assert.Equal(t, want, ts[i].Key)
		}
		return nil
	})
}

// TestMemStore_SnapshotRoundTrip saves a store with every kind of record
// as JSON, restores it, and goes on working with the restored one.
func TestMemStore_SnapshotRoundTrip(t *testing.T) {
	f := newFixture(t)
	f.publish(company(binCompany, iinHead))
	f.register(esfreg.LegalEntity, iinHead, binCompany)
	_, pending := f.submit(esfreg.Individual, f.indSign(iinPerson), f.indSign(iinPerson))
	_, err := f.svc.StageTaxpayer(ctx, entrepreneur(iinPerson))
	require.NoError(t, err)

	st := f.store.Snapshot()
	b, err := json.Marshal(st)
	require.NoError(t, err)
	var back esfreg.MemState
	require.NoError(t, json.Unmarshal(b, &back))
	restored, err := esfreg.NewMemStoreFrom(back)
	require.NoError(t, err)
	b2, err := json.Marshal(restored.Snapshot())
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(b2))

	// The signers of the stored agreements survive as certificates.
	for _, r := range back.Requests {
		for _, a := range r.Agreements {
			require.NotNil(t, a.Signer)
			assert.Equal(t, r.IIN, a.Signer.IIN)
		}
	}

	svc := esfreg.New(esfreg.Config{Now: f.clock.Now, Hasher: esfreg.Bcrypt{Cost: bcrypt.MinCost}, Store: restored})
	_, err = svc.Login(ctx, esfreg.Credentials{Certificate: f.headAuth(iinHead, binCompany), Password: testPassword, TIN: binCompany})
	require.NoError(t, err)
	_, err = svc.Complete(ctx, pending.Token, esfreg.Credentials{Certificate: f.indAuth(iinPerson), Password: testPassword})
	require.NoError(t, err, "a pending request completes after a restore")
	f.clock.Set(almaty(2026, time.November, 18, 0, 0, 0))
	tp, err := svc.Taxpayer(ctx, iinPerson)
	require.NoError(t, err, "a staged change survives too")
	assert.True(t, tp.IsEntrepreneur())

	// Two records with one key are refused.
	dup := back
	dup.Accounts = append(dup.Accounts, dup.Accounts[0])
	_, err = esfreg.NewMemStoreFrom(dup)
	assert.ErrorIs(t, err, esfreg.ErrExists)

	var bad esfreg.SignedAgreement
	assert.Error(t, json.Unmarshal([]byte(`{"signer":"AAAA"}`), &bad))
}

// TestService_ConcurrentUse runs registrations, log-ins and register
// changes from many goroutines (go test -race), and completes one link from
// several at once: exactly one wins.
func TestService_ConcurrentUse(t *testing.T) {
	f := newFixture(t)
	const n = 8
	iins := make([]string, 0, n)
	authCerts := map[string]*certs.Certificate{}
	signCerts := map[string]*certs.Certificate{}
	for serial := 0; len(iins) < n; serial++ {
		iin, err := esfreg.NewIIN(time.Date(1980+len(iins), 1, 2, 0, 0, 0, 0, time.UTC), esfreg.SexFemale, serial)
		if err != nil {
			continue
		}
		people[string(iin)] = person{"ТЕСТОВА", fmt.Sprintf("ИМЯ%d", len(iins)), "ТЕСТОВНА"}
		iins = append(iins, string(iin))
		authCerts[string(iin)], signCerts[string(iin)] = f.indAuth(string(iin)), f.indSign(string(iin))
	}
	t.Cleanup(func() {
		for _, iin := range iins {
			delete(people, iin)
		}
	})

	var wg sync.WaitGroup
	errs := make(chan error, 4*n)
	for i, iin := range iins {
		wg.Add(2)
		go func() {
			defer wg.Done()
			app, err := f.svc.Begin(ctx, esfreg.Individual, signCerts[iin])
			if err != nil {
				errs <- err
				return
			}
			form := fill(app.Form(), false)
			var signed []esfreg.SignedAgreement
			for _, a := range app.Agreements(form, f.clock.Now()) {
				signed = append(signed, esfreg.SignedAgreement{Agreement: a, Signer: signCerts[iin]})
			}
			conf, err := f.svc.Submit(ctx, app, form, signed)
			if err != nil {
				errs <- err
				return
			}
			if _, err := f.svc.Complete(ctx, conf.Token, esfreg.Credentials{Certificate: authCerts[iin], Password: testPassword}); err != nil {
				errs <- err
				return
			}
			if _, err := f.svc.Login(ctx, esfreg.Credentials{Certificate: authCerts[iin], Password: testPassword, TIN: iin}); err != nil {
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			tp := entrepreneur(iinEntrepreneur)
			tp.AddressRu = fmt.Sprint("адрес ", i)
			if _, err := f.svc.StageTaxpayer(ctx, tp); err != nil {
				errs <- err
			}
			if _, err := f.svc.PendingChanges(ctx); err != nil {
				errs <- err
			}
			if _, err := f.svc.GeneratePassword(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Len(t, f.store.Snapshot().Accounts, n)

	// One link, followed by several at once.
	_, conf := f.submit(esfreg.Individual, f.indSign(iinPerson), f.indSign(iinPerson))
	auth := f.indAuth(iinPerson)
	var wins, used int
	var mu sync.Mutex
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.Complete(ctx, conf.Token, esfreg.Credentials{Certificate: auth, Password: testPassword})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, esfreg.ErrTokenUsed):
				used++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, wins)
	assert.Equal(t, n-1, used)
}

// FuzzMemStateJSON reads state files as the mock would load them: never a
// panic, what loads saves back to the same state, and saving, loading and
// saving again writes the same file.
func FuzzMemStateJSON(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	fx := newFixture(f)
	fx.publish(company(binCompany, iinHead))
	fx.register(esfreg.LegalEntity, iinHead, binCompany)
	// Small seeds, one record of each kind: Go's fuzzer minimizes every new
	// input it finds, and big ones take it long. The signer is the smallest
	// certificate at hand (the GOST 2004 root fixture, 570 bytes); the
	// registration's own is a kilobyte larger.
	small, err := certstest.ReadFixture(certstest.FixtureGOST2004RootCA)
	require.NoError(f, err)
	signer, err := certs.ParseCertificate(small)
	require.NoError(f, err)
	st := fx.store.Snapshot()
	req := st.Requests[0]
	req.Form = esfreg.Form{}
	req.Agreements = req.Agreements[:1]
	req.Agreements[0].Document = nil
	req.Agreements[0].Signer = signer
	for _, part := range []esfreg.MemState{
		{Accounts: st.Accounts[:1]},
		{Changes: st.Changes[:1]},
		{Requests: []esfreg.Request{req}},
		{Tokens: st.Tokens[:1]},
	} {
		seed, err := json.Marshal(part)
		require.NoError(f, err)
		f.Add(seed)
	}
	f.Add([]byte(`{"accounts":[{"login":"1"},{"login":"1"}]}`))
	f.Add([]byte(`{"requests":[{"id":"r","category":"NOPE"}]}`))
	f.Add([]byte(`{"requests":[{"id":"r","agreements":[{"signer":"MAA=","agreement":{"kind":"LEGAL_ENTITY"}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var st esfreg.MemState
		if json.Unmarshal(data, &st) != nil {
			return
		}
		m, err := esfreg.NewMemStoreFrom(st)
		if err != nil {
			return
		}
		again, err := esfreg.NewMemStoreFrom(m.Snapshot())
		require.NoError(t, err)
		require.Equal(t, m.Snapshot(), again.Snapshot())
		saved, err := json.Marshal(m.Snapshot())
		require.NoError(t, err)
		var loaded esfreg.MemState
		require.NoError(t, json.Unmarshal(saved, &loaded))
		reloaded, err := esfreg.NewMemStoreFrom(loaded)
		require.NoError(t, err, "the saved state does not load")
		resaved, err := json.Marshal(reloaded.Snapshot())
		require.NoError(t, err)
		require.Equal(t, string(saved), string(resaved))
	})
}

// ProfilesByTIN follows the accounts through creation and every update:
// a profile added, its TIN changed, removed.
func TestMemStoreProfilesByTINFollowsUpdates(t *testing.T) {
	m := esfreg.NewMemStore()
	profile := func(iin, tin string, pt esfreg.ProfileType) esfreg.Profile {
		return esfreg.Profile{IIN: iin, TIN: tin, Type: pt, Status: esfreg.StatusActive}
	}
	tins := func(st esfreg.Store, tin string) []string {
		var out []string
		view(t, st, func(tx esfreg.Tx) error {
			ps, err := tx.ProfilesByTIN(tin)
			require.NoError(t, err)
			for _, p := range ps {
				out = append(out, p.IIN)
			}
			return nil
		})
		return out
	}
	updateAccount := func(iin string, fn func(*esfreg.Account) error) error {
		return m.Update(ctx, func(tx esfreg.Tx) error {
			_, err := tx.UpdateAccount(iin, fn)
			return err
		})
	}
	update(t, m, func(tx esfreg.Tx) error {
		require.NoError(t, tx.CreateAccount(esfreg.Account{IIN: "111", Profiles: []esfreg.Profile{profile("111", "111", esfreg.ProfileIndividual)}}))
		require.NoError(t, tx.CreateAccount(esfreg.Account{IIN: "222", Profiles: []esfreg.Profile{profile("222", "900", esfreg.ProfileAdminEnterprise)}}))
		return nil
	})
	assert.Equal(t, []string{"222"}, tins(m, "900"))
	require.NoError(t, updateAccount("111", func(a *esfreg.Account) error {
		a.Profiles = append(a.Profiles, profile("111", "900", esfreg.ProfileAdminEnterprise))
		return nil
	}))
	assert.Equal(t, []string{"111", "222"}, tins(m, "900"))
	require.NoError(t, updateAccount("222", func(a *esfreg.Account) error {
		a.Profiles[0].TIN = "901"
		return nil
	}))
	assert.Equal(t, []string{"111"}, tins(m, "900"))
	assert.Equal(t, []string{"222"}, tins(m, "901"))
	require.NoError(t, updateAccount("111", func(a *esfreg.Account) error {
		a.Profiles = a.Profiles[:1]
		return nil
	}))
	assert.Empty(t, tins(m, "900"))
	assert.Equal(t, []string{"111"}, tins(m, "111"))
	// A refused update changes nothing.
	require.Error(t, updateAccount("222", func(a *esfreg.Account) error {
		a.Profiles = nil
		return errors.New("no")
	}))
	assert.Equal(t, []string{"222"}, tins(m, "901"))
	// A store restored from a snapshot has the same index.
	again, err := esfreg.NewMemStoreFrom(m.Snapshot())
	require.NoError(t, err)
	assert.Equal(t, []string{"222"}, tins(again, "901"))
}

// BenchmarkProfilesByTIN: the cost of a lookup does not grow with the
// number of accounts (an index, not a scan).
func BenchmarkProfilesByTIN(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := esfreg.NewMemStore()
			update(b, m, func(tx esfreg.Tx) error {
				for i := range n {
					iin := fmt.Sprintf("%012d", i)
					if err := tx.CreateAccount(esfreg.Account{IIN: iin, Profiles: []esfreg.Profile{{IIN: iin, TIN: iin, Type: esfreg.ProfileIndividual}}}); err != nil {
						return err
					}
				}
				return nil
			})
			for i := 0; b.Loop(); i++ {
				err := m.View(ctx, func(tx esfreg.Tx) error {
					_, err := tx.ProfilesByTIN(fmt.Sprintf("%012d", i%n))
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
