package esfclient

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/esfreg"
)

// The SOAP API (esf-api.md §1): SOAP 1.1, namespace "esf", unqualified
// children, faults with the bare code as faultstring.

const (
	soapEnvNS = "http://schemas.xmlsoap.org/soap/envelope/"
	wsseNS    = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	pwText    = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
	apiPath   = "/esf-web/ws/api1/"
)

// CodeSecurityError is the Code of a fault the server answers a missing
// or wrong UsernameToken with ("A security error was encountered…").
const CodeSecurityError esfreg.Code = "SECURITY_ERROR"

// CodeSessionAlreadyOpen is the Code of the fault "Can`t create a new user
// session. User already has opened session with id …".
const CodeSessionAlreadyOpen esfreg.Code = "SESSION_ALREADY_OPEN"

// Refusals of the SOAP API to branch on with errors.Is (each matches any
// *esfreg.Error of its Code).
var (
	// ErrSecurity: the UsernameToken is missing or wrong (the IIN has no
	// account, or the password is not its account password).
	ErrSecurity = esfreg.NewError(CodeSecurityError, "")
	// ErrSessionAlreadyOpen: the user already has an open session (ESF
	// allows one per user) — another worker's, perhaps. OpenSession
	// closes it only when SessionRequest.CloseOpenSession asks; the
	// error's Message carries the open session's ID.
	ErrSessionAlreadyOpen = esfreg.NewError(CodeSessionAlreadyOpen, "")
)

// soapField is one child element of a request.
type soapField struct{ name, value string }

// call sends one SOAP request and returns the response body's element.
func (c *Client) call(ctx context.Context, service, element string, token *[2]string, fields ...soapField) (*soapNode, error) {
	var b strings.Builder
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="` + soapEnvNS + `" xmlns:esf="esf"><soapenv:Header>`)
	if token != nil && !c.opts.NoUsernameToken {
		b.WriteString(`<wsse:Security soapenv:mustUnderstand="1" xmlns:wsse="` + wsseNS + `"><wsse:UsernameToken><wsse:Username>`)
		xml.EscapeText(&b, []byte(token[0]))
		b.WriteString(`</wsse:Username><wsse:Password Type="` + pwText + `">`)
		xml.EscapeText(&b, []byte(token[1]))
		b.WriteString(`</wsse:Password></wsse:UsernameToken></wsse:Security>`)
	}
	b.WriteString(`</soapenv:Header><soapenv:Body><esf:` + element + `>`)
	for _, f := range fields {
		if f.value == "" {
			continue
		}
		b.WriteString("<" + f.name + ">")
		xml.EscapeText(&b, []byte(f.value))
		b.WriteString("</" + f.name + ">")
	}
	b.WriteString(`</esf:` + element + `></soapenv:Body></soapenv:Envelope>`)

	status, data, err := c.post(ctx, service, b.String(), maxAnswer, true)
	if err != nil {
		return nil, err
	}
	var env soapNode
	if err := xml.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("esfclient: %s answered HTTP %d, not SOAP: %w", service, status, err)
	}
	body := env.child("Body")
	if body == nil || len(body.Children) == 0 {
		return nil, fmt.Errorf("esfclient: %s: SOAP answer without a body", service)
	}
	first := &body.Children[0]
	if first.XMLName.Local == "Fault" {
		return nil, faultError(first)
	}
	return first, nil
}

// maxAnswer bounds what the session calls read of an answer.
const maxAnswer = 8 << 20

// post sends a SOAP envelope to service, retrying transient failures
// (Options.Retries) when retry says the call may run twice, and returns
// the answer's HTTP status and body — at most limit bytes; a longer answer
// is an error, not a truncated read.
func (c *Client) post(ctx context.Context, service, envelope string, limit int64, retry bool) (int, []byte, error) {
	retries := c.opts.Retries
	if !retry {
		retries = 0
	}
	var resp *http.Response
	var err error
	for attempt := 0; ; attempt++ {
		req, rerr := http.NewRequestWithContext(ctx, http.MethodPost, c.url(apiPath+service), strings.NewReader(envelope))
		if rerr != nil {
			return 0, nil, rerr
		}
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		req.Header.Set("SOAPAction", `""`)
		resp, err = c.http.Do(req)
		if (err == nil && resp.StatusCode != http.StatusBadGateway && resp.StatusCode != http.StatusServiceUnavailable) || attempt >= retries || ctx.Err() != nil {
			break
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
	if err != nil {
		return 0, nil, fmt.Errorf("esfclient: %s: %w", service, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return 0, nil, fmt.Errorf("esfclient: %s: %w", service, err)
	}
	if int64(len(data)) > limit {
		return 0, nil, fmt.Errorf("esfclient: %s: the answer is longer than %d bytes", service, limit)
	}
	return resp.StatusCode, data, nil
}

// faultError turns a SOAP fault into an *Error: the faultstring is the
// code; the detail's description is the message. A faultstring that is
// not a code (CXF's texts: "No open session associated with user.") gets
// the code of the declared detail element: SESSION_CLOSED, ACCESS_DENIED,
// or BUSINESS_ERROR (this package's) with the text as the message.
func faultError(f *soapNode) error {
	code := strings.TrimSpace(f.text("faultstring"))
	msg := code
	var kind string
	if d := f.child("detail"); d != nil && len(d.Children) > 0 {
		kind = d.Children[0].XMLName.Local
		if desc := d.Children[0].text("description"); desc != "" {
			msg = desc
		}
	}
	switch {
	case strings.HasPrefix(code, "A security error"):
		return &esfreg.Error{Code: CodeSecurityError, Message: code}
	case strings.Contains(code, "already has opened session"):
		return &esfreg.Error{Code: CodeSessionAlreadyOpen, Message: code}
	case isCode(code):
	case kind == "sessionClosedException" || strings.HasPrefix(code, "No open session"):
		return &esfreg.Error{Code: CodeSessionClosed, Message: msg}
	case kind == "accessDeniedException":
		return &esfreg.Error{Code: CodeAccessDenied, Message: msg}
	case kind == "businessException":
		return &esfreg.Error{Code: CodeBusinessError, Message: msg}
	}
	return &esfreg.Error{Code: esfreg.Code(code), Message: msg}
}

// isCode reports whether s is spelled as ESF's codes are: A-Z, 0-9, _.
func isCode(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

// soapNode is a generic XML element of an answer.
type soapNode struct {
	XMLName  xml.Name
	Text     string     `xml:",chardata"`
	Children []soapNode `xml:",any"`
}

func (n *soapNode) child(local string) *soapNode {
	for i := range n.Children {
		if n.Children[i].XMLName.Local == local {
			return &n.Children[i]
		}
	}
	return nil
}

func (n *soapNode) text(local string) string {
	if c := n.child(local); c != nil {
		return strings.TrimSpace(c.Text)
	}
	return ""
}

// Version calls VersionService: a reachability probe.
func (c *Client) Version(ctx context.Context) (string, error) {
	n, err := c.call(ctx, "VersionService", "esfVersionRequest", nil)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(n.Text), nil
}

// Session is an open API session.
type Session struct {
	ID  string
	IIN string
	TIN string
	c   *Client
	pw  string
}

// SessionRequest opens a session: the key store (its IIN is the login),
// the account password (for the UsernameToken), the TIN whose profile to
// act as, and the profile type when the TIN has several.
type SessionRequest struct {
	Key         *certs.KeyStore
	Password    string
	TIN         string
	ProfileType esfreg.ProfileType
	// CloseOpenSession closes the user's open session, if there is one,
	// and opens a new one in its place. ESF keeps one open session per
	// user: closing it ends whatever another worker (or another program
	// of the same user) is doing with it, so this is only for a caller
	// that knows the open session is its own, left over (a crashed run).
	CloseOpenSession bool
}

// OpenSession opens a session the 2023+ way, for RSA and GOST keys alike:
// AuthService.createAuthTicket, the ticket signed with the key,
// SessionService.createSessionSigned. When the user already has an open
// session (ESF allows one per user) it fails with ErrSessionAlreadyOpen —
// it never closes someone else's session — unless r.CloseOpenSession asks
// for that: then it closes the open one with
// closeSessionBySignedCredentials and tries once more.
func (c *Client) OpenSession(ctx context.Context, r SessionRequest) (*Session, error) {
	s, err := c.openSigned(ctx, r)
	if errors.Is(err, ErrSessionAlreadyOpen) && r.CloseOpenSession {
		if _, cerr := c.CloseSessionBySignedCredentials(ctx, r); cerr != nil {
			return nil, cerr
		}
		s, err = c.openSigned(ctx, r)
	}
	return s, err
}

func (c *Client) signTicket(ctx context.Context, key *certs.KeyStore) (string, error) {
	if key == nil {
		return "", esfreg.NewError(esfreg.CodeCertificateIsNotForAuth, "")
	}
	n, err := c.call(ctx, "AuthService", "createAuthTicketRequest", nil, soapField{"iin", key.Certificate.IIN})
	if err != nil {
		return "", err
	}
	signed, err := c.sign([]byte(n.text("authTicketXml")), key)
	if err != nil {
		return "", err
	}
	return string(signed), nil
}

func (c *Client) openSigned(ctx context.Context, r SessionRequest) (*Session, error) {
	signed, err := c.signTicket(ctx, r.Key)
	if err != nil {
		return nil, err
	}
	n, err := c.call(ctx, "SessionService", "createSessionSignedRequest", &[2]string{r.Key.Certificate.IIN, r.Password},
		soapField{"tin", r.TIN}, soapField{"businessProfileType", string(r.ProfileType)}, soapField{"signedAuthTicket", signed})
	if err != nil {
		return nil, err
	}
	return &Session{ID: n.text("sessionId"), IIN: r.Key.Certificate.IIN, TIN: r.TIN, c: c, pw: r.Password}, nil
}

// CreateSession opens a session the old way, with the certificate alone
// (SessionService.createSession). The real server refuses GOST 2015 keys
// here (METHOD_NOT_SUPPORT_GOST_2015): use OpenSession for them.
func (c *Client) CreateSession(ctx context.Context, r SessionRequest) (*Session, error) {
	if r.Key == nil {
		return nil, esfreg.NewError(esfreg.CodeCertificateIsNotForAuth, "")
	}
	n, err := c.call(ctx, "SessionService", "createSessionRequest", &[2]string{r.Key.Certificate.IIN, r.Password},
		soapField{"tin", r.TIN}, soapField{"businessProfileType", string(r.ProfileType)},
		soapField{"x509Certificate", base64.StdEncoding.EncodeToString(r.Key.Certificate.X509.Raw)})
	if err != nil {
		return nil, err
	}
	return &Session{ID: n.text("sessionId"), IIN: r.Key.Certificate.IIN, TIN: r.TIN, c: c, pw: r.Password}, nil
}

// CloseSessionBySignedCredentials closes the user's open session, whatever
// its id, with a freshly signed ticket; it returns the status.
func (c *Client) CloseSessionBySignedCredentials(ctx context.Context, r SessionRequest) (string, error) {
	signed, err := c.signTicket(ctx, r.Key)
	if err != nil {
		return "", err
	}
	n, err := c.call(ctx, "SessionService", "closeSessionBySignedCredentialsRequest", &[2]string{r.Key.Certificate.IIN, r.Password},
		soapField{"tin", r.TIN}, soapField{"businessProfileType", string(r.ProfileType)}, soapField{"signedAuthTicket", signed})
	if err != nil {
		return "", err
	}
	return n.text("status"), nil
}

// CloseSessionByCredentials closes the user's open session with the
// certificate (SessionService.closeSessionByCredentials).
func (c *Client) CloseSessionByCredentials(ctx context.Context, r SessionRequest) (string, error) {
	n, err := c.call(ctx, "SessionService", "closeSessionByCredentialsRequest", &[2]string{r.Key.Certificate.IIN, r.Password},
		soapField{"tin", r.TIN}, soapField{"businessProfileType", string(r.ProfileType)},
		soapField{"x509Certificate", base64.StdEncoding.EncodeToString(r.Key.Certificate.X509.Raw)})
	if err != nil {
		return "", err
	}
	return n.text("status"), nil
}

// Status returns the session's status: OK, CLOSED or NOT_FOUND.
func (s *Session) Status(ctx context.Context) (string, error) {
	n, err := s.c.call(ctx, "SessionService", "currentSessionStatusRequest", nil, soapField{"sessionId", s.ID})
	if err != nil {
		return "", err
	}
	return n.text("status"), nil
}

// Close closes the session and returns its status.
func (s *Session) Close(ctx context.Context) (string, error) {
	n, err := s.c.call(ctx, "SessionService", "closeSessionRequest", &[2]string{s.IIN, s.pw}, soapField{"sessionId", s.ID})
	if err != nil {
		return "", err
	}
	return n.text("status"), nil
}

// User is SessionService's User: the account and the taxpayer of the
// session's profile.
type User struct {
	Login       string
	Email       string
	IssueDate   string
	IssuedBy    string
	PassportNum string
	Status      esfreg.UserStatus
	Reason      string
	Taxpayer    esfreg.Taxpayer
}

// CurrentUser calls SessionService.currentUser.
func (s *Session) CurrentUser(ctx context.Context) (*User, error) {
	n, err := s.c.call(ctx, "SessionService", "currentUserRequest", nil, soapField{"sessionId", s.ID})
	if err != nil {
		return nil, err
	}
	u := n.child("user")
	if u == nil {
		return nil, errors.New("esfclient: currentUser answered without a user")
	}
	out := &User{Login: u.text("login"), Email: u.text("email"), IssueDate: u.text("issueDate"), IssuedBy: u.text("issuedBy"),
		PassportNum: u.text("passportNum"), Status: esfreg.UserStatus(u.text("status")), Reason: u.text("reason")}
	if t := u.child("taxpayer"); t != nil {
		out.Taxpayer = esfreg.Taxpayer{TIN: t.text("tin"), NameRu: t.text("nameRu"), NameKz: t.text("nameKz"),
			LastNameRu: t.text("lastNameRu"), FirstNameRu: t.text("firstNameRu"), MiddleNameRu: t.text("middleNameRu"),
			AddressRu: t.text("addressRu"), AddressKz: t.text("addressKz"), Resident: t.text("resident") == "true",
			Type: esfreg.EnterpriseType(t.text("type")), EnterpriseAdministrator: t.text("enterpriseAdministrator"), KOGD: t.text("kogd")}
	}
	return out, nil
}

// Profiles calls SessionService.currentUserProfiles: the user's active profiles.
func (s *Session) Profiles(ctx context.Context) ([]esfreg.Profile, error) {
	n, err := s.c.call(ctx, "SessionService", "currentUserProfilesRequest", nil, soapField{"sessionId", s.ID})
	if err != nil {
		return nil, err
	}
	var out []esfreg.Profile
	if list := n.child("profileInfoList"); list != nil {
		for i := range list.Children {
			p := &list.Children[i]
			out = append(out, esfreg.Profile{IIN: p.text("iin"), TIN: p.text("tin"), Type: esfreg.ProfileType(p.text("businessProfileType")),
				Status: esfreg.UserStatus(p.text("status")), Kind: esfreg.ProfileKind(p.text("type"))})
		}
	}
	return out, nil
}
