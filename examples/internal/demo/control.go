package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

// Control calls a mock's control API under /_mock/ — of the in-process
// mock or of the one ESF_MOCK_URL names — over plain HTTP. (The examples
// do not import conformance, whose HTTPControl links package testing.)
//
//	GET  /_mock/clock, POST /_mock/clock {"set": RFC 3339} | {"advance": "72h"}
//	GET  /_mock/taxpayers/TIN, POST /_mock/taxpayers[?publish=true]
//	GET  /_mock/mail?to=ADDRESS
//	GET  /_mock/accounts/IIN
//	POST /_mock/trust (a CA certificate), POST /_mock/crls (a CRL)
type Control struct {
	base string
	http *http.Client
}

// NewControl returns the control API of the mock at baseURL.
func NewControl(baseURL string) *Control {
	return &Control{base: strings.TrimRight(baseURL, "/"), http: &http.Client{Timeout: 30 * time.Second}}
}

// ControlError is a control API call the mock refused.
type ControlError struct {
	Method, Path string
	// Status is the HTTP status; Code and Message the mock's error body,
	// when it sent one.
	Status  int
	Code    esfreg.Code
	Message string
}

func (e *ControlError) Error() string {
	s := fmt.Sprintf("demo: control API: %s %s: HTTP %d", e.Method, e.Path, e.Status)
	if e.Code != "" {
		s += " " + string(e.Code)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unavailable reports whether the refusal means the server has no
// control API for this client: the route is unknown (404 NOT_FOUND, as on
// a real ESF or a mock run with --control=false), or it wants a control
// token (401) or answers loopback clients only (403).
func (e *ControlError) Unavailable() bool {
	switch e.Code {
	case "", mockserver.CodeNotFound, mockserver.CodeMethodNotAllowed:
		return e.Status == http.StatusNotFound || e.Status == http.StatusMethodNotAllowed ||
			(e.Code == "" && (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden))
	case mockserver.CodeControlTokenRequired, mockserver.CodeControlLoopbackOnly:
		return true
	}
	return false
}

// Unavailable reports whether err is a ControlError that means the
// server has no control API for this client (ControlError.Unavailable).
func Unavailable(err error) bool {
	var ce *ControlError
	return errors.As(err, &ce) && ce.Unavailable()
}

// Mail is one e-mail the mock sent, as its outbox keeps it.
type Mail struct {
	From    string    `json:"from"`
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Body    string    `json:"body"`
	Link    string    `json:"link,omitempty"` // the link it carries, if any
	IIN     string    `json:"iin,omitempty"`
	SentAt  time.Time `json:"sentAt"`
}

// Now calls GET /_mock/clock.
func (c *Control) Now(ctx context.Context) (time.Time, error) {
	var out struct {
		Now time.Time `json:"now"`
	}
	err := c.do(ctx, http.MethodGet, "/_mock/clock", "", nil, &out)
	return out.Now, err
}

// SetTime calls POST /_mock/clock {"set": t}.
func (c *Control) SetTime(ctx context.Context, t time.Time) error {
	return c.postJSON(ctx, "/_mock/clock", map[string]string{"set": t.Format(time.RFC3339Nano)})
}

// Advance calls POST /_mock/clock {"advance": d}.
func (c *Control) Advance(ctx context.Context, d time.Duration) error {
	return c.postJSON(ctx, "/_mock/clock", map[string]string{"advance": d.String()})
}

// Taxpayer calls GET /_mock/taxpayers/tin: the register's record as ESF
// sees it now. A TIN the register does not know is ok == false.
func (c *Control) Taxpayer(ctx context.Context, tin string) (t esfreg.Taxpayer, ok bool, err error) {
	err = c.do(ctx, http.MethodGet, "/_mock/taxpayers/"+url.PathEscape(tin), "", nil, &t)
	var ce *ControlError
	if errors.As(err, &ce) && ce.Code == esfreg.CodeTaxpayerNotFound {
		return esfreg.Taxpayer{}, false, nil
	}
	return t, err == nil, err
}

// SeedTaxpayer calls POST /_mock/taxpayers[?publish=true] with t.
func (c *Control) SeedTaxpayer(ctx context.Context, t esfreg.Taxpayer, publish bool) error {
	path := "/_mock/taxpayers"
	if publish {
		path += "?publish=true"
	}
	return c.postJSON(ctx, path, t)
}

// MailTo calls GET /_mock/mail?to=address: the e-mails, oldest first.
func (c *Control) MailTo(ctx context.Context, address string) ([]Mail, error) {
	var out []Mail
	err := c.do(ctx, http.MethodGet, "/_mock/mail?to="+url.QueryEscape(address), "", nil, &out)
	return out, err
}

// Account calls GET /_mock/accounts/iin. An IIN without an account is
// ok == false.
func (c *Control) Account(ctx context.Context, iin string) (a *esfreg.Account, ok bool, err error) {
	var out esfreg.Account
	err = c.do(ctx, http.MethodGet, "/_mock/accounts/"+url.PathEscape(iin), "", nil, &out)
	var ce *ControlError
	if errors.As(err, &ce) && ce.Code == esfreg.CodeUserNotRegistered {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return &out, true, nil
}

// Trust calls POST /_mock/trust with a CA certificate (DER).
func (c *Control) Trust(ctx context.Context, der []byte) error {
	return c.do(ctx, http.MethodPost, "/_mock/trust", "application/pkix-cert", der, nil)
}

// AddCRL calls POST /_mock/crls with a CRL (DER or PEM).
func (c *Control) AddCRL(ctx context.Context, crl []byte) error {
	return c.do(ctx, http.MethodPost, "/_mock/crls", "application/pkix-crl", crl, nil)
}

func (c *Control) postJSON(ctx context.Context, path string, in any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("demo: control API: %s: %w", path, err)
	}
	return c.do(ctx, http.MethodPost, path, "application/json", body, nil)
}

func (c *Control) do(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("demo: control API: %w", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("demo: control API: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("demo: control API: %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		ce := &ControlError{Method: method, Path: path, Status: resp.StatusCode}
		var e struct {
			Code    esfreg.Code `json:"code"`
			Message string      `json:"message"`
		}
		if json.Unmarshal(data, &e) == nil {
			ce.Code, ce.Message = e.Code, e.Message
		}
		return ce
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("demo: control API: %s %s: the answer is not the expected JSON: %w", method, path, err)
	}
	return nil
}
