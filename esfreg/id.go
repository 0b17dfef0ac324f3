package esfreg

import (
	"errors"
	"fmt"
)

// The test identities NCA and ESF publish (esf-api.md §4): ТЕСТОВ ТЕСТ
// ТЕСТОВИЧ, ТЕСТТОВ ТЕСТТ ТЕСТТОВИЧ and АО "ТЕСТ". All three fail the
// checksum (their check digits would be 3, 3 and 5); ESF's test stand and
// NCA's test certificates use them anyway. IDOptions.AllowTestIdentities
// lets them through.
const (
	TestIIN  = "123456789011"
	TestIIN2 = "123456789012"
	TestBIN  = "123456789021"
)

// IsTestIdentity reports whether s is one of TestIIN, TestIIN2 and TestBIN.
func IsTestIdentity(s string) bool {
	return s == TestIIN || s == TestIIN2 || s == TestBIN
}

// IDOptions say how strictly IINs and BINs are checked. The zero value is
// strict: twelve digits and a correct check digit.
type IDOptions struct {
	// AllowTestIdentities accepts TestIIN and TestIIN2 as IINs and TestBIN
	// as a BIN although their check digits are wrong, as ESF's test stand
	// does. Production checks leave it false.
	AllowTestIdentities bool
}

// Why a number is not an IIN or BIN; the cause of the *Error.
var (
	errNotTwelveDigits = errors.New("not 12 digits")
	errNeverIssued     = errors.New("no check digit exists for the first 11 digits: never issued")
)

// weights1 and weights2 are the two passes of the control digit: 1..11,
// and 3..11, 1, 2 when the first pass gives 10.
var (
	weights1 = [11]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	weights2 = [11]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2}
)

// ControlDigit computes the check digit (the 12th) of an IIN or BIN from its
// first 11 digits: the sum of the digits weighted 1..11, modulo 11; if that
// is 10, the sum weighted 3..11, 1, 2, modulo 11; if that is 10 as well, no
// number with these 11 digits is ever issued and ok is false. digits must
// hold at least 11 ASCII digits; only the first 11 are read.
//
// The first pass weighs the 11th digit by 11, which is 0 modulo 11: that
// digit counts only when the first pass gives 10. This is the national
// algorithm's property (a wrong 11th digit mostly goes unnoticed), not
// this implementation's.
func ControlDigit(digits string) (d int, ok bool) {
	if len(digits) < 11 {
		return 0, false
	}
	sum := func(w *[11]int) int {
		s := 0
		for i := range 11 {
			c := digits[i]
			if c < '0' || c > '9' {
				return -1
			}
			s += int(c-'0') * w[i]
		}
		return s % 11
	}
	s := sum(&weights1)
	if s < 0 {
		return 0, false
	}
	if s == 10 {
		s = sum(&weights2)
	}
	if s == 10 {
		return 0, false
	}
	return s, true
}

// checkID checks twelve digits and their check digit, returning the cause
// of failure or nil.
func checkID(s string) error {
	if len(s) != 12 {
		return errNotTwelveDigits
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return errNotTwelveDigits
		}
	}
	d, ok := ControlDigit(s)
	if !ok {
		return errNeverIssued
	}
	if got := int(s[11] - '0'); got != d {
		return fmt.Errorf("check digit is %d, the first 11 digits give %d", got, d)
	}
	return nil
}

// withControlDigit appends the check digit to 11 digits, or reports that
// no such number is issued.
func withControlDigit(first11 string) (string, error) {
	d, ok := ControlDigit(first11)
	if !ok {
		return "", errNeverIssued
	}
	return first11 + string(rune('0'+d)), nil
}
