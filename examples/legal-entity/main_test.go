package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/examples/internal/demo"
	"github.com/esfkit/esf/examples/internal/demotest"
	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/mockserver"
)

// pinned is inside certstest's fixtures' year: the output is the same on
// every run but for the port.
const pinned = "2026-06-01T09:00:00Z"

func runExample(t *testing.T, args ...string) string {
	t.Helper()
	code, out := demotest.Run(t, run, args...)
	require.Equal(t, 0, code, out)
	return out
}

func TestLegalEntity(t *testing.T) {
	demotest.InProcess(t)
	out := runExample(t, "-now", pinned)
	for _, want := range []string{
		"Справочник налогоплательщиков: записи БИН " + demo.EntityBIN + " не было, добавлена по сертификату",
		demo.EntityName + " — " + demo.EntityBIN + ", первый руководитель: ИИН " + demo.Head.IIN + " (PRIVATE_ENTERPRISE, в справочнике ЭСФ)",
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

// ESF_MOCK_URL names a mock: the example sets it up through /_mock/. The
// former ESF_URL still works for one release.
func TestLegalEntityAgainstMockURL(t *testing.T) {
	for _, env := range []string{demo.EnvURL, demo.EnvURLDeprecated} {
		t.Run(env, func(t *testing.T) {
			srv := mockserver.NewTestServer(t, mockserver.FixedClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)))
			demotest.InProcess(t)
			t.Setenv(env, srv.URL)
			out := runExample(t)
			assert.Contains(t, out, "ИС ЭСФ (mock): "+srv.URL)
			assert.Contains(t, out, "Руководитель юридического лица — "+demo.EntityBIN+" (ADMIN_ENTERPRISE, ACTIVE)")
			acct, err := srv.Account(demo.Head.IIN)
			require.NoError(t, err)
			assert.Equal(t, "head@example.kz", acct.Email)
		})
	}
}

// noControl serves srv but answers every /_mock/ call with status and,
// unless empty, the mock's error code: a real stand (404) or a mock whose
// control API wants a token (401).
func noControl(t *testing.T, srv http.Handler, status int, code esfreg.Code) string {
	t.Helper()
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_mock/") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"code": string(code), "message": "no"})
			return
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(h.Close)
	return h.URL
}

// ESF_MOCK_URL names a server without the control API: the steps that need
// it (the register, the e-mail) are skipped, saying so.
func TestLegalEntityWithoutControl(t *testing.T) {
	// A server on the real clock, whose time the example cannot read,
	// with the entity in its own register.
	srv := mockserver.NewTestServer(t)
	_, err := srv.SeedTaxpayer(demo.Entity(demo.Head), true)
	require.NoError(t, err)
	demotest.Against(t, noControl(t, srv, http.StatusNotFound, mockserver.CodeNotFound))
	out := runExample(t)
	assert.Contains(t, out, "без API управления /_mock/")
	assert.Contains(t, out, "запись БИН "+demo.EntityBIN+" не проверена (у сервера нет /_mock/")
	assert.Contains(t, out, "Запрос создан успешно")
	assert.Contains(t, out, "Письмо «Завершение процесса регистрации» отправлено на head@example.kz: откройте его")
	assert.NotContains(t, out, "Вход в систему")
}

func TestHelpAndBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help", []string{"-h"}, 0, "Usage: go run ./examples/legal-entity"},
		{"help names the variable", []string{"-h"}, 0, "With ESF_MOCK_URL=URL"},
		{"help lists -trust", []string{"-h"}, 0, "-trust FILE"},
		{"bad -now", []string{"-now", "yesterday"}, 2, "-now"},
		{"missing -trust file", []string{"-trust", "/nonexistent/ca.cer"}, 2, "-trust /nonexistent/ca.cer"},
		{"missing -crl file", []string{"-crl", "/nonexistent/ca.crl"}, 2, "-crl: open /nonexistent/ca.crl"},
		{"missing -auth file", []string{"-auth", "/nonexistent/head.p12"}, 1, "-auth /nonexistent/head.p12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			demotest.InProcess(t)
			var out bytes.Buffer
			assert.Equal(t, tt.code, run(context.Background(), tt.args, &out), out.String())
			assert.Contains(t, out.String(), tt.want)
		})
	}
}

// A first head's real NCA key stores, with NCA's CA trusted: the mock has
// no record of the certificate's BIN, so the example publishes one built
// from the certificate, and the registration completes.
func TestLegalEntityNCAKeys(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs")
	for _, k := range []demotest.Keys{demotest.GOSTHead, demotest.RSAHead} {
		t.Run(k.Name, func(t *testing.T) {
			demotest.InProcess(t)
			out := runExample(t, k.Args(dir)...)
			for _, want := range []string{
				"Доверенный УЦ: ",
				"Список отзыва: ",
				"Справочник налогоплательщиков: записи БИН " + k.BIN + " не было, добавлена по сертификату",
				`АО "ТЕСТ" — ` + k.BIN + ", первый руководитель: ИИН " + k.IIN + " (PRIVATE_ENTERPRISE, в справочнике ЭСФ)",
				"Логин (ИИН): " + k.IIN,
				`Наименование: АО "ТЕСТ"`,
				"Соглашение юридического лица: подписать",
				"Соглашение физического лица: подписать",
				"Регистрация завершена",
				"Физическое лицо — " + k.IIN + " (INDIVIDUAL, ACTIVE)",
				"Руководитель юридического лица — " + k.BIN + " (ADMIN_ENTERPRISE, ACTIVE)",
			} {
				assert.Contains(t, out, want)
			}
		})
	}
}

// Without -trust the mock trusts only its test CAs: a real NCA key store
// is not valid to it; with -crl a revoked one is refused as revoked.
func TestLegalEntityNCAKeyRefused(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs")
	k := demotest.GOSTHead
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no -trust", []string{"-now", k.Now, "-pin", demotest.PIN, "-auth", dir + "/" + k.Auth}, "(CERTIFICATE_NOT_VALID"},
		{"revoked, with -crl", demotest.GOSTHeadRevoked.Args(dir), "(CERTIFICATE_REVOKED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			demotest.InProcess(t)
			code, out := demotest.Run(t, run, tt.args...)
			assert.Equal(t, 1, code, out)
			assert.Contains(t, out, tt.want)
		})
	}
}

// Against a mock whose register has the BIN already the record is left
// as it is.
func TestLegalEntityKnownTaxpayer(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs")
	k := demotest.GOSTHead
	srv := demotest.Mock(t, dir, k)
	known := esfreg.Taxpayer{TIN: k.BIN, NameRu: `АО "ТЕСТ" (справочник)`, Type: esfreg.EnterprisePrivate, Resident: true,
		EnterpriseAdministrator: k.IIN, AddressRu: "г. Алматы"}
	_, err := srv.SeedTaxpayer(known, true)
	require.NoError(t, err)
	demotest.Against(t, srv.URL)
	out := runExample(t, k.Args(dir)...)
	assert.Contains(t, out, "Справочник налогоплательщиков: БИН "+k.BIN+" есть в справочнике ЭСФ")
	assert.Contains(t, out, `АО "ТЕСТ" (справочник) — `+k.BIN+", первый руководитель: ИИН "+k.IIN+" (PRIVATE_ENTERPRISE; запись не меняется)")
	assert.Contains(t, out, "передан через /_mock/")
	assert.Contains(t, out, "Руководитель юридического лица — "+k.BIN+" (ADMIN_ENTERPRISE, ACTIVE)")
	got, err := srv.Taxpayer(k.BIN)
	require.NoError(t, err)
	assert.Equal(t, known.NameRu, got.NameRu)
}

// The head is registered as an individual already: step 1 says
// existingAccount, and step 2 takes his current password (-password)
// instead of a new one, as the portal does; he signs only the legal
// entity's agreement. The remote mock has no record of the BIN: the
// example publishes it through the control API.
func TestLegalEntityExistingAccount(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs")
	const current = "Current2026x"
	tests := []struct {
		name     string
		password string
		code     int
		want     []string
	}{
		{"with -password", current, 0, []string{
			"У ИИН 123456789011 уже есть учётная запись в ИС ЭСФ: новый пароль не задаётся, вводится текущий",
			"E-mail: person@example.kz",
			"Текущий пароль: ********",
			"Соглашение юридического лица: подписать",
			"Письмо на person@example.kz",
			"Руководитель юридического лица — 123456789021 (ADMIN_ENTERPRISE, ACTIVE)",
		}},
		{"without -password", "", 1, []string{
			"(текущий пароль учётной записи: флаг -password)",
			"Ошибка: Пользователь с этим ИИН уже зарегистрирован: введите текущий пароль (PASSWORD_ALREADY_SET, поле currentPassword)",
		}},
		{"wrong -password", "Wrong2026xx", 1, []string{"(PASSWORD_INVALID, поле currentPassword)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := demotest.GOSTHead
			srv := demotest.Mock(t, dir, k)
			person := demotest.GOSTIndividual
			auth, sign := person.Open(t, dir)
			require.NoError(t, demotest.RegisterIndividual(context.Background(), srv, auth, sign, "person@example.kz", current))
			demotest.Against(t, srv.URL)
			var extra []string
			if tt.password != "" {
				extra = []string{"-password", tt.password}
			}
			code, out := demotest.Run(t, run, k.Args(dir, extra...)...)
			require.Equal(t, tt.code, code, out)
			for _, want := range tt.want {
				assert.Contains(t, out, want)
			}
			assert.NotContains(t, out, "Соглашение физического лица")
			assert.Contains(t, out, "записи БИН "+k.BIN+" не было, добавлена по сертификату")
			got, err := srv.Taxpayer(k.BIN)
			require.NoError(t, err)
			assert.Equal(t, esfreg.Taxpayer{TIN: k.BIN, NameRu: `АО "ТЕСТ"`, Type: esfreg.EnterprisePrivate, Resident: true,
				EnterpriseAdministrator: k.IIN, AddressRu: demo.Address}, got, "the record built from the certificate")
		})
	}
}

// A server whose control API is gone (404) or wants a token (401): the
// example says so for -trust, -crl and the register, and goes on.
func TestLegalEntityNCAKeysWithoutControl(t *testing.T) {
	dir := testref.Dir(t, "reference", "nca-test-certs")
	k := demotest.GOSTHead
	tests := []struct {
		name   string
		status int
		code   esfreg.Code
		cause  string
	}{
		{"404", http.StatusNotFound, mockserver.CodeNotFound, "HTTP 404 NOT_FOUND"},
		{"401", http.StatusUnauthorized, mockserver.CodeControlTokenRequired, "HTTP 401 CONTROL_TOKEN_REQUIRED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := demotest.Mock(t, dir, k)
			_, sign := k.Open(t, dir)
			_, err := srv.SeedTaxpayer(demo.CompanyOf(sign.Certificate).Record(k.IIN), true)
			require.NoError(t, err)
			demotest.Against(t, noControl(t, srv, tt.status, tt.code))
			out := runExample(t, k.Args(dir)...)
			assert.Contains(t, out, "без API управления /_mock/: шаги, которым оно нужно, пропускаются; /_mock/ ответил "+tt.cause)
			assert.Contains(t, out, "-trust и -crl не переданы")
			assert.Contains(t, out, "запись БИН "+k.BIN+" не проверена")
			assert.Contains(t, out, "Запрос создан успешно")
		})
	}
}
