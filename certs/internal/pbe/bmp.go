package pbe

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// BMPPassword encodes a PIN as the PKCS#12 key derivation function wants it
// (RFC 7292 Appendix B.1): a BMPString, that is big-endian UCS-2, followed by
// a two-byte zero terminator.
//
// The empty PIN is encoded as the terminator alone, the two bytes 00 00. That
// is what RFC 7292 B.1 prescribes and what OpenSSL 3 uses for an empty
// password (-passout pass:). OpenSSL also knows "no password at all", a
// zero-length KDF input, which some other writers use for empty passwords;
// this function never produces that encoding.
//
// A PIN that is not valid UTF-8 or contains a character outside the Basic
// Multilingual Plane (which a BMPString cannot hold) is an error.
func BMPPassword(pin string) ([]byte, error) {
	if !utf8.ValidString(pin) {
		return nil, errors.New("pbe: password is not valid UTF-8")
	}
	out := make([]byte, 0, 2*len(pin)+2)
	for _, r := range pin {
		if r > 0xFFFF {
			return nil, fmt.Errorf("pbe: password contains %U, which is outside the basic multilingual plane and cannot be a BMPString", r)
		}
		out = append(out, byte(r>>8), byte(r))
	}
	return append(out, 0, 0), nil
}
