package esfreg

import (
	"fmt"
	"time"
)

// IIN is an individual identification number (ИИН): twelve digits, one per
// person, the person's login in ESF. A value from ParseIIN has passed the
// checks of its IDOptions.
//
// Layout (esf-api.md §4): YYMMDD birth date, a century-and-sex digit (1/2
// born in the 1800s, male/female; 3/4 the 1900s; 5/6 the 2000s), a
// four-digit serial, the check digit. Since 2013 an IIN need not match its
// holder's birth date, so only the checksum is enforced; Info decodes the
// rest without judging it.
type IIN string

// ParseIIN checks s strictly as an IIN: twelve ASCII digits with a correct
// check digit. A failure is an *Error with CodeIINNotValid and Field "iin".
func ParseIIN(s string) (IIN, error) { return IDOptions{}.ParseIIN(s) }

// ParseIIN checks s as an IIN under o.
func (o IDOptions) ParseIIN(s string) (IIN, error) {
	if o.AllowTestIdentities && (s == TestIIN || s == TestIIN2) {
		return IIN(s), nil
	}
	if err := checkID(s); err != nil {
		return "", wrapError(CodeIINNotValid, "iin", fmt.Errorf("IIN %q: %w", clip(s), err))
	}
	return IIN(s), nil
}

// String returns the twelve digits.
func (n IIN) String() string { return string(n) }

// Sex is the sex an IIN's seventh digit encodes.
type Sex int

// The values of Sex.
const (
	SexUnknown Sex = iota // the seventh digit is 0, 7, 8 or 9
	SexMale               // odd: 1, 3, 5
	SexFemale             // even: 2, 4, 6
)

// String returns "unknown", "male" or "female".
func (s Sex) String() string {
	switch s {
	case SexMale:
		return "male"
	case SexFemale:
		return "female"
	}
	return "unknown"
}

// IINInfo is what an IIN's digits say about its holder. Every part may be
// missing: an IIN issued after 2013, or a test identity, need not encode
// anything.
type IINInfo struct {
	// Century is 1800, 1900 or 2000 from the seventh digit; 0 if that
	// digit is not 1–6.
	Century int
	// Sex is from the seventh digit.
	Sex Sex
	// BirthDate is the date of digits 1–6 in the century of digit 7, at
	// 00:00 UTC; zero when the century is unknown or the digits are not a
	// calendar date.
	BirthDate time.Time
}

// Info decodes the century, sex and birth date of n, leniently: digits that
// encode nothing leave their part zero. It reads only n's digits and
// returns the zero IINInfo for a value that is not twelve digits.
func (n IIN) Info() IINInfo {
	s := string(n)
	if len(s) != 12 || !allDigits(s) {
		return IINInfo{}
	}
	var info IINInfo
	switch g := s[6]; g {
	case '1', '2', '3', '4', '5', '6':
		k := int(g - '0')
		info.Century = 1800 + 100*((k-1)/2)
		if k%2 == 1 {
			info.Sex = SexMale
		} else {
			info.Sex = SexFemale
		}
	}
	if info.Century != 0 {
		yy, mm, dd := num(s[0:2]), num(s[2:4]), num(s[4:6])
		if d, ok := calendarDate(info.Century+yy, mm, dd); ok {
			info.BirthDate = d
		}
	}
	return info
}

// NewIIN builds the IIN of a person born on birth (its year, month and day
// are read as given) of sex, with a four-digit serial (0–9999): YYMMDD, the
// century-and-sex digit, the serial and the check digit. It fails for a
// birth year outside 1800–2099, SexUnknown, a serial out of range, or
// first 11 digits that no check digit fits (then try the next serial).
func NewIIN(birth time.Time, sex Sex, serial int) (IIN, error) {
	y := birth.Year()
	if y < 1800 || y > 2099 {
		return "", wrapError(CodeIINNotValid, "iin", fmt.Errorf("birth year %d outside 1800–2099", y))
	}
	if sex != SexMale && sex != SexFemale {
		return "", wrapError(CodeIINNotValid, "iin", fmt.Errorf("sex %v", sex))
	}
	if serial < 0 || serial > 9999 {
		return "", wrapError(CodeIINNotValid, "iin", fmt.Errorf("serial %d outside 0–9999", serial))
	}
	g := 2*((y-1800)/100) + 1
	if sex == SexFemale {
		g++
	}
	s, err := withControlDigit(fmt.Sprintf("%02d%02d%02d%d%04d", y%100, int(birth.Month()), birth.Day(), g, serial))
	if err != nil {
		return "", wrapError(CodeIINNotValid, "iin", err)
	}
	return IIN(s), nil
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// num reads up to a few ASCII digits.
func num(s string) int {
	n := 0
	for i := range len(s) {
		n = 10*n + int(s[i]-'0')
	}
	return n
}

// calendarDate returns year-month-day at 00:00 UTC if it is a real date.
func calendarDate(year, month, day int) (time.Time, bool) {
	if month < 1 || month > 12 || day < 1 {
		return time.Time{}, false
	}
	d := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if d.Day() != day || int(d.Month()) != month {
		return time.Time{}, false
	}
	return d, true
}

// clip shortens outside input quoted in an error.
func clip(s string) string {
	const max = 40
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
