package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/examples/internal/demo"
	"github.com/esfkit/esf/examples/internal/demotest"
	"github.com/esfkit/esf/internal/testref"
)

func TestChangeOfHead(t *testing.T) {
	demotest.InProcess(t)
	// Monday 1 June 2026: the next refresh is Wednesday 00:00 Almaty.
	code, s := demotest.Run(t, run, "-now", "2026-06-01T09:00:00Z")
	require.Equal(t, 0, code, s)
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

// The reference set has no two heads of one BIN (every CEO key store is
// IIN 123456789011's, of BIN 123456789021), so the new head is the real
// NCA key store and the former head a test person whose key stores are
// issued in memory for the same BIN: the in-process mock trusts NCA's CA
// (-trust) and the certstest CAs.
func TestChangeOfHeadNCAKeys(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs")
	tests := []struct {
		keys    demotest.Keys
		refresh string // the next refresh after keys.Now
	}{
		{demotest.GOSTHead, "02.09.2026 00:00"}, // Tuesday 1 September 2026
		{demotest.RSAHead, "03.06.2020 00:00"},  // Monday 1 June 2020
	}
	for _, tt := range tests {
		t.Run(tt.keys.Name, func(t *testing.T) {
			demotest.InProcess(t)
			code, s := demotest.Run(t, run, tt.keys.Args(dir)...)
			require.Equal(t, 0, code, s)
			bin, old := tt.keys.BIN, demo.NewHead // the test head not named as the certificate's holder
			assert.Equal(t, 2, strings.Count(s, "(ENTERPRISE_ALREADY_REGISTERED)"))
			for _, want := range []string{
				"Доверенные УЦ: и тестовые certs/certstest",
				`Справочник налогоплательщиков: АО "ТЕСТ" — ` + bin + ", первый руководитель: ИИН " + old.IIN + " (в справочнике ЭСФ)",
				"Регистрация: Юридическое лицо — " + old.FullName() + ", ИИН " + old.IIN,
				`Справочник налогоплательщиков: АО "ТЕСТ" — ` + bin + ", первый руководитель: ИИН " + tt.keys.IIN + "\n",
				"Справочник обновлён " + tt.refresh + " по Алматы",
				"Регистрация: Юридическое лицо — ТЕСТОВ ТЕСТ ТЕСТОВИЧ, ИИН " + tt.keys.IIN,
				"Руководитель юридического лица — " + bin + " (ADMIN_ENTERPRISE, ACTIVE)",
				"Руководитель юридического лица — " + bin + " (ADMIN_ENTERPRISE, ENTERPRISE_ADMIN_CHANGE_BLOCKED)",
			} {
				assert.Contains(t, s, want)
			}
		})
	}
}
