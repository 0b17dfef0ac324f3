package mockserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

func newControl(t *testing.T, modify ...func(*mockserver.Options)) (*mockserver.TestServer, *mockserver.ControlClient, context.Context) {
	t.Helper()
	srv := mockserver.NewTestServer(t, append([]func(*mockserver.Options){mockserver.FixedClock(at)}, modify...)...)
	ctl, err := mockserver.NewControlClient(srv.URL, mockserver.ControlClientOptions{})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return srv, ctl, ctx
}

func TestControlClient(t *testing.T) {
	srv, ctl, ctx := newControl(t)

	now, err := ctl.Now(ctx)
	require.NoError(t, err)
	assert.True(t, now.Equal(at), "%s", now)
	require.NoError(t, ctl.Advance(ctx, 72*time.Hour))
	assert.True(t, srv.Now().Equal(at.Add(72*time.Hour)))
	require.NoError(t, ctl.SetTime(ctx, at))

	// Empty lists are [], not null.
	mail, err := ctl.Mail(ctx)
	require.NoError(t, err)
	assert.NotNil(t, mail)
	assert.Empty(t, mail)
	for _, path := range []string{"/_mock/mail", "/_mock/mail?to=nobody@example.kz", "/_mock/sessions"} {
		_, body, err := ctl.Raw(ctx, http.MethodGet, path, "", nil)
		require.NoError(t, err)
		assert.JSONEq(t, `[]`, string(body), path)
	}
	_, body, err := ctl.Raw(ctx, http.MethodGet, "/_mock/taxpayers", "", nil)
	require.NoError(t, err)
	assert.JSONEq(t, `{"pending":[]}`, string(body))

	// Taxpayers: one, several, and a refused batch adds nothing.
	entity := esfreg.Taxpayer{TIN: certstest.TestBIN, NameRu: `АО "ТЕСТ"`, Type: esfreg.EnterprisePrivate, Resident: true, EnterpriseAdministrator: certstest.TestIIN}
	person := esfreg.Taxpayer{TIN: certstest.TestIIN2, LastNameRu: "ТЕСТТОВ", Type: esfreg.EnterpriseIndividualEntrepreneur, Resident: true}
	changes, err := ctl.SeedTaxpayers(ctx, true, entity, person)
	require.NoError(t, err)
	assert.Len(t, changes, 2)
	tp, err := ctl.Taxpayer(ctx, certstest.TestBIN)
	require.NoError(t, err)
	assert.Equal(t, entity.NameRu, tp.NameRu)
	_, err = ctl.SeedTaxpayers(ctx, false, entity, esfreg.Taxpayer{TIN: "12"})
	var ce *mockserver.ControlError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, http.StatusBadRequest, ce.Status)
	assert.Contains(t, ce.Field, "[1]")
	pending, err := ctl.PendingChanges(ctx)
	require.NoError(t, err)
	assert.Empty(t, pending, "a refused batch staged its first taxpayer")
	// A single object is still taken, and answered with one change.
	status, body, err := ctl.Raw(ctx, http.MethodPost, "/_mock/taxpayers", "application/json", mustJSON(t, person))
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, status)
	var one esfreg.Change
	require.NoError(t, json.Unmarshal(body, &one), "%s", body)
	assert.Equal(t, person.TIN, one.Taxpayer.TIN)

	// Refusals branch like the portal's.
	_, err = ctl.Account(ctx, certstest.TestIIN)
	assert.ErrorIs(t, err, esfreg.ErrUserNotRegistered)
	err = ctl.QueueFault(ctx, mockserver.Fault{Match: "createSessionSigned", Code: mockserver.CodeSessionClosed, Count: -1})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "count", ce.Field)
	require.NoError(t, ctl.QueueFault(ctx, mockserver.Fault{Match: "createSessionSigned", Code: mockserver.CodeSessionClosed}))

	// A test key store, opened with the PIN the mock sent.
	ks, err := ctl.KeyStore(ctx, mockserver.KeyStoreRequest{Kind: "ceo", Usage: "sign"})
	require.NoError(t, err)
	assert.Regexp(t, `^RSA256_[0-9a-f]{40}\.p12$`, ks.Name)
	opened, err := certs.Open(ks.PKCS12, ks.PIN)
	require.NoError(t, err)
	assert.True(t, opened.Certificate.HasRole(certs.RoleCEO))

	// The state goes out and comes back.
	dump, err := ctl.Dump(ctx)
	require.NoError(t, err)
	require.NoError(t, ctl.Reset(ctx))
	_, err = ctl.Taxpayer(ctx, certstest.TestBIN)
	require.Error(t, err)
	require.NoError(t, ctl.Load(ctx, dump))
	_, err = ctl.Taxpayer(ctx, certstest.TestBIN)
	require.NoError(t, err)

	sessions, err := ctl.Sessions(ctx)
	require.NoError(t, err)
	assert.Empty(t, sessions)
}

// The control API speaks English to its users — developers and CI — with
// a stable code and the field at fault; the portal's refusals stay Russian.
func TestControlErrorsInEnglish(t *testing.T) {
	_, ctl, ctx := newControl(t)
	for _, tc := range []struct{ method, path, ct, body, field string }{
		{"POST", "/_mock/clock", "application/json", `{"set":"9999-01-01T00:00:00Z"}`, "set"},
		{"POST", "/_mock/clock", "application/json", `{"set":1}`, "set"},
		{"POST", "/_mock/clock", "application/json", `{"set":"2027-01-01T00:00:00Z","set":"2028-01-01T00:00:00Z"}`, "set"},
		{"POST", "/_mock/clock", "text/plain", `{}`, ""},
		{"POST", "/_mock/clock", "application/json", `{`, ""},
		{"POST", "/_mock/faults", "application/json", `{"match":"nope","code":"SESSION_CLOSED"}`, "match"},
		{"POST", "/_mock/taxpayers", "application/json", `{"tin":"12"}`, "tin"},
		{"POST", "/_mock/taxpayers", "application/json", `[{"tin":"123456789021","type":"PRIVATE_ENTERPRISE","nameRu":"x"},{"tin":"x"}]`, ""},
		{"POST", "/_mock/trust", "application/pkix-cert", `garbage`, ""},
		{"GET", "/_mock/accounts/123456789011", "", ``, ""},
		{"GET", "/_mock/taxpayers/123456789011", "", ``, ""},
		{"GET", "/_mock/nowhere", "", ``, ""},
		{"DELETE", "/_mock/clock", "", ``, ""},
		{"GET", "/_mock/keystore?kind=boss", "", ``, ""},
	} {
		status, body, err := ctl.Raw(ctx, tc.method, tc.path, tc.ct, []byte(tc.body))
		require.NoError(t, err)
		assert.GreaterOrEqual(t, status, 400, "%s %s %s", tc.method, tc.path, tc.body)
		var e struct {
			Code    string  `json:"code"`
			Message string  `json:"message"`
			Field   *string `json:"field"`
			Success *bool   `json:"success"`
		}
		require.NoError(t, json.Unmarshal(body, &e), "%s", body)
		assert.NotEmpty(t, e.Code, "%s", body)
		assert.NotEmpty(t, e.Message, "%s", body)
		assert.Nil(t, e.Success, "the control API's errors are {code, message, field}: %s", body)
		for _, r := range e.Message {
			if unicode.Is(unicode.Cyrillic, r) {
				t.Errorf("%s %s: the control API answered in Russian: %s", tc.method, tc.path, e.Message)
				break
			}
		}
		if tc.field != "" {
			require.NotNil(t, e.Field, "%s", body)
			assert.Equal(t, tc.field, *e.Field, "%s", body)
		}
	}
	// The portal's refusal of the same kind stays Russian.
	status, body, err := ctl.Raw(ctx, "POST", "/esf-web/ajax/change-email", "application/json", []byte(`{"login":"1","login":"2"}`))
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, string(body), "указано дважды")
}

// A mock with a control token: the client sends it.
func TestControlClientToken(t *testing.T) {
	srv, ctl, ctx := newControl(t, func(o *mockserver.Options) { o.ControlToken = "s3cret" })
	err := ctl.Reset(ctx)
	var ce *mockserver.ControlError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, http.StatusUnauthorized, ce.Status)
	assert.Equal(t, mockserver.CodeControlTokenRequired, ce.Code)
	assert.NoError(t, ctl.WithToken("s3cret").Reset(ctx))
	withOpt, err := mockserver.NewControlClient(srv.URL, mockserver.ControlClientOptions{Token: "s3cret"})
	require.NoError(t, err)
	assert.NoError(t, withOpt.Reset(ctx))

	_, err = mockserver.NewControlClient("127.0.0.1:8080", mockserver.ControlClientOptions{})
	assert.Error(t, err)
	// Not a mock at all: a clear error, not a JSON one.
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	other, err := mockserver.NewControlClient(plain.URL, mockserver.ControlClientOptions{})
	require.NoError(t, err)
	err = other.Reset(ctx)
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, http.StatusNotFound, ce.Status)
	assert.Contains(t, ce.Message, "not a control API answer")
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return data
}
