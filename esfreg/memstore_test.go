package esfreg_test

import (
	"encoding/json"
	"errors"
	"fmt"
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

func TestMemStore_CopiesInAndOut(t *testing.T) {
	m := esfreg.NewMemStore()
	a := esfreg.Account{IIN: iinPerson, Email: "a@b.kz", Profiles: []esfreg.Profile{{TIN: iinPerson, Type: esfreg.ProfileIndividual}}}
	require.NoError(t, m.CreateAccount(a))
	a.Profiles[0].Type = esfreg.ProfileEntrepreneur // the caller's copy
	got, err := m.Account(iinPerson)
	require.NoError(t, err)
	assert.Equal(t, esfreg.ProfileIndividual, got.Profiles[0].Type)
	got.Profiles[0].Status = esfreg.StatusBlocked // the store's answer
	again, err := m.Account(iinPerson)
	require.NoError(t, err)
	assert.Empty(t, again.Profiles[0].Status)

	r := esfreg.Request{ID: "r1", Profiles: []esfreg.ProfileType{esfreg.ProfileIndividual},
		Agreements: []esfreg.SignedAgreement{{Document: []byte("doc")}}}
	require.NoError(t, m.CreateRequest(r))
	r.Agreements[0].Document[0] = 'X'
	got2, err := m.Request("r1")
	require.NoError(t, err)
	assert.Equal(t, "doc", string(got2.Agreements[0].Document))
}

func TestMemStore_NotFoundExistsAndFailedUpdates(t *testing.T) {
	m := esfreg.NewMemStore()
	_, err := m.Account("x")
	assert.ErrorIs(t, err, esfreg.ErrNotFound)
	_, err = m.UpdateAccount("x", func(*esfreg.Account) error { return nil })
	assert.ErrorIs(t, err, esfreg.ErrNotFound)
	_, err = m.Request("x")
	assert.ErrorIs(t, err, esfreg.ErrNotFound)
	_, err = m.UpdateRequest("x", func(*esfreg.Request) error { return nil })
	assert.ErrorIs(t, err, esfreg.ErrNotFound)
	_, err = m.Token("x")
	assert.ErrorIs(t, err, esfreg.ErrNotFound)
	_, err = m.UpdateToken("x", func(*esfreg.Token) error { return nil })
	assert.ErrorIs(t, err, esfreg.ErrNotFound)

	require.NoError(t, m.CreateAccount(esfreg.Account{IIN: "a", Email: "1"}))
	assert.ErrorIs(t, m.CreateAccount(esfreg.Account{IIN: "a"}), esfreg.ErrExists)
	require.NoError(t, m.CreateRequest(esfreg.Request{ID: "r"}))
	assert.ErrorIs(t, m.CreateRequest(esfreg.Request{ID: "r"}), esfreg.ErrExists)
	require.NoError(t, m.CreateToken(esfreg.Token{Key: "k"}))
	assert.ErrorIs(t, m.CreateToken(esfreg.Token{Key: "k"}), esfreg.ErrExists)

	boom := errors.New("boom")
	_, err = m.UpdateAccount("a", func(a *esfreg.Account) error { a.Email = "2"; return boom })
	assert.ErrorIs(t, err, boom)
	a, err := m.Account("a")
	require.NoError(t, err)
	assert.Equal(t, "1", a.Email, "a failed update stores nothing")
	_, err = m.UpdateToken("k", func(tk *esfreg.Token) error { tk.IIN = "x"; return boom })
	assert.ErrorIs(t, err, boom)
	tk, err := m.Token("k")
	require.NoError(t, err)
	assert.Empty(t, tk.IIN)

	// The key does not change under an update.
	a, err = m.UpdateAccount("a", func(a *esfreg.Account) error { a.IIN = "b"; return nil })
	require.NoError(t, err)
	assert.Equal(t, "a", a.IIN)
}

// TestMemStore_SnapshotRoundTrip saves a store with every kind of record
// as JSON, restores it, and goes on working with the restored one.
func TestMemStore_SnapshotRoundTrip(t *testing.T) {
	f := newFixture(t)
	f.publish(company(binCompany, iinHead))
	f.register(esfreg.LegalEntity, iinHead, binCompany)
	_, pending := f.submit(esfreg.Individual, f.indSign(iinPerson), f.indSign(iinPerson))
	_, err := f.svc.StageTaxpayer(entrepreneur(iinPerson))
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

	svc := esfreg.New(esfreg.Config{Now: f.clock.Now, Hasher: esfreg.Bcrypt{Cost: bcrypt.MinCost},
		Accounts: restored, Register: restored, Requests: restored, Tokens: restored})
	_, err = svc.Login(esfreg.Credentials{Certificate: f.headAuth(iinHead, binCompany), Password: testPassword, TIN: binCompany})
	require.NoError(t, err)
	_, err = svc.Complete(pending.Token, esfreg.Credentials{Certificate: f.indAuth(iinPerson), Password: testPassword})
	require.NoError(t, err, "a pending request completes after a restore")
	f.clock.Set(almaty(2026, time.November, 18, 0, 0, 0))
	tp, err := svc.Taxpayer(iinPerson)
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
			app, err := f.svc.Begin(esfreg.Individual, signCerts[iin])
			if err != nil {
				errs <- err
				return
			}
			form := fill(app.Form(), false)
			var signed []esfreg.SignedAgreement
			for _, a := range app.Agreements(form, f.clock.Now()) {
				signed = append(signed, esfreg.SignedAgreement{Agreement: a, Signer: signCerts[iin]})
			}
			conf, err := f.svc.Submit(app, form, signed)
			if err != nil {
				errs <- err
				return
			}
			if _, err := f.svc.Complete(conf.Token, esfreg.Credentials{Certificate: authCerts[iin], Password: testPassword}); err != nil {
				errs <- err
				return
			}
			if _, err := f.svc.Login(esfreg.Credentials{Certificate: authCerts[iin], Password: testPassword, TIN: iin}); err != nil {
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			tp := entrepreneur(iinEntrepreneur)
			tp.AddressRu = fmt.Sprint("адрес ", i)
			if _, err := f.svc.StageTaxpayer(tp); err != nil {
				errs <- err
			}
			if _, err := f.svc.PendingChanges(); err != nil {
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
			_, err := f.svc.Complete(conf.Token, esfreg.Credentials{Certificate: auth, Password: testPassword})
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
	require.NoError(t, m.CreateAccount(esfreg.Account{IIN: "111", Profiles: []esfreg.Profile{profile("111", "111", esfreg.ProfileIndividual)}}))
	require.NoError(t, m.CreateAccount(esfreg.Account{IIN: "222", Profiles: []esfreg.Profile{profile("222", "900", esfreg.ProfileAdminEnterprise)}}))
	tins := func(tin string) []string {
		ps, err := m.ProfilesByTIN(tin)
		require.NoError(t, err)
		var out []string
		for _, p := range ps {
			out = append(out, p.IIN)
		}
		return out
	}
	assert.Equal(t, []string{"222"}, tins("900"))
	_, err := m.UpdateAccount("111", func(a *esfreg.Account) error {
		a.Profiles = append(a.Profiles, profile("111", "900", esfreg.ProfileAdminEnterprise))
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"111", "222"}, tins("900"))
	_, err = m.UpdateAccount("222", func(a *esfreg.Account) error {
		a.Profiles[0].TIN = "901"
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"111"}, tins("900"))
	assert.Equal(t, []string{"222"}, tins("901"))
	_, err = m.UpdateAccount("111", func(a *esfreg.Account) error {
		a.Profiles = a.Profiles[:1]
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, tins("900"))
	assert.Equal(t, []string{"111"}, tins("111"))
	// A refused update changes nothing.
	_, err = m.UpdateAccount("222", func(a *esfreg.Account) error {
		a.Profiles = nil
		return errors.New("no")
	})
	require.Error(t, err)
	assert.Equal(t, []string{"222"}, tins("901"))
	// A store restored from a snapshot has the same index.
	again, err := esfreg.NewMemStoreFrom(m.Snapshot())
	require.NoError(t, err)
	ps, err := again.ProfilesByTIN("901")
	require.NoError(t, err)
	require.Len(t, ps, 1)
	assert.Equal(t, "222", ps[0].IIN)
}

// BenchmarkProfilesByTIN: the cost of a lookup does not grow with the
// number of accounts (an index, not a scan).
func BenchmarkProfilesByTIN(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := esfreg.NewMemStore()
			for i := range n {
				iin := fmt.Sprintf("%012d", i)
				if err := m.CreateAccount(esfreg.Account{IIN: iin, Profiles: []esfreg.Profile{{IIN: iin, TIN: iin, Type: esfreg.ProfileIndividual}}}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.ProfilesByTIN(fmt.Sprintf("%012d", i%n)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
