package cms

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/esfkit/esf/certs"
)

// TimeStamp is a verified time-stamp token (RFC 3161) of a signature: a
// time-stamp authority (TSA) signed, at Time, the digest of the signature
// value. NCA's TSA adds one to the CMS that NCALayer's
// createCMSSignatureFromBase64 and Kalkan's CAdES-T make.
type TimeStamp struct {
	// Time is the token's genTime: when the TSA saw the signature.
	Time time.Time
	// Policy is the TSA policy the token was issued under (NCA's:
	// 1.2.398.3.3.2.6.x).
	Policy asn1.ObjectIdentifier
	// SerialNumber is the token's serial number.
	SerialNumber *big.Int
	// HashAlgorithm is the digest of the signature value the token holds
	// (its messageImprint).
	HashAlgorithm asn1.ObjectIdentifier
	// Signer is the TSA's certificate, from the token, whose key verified
	// it; it has the timeStamping extended key usage.
	Signer *certs.Certificate
	// Chain is the TSA's chain when VerifyOptions.TimeStampChain was given.
	Chain []*certs.Certificate
	// Token is the DER of the token: a ContentInfo with SignedData over
	// a TSTInfo.
	Token []byte
}

// tstInfoHead is the start of TSTInfo (RFC 3161 §2.4.2): the fields after
// genTime (accuracy, ordering, nonce, tsa, extensions) are optional and not
// reported.
type tstInfoHead struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        time.Time `asn1:"generalized"`
}

type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
	Rest          asn1.RawValue `asn1:"optional"`
}

// verifyTimeStamp checks a time-stamp token over the signature value sig:
// the token is a SignedData over a TSTInfo with one signer, whose
// signature verifies (as any signer's, with its signed attributes) with a
// timeStamping certificate the token carries, and whose messageImprint is
// the digest of sig.
func verifyTimeStamp(token, sig []byte, opts VerifyOptions) (*TimeStamp, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrTimeStamp}, args...)...)
	}
	sd, err := parse(token)
	if err != nil {
		return nil, fail("%v", err)
	}
	if !sd.contentType.Equal(OIDTSTInfo) || !sd.attached {
		return nil, fail("content type %s (attached %v), not an attached TSTInfo", sd.contentType, sd.attached)
	}
	if len(sd.signers) != 1 {
		return nil, fail("%d signers, one expected", len(sd.signers))
	}
	v, err := verifySigner(sd, sd.signers[0], sd.content, VerifyOptions{}, false)
	if err != nil {
		return nil, fail("%v", err)
	}
	if !slices.Contains(v.Signer.X509.ExtKeyUsage, x509.ExtKeyUsageTimeStamping) {
		return nil, fail("the TSA's certificate %q is not for time-stamping (no extended key usage timeStamping)", v.Signer.CommonName)
	}
	var tst tstInfoHead
	if err := unmarshal(sd.content, &tst, "TSTInfo"); err != nil {
		return nil, fail("%v", err)
	}
	if tst.Version != 1 {
		return nil, fail("TSTInfo version %d", tst.Version)
	}
	if err := noRest(tst.MessageImprint.Rest, "MessageImprint"); err != nil {
		return nil, fail("%v", err)
	}
	hashAlg := tst.MessageImprint.HashAlgorithm
	want, ok := digestOf(hashAlg.Algorithm, sig)
	if !ok || !nullOrAbsent(hashAlg) {
		return nil, fail("messageImprint digest %s is not one NCA uses", hashAlg.Algorithm)
	}
	if !bytes.Equal(tst.MessageImprint.HashedMessage, want) {
		return nil, fail("its messageImprint is not the digest of this signature")
	}
	ts := &TimeStamp{Time: tst.GenTime, Policy: tst.Policy, SerialNumber: tst.SerialNumber,
		HashAlgorithm: hashAlg.Algorithm, Signer: v.Signer, Token: token}
	if opts.TimeStampChain != nil {
		if ts.Chain, err = verifyChain(v.Signer, sd.certs, *opts.TimeStampChain, opts.Now); err != nil {
			return nil, fmt.Errorf("%w: the TSA's certificate: %w", ErrTimeStamp, err)
		}
	}
	return ts, nil
}
