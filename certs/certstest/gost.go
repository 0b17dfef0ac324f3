package certstest

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/esfkit/esf/certs"
	"github.com/esfkit/esf/certs/gost"
)

// Digest algorithms NCA names in GOST key parameters.
var (
	oidDigestGOST2015_512 = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 3, 3}       // GOST 34.11-2015 512 (Streebog)
	oidDigestGOST34311    = asn1.ObjectIdentifier{1, 2, 398, 3, 10, 1, 3, 1, 1, 0} // GOST 34.311-95
)

// gostSpec is what differs between NCA's two GOST generations.
type gostSpec struct {
	alg      certs.Algorithm
	curve    gost.Curve
	keyOID   asn1.ObjectIdentifier   // SubjectPublicKeyInfo and PKCS#8 algorithm
	params   []asn1.ObjectIdentifier // its parameters: curve, digest
	sigOID   asn1.ObjectIdentifier   // signature algorithm (with NULL parameters)
	digest   func(msg []byte) []byte // the hash the signature is over
	fileKind certs.FileKind          // file name prefix of the key stores
	skiSPKI  bool                    // SKI = SHA-1 of the whole SPKI (else of the key BIT STRING)
	policy   func(legal bool) asn1.ObjectIdentifier
	keyUsage x509.KeyUsage
	extra    func() (pkix.Extension, error) // an NCA extension of the leaves, or nil
}

// GOST 2015-512: NCA's GOST512_ key stores since 2022 (GOST TEST 2022 CAs).
var gost2015 = &gostSpec{
	alg:      certs.AlgorithmGOST2015_512,
	curve:    gost.CurveTC26512A,
	keyOID:   certs.OIDGOST2015PublicKey512,
	params:   []asn1.ObjectIdentifier{gost.OIDCurveTC26512AKZ, oidDigestGOST2015_512},
	sigOID:   certs.OIDGOST2015Signature512,
	digest:   func(m []byte) []byte { d := gost.Sum512(m); return d[:] },
	fileKind: certs.FileGOST512,
	policy:   func(bool) asn1.ObjectIdentifier { return policyGOST },
	// digitalSignature, nonRepudiation, keyAgreement: 03 02 03 c8, as in
	// the 2023–2026 test certificates.
	keyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageKeyAgreement,
	extra:    keyStoreExtension,
}

// GOST 34.310-2004: NCA's GOSTKNCA_ signing key stores of legal entities
// (ҰКО 3.0 (GOST TEST) and the production GOST CA until 2022).
var gost2004 = &gostSpec{
	alg:      certs.AlgorithmGOST2004,
	curve:    gost.CurveCryptoProA,
	keyOID:   certs.OIDGOST2004PublicKey,
	params:   []asn1.ObjectIdentifier{gost.OIDCurveCryptoProAKZ, oidDigestGOST34311},
	sigOID:   certs.OIDGOST2004Signature,
	digest:   func(m []byte) []byte { d := gost.Sum341194(m); return d[:] },
	fileKind: certs.FileGOSTKNCA,
	skiSPKI:  true,
	policy: func(legal bool) asn1.ObjectIdentifier {
		if legal {
			return policyLegalSign
		}
		return policyIndividualSign
	},
	keyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
}

// specFor returns the GOST generation of alg, nil for RSA.
func specFor(alg certs.Algorithm) (*gostSpec, error) {
	switch alg {
	case certs.AlgorithmUnknown, certs.AlgorithmRSA:
		return nil, nil
	case certs.AlgorithmGOST2015_512:
		return gost2015, nil
	case certs.AlgorithmGOST2004:
		return gost2004, nil
	}
	return nil, fmt.Errorf("certstest: no CA for algorithm %s (RSA, GOST2015-512 or GOST2004)", alg)
}

// deriveKey makes a key from Curve.Size()+16 bytes of r, reduced into
// 1..q-1 (the 16 extra bytes make the bias negligible). A GOST key, unlike
// an RSA key, is a function of its random bytes, so a fixed Options.Rand
// gives the same keys on every run.
func (s *gostSpec) deriveKey(r io.Reader) (*gost.PrivateKey, error) {
	n := s.curve.Size()
	buf := make([]byte, n+16)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("certstest: read a %s key from Options.Rand: %w", s.alg, err)
	}
	q := s.curve.Params().Q
	d := new(big.Int).SetBytes(buf)
	d.Mod(d, new(big.Int).Sub(q, big.NewInt(1))).Add(d, big.NewInt(1))
	k, err := gost.NewPrivateKey(s.curve, d.FillBytes(make([]byte, n)))
	if err != nil {
		return nil, fmt.Errorf("certstest: %s key: %w", s.alg, err)
	}
	return k, nil
}

// checkKey checks that a profile's key is on this generation's curve.
func (s *gostSpec) checkKey(k *gost.PrivateKey) error {
	if k.Curve != s.curve {
		return fmt.Errorf("certstest: Profile.GOSTKey is on %s, a %s CA certifies keys on %s", k.Curve, s.alg, s.curve)
	}
	return nil
}

type gostAlgorithm struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters []asn1.ObjectIdentifier
}

type gostSPKI struct {
	Algorithm gostAlgorithm
	PublicKey asn1.BitString
}

// spki is NCA's SubjectPublicKeyInfo of pub: the algorithm with the
// parameters SEQUENCE{curve, digest}, and a BIT STRING holding an OCTET
// STRING with X ‖ Y little-endian.
func (s *gostSpec) spki(pub *gost.PublicKey) (spki, bits []byte, err error) {
	bits, err = asn1.Marshal(pub.Bytes())
	if err != nil {
		return nil, nil, err
	}
	spki, err = asn1.Marshal(gostSPKI{
		Algorithm: gostAlgorithm{s.keyOID, s.params},
		PublicKey: asn1.BitString{Bytes: bits, BitLength: 8 * len(bits)},
	})
	return spki, bits, err
}

// ski is the SubjectKeyIdentifier NCA gives a GOST key: for GOST 2015 the
// SHA-1 of the subjectPublicKey BIT STRING's contents (RFC 5280 method 1,
// as for RSA), for the GOST 2004 generation (ҰКО 3.0) the SHA-1 of the
// whole SubjectPublicKeyInfo. Both were recomputed on NCA's test
// certificates.
func (s *gostSpec) ski(pub *gost.PublicKey) ([]byte, error) {
	spki, bits, err := s.spki(pub)
	if err != nil {
		return nil, err
	}
	in := bits
	if s.skiSPKI {
		in = spki
	}
	sum := sha1.Sum(in)
	return sum[:], nil
}

// pkcs8 is the PrivateKeyInfo NCA's key stores hold: for GOST 2015 the
// privateKey OCTET STRING holds an OCTET STRING with d little-endian (64
// bytes), for GOST 2004 an INTEGER d.
func (s *gostSpec) pkcs8(k *gost.PrivateKey) ([]byte, error) {
	var inner []byte
	var err error
	if s.alg == certs.AlgorithmGOST2015_512 {
		d := k.Bytes()
		le := make([]byte, len(d))
		for i, b := range d {
			le[len(d)-1-i] = b
		}
		inner, err = asn1.Marshal(le)
	} else {
		inner, err = asn1.Marshal(new(big.Int).SetBytes(k.Bytes()))
	}
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct {
		Version    int
		Algorithm  gostAlgorithm
		PrivateKey []byte
	}{0, gostAlgorithm{s.keyOID, s.params}, inner})
}

// signatureAlgorithm is the AlgorithmIdentifier of GOST signatures as NCA
// writes it in certificates and CRLs: the OID with NULL parameters.
func (s *gostSpec) signatureAlgorithm() pkix.AlgorithmIdentifier {
	return pkix.AlgorithmIdentifier{Algorithm: s.sigOID, Parameters: asn1.NullRawValue}
}

// scaffoldKey signs the certificates and CRLs crypto/x509 builds for a GOST
// CA, which cannot sign with GOST keys: only the TBS part is kept, its
// signature algorithm (and key) replaced, and signed again with GOST. The
// key is fixed and Ed25519 signing needs no randomness, so nothing of it,
// and nothing random, reaches the output.
var scaffoldKey = ed25519.NewKeyFromSeed(func() []byte {
	s := sha256.Sum256([]byte("github.com/esfkit/esf/certs/certstest scaffold key"))
	return s[:]
}())

// certify builds the certificate of tmpl, issued by parent, for pub and
// signed by signer: crypto/x509 writes the TBSCertificate (with the
// scaffold key), then the signature algorithm and the SubjectPublicKeyInfo
// are replaced with GOST ones and the TBS is signed with GOST.
func (s *gostSpec) certify(tmpl, parent *x509.Certificate, pub *gost.PublicKey, signer *gost.PrivateKey) (*certs.Certificate, error) {
	scaffold, err := x509.CreateCertificate(rand.Reader, tmpl, parent, scaffoldKey.Public(), scaffoldKey)
	if err != nil {
		return nil, err
	}
	c, err := x509.ParseCertificate(scaffold)
	if err != nil {
		return nil, err
	}
	sigAlg, err := asn1.Marshal(s.signatureAlgorithm())
	if err != nil {
		return nil, err
	}
	spki, _, err := s.spki(pub)
	if err != nil {
		return nil, err
	}
	// TBSCertificate: [0] version, serialNumber, signature, issuer,
	// validity, subject, subjectPublicKeyInfo, …
	tbs, err := replaceFields(c.RawTBSCertificate, map[int][]byte{2: sigAlg, 6: spki}, true)
	if err != nil {
		return nil, err
	}
	der, err := s.sign(tbs, signer)
	if err != nil {
		return nil, err
	}
	return certs.ParseCertificate(der)
}

// crl builds the CRL of tmpl the same way.
func (s *gostSpec) crl(tmpl *x509.RevocationList, issuer *x509.Certificate, signer *gost.PrivateKey) ([]byte, error) {
	scaffold, err := x509.CreateRevocationList(rand.Reader, tmpl, issuer, scaffoldKey)
	if err != nil {
		return nil, err
	}
	l, err := x509.ParseRevocationList(scaffold)
	if err != nil {
		return nil, err
	}
	sigAlg, err := asn1.Marshal(s.signatureAlgorithm())
	if err != nil {
		return nil, err
	}
	// TBSCertList: version, signature, issuer, thisUpdate, …
	tbs, err := replaceFields(l.RawTBSRevocationList, map[int][]byte{1: sigAlg}, false)
	if err != nil {
		return nil, err
	}
	return s.sign(tbs, signer)
}

// sign wraps tbs as SEQUENCE{tbs, signatureAlgorithm, BIT STRING r ‖ s}
// (NCA's layout, little-endian), with k deterministic (no randomness).
func (s *gostSpec) sign(tbs []byte, signer *gost.PrivateKey) ([]byte, error) {
	sig, err := signer.Sign(nil, s.digest(tbs), nil)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct {
		TBS       asn1.RawValue
		Algorithm pkix.AlgorithmIdentifier
		Signature asn1.BitString
	}{asn1.RawValue{FullBytes: tbs}, s.signatureAlgorithm(), asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
}

// replaceFields re-encodes the DER SEQUENCE seq with the fields at the
// given positions replaced by other DER. With versioned, a leading [0]
// (the explicit version of a TBSCertificate) counts as position 0 and its
// absence shifts the positions down by one.
func replaceFields(seq []byte, with map[int][]byte, versioned bool) ([]byte, error) {
	var outer asn1.RawValue
	if rest, err := asn1.Unmarshal(seq, &outer); err != nil || len(rest) != 0 || outer.Tag != asn1.TagSequence {
		return nil, errors.New("certstest: TBS is not one SEQUENCE")
	}
	var fields [][]byte
	for rest := outer.Bytes; len(rest) > 0; {
		var f asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &f); err != nil {
			return nil, fmt.Errorf("certstest: TBS field %d: %w", len(fields), err)
		}
		fields = append(fields, f.FullBytes)
	}
	shift := 0
	if versioned && (len(fields) == 0 || fields[0][0] != 0xa0) {
		shift = -1
	}
	for i, der := range with {
		if i+shift < 0 || i+shift >= len(fields) {
			return nil, fmt.Errorf("certstest: TBS has no field %d", i)
		}
		fields[i+shift] = der
	}
	var body []byte
	for _, f := range fields {
		body = append(body, f...)
	}
	return asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: body})
}

// oidExtKeyStore is NCA's 1.2.398.3.3.5 extension (Kalkan's
// "keystore_branch"); every GOST512_ certificate carries it with the value
// SEQUENCE{OID 1.2.398.3.3.5.1.1}, presumably "a PKCS#12 file".
var (
	oidExtKeyStore    = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 5}
	oidKeyStorePKCS12 = asn1.ObjectIdentifier{1, 2, 398, 3, 3, 5, 1, 1}
)

func keyStoreExtension() (pkix.Extension, error) {
	v, err := asn1.Marshal([]asn1.ObjectIdentifier{oidKeyStorePKCS12})
	return pkix.Extension{Id: oidExtKeyStore, Value: v}, err
}
