package certs

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// CRL is a certificate revocation list. ParseCRL reads it with its own
// decoder because NCA's GOST 2022 test CRL names its signature algorithm
// differently inside and outside the signed part (without and with NULL
// parameters), which x509.ParseRevocationList rejects.
type CRL struct {
	// Raw is the whole CRL; RawTBSCertList the signed part.
	Raw            []byte
	RawTBSCertList []byte
	// RawIssuer is the issuer's DER-encoded Name, compared byte for byte
	// with the CA certificate's subject.
	RawIssuer []byte
	Issuer    pkix.Name
	// AuthorityKeyID is the CA's SubjectKeyIdentifier, when the CRL says.
	AuthorityKeyID []byte
	ThisUpdate     time.Time
	NextUpdate     time.Time // zero when absent
	// Number is the cRLNumber extension, nil when absent; Delta is true for
	// a delta CRL (deltaCRLIndicator present).
	Number *big.Int
	Delta  bool
	// SignatureAlgorithm is the outer signature algorithm OID.
	SignatureAlgorithm asn1.ObjectIdentifier
	Signature          []byte
	Revoked            []RevokedCertificate

	index map[string]int
}

// RevokedCertificate is one entry of a CRL.
type RevokedCertificate struct {
	SerialNumber   *big.Int
	RevocationTime time.Time
	// ReasonCode is the CRL entry's reason (RFC 5280 §5.3.1), -1 when absent.
	ReasonCode int
}

// ErrNotCRL reports input that is not a certificate revocation list.
var ErrNotCRL = errors.New("certs: not a CRL")

var (
	oidExtAuthorityKeyID = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtCRLNumber      = asn1.ObjectIdentifier{2, 5, 29, 20}
	oidExtDeltaCRL       = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidExtReasonCode     = asn1.ObjectIdentifier{2, 5, 29, 21}
)

type certificateList struct {
	TBS                asn1.RawValue
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          asn1.BitString
}

type tbsCertList struct {
	Raw        asn1.RawContent
	Version    int `asn1:"optional,default:0"`
	Signature  pkix.AlgorithmIdentifier
	Issuer     asn1.RawValue
	ThisUpdate time.Time
	NextUpdate time.Time        `asn1:"optional"`
	Revoked    []revokedEntry   `asn1:"optional"`
	Extensions []pkix.Extension `asn1:"optional,explicit,tag:0"`
}

type revokedEntry struct {
	Serial     *big.Int
	Time       time.Time
	Extensions []pkix.Extension `asn1:"optional"`
}

// ParseCRL reads a CRL given as DER or PEM ("X509 CRL").
func ParseCRL(data []byte) (*CRL, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrNotCRL)
	}
	if data[0] != 0x30 {
		b, _ := pem.Decode(data)
		if b == nil || b.Type != "X509 CRL" {
			return nil, fmt.Errorf("%w: neither DER nor a PEM X509 CRL block", ErrNotCRL)
		}
		data = b.Bytes
	}
	var cl certificateList
	rest, err := asn1.Unmarshal(data, &cl)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotCRL, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrNotCRL, len(rest))
	}
	var tbs tbsCertList
	if rest, err := asn1.Unmarshal(cl.TBS.FullBytes, &tbs); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: tbsCertList: %w", ErrNotCRL, errOr(err, "trailing data"))
	}
	if !tbs.Signature.Algorithm.Equal(cl.SignatureAlgorithm.Algorithm) {
		// Parameters may differ (NCA's NULL quirk); the algorithm may not.
		return nil, fmt.Errorf("%w: signature algorithm %s outside, %s inside", ErrNotCRL, cl.SignatureAlgorithm.Algorithm, tbs.Signature.Algorithm)
	}
	c := &CRL{
		Raw:                data[:len(data)-len(rest)],
		RawTBSCertList:     cl.TBS.FullBytes,
		RawIssuer:          tbs.Issuer.FullBytes,
		ThisUpdate:         tbs.ThisUpdate,
		NextUpdate:         tbs.NextUpdate,
		SignatureAlgorithm: cl.SignatureAlgorithm.Algorithm,
		Signature:          cl.Signature.RightAlign(),
		index:              make(map[string]int, len(tbs.Revoked)),
	}
	var rdn pkix.RDNSequence
	if _, err := asn1.Unmarshal(tbs.Issuer.FullBytes, &rdn); err != nil {
		return nil, fmt.Errorf("%w: issuer: %w", ErrNotCRL, err)
	}
	c.Issuer.FillFromRDNSequence(&rdn)
	for _, ext := range tbs.Extensions {
		switch {
		case ext.Id.Equal(oidExtAuthorityKeyID):
			var aki struct {
				ID []byte `asn1:"optional,tag:0"`
			}
			if _, err := asn1.Unmarshal(ext.Value, &aki); err != nil {
				return nil, fmt.Errorf("%w: authorityKeyIdentifier: %w", ErrNotCRL, err)
			}
			c.AuthorityKeyID = aki.ID
		case ext.Id.Equal(oidExtCRLNumber):
			if _, err := asn1.Unmarshal(ext.Value, &c.Number); err != nil {
				return nil, fmt.Errorf("%w: cRLNumber: %w", ErrNotCRL, err)
			}
		case ext.Id.Equal(oidExtDeltaCRL):
			c.Delta = true
		}
	}
	c.Revoked = make([]RevokedCertificate, 0, len(tbs.Revoked))
	for i, r := range tbs.Revoked {
		if r.Serial == nil {
			return nil, fmt.Errorf("%w: entry %d has no serial number", ErrNotCRL, i)
		}
		entry := RevokedCertificate{SerialNumber: r.Serial, RevocationTime: r.Time, ReasonCode: -1}
		for _, ext := range r.Extensions {
			if ext.Id.Equal(oidExtReasonCode) {
				var code asn1.Enumerated
				if _, err := asn1.Unmarshal(ext.Value, &code); err == nil {
					entry.ReasonCode = int(code)
				}
			}
		}
		c.index[serialKey(r.Serial)] = len(c.Revoked)
		c.Revoked = append(c.Revoked, entry)
	}
	return c, nil
}

// Lookup returns the entry for serial, and false when the CRL does not list it.
func (c *CRL) Lookup(serial *big.Int) (RevokedCertificate, bool) {
	if serial == nil {
		return RevokedCertificate{}, false
	}
	i, ok := c.index[serialKey(serial)]
	if !ok {
		return RevokedCertificate{}, false
	}
	return c.Revoked[i], true
}

// serialKey is the index key of a serial number: its sign and magnitude
// (Bytes alone is the magnitude, which would find 5 for -5).
func serialKey(serial *big.Int) string {
	return string(append([]byte{byte(serial.Sign() + 1)}, serial.Bytes()...))
}
