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

func TestAPISession(t *testing.T) {
	t.Setenv(demo.EnvURL, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	require.Equal(t, 0, run(ctx, []string{"-now", "2026-06-01T09:00:00Z"}, &out), out.String())
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
		assert.Contains(t, out.String(), want)
	}
}
