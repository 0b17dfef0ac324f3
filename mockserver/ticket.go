package mockserver

import (
	"context"
	"encoding/xml"
	"errors"
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
func (s *Server) issueTicket(ctx context.Context, iin string, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		ttl = DefaultTicketTTL
	}
	var t ticket
	err := s.update(ctx, func(r *request) error {
		state, err := s.randomHex(16)
		if err != nil {
			return err
		}
		t = ticket{State: state, IIN: iin, Issued: r.now, Expires: r.now.Add(ttl)}
		return s.putTicket(r, &t)
	})
	if err != nil {
		return "", err
	}
	doc := authSign{TimeMark: strconv.FormatInt(t.Issued.UnixMilli(), 10), State: t.State, IIN: iin}
	if iin != "" {
		doc.TTLInMinutes = strconv.Itoa(int(ttl / time.Minute))
	}
	out, err := xml.Marshal(doc)
	if err != nil {
		return "", err
	}
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + string(out), nil
}

// putTicket stores t; retention may prune it once it has expired and the
// window has passed.
func (s *Server) putTicket(r *request, t *ticket) error {
	var expires time.Time
	if ret := s.retention(); ret >= 0 {
		expires = t.Expires.Add(ret)
	}
	return putJSON(r.tx, kindTicket, t.State, t.IIN, expires, t)
}

// verifyTicket verifies a signed ticket's XML signature and reads it: the
// expensive part of redeeming, done before any transaction.
func verifyTicket(signed string) (*xmlsig.Verified, authSign, error) {
	var doc authSign
	if strings.TrimSpace(signed) == "" {
		return nil, doc, newError(CodeInvalidAuthTicket, "signedAuthTicket")
	}
	v, err := xmlsig.Verify([]byte(signed), xmlsig.VerifyOptions{})
	if err != nil {
		e := newError(CodeSignatureNotValid, "signedAuthTicket")
		e.Description = err.Error()
		return nil, doc, e
	}
	if err := xml.Unmarshal(v.Signed, &doc); err != nil || doc.State == "" {
		return nil, doc, newError(CodeInvalidAuthTicket, "signedAuthTicket")
	}
	return v, doc, nil
}

// redeemTicket checks, in r's transaction, that the server issued the
// verified ticket doc, that it is unused and unexpired, and that its IIN
// (if it names one) is the signer's; the ticket is used up. A ticket
// found expired is used up too, and that stays (keep).
func (s *Server) redeemTicket(r *request, v *xmlsig.Verified, doc authSign) (*certs.Certificate, error) {
	var t ticket
	err := getJSON(r.tx, kindTicket, doc.State, &t)
	if errors.Is(err, esfreg.ErrNotFound) {
		return nil, newError(CodeAuthTicketNotFound, "signedAuthTicket")
	}
	if err != nil {
		return nil, err
	}
	switch {
	case t.Used:
		return nil, newError(CodeAuthTicketNotFound, "signedAuthTicket")
	case doc.IIN != t.IIN:
		return nil, newError(CodeInvalidAuthTicket, "signedAuthTicket")
	case r.now.After(t.Expires):
		t.Used = true
		if err := s.putTicket(r, &t); err != nil {
			return nil, err
		}
		return nil, keep{newError(CodeAuthTicketExpired, "signedAuthTicket")}
	case t.IIN != "" && v.Signer.IIN != t.IIN:
		return nil, newError(esfreg.CodeIINNotValid, "signedAuthTicket")
	}
	t.Used = true
	if err := s.putTicket(r, &t); err != nil {
		return nil, err
	}
	r.spent = &t
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
