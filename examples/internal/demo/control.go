package demo

import (
	"context"
	"errors"
	"net/http"
	"os"
	"time"

	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/mockserver"
)

// EnvControlToken names the environment variable holding the control
// token of the mock ESF_MOCK_URL names, when it has one (a mock listening
// beyond loopback prints it at start).
const EnvControlToken = "ESF_MOCK_CONTROL_TOKEN"

// Control is a mock's control API under /_mock/ — of the in-process mock
// or of the one ESF_MOCK_URL names — through mockserver.ControlClient, with
// the lookups the examples make answering "not there" as ok == false.
type Control struct {
	c *mockserver.ControlClient
}

// NewControl returns the control API of the mock at baseURL, with the
// token of ESF_MOCK_CONTROL_TOKEN if set.
func NewControl(baseURL string) *Control {
	c, err := mockserver.NewControlClient(baseURL, mockserver.ControlClientOptions{Token: os.Getenv(EnvControlToken)})
	if err != nil {
		// A bad URL fails at the first call, as an unreachable one does.
		c, _ = mockserver.NewControlClient("http://invalid.invalid", mockserver.ControlClientOptions{})
	}
	return &Control{c: c}
}

// ControlError is a control API call the mock refused.
type ControlError = mockserver.ControlError

// Mail is one e-mail the mock sent, as its outbox keeps it.
type Mail = mockserver.Mail

// Unavailable reports whether err means the server has no control API for
// this client: the route is unknown (404, as on a real ESF or a mock run
// with --control=false), it wants a control token (401), or it answers
// loopback clients only (403).
func Unavailable(err error) bool {
	var ce *mockserver.ControlError
	if !errors.As(err, &ce) {
		return false
	}
	switch ce.Code {
	case mockserver.CodeControlTokenRequired, mockserver.CodeControlLoopbackOnly, mockserver.CodeNotFound, mockserver.CodeMethodNotAllowed:
		return true
	case "": // not a mock's answer at all
		return ce.Status == http.StatusNotFound || ce.Status == http.StatusMethodNotAllowed ||
			ce.Status == http.StatusUnauthorized || ce.Status == http.StatusForbidden
	}
	return false
}

// Now calls GET /_mock/clock.
func (c *Control) Now(ctx context.Context) (time.Time, error) { return c.c.Now(ctx) }

// SetTime calls POST /_mock/clock {"set": t}.
func (c *Control) SetTime(ctx context.Context, t time.Time) error { return c.c.SetTime(ctx, t) }

// Advance calls POST /_mock/clock {"advance": d}.
func (c *Control) Advance(ctx context.Context, d time.Duration) error { return c.c.Advance(ctx, d) }

// Taxpayer calls GET /_mock/taxpayers/tin: the register's record as ESF
// sees it now. A TIN the register does not know is ok == false.
func (c *Control) Taxpayer(ctx context.Context, tin string) (t esfreg.Taxpayer, ok bool, err error) {
	t, err = c.c.Taxpayer(ctx, tin)
	if errors.Is(err, esfreg.NewError(esfreg.CodeTaxpayerNotFound, "")) {
		return esfreg.Taxpayer{}, false, nil
	}
	return t, err == nil, err
}

// SeedTaxpayer calls POST /_mock/taxpayers[?publish=true] with t.
func (c *Control) SeedTaxpayer(ctx context.Context, t esfreg.Taxpayer, publish bool) error {
	_, err := c.c.SeedTaxpayers(ctx, publish, t)
	return err
}

// MailTo calls GET /_mock/mail?to=address: the e-mails, oldest first.
func (c *Control) MailTo(ctx context.Context, address string) ([]Mail, error) {
	return c.c.MailTo(ctx, address)
}

// Account calls GET /_mock/accounts/iin. An IIN without an account is
// ok == false.
func (c *Control) Account(ctx context.Context, iin string) (a *esfreg.Account, ok bool, err error) {
	acct, err := c.c.Account(ctx, iin)
	if errors.Is(err, esfreg.ErrUserNotRegistered) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return &acct, true, nil
}

// Trust calls POST /_mock/trust with a CA certificate (DER).
func (c *Control) Trust(ctx context.Context, der []byte) error { return c.c.Trust(ctx, der) }

// AddCRL calls POST /_mock/crls with a CRL (DER or PEM).
func (c *Control) AddCRL(ctx context.Context, crl []byte) error { return c.c.AddCRL(ctx, crl) }
