package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// The legal entity the registrations race for.
const (
	raceBIN      = "100440123456"
	racePassword = "Parol2026x"
	// raceHeads is how many people request the registration, each while
	// the register names him head.
	raceHeads = 5
)

// oneRegistrationPerBIN completes 50 registrations of one legal entity at
// once, through one esfreg.Service per store (over stores[i%n] for
// goroutine i, as replicas of the mock would): requests of five heads, each
// made while the register named him, completed when it names the first.
// Exactly one completion wins, one of the first head's, and every other
// gets the rule's refusal: HEAD_MISMATCH, or ENTERPRISE_ALREADY_REGISTERED
// once the entity has its head. Only the store's transactions keep it so.
func oneRegistrationPerBIN(t *testing.T, stores []mockstore.Store) {
	ctx := t.Context()
	now := func() time.Time { return t0 }
	ca, err := certstest.NewCA(certstest.Options{Now: now, Rand: certstest.DeterministicRand("storetest CA")})
	require.NoError(t, err)
	svcs := make([]*esfreg.Service, len(stores))
	for i, st := range stores {
		svcs[i] = esfreg.New(esfreg.Config{
			Now:    now,
			Rand:   certstest.DeterministicRand(fmt.Sprintf("storetest service %d", i)),
			Hasher: esfreg.Bcrypt{Cost: esfreg.MinBcryptCost},
			Store:  mockstore.Esfreg(st),
		})
	}
	svc := svcs[0]

	heads := make([]string, 0, raceHeads)
	for serial := 0; len(heads) < raceHeads; serial++ {
		iin, err := esfreg.NewIIN(time.Date(1975, 3, 4, 0, 0, 0, 0, time.UTC), esfreg.SexMale, serial)
		if err == nil { // some serials have no check digit
			heads = append(heads, string(iin))
		}
	}
	issue := func(h int, usage certs.Usage) *certs.Certificate {
		t.Helper()
		is, err := ca.Issue(certstest.Profile{
			Kind: certstest.KindCEO, Usage: usage, IIN: heads[h], BIN: raceBIN,
			Surname: "ГЛАВНЫЙ", FirstName: fmt.Sprintf("ИМЯ%d", h), Patronymic: "ТЕСТОВИЧ",
			Organization: `ТОО "КОМПАНИЯ 3456"`,
		})
		require.NoError(t, err)
		return is.Certificate
	}
	company := func(head string) esfreg.Taxpayer {
		return esfreg.Taxpayer{
			TIN: raceBIN, NameRu: `ТОО "КОМПАНИЯ 3456"`, NameKz: `"КОМПАНИЯ 3456" ЖШС`,
			AddressRu: "010000, Казахстан, г. Астана, ул. Мира 4", Resident: true,
			Type: esfreg.EnterprisePrivate, EnterpriseAdministrator: head, KOGD: "6205",
		}
	}

	tokens := make([]string, racers)
	auth := make([]esfreg.Credentials, raceHeads)
	for h, head := range heads {
		_, err := svc.PublishTaxpayer(ctx, company(head))
		require.NoError(t, err)
		sign := issue(h, certs.UsageSign)
		auth[h] = esfreg.Credentials{Certificate: issue(h, certs.UsageAuth), Password: racePassword}
		for i := h; i < racers; i += raceHeads {
			app, err := svc.Begin(ctx, esfreg.LegalEntity, sign)
			require.NoError(t, err)
			form := app.Form()
			form.Email = fmt.Sprintf("head%d@example.kz", h)
			form.Password, form.PasswordConfirmation = racePassword, racePassword
			form.Address = "010000, Казахстан, г. Астана, ул. Мира 4"
			form.IDDocumentNumber, form.IDDocumentIssueDate, form.IDDocumentIssuer = "043512345", "19.11.2014", "МВД РК"
			form.ActingOnBasisOf = "Устав"
			var signed []esfreg.SignedAgreement
			for _, a := range app.Agreements(form, now()) {
				signed = append(signed, esfreg.SignedAgreement{Agreement: a, Signer: sign, Document: []byte("<signed/>")})
			}
			conf, err := svc.Submit(ctx, app, form, signed)
			require.NoError(t, err)
			tokens[i] = conf.Token
		}
	}
	_, err = svc.PublishTaxpayer(ctx, company(heads[0]))
	require.NoError(t, err)

	errs := race(stores, func(i int, _ mockstore.Store) error {
		_, err := svcs[i%len(svcs)].Complete(ctx, tokens[i], auth[i%raceHeads])
		return err
	})
	winners := 0
	for i, err := range errs {
		switch {
		case err == nil:
			winners++
			assert.Zero(t, i%raceHeads, "the register names the first head")
		case errors.Is(err, esfreg.ErrEnterpriseAlreadyRegistered),
			i%raceHeads != 0 && errors.Is(err, esfreg.ErrHeadMismatch):
		default:
			t.Errorf("completion %d (head %d): %v", i, i%raceHeads, err)
		}
	}
	assert.Equal(t, 1, winners)

	for _, st := range stores {
		view(t, st, func(tx mockstore.Tx) error {
			ps, err := tx.ProfilesByTIN(raceBIN)
			require.NoError(t, err)
			var admins []esfreg.Profile
			for _, p := range ps {
				if p.Type == esfreg.ProfileAdminEnterprise {
					admins = append(admins, p)
				}
			}
			require.Len(t, admins, 1, "heads of %s: %v", raceBIN, admins)
			require.Equal(t, heads[0], admins[0].IIN)
			return nil
		})
	}
}
