package mockserver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newRetentionServer(t *testing.T, retention time.Duration) *Server {
	t.Helper()
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	s, err := New(Options{Now: func() time.Time { return at }, Retention: retention, BcryptCost: 4})
	require.NoError(t, err)
	return s
}

func (s *Server) sendTest(t *testing.T, to string) {
	t.Helper()
	require.NoError(t, s.update(context.Background(), func(r *request) error { return s.send(r, Mail{To: to}) }))
}

func (s *Server) openTest(t *testing.T, iin string) *Session {
	t.Helper()
	var sess *Session
	require.NoError(t, s.update(context.Background(), func(r *request) error {
		var err error
		sess, err = s.openSession(r, iin, iin, "")
		return err
	}))
	return sess
}

// records returns the keys of kind's records.
func (s *Server) records(t *testing.T, kind string) []string {
	t.Helper()
	var keys []string
	require.NoError(t, s.view(context.Background(), func(r *request) error {
		list, err := r.tx.RecordsOf(kind, "")
		for _, rec := range list {
			keys = append(keys, rec.Key)
		}
		return err
	}))
	return keys
}

// What is over — e-mails, closed or idle sessions, used or expired
// tickets — goes once the retention window has passed; what is live stays;
// e-mail IDs keep counting.
func TestRetention(t *testing.T) {
	s := newRetentionServer(t, 48*time.Hour)
	s.sendTest(t, "old@example.kz")
	closed := s.openTest(t, "111111111111")
	require.NoError(t, s.update(context.Background(), func(r *request) error { return s.closeSession(r, closed.ID) }))
	idle := s.openTest(t, "222222222222")
	_, err := s.issueTicket(context.Background(), "111111111111", DefaultTicketTTL)
	require.NoError(t, err)

	s.Advance(47 * time.Hour)
	s.sendTest(t, "mid@example.kz")
	assert.Len(t, s.Mail(), 2, "nothing is older than the window yet")

	s.Advance(2 * time.Hour) // 49 h after the first
	live := s.openTest(t, "333333333333")
	s.sendTest(t, "new@example.kz")
	mail := s.Mail()
	require.Len(t, mail, 2)
	assert.Equal(t, "mid@example.kz", mail[0].To)
	assert.Equal(t, 3, mail[1].ID, "IDs outlive the pruned e-mails")
	sessions := map[string]bool{}
	for _, x := range s.Sessions() {
		sessions[x.ID] = true
	}
	assert.False(t, sessions[closed.ID], "a closed session past the window")
	assert.False(t, sessions[idle.ID], "an idle session past the window")
	assert.True(t, sessions[live.ID], "an open session")
	assert.Empty(t, s.records(t, kindTicket), "the expired ticket")
	// The idle session's name (kindOpenSession) outlives it, one per user
	// at most: the user's next log-in replaces it.
	assert.NotEqual(t, idle.ID, s.openTest(t, "222222222222").ID)

	// A state saved and loaded goes on counting from the last ID.
	dump, err := s.Dump()
	require.NoError(t, err)
	again := newRetentionServer(t, 48*time.Hour)
	require.NoError(t, again.Load(dump))
	again.sendTest(t, "after@example.kz")
	m := again.Mail()
	assert.Equal(t, 4, m[len(m)-1].ID)
}

// A negative retention keeps everything.
func TestRetentionForever(t *testing.T) {
	s := newRetentionServer(t, -1)
	s.sendTest(t, "old@example.kz")
	s.Advance(365 * 24 * time.Hour)
	s.sendTest(t, "new@example.kz")
	assert.Len(t, s.Mail(), 2)
}
