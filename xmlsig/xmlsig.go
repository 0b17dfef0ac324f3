// Package xmlsig signs and verifies enveloped XML signatures the way
// Kazakhstan's NCA tools (NCALayer's signXml, Kalkan, NCANode) make them:
// a ds:Signature appended to the document element, Reference URI="" with
// the enveloped-signature and C14N 1.0 (with comments) transforms,
// SignedInfo in inclusive C14N 1.0, and the signer's certificate in
// KeyInfo/X509Data/X509Certificate. RSA-SHA256, GOST R 34.10-2015 512 with
// Streebog-512 and GOST 34.310-2004 with GOST 34.311-95 are supported, with
// the algorithm URIs NCA uses.
//
// Sign appends a signature made with any crypto.Signer and its certificate.
// Verify checks a document that carries exactly one signature, VerifyAll
// one with several (two signers sign one after the other); both return only
// what was signed — the canonical bytes of the document without the
// signature — with the signer's certs.Certificate. Callers must read the
// returned bytes, never the document they passed in.
//
// Verification is strict by construction: DTDs, entity declarations and
// processing instructions are refused, documents are size-limited, the
// signature must be a child of the document element with one Reference
// URI="" and exactly NCA's transforms, one certificate, and the signature
// method must fit the certificate's key.
//
// Documents must be well-formed XML 1.0 with namespaces, as libxml2 (and
// so xmlsec1) reads them; what encoding/xml alone would let through is
// ErrMalformed, with the cause named:
//   - two attributes with one name, or with one local name and prefixes
//     bound to one namespace; a namespace declared twice on an element;
//   - attributes not separated by white space;
//   - an end tag that does not repeat its start tag's name, as written;
//   - a prefix used where it is not declared; xml bound to another
//     namespace, or its namespace to another prefix or the default; the
//     xmlns prefix or namespace declared; xmlns:p="" (no undeclaring in
//     XML 1.0); a namespace name that is not an RFC 3986 URI reference;
//     the prefix xmlns on an element; names that are not QNames (":a",
//     "a:", a local part that cannot start a name);
//   - a character reference to a surrogate (&#xD800;), which encoding/xml
//     turns into U+FFFD; characters outside XML's Char, or invalid UTF-8,
//     in comments;
//   - anything but white space outside the document element: text, a
//     character or entity reference, a CDATA section, a no-break space,
//     a byte-order mark after the start;
//   - an XML declaration that is not at the very start or does not follow
//     the grammar: version first, then encoding, then standalone (yes or
//     no), each once, separated by white space, version 1.x, a valid
//     encoding name; <?XML …?> and other case variants of the reserved
//     target.
//
// encoding/xml itself refuses the rest (undefined entities, "]]>" in
// text, "--" in comments, "<" in attribute values, names that are not
// XML names, characters outside Char in text and attributes). A UTF-8
// byte-order mark before the document is read and is not part of what is
// signed; UTF-16 and UTF-32 documents, other encodings and XML 1.1 are
// legal but ErrUnsupported. Names legal only since XML 1.0's fifth
// edition (such as U+0132) are refused, as encoding/xml checks names
// against the fourth edition's tables.
//
// The documents signers write (ASCII names, UTF-8 text, the predefined
// entities, comments, no carriage returns, CDATA or DTD) are read by the
// package's own tokenizer, which reads the same tokens as strict
// encoding/xml, several times faster; a document with anything else is
// read by encoding/xml from its start. Either way it reads, or fails,
// alike: FuzzFastTokens holds the two to each other.
package xmlsig

import (
	"errors"
	"fmt"
)

// Namespace is the XML Signature namespace.
const Namespace = "http://www.w3.org/2000/09/xmldsig#"

// Algorithm URIs (docs: nca-certificates.md §4.2, gost.md §2).
const (
	C14N10             = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	C14N10WithComments = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
	EnvelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

	RSASHA256       = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	SHA256          = "http://www.w3.org/2001/04/xmlenc#sha256"
	GOST2015512     = "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34102015-gostr34112015-512"
	Streebog512     = "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34112015-512"
	GOST2004        = "http://www.w3.org/2001/04/xmldsig-more#gost34310-gost34311"
	GOSTR341194Test = "http://www.w3.org/2001/04/xmldsig-more#gost34311"
)

// DefaultMaxSize is the largest document Verify reads when
// VerifyOptions.MaxSize is zero.
const DefaultMaxSize = 1 << 20

// Errors callers can branch on with errors.Is; the errors returned wrap
// one of them and say more.
var (
	// ErrMalformed: not well-formed XML, or a signature of the wrong shape.
	ErrMalformed = errors.New("xmlsig: malformed document")
	// ErrForbidden: a DTD, an entity declaration or a processing
	// instruction, which signed documents may not carry.
	ErrForbidden = errors.New("xmlsig: forbidden XML construct")
	// ErrTooLarge: the document exceeds the size limit.
	ErrTooLarge = errors.New("xmlsig: document too large")
	// ErrNoSignature: the document has no signature where one is needed.
	ErrNoSignature = errors.New("xmlsig: no signature")
	// ErrSignatureCount: more (or fewer) signatures than expected.
	ErrSignatureCount = errors.New("xmlsig: unexpected number of signatures")
	// ErrUnsupported: an algorithm or transform NCA does not use, or legal
	// XML that is not read: an encoding other than UTF-8 (a UTF-16 or
	// UTF-32 byte-order mark, another encoding declared), a version other
	// than 1.0.
	ErrUnsupported = errors.New("xmlsig: unsupported algorithm or encoding")
	// ErrDigest: the document's digest does not match: it was changed.
	ErrDigest = errors.New("xmlsig: digest mismatch")
	// ErrSignature: the signature value does not verify with the
	// certificate's key.
	ErrSignature = errors.New("xmlsig: signature mismatch")
	// ErrCertificate: the certificate in KeyInfo is missing, duplicated,
	// unreadable, or does not fit the signature method.
	ErrCertificate = errors.New("xmlsig: bad signer certificate")
)

// Error is the error of a failed verification: which signature, and why.
type Error struct {
	// Index is the signature's position among the document's signatures.
	Index int
	// Err is one of the sentinel errors above, wrapped with detail.
	Err error
}

// Error returns "xmlsig: signature N: …".
func (e *Error) Error() string { return fmt.Sprintf("xmlsig: signature %d: %v", e.Index, e.Err) }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }
