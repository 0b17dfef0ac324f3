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

func TestEntrepreneur(t *testing.T) {
	t.Setenv(demo.EnvURL, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	require.Equal(t, 0, run(ctx, []string{"-now", "2026-06-01T09:00:00Z"}, &out), out.String())
	for _, want := range []string{
		"Справочник налогоплательщиков: ТЕСТОВ ТЕСТ ТЕСТОВИЧ — " + demo.Head.IIN,
		"Категория: Индивидуальный предприниматель",
		"Соглашение индивидуального предпринимателя: подписать",
		"Запрос создан успешно",
		"Тема: Регистрация завершена",
		"Индивидуальный предприниматель — " + demo.Head.IIN + " (ENTREPRENEUR, ACTIVE)",
		"Ошибка: Налогоплательщик не зарегистрирован в качестве индивидуального предпринимателя (NOT_ENTREPRENEUR)",
	} {
		assert.Contains(t, out.String(), want)
	}
}
