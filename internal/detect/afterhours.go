package detect

import (
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

// Member is a team member as one manager message concerns them. The caller
// passes only members who are present in the conversation (channel members)
// or mentioned in the message, and never people who excluded themselves.
type Member struct {
	ID    activity.UserID
	Hours workhours.Hours // effective hours, zoned
	// LastOwnOutside is when this member last posted in this conversation
	// outside their own hours (zero if not known / none).
	LastOwnOutside time.Time
}

// inlineMembers is how many members CheckAfterHours handles without
// allocating; teams are small.
const inlineMembers = 16

// CheckAfterHours judges one message by an opted-in manager. It returns a
// finding when at least one member is outside their hours by more than
// Grace at o's time, not counting a member whose own out-of-hours message
// in this conversation came within StartedItWindow before (they started
// it). Bot messages, messages without an author or a readable timestamp,
// the manager themselves and members with no hours at all (zero Hours: not
// known) never count; a member listed twice counts once.
//
// SuggestAt is the next moment inside the hours of every member the
// message concerns, so that sending it then reaches nobody out of hours
// (a message reaching a Berlin member at 23:00 on Friday, with a New York
// member in the channel too, is suggested for 15:00 Monday, not 09:00,
// which is 03:00 in New York). When those hours never meet within
// workhours.SearchLimit it falls back to the next moment inside the hours
// of the members the message reached; zero if there is none either.
func CheckAfterHours(o activity.Observation, members []Member) (AfterHours, bool) {
	if o.IsBot || o.User == "" {
		return AfterHours{}, false
	}
	at := o.Time()
	if at.IsZero() {
		return AfterHours{}, false
	}
	var (
		reachedBuf, allBuf [inlineMembers]workhours.Hours
		idBuf              [inlineMembers]activity.UserID
		reached            = reachedBuf[:0] // hours of members reached out of hours
		all                = allBuf[:0]     // hours of every member concerned
		seen               = idBuf[:0]
	)
	for i := range members {
		mb := &members[i]
		if mb.ID == o.User || mb.Hours.IsZero() || contains(seen, mb.ID) {
			continue
		}
		seen = append(seen, mb.ID)
		all = append(all, mb.Hours)
		if mb.Hours.DistanceOutside(at) <= Grace || startedIt(mb.LastOwnOutside, at) {
			continue
		}
		reached = append(reached, mb.Hours)
	}
	if len(reached) == 0 {
		return AfterHours{}, false
	}
	suggest := workhours.NextInAll(at, all...)
	reachedOnly := false
	if suggest.IsZero() && len(all) > len(reached) {
		suggest = workhours.NextInAll(at, reached...)
		reachedOnly = !suggest.IsZero()
	}
	return AfterHours{
		Team:      o.Team,
		Manager:   o.User,
		Channel:   o.Channel,
		TS:        o.TS,
		At:        at,
		Reached:   len(reached),
		SuggestAt: suggest,

		SuggestForReachedOnly: reachedOnly,
	}, true
}

// startedIt reports whether a member's own out-of-hours message at last
// came at most StartedItWindow before at, so a reply at at is not counted.
func startedIt(last, at time.Time) bool {
	if last.IsZero() || last.After(at) {
		return false
	}
	return at.Sub(last) <= StartedItWindow
}

// contains is slices.Contains for the few IDs of one message; written out
// so the compiler keeps the buffer on the stack.
func contains(ids []activity.UserID, id activity.UserID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
