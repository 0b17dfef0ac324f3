package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/examples/internal/demo"
	"github.com/esfkit/esf/examples/internal/demotest"
	"github.com/esfkit/esf/internal/testref"
)

func TestIndividual(t *testing.T) {
	demotest.InProcess(t)
	code, out := demotest.Run(t, run, "-now", "2026-06-01T09:00:00Z")
	require.Equal(t, 0, code, out)
	for _, want := range []string{
		"Категория: Физическое лицо",
		"Сертификат: AUTH_RSA256_",
		"Логин (ИИН): " + demo.Head.IIN,
		"ФИО: ТЕСТОВ ТЕСТ ТЕСТОВИЧ",
		"Пароль: ******** (надёжность: Высокий)",
		"Соглашение физического лица: подписать",
		"Подписать ключом: RSA256_",
		"Запрос создан успешно. Дальнейшие инструкции отправлены по указанному E-mail",
		"Тема: Завершение процесса регистрации",
		"Регистрация завершена",
		"Физическое лицо — " + demo.Head.IIN + " (INDIVIDUAL, ACTIVE)",
		"Ошибка: Неверный пароль (PASSWORD_INVALID",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "Соглашение юридического лица")
	assert.NotContains(t, out, "Справочник налогоплательщиков", "an individual needs no register record")
}

// A person's real NCA key stores — AUTH_RSA256_ and RSA256_, or one
// GOST512_ — with NCA's CA trusted through -trust and -crl.
func TestIndividualNCAKeys(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs")
	tests := []struct {
		keys       demotest.Keys
		auth, sign string
	}{
		{demotest.RSAIndividual, "Сертификат: AUTH_RSA256_b2c70a9ff7a5dc59de0ccc3c0ddde3437cc1f12d.p12", "Подписать ключом: RSA256_11c707bd54cbfcccb3815e39c4eb57b1dc7dfea9.p12"},
		{demotest.GOSTIndividual, "Сертификат: GOST512_", "Подписать ключом: GOST512_"},
	}
	for _, tt := range tests {
		t.Run(tt.keys.Name, func(t *testing.T) {
			demotest.InProcess(t)
			code, out := demotest.Run(t, run, tt.keys.Args(dir)...)
			require.Equal(t, 0, code, out)
			for _, want := range []string{
				"Доверенный УЦ: ",
				tt.auth,
				tt.sign,
				"Логин (ИИН): " + tt.keys.IIN,
				"ФИО: ТЕСТОВ ТЕСТ ТЕСТОВИЧ",
				"Соглашение физического лица: подписать",
				"Регистрация завершена",
				"Физическое лицо — " + tt.keys.IIN + " (INDIVIDUAL, ACTIVE)",
				"Ошибка: Неверный пароль (PASSWORD_INVALID",
			} {
				assert.Contains(t, out, want)
			}
		})
	}
}
