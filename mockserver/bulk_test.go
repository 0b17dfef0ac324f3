package mockserver_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfclient"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

// bulkPassword is the imported accounts' password.
const bulkPassword = "Bulkimport2026x"

// bulkIIN is the n-th checksum-valid IIN of a man born on 1 March 1980.
func bulkIIN(t *testing.T, n int) string {
	t.Helper()
	found := -1
	for serial := 0; serial < 10000; serial++ {
		iin, err := esfreg.NewIIN(time.Date(1980, 3, 1, 0, 0, 0, 0, time.UTC), esfreg.SexMale, serial)
		if err != nil {
			continue
		}
		if found++; found == n {
			return string(iin)
		}
	}
	t.Fatalf("no IIN %d", n)
	return ""
}

// bulkBIN is a checksum-valid BIN.
func bulkBIN(t *testing.T) string {
	t.Helper()
	for serial := 1; serial < 100; serial++ {
		if bin, err := esfreg.NewBIN(time.Date(2015, 5, 1, 0, 0, 0, 0, time.UTC), esfreg.EntityResident, esfreg.OfficeHead, serial); err == nil {
			return string(bin)
		}
	}
	t.Fatal("no BIN")
	return ""
}

// bulkAccount is an individual's import with his register record.
func bulkAccount(t *testing.T, n int) mockserver.AccountImport {
	t.Helper()
	iin := bulkIIN(t, n)
	return mockserver.AccountImport{IIN: iin, Email: "bulk-" + iin + "@example.kz", Password: bulkPassword,
		FullName: "ИМПОРТОВ ТЕСТ ТЕСТОВИЧ", Address: "г. Астана, ул. Бейбітшілік, 10",
		IDDocumentNumber: "0" + iin[4:12], IDDocumentIssueDate: "14.03.2019", IDDocumentIssuer: "МВД РК",
		Taxpayers: []esfreg.Taxpayer{{TIN: iin, LastNameRu: "ИМПОРТОВ", FirstNameRu: "ТЕСТ", MiddleNameRu: "ТЕСТОВИЧ",
			Type: esfreg.EnterpriseIndividual, Resident: true}}}
}

// TestImportAccounts: 50 accounts in one call are real accounts: read back
// through the control API, and one logs in on the portal and opens an API
// session with a key store certstest issues for its IIN.
func TestImportAccounts(t *testing.T) {
	srv, ctl, ctx := newControl(t)
	list := make([]mockserver.AccountImport, 50)
	for i := range list {
		list[i] = bulkAccount(t, i)
	}
	res, err := ctl.ImportAccounts(ctx, list...)
	require.NoError(t, err)
	assert.Equal(t, mockserver.ImportResult{Accounts: 50, Taxpayers: 50}, res)
	for _, a := range []mockserver.AccountImport{list[0], list[49]} {
		acct, err := ctl.Account(ctx, a.IIN)
		require.NoError(t, err)
		assert.Equal(t, a.Email, acct.Email)
		assert.Empty(t, acct.PasswordHash, "the control API never shows the hash")
		require.Len(t, acct.Profiles, 1)
		assert.Equal(t, esfreg.ProfileIndividual, acct.Profiles[0].Type)
		assert.True(t, acct.Profiles[0].Active())
		tp, err := ctl.Taxpayer(ctx, a.IIN)
		require.NoError(t, err)
		assert.Equal(t, "ИМПОРТОВ", tp.LastNameRu)
	}

	// The key store: the mock's default RSA CA, rebuilt at its clock.
	ca, err := certstest.NewCA(certstest.Options{Now: srv.Now, Rand: certstest.DeterministicRand(certstest.FixtureSeed)})
	require.NoError(t, err)
	who := list[17]
	is, err := ca.Issue(certstest.Profile{Kind: certstest.KindIndividual, Usage: certs.UsageAuth, IIN: who.IIN,
		Surname: "ИМПОРТОВ", FirstName: "ТЕСТ", Patronymic: "ТЕСТОВИЧ"})
	require.NoError(t, err)
	auth := &certs.KeyStore{PrivateKey: is.PrivateKey, Certificate: is.Certificate}
	c, err := esfclient.New(esfclient.Options{BaseURL: srv.URL, Now: srv.Now})
	require.NoError(t, err)
	login, err := c.Login(ctx, auth, bulkPassword)
	require.NoError(t, err)
	assert.Equal(t, who.IIN, login.IIN)
	_, err = c.Login(ctx, auth, bulkPassword+"x")
	assert.ErrorIs(t, err, esfreg.ErrPasswordInvalid)
	sess, err := c.OpenSession(ctx, esfclient.SessionRequest{Key: auth, Password: bulkPassword, TIN: who.IIN})
	require.NoError(t, err)
	user, err := sess.CurrentUser(ctx)
	require.NoError(t, err)
	assert.Equal(t, who.IIN, user.Login)
	_, err = sess.Close(ctx)
	require.NoError(t, err)

	// Imported once, refused the second time, naming the element.
	_, err = ctl.ImportAccounts(ctx, bulkAccount(t, 60), list[3])
	var ce *mockserver.ControlError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, http.StatusConflict, ce.Status)
	assert.Equal(t, "[1].iin", ce.Field)
	assert.ErrorIs(t, err, esfreg.ErrUserAlreadyRegistered)
	_, err = ctl.Account(ctx, bulkIIN(t, 60))
	assert.ErrorIs(t, err, esfreg.ErrUserNotRegistered, "a refused import added its first account")

	// The Go method is the same.
	res, err = srv.ImportAccounts([]mockserver.AccountImport{bulkAccount(t, 61)})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Accounts)
}

// TestImportAccountsProfiles: an entrepreneur and a head of a legal
// entity, whose register records come in the same import.
func TestImportAccountsProfiles(t *testing.T) {
	_, ctl, ctx := newControl(t)
	bin := bulkBIN(t)
	head := bulkAccount(t, 0)
	head.Taxpayers = append(head.Taxpayers, esfreg.Taxpayer{TIN: bin, NameRu: `ТОО "ИМПОРТ"`, Type: esfreg.EnterprisePrivate,
		Resident: true, EnterpriseAdministrator: head.IIN})
	head.Profiles = []mockserver.ProfileImport{{Type: esfreg.ProfileIndividual}, {TIN: bin, Type: esfreg.ProfileAdminEnterprise}}
	ent := bulkAccount(t, 1)
	ent.Taxpayers[0].Type = esfreg.EnterpriseIndividualEntrepreneur
	ent.Profiles = []mockserver.ProfileImport{{Type: esfreg.ProfileEntrepreneur}}
	res, err := ctl.ImportAccounts(ctx, head, ent)
	require.NoError(t, err)
	assert.Equal(t, mockserver.ImportResult{Accounts: 2, Taxpayers: 3}, res)
	acct, err := ctl.Account(ctx, head.IIN)
	require.NoError(t, err)
	require.Len(t, acct.Profiles, 2)
	assert.Equal(t, bin, acct.Profiles[1].TIN)
	assert.Equal(t, esfreg.ProfileAdminEnterprise, acct.Profiles[1].Type)

	// The entity has its head now: another is refused.
	other := bulkAccount(t, 2)
	other.Profiles = []mockserver.ProfileImport{{TIN: bin, Type: esfreg.ProfileAdminEnterprise}}
	other.Taxpayers = append(other.Taxpayers, esfreg.Taxpayer{TIN: bin, NameRu: `ТОО "ИМПОРТ"`, Type: esfreg.EnterprisePrivate,
		Resident: true, EnterpriseAdministrator: other.IIN})
	_, err = ctl.ImportAccounts(ctx, other)
	assert.ErrorIs(t, err, esfreg.ErrEnterpriseAlreadyRegistered)
}

// TestImportAccountsRefused: every refusal names its field, and a refused
// import adds nothing — no account, no register record.
func TestImportAccountsRefused(t *testing.T) {
	bin := bulkBIN(t)
	for _, tc := range []struct {
		name   string
		modify func(list []mockserver.AccountImport) []mockserver.AccountImport
		field  string
		code   esfreg.Code
	}{
		{"bad e-mail", func(l []mockserver.AccountImport) []mockserver.AccountImport {
			l[1].Email = "not an address"
			return l
		}, "[1].email", esfreg.CodeEmailInvalid},
		{"weak password", func(l []mockserver.AccountImport) []mockserver.AccountImport {
			l[2].Password = "abc"
			return l
		}, "[2].password", esfreg.CodePasswordTooShort},
		{"password containing the IIN", func(l []mockserver.AccountImport) []mockserver.AccountImport {
			l[0].Password = "x" + l[0].IIN
			return l
		}, "[0].password", esfreg.CodePasswordContainsIIN},
		{"IIN failing the checksum", func(l []mockserver.AccountImport) []mockserver.AccountImport {
			l[2].IIN = "123456789012"
			return l
		}, "[2].iin", esfreg.CodeIINNotValid},
		{"no ID document", func(l []mockserver.AccountImport) []mockserver.AccountImport {
			l[1].IDDocumentNumber = ""
			return l
		}, "[1].idDocumentNumber", esfreg.CodeFieldRequired},
		{"IIN twice", func(l []mockserver.AccountImport) []mockserver.AccountImport {
			l[2].IIN = l[0].IIN
			l[2].Taxpayers = nil
			return l
		}, "[2].iin", mockserver.CodeBadRequest},
		{"bad register record", func(l []mockserver.AccountImport) []mockserver.AccountImport {
			l[1].Taxpayers[0].TIN = "12"
			return l
		}, "[1].taxpayers[0].tin", esfreg.CodeIINNotValid},
		{"register record twice", func(l []mockserver.AccountImport) []mockserver.AccountImport {
			l[2].Taxpayers = append(l[2].Taxpayers, l[0].Taxpayers[0])
			return l
		}, "[2].taxpayers[1].tin", mockserver.CodeBadRequest},
		{"entrepreneur the register does not list", func(l []mockserver.AccountImport) []mockserver.AccountImport {
			l[1].Profiles = []mockserver.ProfileImport{{Type: esfreg.ProfileEntrepreneur}}
			return l
		}, "[1].profiles[0].tin", esfreg.CodeNotEntrepreneur},
		{"head of an entity the register does not list", func(l []mockserver.AccountImport) []mockserver.AccountImport {
			l[0].Profiles = []mockserver.ProfileImport{{TIN: bin, Type: esfreg.ProfileAdminEnterprise}}
			return l
		}, "[0].profiles[0].tin", esfreg.CodeTaxpayerNotFound},
		{"head the register does not name", func(l []mockserver.AccountImport) []mockserver.AccountImport {
			l[0].Taxpayers = append(l[0].Taxpayers, esfreg.Taxpayer{TIN: bin, NameRu: `ТОО "ИМПОРТ"`, Type: esfreg.EnterprisePrivate,
				Resident: true, EnterpriseAdministrator: l[1].IIN})
			l[0].Profiles = []mockserver.ProfileImport{{TIN: bin, Type: esfreg.ProfileAdminEnterprise}}
			return l
		}, "[0].profiles[0].tin", esfreg.CodeHeadMismatch},
		{"a second head, whom the register does not name", func(l []mockserver.AccountImport) []mockserver.AccountImport {
			l[0].Taxpayers = append(l[0].Taxpayers, esfreg.Taxpayer{TIN: bin, NameRu: `ТОО "ИМПОРТ"`, Type: esfreg.EnterprisePrivate,
				Resident: true, EnterpriseAdministrator: l[0].IIN})
			l[0].Profiles = []mockserver.ProfileImport{{TIN: bin, Type: esfreg.ProfileAdminEnterprise}}
			l[2].Profiles = []mockserver.ProfileImport{{TIN: bin, Type: esfreg.ProfileAdminEnterprise}}
			return l
		}, "[2].profiles[0].tin", esfreg.CodeHeadMismatch},
		{"individual profile of another TIN", func(l []mockserver.AccountImport) []mockserver.AccountImport {
			l[1].Profiles = []mockserver.ProfileImport{{TIN: l[0].IIN, Type: esfreg.ProfileIndividual}}
			return l
		}, "[1].profiles[0].tin", mockserver.CodeBadRequest},
		{"profile type it cannot import", func(l []mockserver.AccountImport) []mockserver.AccountImport {
			l[1].Profiles = []mockserver.ProfileImport{{Type: esfreg.ProfileUser}}
			return l
		}, "[1].profiles[0].businessProfileType", mockserver.CodeBadRequest},
		{"profile twice", func(l []mockserver.AccountImport) []mockserver.AccountImport {
			l[1].Profiles = []mockserver.ProfileImport{{Type: esfreg.ProfileIndividual}, {Type: esfreg.ProfileIndividual}}
			return l
		}, "[1].profiles[1]", mockserver.CodeBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ctl, ctx := newControl(t, func(o *mockserver.Options) { o.AllowTestIdentities = false })
			list := tc.modify([]mockserver.AccountImport{bulkAccount(t, 0), bulkAccount(t, 1), bulkAccount(t, 2)})
			_, err := ctl.ImportAccounts(ctx, list...)
			var ce *mockserver.ControlError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.field, ce.Field, ce.Message)
			assert.Equal(t, tc.code, ce.Code, ce.Message)
			assert.True(t, strings.HasPrefix(ce.Message, tc.field+": "), "the message names the field: %s", ce.Message)
			for _, a := range list {
				_, err := ctl.Account(ctx, a.IIN)
				assert.ErrorIs(t, err, esfreg.ErrUserNotRegistered, "a refused import added %s", a.IIN)
			}
			for _, tin := range []string{bulkIIN(t, 0), bulkIIN(t, 1), bulkIIN(t, 2), bin} {
				_, err := ctl.Taxpayer(ctx, tin)
				assert.ErrorIs(t, err, esfreg.ErrTaxpayerNotFound, "a refused import published %s", tin)
			}
		})
	}
}

// TestImportAccountsBody: the route takes one object or an array, refuses
// unknown fields, a key twice and query parameters, naming them.
func TestImportAccountsBody(t *testing.T) {
	_, ctl, ctx := newControl(t)
	one := bulkAccount(t, 0)
	body := string(mustJSON(t, one))
	for _, tc := range []struct {
		name, path, body string
		status           int
		field            string
	}{
		{"unknown field", "/_mock/accounts", `[` + strings.Replace(body, `{`, `{"frob":1,`, 1) + `]`, http.StatusBadRequest, "frob"},
		{"key twice", "/_mock/accounts", `[` + strings.Replace(body, `{`, `{"email":"a@example.kz",`, 1) + `]`, http.StatusBadRequest, "[0].email"},
		{"query parameter", "/_mock/accounts?publish=true", body, http.StatusBadRequest, "publish"},
		{"object: fields without an index", "/_mock/accounts", strings.Replace(body, bulkPassword, "short1", 1), http.StatusBadRequest, "password"},
		{"not JSON", "/_mock/accounts", `[{`, http.StatusBadRequest, ""},
		{"one object", "/_mock/accounts", body, http.StatusCreated, ""},
		{"empty array", "/_mock/accounts", `[]`, http.StatusCreated, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, got, err := ctl.Raw(ctx, http.MethodPost, tc.path, "application/json", []byte(tc.body))
			require.NoError(t, err)
			assert.Equal(t, tc.status, status, "%s", got)
			if tc.field != "" {
				assert.Contains(t, string(got), fmt.Sprintf(`"field":%q`, tc.field))
			}
		})
	}
	acct, err := ctl.Account(ctx, one.IIN)
	require.NoError(t, err)
	assert.Equal(t, one.Email, acct.Email)
}
