package cms

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"

	"github.com/esfkit/esf/certs"
)

// The ASN.1 of RFC 5652 as encoding/asn1 reads it. Each SEQUENCE ends with
// an optional Rest: encoding/asn1 ignores elements after the last field,
// and a SignedData with more than it should carry is malformed.
type contentInfoASN struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0"` // [0] EXPLICIT: unwrapped by hand
	Rest        asn1.RawValue `asn1:"optional"`
}

type signedDataASN struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo encapContentInfoASN
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      asn1.RawValue
	Rest             asn1.RawValue `asn1:"optional"`
}

type encapContentInfoASN struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"optional,tag:0"` // [0] EXPLICIT OCTET STRING
	Rest         asn1.RawValue `asn1:"optional"`
}

type signerInfoASN struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
	Rest               asn1.RawValue `asn1:"optional"`
}

type issuerAndSerialASN struct {
	Issuer asn1.RawValue
	Serial *big.Int
	Rest   asn1.RawValue `asn1:"optional"`
}

type attributeASN struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue
	Rest   asn1.RawValue `asn1:"optional"`
}

// signedData is a parsed SignedData.
type signedData struct {
	digestAlgorithms []pkix.AlgorithmIdentifier
	contentType      asn1.ObjectIdentifier // eContentType
	content          []byte                // eContent's octets
	attached         bool                  // eContent present
	certs            []*certs.Certificate
	signers          []*signerInfo
}

// signerInfo is a parsed SignerInfo.
type signerInfo struct {
	// issuer (the DER Name) and serial, or ski, identify the certificate.
	issuer []byte
	serial *big.Int
	ski    []byte

	digestAlgorithm    pkix.AlgorithmIdentifier
	signatureAlgorithm pkix.AlgorithmIdentifier
	// signedAttrs is the DER of the signed attributes as a SET OF (tag
	// 0x31), what the signature covers; nil when there are none.
	signedAttrs []byte
	signed      []attribute
	unsigned    []attribute
	signature   []byte
}

// attribute is one Attribute: its type and the DER of each value.
type attribute struct {
	typ    asn1.ObjectIdentifier
	values [][]byte
}

// parse reads a ContentInfo holding SignedData, in DER or — failing that —
// in BER (indefinite lengths, constructed strings), which certs rewrites
// as DER first.
func parse(data []byte) (*signedData, error) {
	sd, err := parseDER(data)
	if err == nil {
		return sd, nil
	}
	der, berErr := certs.BERToDER(data)
	if berErr != nil || bytes.Equal(der, data) {
		return nil, err
	}
	return parseDER(der)
}

// unmarshal reads exactly one element filling all of data into v.
func unmarshal(data []byte, v any, what string) error {
	rest, err := asn1.Unmarshal(data, v)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: %s: %d bytes after it", ErrMalformed, what, len(rest))
	}
	return nil
}

// elements splits the contents of a constructed element into its
// elements, at most limit of them.
func elements(contents []byte, limit int, what string) ([]asn1.RawValue, error) {
	var out []asn1.RawValue
	for len(contents) > 0 {
		if len(out) == limit {
			return nil, fmt.Errorf("%w: more than %d %s", ErrTooLarge, limit, what)
		}
		var e asn1.RawValue
		rest, err := asn1.Unmarshal(contents, &e)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
		}
		out = append(out, e)
		contents = rest
	}
	return out, nil
}

func noRest(r asn1.RawValue, what string) error {
	if r.FullBytes != nil {
		return fmt.Errorf("%w: %s: an element after its last field", ErrMalformed, what)
	}
	return nil
}

func isUniversal(r asn1.RawValue, tag int, compound bool) bool {
	return r.Class == asn1.ClassUniversal && r.Tag == tag && r.IsCompound == compound
}

func isContext(r asn1.RawValue, tag int, compound bool) bool {
	return r.Class == asn1.ClassContextSpecific && r.Tag == tag && r.IsCompound == compound
}

func parseDER(data []byte) (*signedData, error) {
	var ci contentInfoASN
	if err := unmarshal(data, &ci, "ContentInfo"); err != nil {
		return nil, err
	}
	if err := noRest(ci.Rest, "ContentInfo"); err != nil {
		return nil, err
	}
	if !ci.ContentType.Equal(OIDSignedData) {
		return nil, fmt.Errorf("%w: content type %s, not signedData", ErrUnsupported, ci.ContentType)
	}
	if !isContext(ci.Content, 0, true) {
		return nil, fmt.Errorf("%w: ContentInfo's content is not [0] EXPLICIT", ErrMalformed)
	}
	var sda signedDataASN
	if err := unmarshal(ci.Content.Bytes, &sda, "SignedData"); err != nil {
		return nil, err
	}
	if err := noRest(sda.Rest, "SignedData"); err != nil {
		return nil, err
	}
	if sda.Version < 1 || sda.Version > 5 {
		return nil, fmt.Errorf("%w: SignedData version %d", ErrMalformed, sda.Version)
	}
	if err := noRest(sda.EncapContentInfo.Rest, "EncapsulatedContentInfo"); err != nil {
		return nil, err
	}
	sd := &signedData{digestAlgorithms: sda.DigestAlgorithms, contentType: sda.EncapContentInfo.EContentType}
	if ec := sda.EncapContentInfo.EContent; ec.FullBytes != nil {
		if !isContext(ec, 0, true) {
			return nil, fmt.Errorf("%w: eContent is not [0] EXPLICIT", ErrMalformed)
		}
		if err := unmarshal(ec.Bytes, &ec, "eContent"); err != nil {
			return nil, err
		}
		if !isUniversal(ec, asn1.TagOctetString, false) {
			return nil, fmt.Errorf("%w: eContent is not an OCTET STRING", ErrMalformed)
		}
		sd.content, sd.attached = ec.Bytes, true
	}
	if c := sda.Certificates; c.FullBytes != nil {
		if !isContext(c, 0, true) {
			return nil, fmt.Errorf("%w: certificates are not a [0] SET", ErrMalformed)
		}
		all, err := elements(c.Bytes, MaxCertificates, "certificates")
		if err != nil {
			return nil, err
		}
		for _, e := range all {
			if !isUniversal(e, asn1.TagSequence, true) {
				return nil, fmt.Errorf("%w: a certificate of another kind than X.509 (class %d, tag %d)", ErrUnsupported, e.Class, e.Tag)
			}
			cert, err := certs.ParseCertificate(e.FullBytes)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrCertificate, err)
			}
			sd.certs = append(sd.certs, cert)
		}
	}
	if c := sda.CRLs; c.FullBytes != nil && !isContext(c, 1, true) {
		return nil, fmt.Errorf("%w: crls are not a [1] SET", ErrMalformed)
	}
	if !isUniversal(sda.SignerInfos, asn1.TagSet, true) {
		return nil, fmt.Errorf("%w: signerInfos is not a SET", ErrMalformed)
	}
	infos, err := elements(sda.SignerInfos.Bytes, MaxSigners, "signers")
	if err != nil {
		return nil, err
	}
	for i, e := range infos {
		si, err := parseSignerInfo(e.FullBytes)
		if err != nil {
			return nil, fmt.Errorf("signer %d: %w", i, err)
		}
		sd.signers = append(sd.signers, si)
	}
	return sd, nil
}

func parseSignerInfo(der []byte) (*signerInfo, error) {
	var a signerInfoASN
	if err := unmarshal(der, &a, "SignerInfo"); err != nil {
		return nil, err
	}
	if err := noRest(a.Rest, "SignerInfo"); err != nil {
		return nil, err
	}
	si := &signerInfo{digestAlgorithm: a.DigestAlgorithm, signatureAlgorithm: a.SignatureAlgorithm, signature: a.Signature}
	switch {
	case a.Version == 1 && isUniversal(a.SID, asn1.TagSequence, true):
		var ias issuerAndSerialASN
		if err := unmarshal(a.SID.FullBytes, &ias, "issuerAndSerialNumber"); err != nil {
			return nil, err
		}
		if err := noRest(ias.Rest, "issuerAndSerialNumber"); err != nil {
			return nil, err
		}
		if !isUniversal(ias.Issuer, asn1.TagSequence, true) {
			return nil, fmt.Errorf("%w: the issuer is not a Name", ErrMalformed)
		}
		si.issuer, si.serial = ias.Issuer.FullBytes, ias.Serial
	case a.Version == 3 && isContext(a.SID, 0, false):
		si.ski = a.SID.Bytes
	default:
		return nil, fmt.Errorf("%w: SignerInfo version %d with a signer identifier of class %d, tag %d (want 1 with issuerAndSerialNumber or 3 with subjectKeyIdentifier)",
			ErrMalformed, a.Version, a.SID.Class, a.SID.Tag)
	}
	if s := a.SignedAttrs; s.FullBytes != nil {
		if !isContext(s, 0, true) {
			return nil, fmt.Errorf("%w: signedAttrs are not a [0] SET", ErrMalformed)
		}
		attrs, err := parseAttributes(s.Bytes, "signed")
		if err != nil {
			return nil, err
		}
		si.signed = attrs
		// What is signed is the DER of the SET OF, tagged as a SET (RFC
		// 5652 §5.4), not the [0] IMPLICIT of the SignerInfo.
		si.signedAttrs = append([]byte{tagSet}, s.FullBytes[1:]...)
	}
	if u := a.UnsignedAttrs; u.FullBytes != nil {
		if !isContext(u, 1, true) {
			return nil, fmt.Errorf("%w: unsignedAttrs are not a [1] SET", ErrMalformed)
		}
		attrs, err := parseAttributes(u.Bytes, "unsigned")
		if err != nil {
			return nil, err
		}
		si.unsigned = attrs
	}
	return si, nil
}

// parseAttributes reads a SET OF Attribute. A signed attribute type may
// appear once; unsigned ones may repeat (several time-stamps).
func parseAttributes(contents []byte, what string) ([]attribute, error) {
	all, err := elements(contents, MaxAttributes, what+" attributes")
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%w: an empty set of %s attributes", ErrMalformed, what)
	}
	out := make([]attribute, 0, len(all))
	for _, e := range all {
		var a attributeASN
		if err := unmarshal(e.FullBytes, &a, what+" attribute"); err != nil {
			return nil, err
		}
		if err := noRest(a.Rest, what+" attribute"); err != nil {
			return nil, err
		}
		if !isUniversal(a.Values, asn1.TagSet, true) {
			return nil, fmt.Errorf("%w: %s attribute %s: its values are not a SET", ErrMalformed, what, a.Type)
		}
		values, err := elements(a.Values.Bytes, MaxAttributes, what+" attribute values")
		if err != nil {
			return nil, err
		}
		if len(values) == 0 {
			return nil, fmt.Errorf("%w: %s attribute %s has no value", ErrMalformed, what, a.Type)
		}
		attr := attribute{typ: a.Type}
		for _, v := range values {
			attr.values = append(attr.values, v.FullBytes)
		}
		for _, seen := range out {
			if what == "signed" && seen.typ.Equal(a.Type) {
				return nil, fmt.Errorf("%w: %s attribute %s appears twice", ErrMalformed, what, a.Type)
			}
		}
		out = append(out, attr)
	}
	return out, nil
}
