// Package certs opens the key stores Kazakhstan's National Certification
// Authority (NCA, НУЦ РК) issues to taxpayers and reads what NCA puts in
// their certificates.
//
// Open (or OpenFile) takes a .p12 file and its PIN and returns a KeyStore:
// the private key and its Certificate, classified — IIN, BIN, names,
// organization, e-mail, Usage (AUTH, SIGN, or both for GOST 2015-512
// keys), Algorithm (RSA, GOST2004, GOST2015-512), Holder (individual or
// legal entity), the NCA roles (CEO, CAN_SIGN …) and the FileKind NCA names
// the file with. Verify then checks a certificate's chain, validity and
// revocation against trusted roots and CRLs, and tells why it failed.
//
// NCA's key stores are BER with indefinite lengths, which encoding/asn1 and
// go-pkcs12 refuse; this package carries its own PKCS#12 reader. It checks
// the MAC first, over the bytes as given (HMAC with SHA-1 or SHA-2 and the
// PKCS#12 KDF, or PBMAC1), then decrypts the bags: NCA's
// pbeWithSHAAnd3-KeyTripleDES-CBC and pbeWithSHAAnd40BitRC2-CBC, 128-bit
// RC2, and the PBES2 (PBKDF2 + AES-CBC) of openssl 3 and go-pkcs12's modern
// encoders. A wrong PIN is ErrWrongPIN.
//
// Private keys come back as crypto.Signer: *rsa.PrivateKey, or
// *gost.PrivateKey for NCA's GOST keys (both of NCA's encodings), which
// signs a GOST digest in NCA's layout. Verify checks RSA and GOST
// signatures (GOST R 34.10-2015 512 with Streebog, GOST 34.310-2004 with
// GOST 34.311-95) on certificates and CRLs alike.
//
// The certs/certstest package issues NCA-shaped key stores for tests.
package certs
