package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// errUpdate is what the cases' failing update functions return.
var errUpdate = errors.New("storetest: update refused")

// account returns an account of iin with a profile for each TIN: an
// INDIVIDUAL one for iin itself, ADMIN_ENTERPRISE for any other.
func account(iin string, tins ...string) esfreg.Account {
	a := esfreg.Account{
		IIN: iin, Email: "user" + iin + "@example.kz", PasswordHash: "$2a$04$hash" + iin,
		FullName: "ТЕСТОВ ТЕСТ ТЕСТОВИЧ", IDDocumentNumber: "043512345", IDDocumentIssueDate: "19.11.2014",
		IDDocumentIssuer: "МВД РК", Address: "010000, Казахстан, г. Астана, ул. Мира 4",
		Status: esfreg.StatusActive, CreatedAt: t0,
	}
	for i, tin := range tins {
		typ := esfreg.ProfileAdminEnterprise
		if tin == iin {
			typ = esfreg.ProfileIndividual
		}
		at := t0.Add(time.Duration(i) * time.Minute)
		a.Profiles = append(a.Profiles, esfreg.Profile{
			IIN: iin, TIN: tin, Type: typ, Status: esfreg.StatusActive, Kind: esfreg.ProfileGeneral,
			CreatedAt: at, StatusChangedAt: at,
		})
	}
	return a
}

// signer is the certificate of request's second agreement: certstest's
// committed intermediate CA, which any certificate will do for.
var signer = sync.OnceValue(func() *certs.Certificate {
	der, err := certstest.ReadFixture(certstest.FixtureIntermediateCA)
	if err != nil {
		panic("storetest: " + err.Error())
	}
	c, err := certs.ParseCertificate(der)
	if err != nil {
		panic("storetest: " + err.Error())
	}
	return c
})

// request returns a pending request with the slices a copy must not
// share: profiles, heads replaced, agreements and their documents. Its
// first agreement has no signer, its second one.
func request(id string) esfreg.Request {
	date := time.Date(2026, 11, 15, 19, 0, 0, 0, time.UTC)
	return esfreg.Request{
		ID: id, Category: esfreg.LegalEntity, IIN: "850314312344", BIN: "100440123456",
		Email: "head@example.kz", FullName: "АХМЕТОВ АРМАН СЕРИКОВИЧ", CompanyName: `ТОО "КОМПАНИЯ 3456"`,
		Form: esfreg.Form{
			Category: esfreg.LegalEntity, IIN: "850314312344", Email: "head@example.kz",
			FullName: "АХМЕТОВ АРМАН СЕРИКОВИЧ", BIN: "100440123456", Address: "Астана",
		},
		PasswordHash: "$2a$04$hash",
		Agreements: []esfreg.SignedAgreement{{
			Agreement: esfreg.Agreement{Kind: esfreg.AgreementLegalEntity, Date: date, Requisites: esfreg.Requisites{
				IIN: "850314312344", FullName: "АХМЕТОВ АРМАН СЕРИКОВИЧ", BIN: "100440123456", IDDocumentIssueDate: date,
			}},
			Document: []byte("<signed/>"),
		}, {
			Agreement: esfreg.Agreement{Kind: esfreg.AgreementIndividual, Date: date, Requisites: esfreg.Requisites{
				IIN: "850314312344", FullName: "АХМЕТОВ АРМАН СЕРИКОВИЧ", IDDocumentIssueDate: date,
			}},
			Signer:   signer(),
			Document: []byte("<agreement>второе</agreement>"),
		}},
		Profiles:      []esfreg.ProfileType{esfreg.ProfileIndividual, esfreg.ProfileAdminEnterprise},
		ReplacesHeads: []string{"781130307771"},
		Status:        esfreg.RequestPending,
		CreatedAt:     t0,
		ExpiresAt:     t0.Add(24 * time.Hour),
	}
}

func token(key string) esfreg.Token {
	return esfreg.Token{
		Key: key, Purpose: esfreg.PurposeRegistration, IIN: "850314312344", Email: "head@example.kz",
		RequestID: "req-" + key, CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour),
	}
}

func change(tin, name string, at time.Time) esfreg.Change {
	return esfreg.PublishedChange(esfreg.Taxpayer{TIN: tin, NameRu: name, Resident: true}, at)
}

// Keys whose order differs between bytewise comparison (Go's, and what
// the interfaces promise) and most locales' collations.
var orderedKeys = []string{"A-1", "B", "_x", "a", "a b", "ab", "Ω"}

// shuffled is orderedKeys in another order.
var shuffled = []string{"ab", "_x", "Ω", "A-1", "a b", "B", "a"}

var accountCases = []storeCase{
	{"NotFound", func(t *testing.T, st mockstore.Store) {
		view(t, st, func(tx mockstore.Tx) error {
			_, err := tx.Account("850314312344")
			require.ErrorIs(t, err, esfreg.ErrNotFound)
			all, err := tx.Accounts()
			require.NoError(t, err)
			require.Empty(t, all)
			ps, err := tx.ProfilesByTIN("850314312344")
			require.NoError(t, err)
			require.Empty(t, ps)
			return nil
		})
		err := st.Update(t.Context(), func(tx mockstore.Tx) error {
			_, err := tx.UpdateAccount("850314312344", func(*esfreg.Account) error {
				t.Error("update called for a missing account")
				return nil
			})
			return err
		})
		require.ErrorIs(t, err, esfreg.ErrNotFound)
	}},
	{"CreateReadAndExists", func(t *testing.T, st mockstore.Store) {
		a := account("850314312344", "850314312344", "100440123456")
		update(t, st, func(tx mockstore.Tx) error { return tx.CreateAccount(a) })
		other := account("850314312344")
		other.Email = "other@example.kz"
		err := st.Update(t.Context(), func(tx mockstore.Tx) error { return tx.CreateAccount(other) })
		require.ErrorIs(t, err, esfreg.ErrExists)
		view(t, st, func(tx mockstore.Tx) error {
			got, err := tx.Account(a.IIN)
			require.NoError(t, err)
			require.Equal(t, a, got, "the first account stays")
			return nil
		})
	}},
	{"ExistsInsideTheTransaction", func(t *testing.T, st mockstore.Store) {
		// A duplicate is an answer, not a failure: the transaction goes
		// on and commits.
		update(t, st, func(tx mockstore.Tx) error {
			require.NoError(t, tx.CreateAccount(account("850314312344")))
			require.ErrorIs(t, tx.CreateAccount(account("850314312344")), esfreg.ErrExists)
			return tx.CreateAccount(account("900702443212"))
		})
		view(t, st, func(tx mockstore.Tx) error {
			all, err := tx.Accounts()
			require.NoError(t, err)
			require.Len(t, all, 2)
			return nil
		})
	}},
	{"Copies", func(t *testing.T, st mockstore.Store) {
		a := account("850314312344", "850314312344", "100440123456")
		want := account("850314312344", "850314312344", "100440123456")
		update(t, st, func(tx mockstore.Tx) error { return tx.CreateAccount(a) })
		a.Profiles[0].TIN, a.Email = "changed", "changed" // after CreateAccount

		var kept *esfreg.Account
		update(t, st, func(tx mockstore.Tx) error {
			got, err := tx.Account(want.IIN)
			require.NoError(t, err)
			require.Equal(t, want, got)
			got.Profiles[0].Status = esfreg.UserStatus("CHANGED") // a read value
			got, err = tx.UpdateAccount(want.IIN, func(a *esfreg.Account) error {
				kept = a
				return nil
			})
			require.NoError(t, err)
			got.Profiles[1].TIN = "changed" // UpdateAccount's result
			return nil
		})
		kept.Profiles[0].TIN = "changed" // what update was given, afterwards
		view(t, st, func(tx mockstore.Tx) error {
			got, err := tx.Account(want.IIN)
			require.NoError(t, err)
			require.Equal(t, want, got)
			all, err := tx.Accounts()
			require.NoError(t, err)
			all[0].Profiles[0].TIN = "changed"
			got, err = tx.Account(want.IIN)
			require.NoError(t, err)
			require.Equal(t, want, got)
			ps, err := tx.ProfilesByTIN("100440123456")
			require.NoError(t, err)
			require.Equal(t, want.Profiles[1:], ps)
			return nil
		})
		// Transaction after transaction: what one caller does with its
		// copy is not what the next one reads (a store may remember what
		// it decoded).
		for i := range 3 {
			view(t, st, func(tx mockstore.Tx) error {
				got, err := tx.Account(want.IIN)
				require.NoError(t, err)
				require.Equal(t, want, got, "read %d", i)
				got.Profiles[0].Status, got.Email = "CHANGED", "changed"
				got.Profiles = append(got.Profiles[:1], got.Profiles[0])
				return nil
			})
		}
	}},
	{"Update", func(t *testing.T, st mockstore.Store) {
		a := account("850314312344", "850314312344")
		update(t, st, func(tx mockstore.Tx) error { return tx.CreateAccount(a) })
		want := a
		want.Email = "new@example.kz"
		update(t, st, func(tx mockstore.Tx) error {
			got, err := tx.UpdateAccount(a.IIN, func(a *esfreg.Account) error {
				a.Email = "new@example.kz"
				a.IIN = "900702443212" // the key does not change
				return nil
			})
			require.NoError(t, err)
			require.Equal(t, want, got)
			got, err = tx.Account(a.IIN)
			require.NoError(t, err)
			require.Equal(t, want, got, "the transaction reads its own write")
			return nil
		})
		view(t, st, func(tx mockstore.Tx) error {
			got, err := tx.Account(a.IIN)
			require.NoError(t, err)
			require.Equal(t, want, got)
			_, err = tx.Account("900702443212")
			require.ErrorIs(t, err, esfreg.ErrNotFound)
			return nil
		})
	}},
	{"UpdateRefused", func(t *testing.T, st mockstore.Store) {
		a := account("850314312344", "850314312344")
		update(t, st, func(tx mockstore.Tx) error { return tx.CreateAccount(a) })
		update(t, st, func(tx mockstore.Tx) error {
			_, err := tx.UpdateAccount(a.IIN, func(a *esfreg.Account) error {
				a.Email = "new@example.kz"
				a.Profiles = append(a.Profiles, account(a.IIN, "100440123456").Profiles...)
				return errUpdate
			})
			require.ErrorIs(t, err, errUpdate)
			got, err := tx.Account(a.IIN)
			require.NoError(t, err)
			require.Equal(t, a, got, "a refused update stores nothing")
			ps, err := tx.ProfilesByTIN("100440123456")
			require.NoError(t, err)
			require.Empty(t, ps)
			return nil // and the transaction commits
		})
		view(t, st, func(tx mockstore.Tx) error {
			got, err := tx.Account(a.IIN)
			require.NoError(t, err)
			require.Equal(t, a, got)
			return nil
		})
	}},
	{"ProfilesByTIN", func(t *testing.T, st mockstore.Store) {
		const (
			bin   = "100440123456"
			other = "150940678908"
		)
		// Created out of order; one account has two profiles for bin's
		// TIN (different types), which keep their order.
		head := account("850314312344", "850314312344", bin)
		second := account("781130307771", other, bin)
		third := account("900702443212", "900702443212")
		third.Profiles = append(third.Profiles,
			esfreg.Profile{IIN: third.IIN, TIN: bin, Type: esfreg.ProfileAdminEnterprise, Status: esfreg.StatusEnterpriseAdminChangeBlocked, Kind: esfreg.ProfileGeneral, CreatedAt: t0, StatusChangedAt: t0},
			esfreg.Profile{IIN: third.IIN, TIN: bin, Type: esfreg.ProfileType("OTHER"), Status: esfreg.StatusActive, Kind: esfreg.ProfileGeneral, CreatedAt: t0, StatusChangedAt: t0},
		)
		update(t, st, func(tx mockstore.Tx) error {
			for _, a := range []esfreg.Account{head, third, second} {
				require.NoError(t, tx.CreateAccount(a))
			}
			ps, err := tx.ProfilesByTIN(bin)
			require.NoError(t, err)
			require.Equal(t, []esfreg.Profile{second.Profiles[1], head.Profiles[1], third.Profiles[1], third.Profiles[2]}, ps,
				"ordered by IIN, inside the transaction that created them")
			return nil
		})
		requireProfiles := func(tin string, want ...esfreg.Profile) {
			t.Helper()
			view(t, st, func(tx mockstore.Tx) error {
				ps, err := tx.ProfilesByTIN(tin)
				require.NoError(t, err)
				if len(want) == 0 {
					require.Empty(t, ps)
				} else {
					require.Equal(t, want, ps)
				}
				return nil
			})
		}
		requireProfiles(bin, second.Profiles[1], head.Profiles[1], third.Profiles[1], third.Profiles[2])
		requireProfiles(other, second.Profiles[0])
		requireProfiles(third.IIN, third.Profiles[0])
		requireProfiles("000000000000")

		// The head's profile moves from bin to other; the third person
		// loses both of bin's.
		update(t, st, func(tx mockstore.Tx) error {
			var err error
			head, err = tx.UpdateAccount(head.IIN, func(a *esfreg.Account) error {
				a.Profiles[1].TIN = other
				return nil
			})
			require.NoError(t, err)
			third, err = tx.UpdateAccount(third.IIN, func(a *esfreg.Account) error {
				a.Profiles = a.Profiles[:1]
				return nil
			})
			return err
		})
		requireProfiles(bin, second.Profiles[1])
		requireProfiles(other, second.Profiles[0], head.Profiles[1])
		requireProfiles(third.IIN, third.Profiles[0])

		// A status change shows too.
		update(t, st, func(tx mockstore.Tx) error {
			var err error
			second, err = tx.UpdateAccount(second.IIN, func(a *esfreg.Account) error {
				a.Profiles[1].Status = esfreg.StatusEnterpriseAdminChangeBlocked
				return nil
			})
			return err
		})
		requireProfiles(bin, second.Profiles[1])
	}},
	{"AccountsOrdered", func(t *testing.T, st mockstore.Store) {
		update(t, st, func(tx mockstore.Tx) error {
			for _, iin := range shuffled {
				require.NoError(t, tx.CreateAccount(account(iin)))
			}
			return nil
		})
		view(t, st, func(tx mockstore.Tx) error {
			all, err := tx.Accounts()
			require.NoError(t, err)
			var iins []string
			for _, a := range all {
				iins = append(iins, a.IIN)
			}
			require.Equal(t, orderedKeys, iins)
			return nil
		})
	}},
}

var registerCases = []storeCase{
	{"Empty", func(t *testing.T, st mockstore.Store) {
		view(t, st, func(tx mockstore.Tx) error {
			cs, err := tx.Changes("100440123456")
			require.NoError(t, err)
			require.Empty(t, cs)
			cs, err = tx.AllChanges()
			require.NoError(t, err)
			require.Empty(t, cs)
			return nil
		})
	}},
	{"InTheOrderAdded", func(t *testing.T, st mockstore.Store) {
		// Times out of order: the order is the order added.
		c := []esfreg.Change{
			change("100440123456", "ТОО 1", t0.Add(time.Hour)),
			change("150940678908", "ТОО A", t0),
			change("100440123456", "ТОО 2", t0),
			esfreg.StagedChange(esfreg.Taxpayer{TIN: "100440123456", NameRu: "ТОО 3"}, t0.Add(-time.Hour)),
		}
		c[3].Removed = true
		c[3].EffectiveAt = c[3].EffectiveAt.UTC() // NextRefresh answers in Almaty's location
		update(t, st, func(tx mockstore.Tx) error {
			require.NoError(t, tx.AddChange(c[0]))
			require.NoError(t, tx.AddChange(c[1]))
			return nil
		})
		update(t, st, func(tx mockstore.Tx) error {
			require.NoError(t, tx.AddChange(c[2]))
			require.NoError(t, tx.AddChange(c[3]))
			got, err := tx.Changes("100440123456")
			require.NoError(t, err)
			require.Equal(t, []esfreg.Change{c[0], c[2], c[3]}, got, "inside the transaction")
			return nil
		})
		view(t, st, func(tx mockstore.Tx) error {
			got, err := tx.Changes("100440123456")
			require.NoError(t, err)
			require.Equal(t, []esfreg.Change{c[0], c[2], c[3]}, got)
			got[0].Taxpayer.NameRu = "changed"
			got, err = tx.Changes("150940678908")
			require.NoError(t, err)
			require.Equal(t, []esfreg.Change{c[1]}, got)
			got, err = tx.AllChanges()
			require.NoError(t, err)
			require.Equal(t, c, got)
			return nil
		})
	}},
}

var requestCases = []storeCase{
	{"NotFoundAndExists", func(t *testing.T, st mockstore.Store) {
		r := request("r1")
		update(t, st, func(tx mockstore.Tx) error {
			_, err := tx.Request("r1")
			require.ErrorIs(t, err, esfreg.ErrNotFound)
			_, err = tx.UpdateRequest("r1", func(*esfreg.Request) error { return nil })
			require.ErrorIs(t, err, esfreg.ErrNotFound)
			require.NoError(t, tx.CreateRequest(r))
			other := request("r1")
			other.Email = "other@example.kz"
			require.ErrorIs(t, tx.CreateRequest(other), esfreg.ErrExists)
			return nil
		})
		view(t, st, func(tx mockstore.Tx) error {
			got, err := tx.Request("r1")
			require.NoError(t, err)
			require.Equal(t, r, got)
			return nil
		})
	}},
	{"CopiesAndUpdate", func(t *testing.T, st mockstore.Store) {
		r, want := request("r1"), request("r1")
		update(t, st, func(tx mockstore.Tx) error { return tx.CreateRequest(r) })
		r.Agreements[0].Document[1] = 'X'
		r.Profiles[0], r.ReplacesHeads[0] = "changed", "changed"

		var kept *esfreg.Request
		update(t, st, func(tx mockstore.Tx) error {
			got, err := tx.Request("r1")
			require.NoError(t, err)
			require.Equal(t, want, got)
			got.Agreements[0].Document[1] = 'X'
			got, err = tx.UpdateRequest("r1", func(r *esfreg.Request) error {
				kept = r
				r.Status, r.CompletedAt = esfreg.RequestCompleted, t0.Add(time.Hour)
				r.ID = "r2" // the key does not change
				return nil
			})
			require.NoError(t, err)
			want.Status, want.CompletedAt = esfreg.RequestCompleted, t0.Add(time.Hour)
			require.Equal(t, want, got)
			got.Profiles[0] = "changed"
			return nil
		})
		kept.Agreements[0].Document[1] = 'Y'
		kept.ReplacesHeads[0] = "changed"
		update(t, st, func(tx mockstore.Tx) error {
			got, err := tx.Request("r1")
			require.NoError(t, err)
			require.Equal(t, want, got)
			_, err = tx.Request("r2")
			require.ErrorIs(t, err, esfreg.ErrNotFound)
			_, err = tx.UpdateRequest("r1", func(r *esfreg.Request) error {
				r.Status = esfreg.RequestPending
				r.Profiles = nil
				return errUpdate
			})
			require.ErrorIs(t, err, errUpdate)
			got, err = tx.Request("r1")
			require.NoError(t, err)
			require.Equal(t, want, got, "a refused update stores nothing")
			return nil
		})
	}},
	{"AgreementsChange", func(t *testing.T, st mockstore.Store) {
		// An update may change, drop or add agreements; a request may
		// have none.
		none := request("r0")
		none.Agreements = nil
		update(t, st, func(tx mockstore.Tx) error {
			require.NoError(t, tx.CreateRequest(none))
			return tx.CreateRequest(request("r1"))
		})
		want := request("r1")
		steps := []func(r *esfreg.Request){
			func(r *esfreg.Request) { r.Agreements[1].Document = []byte("<agreement>другое</agreement>") },
			func(r *esfreg.Request) { r.Agreements[0].Agreement.Requisites.FullName = "ДРУГОЙ" },
			func(r *esfreg.Request) { r.Agreements[0].Signer, r.Agreements[1].Signer = signer(), nil },
			func(r *esfreg.Request) { r.Agreements = r.Agreements[1:] },
			func(r *esfreg.Request) { r.Agreements = append(r.Agreements, request("x").Agreements...) },
			func(r *esfreg.Request) { r.Agreements = nil },
			func(r *esfreg.Request) { r.Agreements = request("x").Agreements },
		}
		for i, step := range steps {
			step(&want)
			update(t, st, func(tx mockstore.Tx) error {
				got, err := tx.UpdateRequest("r1", func(r *esfreg.Request) error {
					step(r)
					return nil
				})
				require.NoError(t, err)
				require.Equal(t, want, got, "step %d", i)
				return nil
			})
			view(t, st, func(tx mockstore.Tx) error {
				got, err := tx.Request("r1")
				require.NoError(t, err)
				require.Equal(t, want, got, "step %d", i)
				all, err := tx.Requests()
				require.NoError(t, err)
				require.Equal(t, []esfreg.Request{none, want}, all, "step %d", i)
				return nil
			})
		}
	}},
	{"Ordered", func(t *testing.T, st mockstore.Store) {
		update(t, st, func(tx mockstore.Tx) error {
			for _, id := range shuffled {
				require.NoError(t, tx.CreateRequest(request(id)))
			}
			return nil
		})
		view(t, st, func(tx mockstore.Tx) error {
			all, err := tx.Requests()
			require.NoError(t, err)
			var ids []string
			for _, r := range all {
				ids = append(ids, r.ID)
			}
			require.Equal(t, orderedKeys, ids)
			require.Equal(t, request("a"), all[3])
			return nil
		})
	}},
}

var tokenCases = []storeCase{
	{"NotFoundAndExists", func(t *testing.T, st mockstore.Store) {
		tk := token("k1")
		update(t, st, func(tx mockstore.Tx) error {
			_, err := tx.Token("k1")
			require.ErrorIs(t, err, esfreg.ErrNotFound)
			_, err = tx.UpdateToken("k1", func(*esfreg.Token) error { return nil })
			require.ErrorIs(t, err, esfreg.ErrNotFound)
			require.NoError(t, tx.CreateToken(tk))
			other := token("k1")
			other.IIN = "900702443212"
			require.ErrorIs(t, tx.CreateToken(other), esfreg.ErrExists)
			return nil
		})
		view(t, st, func(tx mockstore.Tx) error {
			got, err := tx.Token("k1")
			require.NoError(t, err)
			require.Equal(t, tk, got)
			return nil
		})
	}},
	{"Update", func(t *testing.T, st mockstore.Store) {
		tk := token("k1")
		update(t, st, func(tx mockstore.Tx) error { return tx.CreateToken(tk) })
		want := tk
		want.UsedAt = t0.Add(time.Minute)
		update(t, st, func(tx mockstore.Tx) error {
			got, err := tx.UpdateToken("k1", func(tk *esfreg.Token) error {
				tk.UsedAt = t0.Add(time.Minute)
				tk.Key = "k2"
				return nil
			})
			require.NoError(t, err)
			require.Equal(t, want, got)
			_, err = tx.UpdateToken("k1", func(tk *esfreg.Token) error {
				tk.UsedAt = time.Time{}
				return errUpdate
			})
			require.ErrorIs(t, err, errUpdate)
			return nil
		})
		view(t, st, func(tx mockstore.Tx) error {
			got, err := tx.Token("k1")
			require.NoError(t, err)
			require.Equal(t, want, got)
			_, err = tx.Token("k2")
			require.ErrorIs(t, err, esfreg.ErrNotFound)
			return nil
		})
	}},
	{"Ordered", func(t *testing.T, st mockstore.Store) {
		update(t, st, func(tx mockstore.Tx) error {
			for _, k := range shuffled {
				require.NoError(t, tx.CreateToken(token(k)))
			}
			return nil
		})
		view(t, st, func(tx mockstore.Tx) error {
			all, err := tx.Tokens()
			require.NoError(t, err)
			var ks []string
			for _, tk := range all {
				ks = append(ks, tk.Key)
			}
			require.Equal(t, orderedKeys, ks)
			assert.Equal(t, token("a"), all[3])
			return nil
		})
	}},
}

// Requests returns n distinct requests with IDs in ascending order, some
// with two signed agreements (one with a signer), some with none: for a
// store's own tests, such as of a migration that moves requests
// (RequireRequests reads them back).
func Requests(n int) []esfreg.Request {
	out := make([]esfreg.Request, n)
	for i := range out {
		out[i] = request(fmt.Sprintf("req-%06d", i))
		if i%3 == 2 {
			out[i].Agreements = nil
		}
	}
	return out
}

// RequireRequests requires st to hold exactly want, as Requests returns
// them: through the export and one by one.
func RequireRequests(t *testing.T, st mockstore.Store, want []esfreg.Request) {
	t.Helper()
	view(t, st, func(tx mockstore.Tx) error {
		got, err := tx.Requests()
		require.NoError(t, err)
		require.Equal(t, want, got)
		for _, r := range want {
			one, err := tx.Request(r.ID)
			require.NoError(t, err)
			require.Equal(t, r, one)
		}
		return nil
	})
}
