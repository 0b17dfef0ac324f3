package pbe

import (
	"crypto"
	"encoding/asn1"
	"fmt"
)

// maxIterations caps every iteration count read from a file, a guard
// against denial of service. Legitimate files use from 1 to a few hundred
// thousand (NCA 1024, OpenSSL 3 2048, Java 10000); at a million, one
// derivation with the PKCS#12 KDF takes about 0.2 s, and a key store needs
// several. Anything above is treated as an attempt to burn CPU.
const maxIterations = 1_000_000

// maxPBMAC1KeyLength caps the PBKDF2 keyLength of PBMAC1 parameters, the one
// key length this package does not otherwise bound. PBKDF2 work grows with
// it; real files use the HMAC output size (32 or 64 bytes).
const maxPBMAC1KeyLength = 256

// Object identifiers.
var (
	// RFC 7292 Appendix C, pkcs-12PbeIds.
	oidPBEWithSHAAnd128BitRC4        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 1}
	oidPBEWithSHAAnd40BitRC4         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 2}
	oidPBEWithSHAAnd3KeyTripleDESCBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBEWithSHAAnd2KeyTripleDESCBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 4}
	oidPBEWithSHAAnd128BitRC2CBC     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 5}
	oidPBEWithSHAAnd40BitRC2CBC      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 6}

	// RFC 8018.
	oidPBKDF2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidPBES2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBMAC1 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}

	oidHMACWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACWithSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}

	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}

	// Digest algorithms of a MacData DigestInfo.
	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

// digestHash maps a MacData digest algorithm to its hash function.
func digestHash(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case oid.Equal(oidSHA1):
		return crypto.SHA1, true
	case oid.Equal(oidSHA224):
		return crypto.SHA224, true
	case oid.Equal(oidSHA256):
		return crypto.SHA256, true
	case oid.Equal(oidSHA384):
		return crypto.SHA384, true
	case oid.Equal(oidSHA512):
		return crypto.SHA512, true
	}
	return 0, false
}

// hmacHash maps an hmacWithSHA* identifier (a PBKDF2 PRF or a PBMAC1
// messageAuthScheme) to its hash function.
func hmacHash(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case oid.Equal(oidHMACWithSHA1):
		return crypto.SHA1, true
	case oid.Equal(oidHMACWithSHA224):
		return crypto.SHA224, true
	case oid.Equal(oidHMACWithSHA256):
		return crypto.SHA256, true
	case oid.Equal(oidHMACWithSHA384):
		return crypto.SHA384, true
	case oid.Equal(oidHMACWithSHA512):
		return crypto.SHA512, true
	}
	return 0, false
}

// hashName is the lower-case name used in error messages.
func hashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA1:
		return "sha1"
	case crypto.SHA224:
		return "sha224"
	case crypto.SHA256:
		return "sha256"
	case crypto.SHA384:
		return "sha384"
	case crypto.SHA512:
		return "sha512"
	}
	return h.String()
}

// algorithmIdentifier is the X.509 AlgorithmIdentifier SEQUENCE.
type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// hasParameters reports whether the parameters field is present.
func (a algorithmIdentifier) hasParameters() bool {
	return len(a.Parameters.FullBytes) > 0
}

// parseAlgorithmIdentifier parses der, which must hold exactly one DER
// AlgorithmIdentifier. what names the field in error messages.
func parseAlgorithmIdentifier(der []byte, what string) (algorithmIdentifier, error) {
	var a algorithmIdentifier
	rest, err := asn1.Unmarshal(der, &a)
	if err != nil {
		return algorithmIdentifier{}, fmt.Errorf("pbe: %s: malformed algorithm identifier: %w", what, err)
	}
	if len(rest) != 0 {
		return algorithmIdentifier{}, fmt.Errorf("pbe: %s: %d bytes of trailing data after the algorithm identifier", what, len(rest))
	}
	return a, nil
}

// unmarshalParams parses the parameters raw (an element already split off
// by encoding/asn1) into v and requires that nothing follows it.
func unmarshalParams(raw asn1.RawValue, v any, what string) error {
	if len(raw.FullBytes) == 0 {
		return fmt.Errorf("pbe: %s: parameters missing", what)
	}
	rest, err := asn1.Unmarshal(raw.FullBytes, v)
	if err != nil {
		return fmt.Errorf("pbe: %s: malformed parameters: %w", what, err)
	}
	if len(rest) != 0 {
		return fmt.Errorf("pbe: %s: %d bytes of trailing data after the parameters", what, len(rest))
	}
	return nil
}

// checkIterations enforces 1 <= n <= maxIterations.
func checkIterations(n int, what string) error {
	if n < 1 || n > maxIterations {
		return fmt.Errorf("pbe: %s: iteration count %d out of range (allowed 1 to %d)", what, n, maxIterations)
	}
	return nil
}

// unsupported wraps ErrUnsupported with what and the OID.
func unsupported(what string, oid asn1.ObjectIdentifier) error {
	return fmt.Errorf("%w: %s %s", ErrUnsupported, what, oid)
}

// pbkdf2Params is a parsed, checked PBKDF2-params (RFC 8018 A.2).
type pbkdf2Params struct {
	salt       []byte
	iterations int
	keyLength  int // 0 when absent
	prf        crypto.Hash
}

// parsePBKDF2Params parses PBKDF2-params:
//
//	PBKDF2-params ::= SEQUENCE {
//	    salt CHOICE { specified OCTET STRING, otherSource AlgorithmIdentifier },
//	    iterationCount INTEGER (1..MAX),
//	    keyLength INTEGER (1..MAX) OPTIONAL,
//	    prf AlgorithmIdentifier DEFAULT algid-hmacWithSHA1 }
//
// The optional fields are told apart by tag, by hand, because
// encoding/asn1 cannot distinguish an absent keyLength from a zero one.
func parsePBKDF2Params(raw asn1.RawValue, what string) (pbkdf2Params, error) {
	var seq asn1.RawValue
	if err := unmarshalParams(raw, &seq, what); err != nil {
		return pbkdf2Params{}, err
	}
	if seq.Class != asn1.ClassUniversal || seq.Tag != asn1.TagSequence || !seq.IsCompound {
		return pbkdf2Params{}, fmt.Errorf("pbe: %s: parameters are not a SEQUENCE", what)
	}

	var elems []asn1.RawValue
	for rest := seq.Bytes; len(rest) > 0 && len(elems) <= 4; {
		var e asn1.RawValue
		var err error
		rest, err = asn1.Unmarshal(rest, &e)
		if err != nil {
			return pbkdf2Params{}, fmt.Errorf("pbe: %s: malformed parameters: %w", what, err)
		}
		elems = append(elems, e)
	}
	if len(elems) < 2 || len(elems) > 4 {
		n := fmt.Sprint(len(elems))
		if len(elems) > 4 {
			n = "more than 4"
		}
		return pbkdf2Params{}, fmt.Errorf("pbe: %s: parameters have %s field(s), want 2 to 4", what, n)
	}

	p := pbkdf2Params{prf: crypto.SHA1}

	salt := elems[0]
	switch {
	case salt.Class == asn1.ClassUniversal && salt.Tag == asn1.TagOctetString && !salt.IsCompound:
		p.salt = salt.Bytes
	case salt.Class == asn1.ClassUniversal && salt.Tag == asn1.TagSequence:
		var source algorithmIdentifier
		if _, err := asn1.Unmarshal(salt.FullBytes, &source); err != nil {
			return pbkdf2Params{}, fmt.Errorf("pbe: %s: malformed otherSource salt: %w", what, err)
		}
		return pbkdf2Params{}, unsupported(what+" salt otherSource", source.Algorithm)
	default:
		return pbkdf2Params{}, fmt.Errorf("pbe: %s: salt is not an OCTET STRING", what)
	}

	if err := unmarshalParams(elems[1], &p.iterations, what+" iterationCount"); err != nil {
		return pbkdf2Params{}, err
	}
	if err := checkIterations(p.iterations, what); err != nil {
		return pbkdf2Params{}, err
	}

	next := elems[2:]
	if len(next) > 0 && next[0].Class == asn1.ClassUniversal && next[0].Tag == asn1.TagInteger {
		if err := unmarshalParams(next[0], &p.keyLength, what+" keyLength"); err != nil {
			return pbkdf2Params{}, err
		}
		if p.keyLength < 1 {
			return pbkdf2Params{}, fmt.Errorf("pbe: %s: keyLength %d is not positive", what, p.keyLength)
		}
		next = next[1:]
	}
	if len(next) > 0 && next[0].Class == asn1.ClassUniversal && next[0].Tag == asn1.TagSequence {
		var prf algorithmIdentifier
		if err := unmarshalParams(next[0], &prf, what+" prf"); err != nil {
			return pbkdf2Params{}, err
		}
		h, ok := hmacHash(prf.Algorithm)
		if !ok {
			return pbkdf2Params{}, unsupported(what+" prf", prf.Algorithm)
		}
		p.prf = h
		next = next[1:]
	}
	if len(next) > 0 {
		return pbkdf2Params{}, fmt.Errorf("pbe: %s: unexpected field (tag %d) in parameters", what, next[0].Tag)
	}
	return p, nil
}
