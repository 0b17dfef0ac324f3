package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/xmlsig"
)

// The suite checks the server's rules, not only the client's: where the
// client would refuse before sending, it sends the request itself.

// signXML signs doc with ks at a time inside the certificate's validity,
// whatever the clock says, so that the server, not the signer, judges it.
func (e *env) signXML(doc []byte, ks *certs.KeyStore) ([]byte, error) {
	signer, err := ks.Signer()
	if err != nil {
		return nil, err
	}
	at := e.clock()
	if c := ks.Certificate.X509; at.IsZero() || at.Before(c.NotBefore) || at.After(c.NotAfter) {
		at = c.NotBefore.Add(time.Hour)
	}
	return xmlsig.Sign(doc, signer, ks.Certificate, xmlsig.SignOptions{Now: func() time.Time { return at }})
}

// rawStart is step 1 sent without the client's checks: the portal's
// log-in ticket signed with ks, and the category.
func (e *env) rawStart(category esfreg.Category, ks *certs.KeyStore) error {
	var ticket string
	if err := e.portal(http.MethodGet, "/esf-web/ajax/login/ticket", nil, &ticket); err != nil {
		return err
	}
	signed, err := e.signXML([]byte(ticket), ks)
	if err != nil {
		return err
	}
	return e.portal(http.MethodPost, "/esf-web/ajax/registration", map[string]any{"category": category, "signedTicket": string(signed), "lang": "ru"}, nil)
}

// portal sends a JSON request to the portal and decodes the answer into
// out (a *string takes the body as it is); a refusal is an *esfreg.Error.
func (e *env) portal(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(e.ctx, method, e.target.BaseURL()+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		return fmt.Errorf("conformance: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("conformance: %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var ee esfreg.Error
		if json.Unmarshal(data, &ee) == nil && ee.Code != "" {
			return &ee
		}
		return fmt.Errorf("conformance: %s %s: HTTP %d: %.200s", method, path, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	switch o := out.(type) {
	case nil:
		return nil
	case *string:
		*o = string(data)
		return nil
	}
	return json.Unmarshal(data, out)
}

// rawAgreements runs steps 1 and 2 of an individual's registration with
// auth and the e-mail, then sends step 3 itself, every agreement signed
// with signer whatever the client's rules say, so that the server judges
// it. It returns the server's answer to step 3.
func (e *env) rawAgreements(auth, signer *certs.KeyStore, email string) error {
	e.t.Helper()
	start, err := e.c.StartRegistration(e.ctx, esfreg.Individual, auth)
	e.must(err, "step 1")
	list, err := e.c.SubmitForm(e.ctx, start, merge(start.Form, personForm(email)))
	e.must(err, "step 2")
	var signed []string
	for _, a := range list {
		s, err := e.signXML([]byte(a.Document), signer)
		e.must(err, "signing the agreement")
		signed = append(signed, string(s))
	}
	return e.portal(http.MethodPost, "/esf-web/ajax/registration/"+start.ApplicationID+"/agreements", map[string]any{"signed": signed}, nil)
}

// noMailAfterRefusal fails the scenario if an e-mail went to email.
func (e *env) noMailAfterRefusal(email string) {
	e.t.Helper()
	if m := e.mailTo(email); len(m) > 0 {
		e.t.Errorf("an e-mail went out after a refused step 3: «%s»", m[0].Subject)
	}
}
