package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/examples/internal/demo"
	"github.com/esfkit/esf/mockserver"
)

// pinned is inside certstest's fixtures' year: the output is the same on
// every run but for the port.
const pinned = "2026-06-01T09:00:00Z"

func runExample(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	code := run(ctx, args, &out)
	require.Equal(t, 0, code, out.String())
	return out.String()
}

func TestLegalEntity(t *testing.T) {
	t.Setenv(demo.EnvURL, "")
	out := runExample(t, "-now", pinned)
	for _, want := range []string{
		"Категория: Юридическое лицо",
		"Сертификат: GOST512_",
		"БИН: " + demo.EntityBIN,
		"Соглашение юридического лица: подписать",
		"Соглашение физического лица: подписать",
		"Запрос создан успешно. Дальнейшие инструкции отправлены по указанному E-mail",
		"От: ESF Support <esf@minfin.gov.kz>",
		"Тема: Завершение процесса регистрации",
		"Тема: Регистрация завершена",
		"Физическое лицо — " + demo.Head.IIN + " (INDIVIDUAL, ACTIVE)",
		"Руководитель юридического лица — " + demo.EntityBIN + " (ADMIN_ENTERPRISE, ACTIVE)",
	} {
		assert.Contains(t, out, want)
	}
	assert.Regexp(t, regexp.MustCompile(`\| http://127\.0\.0\.1:\d+/esf-web/self-registration-request/[0-9a-f]{40}\n`), out)
	// With the clock pinned, the run is reproducible but for the port.
	port := regexp.MustCompile(`127\.0\.0\.1:\d+`)
	assert.Equal(t, port.ReplaceAllString(out, "HOST"), port.ReplaceAllString(runExample(t, "-now", pinned), "HOST"))
}

// ESF_URL names a mock: the example sets it up through /_mock/.
func TestLegalEntityAgainstESFURL(t *testing.T) {
	srv := mockserver.NewTestServer(t, mockserver.FixedClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)))
	t.Setenv(demo.EnvURL, srv.URL)
	out := runExample(t)
	assert.Contains(t, out, "ИС ЭСФ (mock): "+srv.URL)
	assert.Contains(t, out, "Руководитель юридического лица — "+demo.EntityBIN+" (ADMIN_ENTERPRISE, ACTIVE)")
	acct, err := srv.Account(demo.Head.IIN)
	require.NoError(t, err)
	assert.Equal(t, "head@example.kz", acct.Email)
}

// ESF_URL names a server without the control API: the steps that need it
// (the register, the e-mail) are skipped, saying so.
func TestLegalEntityWithoutControl(t *testing.T) {
	// A server on the real clock, whose time the example cannot read,
	// with the entity in its own register.
	srv := mockserver.NewTestServer(t)
	_, err := srv.SeedTaxpayer(demo.Entity(demo.Head), true)
	require.NoError(t, err)
	noControl := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_mock/") {
			http.NotFound(w, r)
			return
		}
		srv.ServeHTTP(w, r)
	}))
	defer noControl.Close()
	t.Setenv(demo.EnvURL, noControl.URL)
	out := runExample(t)
	assert.Contains(t, out, "без API управления /_mock/")
	assert.Contains(t, out, "Запрос создан успешно")
	assert.Contains(t, out, "Письмо «Завершение процесса регистрации» отправлено на head@example.kz: откройте его")
	assert.NotContains(t, out, "Вход в систему")
}

func TestHelpAndBadFlags(t *testing.T) {
	var out bytes.Buffer
	assert.Equal(t, 0, run(context.Background(), []string{"-h"}, &out))
	assert.Contains(t, out.String(), "Usage: go run ./examples/legal-entity")
	out.Reset()
	assert.Equal(t, 2, run(context.Background(), []string{"-now", "yesterday"}, &out))
	assert.Contains(t, out.String(), "-now")
}
