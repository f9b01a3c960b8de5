// Package workhours holds calendars of working hours: weekly windows of
// wall-clock time in a time zone, written like
// "Mon-Fri 09:00-18:00 Europe/Berlin".
//
// Detectors use them to judge whether a message reached someone outside
// their hours, to suggest a Schedule-send time inside everyone's hours, and
// to count how long a question waited in working time.
//
// A window is wall-clock time: "09:00-18:00" covers whatever the clocks in
// the zone show from 09:00 to 18:00 that day, so the day has 9 working hours
// even when the clocks change in the night before. Only a change inside a
// window makes it shorter or longer (00:00-06:00 is 5 hours on the day
// Berlin springs forward). A start or end time the clocks skip moves
// forward to the moment they jump; one they show twice is taken at its
// first occurrence. Every method answers from boundaries resolved this one
// way, so Contains, Next, DistanceOutside and WorkingTime always agree.
package workhours

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Default is the workspace default, read in each person's Slack time zone.
const Default = "Mon-Fri 09:00-18:00"

const (
	dayMinutes  = 24 * 60
	weekMinutes = 7 * dayMinutes
	daySeconds  = 24 * 60 * 60
)

// span is a stretch of working time in the week, in wall-clock minutes from
// Monday 00:00. Start is in [0, weekMinutes); end is after start and may run
// past the end of the week (Sunday night into Monday). Spans of a calendar
// are sorted, disjoint and never touch (touching windows are merged), so a
// calendar has exactly one representation and Equal can compare fields.
type span struct{ start, end int32 }

// Hours is a calendar: working windows that repeat every week, in a time
// zone. The zero value is an empty calendar with no zone. Hours is
// immutable once parsed, so copies may be shared between goroutines.
type Hours struct {
	spans []span
	loc   *time.Location // nil when the spec named no zone
}

// MustParse is Parse for specs known to be good, such as Default; it
// panics on error.
func MustParse(spec string) Hours {
	h, err := Parse(spec)
	if err != nil {
		panic("workhours: MustParse(" + quote(spec) + "): " + err.Error())
	}
	return h
}

// IsZero reports whether the calendar has no windows at all (the zero
// Hours): it is never inside and Next finds nothing.
func (h Hours) IsZero() bool { return len(h.spans) == 0 }

// HasZone reports whether the spec named a time zone. Callers without one
// should supply the person's zone with In.
func (h Hours) HasZone() bool { return h.loc != nil }

// Location returns the zone the windows are read in: the one given, or UTC
// when none was (never nil, so it can go straight to time.Time.In).
func (h Hours) Location() *time.Location {
	if h.loc == nil {
		return time.UTC
	}
	return h.loc
}

// In returns the same windows read in loc. A nil loc removes the zone.
func (h Hours) In(loc *time.Location) Hours {
	h.loc = loc
	return h
}

// Equal reports whether h and o are the same calendar: the same working
// minutes of the week (however they were written) in zones of the same name.
func (h Hours) Equal(o Hours) bool {
	if (h.loc == nil) != (o.loc == nil) || h.loc != nil && h.loc.String() != o.loc.String() {
		return false
	}
	if len(h.spans) != len(o.spans) {
		return false
	}
	for i := range h.spans {
		if h.spans[i] != o.spans[i] {
			return false
		}
	}
	return true
}

// String returns the canonical spec: days with the same windows grouped
// ("Mon-Fri 09:00-18:00, Sat 10:00-12:00"), then the zone if any. Parse
// reads it back to an Equal calendar when the zone was loaded by name. The
// zero Hours prints as "".
func (h Hours) String() string {
	// Cut spans into pieces that each start on one day and last at most 24
	// hours, the only shape the syntax has.
	type piece struct{ start, end int32 } // minutes from that day's 00:00
	var days [7][]piece
	for _, s := range h.spans {
		if s.end-s.start < dayMinutes {
			d := s.start / dayMinutes
			days[d] = append(days[d], piece{s.start - d*dayMinutes, s.end - d*dayMinutes})
			continue
		}
		for cur := s.start; cur < s.end; {
			d := cur / dayMinutes
			next := min((d+1)*dayMinutes, s.end)
			days[d%7] = append(days[d%7], piece{cur - d*dayMinutes, next - d*dayMinutes})
			cur = next
		}
	}
	// Group days whose windows read the same, in order of their first day.
	var keys []string
	masks := map[string]uint8{}
	for d, ps := range days {
		if len(ps) == 0 {
			continue
		}
		slices.SortFunc(ps, func(a, b piece) int { return cmp.Compare(a.start, b.start) })
		var b strings.Builder
		for i, p := range ps {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(clock(p.start))
			b.WriteByte('-')
			if p.end > dayMinutes {
				b.WriteString(clock(p.end - dayMinutes))
			} else {
				b.WriteString(clock(p.end))
			}
		}
		k := b.String()
		if _, ok := masks[k]; !ok {
			keys = append(keys, k)
		}
		masks[k] |= 1 << d
	}
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(formatDays(masks[k]))
		b.WriteByte(' ')
		b.WriteString(k)
	}
	if h.loc != nil {
		b.WriteByte(' ')
		b.WriteString(h.loc.String())
	}
	return b.String()
}

// MarshalText writes the canonical spec, so Hours can be stored and read
// from configuration as text.
func (h Hours) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText parses a spec, as Parse does.
func (h *Hours) UnmarshalText(text []byte) error {
	v, err := Parse(string(text))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// clock formats minutes from midnight as HH:MM; 1440 is "24:00".
func clock(m int32) string {
	return string([]byte{byte('0' + m/600), byte('0' + m/60%10), ':', byte('0' + m%60/10), byte('0' + m%10)})
}

// formatDays writes a set of weekdays (bit 0 = Monday) as runs: "Mon-Fri",
// "Sat,Sun", "Mon,Wed,Fri", and "Sun-Thu" for a run that wraps the week.
func formatDays(mask uint8) string {
	if mask == 0x7f {
		return "Mon-Sun"
	}
	first := 0
	if mask&1 != 0 { // a run through Monday may start on Sunday or earlier
		for mask&(1<<((first+6)%7)) != 0 {
			first = (first + 6) % 7
		}
	}
	var b strings.Builder
	for i := 0; i < 7; {
		d := (first + i) % 7
		if mask&(1<<d) == 0 {
			i++
			continue
		}
		n := 1
		for i+n < 7 && mask&(1<<((d+n)%7)) != 0 {
			n++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(dayNames[d])
		switch {
		case n == 2:
			b.WriteByte(',')
			b.WriteString(dayNames[(d+1)%7])
		case n > 2:
			b.WriteByte('-')
			b.WriteString(dayNames[(d+n-1)%7])
		}
		i += n
	}
	return b.String()
}
