package esfreg_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
)

func TestParseBIN_KnownValid(t *testing.T) {
	for _, s := range []string{binCompany, binOther, "040240042425"} {
		t.Run(s, func(t *testing.T) {
			b, err := esfreg.ParseBIN(s)
			require.NoError(t, err)
			assert.Equal(t, s, b.String())
		})
	}
}

func TestParseBIN_KnownInvalid(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"eleven digits", "10044012345"},
		{"letters", "BIN100440123"},
		{"wrong check digit", "100440123457"},
		{"test BIN without the option", esfreg.TestBIN},
		{"never issued", "100440000580"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := esfreg.ParseBIN(tc.in)
			requireCode(t, err, esfreg.CodeBINNotValid, esfreg.FieldBIN)
		})
	}
}

func TestParseBIN_TestIdentityOnlyWithOption(t *testing.T) {
	lenient := esfreg.IDOptions{AllowTestIdentities: true}
	b, err := lenient.ParseBIN(esfreg.TestBIN)
	require.NoError(t, err)
	assert.Equal(t, esfreg.TestBIN, b.String())
	_, err = lenient.ParseBIN(esfreg.TestIIN) // an IIN, not a BIN
	requireCode(t, err, esfreg.CodeBINNotValid, "")
	d, ok := esfreg.ControlDigit(esfreg.TestBIN)
	require.True(t, ok)
	assert.Equal(t, 5, d, "esf-api.md §4: the test BIN's check digit would be 5")
}

func TestBINInfo_Lenient(t *testing.T) {
	month := func(y, m int) time.Time { return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name string
		in   esfreg.BIN
		want esfreg.BINInfo
	}{
		{"resident head office 2010-04", binCompany, esfreg.BINInfo{Registered: month(2010, 4), EntityType: esfreg.EntityResident, Office: esfreg.OfficeHead}},
		{"non-resident branch 1997-02", "970251000001", esfreg.BINInfo{Registered: month(1997, 2), EntityType: esfreg.EntityNonResident, Office: esfreg.OfficeBranch}},
		{"joint entrepreneurship, representative", "050362000001", esfreg.BINInfo{Registered: month(2005, 3), EntityType: esfreg.EntityJointEntrepreneurship, Office: esfreg.OfficeRepresentative}},
		{"peasant farm digit", "050343000001", esfreg.BINInfo{Registered: month(2005, 3), EntityType: esfreg.EntityResident, Office: esfreg.OfficePeasantFarm}},
		{"the test BIN: month 34, type 5, office 6", esfreg.TestBIN, esfreg.BINInfo{EntityType: esfreg.EntityNonResident}},
		{"an IIN read as a BIN: a date, no type, no office", iinHead, esfreg.BINInfo{Registered: month(2085, 3)}},
		{"not twelve digits", "12", esfreg.BINInfo{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.in.Info())
		})
	}
	for v, s := range map[interface{ String() string }]string{
		esfreg.EntityResident: "resident", esfreg.EntityNonResident: "non-resident",
		esfreg.EntityJointEntrepreneurship: "joint-entrepreneurship", esfreg.EntityUnknown: "unknown",
		esfreg.OfficeHead: "head", esfreg.OfficeBranch: "branch", esfreg.OfficeRepresentative: "representative",
		esfreg.OfficePeasantFarm: "peasant-farm", esfreg.OfficeUnknown: "unknown",
	} {
		assert.Equal(t, s, v.String())
	}
}

func TestNewBIN(t *testing.T) {
	b, err := esfreg.NewBIN(time.Date(2010, 4, 1, 0, 0, 0, 0, time.UTC), esfreg.EntityResident, esfreg.OfficeHead, 12345)
	require.NoError(t, err)
	assert.Equal(t, esfreg.BIN(binCompany), b)
	for _, tc := range []struct {
		name   string
		at     time.Time
		typ    esfreg.EntityType
		office esfreg.Office
		serial int
	}{
		{"1989", time.Date(1989, 1, 1, 0, 0, 0, 0, time.UTC), esfreg.EntityResident, esfreg.OfficeHead, 1},
		{"unknown type", time.Date(2010, 4, 1, 0, 0, 0, 0, time.UTC), esfreg.EntityUnknown, esfreg.OfficeHead, 1},
		{"unknown office", time.Date(2010, 4, 1, 0, 0, 0, 0, time.UTC), esfreg.EntityResident, esfreg.OfficeUnknown, 1},
		{"serial too big", time.Date(2010, 4, 1, 0, 0, 0, 0, time.UTC), esfreg.EntityResident, esfreg.OfficeHead, 100000},
		{"never issued", time.Date(2010, 4, 1, 0, 0, 0, 0, time.UTC), esfreg.EntityResident, esfreg.OfficeHead, 58},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := esfreg.NewBIN(tc.at, tc.typ, tc.office, tc.serial)
			requireCode(t, err, esfreg.CodeBINNotValid, "")
		})
	}
}

func randomBIN(t *testing.T, r *rand.Rand) esfreg.BIN {
	t.Helper()
	types := []esfreg.EntityType{esfreg.EntityResident, esfreg.EntityNonResident, esfreg.EntityJointEntrepreneurship}
	offices := []esfreg.Office{esfreg.OfficeHead, esfreg.OfficeBranch, esfreg.OfficeRepresentative}
	for {
		at := time.Date(1990+r.IntN(100), time.Month(1+r.IntN(12)), 1, 0, 0, 0, 0, time.UTC)
		typ, office := types[r.IntN(3)], offices[r.IntN(3)]
		b, err := esfreg.NewBIN(at, typ, office, r.IntN(100000))
		if err == nil {
			require.Equal(t, esfreg.BINInfo{Registered: at, EntityType: typ, Office: office}, b.Info(), b)
			return b
		}
	}
}

func TestProperty_BIN_EveryGeneratedValidNumberPasses(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		b := randomBIN(t, r)
		got, err := esfreg.ParseBIN(string(b))
		require.NoError(t, err, b)
		require.Equal(t, b, got)
	}
}

// TestProperty_BIN_EverySingleDigitChangeFails is the IIN property (see
// TestProperty_IIN_EverySingleDigitChangeFails) for BINs: the same check
// digit, so the same exception for the 11th digit.
func TestProperty_BIN_EverySingleDigitChangeFails(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	firstPass := func(s string) int {
		sum := 0
		for i := range 11 {
			sum += int(s[i]-'0') * (i + 1)
		}
		return sum % 11
	}
	for range 3000 {
		n := string(randomBIN(t, r))
		for pos := range 12 {
			for v := byte('0'); v <= '9'; v++ {
				if n[pos] == v {
					continue
				}
				m := n[:pos] + string(v) + n[pos+1:]
				_, err := esfreg.ParseBIN(m)
				switch {
				case pos == 11:
					require.Error(t, err, "check digit changed: %s → %s", n, m)
				case pos < 10 && firstPass(n) != 10 && firstPass(m) != 10:
					require.Error(t, err, "digit %d changed: %s → %s", pos+1, n, m)
				}
			}
		}
	}
}

func FuzzParseBIN(f *testing.F) {
	for _, s := range []string{binCompany, esfreg.TestBIN, "", "10044012345", "100440000580", "BIN100440123456"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, allowTest bool) {
		b, err := esfreg.IDOptions{AllowTestIdentities: allowTest}.ParseBIN(s)
		if err != nil {
			var e *esfreg.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, esfreg.CodeBINNotValid, e.Code)
			return
		}
		require.Equal(t, s, string(b))
		if !(allowTest && s == esfreg.TestBIN) {
			d, ok := esfreg.ControlDigit(s)
			require.True(t, ok)
			require.Equal(t, byte('0'+d), s[11])
		}
		b.Info()
	})
}
