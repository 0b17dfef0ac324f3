// Package pbe implements the password-based cryptography of PKCS#12:
// decrypting shrouded key bags and encrypted SafeContents and checking the
// MacData integrity check of a PFX (for certs.Open), and the inverse —
// Encrypt and ComputeMAC — for the test PKI's key store writer.
//
// It follows these standards:
//
//   - RFC 7292 (PKCS #12 v1.1), Appendix B: the PKCS#12 key derivation
//     function ([Key]) with BMPString passwords ([BMPPassword]), the
//     pbeWithSHAAnd3-KeyTripleDES-CBC, pbeWithSHAAnd2-KeyTripleDES-CBC,
//     pbeWithSHAAnd128BitRC2-CBC and pbeWithSHAAnd40BitRC2-CBC schemes of
//     Appendix C, and the HMAC of MacData keyed with KDF ID 3 (B.4).
//   - RFC 2268: the RC2 block cipher ([NewRC2Cipher]) used by the RC2 schemes.
//   - RFC 8018 (PKCS #5 v2.1): PBES2 with PBKDF2 (hmacWithSHA1 default PRF,
//     hmacWithSHA224/256/384/512) and the aes128/192/256-CBC and des-EDE3-CBC
//     encryption schemes, and PBMAC1.
//   - RFC 9579: PBMAC1 as the MAC algorithm of a PKCS#12 MacData.
//
// Together these cover the key stores issued by Kazakhstan's NCA (3DES key
// bag, RC2-40 certificate bag, HMAC-SHA1 MAC, 1024 iterations), the files
// written by OpenSSL 3 (PBES2 PBKDF2-HMAC-SHA256 with AES-256-CBC,
// HMAC-SHA256 MAC, or the same as NCA with -legacy) and those written by
// software.sslmate.com/src/go-pkcs12 (LegacyRC2, LegacyDES, Modern2023 and
// the PBMAC1-based Modern2026).
//
// # Passwords
//
// The PKCS#12 schemes (the KDF of RFC 7292 Appendix B, used by the
// pbeWithSHAAnd* ciphers and by HMAC MacData) take the PIN as a BMPString:
// UTF-16BE with a two-byte zero terminator, see [BMPPassword]. PBES2 and
// PBMAC1 take the PIN's UTF-8 bytes as they are, which is what OpenSSL,
// go-pkcs12 and RFC 9579 do.
//
// # Untrusted input
//
// Every algorithm identifier, salt and iteration count comes from a file an
// attacker may have crafted. Malformed DER, wrong IV or key lengths and
// ciphertexts of the wrong size give errors, never panics. As a guard against
// denial of service, iteration counts outside 1..1,000,000 are rejected
// before any key derivation runs (real files use a few thousand at most:
// NCA 1024, OpenSSL 3 2048), and a PBMAC1 keyLength above 256 bytes is
// rejected too.
//
// # Errors
//
// Callers branch with [errors.Is] on [ErrMACMismatch] (wrong password or
// altered data), [ErrDecryption] (bad padding after decryption: wrong
// password or corrupt data) and [ErrUnsupported] (an algorithm this package
// does not implement; the message names its OID). Every other error means a
// malformed structure.
package pbe
