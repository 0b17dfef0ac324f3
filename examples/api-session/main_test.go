package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/examples/internal/demo"
	"github.com/esfkit/esf/examples/internal/demotest"
	"github.com/esfkit/esf/internal/testref"
)

func TestAPISession(t *testing.T) {
	demotest.InProcess(t)
	code, out := demotest.Run(t, run, "-now", "2026-06-01T09:00:00Z")
	require.Equal(t, 0, code, out)
	for _, want := range []string{
		"Версия: InvoiceV2",
		"ИИН/БИН: " + demo.EntityBIN,
		"sessionId: ",
		"Логин: " + demo.Head.IIN,
		"Налогоплательщик: " + demo.EntityBIN + ` — ТОО "ПРИМЕР", первый руководитель: ИИН ` + demo.Head.IIN,
		"Физическое лицо — " + demo.Head.IIN + " (INDIVIDUAL, ACTIVE)",
		"Руководитель юридического лица — " + demo.EntityBIN + " (ADMIN_ENTERPRISE, ACTIVE)",
		"(SESSION_ALREADY_OPEN)",
		"прежняя сессия: CLOSED",
		"Статус: CLOSED",
	} {
		assert.Contains(t, out, want)
	}
}

// Real NCA key stores: a first head's registers his entity (published in
// the register from his certificate) and opens a session for the BIN; a
// person's registers as an individual and opens one for his IIN.
func TestAPISessionNCAKeys(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs")
	tests := []struct {
		keys demotest.Keys
		want []string
	}{
		{demotest.GOSTHead, []string{
			"записи БИН 123456789021 не было, добавлена по сертификату",
			"ИИН/БИН: 123456789021",
			`Налогоплательщик: 123456789021 — АО "ТЕСТ", первый руководитель: ИИН 123456789011`,
			"Руководитель юридического лица — 123456789021 (ADMIN_ENTERPRISE, ACTIVE)",
		}},
		{demotest.RSAHead, []string{
			"ИИН/БИН: 123456789021",
			"SessionService.createSession:", // an RSA key: the old call is refused too
			"Руководитель юридического лица — 123456789021 (ADMIN_ENTERPRISE, ACTIVE)",
		}},
		{demotest.GOSTIndividual, []string{
			"Регистрация: Физическое лицо — ТЕСТОВ ТЕСТ ТЕСТОВИЧ, ИИН 123456789011",
			"ИИН/БИН: 123456789011",
			"Физическое лицо — 123456789011 (INDIVIDUAL, ACTIVE)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.keys.Name, func(t *testing.T) {
			demotest.InProcess(t)
			code, out := demotest.Run(t, run, tt.keys.Args(dir)...)
			require.Equal(t, 0, code, out)
			for _, want := range append(tt.want, "Логин: "+tt.keys.IIN, "(SESSION_ALREADY_OPEN)", "прежняя сессия: CLOSED", "Статус: CLOSED") {
				assert.Contains(t, out, want)
			}
		})
	}
}

// The head has an account with both profiles on the mock ESF_MOCK_URL
// names (a first run made it): the second run registers nothing and opens
// the session with -password.
func TestAPISessionRegisteredAccount(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs")
	k := demotest.GOSTHead
	srv := demotest.Mock(t, dir, k)
	demotest.Against(t, srv.URL)
	code, out := demotest.Run(t, run, k.Args(dir)...)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "Соглашения подписаны: 2")

	code, out = demotest.Run(t, run, k.Args(dir, "-password", newAccountPassword)...)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "Справочник налогоплательщиков: БИН 123456789021 есть в справочнике ЭСФ")
	assert.Contains(t, out, "Уже зарегистрирован: профиль ADMIN_ENTERPRISE — 123456789021 есть")
	assert.NotContains(t, out, "Соглашения подписаны")
	assert.Contains(t, out, "Статус: CLOSED")
}
