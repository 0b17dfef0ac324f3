package esfreg

import (
	"fmt"
	"time"
)

// BIN is a business identification number (БИН): twelve digits, one per
// legal entity (and per branch). A value from ParseBIN has passed the
// checks of its IDOptions.
//
// Layout (esf-api.md §4): YYMM, the year and month of state registration;
// the entity type (4 resident legal entity, 5 non-resident legal entity, 6
// joint entrepreneurship); the office (0 head office, 1 branch, 2
// representative office); a five-digit serial; the check digit, computed
// as for an IIN. The check digit cannot tell an IIN from a BIN, so a number
// may parse as both; the fifth digit would (4–6 for a BIN, a day's tens for
// an IIN), but since 2013 an IIN need not encode a date, so neither parser
// judges it.
type BIN string

// ParseBIN checks s strictly as a BIN: twelve ASCII digits with a correct
// check digit. A failure is an *Error with CodeBINNotValid and Field "bin".
func ParseBIN(s string) (BIN, error) { return IDOptions{}.ParseBIN(s) }

// ParseBIN checks s as a BIN under o.
func (o IDOptions) ParseBIN(s string) (BIN, error) {
	if o.AllowTestIdentities && s == TestBIN {
		return BIN(s), nil
	}
	if err := checkID(s); err != nil {
		return "", wrapError(CodeBINNotValid, "bin", fmt.Errorf("BIN %q: %w", clip(s), err))
	}
	return BIN(s), nil
}

// String returns the twelve digits.
func (b BIN) String() string { return string(b) }

// EntityType is the kind of entity a BIN's fifth digit encodes.
type EntityType int

// The values of EntityType.
const (
	EntityUnknown               EntityType = iota // any other fifth digit
	EntityResident                                // 4: resident legal entity
	EntityNonResident                             // 5: non-resident legal entity
	EntityJointEntrepreneurship                   // 6: ИП(С), joint entrepreneurship
)

// String returns "resident", "non-resident", "joint-entrepreneurship" or "unknown".
func (t EntityType) String() string {
	switch t {
	case EntityResident:
		return "resident"
	case EntityNonResident:
		return "non-resident"
	case EntityJointEntrepreneurship:
		return "joint-entrepreneurship"
	}
	return "unknown"
}

// Office is the kind of office a BIN's sixth digit encodes.
type Office int

// The values of Office.
const (
	OfficeUnknown        Office = iota // any other sixth digit
	OfficeHead                         // 0: head office (головное подразделение)
	OfficeBranch                       // 1: branch (филиал)
	OfficeRepresentative               // 2: representative office (представительство)
	OfficePeasantFarm                  // 3: peasant farm, as commonly cited; unconfirmed
)

// String returns "head", "branch", "representative", "peasant-farm" or "unknown".
func (o Office) String() string {
	switch o {
	case OfficeHead:
		return "head"
	case OfficeBranch:
		return "branch"
	case OfficeRepresentative:
		return "representative"
	case OfficePeasantFarm:
		return "peasant-farm"
	}
	return "unknown"
}

// BINInfo is what a BIN's digits say about the entity.
type BINInfo struct {
	// Registered is the first day of the month of state registration at
	// 00:00 UTC; zero when digits 3–4 are not a month. Two-digit years
	// 90–99 are the 1990s, 00–89 the 2000s.
	Registered time.Time
	// EntityType is from the fifth digit.
	EntityType EntityType
	// Office is from the sixth digit.
	Office Office
}

// Info decodes b leniently: digits that encode nothing leave their part
// zero. It reads only b's digits and returns the zero BINInfo for a value
// that is not twelve digits.
func (b BIN) Info() BINInfo {
	s := string(b)
	if len(s) != 12 || !allDigits(s) {
		return BINInfo{}
	}
	var info BINInfo
	yy, mm := num(s[0:2]), num(s[2:4])
	year := 2000 + yy
	if yy >= 90 {
		year = 1900 + yy
	}
	if d, ok := calendarDate(year, mm, 1); ok {
		info.Registered = d
	}
	switch s[4] {
	case '4':
		info.EntityType = EntityResident
	case '5':
		info.EntityType = EntityNonResident
	case '6':
		info.EntityType = EntityJointEntrepreneurship
	}
	switch s[5] {
	case '0':
		info.Office = OfficeHead
	case '1':
		info.Office = OfficeBranch
	case '2':
		info.Office = OfficeRepresentative
	case '3':
		info.Office = OfficePeasantFarm
	}
	return info
}

// NewBIN builds the BIN of an entity registered in the month of registered
// (year 1990–2089), of type t and office o, with a five-digit serial
// (0–99999). It fails for values out of range, EntityUnknown or
// OfficeUnknown, or first 11 digits that no check digit fits (then try the
// next serial).
func NewBIN(registered time.Time, t EntityType, o Office, serial int) (BIN, error) {
	y := registered.Year()
	fail := func(err error) (BIN, error) { return "", wrapError(CodeBINNotValid, "bin", err) }
	if y < 1990 || y > 2089 {
		return fail(fmt.Errorf("registration year %d outside 1990–2089", y))
	}
	digit5 := map[EntityType]int{EntityResident: 4, EntityNonResident: 5, EntityJointEntrepreneurship: 6}
	digit6 := map[Office]int{OfficeHead: 0, OfficeBranch: 1, OfficeRepresentative: 2, OfficePeasantFarm: 3}
	d5, ok5 := digit5[t]
	d6, ok6 := digit6[o]
	if !ok5 || !ok6 {
		return fail(fmt.Errorf("entity type %v, office %v", t, o))
	}
	if serial < 0 || serial > 99999 {
		return fail(fmt.Errorf("serial %d outside 0–99999", serial))
	}
	s, err := withControlDigit(fmt.Sprintf("%02d%02d%d%d%05d", y%100, int(registered.Month()), d5, d6, serial))
	if err != nil {
		return fail(err)
	}
	return BIN(s), nil
}
