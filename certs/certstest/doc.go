// Package certstest is an NCA-shaped test PKI, as net/http/httptest is a
// test HTTP server: it issues key stores that look like the ones Kazakhstan's
// National Certification Authority (НУЦ РК) gives taxpayers, for tests of
// package certs and of anything that takes an NCA key store.
//
//	ca, err := certstest.NewCA(certstest.Options{Now: clock})          // root + intermediate
//	is, err := ca.Issue(certstest.Profile{Kind: certstest.KindCEO, Usage: certs.UsageSign})
//	ks, err := certs.Open(is.PKCS12, is.PIN)                            // and certs.Verify against ca
//
// A CA has one algorithm, Options.Algorithm: RSA (the zero value), GOST
// 2015-512 (NCA's key stores since 2022: one GOST512_ key for log-in and
// signing) or GOST 2004 (the GOSTKNCA_ signing keys NCA gave legal
// entities before). A test that needs several builds several CAs.
//
//	gostCA, err := certstest.NewCA(certstest.Options{Algorithm: certs.AlgorithmGOST2015_512, Now: clock})
//	is, err := gostCA.Issue(certstest.Profile{Kind: certstest.KindCEO}) // GOST512_<ski>.p12, AUTH+SIGN
//
// # What is like NCA's
//
//   - The CAs: RSA 4096 root and intermediate named "CN=…, C=KZ" like the
//     2022 test CAs (DefaultRootName, DefaultIntermediateName, with "TEST
//     CERTSTEST" in the name so that no one takes them for NCA's),
//     policies 1.2.398.3.1.2 and 1.2.398.3.3.1.1, keyCertSign+cRLSign,
//     SKI and AKI, URLs in NCA's test form under http://test.pki.gov.kz.
//   - The leaves (nca-certificates.md §1–§2, §5): RSA 2048 signed with
//     sha256WithRSAEncryption; subject "CN=SURNAME FIRSTNAME, SURNAME,
//     SERIALNUMBER=IIN…, C=KZ, [O, OU=BIN…,] GIVENNAME=patronymic" in that
//     order with NCA's string types; AUTH (digitalSignature+keyEncipherment,
//     clientAuth) or SIGN (digitalSignature+nonRepudiation, emailProtection)
//     with the role OIDs of the holder in extendedKeyUsage; the policy of
//     the holder and usage with the CPS qualifier http://pki.gov.kz/cps;
//     CRL, delta CRL, caIssuers and OCSP URLs; e-mail in subjectAltName;
//     365 days of validity; serial number = SKI with the top bit cleared;
//     file name AUTH_RSA256_<SKI hex>.p12 or RSA256_<SKI hex>.p12.
//   - The key stores: PKCS#12 with one key and its certificate, the key in a
//     pbeWithSHAAnd3-KeyTripleDES-CBC bag, the certificate in a
//     pbeWithSHAAnd40BitRC2-CBC bag, HMAC-SHA1 MAC, 1024 iterations, PIN
//     "Qwerty12" by default (NCA's test PIN). OpenSSL 3 reads them with
//     -legacy, as it reads NCA's.
//   - The CRL: the intermediate's, sha256WithRSA, with cRLNumber and AKI.
//   - GOST 2015-512 CAs (Options.Algorithm certs.AlgorithmGOST2015_512):
//     named like NCA's GOST TEST 2022 CAs (DefaultGOSTRootName,
//     DefaultGOSTIntermediateName), keys on TC26 paramSetA with NCA's OIDs
//     (SubjectPublicKeyInfo 1.2.398.3.10.1.1.2.2 with the parameters
//     {1.2.398.3.10.1.1.2.2.1, 1.2.398.3.10.1.3.3} and the key X ‖ Y
//     little-endian in an OCTET STRING), signatures
//     1.2.398.3.10.1.1.2.3.2 (AlgorithmIdentifier with NULL) over
//     Streebog-512 in NCA's r ‖ s little-endian layout, the intermediate's
//     policy 1.2.398.3.3.2. Leaves: GOST512_<SKI>.p12, one key for AUTH
//     and SIGN: keyUsage digitalSignature+nonRepudiation+keyAgreement
//     (critical), EKU emailProtection and the roles, policy 1.2.398.3.3.2,
//     NCA's extension 1.2.398.3.3.5 = SEQUENCE{1.2.398.3.3.5.1.1}; SKI =
//     SHA-1 of the key BIT STRING's contents, as NCA computes it.
//   - GOST 2004 CAs (certs.AlgorithmGOST2004): named like ҰКО 3.0 (GOST
//     TEST), "C=KZ, CN=…" as NCA's older CAs; GOST 34.310-2004 keys
//     (CryptoPro-A, 1.2.398.3.10.1.1.1.1 with {1.2.398.3.10.1.1.1.1.1,
//     1.2.398.3.10.1.3.1.1.0}), signatures 1.2.398.3.10.1.1.1.2 over GOST
//     34.311-95. Leaves: GOSTKNCA_<SKI>.p12 for legal entities only,
//     keyUsage digitalSignature+nonRepudiation, policy 1.2.398.3.3.2.1; SKI
//     = SHA-1 of the whole SubjectPublicKeyInfo, as ҰКО 3.0 computes it.
//   - The GOST key stores are written by this package in NCA's own layout:
//     the key bag (3DES) first in plain data, then the certificate bag
//     (RC2-40) encrypted, HMAC-SHA1 MAC, 1024 iterations, 20-byte salts,
//     localKeyID = SKI and friendlyName = SKI in hex on both bags; the
//     PKCS#8 key is NCA's (2015: an OCTET STRING with d little-endian; 2004:
//     an INTEGER). OpenSSL 3 lists them with -legacy -info -nokeys and, as
//     with NCA's files, refuses the key ("unsupported private key
//     algorithm"); certs.Open opens them, the GOST CRL as well as the
//     certificates verify with certs.Verify.
//
// # What differs
//
//   - RSA key stores are written by go-pkcs12: DER, not NCA's BER with
//     indefinite lengths; localKeyID is the SHA-1 of the certificate, not
//     the SKI, and there is no friendlyName (NCA writes the SKI in hex as
//     both); the salts are 8 bytes, not 20; the certificate bag comes first.
//     GOST key stores have NCA's layout, but in DER, not BER.
//   - Certificate extensions come in crypto/x509's order, not NCA's; AKI
//     holds the key identifier only (NCA's GOST CAs add the issuer's name
//     and serial); the policy has no userNotice (some older NCA
//     certificates have one); there is no delta CRL behind the
//     freshest-CRL URL and no OCSP responder; CRL entries carry no reason.
//   - RSA CAs issue legal entities RSA SIGN keys (RSA256_), which NCA
//     issued as GOST; they stay for tests of RSA signing. GOST 2004 leaves
//     have the 2022 subject layout (no L and ST) and serial = SKI like the
//     2022 CAs (ҰКО 3.0 used random serials).
//   - An entrepreneur (ИП) gets an individual's certificate, as from NCA:
//     KindEntrepreneur only changes what the profile says, not the bytes.
//
// # Reproducible output
//
// Go 1.26's rsa.GenerateKey ignores its random reader, so RSA keys come from
// a committed pool (keys/): two RSA 4096 keys for the CAs and sixteen RSA
// 2048 keys handed out in Issue order. With a fixed Options.Now and a fixed
// Options.Rand (DeterministicRand), a CA and everything it issues are the
// same bytes on every run. After the sixteenth Issue, or with
// Options.FreshKeys, keys are generated and output is not reproducible.
// Because every pool CA has the same keys, use Options.FreshKeys (and other
// names) for a CA that must not be trusted by another.
//
// GOST keys are derived from Options.Rand (the CAs' two in NewCA, one per
// Issue), and GOST signatures take k deterministically from the key and
// the digest: a GOST CA on a fixed clock and DeterministicRand is
// reproducible without a pool, for any number of key stores, and two GOST
// CAs with different seeds have different keys.
//
// # Fixtures
//
// A fixture set made once with FixtureTime is committed under
// testdata/nca-test-pki at the module root (testdata/README.md lists it):
// an RSA, a GOST 2015-512 (gost/) and a GOST 2004 (gost2004/) PKI with their
// key stores. OpenFixture, FixturePath and FixtureVerifyOptions (which
// trusts all three) open it from tests of any package, and the Fixture…
// constants name its files (FixtureGOSTCEO, FixtureGOST2004CEO, …).
package certstest
