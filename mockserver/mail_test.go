package mockserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/agreement"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/internal/testref"
	"github.com/esfkit/esf/mockserver/mockstore"
)

// The registration e-mail is ESF's, word for word: given the values of the
// e-mail the original user documents show, the mock writes that e-mail.
func TestRegistrationMailIsTheDocuments(t *testing.T) {
	seeds := testref.Dir(t, "seeds")
	data, err := os.ReadFile(filepath.Join(seeds, "000_a6d6fd7491ae063d.txt"))
	require.NoError(t, err)
	doc := string(data)
	start := strings.Index(doc, "Уважаемый пользователь")
	require.GreaterOrEqual(t, start, 0, "the documents' e-mail")
	end := strings.Index(doc[start:], "по ошибке.")
	require.Greater(t, end, 0)
	want := doc[start : start+end+len("по ошибке.")]
	// The mail client showed the link in angle brackets.
	want = strings.NewReplacer("<https://", "https://", "b2e>", "b2e").Replace(want)

	const link = "https://esf.gov.kz:8443/esf-web/self-registration-request/e2735aa0904850467b5c174c84f9b89c77410b2e"
	m := registrationMail("head@example.kz", esfreg.LegalEntity, agreement.Russian, "Уэйн Брюс", "951735469875", "ООО Бэтмо-Кар", "753159846249", link)
	assert.Equal(t, strings.TrimSpace(want), strings.TrimSpace(m.Body))
	assert.Equal(t, "Завершение процесса регистрации", m.Subject)
	assert.Equal(t, link, m.Link)
}

func TestRegistrationMailKinds(t *testing.T) {
	const link = "http://127.0.0.1/esf-web/self-registration-request/0123"
	for _, tc := range []struct {
		name     string
		category esfreg.Category
		lang     agreement.Lang
		bin      string
		want     []string
	}{
		{"individual", esfreg.Individual, agreement.Russian, "", []string{"в качестве физического лица Вам необходимо принять Соглашение", "Примечание: Для подписи Соглашения необходимо использовать сертификат подписи.", "Внимание!"}},
		{"entrepreneur", esfreg.Entrepreneur, agreement.Russian, "", []string{"в качестве индивидуального предпринимателя Вам необходимо"}},
		{"head", esfreg.LegalEntity, agreement.Russian, "123456789021", []string{"в качестве Руководителя юридического лица АО \"ТЕСТ\" (БИН: 123456789021)"}},
		{"Kazakh", esfreg.Individual, agreement.Kazakh, "", []string{"Құрметті пайдаланушы", "(ЖСН: 123456789011)", "жеке тұлға ретінде", "Назар аударыңыз!"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := registrationMail("a@example.kz", tc.category, tc.lang, "ТЕСТОВ ТЕСТ", "123456789011", `АО "ТЕСТ"`, tc.bin, link)
			for _, w := range tc.want {
				assert.Contains(t, m.Body, w)
			}
			assert.Contains(t, m.Body, link)
		})
	}
}

// A store an earlier version wrote kept the last e-mail's and the last
// queued fault's numbers in setting records. New moves them to the store's
// counters, so the numbering goes on where it was, and deletes the
// records; a second New finds nothing to move.
func TestMoveCounters(t *testing.T) {
	ctx := t.Context()
	st := mockstore.NewMemStore()
	require.NoError(t, st.Update(ctx, func(tx mockstore.Tx) error {
		require.NoError(t, putJSON(tx, kindSetting, settingMailSeq, "", time.Time{}, 41))
		return putJSON(tx, kindSetting, settingFaultSeq, "", time.Time{}, 5)
	}))
	newServer := func() *Server {
		s, err := New(Options{Store: st, BcryptCost: 4, Now: func() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }})
		require.NoError(t, err)
		return s
	}
	send := func(s *Server) {
		require.NoError(t, s.update(ctx, func(r *request) error { return s.send(r, Mail{To: "a@example.kz", Subject: "s"}) }))
	}
	s := newServer()
	send(s)
	require.NoError(t, s.QueueFault(Fault{Match: "esfVersion", Code: CodeInternal}))
	require.NoError(t, st.View(ctx, func(tx mockstore.Tx) error {
		for _, key := range []string{settingMailSeq, settingFaultSeq} {
			_, err := tx.Record(kindSetting, key)
			require.ErrorIs(t, err, esfreg.ErrNotFound, "the record %s is left", key)
		}
		faults, err := tx.RecordsOf(kindFault, "")
		require.NoError(t, err)
		require.Len(t, faults, 1)
		assert.Equal(t, seqKey(6), faults[0].Key, "the fault after the fifth")
		return nil
	}))
	send(newServer())
	var ids []int
	for _, m := range s.MailTo("a@example.kz") {
		ids = append(ids, m.ID)
	}
	assert.Equal(t, []int{42, 43}, ids)
}

// mailKey gives every ID its own key, and consecutive IDs keys far apart
// in the index's order (what keeps PostgreSQL's serializable inserts of
// e-mails off one page).
func TestMailKey(t *testing.T) {
	const n = 100_000
	seen := make(map[string]int, n)
	keys := make([]string, 0, n)
	for id := 1; id <= n; id++ {
		k := mailKey(id)
		require.Len(t, k, 16)
		if prev, dup := seen[k]; dup {
			t.Fatalf("IDs %d and %d share the key %s", prev, id, k)
		}
		seen[k] = id
		keys = append(keys, k)
	}
	slices.Sort(keys)
	neighbours := 0
	for i := 1; i < len(keys); i++ {
		if d := seen[keys[i]] - seen[keys[i-1]]; d == 1 || d == -1 {
			neighbours++
		}
	}
	assert.Less(t, neighbours, 10, "consecutive IDs side by side in key order")
	assert.Equal(t, "0000000000000000", mailKey(0), "the finalizer's fixed point: no ID is 0")
}

// The outbox lists e-mails in the order they were sent, though their keys
// are not; the UI's page of one e-mail finds it by its number, and finds
// one an earlier version stored under seqKey too.
func TestMailOrder(t *testing.T) {
	ctx := t.Context()
	st := mockstore.NewMemStore()
	s, err := New(Options{Store: st, BcryptCost: 4, Now: func() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }})
	require.NoError(t, err)
	const n = 20
	for i := range n {
		require.NoError(t, s.update(ctx, func(r *request) error {
			return s.send(r, Mail{To: "a@example.kz", Subject: fmt.Sprintf("mail %d", i+1)})
		}))
	}
	var keyOrder []int
	require.NoError(t, st.View(ctx, func(tx mockstore.Tx) error {
		recs, err := tx.RecordsOf(kindMail, "")
		for _, rec := range recs {
			var m Mail
			require.NoError(t, json.Unmarshal(rec.Data, &m))
			keyOrder = append(keyOrder, m.ID)
		}
		return err
	}))
	require.False(t, slices.IsSorted(keyOrder), "the keys happen to sort by ID: the test shows nothing")
	for _, list := range [][]Mail{s.Mail(), s.MailTo("a@example.kz")} {
		require.Len(t, list, n)
		for i, m := range list {
			assert.Equal(t, i+1, m.ID)
			assert.Equal(t, fmt.Sprintf("mail %d", i+1), m.Subject)
		}
	}
	dump, err := s.Dump()
	require.NoError(t, err)
	var st2 State
	require.NoError(t, json.Unmarshal(dump, &st2))
	for i, m := range st2.Mail {
		assert.Equal(t, i+1, m.ID, "the export's e-mails")
	}

	// An e-mail stored under seqKey by an earlier version.
	require.NoError(t, st.Update(ctx, func(tx mockstore.Tx) error {
		return putJSON(tx, kindMail, seqKey(7000), "old@example.kz", time.Time{}, Mail{ID: 7000, To: "old@example.kz", Subject: "kept from before"})
	}))
	for _, id := range []int{3, 7000} {
		req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/_mock/ui/mail/%d", id), nil)
		req.Host = "mock.localhost:8080"
		req.RemoteAddr = "127.0.0.1:1"
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code, "e-mail %d", id)
		assert.Contains(t, rec.Body.String(), map[int]string{3: "mail 3", 7000: "kept from before"}[id])
	}
}

// A state loaded into a server raises its mail counter past the e-mails it
// carries: the next e-mail gets a new number, and none of the loaded ones
// is replaced.
func TestMailAfterLoad(t *testing.T) {
	ctx := t.Context()
	newServer := func() *Server {
		s, err := New(Options{BcryptCost: 4, Now: func() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }})
		require.NoError(t, err)
		return s
	}
	send := func(s *Server, subject string) {
		require.NoError(t, s.update(ctx, func(r *request) error {
			return s.send(r, Mail{To: "a@example.kz", Subject: subject})
		}))
	}
	a := newServer()
	for _, subject := range []string{"one", "two", "three"} {
		send(a, subject)
	}
	dump, err := a.Dump()
	require.NoError(t, err)

	b := newServer()
	require.NoError(t, b.Load(dump))
	send(b, "four")
	var got []string
	for _, m := range b.MailTo("a@example.kz") {
		got = append(got, fmt.Sprintf("%d %s", m.ID, m.Subject))
	}
	assert.Equal(t, []string{"1 one", "2 two", "3 three", "4 four"}, got)
}
