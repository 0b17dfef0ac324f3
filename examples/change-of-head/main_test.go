package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/examples/internal/demo"
)

func TestChangeOfHead(t *testing.T) {
	t.Setenv(demo.EnvURL, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	// Monday 1 June 2026: the next refresh is Wednesday 00:00 Almaty.
	require.Equal(t, 0, run(ctx, []string{"-now", "2026-06-01T09:00:00Z"}, &out), out.String())
	s := out.String()
	assert.Equal(t, 2, strings.Count(s, "Ошибка: Юридическое лицо уже зарегистрировано в системе (ENTERPRISE_ALREADY_REGISTERED)"),
		"refused while the register names the old head, and until the refresh")
	for _, want := range []string{
		"ЭСФ увидит его при обновлении справочника 03.06.2026 00:00 по Алматы",
		"Справочник обновлён 03.06.2026 00:00 по Алматы",
		"Регистрация: Юридическое лицо — ТЕСТТОВА ТЕСТТ ТЕСТТОВНА, ИИН " + demo.NewHead.IIN,
		"Руководитель юридического лица — " + demo.EntityBIN + " (ADMIN_ENTERPRISE, ACTIVE)",
		"Руководитель юридического лица — " + demo.EntityBIN + " (ADMIN_ENTERPRISE, ENTERPRISE_ADMIN_CHANGE_BLOCKED)",
	} {
		assert.Contains(t, s, want)
	}
	// The new head signs two agreements, as the first head did.
	assert.Equal(t, 2, strings.Count(s, "Соглашения подписаны: 2"))
}
