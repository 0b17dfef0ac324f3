package certstest

import (
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
)

// Attribute types of NCA's subject names (X.520).
var (
	oidCommonName   = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidSurname      = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidCountry      = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidOrganization = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOrgUnit      = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidGivenName    = asn1.ObjectIdentifier{2, 5, 4, 42}
)

// Extensions crypto/x509 does not write the way NCA does.
var (
	oidExtCertificatePolicies = asn1.ObjectIdentifier{2, 5, 29, 32}
	oidExtFreshestCRL         = asn1.ObjectIdentifier{2, 5, 29, 46}
	oidExtAuthorityKeyID      = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidQualifierCPS           = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 2, 1}
)

// Certificate policies of nca-certificates.md §2.
var (
	policyRoot           = asn1.ObjectIdentifier{1, 2, 398, 3, 1, 2}    // root CA
	policyNCA            = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 1, 1} // Регламент НУЦ РК (intermediate)
	policyLegalSign      = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 2, 1} // ЭЦП юридических лиц
	policyLegalAuth      = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 2, 2} // аутентификация юридических лиц
	policyIndividualSign = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 2, 3} // ЭЦП физических лиц
	policyIndividualAuth = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 2, 4} // аутентификация физических лиц
	policyGOST           = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 2}    // GOST TEST 2022 CA and its GOST512_ leaves

	cpsRoot = "http://root.gov.kz/cps" // CPS qualifier of the roots
	cpsNCA  = "http://pki.gov.kz/cps"  // CPS qualifier of the rest
)

// attr is one single-valued RDN of a name, with its ASN.1 string type.
type attr struct {
	typ       asn1.ObjectIdentifier
	value     string
	printable bool // PrintableString, else UTF8String
}

// rawName encodes attrs as a Name, one RDN each, in the order given:
// pkix.Name would reorder them and pick the string types itself.
func rawName(attrs []attr) ([]byte, error) {
	var seq pkix.RDNSequence
	for _, a := range attrs {
		if a.value == "" {
			continue
		}
		tag := asn1.TagUTF8String
		if a.printable {
			if !isPrintable(a.value) {
				return nil, fmt.Errorf("certstest: %q (attribute %s) is not a PrintableString", a.value, a.typ)
			}
			tag = asn1.TagPrintableString
		}
		seq = append(seq, pkix.RelativeDistinguishedNameSET{{
			Type:  a.typ,
			Value: asn1.RawValue{Class: asn1.ClassUniversal, Tag: tag, Bytes: []byte(a.value)},
		}})
	}
	return asn1.Marshal(seq)
}

// isPrintable reports whether s fits ASN.1 PrintableString.
func isPrintable(s string) bool {
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		case r == ' ', r == '\'', r == '(', r == ')', r == '+', r == ',', r == '-', r == '.', r == '/', r == ':', r == '=', r == '?':
		default:
			return false
		}
	}
	return true
}

// ski is the SubjectKeyIdentifier by RFC 5280 §4.2.1.2 method 1: SHA-1 of
// the subjectPublicKey BIT STRING's contents (the PKCS#1 RSAPublicKey).
func ski(pub *rsa.PublicKey) []byte {
	sum := sha1.Sum(x509.MarshalPKCS1PublicKey(pub))
	return sum[:]
}

// serialFromSKI derives the serial number the way NCA's 2022 CAs do: the SKI
// with its top bit cleared and its first byte raised to at least 0x10 (so
// the serial is positive and always 20 bytes long).
func serialFromSKI(ski []byte) []byte {
	s := append([]byte(nil), ski...)
	s[0] &= 0x7f
	if s[0] < 0x10 {
		s[0] |= 0x10
	}
	return s
}

type policyQualifier struct {
	ID  asn1.ObjectIdentifier
	CPS string `asn1:"ia5"`
}

type policyInformation struct {
	Policy     asn1.ObjectIdentifier
	Qualifiers []policyQualifier `asn1:"omitempty"`
}

// policiesExtension is certificatePolicies with one policy and its CPS URI,
// which crypto/x509 cannot write (it writes no qualifiers).
func policiesExtension(policy asn1.ObjectIdentifier, cps string) (pkix.Extension, error) {
	v, err := asn1.Marshal([]policyInformation{{
		Policy:     policy,
		Qualifiers: []policyQualifier{{ID: oidQualifierCPS, CPS: cps}},
	}})
	return pkix.Extension{Id: oidExtCertificatePolicies, Value: v}, err
}

type distributionPointName struct {
	FullName []asn1.RawValue `asn1:"optional,tag:0"`
}

type distributionPoint struct {
	DistributionPoint distributionPointName `asn1:"optional,tag:0"`
}

// freshestCRLExtension points at the delta CRL, as NCA's certificates do
// (crypto/x509 has no field for it).
func freshestCRLExtension(url string) (pkix.Extension, error) {
	uri := asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 6, Bytes: []byte(url)}
	v, err := asn1.Marshal([]distributionPoint{{DistributionPoint: distributionPointName{FullName: []asn1.RawValue{uri}}}})
	return pkix.Extension{Id: oidExtFreshestCRL, Value: v}, err
}

// authorityKeyIDExtension is the AKI of a self-signed root, which crypto/x509
// leaves out and NCA's roots carry.
func authorityKeyIDExtension(id []byte) (pkix.Extension, error) {
	v, err := asn1.Marshal(struct {
		ID []byte `asn1:"optional,tag:0"`
	}{id})
	return pkix.Extension{Id: oidExtAuthorityKeyID, Value: v}, err
}
