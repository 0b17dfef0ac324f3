package mockserver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
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

// Tickets are stateless until used: the ticket's state carries when it was
// issued and its lifetime, with an HMAC under the store's ticket key
// (shared.TicketKey, made once, kept in the store, so any replica checks
// any other's tickets), a second HMAC binding the IIN. Issuing one writes
// nothing; redeeming one records it used (a kindTicket record, inserted in
// the transaction that uses it), so it works once, across replicas too.
//
// ticket is the record of a used ticket (and the JSON of State.Tickets).
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
// which does not know the IIN yet) and returns its XML. It only reads the
// store (the ticket key), unless the key is yet to be made.
func (s *Server) issueTicket(ctx context.Context, iin string, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		ttl = DefaultTicketTTL
	}
	var key []byte
	var now time.Time
	err := s.view(ctx, func(r *request) error {
		key, now = r.shared.TicketKey, r.now
		return nil
	})
	if err == nil && len(key) == 0 {
		err = s.update(ctx, func(r *request) error {
			fresh := make([]byte, 32)
			if _, err := io.ReadFull(s.rand, fresh); err != nil {
				return fmt.Errorf("mockserver: random: %w", err)
			}
			sh, err := changeShared(r, func(sh *shared) {
				if len(sh.TicketKey) == 0 {
					sh.TicketKey = fresh
				}
			})
			key, now = sh.TicketKey, r.now
			return err
		})
	}
	if err != nil {
		return "", err
	}
	nonce, err := s.randomHex(16)
	if err != nil {
		return "", err
	}
	state := ticketState(key, nonce, now, ttl, iin)
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

// ticketState is NONCE.ISSUED.TTL.MAC.IINMAC: ISSUED in Unix milliseconds
// and TTL in seconds, decimal; MAC the HMAC-SHA256 (16 bytes, hex) of the
// three before it under key, IINMAC that of MAC and the IIN.
func ticketState(key []byte, nonce string, issued time.Time, ttl time.Duration, iin string) string {
	body := nonce + "." + strconv.FormatInt(issued.UnixMilli(), 10) + "." + strconv.FormatInt(int64(ttl/time.Second), 10)
	mac := ticketMAC(key, body)
	return body + "." + mac + "." + ticketMAC(key, mac+"\x00"+iin)
}

func ticketMAC(key []byte, msg string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// openTicket checks a ticket's state under key and returns what it says;
// ok is false for a state the server did not make, iinOK false for one
// whose IIN is not the one it was made for.
func openTicket(key []byte, state, iin string) (t ticket, ok, iinOK bool) {
	parts := strings.Split(state, ".")
	if len(key) == 0 || len(parts) != 5 {
		return t, false, false
	}
	body := strings.Join(parts[:3], ".")
	if !hmac.Equal([]byte(ticketMAC(key, body)), []byte(parts[3])) {
		return t, false, false
	}
	issued, err1 := strconv.ParseInt(parts[1], 10, 64)
	ttl, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return t, false, false
	}
	t = ticket{State: state, IIN: iin, Issued: time.UnixMilli(issued).UTC()}
	t.Expires = t.Issued.Add(time.Duration(ttl) * time.Second)
	return t, true, hmac.Equal([]byte(ticketMAC(key, parts[3]+"\x00"+iin)), []byte(parts[4]))
}

// putTicket records t used; retention may prune the record once the
// ticket has expired and the window has passed.
func (s *Server) putTicket(r *request, t *ticket) error {
	var expires time.Time
	if ret := s.retention(); ret >= 0 {
		expires = t.Expires.Add(ret)
	}
	t.Used = true
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

// redeemTicket checks, in r's transaction, that the server made the
// verified ticket doc, that it is unused and unexpired, and that its IIN
// (if it names one) is the signer's; the ticket is used up. A ticket
// found expired is used up too, and that stays (keep).
func (s *Server) redeemTicket(r *request, v *xmlsig.Verified, doc authSign) (*certs.Certificate, error) {
	t, ok, iinOK := openTicket(r.shared.TicketKey, doc.State, doc.IIN)
	switch {
	case !ok:
		return nil, newError(CodeAuthTicketNotFound, "signedAuthTicket")
	case !iinOK:
		return nil, newError(CodeInvalidAuthTicket, "signedAuthTicket")
	}
	// Used up first, by inserting its record: a used ticket (or one
	// another request is redeeming) is a conflict on that insert, with no
	// read before it. What follows refuses the ticket: an expired one
	// stays used (keep), and a wrong signer's refusal rolls the use back.
	if err := s.useTicket(r, &t); err != nil {
		return nil, err
	}
	switch {
	case r.now.After(t.Expires):
		return nil, keep{newError(CodeAuthTicketExpired, "signedAuthTicket")}
	case t.IIN != "" && v.Signer.IIN != t.IIN:
		return nil, newError(esfreg.CodeIINNotValid, "signedAuthTicket")
	}
	r.spent = &t
	return v.Signer, nil
}

// useTicket records t used; of two requests racing with one ticket (in one
// process or in two replicas) the second finds it used.
func (s *Server) useTicket(r *request, t *ticket) error {
	var expires time.Time
	if ret := s.retention(); ret >= 0 {
		expires = t.Expires.Add(ret)
	}
	t.Used = true
	err := insertJSON(r.tx, kindTicket, t.State, t.IIN, expires, t)
	if errors.Is(err, esfreg.ErrExists) {
		return newError(CodeAuthTicketNotFound, "signedAuthTicket")
	}
	return err
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
