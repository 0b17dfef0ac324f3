package certs

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/esfkit/esf/certs/gost"
)

// Usage says what NCA issued a key for: authentication (log-in only),
// signing, or both (GOST 2015-512 keys since 2022).
type Usage uint8

const (
	// UsageAuth marks an authentication key: keyUsage digitalSignature +
	// keyEncipherment (NCA's AUTH_ files, EKU clientAuth).
	UsageAuth Usage = 1 << iota
	// UsageSign marks a signing key: keyUsage digitalSignature +
	// nonRepudiation (EKU emailProtection).
	UsageSign
)

// Has reports whether u includes every usage in want.
func (u Usage) Has(want Usage) bool { return u&want == want }

// String returns "AUTH", "SIGN", "AUTH+SIGN" or "UNKNOWN".
func (u Usage) String() string {
	switch u {
	case UsageAuth:
		return "AUTH"
	case UsageSign:
		return "SIGN"
	case UsageAuth | UsageSign:
		return "AUTH+SIGN"
	}
	return "UNKNOWN"
}

// Algorithm is the public key algorithm of a certificate.
type Algorithm int

const (
	// AlgorithmUnknown is any algorithm NCA does not use for its keys.
	AlgorithmUnknown Algorithm = iota
	// AlgorithmRSA is RSA (2048-bit for holders, 4096-bit for NCA's CAs).
	AlgorithmRSA
	// AlgorithmGOST2004 is GOST 34.310-2004 (256-bit, CryptoPro-A curve).
	AlgorithmGOST2004
	// AlgorithmGOST2015_512 is GOST R 34.10-2015 512-bit (TC26 paramSetA).
	AlgorithmGOST2015_512
)

// String returns "RSA", "GOST2004", "GOST2015-512" or "UNKNOWN".
func (a Algorithm) String() string {
	switch a {
	case AlgorithmRSA:
		return "RSA"
	case AlgorithmGOST2004:
		return "GOST2004"
	case AlgorithmGOST2015_512:
		return "GOST2015-512"
	}
	return "UNKNOWN"
}

// Holder is who a certificate was issued to.
type Holder int

const (
	// HolderUnknown is a certificate with no holder NCA marks (a CA, say).
	HolderUnknown Holder = iota
	// HolderIndividual is a person (ФЛ, and an entrepreneur ИП).
	HolderIndividual
	// HolderLegalEntity is a legal entity (ЮЛ): the certificate names a BIN.
	HolderLegalEntity
)

// String returns "INDIVIDUAL", "LEGAL_ENTITY" or "UNKNOWN".
func (h Holder) String() string {
	switch h {
	case HolderIndividual:
		return "INDIVIDUAL"
	case HolderLegalEntity:
		return "LEGAL_ENTITY"
	}
	return "UNKNOWN"
}

// FileKind is the prefix NCA gives a key store's file name; the rest of the
// name is the certificate's SubjectKeyIdentifier in lowercase hex.
type FileKind string

// The file-name kinds NCA uses, newest first.
const (
	FileAuthRSA256 FileKind = "AUTH_RSA256_" // RSA authentication, SHA-256
	FileRSA256     FileKind = "RSA256_"      // RSA signing, SHA-256 (individuals)
	FileGOSTKNCA   FileKind = "GOSTKNCA_"    // GOST 34.310-2004 signing (legal entities)
	FileGOST512    FileKind = "GOST512_"     // GOST R 34.10-2015 512, log-in and signing
	FileAuthRSA    FileKind = "AUTH_RSA_"    // older RSA authentication (SHA-1)
	FileRSA        FileKind = "RSA_"         // older RSA signing (SHA-1)
	FileGOSTKZ     FileKind = "GOSTKZ_"      // older GOST signing (Kalkan's OID)
)

// fileKinds lists the kinds with the longer prefixes first, for matching.
var fileKinds = []FileKind{FileAuthRSA256, FileAuthRSA, FileRSA256, FileRSA, FileGOSTKNCA, FileGOST512, FileGOSTKZ}

// ParseFileName splits an NCA key store file name such as
// "GOST512_0860d9665327c26760c213126760a3b73072218d.p12" into its kind and
// SubjectKeyIdentifier. It reports false for any other name.
func ParseFileName(name string) (FileKind, []byte, bool) {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSuffix(name, ".p12")
	for _, k := range fileKinds {
		rest, ok := strings.CutPrefix(name, string(k))
		if !ok || len(rest) != 40 {
			continue
		}
		if ski, err := hex.DecodeString(rest); err == nil && strings.ToLower(rest) == rest {
			return k, ski, true
		}
	}
	return "", nil, false
}

// Certificate is an X.509 certificate together with what NCA puts in it.
// Every field is derived from X509; ParseCertificate fills them.
type Certificate struct {
	// X509 is the parsed certificate. For GOST keys its PublicKey is nil
	// (crypto/x509 does not know GOST); use PublicKey.
	X509 *x509.Certificate
	// PublicKey is *rsa.PublicKey, *gost.PublicKey, or what crypto/x509
	// returned for other algorithms.
	PublicKey crypto.PublicKey

	IIN          string // 12 digits from SERIALNUMBER "IIN…"; empty if absent
	BIN          string // 12 digits from OU "BIN…"; empty if absent
	CommonName   string // CN, "SURNAME FIRSTNAME" for persons
	Surname      string // SURNAME (2.5.4.4)
	FirstName    string // from CN: the words after the surname
	Patronymic   string // GIVENNAME (2.5.4.42), which NCA uses for the patronymic
	Organization string // O, the legal entity's name
	Email        string // E in the DN, else the first rfc822Name of subjectAltName
	Country      string // C

	Usage     Usage
	Algorithm Algorithm
	Holder    Holder
	// Roles are the NCA roles in extendedKeyUsage, in certificate order.
	Roles []Role
	// FileKind is the file-name prefix NCA gives this kind of key store,
	// empty for a CA certificate.
	FileKind FileKind
	// SKI is the SubjectKeyIdentifier; NCA names key store files after it.
	SKI []byte
	// Issuer is the issuer's common name, e.g. "ҰКО 3.0 (RSA TEST)".
	Issuer    string
	NotBefore time.Time
	NotAfter  time.Time
	// SignatureAlgorithm is the CA's signature algorithm OID.
	SignatureAlgorithm asn1.ObjectIdentifier
}

// ErrNotCertificate reports input that holds no X.509 certificate.
var ErrNotCertificate = errors.New("certs: not an X.509 certificate")

// ParseCertificate reads one certificate, given as DER, as PEM, or as
// base64 DER without PEM armour (as some NCA tools write .cer files).
//
// Each call returns a Certificate of its own, but one certificate read
// again shares with the earlier result what crypto/x509 shares anyway:
// the *x509.Certificate and the slices inside (Roles, SKI,
// SignatureAlgorithm), which no one may change.
func ParseCertificate(data []byte) (*Certificate, error) {
	der, err := certificateDER(data)
	if err != nil {
		return nil, err
	}
	parsed.Lock()
	known := parsed.m[string(der)]
	parsed.Unlock()
	if known != nil {
		c := *known
		return &c, nil
	}
	x, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotCertificate, err)
	}
	c, err := NewCertificate(x)
	if err != nil {
		return nil, err
	}
	kept := *c
	parsed.Lock()
	if len(parsed.m) >= maxParsed {
		clear(parsed.m)
	}
	parsed.m[string(der)] = &kept
	parsed.Unlock()
	return c, nil
}

// parsed keeps the certificates ParseCertificate read, by their DER: a
// server reads a user's certificate from every ticket and signed document
// the user sends, and parsing one (crypto/x509 and NCA's fields) costs
// about as much as canonicalizing a ticket. Only successes are kept, at
// most maxParsed of them.
var parsed = struct {
	sync.Mutex
	m map[string]*Certificate
}{m: map[string]*Certificate{}}

const maxParsed = 1024

func certificateDER(data []byte) ([]byte, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrNotCertificate)
	}
	if data[0] == 0x30 {
		return data, nil
	}
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		for rest := trimmed; ; {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				return nil, fmt.Errorf("%w: no CERTIFICATE block in PEM", ErrNotCertificate)
			}
			if b.Type == "CERTIFICATE" {
				return b.Bytes, nil
			}
		}
	}
	compact := bytes.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, trimmed)
	if der, err := base64.StdEncoding.DecodeString(string(compact)); err == nil && len(der) > 0 && der[0] == 0x30 {
		return der, nil
	}
	return nil, fmt.Errorf("%w: neither DER, PEM nor base64", ErrNotCertificate)
}

// NewCertificate classifies an already parsed certificate.
func NewCertificate(c *x509.Certificate) (*Certificate, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil certificate", ErrNotCertificate)
	}
	out := &Certificate{
		X509:               c,
		PublicKey:          c.PublicKey,
		CommonName:         c.Subject.CommonName,
		Country:            first(c.Subject.Country),
		Organization:       first(c.Subject.Organization),
		SKI:                c.SubjectKeyId,
		Issuer:             c.Issuer.CommonName,
		NotBefore:          c.NotBefore,
		NotAfter:           c.NotAfter,
		SignatureAlgorithm: signatureOID(c.RawTBSCertificate),
	}
	if sn := c.Subject.SerialNumber; strings.HasPrefix(sn, "IIN") {
		out.IIN = sn[3:]
	}
	for _, ou := range c.Subject.OrganizationalUnit {
		if b, ok := strings.CutPrefix(ou, "BIN"); ok {
			out.BIN = b
		}
	}
	out.Surname = nameAttr(c.Subject, oidAttrSurname)
	out.Patronymic = nameAttr(c.Subject, oidAttrGivenName)
	out.FirstName = firstName(out.CommonName, out.Surname)
	out.Email = nameAttr(c.Subject, oidAttrEmail)
	if out.Email == "" && len(c.EmailAddresses) > 0 {
		out.Email = c.EmailAddresses[0]
	}
	for _, oid := range c.UnknownExtKeyUsage {
		if r, ok := RoleByOID(oid); ok {
			out.Roles = append(out.Roles, r)
		}
	}

	alg, pub, err := publicKeyOf(c)
	if err != nil {
		return nil, err
	}
	out.Algorithm = alg
	if pub != nil {
		out.PublicKey = pub
	}
	out.Usage = usageOf(c, alg)
	out.Holder = holderOf(out)
	out.FileKind = fileKindOf(out)
	return out, nil
}

// HasRole reports whether the certificate carries role r.
func (c *Certificate) HasRole(r Role) bool {
	for _, x := range c.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// FileName returns the name NCA gives this certificate's key store, such as
// "AUTH_RSA256_b2c70a9f….p12", or "" for a certificate with no file kind or SKI.
func (c *Certificate) FileName() string {
	if c.FileKind == "" || len(c.SKI) == 0 {
		return ""
	}
	return string(c.FileKind) + hex.EncodeToString(c.SKI) + ".p12"
}

// FullName returns "SURNAME FIRSTNAME PATRONYMIC" with the empty parts left out.
func (c *Certificate) FullName() string {
	var parts []string
	for _, p := range []string{c.Surname, c.FirstName, c.Patronymic} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return c.CommonName
	}
	return strings.Join(parts, " ")
}

// ValidAt reports whether t lies within the certificate's validity period.
func (c *Certificate) ValidAt(t time.Time) bool {
	return !t.Before(c.NotBefore) && !t.After(c.NotAfter)
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func nameAttr(n pkix.Name, oid asn1.ObjectIdentifier) string {
	for _, a := range n.Names {
		if a.Type.Equal(oid) {
			if s, ok := a.Value.(string); ok {
				return s
			}
		}
	}
	return ""
}

func firstName(cn, surname string) string {
	words := strings.Fields(cn)
	if len(words) < 2 {
		return ""
	}
	if surname != "" && words[0] == surname {
		return strings.Join(words[1:], " ")
	}
	if surname == "" {
		return "" // not a person's name (an information system, a CA)
	}
	return strings.Join(words[1:], " ")
}

// signatureOID reads the signature AlgorithmIdentifier of a TBSCertificate;
// crypto/x509 reports GOST ones only as UnknownSignatureAlgorithm.
func signatureOID(tbs []byte) asn1.ObjectIdentifier {
	var t struct {
		Raw       asn1.RawContent
		Version   asn1.RawValue `asn1:"optional,explicit,tag:0"`
		Serial    asn1.RawValue
		Signature pkix.AlgorithmIdentifier
	}
	// encoding/asn1 allows elements after the last field of a SEQUENCE,
	// so the rest of the TBSCertificate is skipped.
	if _, err := asn1.Unmarshal(tbs, &t); err != nil {
		return nil
	}
	return t.Signature.Algorithm
}

type spki struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

func publicKeyOf(c *x509.Certificate) (Algorithm, crypto.PublicKey, error) {
	if c.PublicKeyAlgorithm == x509.RSA {
		return AlgorithmRSA, nil, nil
	}
	var k spki
	if rest, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &k); err != nil || len(rest) != 0 {
		return AlgorithmUnknown, nil, nil // crypto/x509 parsed it; not ours to judge
	}
	var alg Algorithm
	switch {
	case k.Algorithm.Algorithm.Equal(OIDGOST2004PublicKey):
		alg = AlgorithmGOST2004
	case k.Algorithm.Algorithm.Equal(OIDGOST2015PublicKey512):
		alg = AlgorithmGOST2015_512
	default:
		return AlgorithmUnknown, nil, nil
	}
	pub, err := parseGOSTPublicKey(k.Algorithm, k.PublicKey.Bytes)
	if err != nil {
		return alg, nil, fmt.Errorf("certs: certificate %q: %w", c.Subject.CommonName, err)
	}
	return alg, pub, nil
}

// parseGOSTPublicKey reads NCA's GOST SubjectPublicKeyInfo: parameters
// SEQUENCE{curve OID, digest OID} and the key as an OCTET STRING X‖Y.
func parseGOSTPublicKey(alg pkix.AlgorithmIdentifier, bits []byte) (*gost.PublicKey, error) {
	var params []asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &params); err != nil || len(params) == 0 {
		return nil, fmt.Errorf("gost public key parameters: %w", errOr(err, "empty"))
	}
	curve := gost.CurveByOID(params[0])
	if curve == gost.CurveUnknown {
		return nil, fmt.Errorf("gost public key: unknown curve %s", params[0])
	}
	var raw []byte
	if rest, err := asn1.Unmarshal(bits, &raw); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("gost public key: not an OCTET STRING: %w", errOr(err, "trailing data"))
	}
	return gost.ParsePublicKey(curve, raw)
}

func errOr(err error, msg string) error {
	if err != nil {
		return err
	}
	return errors.New(msg)
}

func usageOf(c *x509.Certificate, alg Algorithm) Usage {
	ku := c.KeyUsage
	var u Usage
	if ku&x509.KeyUsageDigitalSignature != 0 && ku&x509.KeyUsageContentCommitment != 0 {
		u |= UsageSign
	}
	if ku&x509.KeyUsageDigitalSignature != 0 && ku&x509.KeyUsageKeyEncipherment != 0 {
		u |= UsageAuth
	}
	// Since 2022 NCA issues one GOST 2015-512 key for log-in and signing.
	if alg == AlgorithmGOST2015_512 && u&UsageSign != 0 {
		u |= UsageAuth
	}
	return u
}

func holderOf(c *Certificate) Holder {
	if c.X509.IsCA {
		return HolderUnknown
	}
	switch {
	case c.BIN != "" || c.HasRole(RoleOrganization):
		return HolderLegalEntity
	case c.IIN != "" || c.HasRole(RoleIndividual):
		return HolderIndividual
	}
	return HolderUnknown
}

func fileKindOf(c *Certificate) FileKind {
	if c.X509.IsCA || c.Usage == 0 {
		return ""
	}
	oldSig := c.SignatureAlgorithm.Equal(oidSHA1WithRSA)
	switch c.Algorithm {
	case AlgorithmRSA:
		switch {
		case c.Usage == UsageAuth && oldSig:
			return FileAuthRSA
		case c.Usage == UsageAuth:
			return FileAuthRSA256
		case oldSig:
			return FileRSA
		default:
			return FileRSA256
		}
	case AlgorithmGOST2004:
		if c.SignatureAlgorithm.Equal(OIDGOST2004SignatureOld) {
			return FileGOSTKZ
		}
		return FileGOSTKNCA
	case AlgorithmGOST2015_512:
		return FileGOST512
	}
	return ""
}

// attrNames are the short names of the DN attributes NCA uses, as Kalkan
// and Java print them.
var attrNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.4": "SURNAME", "2.5.4.5": "SERIALNUMBER", "2.5.4.6": "C", "2.5.4.7": "L",
	"2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.15": "BUSINESSCATEGORY", "2.5.4.42": "GIVENNAME",
	"0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID", "1.2.840.113549.1.9.1": "E",
}

// SubjectDN returns the subject as "CN=…, SURNAME=…, SERIALNUMBER=…", in the
// certificate's order, with NCA's attribute names and the values as text
// (crypto/x509's Name.String prints SURNAME and GIVENNAME as hex).
func (c *Certificate) SubjectDN() string { return formatDN(c.X509.Subject) }

// IssuerDN is SubjectDN for the issuer.
func (c *Certificate) IssuerDN() string { return formatDN(c.X509.Issuer) }

func formatDN(n pkix.Name) string {
	parts := make([]string, 0, len(n.Names))
	for _, a := range n.Names {
		name, ok := attrNames[a.Type.String()]
		if !ok {
			name = a.Type.String()
		}
		parts = append(parts, fmt.Sprintf("%s=%v", name, a.Value))
	}
	return strings.Join(parts, ", ")
}
