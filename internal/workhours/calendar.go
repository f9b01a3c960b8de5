package workhours

import (
	"math"
	"time"
)

// Instants are handled as Unix seconds: window boundaries fall on whole
// seconds, so comparing t.Unix() (which rounds down) with a boundary gives
// the same answer as comparing t itself.

// resolver turns wall-clock readings into instants. It remembers one
// period of constant UTC offset, so that away from clock changes the
// conversion is a subtraction; near a change it walks the zone's periods.
type resolver struct {
	loc        *time.Location
	off        int64 // UTC offset in seconds during [start, end)
	start, end int64 // Unix seconds; math.MinInt64 / math.MaxInt64 when unbounded
}

func newResolver(loc *time.Location, u int64) resolver {
	r := resolver{loc: loc, start: math.MinInt64, end: math.MaxInt64}
	if loc != time.UTC {
		r.load(u)
	}
	return r
}

// load makes the period containing instant u the remembered one.
func (r *resolver) load(u int64) {
	t := time.Unix(u, 0).In(r.loc)
	_, off := t.Zone()
	s, e := t.ZoneBounds()
	r.off = int64(off)
	r.start, r.end = math.MinInt64, math.MaxInt64
	if !s.IsZero() {
		r.start = s.Unix()
	}
	if !e.IsZero() {
		r.end = e.Unix()
	}
}

// instant returns the first instant at which the clocks read w (seconds
// since 1970-01-01 00:00 on the local clock) or, when a change skips w, the
// instant of that change: the first moment they read w or later.
func (r *resolver) instant(w int64) int64 {
	// UTC offsets are under a day, so any instant reading w lies within a
	// day of w. If the remembered period began more than a day before w and
	// still holds at w-off, no earlier period can read w.
	if u := w - r.off; r.start <= w-daySeconds && u < r.end {
		return u
	}
	r.load(w - daySeconds)
	for {
		u := w - r.off
		if u < r.start { // the previous period ended before reading w and this one starts after: skipped
			return r.start
		}
		if u < r.end {
			return u
		}
		r.load(r.end)
	}
}

// floorDiv divides rounding toward minus infinity, for instants before 1970.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// weekOf numbers the Monday-to-Sunday week holding local wall time w (in
// seconds since 1970-01-01 00:00, a Thursday). Week 0 begins on 1969-12-29.
func weekOf(w int64) int64 { return floorDiv(floorDiv(w, daySeconds)+3, 7) }

// interval returns span i of the given week as the instants [a, b). a == b
// when a clock change swallowed the whole window. Taken in order of week
// and then span, the intervals are ordered and disjoint.
func (h *Hours) interval(r *resolver, week int64, i int) (a, b int64) {
	monday := (7*week - 3) * daySeconds
	s := h.spans[i]
	return r.instant(monday + int64(s.start)*60), r.instant(monday + int64(s.end)*60)
}

func (h *Hours) resolverAt(u int64) resolver { return newResolver(h.Location(), u) }

// Contains reports whether t is inside a working window (start inclusive,
// end exclusive). It does not allocate.
func (h Hours) Contains(t time.Time) bool {
	if len(h.spans) == 0 {
		return false
	}
	u := t.Unix()
	r := h.resolverAt(u)
	week := weekOf(u + r.off)
	// Only windows of the previous week can still be open (Sunday night),
	// and the next week's only after the clocks went back over midnight.
	for w := week - 1; w <= week+1; w++ {
		for i := range h.spans {
			a, b := h.interval(&r, w, i)
			if a > u {
				return false
			}
			if u < b {
				return true
			}
		}
	}
	return false
}

// Next returns t if it is inside the hours, else the start of the next
// window, in t's location. It returns the zero Time for an empty calendar.
func (h Hours) Next(t time.Time) time.Time {
	if len(h.spans) == 0 {
		return time.Time{}
	}
	u := t.Unix()
	r := h.resolverAt(u)
	week := weekOf(u + r.off)
	for w := week - 1; w <= week+3; w++ {
		for i := range h.spans {
			switch a, b := h.interval(&r, w, i); {
			case b <= u || a == b:
			case a <= u:
				return t
			default:
				return time.Unix(a, 0).In(t.Location())
			}
		}
	}
	return time.Time{} // unreachable: some window of the next weeks exists
}

// maxDuration is how far an empty calendar is from working time.
const maxDuration = time.Duration(math.MaxInt64)

// DistanceOutside returns 0 if t is inside the hours, else how far t is
// from working time: the shorter of the time since the last window ended
// and the time until the next one starts. Detectors compare it with a
// grace period, so a message at 08:45 before a 09:00 start is not counted
// as after hours. It is also 0 at the instant a window ends (the end is
// outside, but no time has passed). An empty calendar is infinitely far
// (the largest Duration).
func (h Hours) DistanceOutside(t time.Time) time.Duration {
	if len(h.spans) == 0 {
		return maxDuration
	}
	u := t.Unix()
	r := h.resolverAt(u)
	week := weekOf(u + r.off)
	prev, havePrev := int64(0), false
	for w := week - 1; w <= week+3; w++ {
		for i := range h.spans {
			switch a, b := h.interval(&r, w, i); {
			case a == b:
			case b <= u:
				prev, havePrev = b, true
			case a <= u:
				return 0
			default:
				d := time.Unix(a, 0).Sub(t)
				if !havePrev {
					prev, havePrev = h.lastEnd(&r, week-1)
				}
				if havePrev {
					d = min(d, t.Sub(time.Unix(prev, 0)))
				}
				return d
			}
		}
	}
	return maxDuration // unreachable
}

// lastEnd returns the end of the last non-empty window anchored before
// the given week; all of those end before any instant of that week ends.
func (h *Hours) lastEnd(r *resolver, week int64) (int64, bool) {
	for w := week - 1; w >= week-3; w-- {
		for i := len(h.spans) - 1; i >= 0; i-- {
			if a, b := h.interval(r, w, i); a < b {
				return b, true
			}
		}
	}
	return 0, false
}

// WorkingTime returns how much of [from, to) falls inside the hours; 0 if
// to is not after from. It visits each window once, so a span of months
// costs a few hundred conversions, not one step per minute. Beyond the
// range of a Duration it returns the largest one.
func (h Hours) WorkingTime(from, to time.Time) time.Duration {
	if len(h.spans) == 0 || !to.After(from) {
		return 0
	}
	from, to = from.Round(0), to.Round(0) // compare wall clocks, not monotonic readings
	u := from.Unix()
	r := h.resolverAt(u)
	var total time.Duration
	for w := weekOf(u+r.off) - 1; ; w++ {
		for i := range h.spans {
			a, b := h.interval(&r, w, i)
			start, end := time.Unix(a, 0), time.Unix(b, 0)
			if !start.Before(to) {
				return total
			}
			if start.Before(from) {
				start = from
			}
			if end.After(to) {
				end = to
			}
			if end.After(start) {
				if total += end.Sub(start); total < 0 { // over 292 years of work: saturate
					return maxDuration
				}
			}
		}
	}
}

// WorkingMinutes is WorkingTime in minutes, the unit the slow-reply rule
// counts in.
func (h Hours) WorkingMinutes(from, to time.Time) float64 {
	return h.WorkingTime(from, to).Minutes()
}

// SearchLimit bounds how far ahead NextInAll looks. Calendars repeat
// weekly, so two weeks find any overlap despite clock changes.
const SearchLimit = 14 * 24 * time.Hour

// NextInAll returns the earliest instant at or after t that is inside
// every one of hs — the time to suggest for Schedule send — in t's
// location. It returns the zero Time if there is none within SearchLimit,
// and t itself when hs is empty.
func NextInAll(t time.Time, hs ...Hours) time.Time {
	limit := t.Add(SearchLimit)
	for x := t; !x.After(limit); {
		moved := false
		for _, h := range hs {
			n := h.Next(x)
			if n.IsZero() {
				return time.Time{}
			}
			if n.After(x) {
				x, moved = n, true
			}
		}
		if !moved {
			return x
		}
	}
	return time.Time{}
}
