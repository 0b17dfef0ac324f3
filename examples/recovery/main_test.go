package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/examples/internal/demo"
	"github.com/esfkit/esf/examples/internal/demotest"
	"github.com/esfkit/esf/internal/testref"
)

func TestRecovery(t *testing.T) {
	demotest.InProcess(t)
	code, out := demotest.Run(t, run, "-now", "2026-06-01T09:00:00Z")
	require.Equal(t, 0, code, out)
	for _, want := range []string{
		"Смена e-mail (…/esf-web/login/#!/change-email)",
		"Ошибка: Сертификат не предназначен для подписи (CERTIFICATE_IS_NOT_FOR_SIGNING)",
		"Адрес электронной почты изменён",
		"Тема: Изменение адреса электронной почты",
		"Тема: Восстановление пароля",
		"| http://127.0.0.1:",
		"Пароль изменён",
		"Физическое лицо — " + demo.Head.IIN + " (INDIVIDUAL, ACTIVE)",
		"Ошибка: Ссылка уже использована (TOKEN_USED",
	} {
		assert.Contains(t, out, want)
	}
}

// A person's real NCA key stores: an AUTH_RSA256_ one is refused for
// signing the change of e-mail; a GOST512_ one both logs in and signs.
func TestRecoveryNCAKeys(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs")
	tests := []struct {
		keys        demotest.Keys
		authRefused bool
	}{
		{demotest.RSAIndividual, true},
		{demotest.GOSTIndividual, false},
	}
	for _, tt := range tests {
		t.Run(tt.keys.Name, func(t *testing.T) {
			demotest.InProcess(t)
			code, out := demotest.Run(t, run, tt.keys.Args(dir)...)
			require.Equal(t, 0, code, out)
			for _, want := range []string{
				"Регистрация: Физическое лицо — ТЕСТОВ ТЕСТ ТЕСТОВИЧ, ИИН " + tt.keys.IIN,
				"Логин (ИИН): " + tt.keys.IIN,
				"Адрес электронной почты изменён",
				"Пароль изменён",
				"Физическое лицо — " + tt.keys.IIN + " (INDIVIDUAL, ACTIVE)",
				"Ошибка: Ссылка уже использована (TOKEN_USED",
			} {
				assert.Contains(t, out, want)
			}
			if tt.authRefused {
				assert.Contains(t, out, "(CERTIFICATE_IS_NOT_FOR_SIGNING)")
			} else {
				assert.NotContains(t, out, "Ошибка: Сертификат не предназначен для подписи")
			}
		})
	}
}

// The person has an account already on the mock ESF_MOCK_URL names: the
// example registers nothing and recovers it.
func TestRecoveryExistingAccount(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs")
	k := demotest.GOSTIndividual
	srv := demotest.Mock(t, dir, k)
	auth, sign := k.Open(t, dir)
	require.NoError(t, demotest.RegisterIndividual(t.Context(), srv, auth, sign, "person@example.kz", "Current2026x"))
	demotest.Against(t, srv.URL)
	code, out := demotest.Run(t, run, k.Args(dir, "-password", "Current2026x")...)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "Уже зарегистрирован: профиль INDIVIDUAL — "+k.IIN+" есть")
	assert.NotContains(t, out, "Соглашения подписаны")
	assert.Contains(t, out, "Пароль изменён")
	acct, err := srv.Account(k.IIN)
	require.NoError(t, err)
	assert.Equal(t, "new@example.kz", acct.Email)
}
