// Package poll is the team norms poll: a manager asks the team, anonymously,
// when work messages are welcome; the adopted answer becomes the team's
// hours for the detectors. It is pure: options, validation, votes, tally,
// quorum, close and adopt.
package poll

import (
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// Limits from Slack and the design.
const (
	MinOptions     = 2
	MaxOptions     = 6
	MaxLabel       = 75 // Slack's button text limit
	MaxDeadline    = 30 * 24 * time.Hour
	DefaultQuorum  = 3
	DefaultWorking = 3 // deadline default, in the creator's working days
)

// Option is one answer. Hours is a workhours spec when the option describes
// messaging hours; empty for options about reply expectations.
type Option struct {
	Label string
	Hours string
}

// Poll is one norms poll in one channel.
type Poll struct {
	ID        string
	Team      activity.TeamID
	Creator   activity.UserID
	Channel   activity.ChannelID
	Question  string
	Options   []Option
	Created   time.Time
	Deadline  time.Time
	Live      bool        // show counts per option while open
	MessageTS activity.TS // the poll message in the channel
	Reminded  bool        // the halfway reminder went out
	Closed    time.Time   // zero while open
	ClosedBy  activity.UserID
	Adopted   int // index of the adopted option, -1 if none
}

// Open reports whether the poll still takes votes at now.
func (p Poll) Open(now time.Time) bool { return p.Closed.IsZero() && now.Before(p.Deadline) }

// Halfway is when the reminder is due.
func (p Poll) Halfway() time.Time { return p.Created.Add(p.Deadline.Sub(p.Created) / 2) }

// Vote is one anonymous vote: Voter is a keyed hash of the voter, never a
// user ID, so a vote can be changed but not traced.
type Vote struct {
	Poll   string
	Voter  string // hex HMAC of (poll ID, user ID) with the workspace secret
	Option int
	At     time.Time
}
