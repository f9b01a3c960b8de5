// Package policy decides which findings become nudges, and when: opt-in,
// snooze, switched-off kinds, cooldowns, a weekly cap, and holding DMs
// until the manager's own working hours. It is pure.
package policy

import (
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// State is where a nudge is in its life.
type State string

const (
	// Held nudges wait for the manager's next working period (Due).
	Held State = "held"
	// Sending nudges were decided and committed before the Slack call, so
	// a crash in between never sends a second copy (at most once).
	Sending State = "sending"
	// Sent nudges reached Slack.
	Sent State = "sent"
	// Failed nudges were rejected by Slack; they are not retried.
	Failed State = "failed"
)

// Record is one nudge, kept for cooldowns, the weekly cap, feedback and
// the digest. It holds no message content.
type Record struct {
	ID      string
	Team    activity.TeamID
	Manager activity.UserID
	Kind    string // people.KindAfterHours, people.KindSlowReply
	Created time.Time
	State   State
	Due     time.Time // for Held
	SentAt  time.Time
	// VariantID is the library entry used, so variants rotate per manager.
	VariantID string
	// Feedback is "", "helpful" or "not_helpful".
	Feedback string
	// Channel and TS point at the message an after-hours nudge is about.
	Channel activity.ChannelID
	TS      activity.TS
}

// Feedback values.
const (
	Helpful    = "helpful"
	NotHelpful = "not_helpful"
)
