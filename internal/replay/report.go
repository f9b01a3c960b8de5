// Package replay runs trustnudge's detectors and nudge policy over a Slack
// workspace export, on the messages' own timestamps, and reports what the
// live bot would have noticed and said. It uses the same code as the live
// bot (internal/detect, internal/policy, internal/workhours), not a copy.
package replay

import (
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// Report is what a replay found, for every manager in the team map.
type Report struct {
	Team activity.TeamID
	// From and To are the bounds asked for, [From, To); zero when none.
	From, To time.Time
	// First and Last are the times of the first and last message read.
	First, Last time.Time
	// MessagesRead counts every message object read in range, of any kind
	// (people, bots, system messages).
	MessagesRead int
	// Warnings counts problems that were skipped so the rest could be read.
	Warnings int
	// Hours is the working-hours spec everyone was judged by, each in their
	// own Slack time zone.
	Hours string
	// IncludeDMs says direct messages between two people were judged too;
	// by default they are left out, as the bot never sees them.
	IncludeDMs bool
	Managers   []ManagerReport // sorted by manager ID
}

// ManagerReport is one manager's part of a Report.
type ManagerReport struct {
	Manager activity.UserID
	Name    string // users.json "name", "" if the manager is not in it
	TZ      string // the manager's zone, as used
	Members int    // team members in the team map

	// AfterHoursMessages counts the manager's messages that reached at least
	// one team member outside their working hours (the detector's findings,
	// whether or not a nudge would have gone out).
	AfterHoursMessages int
	// Requests counts team members' messages waiting for the manager.
	Requests int
	// AnsweredByReaction counts requests the manager answered with a
	// reaction. Exports carry no reaction time, so these are never slow
	// and have no reply time.
	AnsweredByReaction int
	// SlowRequests counts requests answered after more than SlowAfter
	// working minutes, plus those unanswered for longer than that by the
	// end of the export.
	SlowRequests int
	// Unanswered counts requests still waiting at the end of the export.
	Unanswered int
	// ReplyMinutes are the working minutes each request answered by a
	// message waited, in ascending order.
	ReplyMinutes []float64
	// Nudges are what the live bot would have sent, in time order.
	Nudges []Nudge

	// Messages counts the manager's own messages by hour of the week in
	// their zone: [0] is Monday, [hour] 00–23.
	Messages [7][24]int
	// AfterHours counts, the same way, those that reached someone out of
	// hours.
	AfterHours [7][24]int
	// TeamInHours is, per hour of the week in the manager's zone, the share
	// (0–1) of team members inside their working hours at the middle of
	// that hour, in the export's last week.
	TeamInHours [7][24]float64
}

// MedianReplyMinutes is the median of ReplyMinutes (the mean of the middle
// two for an even count); false when no request was answered by a message.
func (m ManagerReport) MedianReplyMinutes() (float64, bool) {
	n := len(m.ReplyMinutes)
	if n == 0 {
		return 0, false
	}
	if n%2 == 1 {
		return m.ReplyMinutes[n/2], true
	}
	return (m.ReplyMinutes[n/2-1] + m.ReplyMinutes[n/2]) / 2, true
}

// Nudge is one nudge the live bot would have sent.
type Nudge struct {
	Kind string // people.KindAfterHours or people.KindSlowReply
	At   time.Time
	// Channel is where an after-hours message went; empty for slow replies.
	Channel activity.ChannelID
	// Reached is how many members an after-hours message reached out of
	// hours; Waiting how many requests a slow-reply nudge listed.
	Reached, Waiting int
}
