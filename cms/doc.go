// Package cms signs and verifies CMS SignedData (RFC 5652), attached and
// detached, the way Kazakhstan's NCA tools (NCALayer's
// createCMSSignatureFromBase64 and basics module, Kalkan, NCANode) make it,
// with NCA's RSA and GOST keys.
//
// Sign signs content with any crypto.Signer and its certs.Certificate
// and returns a DER ContentInfo; EncodePEM wraps it as NCALayer's basics
// module returns it. Verify checks a CMS that carries one signer, VerifyAll
// one co-signed by several; both return only what was verified — the
// content signed, the signer's certificate, the signing time and the
// time-stamps — and callers must read the returned content, never the
// input. DecodePEM reads the PEM, base64 and DER forms.
//
// What Sign writes is NCA's layout, byte for byte: with the same RSA key,
// content and signing time it is the CMS NCANode wrote (the tests compare
// them). SignedData version 1; the digest algorithm with NULL parameters
// (SHA-256 2.16.840.1.101.3.4.2.1, Streebog-512 1.2.398.3.10.1.3.3, or
// GOST 34.311-95 1.2.398.3.10.1.3.1, after the key); encapContentInfo id-data
// with the content, or without it (detached); the signer's certificate and
// any chain given; one SignerInfo, version 1, issuerAndSerialNumber, with
// the signed attributes contentType, signingTime (UTCTime for 1950–2049)
// and messageDigest as DER sorts a SET OF, and the signature algorithm
// sha256WithRSAEncryption, GOST 34.10-2015-512 (1.2.398.3.10.1.1.2.3.2) or
// GOST 34.310-2004 (1.2.398.3.10.1.1.1.2), with NULL parameters; GOST
// signatures in NCA's byte layout (r ‖ s, little-endian). Sign adds no
// time-stamp: NCA's TSA is a network service.
//
// Verification is strict by construction. The CMS may be DER or BER (NCA's
// tools write indefinite lengths and constructed OCTET STRINGs; certs
// rewrites them as DER), at most DefaultMaxSize bytes (VerifyOptions.MaxSize),
// with at most MaxSigners signers, MaxCertificates certificates and
// MaxAttributes attributes; anything after a structure's last field is
// ErrMalformed. Each signer must:
//   - be identified by issuerAndSerialNumber (version 1) or
//     subjectKeyIdentifier (version 3) with exactly one certificate the
//     CMS carries (else ErrCertificate);
//   - use the digest and signature algorithms of its key, with NULL or
//     absent parameters (ErrUnsupported otherwise): SHA-256 with
//     sha256WithRSAEncryption or rsaEncryption (OpenSSL's) for RSA;
//     Streebog-512 with 1.2.398.3.10.1.1.2.3.2 (or the key's OID) for GOST
//     2015-512; GOST 34.311-95 with 1.2.398.3.10.1.1.1.2, the key's OID
//     1.2.398.3.10.1.1.1.1 (older Kalkan) or Kalkan's 1.3.6.1.4.1.6801.1.2.2
//     for GOST 2004; the digest algorithm listed in SignedData;
//   - carry signed attributes, each type once, among them exactly one
//     content type equal to eContentType (else ErrContentType) and exactly
//     one message digest equal to the content's digest (else ErrDigest); a
//     signing time is read; a signing-certificate attribute (ESS v1 or v2,
//     as newer Kalkan adds) must name the signer's certificate;
//   - have a signature over the DER of the signed attributes that verifies
//     with the certificate's key (else ErrSignature);
//   - and, with VerifyOptions.Chain, a certificate that certs.Verify
//     accepts, the CMS's other certificates offered as intermediates.
//
// Unsigned attributes are tolerated. A time-stamp token
// (id-aa-timeStampToken, CAdES-T, as NCA's TSA adds) is verified, not only
// reported: it must be an attached TSTInfo SignedData whose one signer
// verifies as above with a certificate it carries that has the
// timeStamping extended key usage, and whose messageImprint is the digest
// of this signature's value (else ErrTimeStamp); TimeStamp reports its
// time, policy, serial number and TSA. The TSA's certificate is chained
// only with VerifyOptions.TimeStampChain. CRLs in the CMS are ignored
// (revocation is VerifyOptions.Chain's), and so is a content type other
// than id-data beyond the checks above: Verified.ContentType says it.
//
// Interoperability, as the tests check it: every real NCA CMS in the shared
// reference set verifies (RSA and GOST 2004 made by NCANode, GOST 2015
// made by Kalkan with signingCertificateV2 and a time-stamp, older Kalkan
// GOST 2004 with a time-stamp, a time-stamp token on its own); `openssl cms
// -verify` verifies what Sign makes with RSA keys, attached and detached,
// and Verify verifies what `openssl cms -sign` makes. OpenSSL's GOST engine
// (Debian's libengine-gost-openssl) knows the GOST algorithms only under
// their Russian OIDs, not NCA's 1.2.398.3.10.x, so `openssl cms -verify
// -engine gost` can verify no NCA GOST CMS, NCA's own included; the
// tests check our GOST CMS against the engine piece by piece instead (its
// Streebog-512 of the content and of the signed attributes, and its
// verification of the signature value, rewrapped under the Russian OIDs
// and byte order).
package cms
