package mockserver

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/xmlsig"
)

// Ticket lifetimes (AuthService.createAuthTicket: 1..1440 minutes, 30 by default).
const (
	DefaultTicketTTL = 30 * time.Minute
	MaxTicketTTL     = 1440 * time.Minute
)

// ticket is an <authSign> the server issued: single use, expiring.
type ticket struct {
	State   string    `json:"state"`
	IIN     string    `json:"iin,omitempty"`
	Issued  time.Time `json:"issued"`
	Expires time.Time `json:"expires"`
	Used    bool      `json:"used"`
}

// authSign is the ticket document.
type authSign struct {
	XMLName      xml.Name `xml:"authSign"`
	TimeMark     string   `xml:"timeMark"`
	State        string   `xml:"state"`
	IIN          string   `xml:"iin,omitempty"`
	TTLInMinutes string   `xml:"ttlInMinutes,omitempty"`
}

// issueTicket makes a ticket for iin (empty for the portal's log-in ticket,
// which does not know the IIN yet) and returns its XML.
func (s *Server) issueTicket(iin string, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		ttl = DefaultTicketTTL
	}
	state, err := s.randomHex(16)
	if err != nil {
		return "", err
	}
	now := s.clock.Now()
	t := &ticket{State: state, IIN: iin, Issued: now, Expires: now.Add(ttl)}
	s.mu.Lock()
	s.pruneTicketsLocked(now)
	s.pruneLocked(now)
	s.tickets[state] = t
	s.mu.Unlock()
	doc := authSign{TimeMark: strconv.FormatInt(now.UnixMilli(), 10), State: state, IIN: iin}
	if iin != "" {
		doc.TTLInMinutes = strconv.Itoa(int(ttl / time.Minute))
	}
	out, err := xml.Marshal(doc)
	if err != nil {
		return "", err
	}
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + string(out), nil
}

// pruneTicketsLocked drops tickets expired long ago, so they cannot pile up.
func (s *Server) pruneTicketsLocked(now time.Time) {
	if len(s.tickets) < 1024 {
		return
	}
	for k, t := range s.tickets {
		if now.After(t.Expires.Add(time.Hour)) {
			delete(s.tickets, k)
		}
	}
}

// redeemTicket verifies a signed ticket: the XML signature, then that the
// server issued the ticket, that it is unused and unexpired, and that its
// IIN (if it names one) is the signer's. The ticket is used up. It returns
// the signer's certificate.
func (s *Server) redeemTicket(signed string) (*certs.Certificate, error) {
	if strings.TrimSpace(signed) == "" {
		return nil, newError(CodeInvalidAuthTicket, "signedAuthTicket")
	}
	v, err := xmlsig.Verify([]byte(signed), xmlsig.VerifyOptions{})
	if err != nil {
		e := newError(CodeSignatureNotValid, "signedAuthTicket")
		e.Description = err.Error()
		return nil, e
	}
	var doc authSign
	if err := xml.Unmarshal(v.Signed, &doc); err != nil || doc.State == "" {
		return nil, newError(CodeInvalidAuthTicket, "signedAuthTicket")
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[doc.State]
	switch {
	case !ok || t.Used:
		return nil, newError(CodeAuthTicketNotFound, "signedAuthTicket")
	case doc.IIN != t.IIN:
		return nil, newError(CodeInvalidAuthTicket, "signedAuthTicket")
	case now.After(t.Expires):
		t.Used = true
		return nil, newError(CodeAuthTicketExpired, "signedAuthTicket")
	case t.IIN != "" && v.Signer.IIN != t.IIN:
		return nil, newError(esfreg.CodeIINNotValid, "signedAuthTicket")
	}
	t.Used = true
	return v.Signer, nil
}

// parseTTL reads ttlInMinutes (1..1440; empty means the default).
func parseTTL(s string) (time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultTicketTTL, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || time.Duration(n)*time.Minute > MaxTicketTTL {
		return 0, fmt.Errorf("ttlInMinutes %q: want 1..1440", s)
	}
	return time.Duration(n) * time.Minute, nil
}
