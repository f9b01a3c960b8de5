package poll

import (
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/workhours"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// at reads "2006-01-02 15:04" as a wall time in loc.
func at(loc *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDefaultDeadline(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	tokyo := mustZone(t, "Asia/Tokyo")
	la := mustZone(t, "America/Los_Angeles")
	utc := time.UTC
	tests := []struct {
		name  string
		now   time.Time
		hours workhours.Hours
		want  time.Time
	}{
		{"Monday to Thursday", at(utc, "2025-06-02 10:00"), workhours.MustParse("Mon-Fri 09:00-18:00"), at(utc, "2025-06-05 10:00")},
		{"Friday across the weekend", at(utc, "2025-06-06 16:00"), workhours.MustParse("Mon-Fri 09:00-18:00"), at(utc, "2025-06-11 16:00")},
		{"Saturday counts from Monday", at(utc, "2025-06-07 12:00"), workhours.MustParse("Mon-Fri 09:00-18:00"), at(utc, "2025-06-11 12:00")},
		{"evening after hours keeps its wall clock", at(utc, "2025-06-03 22:15"), workhours.MustParse("Mon-Fri 09:00-18:00"), at(utc, "2025-06-06 22:15")},
		{"to the minute", at(utc, "2025-06-02 10:00").Add(45*time.Second + 500*time.Millisecond), workhours.MustParse("Mon-Fri 09:00-18:00"), at(utc, "2025-06-05 10:00")},
		{"counted in the hours' zone: Friday in UTC is Saturday in Tokyo",
			at(utc, "2025-06-06 16:00"), workhours.MustParse("Mon-Fri 09:00-18:00 Asia/Tokyo"), at(tokyo, "2025-06-11 01:00").In(utc)},
		{"hours given a zone with In, now in another",
			at(utc, "2025-06-06 23:30"), workhours.MustParse("Mon-Fri 09:00-18:00").In(la), at(la, "2025-06-11 16:30").In(utc)},
		{"same wall clock across a clock change", at(berlin, "2025-03-28 10:00"), workhours.MustParse("Mon-Fri 09:00-18:00 Europe/Berlin"), at(berlin, "2025-04-02 10:00")},
		{"a four-day week", at(utc, "2025-06-05 09:00"), workhours.MustParse("Mon-Thu 08:00-18:00"), at(utc, "2025-06-11 09:00")},
		{"a night shift's morning counts for its day", at(utc, "2025-06-05 10:00"), workhours.MustParse("Sun-Thu 22:00-06:00"), at(utc, "2025-06-09 10:00")},
		{"sparse hours: one day a week", at(utc, "2025-06-02 10:00"), workhours.MustParse("Sat 10:00-12:00"), at(utc, "2025-06-21 10:00")},
		{"a window the clocks skip is not a working day", at(berlin, "2025-03-29 12:00"), workhours.MustParse("Sun 02:00-02:30 Europe/Berlin"), at(berlin, "2025-04-20 12:00")},
		{"no hours count as the default in now's zone", at(berlin, "2025-06-06 16:00"), workhours.Hours{}, at(berlin, "2025-06-11 16:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DefaultDeadline(tt.now, tt.hours)
			if !got.Equal(tt.want) {
				t.Errorf("DefaultDeadline(%s, %q) = %s; want %s", tt.now, tt.hours, got, tt.want)
			}
			if got.Location() != tt.now.Location() {
				t.Errorf("DefaultDeadline location = %s; want now's, %s", got.Location(), tt.now.Location())
			}
			d := Draft{Question: "q", Options: DefaultOptions(), Channel: "C1", Deadline: got}
			if errs := Validate(d, tt.now); len(errs) != 0 {
				t.Errorf("the default deadline does not validate: %v", errs)
			}
		})
	}
}
