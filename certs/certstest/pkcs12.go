package certstest

import (
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"io"
	"unicode/utf16"

	"github.com/esfkit/esf/certs/internal/pbe"
)

// A PKCS#12 writer for GOST keys, which go-pkcs12 cannot marshal (it knows
// no GOST PKCS#8). It writes NCA's layout (nca-certificates.md §6), in DER:
//
//	PFX v3 {
//	  authSafe data: AuthenticatedSafe [
//	    data { SafeContents [ pkcs8ShroudedKeyBag (pbeWithSHAAnd3-KeyTripleDES-CBC) ] },
//	    encryptedData (pbeWithSHAAnd40BitRC2-CBC) { SafeContents [ certBag ] },
//	  ],
//	  macData: HMAC-SHA1,
//	}
//
// with 1024 iterations and 20-byte salts everywhere, and on both bags the
// attributes localKeyID = SKI and friendlyName = SKI in lowercase hex (a
// BMPString without terminator), localKeyID first.

// Key store parameters of NCA's files.
const (
	p12Iterations = 1024
	p12SaltLen    = 20
)

var (
	oidData               = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidShroudedKeyBag     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidCertBag            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidX509Certificate    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
	oidFriendlyName       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 20}
	oidLocalKeyID         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 21}
	oidPBEWithSHA3KeyTDES = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBEWithSHA40BitRC2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 6}
	oidSHA1               = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
)

// der builders: each takes encoded elements and returns the encoding.
func derConstructed(class, tag int, parts ...[]byte) []byte {
	var body []byte
	for _, p := range parts {
		body = append(body, p...)
	}
	b, err := asn1.Marshal(asn1.RawValue{Class: class, Tag: tag, IsCompound: true, Bytes: body})
	if err != nil {
		panic(err) // a RawValue with a byte slice always marshals
	}
	return b
}

func derSequence(parts ...[]byte) []byte {
	return derConstructed(asn1.ClassUniversal, asn1.TagSequence, parts...)
}
func derSet(parts ...[]byte) []byte {
	return derConstructed(asn1.ClassUniversal, asn1.TagSet, parts...)
}
func derExplicit0(inner []byte) []byte { return derConstructed(asn1.ClassContextSpecific, 0, inner) }

func derPrimitive(class, tag int, content []byte) []byte {
	b, err := asn1.Marshal(asn1.RawValue{Class: class, Tag: tag, Bytes: content})
	if err != nil {
		panic(err)
	}
	return b
}

func derOctets(b []byte) []byte { return derPrimitive(asn1.ClassUniversal, asn1.TagOctetString, b) }

// bmpString is s as an ASN.1 BMPString (UTF-16BE, no terminator).
func bmpString(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return derPrimitive(asn1.ClassUniversal, asn1.TagBMPString, b)
}

// pbeAlgorithm is a pkcs-12PbeParams AlgorithmIdentifier with a fresh salt.
func pbeAlgorithm(r io.Reader, oid asn1.ObjectIdentifier) ([]byte, error) {
	salt := make([]byte, p12SaltLen)
	if _, err := io.ReadFull(r, salt); err != nil {
		return nil, fmt.Errorf("certstest: read a salt from Options.Rand: %w", err)
	}
	params, err := asn1.Marshal(struct {
		Salt       []byte
		Iterations int
	}{salt, p12Iterations})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters asn1.RawValue
	}{oid, asn1.RawValue{FullBytes: params}})
}

// encodeKeyStore writes an NCA-shaped PKCS#12 key store holding the
// PKCS#8 PrivateKeyInfo pkcs8 and the certificate cert, whose SKI is ski,
// protected by pin. The salts are read from r in the order key bag,
// certificate bag, MAC.
func encodeKeyStore(r io.Reader, pkcs8, cert, ski []byte, pin string) ([]byte, error) {
	oid := func(o asn1.ObjectIdentifier) []byte {
		b, err := asn1.Marshal(o)
		if err != nil {
			panic(err)
		}
		return b
	}
	attributes := derSet(
		derSequence(oid(oidLocalKeyID), derSet(derOctets(ski))),
		derSequence(oid(oidFriendlyName), derSet(bmpString(hex.EncodeToString(ski)))),
	)

	keyAlg, err := pbeAlgorithm(r, oidPBEWithSHA3KeyTDES)
	if err != nil {
		return nil, err
	}
	certAlg, err := pbeAlgorithm(r, oidPBEWithSHA40BitRC2)
	if err != nil {
		return nil, err
	}
	macSalt := make([]byte, p12SaltLen)
	if _, err := io.ReadFull(r, macSalt); err != nil {
		return nil, fmt.Errorf("certstest: read a salt from Options.Rand: %w", err)
	}

	encryptedKey, err := pbe.Encrypt(keyAlg, pkcs8, pin)
	if err != nil {
		return nil, fmt.Errorf("certstest: encrypt the key bag: %w", err)
	}
	keyBag := derSequence(oid(oidShroudedKeyBag),
		derExplicit0(derSequence(keyAlg, derOctets(encryptedKey))), // EncryptedPrivateKeyInfo
		attributes)

	certBag := derSequence(oid(oidCertBag),
		derExplicit0(derSequence(oid(oidX509Certificate), derExplicit0(derOctets(cert)))), // CertBag
		attributes)
	encryptedCerts, err := pbe.Encrypt(certAlg, derSequence(certBag), pin)
	if err != nil {
		return nil, fmt.Errorf("certstest: encrypt the certificate bag: %w", err)
	}
	version0, err := asn1.Marshal(0)
	if err != nil {
		return nil, err
	}
	encryptedData := derSequence(version0,
		derSequence(oid(oidData), certAlg, derPrimitive(asn1.ClassContextSpecific, 0, encryptedCerts))) // EncryptedContentInfo

	authSafe := derSequence(
		derSequence(oid(oidData), derExplicit0(derOctets(derSequence(keyBag)))),
		derSequence(oid(oidEncryptedData), derExplicit0(encryptedData)),
	)

	macAlg := derSequence(oid(oidSHA1), []byte{0x05, 0x00}) // NULL parameters
	mac, err := pbe.ComputeMAC(macAlg, macSalt, p12Iterations, authSafe, pin)
	if err != nil {
		return nil, fmt.Errorf("certstest: key store MAC: %w", err)
	}
	version3, err := asn1.Marshal(3)
	if err != nil {
		return nil, err
	}
	iterations, err := asn1.Marshal(p12Iterations)
	if err != nil {
		return nil, err
	}
	return derSequence(version3,
		derSequence(oid(oidData), derExplicit0(derOctets(authSafe))),
		derSequence(derSequence(macAlg, derOctets(mac)), derOctets(macSalt), iterations), // MacData
	), nil
}
