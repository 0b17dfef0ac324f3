package esfreg

import "time"

// Almaty is Kazakhstan's time, UTC+5 for the whole country since 1 March
// 2024. It is a fixed zone, not the tz database's Asia/Almaty, so that the
// schedule does not depend on the host's time zone files; for times before
// March 2024 it is therefore an hour behind what Almaty's clocks showed.
var Almaty = time.FixedZone("Asia/Almaty", 5*60*60)

// refreshDays are the days ESF refreshes its copy of the tax register.
var refreshDays = [7]bool{time.Monday: true, time.Wednesday: true, time.Friday: true}

// IsRefreshDay reports whether ESF refreshes the register on weekday d.
func IsRefreshDay(d time.Weekday) bool { return refreshDays[d] }

// NextRefresh returns the first refresh of the register strictly after t:
// 00:00 Almaty time on the next Monday, Wednesday or Friday. A change to
// the state register made at t is seen by ESF from then on. The result is
// in the Almaty zone.
func NextRefresh(t time.Time) time.Time {
	local := t.In(Almaty)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, Almaty)
	for i := 1; i <= 7; i++ {
		d := day.AddDate(0, 0, i)
		if refreshDays[d.Weekday()] {
			return d
		}
	}
	panic("unreachable: three refresh days a week")
}

// LastRefresh returns the latest refresh at or before t, in the Almaty zone.
func LastRefresh(t time.Time) time.Time {
	local := t.In(Almaty)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, Almaty)
	for i := 0; i < 7; i++ {
		d := day.AddDate(0, 0, -i)
		if refreshDays[d.Weekday()] {
			return d
		}
	}
	panic("unreachable: three refresh days a week")
}
