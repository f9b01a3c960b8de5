package detect

import (
	"cmp"
	"slices"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

// RequestFrom returns the request o makes to manager, if any: o is by a
// team member (the caller guarantees it), not a bot, not by manager, has a
// readable timestamp, and either mentions manager or is a thread reply
// whose parent manager wrote.
//
// A thread reply lives in its thread: ThreadTS = o.ThreadTS, TopLevel false
// (also for a mention inside someone else's thread). A top-level mention
// may be answered in its own thread or in the channel: ThreadTS = o.TS,
// TopLevel true.
func RequestFrom(o activity.Observation, manager activity.UserID) (Request, bool) {
	if o.IsBot || manager == "" || o.User == "" || o.User == manager {
		return Request{}, false
	}
	since := o.Time()
	if since.IsZero() {
		return Request{}, false
	}
	reply := o.IsReply()
	if !contains(o.Mentions, manager) && !(reply && o.ParentUser == manager) {
		return Request{}, false
	}
	r := Request{
		Team:     o.Team,
		Manager:  manager,
		Asker:    o.User,
		Channel:  o.Channel,
		TS:       o.TS,
		ThreadTS: o.ThreadTS,
		Since:    since,
	}
	if !reply {
		r.ThreadTS, r.TopLevel = o.TS, true
	}
	return r, true
}

// Answers reports whether the manager's message o answers r: it is by
// r.Manager (not a bot), in the same channel, strictly after the request, and in the
// request's thread — or, for a top-level request, at the top level of the
// channel.
func Answers(o activity.Observation, r Request) bool {
	if o.IsBot || o.User != r.Manager || o.Channel != r.Channel {
		return false
	}
	if at := o.Time(); at.IsZero() || !at.After(r.TS.Time()) {
		return false
	}
	if r.ThreadTS != "" && o.ThreadTS == r.ThreadTS {
		return true
	}
	return r.TopLevel && !o.IsReply()
}

// AnsweredByReaction reports whether rx is the manager reacting to r's
// message (an added reaction, not a removed one).
func AnsweredByReaction(rx activity.Reaction, r Request) bool {
	return !rx.Removed && rx.User == r.Manager && rx.Channel == r.Channel && rx.ItemTS == r.TS
}

// Waited is r's wait from r.Since to until in the manager's working minutes.
func Waited(r Request, until time.Time, managerHours workhours.Hours) float64 {
	return managerHours.WorkingMinutes(r.Since, until)
}

// Overdue returns the requests that have waited more than slowAfter of the
// manager's working minutes at now, oldest first (ties in key order, so the
// result does not depend on the order of pending). It returns nil if none.
func Overdue(pending []Request, now time.Time, managerHours workhours.Hours, slowAfter float64) []Slow {
	var out []Slow
	for _, r := range pending {
		if w := Waited(r, now, managerHours); w > slowAfter {
			out = append(out, Slow{Request: r, WaitedMinutes: w})
		}
	}
	slices.SortFunc(out, func(a, b Slow) int {
		if c := a.Since.Compare(b.Since); c != 0 {
			return c
		}
		return cmp.Compare(a.Key(), b.Key())
	})
	return out
}
