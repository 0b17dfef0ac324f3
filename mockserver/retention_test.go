package mockserver

import (
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

func (s *Server) sendTest(to string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sendLocked(Mail{To: to})
}

func (s *Server) openTest(t *testing.T, iin string) *Session {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, err := s.openSessionLocked(iin, iin, "")
	require.NoError(t, err)
	return sess
}

// What is over — e-mails, closed or idle sessions, used or expired
// tickets — goes once the retention window has passed; what is live stays;
// e-mail IDs keep counting.
func TestRetention(t *testing.T) {
	s := newRetentionServer(t, 48*time.Hour)
	s.sendTest("old@example.kz")
	closed := s.openTest(t, "111111111111")
	s.mu.Lock()
	s.closeSessionLocked(closed.ID)
	s.mu.Unlock()
	idle := s.openTest(t, "222222222222")
	_, err := s.issueTicket("111111111111", DefaultTicketTTL)
	require.NoError(t, err)

	s.Advance(47 * time.Hour)
	s.sendTest("mid@example.kz")
	assert.Len(t, s.Mail(), 2, "nothing is older than the window yet")

	s.Advance(2 * time.Hour) // 49 h after the first
	live := s.openTest(t, "333333333333")
	s.sendTest("new@example.kz")
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
	s.mu.Lock()
	assert.Len(t, s.tickets, 0, "the expired ticket")
	_, idleStillOpen := s.sessions.open["222222222222"]
	s.mu.Unlock()
	assert.False(t, idleStillOpen)

	// A state saved and loaded goes on counting from the last ID.
	dump, err := s.Dump()
	require.NoError(t, err)
	again := newRetentionServer(t, 48*time.Hour)
	require.NoError(t, again.Load(dump))
	again.sendTest("after@example.kz")
	m := again.Mail()
	assert.Equal(t, 4, m[len(m)-1].ID)
}

// A negative retention keeps everything.
func TestRetentionForever(t *testing.T) {
	s := newRetentionServer(t, -1)
	s.sendTest("old@example.kz")
	s.Advance(365 * 24 * time.Hour)
	s.sendTest("new@example.kz")
	assert.Len(t, s.Mail(), 2)
}
