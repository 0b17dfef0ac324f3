package esfreg_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/esfkit/esf/esfreg"
)

func almaty(y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, esfreg.Almaty)
}

// TestRule_RegisterRefreshedMondayWednesdayFriday: "it is refreshed every
// Monday, Wednesday and Friday. A change made in the state register is
// seen by ESF only after the next refresh" — at 00:00 Almaty (UTC+5),
// which is 19:00 UTC the evening before.
func TestRule_RegisterRefreshedMondayWednesdayFriday(t *testing.T) {
	mon := almaty(2026, time.November, 16, 0, 0, 0) // Monday
	wed := almaty(2026, time.November, 18, 0, 0, 0)
	fri := almaty(2026, time.November, 20, 0, 0, 0)
	nextMon := almaty(2026, time.November, 23, 0, 0, 0)
	for _, tc := range []struct {
		name string
		at   time.Time
		next time.Time
	}{
		{"Sunday 23:59:59 Almaty → Monday 00:00", almaty(2026, time.November, 15, 23, 59, 59), mon},
		{"Sunday 23:59 Almaty given in UTC (18:59 UTC)", time.Date(2026, 11, 15, 18, 59, 0, 0, time.UTC), mon},
		{"Monday 00:00 Almaty exactly → Wednesday", mon, wed},
		{"Monday 00:00 Almaty given in UTC (Sunday 19:00 UTC) → Wednesday", time.Date(2026, 11, 15, 19, 0, 0, 0, time.UTC), wed},
		{"Sunday 20:00 UTC is already Monday in Almaty → Wednesday", time.Date(2026, 11, 15, 20, 0, 0, 0, time.UTC), wed},
		{"Monday 23:59 UTC is Tuesday 04:59 Almaty → Wednesday", time.Date(2026, 11, 16, 23, 59, 0, 0, time.UTC), wed},
		{"Tuesday 18:59:59 UTC → Wednesday 00:00 Almaty (Tuesday 19:00 UTC)", time.Date(2026, 11, 17, 18, 59, 59, 0, time.UTC), wed},
		{"Wednesday 12:00 → Friday", almaty(2026, time.November, 18, 12, 0, 0), fri},
		{"Thursday 23:59 → Friday", almaty(2026, time.November, 19, 23, 59, 0), fri},
		{"Friday 00:00:01 → next Monday, over the weekend", almaty(2026, time.November, 20, 0, 0, 1), nextMon},
		{"Saturday → Monday", almaty(2026, time.November, 21, 9, 0, 0), nextMon},
		{"over a month and year end", almaty(2026, time.December, 31, 12, 0, 0), almaty(2027, time.January, 1, 0, 0, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := esfreg.NextRefresh(tc.at)
			assert.True(t, got.Equal(tc.next), "got %s", got)
			assert.Equal(t, esfreg.Almaty, got.Location())
			assert.True(t, got.After(tc.at))
			assert.True(t, esfreg.IsRefreshDay(got.Weekday()))
			// Nothing refreshes in between.
			last := esfreg.LastRefresh(got.Add(-time.Nanosecond))
			assert.False(t, last.After(tc.at), "a refresh at %s between", last)
		})
	}
	// 2027-01-01 is a Friday.
	assert.Equal(t, time.Friday, almaty(2027, time.January, 1, 0, 0, 0).Weekday())
}

func TestLastRefresh(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   time.Time
		last time.Time
	}{
		{"Monday 00:00 is itself", almaty(2026, time.November, 16, 0, 0, 0), almaty(2026, time.November, 16, 0, 0, 0)},
		{"Sunday 23:59 → Friday", almaty(2026, time.November, 15, 23, 59, 0), almaty(2026, time.November, 13, 0, 0, 0)},
		{"Sunday 19:00 UTC = Monday 00:00 Almaty", time.Date(2026, 11, 15, 19, 0, 0, 0, time.UTC), almaty(2026, time.November, 16, 0, 0, 0)},
		{"Tuesday → Monday", almaty(2026, time.November, 17, 15, 0, 0), almaty(2026, time.November, 16, 0, 0, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.True(t, esfreg.LastRefresh(tc.at).Equal(tc.last))
		})
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		assert.Equal(t, d == time.Monday || d == time.Wednesday || d == time.Friday, esfreg.IsRefreshDay(d), d)
	}
}

func TestTaxpayerAt_FoldsChangesByEffectiveTime(t *testing.T) {
	old := company(binCompany, iinHead)
	changed := company(binCompany, iinNewHead)
	mon10 := almaty(2026, time.November, 16, 10, 0, 0)
	changes := []esfreg.Change{
		esfreg.PublishedChange(old, mon10.Add(-time.Hour)),
		esfreg.StagedChange(changed, mon10), // effective Wednesday 00:00
	}
	require.True(t, changes[1].EffectiveAt.Equal(almaty(2026, time.November, 18, 0, 0, 0)))

	got, ok := esfreg.TaxpayerAt(changes, mon10)
	require.True(t, ok)
	assert.Equal(t, iinHead, got.EnterpriseAdministrator, "staged, not yet refreshed")
	got, _ = esfreg.TaxpayerAt(changes, almaty(2026, time.November, 17, 23, 59, 59))
	assert.Equal(t, iinHead, got.EnterpriseAdministrator, "Tuesday 23:59:59")
	got, _ = esfreg.TaxpayerAt(changes, almaty(2026, time.November, 18, 0, 0, 0))
	assert.Equal(t, iinNewHead, got.EnterpriseAdministrator, "Wednesday 00:00")

	_, ok = esfreg.TaxpayerAt(changes, mon10.Add(-2*time.Hour))
	assert.False(t, ok, "before the first publication")

	// A published change made after a staged one but effective earlier
	// loses to it once the staged one takes effect.
	pub := company(binCompany, iinPerson)
	changes = append(changes, esfreg.PublishedChange(pub, mon10.Add(time.Hour)))
	got, _ = esfreg.TaxpayerAt(changes, mon10.Add(2*time.Hour))
	assert.Equal(t, iinPerson, got.EnterpriseAdministrator)
	got, _ = esfreg.TaxpayerAt(changes, almaty(2026, time.November, 18, 0, 0, 0))
	assert.Equal(t, iinNewHead, got.EnterpriseAdministrator)

	// A removal hides the record from its refresh on.
	rm := esfreg.StagedChange(esfreg.Taxpayer{TIN: binCompany}, almaty(2026, time.November, 18, 9, 0, 0))
	rm.Removed = true
	changes = append(changes, rm)
	_, ok = esfreg.TaxpayerAt(changes, almaty(2026, time.November, 19, 0, 0, 0))
	assert.True(t, ok)
	_, ok = esfreg.TaxpayerAt(changes, almaty(2026, time.November, 20, 0, 0, 0))
	assert.False(t, ok)
}

// TestRule_RegisterChangesSeenAfterNextRefresh runs the same rule through
// the Service and its store, with the clock moving across UTC midnight.
func TestRule_RegisterChangesSeenAfterNextRefresh(t *testing.T) {
	f := newFixture(t)
	f.clock.Set(almaty(2026, time.November, 15, 23, 0, 0)) // Sunday 23:00 Almaty = 18:00 UTC
	ch, err := f.svc.StageTaxpayer(ctx, entrepreneur(iinEntrepreneur))
	require.NoError(t, err)
	assert.True(t, ch.EffectiveAt.Equal(almaty(2026, time.November, 16, 0, 0, 0)))

	_, err = f.svc.Taxpayer(ctx, iinEntrepreneur)
	requireCode(t, err, esfreg.CodeTaxpayerNotFound, "")
	pending, err := f.svc.PendingChanges(ctx)
	require.NoError(t, err)
	require.Len(t, pending, 1)

	f.clock.Set(time.Date(2026, 11, 15, 18, 59, 59, 0, time.UTC)) // Sunday 23:59:59 Almaty
	_, err = f.svc.Taxpayer(ctx, iinEntrepreneur)
	requireCode(t, err, esfreg.CodeTaxpayerNotFound, "")

	f.clock.Set(time.Date(2026, 11, 15, 19, 0, 0, 0, time.UTC)) // Monday 00:00 Almaty, still Sunday in UTC
	tp, err := f.svc.Taxpayer(ctx, iinEntrepreneur)
	require.NoError(t, err)
	assert.True(t, tp.IsEntrepreneur())
	pending, err = f.svc.PendingChanges(ctx)
	require.NoError(t, err)
	assert.Empty(t, pending)

	// A removal staged on Monday is seen on Wednesday.
	f.clock.Set(almaty(2026, time.November, 16, 9, 0, 0))
	_, err = f.svc.RemoveTaxpayer(ctx, iinEntrepreneur)
	require.NoError(t, err)
	f.clock.Set(almaty(2026, time.November, 17, 23, 59, 0))
	_, err = f.svc.Taxpayer(ctx, iinEntrepreneur)
	require.NoError(t, err)
	f.clock.Set(almaty(2026, time.November, 18, 0, 0, 0))
	_, err = f.svc.Taxpayer(ctx, iinEntrepreneur)
	requireCode(t, err, esfreg.CodeTaxpayerNotFound, "")
}

func TestStageTaxpayer_ChecksTheRecord(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name  string
		tp    esfreg.Taxpayer
		field string
		code  esfreg.Code
	}{
		{"legal entity with a bad BIN", company("100440123457", iinHead), "tin", esfreg.CodeBINNotValid},
		{"entrepreneur with a bad IIN", esfreg.Taxpayer{TIN: "850314312345", Type: esfreg.EnterpriseIndividualEntrepreneur}, "tin", esfreg.CodeIINNotValid},
		{"bad head IIN", company(binCompany, "123"), "enterpriseAdministrator", esfreg.CodeIINNotValid},
		{"untyped garbage", esfreg.Taxpayer{TIN: "x"}, "tin", esfreg.CodeBINNotValid},
		{"test BIN without the option", company(esfreg.TestBIN, esfreg.TestIIN), "tin", esfreg.CodeBINNotValid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.StageTaxpayer(ctx, tc.tp)
			requireCode(t, err, tc.code, tc.field)
		})
	}
	lenient := esfreg.New(esfreg.Config{AllowTestIdentities: true, Now: f.clock.Now})
	_, err := lenient.PublishTaxpayer(ctx, company(esfreg.TestBIN, esfreg.TestIIN))
	require.NoError(t, err)
	tp, err := lenient.Taxpayer(ctx, esfreg.TestBIN)
	require.NoError(t, err)
	assert.Equal(t, `ТОО "КОМПАНИЯ 9021"`, tp.Name())
	assert.Equal(t, "ОМАРОВ ДАУЛЕТ КАЙРАТОВИЧ", esfreg.Taxpayer{LastNameRu: "ОМАРОВ", FirstNameRu: "ДАУЛЕТ", MiddleNameRu: "КАЙРАТОВИЧ"}.Name())
}
