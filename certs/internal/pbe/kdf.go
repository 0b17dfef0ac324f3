package pbe

import (
	"crypto"

	// The hash functions the PKCS#12 KDF is used with; crypto.Hash.New needs
	// them linked in.
	_ "crypto/sha1"
	_ "crypto/sha256"
	_ "crypto/sha512"
)

// Purposes of PKCS#12 KDF output, the ID byte of RFC 7292 Appendix B.3.
const (
	kdfKey byte = 1 // encryption key
	kdfIV  byte = 2 // initialization vector
	kdfMAC byte = 3 // integrity (MAC) key
)

// Key derives key material with the PKCS#12 key derivation function of
// RFC 7292 Appendix B.2.
//
// h is the hash function (crypto.SHA1 or one of the SHA-2 family), id the
// purpose of the output (1 encryption key, 2 IV, 3 MAC key), password the
// BMP-encoded password (see [BMPPassword]), salt and iterations the
// parameters from the file; the result is size bytes long.
//
// Key does no validation of its own: it panics if h is not linked into the
// binary, if iterations < 1 or if size < 0. Callers that handle untrusted
// parameters must check them first (as [Decrypt] and [VerifyMAC] do).
func Key(h crypto.Hash, id byte, password, salt []byte, iterations, size int) []byte {
	if !h.Available() {
		panic("pbe: Key: hash function " + h.String() + " is not available")
	}
	if iterations < 1 {
		panic("pbe: Key: iteration count must be at least 1")
	}
	if size < 0 {
		panic("pbe: Key: negative size")
	}

	d := h.New()
	u := d.Size()      // output size of the hash
	v := d.BlockSize() // input block size of the hash

	// Steps 1-4: D is v copies of ID; I = S || P, where S and P are salt and
	// password repeated to fill a whole number of v-byte blocks.
	diversifier := make([]byte, v)
	for i := range diversifier {
		diversifier[i] = id
	}
	sLen := v * ((len(salt) + v - 1) / v)
	pLen := v * ((len(password) + v - 1) / v)
	input := make([]byte, sLen+pLen)
	fillRepeated(input[:sLen], salt)
	fillRepeated(input[sLen:], password)

	// Steps 5-7. c = ceil(size/u) rounds, each contributing u bytes.
	out := make([]byte, 0, (size+u-1)/u*u)
	a := make([]byte, 0, u)
	b := make([]byte, v)
	for len(out) < size {
		// A_i = H^r(D || I).
		d.Reset()
		d.Write(diversifier)
		d.Write(input)
		a = d.Sum(a[:0])
		for range iterations - 1 {
			d.Reset()
			d.Write(a)
			a = d.Sum(a[:0])
		}
		out = append(out, a...)
		if len(out) >= size {
			break
		}
		// B is A_i repeated to v bytes; every v-byte block I_j of I
		// becomes (I_j + B + 1) mod 2^(8v).
		fillRepeated(b, a)
		for j := 0; j < len(input); j += v {
			addPlusOne(input[j:j+v], b)
		}
	}
	clear(input)
	clear(a)
	clear(b)
	return out[:size]
}

// fillRepeated fills dst with copies of src, the last one truncated. An
// empty src leaves dst untouched (dst is empty in that case anyway).
func fillRepeated(dst, src []byte) {
	if len(src) == 0 {
		return
	}
	for n := 0; n < len(dst); n += copy(dst[n:], src) {
	}
}

// addPlusOne sets block to block + b + 1 modulo 2^(8*len(block)), both
// read as big-endian integers of the same length.
func addPlusOne(block, b []byte) {
	carry := uint16(1)
	for k := len(block) - 1; k >= 0; k-- {
		sum := uint16(block[k]) + uint16(b[k]) + carry
		block[k] = byte(sum)
		carry = sum >> 8
	}
}
