package ncalayer

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/esfkit/esf/cms"
	"github.com/esfkit/esf/xmlsig"
)

// xmlDeclaration starts every document signXml returns (docs/ncalayer.md
// §6.2): Java's serializer writes it, whatever the input had.
const xmlDeclaration = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>`

// choose shows the "dialog": the keys that fit p.Filter go to
// Options.Choose. It reports false for a cancel — the user's, or because
// no key fits, when NCALayer's dialog has nothing selectable and Cancel is
// all the user can press.
func (s *Server) choose(c *conn, p *Prompt) (*Key, bool) {
	p.Origin = c.origin
	if p.Locale == "" {
		p.Locale = c.locale
	}
	var why []string
	for _, k := range s.opts.Keys {
		if r := p.Filter.reject(k); r != "" {
			why = append(why, k.Name+": "+r)
			continue
		}
		p.Keys = append(p.Keys, k)
	}
	if len(p.Keys) == 0 {
		s.log.Info("ncalayer: no key fits the request; answering as a cancel", "method", p.Method, "keyType", p.KeyType, "keys", strings.Join(why, "; "))
		return nil, false
	}
	k, err := s.opts.Choose(c.ctx, p)
	if err != nil || k == nil {
		if err != nil && !errors.Is(err, ErrCanceled) {
			s.log.Warn("ncalayer: the ChooseFunc failed; answering as a cancel", "method", p.Method, "err", err)
		}
		return nil, false
	}
	for _, offered := range p.Keys {
		if offered == k {
			return k, true
		}
	}
	s.log.Warn("ncalayer: the ChooseFunc picked a key it was not offered; answering as a cancel", "method", p.Method, "key", k.Name)
	return nil, false
}

// checkXML parses doc as Java's parser would before any dialog, and
// returns the error in its words: "org.xml.sax.SAXParseException; …".
func checkXML(doc string) error {
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	// A String is parsed as characters: the declared encoding is moot.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	root := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if !root {
				return errors.New("org.xml.sax.SAXParseException; lineNumber: 1; columnNumber: 1; Premature end of file.")
			}
			return nil
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return fmt.Errorf("org.xml.sax.SAXParseException; lineNumber: %d; %s", se.Line, se.Msg)
			}
			return fmt.Errorf("org.xml.sax.SAXParseException; %v", err)
		}
		if _, ok := tok.(xml.StartElement); ok {
			root = true
		}
	}
}

// stripProlog removes what Java's parser reads and its serializer writes
// anew: a byte-order mark, the XML declaration, and white space before
// the next markup.
func stripProlog(doc string) string {
	doc = strings.TrimPrefix(doc, "\ufeff")
	if strings.HasPrefix(doc, "<?xml") && len(doc) > 5 && strings.ContainsRune(" \t\r\n", rune(doc[5])) {
		if end := strings.Index(doc, "?>"); end >= 0 {
			doc = doc[end+2:]
		}
	}
	return strings.TrimLeft(doc, " \t\r\n")
}

// signXMLDoc signs one document as signXml returns it (§6): the whole
// document with the declaration NCALayer writes and ds:Signature appended
// to the document element.
func (s *Server) signXMLDoc(doc string, k *Key) (string, error) {
	signer, err := k.KeyStore.Signer()
	if err != nil {
		return "", err
	}
	out, err := xmlsig.Sign([]byte(stripProlog(doc)), signer, k.KeyStore.Certificate, xmlsig.SignOptions{
		Now: s.now, Rand: s.opts.Rand, CarriageReturns: s.opts.XMLCarriageReturns,
	})
	if err != nil {
		return "", err
	}
	if s.opts.LineEnding == CRLF {
		out = toCRLF(out)
	}
	return xmlDeclaration + string(out), nil
}

// toCRLF writes every line feed not already after a carriage return as
// CR LF. XML parsers read CR LF as LF everywhere (XML 1.0 §2.11), so the
// document — and its signature — read the same.
func toCRLF(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b) + bytes.Count(b, []byte{'\n'}))
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out.WriteByte('\r')
		}
		out.WriteByte(c)
	}
	return out.Bytes()
}

// xpathsUnsupported is the message for signXml with XPaths, which xmlsig
// does not sign (it signs the whole document, Reference URI="").
const xpathsUnsupported = "signing with tbsElementXPath or signatureParentElementXPath is not supported by esf's NCALayer emulator: give both as \"\" to sign the whole document"

// signXml(storageName, keyType, xml, tbsElementXPath,
// signatureParentElementXPath) returns the signed document.
func (s *Server) signXml(c *conn, args []any) cuReply {
	out, reply, ok := s.signXMLs(c, "signXml", args[0].(string), args[1].(string), []string{args[2].(string)}, args[3].(string), args[4].(string))
	if !ok {
		return reply
	}
	return cuOK(out[0])
}

// signXmls(storageName, keyType, xmls[], tbsXPath, parentXPath) signs
// every document with one key.
func (s *Server) signXmls(c *conn, args []any) cuReply {
	out, reply, ok := s.signXMLs(c, "signXmls", args[0].(string), args[1].(string), args[2].([]string), args[3].(string), args[4].(string))
	if !ok {
		return reply
	}
	return cuOK(out)
}

func (s *Server) signXMLs(c *conn, method, storage, keyType string, docs []string, tbs, parent string) ([]string, cuReply, bool) {
	if msg := s.checkStorage(storage); msg != "" {
		return nil, cuFail(msg), false
	}
	if tbs != "" || parent != "" {
		return nil, cuFail(xpathsUnsupported), false
	}
	for _, d := range docs {
		if err := checkXML(d); err != nil {
			return nil, cuFail(err.Error()), false
		}
	}
	k, ok := s.choose(c, &Prompt{Module: ModuleCommonUtils, Method: method, KeyType: keyType,
		Filter: Filter{Storages: []string{storage}, Usage: usageOf(keyType), At: s.now()}})
	if !ok {
		return nil, cuFail(msgCanceled), false
	}
	out := make([]string, len(docs))
	for i, d := range docs {
		signed, err := s.signXMLDoc(d, k)
		if err != nil {
			return nil, cuFail(err.Error()), false
		}
		out[i] = signed
	}
	return out, cuReply{}, true
}

// createCMS is createCMSSignatureFromBase64 and createCAdESFromBase64
// (storageName, keyType, dataBase64, attached): base64 of a DER CMS. Both
// make the same CMS here: the time-stamp NCALayer's
// createCMSSignatureFromBase64 adds from tsp.pki.gov.kz is left out.
func (s *Server) createCMS(c *conn, method string, args []any) cuReply {
	storage, keyType, data, attached := args[0].(string), args[1].(string), args[2].(string), args[3].(bool)
	if msg := s.checkStorage(storage); msg != "" {
		return cuFail(msg)
	}
	content, err := javaBase64(data)
	if err != nil {
		return cuFail(err.Error())
	}
	k, ok := s.choose(c, &Prompt{Module: ModuleCommonUtils, Method: method, KeyType: keyType,
		Filter: Filter{Storages: []string{storage}, Usage: usageOf(keyType), At: s.now()}})
	if !ok {
		return cuFail(msgCanceled)
	}
	der, err := s.signCMS(content, k, !attached)
	if err != nil {
		return cuFail(err.Error())
	}
	return cuOK(base64.StdEncoding.EncodeToString(der))
}

// signCMS signs content with k: a DER CMS SignedData with the signing
// time of the clock.
func (s *Server) signCMS(content []byte, k *Key, detached bool) ([]byte, error) {
	signer, err := k.KeyStore.Signer()
	if err != nil {
		return nil, err
	}
	return cms.Sign(content, signer, k.KeyStore.Certificate, cms.SignOptions{
		Detached: detached, SigningTime: s.now(), Rand: s.opts.Rand,
	})
}

// javaBase64 decodes as java.util.Base64.getDecoder() does, with its
// messages: no line breaks or spaces, padding optional but exact.
func javaBase64(s string) ([]byte, error) {
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return nil, fmt.Errorf("Illegal base64 character %x", c)
		}
	}
	body := strings.TrimRight(s, "=")
	if strings.Contains(body, "=") {
		return nil, fmt.Errorf("Illegal base64 character %x", '=')
	}
	if len(body)%4 == 1 {
		return nil, errors.New("Last unit does not have enough valid bits")
	}
	if pad := len(s) - len(body); pad > 0 && (len(body)+pad)%4 != 0 {
		return nil, errors.New("Input byte array has wrong 4-byte ending unit")
	}
	out, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil {
		return nil, fmt.Errorf("Input byte array has incorrect ending byte: %w", err)
	}
	return out, nil
}
