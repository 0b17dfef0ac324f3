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

func TestRecovery(t *testing.T) {
	t.Setenv(demo.EnvURL, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	require.Equal(t, 0, run(ctx, []string{"-now", "2026-06-01T09:00:00Z"}, &out), out.String())
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
		assert.Contains(t, out.String(), want)
	}
}
