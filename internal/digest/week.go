// Package digest composes the weekly digest a manager gets on Monday
// morning: what their week with the team looked like in numbers (after-hours
// messages and their trend, requests from the team and how quickly they were
// answered, what is still waiting), said in plain words, and when it is due.
//
// It is pure: it counts, decides and words things from values it is given
// (the time included) and does no I/O. The engine gathers the numbers, the
// store keeps them, and internal/nudge lays the digest out as Block Kit.
package digest

import (
	"fmt"
	"time"

	"github.com/trustnudge/trustnudge/internal/workhours"
)

// Defaults from the design.
const (
	// SendHour is when on Monday, in the manager's own time zone, the
	// weekly digest is due: 09:00.
	SendHour = 9
	// TrendWeeks is how many weeks the trend shows: the week reported on
	// and the four before it.
	TrendWeeks = 5
	// KeepWeeks is how long weekly counts are kept (DESIGN §2.5).
	KeepWeeks = 26
	// MaxSamples bounds the reply times kept per manager and week for an
	// exact median; answers beyond it are still counted.
	MaxSamples = 4000
)

// Week is a Monday-to-Sunday week in some time zone, named by the date of
// its Monday there. The zero Week is no week.
type Week struct {
	Year  int
	Month time.Month
	Day   int
}

// WeekOf returns the week that t falls in, in loc (nil means UTC).
func WeekOf(t time.Time, loc *time.Location) Week {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	back := (int(t.Weekday()) + 6) % 7 // days since Monday
	y, m, d := t.Date()
	return civil(y, m, d-back)
}

// civil normalises a date (day may be out of range) at noon UTC, where no
// clock change can move it to another day.
func civil(y int, m time.Month, d int) Week {
	y, m, d = time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Date()
	return Week{Year: y, Month: m, Day: d}
}

// IsZero reports whether w is the zero Week.
func (w Week) IsZero() bool { return w == Week{} }

// Add returns the week n weeks after w (before, for negative n).
func (w Week) Add(n int) Week { return civil(w.Year, w.Month, w.Day+7*n) }

// Start is Monday 00:00 of w in loc (nil means UTC).
func (w Week) Start(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(w.Year, w.Month, w.Day, 0, 0, 0, 0, loc)
}

// End is the start of the next week: w is [Start, End).
func (w Week) End(loc *time.Location) time.Time { return w.Add(1).Start(loc) }

// Contains reports whether t falls in w, read in loc.
func (w Week) Contains(t time.Time, loc *time.Location) bool { return WeekOf(t, loc) == w }

// Compare returns -1, 0 or +1 as w is before, equal to or after o.
func (w Week) Compare(o Week) int {
	a, b := w.days(), o.days()
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether w is an earlier week than o.
func (w Week) Before(o Week) bool { return w.Compare(o) < 0 }

// Since returns how many weeks w is after o (negative when before).
func (w Week) Since(o Week) int { return int((w.days() - o.days()) / 7) }

// days is the number of days from 1970-01-01 to w's Monday.
func (w Week) days() int64 {
	return time.Date(w.Year, w.Month, w.Day, 12, 0, 0, 0, time.UTC).Unix() / (24 * 60 * 60)
}

// String is the Monday's date, "2026-11-16": sortable, and the form the
// store keys weeks by.
func (w Week) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", w.Year, int(w.Month), w.Day)
}

// ParseWeek reads a week written by String. The date must be a Monday.
func ParseWeek(s string) (Week, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil || len(s) != len("2006-01-02") {
		return Week{}, fmt.Errorf("digest: week %q is not a date like 2026-11-16", s)
	}
	if t.Weekday() != time.Monday {
		return Week{}, fmt.Errorf("digest: week %q does not start on a Monday", s)
	}
	y, m, d := t.Date()
	return Week{Year: y, Month: m, Day: d}, nil
}

// Span names the week's days for people: "Mon 16 – Sun 22 Nov", with both
// months when it spans two ("Mon 30 Nov – Sun 6 Dec"), and both years when
// it spans two.
func (w Week) Span() string {
	mon := time.Date(w.Year, w.Month, w.Day, 12, 0, 0, 0, time.UTC)
	sun := mon.AddDate(0, 0, 6)
	switch {
	case mon.Year() != sun.Year():
		return mon.Format("Mon 2 Jan 2006") + " – " + sun.Format("Mon 2 Jan 2006")
	case mon.Month() != sun.Month():
		return mon.Format("Mon 2 Jan") + " – " + sun.Format("Mon 2 Jan")
	}
	return mon.Format("Mon 2") + " – " + sun.Format("Mon 2 Jan")
}

// Monday names the week by its Monday: "16 Nov".
func (w Week) Monday() string {
	return time.Date(w.Year, w.Month, w.Day, 12, 0, 0, 0, time.UTC).Format("2 Jan")
}

// ReportedWeek is the week a scheduled digest at now reports on: the week
// before now's week in loc, which ended at the latest on the Sunday night
// just past.
func ReportedWeek(now time.Time, loc *time.Location) Week {
	return WeekOf(now, loc).Add(-1)
}

// SendAt is when the scheduled digest about week w is first due: 09:00 on
// the Monday after it, in loc.
func (w Week) SendAt(loc *time.Location) time.Time {
	n := w.Add(1)
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(n.Year, n.Month, n.Day, SendHour, 0, 0, 0, loc)
}

// Due reports whether a manager's scheduled digest goes out at now: from
// 09:00 on Monday in their zone loc, at the first moment inside their
// working hours (so a manager who doesn't work on Mondays gets it at the
// start of their first working day that week), unless the digest about
// ReportedWeek(now, loc) was already sent (sent). A manager whose hours are
// not known (zero Hours) gets it at 09:00 on Monday. A week with no working
// time after Monday 09:00 gets no digest: the next Monday reports on the
// next week.
func Due(now time.Time, loc *time.Location, hours workhours.Hours, sent bool) bool {
	if sent {
		return false
	}
	if now.Before(ReportedWeek(now, loc).SendAt(loc)) {
		return false
	}
	return hours.IsZero() || hours.Contains(now)
}
