// Package detect holds trustnudge's pure detectors: functions from metadata
// and working hours to findings. It knows nothing of Slack or storage.
package detect

import (
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// Defaults from the design; all configurable.
const (
	// Grace is how far outside a member's hours a message must be to count:
	// 08:45 before a 09:00 start is not flagged.
	Grace = 30 * time.Minute
	// StartedItWindow: a manager's reply within this long after a member's
	// own out-of-hours message in the same conversation is not counted.
	StartedItWindow = 30 * time.Minute
	// SlowAfter is how many of the manager's working minutes a request may
	// wait before it is slow (one working day).
	SlowAfter = 480.0
)

// AfterHours is a manager's message that reached team members outside
// their working hours.
type AfterHours struct {
	Team    activity.TeamID
	Manager activity.UserID
	Channel activity.ChannelID
	TS      activity.TS
	At      time.Time
	// Reached is how many team members it reached out of hours (no names:
	// the nudge does not need them).
	Reached int
	// SuggestAt is the earliest instant inside all those members' hours,
	// to offer for Slack's Schedule send. Zero if none within two weeks.
	SuggestAt time.Time
	// SuggestForReachedOnly says SuggestAt is inside the hours of the
	// members reached out of hours but not of every member concerned:
	// their hours never all meet within workhours.SearchLimit.
	SuggestForReachedOnly bool
}

// Request is a team member's message waiting for the manager: it mentions
// the manager, or replies in a thread the manager started.
type Request struct {
	Team    activity.TeamID
	Manager activity.UserID
	Asker   activity.UserID
	Channel activity.ChannelID
	TS      activity.TS // the request message
	// ThreadTS is the thread the request lives in: its parent's ts for a
	// reply, or the request's own ts for a top-level mention (an answer may
	// come in its thread).
	ThreadTS activity.TS
	// TopLevel requests can also be answered by the manager's next
	// top-level message in the channel.
	TopLevel bool
	Since    time.Time
}

// Key identifies a request per manager.
func (r Request) Key() string {
	return string(r.Manager) + "/" + string(r.Channel) + "/" + string(r.TS)
}

// Slow is a request that waited too long, with its wait so far in the
// manager's working minutes.
type Slow struct {
	Request
	WaitedMinutes float64
}
