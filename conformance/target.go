package conformance

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
)

// Target is what the suite runs against: a portal and SOAP API at
// BaseURL, and, for a mock, the Control that sets its state up.
type Target interface {
	// BaseURL is the origin the paths /esf-web/… and /_mock/… are appended
	// to, such as "http://127.0.0.1:8080" or "https://test3.esf.kgd.gov.kz:8443".
	BaseURL() string
	// Control is the mock's control API, or nil for a real ESF test stand:
	// the scenarios that need it are then skipped, saying why.
	Control() Control
}

// Control sets up and reads back a mock's state, as its control API under
// /_mock/ does. Every method may return an error wrapping ErrUnsupported;
// the scenario that needs it is then skipped rather than failed.
type Control interface {
	// Reset forgets every account, register record, session and e-mail,
	// and puts the clock back on its base.
	Reset(ctx context.Context) error
	// Now returns the target's current time.
	Now(ctx context.Context) (time.Time, error)
	// SetTime sets the target's clock to t; it runs on from there.
	SetTime(ctx context.Context, t time.Time) error
	// Advance moves the target's clock forward by d.
	Advance(ctx context.Context, d time.Duration) error
	// SeedTaxpayer puts t in the tax register: visible at once with
	// publish, else staged for the next refresh (Monday, Wednesday,
	// Friday at 00:00 Almaty).
	SeedTaxpayer(ctx context.Context, t esfreg.Taxpayer, publish bool) error
	// MailTo returns the e-mails sent to address, oldest first.
	MailTo(ctx context.Context, address string) ([]Mail, error)
	// Account returns the account of iin as the target keeps it.
	Account(ctx context.Context, iin string) (*esfreg.Account, error)
	// AddCRL makes the target check revocation against a CRL (DER or PEM)
	// as well.
	AddCRL(ctx context.Context, crl []byte) error
}

// ErrUnsupported is what a Control returns (wrapped) for an operation it
// cannot perform; the scenarios that need the operation are skipped.
var ErrUnsupported = errors.New("conformance: not supported by this target")

// Mail is one e-mail the target sent, as the mock's outbox keeps it.
type Mail struct {
	ID      int       `json:"id"`
	From    string    `json:"from"`
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Body    string    `json:"body"`
	Link    string    `json:"link,omitempty"` // the link it carries, if any
	IIN     string    `json:"iin,omitempty"`
	SentAt  time.Time `json:"sentAt"`
}

// NewHTTPTarget returns the target of a mock at baseURL — "esf mock
// serve", or a mockserver.Server on any listener — controlled over HTTP
// through its /_mock/ routes (HTTPControl). A mock reachable from the
// network guards its control API with a bearer token: pass it with
// WithControlToken.
func NewHTTPTarget(baseURL string, opts ...TargetOption) Target {
	ctl := NewHTTPControl(baseURL, nil)
	for _, o := range opts {
		o(ctl)
	}
	return target{base: strings.TrimRight(baseURL, "/"), ctl: ctl}
}

// TargetOption configures the HTTPControl of NewHTTPTarget.
type TargetOption func(*HTTPControl)

// WithControlToken sends "Authorization: Bearer token" with every control
// API call: the token "esf mock serve" printed at start (or was given with
// --control-token). An empty token sends none.
func WithControlToken(token string) TargetOption {
	return func(c *HTTPControl) { c.token = token }
}

// NewStandTarget returns the target of a real ESF test stand at baseURL:
// no Control, so only the scenarios that need none run, with the key
// stores and account of Options.Stand.
func NewStandTarget(baseURL string) Target {
	return target{base: strings.TrimRight(baseURL, "/")}
}

// NewTarget returns a target at baseURL with ctl as its Control (nil for
// none): for a mock with a control of its own.
func NewTarget(baseURL string, ctl Control) Target {
	return target{base: strings.TrimRight(baseURL, "/"), ctl: ctl}
}

type target struct {
	base string
	ctl  Control
}

func (t target) BaseURL() string { return t.base }

// Control returns the control, or a nil interface (not a typed nil).
func (t target) Control() Control {
	if t.ctl == nil {
		return nil
	}
	return t.ctl
}

// HTTPControl is a Control that calls the mock's control API over HTTP:
//
//	POST /_mock/reset
//	GET  /_mock/clock, POST /_mock/clock {"set": RFC 3339} | {"advance": "72h"}
//	POST /_mock/taxpayers[?publish=true]  (an esfreg.Taxpayer as JSON)
//	GET  /_mock/mail?to=ADDRESS
//	GET  /_mock/accounts/IIN
//	POST /_mock/crls                      (a CRL, DER or PEM)
//
// It works alike for "esf mock serve" and for a mockserver.Server served
// in-process. A route the target lacks (404 NOT_FOUND) is ErrUnsupported.
type HTTPControl struct {
	base  string
	http  *http.Client
	token string // bearer token of the control API; empty sends none
}

// SetToken makes c send "Authorization: Bearer token" with every call
// (the mock's control token); empty sends none.
func (c *HTTPControl) SetToken(token string) { c.token = token }

// NewHTTPControl returns the control of the mock at baseURL; a nil hc
// means a client with a 30 s timeout.
func NewHTTPControl(baseURL string, hc *http.Client) *HTTPControl {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &HTTPControl{base: strings.TrimRight(baseURL, "/"), http: hc}
}

// Reset calls POST /_mock/reset.
func (c *HTTPControl) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/_mock/reset", "application/json", []byte("{}"), nil)
}

// Now calls GET /_mock/clock.
func (c *HTTPControl) Now(ctx context.Context) (time.Time, error) {
	var out struct {
		Now time.Time `json:"now"`
	}
	if err := c.do(ctx, http.MethodGet, "/_mock/clock", "", nil, &out); err != nil {
		return time.Time{}, err
	}
	return out.Now, nil
}

// SetTime calls POST /_mock/clock {"set": t}.
func (c *HTTPControl) SetTime(ctx context.Context, t time.Time) error {
	return c.postJSON(ctx, "/_mock/clock", map[string]string{"set": t.Format(time.RFC3339Nano)}, nil)
}

// Advance calls POST /_mock/clock {"advance": d}.
func (c *HTTPControl) Advance(ctx context.Context, d time.Duration) error {
	return c.postJSON(ctx, "/_mock/clock", map[string]string{"advance": d.String()}, nil)
}

// SeedTaxpayer calls POST /_mock/taxpayers[?publish=true].
func (c *HTTPControl) SeedTaxpayer(ctx context.Context, t esfreg.Taxpayer, publish bool) error {
	path := "/_mock/taxpayers"
	if publish {
		path += "?publish=true"
	}
	return c.postJSON(ctx, path, t, nil)
}

// MailTo calls GET /_mock/mail?to=address.
func (c *HTTPControl) MailTo(ctx context.Context, address string) ([]Mail, error) {
	var out []Mail
	err := c.do(ctx, http.MethodGet, "/_mock/mail?to="+url.QueryEscape(address), "", nil, &out)
	return out, err
}

// Account calls GET /_mock/accounts/iin.
func (c *HTTPControl) Account(ctx context.Context, iin string) (*esfreg.Account, error) {
	var out esfreg.Account
	if err := c.do(ctx, http.MethodGet, "/_mock/accounts/"+url.PathEscape(iin), "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AddCRL calls POST /_mock/crls.
func (c *HTTPControl) AddCRL(ctx context.Context, crl []byte) error {
	return c.do(ctx, http.MethodPost, "/_mock/crls", "application/pkix-crl", crl, nil)
}

func (c *HTTPControl) postJSON(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("conformance: control: %w", err)
	}
	return c.do(ctx, http.MethodPost, path, "application/json", body, out)
}

// raw sends one control API request and returns the status and body as
// they came.
func (c *HTTPControl) raw(ctx context.Context, method, path, contentType string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("conformance: control: %w", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("conformance: control: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("conformance: control: %s %s: %w", method, path, err)
	}
	return resp.StatusCode, data, nil
}

func (c *HTTPControl) do(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	status, data, err := c.raw(ctx, method, path, contentType, body)
	if err != nil {
		return err
	}
	if status >= 300 {
		var e esfreg.Error
		if json.Unmarshal(data, &e) == nil && e.Code != "" {
			if e.Code == "NOT_FOUND" || e.Code == "METHOD_NOT_ALLOWED" {
				return fmt.Errorf("conformance: control: %s %s: %w (%s)", method, path, ErrUnsupported, e.Code)
			}
			return fmt.Errorf("conformance: control: %s %s: %w", method, path, &e)
		}
		if status == http.StatusNotFound {
			return fmt.Errorf("conformance: control: %s %s: %w (HTTP 404)", method, path, ErrUnsupported)
		}
		return fmt.Errorf("conformance: control: %s %s: HTTP %d: %.200s", method, path, status, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("conformance: control: %s %s: %w", method, path, err)
	}
	return nil
}
