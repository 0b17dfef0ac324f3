package pbe

import "errors"

// Errors callers branch on with [errors.Is].
var (
	// ErrMACMismatch means the MacData check failed: the password is wrong
	// or the data was altered.
	ErrMACMismatch = errors.New("pbe: mac mismatch")

	// ErrDecryption means the plaintext did not end in valid PKCS#7
	// padding: almost always a wrong password, otherwise corrupt data.
	ErrDecryption = errors.New("pbe: decryption failed")

	// ErrUnsupported means an algorithm, PRF, hash or option this package
	// does not implement; the wrapping error names its OID.
	ErrUnsupported = errors.New("pbe: unsupported algorithm")
)
