package esfclient

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/esfkit/esf/agreement"
	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfreg"
	"github.com/esfkit/esf/xmlsig"
)

// Options configure a Client. BaseURL is required; the rest have
// useful zero values.
type Options struct {
	// BaseURL is the portal's origin, e.g. "https://esf.gov.kz:8443" or a
	// mock's "http://127.0.0.1:8080"; the paths /esf-web/… are appended.
	BaseURL string
	// HTTPClient sends the requests; nil means one with a 30 s timeout.
	HTTPClient *http.Client
	// Now is the clock signatures check their certificate's validity at;
	// nil means time.Now.
	Now func() time.Time
	// NoUsernameToken leaves the WS-Security UsernameToken out of the SOAP
	// calls that carry it (the real server demands it; see esf-api.md §1.2).
	NoUsernameToken bool
	// Retries is how many times a transient failure (a network error,
	// HTTP 502/503/504, SYSTEM_DOWN) is retried; refusals never are, nor
	// the invoice API's uploads and status changes (syncInvoice, confirm,
	// revoke, unrevoke, decline, delete), which a retry could send twice.
	Retries int
	// Lang is the agreements' language: "ru" (default) or "kk".
	Lang string
}

// Client runs ESF's flows against a portal and its SOAP API — the real one
// or the mock (mockserver) — checking this package's rules before it sends
// anything, signing with xmlsig and agreement, and turning every refusal
// into an *Error whose Code errors.Is can test.
type Client struct {
	opts Options
	http *http.Client
}

// NewClient returns a Client for opts.
func New(opts Options) (*Client, error) {
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("esfclient: base URL %q is not an http(s) URL", opts.BaseURL)
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	c := &Client{opts: opts, http: opts.HTTPClient}
	if c.http == nil {
		c.http = &http.Client{Timeout: 30 * time.Second}
	}
	return c, nil
}

func (c *Client) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}

// sign signs an XML document with a key store (xmlsig, NCA's shape).
func (c *Client) sign(doc []byte, ks *certs.KeyStore) ([]byte, error) {
	if ks == nil {
		return nil, errors.New("esfclient: a key store is needed to sign")
	}
	signer, err := ks.Signer()
	if err != nil {
		return nil, err
	}
	return xmlsig.Sign(doc, signer, ks.Certificate, xmlsig.SignOptions{Now: c.opts.Now})
}

// do sends a request, retrying transient failures, and decodes a JSON
// answer into out; an error answer becomes an *Error.
func (c *Client) do(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	var resp *http.Response
	var err error
	for attempt := 0; ; attempt++ {
		var req *http.Request
		req, err = http.NewRequestWithContext(ctx, method, c.url(path), bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("esfclient: %w", err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err = c.http.Do(req)
		transient := err != nil || resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusGatewayTimeout
		if !transient || attempt >= c.opts.Retries || ctx.Err() != nil {
			break
		}
		if resp != nil {
			resp.Body.Close()
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(attempt+1) * 200 * time.Millisecond):
		}
	}
	if err != nil {
		return fmt.Errorf("esfclient: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("esfclient: %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		return decodeError(resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	if s, ok := out.(*string); ok {
		*s = string(data)
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("esfclient: %s %s: answer is not the expected JSON: %w", method, path, err)
	}
	return nil
}

func (c *Client) url(path string) string { return c.opts.BaseURL + path }

// decodeError turns the portal's error answer into *Error (or Errors).
func decodeError(status int, data []byte) error {
	var body struct {
		Code    esfreg.Code     `json:"code"`
		Message string          `json:"message"`
		Field   string          `json:"field"`
		Errors  []*esfreg.Error `json:"errors"`
	}
	if err := json.Unmarshal(data, &body); err != nil || body.Code == "" {
		return &esfreg.Error{Code: "HTTP_" + esfreg.Code(fmt.Sprint(status)), Message: strings.TrimSpace(string(data))}
	}
	if len(body.Errors) > 1 {
		return esfreg.Errors(body.Errors)
	}
	return &esfreg.Error{Code: body.Code, Field: body.Field, Message: body.Message}
}

func (c *Client) postJSON(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("esfclient: %w", err)
	}
	return c.do(ctx, http.MethodPost, path, "application/json", body, out)
}

// ticket gets the portal's log-in ticket and signs it with ks.
func (c *Client) signedTicket(ctx context.Context, ks *certs.KeyStore) (string, error) {
	var t string
	if err := c.do(ctx, http.MethodGet, "/esf-web/ajax/login/ticket", "", nil, &t); err != nil {
		return "", err
	}
	signed, err := c.sign([]byte(t), ks)
	if err != nil {
		return "", err
	}
	return string(signed), nil
}

// RegistrationStart is step 1's answer: the prefilled form of step 2.
type RegistrationStart struct {
	ApplicationID        string           `json:"applicationId"`
	Form                 esfreg.Form      `json:"form"`
	ExistingAccount      bool             `json:"existingAccount"`
	HasIndividualProfile bool             `json:"hasIndividualProfile"`
	Taxpayer             *esfreg.Taxpayer `json:"taxpayer,omitempty"`
}

// StartRegistration is step 1, "Выбор сертификата": it proves key by
// signing the portal's ticket and gets the prefilled form. It checks first
// that key fits the category (CheckCertificate).
func (c *Client) StartRegistration(ctx context.Context, category esfreg.Category, key *certs.KeyStore) (*RegistrationStart, error) {
	if key == nil {
		return nil, esfreg.NewError(esfreg.CodeFieldRequired, "certificate")
	}
	if err := esfreg.CheckCertificate(category, key.Certificate, esfreg.CertOptions{Now: c.now(), IDOptions: esfreg.IDOptions{AllowTestIdentities: true}}); err != nil {
		return nil, err
	}
	ticket, err := c.signedTicket(ctx, key)
	if err != nil {
		return nil, err
	}
	var out RegistrationStart
	err = c.postJSON(ctx, "/esf-web/ajax/registration", map[string]any{"category": category, "signedTicket": ticket, "lang": c.lang()}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) lang() string {
	if c.opts.Lang == "" {
		return "ru"
	}
	return c.opts.Lang
}

// AgreementToSign is one agreement step 3 asks for: the document to sign.
type AgreementToSign struct {
	Kind     esfreg.AgreementKind `json:"kind"`
	Title    string               `json:"title"`
	Document string               `json:"document"`
}

// SubmitForm is step 2, "Регистрационные данные": it sends the form and
// gets the agreements to sign (two for a head not yet registered as an
// individual). The form is validated first (Form.Validate).
func (c *Client) SubmitForm(ctx context.Context, start *RegistrationStart, f esfreg.Form) ([]AgreementToSign, error) {
	opts := esfreg.FormOptions{Now: c.now(), ExistingAccount: start.ExistingAccount, IDOptions: esfreg.IDOptions{AllowTestIdentities: true}}
	if err := f.Validate(opts); err != nil {
		return nil, err
	}
	var out struct {
		Agreements []AgreementToSign `json:"agreements"`
	}
	if err := c.postJSON(ctx, "/esf-web/ajax/registration/"+url.PathEscape(start.ApplicationID)+"/form", map[string]any{"form": f}, &out); err != nil {
		return nil, err
	}
	return out.Agreements, nil
}

// RegistrationRequest is step 4's answer.
type RegistrationRequest struct {
	Success   bool   `json:"success"`
	Message   string `json:"message"`
	RequestID string `json:"requestId"`
	Email     string `json:"email"`
}

// SignAgreements is steps 3 and 4: each agreement is checked against the
// signer (agreement.CheckSigner: a signing key of the participant's IIN; a
// head's key for a legal entity), signed, and sent. The portal answers
// "Запрос создан успешно…" and e-mails the link.
func (c *Client) SignAgreements(ctx context.Context, start *RegistrationStart, list []AgreementToSign, signer *certs.KeyStore) (*RegistrationRequest, error) {
	if signer == nil {
		return nil, esfreg.NewError(esfreg.CodeCertificateIsNotForSigning, "")
	}
	var signed []string
	for _, a := range list {
		doc, err := agreement.Parse([]byte(a.Document))
		if err != nil {
			return nil, fmt.Errorf("esfclient: the %s agreement the portal sent: %w", a.Kind, err)
		}
		if err := agreement.CheckSigner(doc, signer.Certificate); err != nil {
			return nil, wrapError(esfreg.CodeCertificateIsNotForSigning, err)
		}
		s, err := c.sign([]byte(a.Document), signer)
		if err != nil {
			return nil, err
		}
		signed = append(signed, string(s))
	}
	var out RegistrationRequest
	if err := c.postJSON(ctx, "/esf-web/ajax/registration/"+url.PathEscape(start.ApplicationID)+"/agreements", map[string]any{"signed": signed}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Registration is what Register needs: the category, the key of step 1,
// the signing key for the agreements (nil means Key), and the form's
// fields the certificate does not give (e-mail, password, ID document,
// address…). Fields of Form left empty keep the prefilled values.
type Registration struct {
	Category esfreg.Category
	Key      *certs.KeyStore
	Signer   *certs.KeyStore
	Form     esfreg.Form
}

// RegisterResult is a registration up to step 4.
type RegisterResult struct {
	Start      *RegistrationStart
	Agreements []AgreementToSign
	Request    *RegistrationRequest
}

// Register runs the four steps. The registration completes when the person
// follows the e-mailed link and logs in (CompleteRegistration).
func (c *Client) Register(ctx context.Context, r Registration) (*RegisterResult, error) {
	start, err := c.StartRegistration(ctx, r.Category, r.Key)
	if err != nil {
		return nil, err
	}
	f := mergeForm(start.Form, r.Form)
	list, err := c.SubmitForm(ctx, start, f)
	if err != nil {
		return nil, err
	}
	signer := r.Signer
	if signer == nil {
		signer = r.Key
	}
	req, err := c.SignAgreements(ctx, start, list, signer)
	if err != nil {
		return nil, err
	}
	return &RegisterResult{Start: start, Agreements: list, Request: req}, nil
}

// mergeForm fills the prefilled form with what the user typed.
func mergeForm(pre, typed esfreg.Form) esfreg.Form {
	f := pre
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&f.Email, typed.Email)
	set(&f.FullName, typed.FullName)
	set(&f.ActingOnBasisOf, typed.ActingOnBasisOf)
	set(&f.Password, typed.Password)
	set(&f.PasswordConfirmation, typed.PasswordConfirmation)
	set(&f.CurrentPassword, typed.CurrentPassword)
	set(&f.CompanyName, typed.CompanyName)
	set(&f.Address, typed.Address)
	set(&f.IDDocumentNumber, typed.IDDocumentNumber)
	set(&f.IDDocumentIssueDate, typed.IDDocumentIssueDate)
	set(&f.IDDocumentIssuer, typed.IDDocumentIssuer)
	return f
}

// LoginResponse is the portal's answer to a log-in.
type LoginResponse struct {
	Success  bool             `json:"success"`
	Message  string           `json:"message,omitempty"`
	IIN      string           `json:"iin"`
	Email    string           `json:"email,omitempty"`
	Profiles []esfreg.Profile `json:"profiles"`
	Profile  *esfreg.Profile  `json:"profile,omitempty"`
}

// Login logs in on the portal as the real one does: the ticket signed with
// the authentication key, the IIN and the password (multipart form).
func (c *Client) Login(ctx context.Context, auth *certs.KeyStore, password string) (*LoginResponse, error) {
	return c.login(ctx, "/esf-web/ajax/login", auth, password)
}

// CompleteRegistration follows the e-mailed link (its full URL, or the
// token) and logs in, which completes the registration.
func (c *Client) CompleteRegistration(ctx context.Context, link string, auth *certs.KeyStore, password string) (*LoginResponse, error) {
	token := link[strings.LastIndex(link, "/")+1:]
	path := esfreg.RegistrationLinkPath + url.PathEscape(token)
	if err := c.do(ctx, http.MethodGet, path, "", nil, nil); err != nil {
		return nil, err
	}
	return c.login(ctx, path, auth, password)
}

func (c *Client) login(ctx context.Context, path string, auth *certs.KeyStore, password string) (*LoginResponse, error) {
	if auth == nil {
		return nil, esfreg.NewError(esfreg.CodeCertificateIsNotForAuth, "")
	}
	if err := esfreg.CheckAuthCertificate(auth.Certificate, esfreg.CertOptions{Now: c.now(), IDOptions: esfreg.IDOptions{AllowTestIdentities: true}}); err != nil {
		return nil, err
	}
	ticket, err := c.signedTicket(ctx, auth)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range map[string]string{
		"login": auth.Certificate.IIN, "password": password, "xmlDsig": ticket,
		"certificate": base64.StdEncoding.EncodeToString(auth.Certificate.X509.Raw),
	} {
		if err := mw.WriteField(k, v); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	var out LoginResponse
	if err := c.do(ctx, http.MethodPost, path, mw.FormDataContentType(), b.Bytes(), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ChangeEmail changes the account's e-mail: the login (IIN) and the new
// address, signed with a signing key of that IIN.
func (c *Client) ChangeEmail(ctx context.Context, iin, email string, signer *certs.KeyStore) error {
	if err := esfreg.CheckEmail(email); err != nil {
		return err
	}
	doc, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"changeEmail"`
		Login   string   `xml:"login"`
		Email   string   `xml:"email"`
	}{Login: iin, Email: email})
	if err != nil {
		return err
	}
	signed, err := c.sign(doc, signer)
	if err != nil {
		return err
	}
	return c.postJSON(ctx, "/esf-web/ajax/change-email", map[string]string{"login": iin, "email": email, "xmlDsig": string(signed)}, nil)
}

// RequestPasswordReset asks for a reset link to the account's e-mail.
func (c *Client) RequestPasswordReset(ctx context.Context, iin, email string) error {
	return c.postJSON(ctx, "/esf-web/ajax/reset-password", map[string]string{"login": iin, "email": email}, nil)
}

// ResetPassword follows the e-mailed reset link (its URL or token) and sets
// password, signed with a signing key of the account's IIN. The password
// is checked against the policy first.
func (c *Client) ResetPassword(ctx context.Context, link, password string, signer *certs.KeyStore) error {
	if signer == nil {
		return esfreg.NewError(esfreg.CodeCertificateIsNotForSigning, "")
	}
	if err := esfreg.CheckPassword(password, signer.Certificate.IIN); err != nil {
		return err
	}
	token := link[strings.LastIndex(link, "/")+1:]
	doc, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"resetPassword"`
		Login   string   `xml:"login"`
		Token   string   `xml:"token"`
	}{Login: signer.Certificate.IIN, Token: token})
	if err != nil {
		return err
	}
	signed, err := c.sign(doc, signer)
	if err != nil {
		return err
	}
	return c.postJSON(ctx, "/esf-web/reset-password/"+url.PathEscape(token),
		map[string]string{"password": password, "passwordConfirmation": password, "xmlDsig": string(signed)}, nil)
}

// wrapError is a refusal with code, caused by err.
func wrapError(code esfreg.Code, err error) *esfreg.Error {
	e := esfreg.NewError(code, "")
	e.Err = err
	return e
}
