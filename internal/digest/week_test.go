package digest

import (
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/puretest"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestWeekOf_IsTheMondayInTheZone(t *testing.T) {
	berlin, ny, kolkata := zone(t, "Europe/Berlin"), zone(t, "America/New_York"), zone(t, "Asia/Kolkata")
	tests := []struct {
		name string
		t    time.Time
		loc  *time.Location
		want string
	}{
		{"Monday 00:00", time.Date(2026, 11, 16, 0, 0, 0, 0, berlin), berlin, "2026-11-16"},
		{"Sunday 23:59", time.Date(2026, 11, 22, 23, 59, 0, 0, berlin), berlin, "2026-11-16"},
		{"same instant, a zone where it is Monday already", time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC), kolkata, "2026-11-23"},
		{"same instant, a zone where it is still Sunday", time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC), ny, "2026-11-16"},
		{"across a month", time.Date(2026, 12, 3, 12, 0, 0, 0, berlin), berlin, "2026-11-30"},
		{"across a year", time.Date(2027, 1, 2, 12, 0, 0, 0, berlin), berlin, "2026-12-28"},
		{"Berlin's spring-forward Sunday", time.Date(2026, 3, 29, 23, 30, 0, 0, berlin), berlin, "2026-03-23"},
		{"New York's fall-back Sunday", time.Date(2026, 11, 1, 23, 30, 0, 0, ny), ny, "2026-10-26"},
		{"nil zone is UTC", time.Date(2026, 11, 23, 0, 30, 0, 0, berlin), nil, "2026-11-16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WeekOf(tt.t, tt.loc).String(); got != tt.want {
				t.Errorf("WeekOf(%v, %v) = %s; want %s", tt.t, tt.loc, got, tt.want)
			}
		})
	}
}

func TestWeek_StartEndAndArithmetic(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	w := Week{2026, time.March, 23}
	if got, want := w.End(berlin).Sub(w.Start(berlin)), 167*time.Hour; got != want {
		t.Errorf("the week Berlin springs forward lasts %v; want %v", got, want)
	}
	if got := w.Add(1).String(); got != "2026-03-30" {
		t.Errorf("Add(1) = %s", got)
	}
	if got := w.Add(-13).String(); got != "2025-12-22" {
		t.Errorf("Add(-13) = %s", got)
	}
	if got := w.Add(5).Since(w); got != 5 {
		t.Errorf("Since = %d; want 5", got)
	}
	if !w.Before(w.Add(1)) || w.Add(1).Before(w) || w.Compare(w) != 0 {
		t.Error("Before/Compare disagree with Add")
	}
	if !w.Contains(time.Date(2026, 3, 29, 23, 59, 0, 0, berlin), berlin) || w.Contains(w.End(berlin), berlin) {
		t.Error("Contains is not [Start, End)")
	}
	if got, want := w.SendAt(berlin), time.Date(2026, 3, 30, 9, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("SendAt = %v; want %v", got, want)
	}
}

func TestWeek_SpanAndParse(t *testing.T) {
	for _, tt := range []struct {
		w    Week
		span string
	}{
		{Week{2026, time.November, 16}, "Mon 16 – Sun 22 Nov"},
		{Week{2026, time.November, 30}, "Mon 30 Nov – Sun 6 Dec"},
		{Week{2026, time.December, 28}, "Mon 28 Dec 2026 – Sun 3 Jan 2027"},
	} {
		if got := tt.w.Span(); got != tt.span {
			t.Errorf("%s.Span() = %q; want %q", tt.w, got, tt.span)
		}
		back, err := ParseWeek(tt.w.String())
		if err != nil || back != tt.w {
			t.Errorf("ParseWeek(%q) = %v, %v", tt.w.String(), back, err)
		}
	}
	for _, bad := range []string{"", "2026-11-17", "2026-11-1", "16/11/2026", "2026-13-02"} {
		if _, err := ParseWeek(bad); err == nil {
			t.Errorf("ParseWeek(%q) accepted", bad)
		}
	}
}

func TestDue(t *testing.T) {
	berlin, kolkata, ny := zone(t, "Europe/Berlin"), zone(t, "Asia/Kolkata"), zone(t, "America/New_York")
	weekdays := workhours.MustParse("Mon-Fri 09:00-18:00")
	noMonday := workhours.MustParse("Tue-Fri 10:00-18:00")
	tests := []struct {
		name  string
		now   time.Time
		loc   *time.Location
		hours workhours.Hours
		sent  bool
		want  bool
		week  string // ReportedWeek
	}{
		{"Monday 08:59", time.Date(2026, 11, 23, 8, 59, 0, 0, berlin), berlin, weekdays.In(berlin), false, false, "2026-11-16"},
		{"Monday 09:00", time.Date(2026, 11, 23, 9, 0, 0, 0, berlin), berlin, weekdays.In(berlin), false, true, "2026-11-16"},
		{"Monday 09:15, already sent", time.Date(2026, 11, 23, 9, 15, 0, 0, berlin), berlin, weekdays.In(berlin), true, false, "2026-11-16"},
		{"Monday 19:00, outside hours", time.Date(2026, 11, 23, 19, 0, 0, 0, berlin), berlin, weekdays.In(berlin), false, false, "2026-11-16"},
		{"Tuesday 09:00 catches up", time.Date(2026, 11, 24, 9, 0, 0, 0, berlin), berlin, weekdays.In(berlin), false, true, "2026-11-16"},
		{"Sunday before, inside no hours", time.Date(2026, 11, 22, 12, 0, 0, 0, berlin), berlin, weekdays.In(berlin), false, false, "2026-11-09"},
		{"hours exclude Monday: Monday 09:00", time.Date(2026, 11, 23, 9, 0, 0, 0, berlin), berlin, noMonday.In(berlin), false, false, "2026-11-16"},
		{"hours exclude Monday: Tuesday 09:59", time.Date(2026, 11, 24, 9, 59, 0, 0, berlin), berlin, noMonday.In(berlin), false, false, "2026-11-16"},
		{"hours exclude Monday: Tuesday 10:00", time.Date(2026, 11, 24, 10, 0, 0, 0, berlin), berlin, noMonday.In(berlin), false, true, "2026-11-16"},
		{"starts at 08:00 but waits for 09:00", time.Date(2026, 11, 23, 8, 30, 0, 0, berlin), berlin, workhours.MustParse("Mon-Fri 08:00-16:00").In(berlin), false, false, "2026-11-16"},
		{"unknown hours: Monday 09:00", time.Date(2026, 11, 23, 9, 0, 0, 0, berlin), berlin, workhours.Hours{}, false, true, "2026-11-16"},
		{"+05:30: Monday 08:59 IST", time.Date(2026, 11, 23, 3, 29, 0, 0, time.UTC), kolkata, weekdays.In(kolkata), false, false, "2026-11-16"},
		{"+05:30: Monday 09:00 IST is 03:30 UTC", time.Date(2026, 11, 23, 3, 30, 0, 0, time.UTC), kolkata, weekdays.In(kolkata), false, true, "2026-11-16"},
		{"+05:45: Monday 09:00 in Kathmandu is 03:15 UTC", time.Date(2026, 11, 23, 3, 15, 0, 0, time.UTC), zone(t, "Asia/Kathmandu"), weekdays.In(zone(t, "Asia/Kathmandu")), false, true, "2026-11-16"},
		{"Berlin's Monday after springing forward, 08:59 CEST", time.Date(2026, 3, 30, 6, 59, 0, 0, time.UTC), berlin, weekdays.In(berlin), false, false, "2026-03-23"},
		{"Berlin's Monday after springing forward, 09:00 CEST", time.Date(2026, 3, 30, 7, 0, 0, 0, time.UTC), berlin, weekdays.In(berlin), false, true, "2026-03-23"},
		{"New York's Monday after falling back, 08:59 EST", time.Date(2026, 11, 2, 13, 59, 0, 0, time.UTC), ny, weekdays.In(ny), false, false, "2026-10-26"},
		{"New York's Monday after falling back, 09:00 EST", time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC), ny, weekdays.In(ny), false, true, "2026-10-26"},
		{"hours in another zone than the manager", time.Date(2026, 11, 23, 9, 0, 0, 0, berlin), berlin, weekdays.In(ny), false, false, "2026-11-16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Due(tt.now, tt.loc, tt.hours, tt.sent); got != tt.want {
				t.Errorf("Due(%v in %v) = %v; want %v", tt.now, tt.loc, got, tt.want)
			}
			if got := ReportedWeek(tt.now, tt.loc).String(); got != tt.week {
				t.Errorf("ReportedWeek = %s; want %s", got, tt.week)
			}
		})
	}
}

// TestPure keeps the package pure: no adapter, no I/O, no clock.
func TestPure(t *testing.T) {
	puretest.Check(t, "github.com/trustnudge/trustnudge/internal/workhours")
}
