package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/examples/internal/demo"
)

func TestIndividual(t *testing.T) {
	t.Setenv(demo.EnvURL, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	require.Equal(t, 0, run(ctx, []string{"-now", "2026-06-01T09:00:00Z"}, &out), out.String())
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
		assert.Contains(t, out.String(), want)
	}
	assert.NotContains(t, out.String(), "Соглашение юридического лица")
}
