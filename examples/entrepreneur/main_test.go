package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/examples/internal/demo"
	"github.com/esfkit/esf/examples/internal/demotest"
	"github.com/esfkit/esf/internal/testref"
)

func TestEntrepreneur(t *testing.T) {
	demotest.InProcess(t)
	code, out := demotest.Run(t, run, "-now", "2026-06-01T09:00:00Z")
	require.Equal(t, 0, code, out)
	for _, want := range []string{
		"Справочник налогоплательщиков: записи ИИН " + demo.Head.IIN + " не было, добавлена по сертификату",
		"ТЕСТОВ ТЕСТ ТЕСТОВИЧ — " + demo.Head.IIN + " (INDIVIDUAL_ENTREPRENEUR, в справочнике ЭСФ)",
		"Категория: Индивидуальный предприниматель",
		"Соглашение индивидуального предпринимателя: подписать",
		"Запрос создан успешно",
		"Тема: Регистрация завершена",
		"Индивидуальный предприниматель — " + demo.Head.IIN + " (ENTREPRENEUR, ACTIVE)",
		"Ошибка: Налогоплательщик не зарегистрирован в качестве индивидуального предпринимателя (NOT_ENTREPRENEUR)",
	} {
		assert.Contains(t, out, want)
	}
}

// A person's real NCA key stores (NCA gives an entrepreneur an
// individual's certificate): the mock has no record of the IIN, so the
// example publishes him as an entrepreneur from the certificate. The
// person the register does not know is a test one, issued in memory: the
// mock trusts the certstest CAs as well as -trust.
func TestEntrepreneurNCAKeys(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs")
	for _, k := range []demotest.Keys{demotest.RSAIndividual, demotest.GOSTIndividual} {
		t.Run(k.Name, func(t *testing.T) {
			demotest.InProcess(t)
			code, out := demotest.Run(t, run, k.Args(dir)...)
			require.Equal(t, 0, code, out)
			for _, want := range []string{
				"Доверенные УЦ: и тестовые certs/certstest",
				"Справочник налогоплательщиков: записи ИИН " + k.IIN + " не было, добавлена по сертификату",
				"ТЕСТОВ ТЕСТ ТЕСТОВИЧ — " + k.IIN + " (INDIVIDUAL_ENTREPRENEUR, в справочнике ЭСФ)",
				"Логин (ИИН): " + k.IIN,
				"Пароль: ********",
				"Индивидуальный предприниматель — " + k.IIN + " (ENTREPRENEUR, ACTIVE)",
				"(NOT_ENTREPRENEUR)",
			} {
				assert.Contains(t, out, want)
			}
		})
	}
}

// The person is registered as an individual already (on the mock
// ESF_MOCK_URL names): step 2 takes his current password, -password, as
// the portal does; without it the example stops with PASSWORD_ALREADY_SET
// and names the flag. The mock has no record of the IIN: the example
// publishes one through the control API.
func TestEntrepreneurExistingAccount(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs")
	const current = "Current2026x"
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"with -password", []string{"-password", current}, 0, []string{
			"У ИИН 123456789011 уже есть учётная запись в ИС ЭСФ: новый пароль не задаётся, вводится текущий",
			"E-mail: person@example.kz",
			"Текущий пароль: ********",
			"Письмо на person@example.kz",
			"Регистрация завершена",
			"Индивидуальный предприниматель — 123456789011 (ENTREPRENEUR, ACTIVE)",
		}},
		{"without -password", nil, 1, []string{
			"(текущий пароль учётной записи: флаг -password)",
			"(PASSWORD_ALREADY_SET, поле currentPassword)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := demotest.GOSTIndividual
			srv := demotest.Mock(t, dir, k)
			auth, sign := k.Open(t, dir)
			require.NoError(t, demotest.RegisterIndividual(t.Context(), srv, auth, sign, "person@example.kz", current))
			demotest.Against(t, srv.URL)
			code, out := demotest.Run(t, run, k.Args(dir, tt.args...)...)
			require.Equal(t, tt.code, code, out)
			for _, want := range tt.want {
				assert.Contains(t, out, want)
			}
			assert.NotContains(t, out, "Пароль: ********", "no new password for an existing account")
			got, err := srv.Taxpayer(k.IIN)
			require.NoError(t, err)
			assert.Equal(t, esfreg.Taxpayer{TIN: k.IIN, LastNameRu: "ТЕСТОВ", FirstNameRu: "ТЕСТ", MiddleNameRu: "ТЕСТОВИЧ",
				Type: esfreg.EnterpriseIndividualEntrepreneur, Resident: true, AddressRu: demo.Address}, got)
		})
	}
}
