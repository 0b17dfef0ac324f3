package esfreg_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/internal/testref"
)

// goodForm is a complete, valid form of category c for a new account.
func goodForm(c esfreg.Category) esfreg.Form {
	f := esfreg.Form{
		Category: c, IIN: iinHead, Email: "arman@example.kz", FullName: fullName(iinHead),
		Password: testPassword, PasswordConfirmation: testPassword,
		Address:          "010000, Казахстан, г. Астана, ул. Мира 4",
		IDDocumentNumber: "043512345", IDDocumentIssueDate: "19.11.2014", IDDocumentIssuer: "МВД РК",
	}
	if c == esfreg.LegalEntity {
		f.BIN, f.CompanyName, f.ActingOnBasisOf = binCompany, `ТОО "КОМПАНИЯ 3456"`, "Устав"
	}
	return f
}

func TestFormValidate_NamesEachBadField(t *testing.T) {
	opts := esfreg.FormOptions{Now: t0}
	for _, c := range esfreg.Categories() {
		require.NoError(t, goodForm(c).Validate(opts), c)
	}
	for _, tc := range []struct {
		name     string
		category esfreg.Category
		edit     func(*esfreg.Form)
		field    string
		code     esfreg.Code
	}{
		{"no category", esfreg.Individual, func(f *esfreg.Form) { f.Category = 0 }, "category", esfreg.CodeCategoryNotValid},
		{"no IIN", esfreg.Individual, func(f *esfreg.Form) { f.IIN = "" }, "iin", esfreg.CodeFieldRequired},
		{"bad IIN", esfreg.Individual, func(f *esfreg.Form) { f.IIN = "850314312345" }, "iin", esfreg.CodeIINNotValid},
		{"no e-mail", esfreg.Individual, func(f *esfreg.Form) { f.Email = "" }, "email", esfreg.CodeFieldRequired},
		{"bad e-mail", esfreg.Individual, func(f *esfreg.Form) { f.Email = "arman.example.kz" }, "email", esfreg.CodeEmailInvalid},
		{"e-mail with a name", esfreg.Individual, func(f *esfreg.Form) { f.Email = "Arman <arman@example.kz>" }, "email", esfreg.CodeEmailInvalid},
		{"no full name", esfreg.Individual, func(f *esfreg.Form) { f.FullName = " " }, "fullName", esfreg.CodeFieldRequired},
		{"full name too long", esfreg.Individual, func(f *esfreg.Form) { f.FullName = strings.Repeat("Я", 301) }, "fullName", esfreg.CodeFieldTooLong},
		{"no password", esfreg.Individual, func(f *esfreg.Form) { f.Password = "" }, "password", esfreg.CodeFieldRequired},
		{"short password", esfreg.Individual, func(f *esfreg.Form) { f.Password, f.PasswordConfirmation = "Ab1", "Ab1" }, "password", esfreg.CodePasswordTooShort},
		{"password with the IIN", esfreg.Individual, func(f *esfreg.Form) {
			f.Password = "a" + iinHead
			f.PasswordConfirmation = f.Password
		}, "password", esfreg.CodePasswordContainsIIN},
		{"no confirmation", esfreg.Individual, func(f *esfreg.Form) { f.PasswordConfirmation = "" }, "passwordConfirmation", esfreg.CodeFieldRequired},
		{"confirmation differs", esfreg.Individual, func(f *esfreg.Form) { f.PasswordConfirmation = "Parol2026y" }, "passwordConfirmation", esfreg.CodePasswordMismatch},
		{"no address", esfreg.Individual, func(f *esfreg.Form) { f.Address = "" }, "address", esfreg.CodeFieldRequired},
		{"address with a control character", esfreg.Individual, func(f *esfreg.Form) { f.Address = "ул.\x07Мира" }, "address", esfreg.CodeFieldInvalid},
		{"address too long", esfreg.Individual, func(f *esfreg.Form) { f.Address = strings.Repeat("д", 501) }, "address", esfreg.CodeFieldTooLong},
		{"no document number", esfreg.Individual, func(f *esfreg.Form) { f.IDDocumentNumber = "" }, "idDocumentNumber", esfreg.CodeFieldRequired},
		{"document number of letters", esfreg.Individual, func(f *esfreg.Form) { f.IDDocumentNumber = "ABCDEF" }, "idDocumentNumber", esfreg.CodeIDDocumentNumberInvalid},
		{"document number too short", esfreg.Individual, func(f *esfreg.Form) { f.IDDocumentNumber = "1234" }, "idDocumentNumber", esfreg.CodeIDDocumentNumberInvalid},
		{"document number with a slash", esfreg.Individual, func(f *esfreg.Form) { f.IDDocumentNumber = "0435/12345" }, "idDocumentNumber", esfreg.CodeIDDocumentNumberInvalid},
		{"no issue date", esfreg.Individual, func(f *esfreg.Form) { f.IDDocumentIssueDate = "" }, "idDocumentIssueDate", esfreg.CodeFieldRequired},
		{"issue date not a date", esfreg.Individual, func(f *esfreg.Form) { f.IDDocumentIssueDate = "31.02.2014" }, "idDocumentIssueDate", esfreg.CodeDateInvalid},
		{"issue date in the future", esfreg.Individual, func(f *esfreg.Form) { f.IDDocumentIssueDate = "17.11.2026" }, "idDocumentIssueDate", esfreg.CodeDateInFuture},
		{"no issuer", esfreg.Individual, func(f *esfreg.Form) { f.IDDocumentIssuer = "" }, "idDocumentIssuer", esfreg.CodeFieldRequired},
		{"individual with a BIN", esfreg.Individual, func(f *esfreg.Form) { f.BIN = binCompany }, "bin", esfreg.CodeFieldNotAllowed},
		{"entrepreneur with a company name", esfreg.Entrepreneur, func(f *esfreg.Form) { f.CompanyName = "ТОО" }, "companyName", esfreg.CodeFieldNotAllowed},
		{"individual acting on a basis", esfreg.Individual, func(f *esfreg.Form) { f.ActingOnBasisOf = "Устав" }, "actingOnBasisOf", esfreg.CodeFieldNotAllowed},
		{"legal entity: no acting on the basis of", esfreg.LegalEntity, func(f *esfreg.Form) { f.ActingOnBasisOf = "" }, "actingOnBasisOf", esfreg.CodeFieldRequired},
		{"legal entity: no BIN", esfreg.LegalEntity, func(f *esfreg.Form) { f.BIN = "" }, "bin", esfreg.CodeFieldRequired},
		{"legal entity: bad BIN", esfreg.LegalEntity, func(f *esfreg.Form) { f.BIN = "100440123457" }, "bin", esfreg.CodeBINNotValid},
		{"legal entity: no company name", esfreg.LegalEntity, func(f *esfreg.Form) { f.CompanyName = "" }, "companyName", esfreg.CodeFieldRequired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := goodForm(tc.category)
			tc.edit(&f)
			err := f.Validate(opts)
			requireCode(t, err, tc.code, tc.field)
			var errs esfreg.Errors
			require.ErrorAs(t, err, &errs)
			assert.Equal(t, []string{tc.field}, errs.Fields(), "only the bad field is named")
		})
	}
}

func TestFormValidate_EveryBadFieldAtOnce(t *testing.T) {
	f := esfreg.Form{Category: esfreg.LegalEntity, Email: "x", IDDocumentIssueDate: "tomorrow"}
	err := f.Validate(esfreg.FormOptions{Now: t0})
	var errs esfreg.Errors
	require.ErrorAs(t, err, &errs)
	assert.Equal(t, []string{
		"iin", "email", "fullName", "actingOnBasisOf", "password", "passwordConfirmation",
		"bin", "companyName", "address", "idDocumentNumber", "idDocumentIssueDate", "idDocumentIssuer",
	}, errs.Fields(), "in the form's order")
	for _, e := range errs {
		assert.NotEmpty(t, e.Message)
	}
}

// TestRule_ExistingAccountFormAsksCurrentPassword: a person registered
// before types the password set before, and sets no new one.
func TestRule_ExistingAccountFormAsksCurrentPassword(t *testing.T) {
	opts := esfreg.FormOptions{Now: t0, ExistingAccount: true}
	f := goodForm(esfreg.LegalEntity)
	err := f.Validate(opts)
	requireCode(t, err, esfreg.CodePasswordAlreadySet, "password")
	requireCode(t, err, esfreg.CodeFieldRequired, "currentPassword")

	f.Password, f.PasswordConfirmation, f.CurrentPassword = "", "", "anything"
	require.NoError(t, f.Validate(opts), "the current password is checked against the account, not the policy")
}

// TestRule_IssueDateNotInFuture: the issue date may be today in Almaty,
// not tomorrow, whatever the UTC date.
func TestRule_IssueDateNotInFuture(t *testing.T) {
	f := goodForm(esfreg.Individual)
	// 19:30 UTC on 16 November is 00:30 on 17 November in Almaty.
	opts := esfreg.FormOptions{Now: time.Date(2026, 11, 16, 19, 30, 0, 0, time.UTC)}
	f.IDDocumentIssueDate = "17.11.2026"
	assert.NoError(t, f.Validate(opts), "today in Almaty")
	f.IDDocumentIssueDate = "2026-11-17"
	assert.NoError(t, f.Validate(opts), "ISO form")
	f.IDDocumentIssueDate = "18.11.2026"
	requireCode(t, f.Validate(opts), esfreg.CodeDateInFuture, "idDocumentIssueDate")
	opts.Now = time.Date(2026, 11, 16, 18, 59, 0, 0, time.UTC) // 23:59 on the 16th in Almaty
	f.IDDocumentIssueDate = "17.11.2026"
	requireCode(t, f.Validate(opts), esfreg.CodeDateInFuture, "idDocumentIssueDate")
}

func TestParseDate(t *testing.T) {
	d, err := esfreg.ParseDate("19.11.2014")
	require.NoError(t, err)
	assert.True(t, d.Equal(time.Date(2014, 11, 19, 0, 0, 0, 0, esfreg.Almaty)))
	d2, err := esfreg.ParseDate("2014-11-19")
	require.NoError(t, err)
	assert.True(t, d.Equal(d2))
	for _, s := range []string{"", "19/11/2014", "32.01.2014", "29.02.2023", "1.1.2014", "19.11.14", "01.01.1899", "19.11.2014T00:00"} {
		_, err := esfreg.ParseDate(s)
		requireCode(t, err, esfreg.CodeDateInvalid, "")
	}
	_, err = esfreg.ParseDate("29.02.2024")
	assert.NoError(t, err)
}

func TestCheckEmail(t *testing.T) {
	for _, s := range []string{"a@b.kz", "anvar.sadykov@gmail.com", "esf@minfin.gov.kz", "user+tag@mail.example.kz", "почта@пример.қаз"} {
		assert.NoError(t, esfreg.CheckEmail(s), s)
	}
	for _, s := range []string{"a@b", "@b.kz", "a@.kz", "a@b..kz", "a b@c.kz", "a@b.kz ", `"a b"@c.kz`, "A <a@b.kz>", "a@-b.kz", "a@b_c.kz", "a@@b.kz", strings.Repeat("a", 250) + "@b.kz"} {
		requireCode(t, esfreg.CheckEmail(s), esfreg.CodeEmailInvalid, "email")
	}
	requireCode(t, esfreg.CheckEmail(""), esfreg.CodeFieldRequired, "email")
}

func TestForm_JSONNamesAreTheFieldNames(t *testing.T) {
	b, err := json.Marshal(goodForm(esfreg.LegalEntity))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, field := range []string{
		esfreg.FieldCategory, esfreg.FieldIIN, esfreg.FieldEmail, esfreg.FieldFullName, esfreg.FieldActingOnBasisOf,
		esfreg.FieldPassword, esfreg.FieldPasswordConfirmation, esfreg.FieldBIN, esfreg.FieldCompanyName,
		esfreg.FieldAddress, esfreg.FieldIDDocumentNumber, esfreg.FieldIDDocumentIssueDate, esfreg.FieldIDDocumentIssuer,
	} {
		assert.Contains(t, m, field)
	}
	assert.Equal(t, "LEGAL_ENTITY", m["category"])
	var back esfreg.Form
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, goodForm(esfreg.LegalEntity), back)
	assert.Error(t, json.Unmarshal([]byte(`{"category":"COMPANY"}`), &back))

	// The zero form (no category yet) writes and reads back.
	b, err = json.Marshal(esfreg.Form{})
	require.NoError(t, err)
	var zero esfreg.Form
	require.NoError(t, json.Unmarshal(b, &zero))
	assert.Equal(t, esfreg.Form{}, zero)
	_, err = json.Marshal(esfreg.Form{Category: 9})
	assert.Error(t, err)
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"19.11.2014", "2014-11-19", "", "31.02.2014", "99.99.9999", "01.01.0001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := esfreg.ParseDate(s)
		if err != nil {
			require.ErrorIs(t, err, esfreg.ErrDateInvalid)
			return
		}
		require.GreaterOrEqual(t, d.Year(), 1900)
		require.Equal(t, esfreg.Almaty, d.Location())
		require.Zero(t, d.Hour())
	})
}

// FuzzFormValidate feeds Validate the JSON bodies a portal receives: it
// never panics, and every refusal names a field with a known code.
func FuzzFormValidate(f *testing.F) {
	testref.LimitFuzzMinimization(f)
	for _, c := range esfreg.Categories() {
		b, _ := json.Marshal(goodForm(c))
		f.Add(b, false)
		f.Add(b, true)
	}
	f.Add([]byte(`{"category":"LEGAL_ENTITY","iin":"123456789011","email":"a@b","idDocumentIssueDate":"30.02.2000"}`), true)
	f.Fuzz(func(t *testing.T, body []byte, existing bool) {
		var form esfreg.Form
		if json.Unmarshal(body, &form) != nil {
			return
		}
		err := form.Validate(esfreg.FormOptions{Now: t0, ExistingAccount: existing, IDOptions: esfreg.IDOptions{AllowTestIdentities: true}})
		if err == nil {
			return
		}
		var errs esfreg.Errors
		require.True(t, errors.As(err, &errs))
		codes := esfreg.Codes()
		for _, e := range errs {
			require.NotEmpty(t, e.Field)
			require.Contains(t, codes, e.Code)
		}
	})
}
