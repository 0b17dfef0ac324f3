// Package certstest is an NCA-shaped test PKI, as net/http/httptest is a
// test HTTP server: it issues key stores that look like the ones Kazakhstan's
// National Certification Authority (НУЦ РК) gives taxpayers, for tests of
// package certs and of anything that takes an NCA key store.
//
//	ca, err := certstest.NewCA(certstest.Options{Now: clock})          // root + intermediate
//	is, err := ca.Issue(certstest.Profile{Kind: certstest.KindCEO, Usage: certs.UsageSign})
//	ks, err := certs.Open(is.PKCS12, is.PIN)                            // and certs.Verify against ca
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
//
// # What differs
//
//   - Key stores are written by go-pkcs12: DER, not NCA's BER with
//     indefinite lengths; localKeyID is the SHA-1 of the certificate, not
//     the SKI, and there is no friendlyName (NCA writes the SKI in hex as
//     both); the salts are 8 bytes, not 20; the certificate bag comes first.
//   - Certificate extensions come in crypto/x509's order, not NCA's; the
//     policy has no userNotice (some older NCA certificates have one); there
//     is no delta CRL behind the freshest-CRL URL and no OCSP responder.
//   - Only RSA for now. NCA issues legal entities' signing keys as GOST
//     (GOSTKNCA_ 34.310-2004, and since 2022 one GOST512_ key for both
//     log-in and signing); here a legal entity's SIGN key is RSA (RSA256_)
//     until GOST issuance arrives.
//   - An entrepreneur (ИП) gets an individual's certificate, as from NCA:
//     KindEntrepreneur only changes what the profile says, not the bytes.
//
// # Reproducible output
//
// Go 1.26's rsa.GenerateKey ignores its random reader, so keys come from a
// committed pool (keys/): two RSA 4096 keys for the CAs and sixteen RSA 2048
// keys handed out in Issue order. With a fixed Options.Now and a fixed
// Options.Rand (DeterministicRand), a CA and everything it issues are the
// same bytes on every run. After the sixteenth Issue, or with
// Options.FreshKeys, keys are generated and output is not reproducible.
// Because every pool CA has the same keys, use Options.FreshKeys (and other
// names) for a CA that must not be trusted by another.
//
// # Fixtures
//
// A fixture set made once with FixtureTime is committed under
// testdata/nca-test-pki at the module root (testdata/README.md lists it);
// OpenFixture, FixturePath and FixtureVerifyOptions open it from tests of
// any package, and the Fixture… constants name its files.
package certstest
