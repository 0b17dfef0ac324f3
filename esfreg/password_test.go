package esfreg_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/esfkit/esf/certs/certstest"
	"github.com/esfkit/esf/esfreg"
)

// alnum72 is 72 bytes of 62 distinct letters and digits.
const alnum72 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz01234567890123456789"

func TestCheckPassword_Policy(t *testing.T) {
	for _, tc := range []struct {
		name     string
		password string
		code     esfreg.Code // "" = accepted
	}{
		{"empty", "", esfreg.CodeFieldRequired},
		{"seven characters", "Abcde12", esfreg.CodePasswordTooShort},
		{"eight characters, letters and digits", "abcd1234", ""},
		{"eight Cyrillic and digits", "пароль12", ""},
		{"letters only", "Abcdefghij", esfreg.CodePasswordLettersAndDigits},
		{"digits only", "1234567890", esfreg.CodePasswordLettersAndDigits},
		{"symbols and letters, no digit", "Abc!defgh", esfreg.CodePasswordLettersAndDigits},
		{"contains the IIN", "x" + iinHead + "y", esfreg.CodePasswordContainsIIN},
		{"contains another IIN", "x" + iinPerson + "y", ""},
		{"repetitive: rated Низкий", "a1a1a1a1", esfreg.CodePasswordTooWeak},
		{"73 bytes", strings.Repeat("a1", 36) + "b", esfreg.CodePasswordTooLong},
		{"72 bytes", strings.Repeat("ab12", 18), esfreg.CodePasswordTooWeak}, // accepted length, but 4 distinct of 72
		{"72 bytes, varied", alnum72, ""},
		{"73 bytes, varied", alnum72 + "x", esfreg.CodePasswordTooLong},
		{"36 Cyrillic letters and digits: 72 bytes", strings.Repeat("ж", 30) + "абвгде", esfreg.CodePasswordLettersAndDigits},
		{"37 two-byte characters: 74 bytes", strings.Repeat("ж", 36) + "1", esfreg.CodePasswordTooLong},
		{"control character", "abcd\x001234", esfreg.CodeFieldInvalid},
		{"invalid UTF-8", "abcd\xff1234", esfreg.CodeFieldInvalid},
		{"ESF's sample password", "TestPass123", ""},
		{"the portal's generated one", "NM7senS8vH", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := esfreg.CheckPassword(tc.password, iinHead)
			if tc.code == "" {
				require.NoError(t, err)
				return
			}
			requireCode(t, err, tc.code, esfreg.FieldPassword)
		})
	}
}

func TestPasswordStrength(t *testing.T) {
	for _, tc := range []struct {
		password string
		want     esfreg.Strength
	}{
		{"", esfreg.StrengthLow},
		{"Ab1", esfreg.StrengthLow},
		{"abcdefgh", esfreg.StrengthLow}, // one class
		{"a1a1a1a1", esfreg.StrengthLow}, // 2 distinct of 8
		{"aaaab111", esfreg.StrengthLow}, // 3 distinct of 8
		{"abcd1234", esfreg.StrengthMedium},
		{"Abcdefg1", esfreg.StrengthMedium}, // 3 classes, but 8 characters
		{"abcdefgh12", esfreg.StrengthMedium},
		{"NM7senS8vH", esfreg.StrengthHigh},
		{"TestPass123", esfreg.StrengthHigh},
		{"пароль!2026", esfreg.StrengthHigh},
	} {
		t.Run(tc.password, func(t *testing.T) {
			assert.Equal(t, tc.want, esfreg.PasswordStrength(tc.password))
		})
	}
	assert.Equal(t, "Низкий", esfreg.StrengthLow.String())
	assert.Equal(t, "Средний", esfreg.StrengthMedium.String())
	assert.Equal(t, "Высокий", esfreg.StrengthHigh.String())
}

// TestRule_GeneratedPasswordIsTenCharactersHigh: "a "generate password"
// button that produced a 10-character mixed password" rated "Высокий".
func TestRule_GeneratedPasswordIsTenCharactersHigh(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		p, err := esfreg.GeneratePassword(nil) // crypto/rand
		require.NoError(t, err)
		require.Len(t, p, esfreg.GeneratedPasswordLength)
		require.Equal(t, esfreg.StrengthHigh, esfreg.PasswordStrength(p), p)
		require.NoError(t, esfreg.CheckPassword(p, iinHead))
		require.True(t, strings.ContainsFunc(p, unicode.IsUpper) && strings.ContainsFunc(p, unicode.IsLower) && strings.ContainsFunc(p, unicode.IsDigit), p)
		require.False(t, strings.ContainsAny(p, "0O1lI"), "no look-alikes: %s", p)
		seen[p] = true
	}
	assert.Len(t, seen, 2000)

	// The reader decides: the same reader, the same password.
	a, err := esfreg.GeneratePassword(certstest.DeterministicRand("pw"))
	require.NoError(t, err)
	b, err := esfreg.GeneratePassword(certstest.DeterministicRand("pw"))
	require.NoError(t, err)
	assert.Equal(t, a, b)

	// The Service draws from Config.Rand.
	s1 := esfreg.New(esfreg.Config{Rand: certstest.DeterministicRand("svc")})
	s2 := esfreg.New(esfreg.Config{Rand: certstest.DeterministicRand("svc")})
	p1, err := s1.GeneratePassword()
	require.NoError(t, err)
	p2, err := s2.GeneratePassword()
	require.NoError(t, err)
	assert.Equal(t, p1, p2)
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestGeneratePassword_Errors(t *testing.T) {
	_, err := esfreg.GeneratePassword(failingReader{})
	assert.ErrorContains(t, err, "no entropy")
	// A reader of only bytes the draw rejects (≥ 224) can give nothing.
	_, err = esfreg.GeneratePassword(bytes.NewReader(bytes.Repeat([]byte{0xff}, 1<<20)))
	assert.Error(t, err)
	// All zeros give "AAAAAAAAAA", never Высокий: the generator gives up.
	_, err = esfreg.GeneratePassword(zeroReader{})
	assert.ErrorContains(t, err, "no usable password")
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestRule_PasswordStoredOnlyAsHash: passwords are kept as bcrypt hashes
// and checked with Verify.
func TestRule_PasswordStoredOnlyAsHash(t *testing.T) {
	h := esfreg.Bcrypt{Cost: bcrypt.MinCost}
	hash, err := h.Hash(testPassword)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(hash, "$2a$04$"), hash)
	assert.NotContains(t, hash, testPassword)
	require.NoError(t, h.Verify(hash, testPassword))
	assert.ErrorIs(t, h.Verify(hash, "Parol2026y"), esfreg.ErrPasswordInvalid)
	assert.ErrorIs(t, h.Verify(hash, strings.Repeat("a", 100)), esfreg.ErrPasswordInvalid)

	err = h.Verify("not a hash", testPassword)
	require.Error(t, err)
	assert.NotErrorIs(t, err, esfreg.ErrPasswordInvalid, "a broken stored hash is not a wrong password")

	_, err = h.Hash(strings.Repeat("a", 73))
	assert.Error(t, err)

	def, err := esfreg.Bcrypt{}.Hash(testPassword)
	require.NoError(t, err)
	cost, err := bcrypt.Cost([]byte(def))
	require.NoError(t, err)
	assert.Equal(t, esfreg.DefaultBcryptCost, cost)

	// After a registration the store holds the hash, never the password.
	f := newFixture(t)
	f.register(esfreg.Individual, iinPerson, "")
	st := f.store.Snapshot()
	require.Len(t, st.Accounts, 1)
	assert.NoError(t, h.Verify(st.Accounts[0].PasswordHash, testPassword))
	for _, r := range st.Requests {
		assert.Empty(t, r.Form.Password)
		assert.Empty(t, r.Form.PasswordConfirmation)
	}
}

// BenchmarkBcryptDefaultCost measures the cost of one hash at
// DefaultBcryptCost, the Service's default.
func BenchmarkBcryptDefaultCost(b *testing.B) {
	h := esfreg.Bcrypt{}
	for b.Loop() {
		if _, err := h.Hash(testPassword); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBcryptDefaultCostTime(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	start := time.Now()
	_, err := esfreg.Bcrypt{}.Hash(testPassword)
	require.NoError(t, err)
	t.Logf("bcrypt cost %d: %s per hash", esfreg.DefaultBcryptCost, time.Since(start))
}
