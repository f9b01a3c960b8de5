package poll

import (
	"time"

	"github.com/trustnudge/trustnudge/internal/workhours"
)

// DefaultDeadline is DefaultWorking working days of the creator's hours
// after now, at the same wall-clock time (to the minute) in the hours'
// location: Mon 10:00 → Thu 10:00 for Mon-Fri 09:00-18:00, Fri 16:00 →
// Wed 16:00. Working days are counted by moving whole days forward in the
// hours' location, skipping days with no working time (a night shift's
// morning counts for the day it falls on). The result is in now's location.
//
// Empty hours (the zero Hours) count as workhours.Default in now's
// location. The result is never more than MaxDeadline after now.
func DefaultDeadline(now time.Time, creatorHours workhours.Hours) time.Time {
	h := creatorHours
	if h.IsZero() {
		h = workhours.MustParse(workhours.Default).In(now.Location())
	}
	loc := h.Location()
	t := now.In(loc)
	y, m, d := t.Date()
	hh, mm, _ := t.Clock()
	limit := now.Add(MaxDeadline).Round(0) // no monotonic reading in a stored deadline
	days := 0
	for i := 1; i <= int(MaxDeadline/(24*time.Hour)); i++ {
		start := time.Date(y, m, d+i, 0, 0, 0, 0, loc)
		end := time.Date(y, m, d+i+1, 0, 0, 0, 0, loc)
		if h.WorkingTime(start, end) <= 0 {
			continue
		}
		if days++; days == DefaultWorking {
			due := time.Date(y, m, d+i, hh, mm, 0, 0, loc)
			if due.After(limit) { // clocks changed on the way
				due = limit
			}
			return due.In(now.Location())
		}
	}
	// Hours so sparse that the working days don't fit: the furthest allowed.
	return limit
}
