package cms

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"fmt"
)

// DecodePEM returns the DER (or BER) of a CMS given in any of the forms
// NCA's tools hand it out: PEM ("-----BEGIN CMS-----", NCALayer's basics
// module; "PKCS7" as OpenSSL writes it), base64 without armour
// (NCALayer's createCMSSignatureFromBase64), with or without line breaks,
// or the DER itself, which it returns as it is.
func DecodePEM(data []byte) ([]byte, error) {
	if len(data) > 0 && data[0] == 0x30 {
		return data, nil
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrMalformed)
	}
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN ")) {
		block, rest := pem.Decode(trimmed)
		if block == nil {
			return nil, fmt.Errorf("%w: PEM that does not decode", ErrMalformed)
		}
		if block.Type != "CMS" && block.Type != "PKCS7" {
			return nil, fmt.Errorf("%w: a PEM %q block, not CMS", ErrMalformed, block.Type)
		}
		if len(bytes.TrimSpace(rest)) > 0 {
			return nil, fmt.Errorf("%w: more after the PEM block", ErrMalformed)
		}
		return checkSequence(block.Bytes)
	}
	compact := bytes.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, trimmed)
	der := make([]byte, base64.StdEncoding.DecodedLen(len(compact)))
	n, err := base64.StdEncoding.Decode(der, compact)
	if err != nil {
		return nil, fmt.Errorf("%w: neither DER, PEM nor base64: %v", ErrMalformed, err)
	}
	return checkSequence(der[:n])
}

func checkSequence(der []byte) ([]byte, error) {
	if len(der) == 0 || der[0] != 0x30 {
		return nil, fmt.Errorf("%w: the decoded bytes are not a ContentInfo (no SEQUENCE)", ErrMalformed)
	}
	return der, nil
}
