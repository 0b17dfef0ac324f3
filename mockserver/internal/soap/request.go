package soap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Namespaces and URIs of the SOAP messages the package reads and writes.
const (
	// EnvelopeNS is the SOAP 1.1 envelope namespace.
	EnvelopeNS = "http://schemas.xmlsoap.org/soap/envelope/"
	// Namespace is the ESF target namespace: the bare, non-URI string "esf".
	Namespace = "esf"
	// WSSENS is the OASIS WS-Security 1.0 (2004/01) extension namespace.
	WSSENS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	// WSUNS is the OASIS WS-Security 1.0 (2004/01) utility namespace.
	WSUNS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	// PasswordText is the Type of a clear-text UsernameToken password,
	// the only kind ESF accepts.
	PasswordText = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
	// PasswordDigest is the Type of a digested UsernameToken password.
	PasswordDigest = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
	// xsiNS is the XML Schema instance namespace (xsi:nil).
	xsiNS = "http://www.w3.org/2001/XMLSchema-instance"
)

// DefaultMaxBytes is the largest request ReadRequest reads when its limit
// is zero or negative.
const DefaultMaxBytes = 1 << 20

// maxDepth bounds element nesting; ESF messages are a few levels deep.
const maxDepth = 64

// Errors callers can branch on with errors.Is; the errors ReadRequest
// returns wrap one of them and say more.
var (
	// ErrMalformed: not well-formed XML, or not a SOAP 1.1 envelope with a
	// body holding exactly one element.
	ErrMalformed = errors.New("soap: malformed request")
	// ErrTooLarge: the request exceeds the size limit.
	ErrTooLarge = errors.New("soap: request too large")
	// ErrForbidden: a DTD, an entity declaration or a processing
	// instruction other than the XML declaration.
	ErrForbidden = errors.New("soap: forbidden XML construct")
)

// Request is a SOAP 1.1 request as ReadRequest found it.
type Request struct {
	// Operation is the name of the body's only element, the operation's
	// wrapper element, e.g. {esf createSessionSignedRequest}.
	Operation xml.Name
	// Body is that element with everything inside it.
	Body Node
	// Header lists the SOAP header blocks in document order; empty when
	// the envelope has no Header.
	Header []Node
	// Security is the WS-Security UsernameToken of the header, nil when
	// there is none.
	Security *UsernameToken
}

// Field returns the text of the operation element's first unqualified
// child named name; see Node.Field.
func (r *Request) Field(name string) (string, bool) {
	return r.Body.Field(name)
}

// Fields returns the operation element's children in document order.
func (r *Request) Fields() []Node {
	return r.Body.Children
}

// Node is an element of a request: its name, attributes, text and child
// elements, in document order. Comments are dropped.
type Node struct {
	// Name is the element's namespace and local name; the namespace is
	// empty for an unqualified element.
	Name xml.Name
	// Attr lists the element's attributes, namespace declarations
	// included, as encoding/xml reports them.
	Attr []xml.Attr
	// Text is the character data directly inside the element (CDATA
	// sections included, entity references resolved), concatenated and
	// not trimmed.
	Text string
	// Children lists the child elements.
	Children []Node
}

// Child returns the first child element with no namespace and the local
// name name, or nil.
func (n *Node) Child(name string) *Node {
	for i := range n.Children {
		if c := &n.Children[i]; c.Name.Space == "" && c.Name.Local == name {
			return c
		}
	}
	return nil
}

// Field returns the text of the first child element with no namespace and
// the local name name. It reports false when there is no such child or it
// is marked xsi:nil="true". Elements in a namespace, e.g. a child wrongly
// sent as <esf:tin>, are not fields: ESF's schema is unqualified.
func (n *Node) Field(name string) (string, bool) {
	c := n.Child(name)
	if c == nil || c.IsNil() {
		return "", false
	}
	return c.Text, true
}

// IsNil reports whether the element carries xsi:nil="true".
func (n *Node) IsNil() bool {
	for _, a := range n.Attr {
		if a.Name.Space == xsiNS && a.Name.Local == "nil" {
			v := strings.TrimSpace(a.Value)
			return v == "true" || v == "1"
		}
	}
	return false
}

// UsernameToken is the WS-Security UsernameToken of a request's
// wsse:Security header. Values are the raw element texts.
type UsernameToken struct {
	// Username is wsse:Username; for ESF, the user's IIN.
	Username string
	// Password is wsse:Password; for ESF, the account password in clear.
	Password string
	// PasswordType is the Password's Type attribute: PasswordText,
	// PasswordDigest, or empty when absent (which WS-Security reads as
	// PasswordText).
	PasswordType string
	// Nonce is wsse:Nonce, empty when absent.
	Nonce string
	// Created is wsu:Created, empty when absent.
	Created string
}

// ReadRequest reads a SOAP 1.1 request from r, at most maxBytes bytes
// (DefaultMaxBytes when maxBytes <= 0). It refuses DTDs, entity
// declarations and processing instructions other than a leading XML
// declaration (ErrForbidden), requests over the limit (ErrTooLarge), and
// anything that is not a well-formed UTF-8 Envelope of the SOAP 1.1
// namespace holding an optional Header and a Body with exactly one element
// (ErrMalformed). The header's first wsse:Security/wsse:UsernameToken, if
// any, is returned in Request.Security; more than one wsse:Security block
// is malformed.
func ReadRequest(r io.Reader, maxBytes int64) (*Request, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading: %v", ErrMalformed, err)
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxBytes)
	}
	root, err := parseTree(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if err != nil {
		return nil, err
	}
	return fromEnvelope(root)
}

// parseTree checks data and builds its element tree: through fastTree
// when it reads the whole document, through encoding/xml (parseTreeXML)
// otherwise.
func parseTree(data []byte) (*Node, error) {
	if root, ok := fastTree(data); ok {
		return root, nil
	}
	return parseTreeXML(data)
}

// parseTreeXML checks data token by token with encoding/xml and builds
// its element tree.
func parseTreeXML(data []byte) (*Node, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	// open is an element being read; its text is gathered in a builder,
	// since comments can split it into many pieces.
	type open struct {
		node *Node
		text strings.Builder
	}
	var (
		stack  []*open
		root   *Node
		tokens int
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		tokens++
		switch t := tok.(type) {
		case xml.Directive:
			return nil, fmt.Errorf("%w: <!%s…> (DTDs and entity declarations are not accepted)", ErrForbidden, firstWord(t))
		case xml.ProcInst:
			if t.Target != "xml" {
				return nil, fmt.Errorf("%w: processing instruction <?%s?>", ErrForbidden, t.Target)
			}
			if tokens != 1 {
				return nil, fmt.Errorf("%w: XML declaration not at the start", ErrMalformed)
			}
		case xml.StartElement:
			if len(stack) == 0 && root != nil {
				return nil, fmt.Errorf("%w: more than one document element", ErrMalformed)
			}
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("%w: elements nested deeper than %d", ErrMalformed, maxDepth)
			}
			n := &Node{Name: t.Name, Attr: t.Copy().Attr}
			if len(stack) == 0 {
				root = n
			}
			stack = append(stack, &open{node: n})
		case xml.EndElement:
			// The decoder (Strict) has matched the start tag already.
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			o.node.Text = o.text.String()
			if len(stack) > 0 {
				p := stack[len(stack)-1].node
				p.Children = append(p.Children, *o.node)
			}
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, fmt.Errorf("%w: text outside the document element", ErrMalformed)
				}
				continue
			}
			stack[len(stack)-1].text.Write(t)
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: no document element", ErrMalformed)
	}
	if len(stack) != 0 {
		return nil, fmt.Errorf("%w: unexpected end of document", ErrMalformed)
	}
	return root, nil
}

// fromEnvelope checks the SOAP structure of a parsed document.
func fromEnvelope(env *Node) (*Request, error) {
	if env.Name.Local != "Envelope" {
		return nil, fmt.Errorf("%w: document element is <%s>, not a SOAP Envelope", ErrMalformed, env.Name.Local)
	}
	if env.Name.Space != EnvelopeNS {
		return nil, fmt.Errorf("%w: Envelope in namespace %q, not SOAP 1.1 (%s)", ErrMalformed, env.Name.Space, EnvelopeNS)
	}
	if strings.TrimSpace(env.Text) != "" {
		return nil, fmt.Errorf("%w: text directly inside the Envelope", ErrMalformed)
	}
	var header, body *Node
	for i := range env.Children {
		c := &env.Children[i]
		switch {
		case c.Name.Space == EnvelopeNS && c.Name.Local == "Header" && header == nil && body == nil:
			header = c
		case c.Name.Space == EnvelopeNS && c.Name.Local == "Body" && body == nil:
			body = c
		default:
			return nil, fmt.Errorf("%w: unexpected element <%s> in the Envelope", ErrMalformed, c.Name.Local)
		}
	}
	if body == nil {
		return nil, fmt.Errorf("%w: no Body in the Envelope", ErrMalformed)
	}
	if strings.TrimSpace(body.Text) != "" {
		return nil, fmt.Errorf("%w: text directly inside the Body", ErrMalformed)
	}
	if len(body.Children) != 1 {
		return nil, fmt.Errorf("%w: the Body holds %d elements, want exactly one", ErrMalformed, len(body.Children))
	}
	req := &Request{Operation: body.Children[0].Name, Body: body.Children[0]}
	if header != nil {
		if strings.TrimSpace(header.Text) != "" {
			return nil, fmt.Errorf("%w: text directly inside the Header", ErrMalformed)
		}
		req.Header = header.Children
		tok, err := usernameToken(header.Children)
		if err != nil {
			return nil, err
		}
		req.Security = tok
	}
	return req, nil
}

// usernameToken finds wsse:Security/wsse:UsernameToken among the header
// blocks.
func usernameToken(blocks []Node) (*UsernameToken, error) {
	var sec *Node
	for i := range blocks {
		if b := &blocks[i]; b.Name.Space == WSSENS && b.Name.Local == "Security" {
			if sec != nil {
				return nil, fmt.Errorf("%w: more than one wsse:Security header", ErrMalformed)
			}
			sec = b
		}
	}
	if sec == nil {
		return nil, nil
	}
	for i := range sec.Children {
		ut := &sec.Children[i]
		if ut.Name.Space != WSSENS || ut.Name.Local != "UsernameToken" {
			continue
		}
		tok := &UsernameToken{}
		for j := range ut.Children {
			c := &ut.Children[j]
			switch {
			case c.Name.Space == WSSENS && c.Name.Local == "Username":
				tok.Username = c.Text
			case c.Name.Space == WSSENS && c.Name.Local == "Password":
				tok.Password = c.Text
				for _, a := range c.Attr {
					if a.Name.Space == "" && a.Name.Local == "Type" {
						tok.PasswordType = a.Value
					}
				}
			case c.Name.Space == WSSENS && c.Name.Local == "Nonce":
				tok.Nonce = c.Text
			case c.Name.Space == WSUNS && c.Name.Local == "Created":
				tok.Created = c.Text
			}
		}
		return tok, nil
	}
	return nil, nil
}

func firstWord(b []byte) string {
	if i := bytes.IndexAny(b, " \t\r\n"); i > 0 {
		b = b[:i]
	}
	if len(b) > 32 {
		b = b[:32]
	}
	return string(b)
}
