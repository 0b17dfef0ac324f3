package esfreg_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
)

func TestError_IsMatchesByCode(t *testing.T) {
	cause := errors.New("detail")
	err := fmt.Errorf("wrapped: %w", &esfreg.Error{Code: esfreg.CodePasswordInvalid, Field: "currentPassword", Message: "x", Err: cause})

	assert.ErrorIs(t, err, esfreg.ErrPasswordInvalid)
	assert.ErrorIs(t, err, &esfreg.Error{Code: esfreg.CodePasswordInvalid, Field: "currentPassword"})
	assert.NotErrorIs(t, err, &esfreg.Error{Code: esfreg.CodePasswordInvalid, Field: "password"})
	assert.NotErrorIs(t, err, esfreg.ErrUserNotRegistered)
	assert.ErrorIs(t, err, cause, "Unwrap reaches the cause")
	assert.NotErrorIs(t, err, (*esfreg.Error)(nil))

	var e *esfreg.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "currentPassword", e.Field)
	assert.Equal(t, "esfreg: PASSWORD_INVALID (currentPassword): x: detail", e.Error())
	assert.Equal(t, "esfreg: USER_BLOCKED: Пользователь заблокирован", esfreg.ErrUserBlocked.Error())
}

func TestErrors_SeveralFields(t *testing.T) {
	errs := esfreg.Errors{
		esfreg.NewError(esfreg.CodeEmailInvalid, "email"),
		esfreg.NewError(esfreg.CodeFieldRequired, "address"),
		esfreg.NewError(esfreg.CodeFieldRequired, "idDocumentIssuer"),
		esfreg.NewError(esfreg.CodeFieldTooLong, "address"),
	}
	var err error = errs
	assert.ErrorIs(t, err, esfreg.ErrEmailInvalid)
	assert.ErrorIs(t, err, &esfreg.Error{Code: esfreg.CodeFieldRequired, Field: "idDocumentIssuer"})
	assert.NotErrorIs(t, err, &esfreg.Error{Code: esfreg.CodeFieldRequired, Field: "email"})
	var first *esfreg.Error
	require.ErrorAs(t, err, &first)
	assert.Equal(t, "email", first.Field)
	var all esfreg.Errors
	require.ErrorAs(t, fmt.Errorf("step 2: %w", err), &all)
	assert.Equal(t, []string{"email", "address", "idDocumentIssuer"}, all.Fields())
	assert.Equal(t, 3, strings.Count(err.Error(), "; "))
}

func TestErrors_OneTableOfRussianMessages(t *testing.T) {
	codes := esfreg.Codes()
	require.True(t, slices.IsSorted(codes))
	require.Greater(t, len(codes), 40)
	for _, c := range codes {
		msg := c.Message()
		assert.NotEqual(t, string(c), msg, "%s has a message", c)
		assert.True(t, strings.ContainsFunc(msg, func(r rune) bool { return r >= 'А' && r <= 'я' }), "%s: %q is Russian", c, msg)
		assert.Equal(t, strings.ToUpper(string(c)), string(c))
	}
	assert.Equal(t, "UNKNOWN_CODE", esfreg.Code("UNKNOWN_CODE").Message())

	// The one message the original documents quote, exactly.
	assert.Equal(t, "Юридическое лицо уже зарегистрировано в системе", esfreg.ErrEnterpriseAlreadyRegistered.Message)

	// ESF's own codes keep ESF's spelling (esf-api.md §1.9).
	for _, c := range []esfreg.Code{
		esfreg.CodeUserNotRegistered, esfreg.CodePasswordInvalid, esfreg.CodeIINNotValid,
		esfreg.CodeCertificateIsNotForAuth, esfreg.CodeCertificateIsNotForSigning, esfreg.CodeCertificateExpired,
		esfreg.CodeCertificateRevoked, esfreg.CodeEnterpriseNotFoundForUser, esfreg.CodeUserBlocked,
		esfreg.CodeCertificateNotYetValid, esfreg.CodeCertificateNotValid, esfreg.CodeBusinessProfileTypeRequired,
		esfreg.CodeCertificateIsNotForPrivate, esfreg.CodeCertificateIsNotForEnterprise, esfreg.CodeCertificateSignatureNotValid,
	} {
		assert.Contains(t, codes, c)
	}
	assert.Equal(t, esfreg.Code("USER_NOT_REGISTERED"), esfreg.CodeUserNotRegistered)
	assert.Equal(t, esfreg.Code("CERTIFICATE_IS_NOT_FOR_SIGNING"), esfreg.CodeCertificateIsNotForSigning)
}

func TestError_JSON(t *testing.T) {
	b, err := json.Marshal(esfreg.NewError(esfreg.CodeFieldRequired, "address"))
	require.NoError(t, err)
	assert.JSONEq(t, `{"code":"FIELD_REQUIRED","field":"address","message":"Поле обязательно для заполнения"}`, string(b))
}
