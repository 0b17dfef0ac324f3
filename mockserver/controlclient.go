package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/esfkit/esf/esfreg"
)

// ControlClient drives a running mock — "esf mock serve", or a Server on
// any listener — through its control API (/_mock/), as a test or a CI
// job does: reset it, set its clock, publish taxpayers, read its mail,
// queue faults. Its methods mirror the Server's own Go methods.
//
//	ctl, err := mockserver.NewControlClient(os.Getenv("ESF_MOCK_URL"), mockserver.ControlClientOptions{})
//	err = ctl.Reset(ctx)
//	_, err = ctl.SeedTaxpayers(ctx, true, esfreg.Taxpayer{TIN: bin, …})
//	mail, err := ctl.MailTo(ctx, "head@example.kz")
//
// Every refusal is a *ControlError with the HTTP status, the code, an
// English message and the field at fault.
type ControlClient struct {
	base  string
	http  *http.Client
	token string
}

// ControlClientOptions configure a ControlClient; the zero value works
// against a mock on loopback.
type ControlClientOptions struct {
	// Token is the control API's bearer token: the one "esf mock serve"
	// printed at start (or was given with --control-token). Empty sends
	// none, which a mock on loopback accepts.
	Token string
	// HTTPClient sends the requests; nil means one with a 30 s timeout.
	HTTPClient *http.Client
}

// NewControlClient returns a ControlClient of the mock at baseURL, such as
// "http://127.0.0.1:8080".
func NewControlClient(baseURL string, opts ControlClientOptions) (*ControlClient, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("mockserver: control client: base URL %q is not an http(s) URL", baseURL)
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &ControlClient{base: strings.TrimRight(baseURL, "/"), http: hc, token: opts.Token}, nil
}

// WithToken returns a copy of c that sends token as the bearer token.
func (c *ControlClient) WithToken(token string) *ControlClient {
	cp := *c
	cp.token = token
	return &cp
}

// ControlError is a refusal of the control API. Code is empty when the
// answer was not the mock's at all (a proxy's 404, another server).
type ControlError struct {
	Status  int         // the HTTP status
	Code    esfreg.Code `json:"code"`
	Message string      `json:"message"`
	Field   string      `json:"field,omitempty"`
}

func (e *ControlError) Error() string {
	return fmt.Sprintf("mockserver: control API: HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// Is reports whether target is an *esfreg.Error (or a *ControlError) with
// the same Code, so that errors.Is(err, esfreg.ErrUserNotRegistered) works
// on the control API's refusals too.
func (e *ControlError) Is(target error) bool {
	switch t := target.(type) {
	case *esfreg.Error:
		return t != nil && t.Code == e.Code
	case *ControlError:
		return t != nil && t.Code == e.Code && (t.Field == "" || t.Field == e.Field)
	}
	return false
}

// Reset forgets every account, register record, session, ticket, e-mail,
// fault and throttle count, and puts the clock back on its base.
func (c *ControlClient) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/_mock/reset", "application/json", []byte("{}"), nil)
}

// Now returns the mock's current time.
func (c *ControlClient) Now(ctx context.Context) (time.Time, error) {
	var out struct {
		Now time.Time `json:"now"`
	}
	err := c.do(ctx, http.MethodGet, "/_mock/clock", "", nil, &out)
	return out.Now, err
}

// SetTime sets the mock's clock to t (within [MinTime, MaxTime)); it runs
// on from there.
func (c *ControlClient) SetTime(ctx context.Context, t time.Time) error {
	return c.postJSON(ctx, "/_mock/clock", map[string]string{"set": t.Format(time.RFC3339Nano)}, nil)
}

// Advance moves the mock's clock forward by d > 0.
func (c *ControlClient) Advance(ctx context.Context, d time.Duration) error {
	return c.postJSON(ctx, "/_mock/clock", map[string]string{"advance": d.String()}, nil)
}

// SeedTaxpayers puts taxpayers in the tax register: visible at once with
// publish, else staged for the next refresh (Monday, Wednesday, Friday at
// 00:00 Almaty). All are checked before any is added.
func (c *ControlClient) SeedTaxpayers(ctx context.Context, publish bool, ts ...esfreg.Taxpayer) ([]esfreg.Change, error) {
	path := "/_mock/taxpayers"
	if publish {
		path += "?publish=true"
	}
	if ts == nil {
		ts = []esfreg.Taxpayer{}
	}
	var out []esfreg.Change
	err := c.postJSON(ctx, path, ts, &out)
	return out, err
}

// PendingChanges returns the register's changes the mock does not see yet.
func (c *ControlClient) PendingChanges(ctx context.Context) ([]esfreg.Change, error) {
	var out struct {
		Pending []esfreg.Change `json:"pending"`
	}
	err := c.do(ctx, http.MethodGet, "/_mock/taxpayers", "", nil, &out)
	return out.Pending, err
}

// Taxpayer returns the register's record of tin as the mock sees it now.
func (c *ControlClient) Taxpayer(ctx context.Context, tin string) (esfreg.Taxpayer, error) {
	var out esfreg.Taxpayer
	err := c.do(ctx, http.MethodGet, "/_mock/taxpayers/"+url.PathEscape(tin), "", nil, &out)
	return out, err
}

// Mail returns every e-mail the mock sent, oldest first.
func (c *ControlClient) Mail(ctx context.Context) ([]Mail, error) {
	var out []Mail
	err := c.do(ctx, http.MethodGet, "/_mock/mail", "", nil, &out)
	return out, err
}

// MailTo returns the e-mails sent to address, oldest first.
func (c *ControlClient) MailTo(ctx context.Context, address string) ([]Mail, error) {
	var out []Mail
	err := c.do(ctx, http.MethodGet, "/_mock/mail?to="+url.QueryEscape(address), "", nil, &out)
	return out, err
}

// Account returns the account of iin, without its password hash.
func (c *ControlClient) Account(ctx context.Context, iin string) (esfreg.Account, error) {
	var out esfreg.Account
	err := c.do(ctx, http.MethodGet, "/_mock/accounts/"+url.PathEscape(iin), "", nil, &out)
	return out, err
}

// Sessions returns every API session the mock knows.
func (c *ControlClient) Sessions(ctx context.Context) ([]Session, error) {
	var out []Session
	err := c.do(ctx, http.MethodGet, "/_mock/sessions", "", nil, &out)
	return out, err
}

// QueueFault makes the next f.Count calls matching f.Match fail with f.Code.
func (c *ControlClient) QueueFault(ctx context.Context, f Fault) error {
	return c.postJSON(ctx, "/_mock/faults", f, nil)
}

// Trust adds a trusted CA certificate (DER or PEM).
func (c *ControlClient) Trust(ctx context.Context, cert []byte) error {
	return c.do(ctx, http.MethodPost, "/_mock/trust", "application/pkix-cert", cert, nil)
}

// AddCRL makes the mock check revocation against a CRL (DER or PEM) too.
func (c *ControlClient) AddCRL(ctx context.Context, crl []byte) error {
	return c.do(ctx, http.MethodPost, "/_mock/crls", "application/pkix-crl", crl, nil)
}

// Dump returns the mock's whole state as JSON (Server.Dump).
func (c *ControlClient) Dump(ctx context.Context) ([]byte, error) {
	var out json.RawMessage
	err := c.do(ctx, http.MethodGet, "/_mock/state", "", nil, &out)
	return out, err
}

// Load replaces the mock's state with a Dump.
func (c *ControlClient) Load(ctx context.Context, state []byte) error {
	return c.do(ctx, http.MethodPut, "/_mock/state", "application/json", state, nil)
}

// KeyStoreRequest asks the mock for a test key store
// (GET /_mock/keystore): Kind individual (default), entrepreneur, ceo,
// can-sign or employee; Usage auth (default) or sign; Alg rsa (default)
// or gost; IIN and BIN, or certstest's test identities.
type KeyStoreRequest struct {
	Kind, Usage, Alg, IIN, BIN string
}

// KeyStoreFile is a test key store the mock issued.
type KeyStoreFile struct {
	Name   string // NCA's file name, such as AUTH_RSA256_….p12
	PIN    string
	PKCS12 []byte
}

// KeyStore issues a test key store from the mock's built-in test CA (a
// mock started without --trust), valid from the mock's now.
func (c *ControlClient) KeyStore(ctx context.Context, r KeyStoreRequest) (*KeyStoreFile, error) {
	q := url.Values{}
	for k, v := range map[string]string{"kind": r.Kind, "usage": r.Usage, "alg": r.Alg, "iin": r.IIN, "bin": r.BIN} {
		if v != "" {
			q.Set(k, v)
		}
	}
	path := "/_mock/keystore"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	resp, data, err := c.send(ctx, http.MethodGet, path, "", nil)
	if err != nil {
		return nil, err
	}
	if err := refusalOf(resp, data); err != nil {
		return nil, err
	}
	f := &KeyStoreFile{PIN: resp.Header.Get("X-PIN"), PKCS12: data}
	if _, name, ok := strings.Cut(resp.Header.Get("Content-Disposition"), `filename="`); ok {
		f.Name = strings.TrimSuffix(name, `"`)
	}
	return f, nil
}

// Raw sends one request to the control API as it is — for a test of the
// API itself, such as one that sends it malformed input — and returns the
// status and the body as they came; only a transport failure is an error.
func (c *ControlClient) Raw(ctx context.Context, method, path, contentType string, body []byte) (int, []byte, error) {
	resp, data, err := c.send(ctx, method, path, contentType, body)
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, data, nil
}

func (c *ControlClient) postJSON(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("mockserver: control client: %w", err)
	}
	return c.do(ctx, http.MethodPost, path, "application/json", body, out)
}

// do sends one request and decodes a JSON answer into out (nil: ignored).
func (c *ControlClient) do(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	resp, data, err := c.send(ctx, method, path, contentType, body)
	if err != nil {
		return err
	}
	if err := refusalOf(resp, data); err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("mockserver: control client: %s %s: the answer is not the expected JSON: %w", method, path, err)
	}
	return nil
}

func (c *ControlClient) send(ctx context.Context, method, path, contentType string, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("mockserver: control client: %w", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("mockserver: control client: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, DefaultMaxStateBody))
	if err != nil {
		return nil, nil, fmt.Errorf("mockserver: control client: %s %s: %w", method, path, err)
	}
	return resp, data, nil
}

// refusalOf returns the *ControlError of a refusal, or nil.
func refusalOf(resp *http.Response, data []byte) error {
	if resp.StatusCode < 300 {
		return nil
	}
	e := &ControlError{Status: resp.StatusCode}
	if json.Unmarshal(data, e) != nil || e.Code == "" {
		// Not the mock's answer (a proxy, another server): no code.
		e.Code = ""
		e.Message = fmt.Sprintf("not a control API answer: %.200s", bytes.TrimSpace(data))
	}
	return e
}

// ImportAccounts adds ready accounts at once (POST /_mock/accounts, see
// Server.ImportAccounts): all are checked before any is added, and a
// refusal names its field as "[i].field". The request body is bounded by
// the mock's --max-body (1 MiB by default: some 1,800 accounts of the size
// esf mock populate sends): send more in several calls.
func (c *ControlClient) ImportAccounts(ctx context.Context, accounts ...AccountImport) (ImportResult, error) {
	if accounts == nil {
		accounts = []AccountImport{}
	}
	var out ImportResult
	err := c.postJSON(ctx, "/_mock/accounts", accounts, &out)
	return out, err
}
