package esfreg

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// The password policy. ESF's own rules are not public (esf-api.md §3.2);
// these follow the original documents: the strength meter's labels, and a
// generated password of 10 letters and digits rated Высокий.
const (
	// MinPasswordLength is the fewest characters a password may have.
	MinPasswordLength = 8
	// MaxPasswordBytes is the longest password in UTF-8 bytes: bcrypt
	// reads no further than 72 bytes, so a longer one would not be all
	// checked.
	MaxPasswordBytes = 72
	// GeneratedPasswordLength is the length of GeneratePassword's passwords.
	GeneratedPasswordLength = 10
)

// Strength is the rating of the portal's strength meter.
type Strength int

// The ratings, weakest first.
const (
	StrengthLow    Strength = iota // Низкий
	StrengthMedium                 // Средний: the least a password needs
	StrengthHigh                   // Высокий
)

// String returns the meter's label: "Низкий", "Средний" or "Высокий".
func (s Strength) String() string {
	switch s {
	case StrengthMedium:
		return "Средний"
	case StrengthHigh:
		return "Высокий"
	}
	return "Низкий"
}

// PasswordStrength rates a password. It counts the character classes
// (lower-case letters, upper-case letters, digits, anything else) and the
// distinct characters:
//
//   - Низкий: fewer than 8 characters, one class only, or more than half
//     of the characters repeats;
//   - Высокий: otherwise, with at least 10 characters and 3 classes;
//   - Средний: the rest.
func PasswordStrength(password string) Strength {
	n := utf8.RuneCountInString(password)
	var lower, upper, digit, other bool
	distinct := map[rune]bool{}
	for _, r := range password {
		distinct[r] = true
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			classes++
		}
	}
	switch {
	case n < MinPasswordLength || classes < 2 || 2*len(distinct) < n:
		return StrengthLow
	case n >= 10 && classes >= 3:
		return StrengthHigh
	}
	return StrengthMedium
}

// CheckPassword checks a new password against the policy: present, at most
// MaxPasswordBytes, no control characters, at least MinPasswordLength
// characters, letters and digits both, not containing iin, and rated at
// least Средний. The first rule broken is an *Error with Field "password".
func CheckPassword(password, iin string) error {
	fail := func(c Code) error { return NewError(c, FieldPassword) }
	switch {
	case password == "":
		return fail(CodeFieldRequired)
	case len(password) > MaxPasswordBytes:
		return fail(CodePasswordTooLong)
	case !utf8.ValidString(password) || strings.ContainsFunc(password, unicode.IsControl):
		return fail(CodeFieldInvalid)
	case utf8.RuneCountInString(password) < MinPasswordLength:
		return fail(CodePasswordTooShort)
	case !strings.ContainsFunc(password, unicode.IsLetter) || !strings.ContainsFunc(password, unicode.IsDigit):
		return fail(CodePasswordLettersAndDigits)
	case iin != "" && strings.Contains(password, iin):
		return fail(CodePasswordContainsIIN)
	case PasswordStrength(password) < StrengthMedium:
		return fail(CodePasswordTooWeak)
	}
	return nil
}

// passwordAlphabet is what GeneratePassword draws from: Latin letters and
// digits without the look-alikes 0/O/o, 1/l/I.
const passwordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"

// GeneratePassword returns a new password of GeneratedPasswordLength
// letters and digits, rated Высокий, like the portal's "Сгенерировать
// пароль" button ("NM7senS8vH"). Characters are drawn uniformly from rand
// (nil means crypto/rand), so a fixed reader gives a fixed password.
func GeneratePassword(rnd io.Reader) (string, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	const n = byte(len(passwordAlphabet))
	const limit = 256 - 256%int(n) // bytes at or above it would bias the draw
	var buf [64]byte
	for range 100 {
		var out []byte
		for len(out) < GeneratedPasswordLength {
			if _, err := io.ReadFull(rnd, buf[:]); err != nil {
				return "", fmt.Errorf("esfreg: generate password: %w", err)
			}
			for _, b := range buf {
				if int(b) < limit && len(out) < GeneratedPasswordLength {
					out = append(out, passwordAlphabet[b%n])
				}
			}
		}
		if p := string(out); PasswordStrength(p) == StrengthHigh && CheckPassword(p, "") == nil {
			return p, nil
		}
	}
	return "", errors.New("esfreg: generate password: the random source gives no usable password")
}

// PasswordHasher turns passwords into what an account stores, and checks
// them against it. Verify returns an error matching ErrPasswordInvalid for
// a wrong password, and another error for a hash it cannot read.
type PasswordHasher interface {
	Hash(password string) (string, error)
	Verify(hash, password string) error
}

// DefaultBcryptCost is the bcrypt cost Bcrypt uses by default: bcrypt's
// own default, 2^10 rounds, tens of milliseconds per hash.
const DefaultBcryptCost = bcrypt.DefaultCost

// The bcrypt costs Bcrypt takes: 2^4 to 2^31 rounds.
const (
	MinBcryptCost = bcrypt.MinCost
	MaxBcryptCost = bcrypt.MaxCost
)

// Bcrypt is the PasswordHasher the Service uses unless told otherwise:
// bcrypt from golang.org/x/crypto at Cost (0 means DefaultBcryptCost;
// bcrypt.MinCost, 4, keeps tests fast).
//
// bcrypt draws its salt from crypto/rand itself and takes no reader, so
// Config.Rand does not reach it: hashes differ from run to run. Nothing
// compares them but Verify.
type Bcrypt struct {
	Cost int
}

// Hash returns the bcrypt hash of password, "$2a$…".
func (b Bcrypt) Hash(password string) (string, error) {
	cost := b.Cost
	if cost == 0 {
		cost = DefaultBcryptCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("esfreg: hash password: %w", err)
	}
	return string(h), nil
}

// Verify reports whether password is the one hash was made from.
func (b Bcrypt) Verify(hash, password string) error {
	if len(password) > MaxPasswordBytes {
		return ErrPasswordInvalid // no hash is made of one; bcrypt would read only 72 bytes
	}
	err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
	if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
		return ErrPasswordInvalid
	}
	if err != nil {
		return fmt.Errorf("esfreg: stored password hash: %w", err)
	}
	return nil
}

// passwordError turns a PasswordHasher.Verify error into the error for a
// form field: ErrPasswordInvalid naming the field, or the hasher's error
// as it is (a broken stored hash is not the user's fault).
func passwordError(err error, field string) error {
	if errors.Is(err, ErrPasswordInvalid) {
		return NewError(CodePasswordInvalid, field)
	}
	return err
}
