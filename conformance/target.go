package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
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
type Mail = mockserver.Mail

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
	return func(c *HTTPControl) { c.SetToken(token) }
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

// HTTPControl is a Control that calls the mock's control API over HTTP
// through mockserver.ControlClient:
//
//	POST /_mock/reset
//	GET  /_mock/clock, POST /_mock/clock {"set": RFC 3339} | {"advance": "72h"}
//	POST /_mock/taxpayers[?publish=true]  (an esfreg.Taxpayer, or an array of them)
//	GET  /_mock/mail?to=ADDRESS
//	GET  /_mock/accounts/IIN
//	POST /_mock/crls                      (a CRL, DER or PEM)
//
// It works alike for "esf mock serve" and for a mockserver.Server served
// in-process. A route the target lacks (404 NOT_FOUND) is ErrUnsupported.
type HTTPControl struct {
	c *mockserver.ControlClient
}

// NewHTTPControl returns the control of the mock at baseURL; a nil hc
// means a client with a 30 s timeout.
func NewHTTPControl(baseURL string, hc *http.Client) *HTTPControl {
	c, err := mockserver.NewControlClient(baseURL, mockserver.ControlClientOptions{HTTPClient: hc})
	if err != nil {
		// A bad URL fails at the first call, as an unreachable one does.
		c, _ = mockserver.NewControlClient("http://invalid.invalid", mockserver.ControlClientOptions{HTTPClient: hc})
	}
	return &HTTPControl{c: c}
}

// SetToken makes c send "Authorization: Bearer token" with every call
// (the mock's control token); empty sends none.
func (c *HTTPControl) SetToken(token string) {
	c.c = c.c.WithToken(token)
}

// Client returns the mockserver.ControlClient behind c.
func (c *HTTPControl) Client() *mockserver.ControlClient { return c.c }

// Reset calls POST /_mock/reset.
func (c *HTTPControl) Reset(ctx context.Context) error { return unsupported(c.c.Reset(ctx)) }

// Now calls GET /_mock/clock.
func (c *HTTPControl) Now(ctx context.Context) (time.Time, error) {
	t, err := c.c.Now(ctx)
	return t, unsupported(err)
}

// SetTime calls POST /_mock/clock {"set": t}.
func (c *HTTPControl) SetTime(ctx context.Context, t time.Time) error {
	return unsupported(c.c.SetTime(ctx, t))
}

// Advance calls POST /_mock/clock {"advance": d}.
func (c *HTTPControl) Advance(ctx context.Context, d time.Duration) error {
	return unsupported(c.c.Advance(ctx, d))
}

// SeedTaxpayer calls POST /_mock/taxpayers[?publish=true].
func (c *HTTPControl) SeedTaxpayer(ctx context.Context, t esfreg.Taxpayer, publish bool) error {
	_, err := c.c.SeedTaxpayers(ctx, publish, t)
	return unsupported(err)
}

// MailTo calls GET /_mock/mail?to=address.
func (c *HTTPControl) MailTo(ctx context.Context, address string) ([]Mail, error) {
	m, err := c.c.MailTo(ctx, address)
	return m, unsupported(err)
}

// Account calls GET /_mock/accounts/iin.
func (c *HTTPControl) Account(ctx context.Context, iin string) (*esfreg.Account, error) {
	a, err := c.c.Account(ctx, iin)
	if err != nil {
		return nil, unsupported(err)
	}
	return &a, nil
}

// AddCRL calls POST /_mock/crls.
func (c *HTTPControl) AddCRL(ctx context.Context, crl []byte) error {
	return unsupported(c.c.AddCRL(ctx, crl))
}

// unsupported turns the answer of a mock without the route (404, 405)
// into ErrUnsupported, and names the control API in every other error.
func unsupported(err error) error {
	var ce *mockserver.ControlError
	if errors.As(err, &ce) && (ce.Code == mockserver.CodeNotFound || ce.Code == mockserver.CodeMethodNotAllowed ||
		ce.Status == http.StatusNotFound || ce.Status == http.StatusMethodNotAllowed) {
		return fmt.Errorf("conformance: control: %w (%s)", ErrUnsupported, ce.Code)
	}
	if err != nil {
		return fmt.Errorf("conformance: control: %w", err)
	}
	return nil
}
