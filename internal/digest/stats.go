package digest

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Kind is what one counted event was.
type Kind byte

// Kinds of counted events. The values are stored; never change one.
const (
	// AfterHours is a manager's message that reached team members outside
	// their working hours (a finding, whether or not a nudge was sent).
	AfterHours Kind = 'h'
	// Request is a team member's message waiting for the manager.
	Request Kind = 'q'
	// Answer is a request the manager answered, with its reply time.
	Answer Kind = 'a'
	// Nudge is a nudge sent to the manager.
	Nudge Kind = 'n'
)

// Valid reports whether k is one of the kinds above.
func (k Kind) Valid() bool {
	switch k {
	case AfterHours, Request, Answer, Nudge:
		return true
	}
	return false
}

func (k Kind) String() string {
	switch k {
	case AfterHours:
		return "after_hours"
	case Request:
		return "request"
	case Answer:
		return "answer"
	case Nudge:
		return "nudge"
	}
	return fmt.Sprintf("Kind(%d)", byte(k))
}

// Event is one thing to count in a manager's week.
type Event struct {
	Kind Kind
	// Once identifies the event, so that it counts once however often it
	// is reported (a redelivered message, a request answered twice after a
	// crash). The store keeps only a hash of it, and only for a while.
	Once string
	// WorkingMinutes is an answer's reply time, in the manager's working
	// minutes (for Answer only).
	WorkingMinutes float64
}

// Stats are one manager's counts for one week. They hold no IDs and no
// content: numbers only.
type Stats struct {
	Week       Week
	AfterHours int // messages that reached team members after hours
	Requests   int // requests from the team
	Answered   int // requests answered
	Nudges     int // nudges sent
	// ReplySeconds are the answers' reply times in working seconds, in the
	// order they came, at most MaxSamples of them.
	ReplySeconds []int
}

// Add counts e. The caller makes sure each event is added once.
func (s *Stats) Add(e Event) {
	switch e.Kind {
	case AfterHours:
		s.AfterHours++
	case Request:
		s.Requests++
	case Answer:
		s.Answered++
		if len(s.ReplySeconds) < MaxSamples {
			s.ReplySeconds = append(s.ReplySeconds, workingSeconds(e.WorkingMinutes))
		}
	case Nudge:
		s.Nudges++
	}
}

// workingSeconds turns minutes into whole seconds, with NaN, negatives and
// absurd values held in range.
func workingSeconds(minutes float64) int {
	switch {
	case math.IsNaN(minutes) || minutes < 0:
		return 0
	case minutes > 1e8:
		minutes = 1e8
	}
	return int(math.Round(minutes * 60))
}

// IsZero reports whether nothing was counted.
func (s Stats) IsZero() bool {
	return s.AfterHours == 0 && s.Requests == 0 && s.Answered == 0 && s.Nudges == 0 && len(s.ReplySeconds) == 0
}

// Median is the median reply time in working seconds, and false when no
// answer was timed.
func (s Stats) Median() (float64, bool) { return Median(s.ReplySeconds) }

// Median returns the exact median of xs (the mean of the middle two for an
// even count), and false for none. xs is not changed.
func Median(xs []int) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return float64(s[n/2]), true
	}
	return (float64(s[n/2-1]) + float64(s[n/2])) / 2, true
}

// State is where a scheduled digest is on its way to the manager.
type State string

// A digest's record is committed in state Sending before it is sent, and
// moved to Sent or Failed after: a crash in between never sends it twice.
const (
	Sending State = "sending"
	Sent    State = "sent"
	Failed  State = "failed"
)

// Valid reports whether s is one of the states above.
func (s State) Valid() bool { return s == Sending || s == Sent || s == Failed }

// Record is what is kept of a scheduled digest, one per manager and week
// reported on. It holds no numbers: those are in the week's Stats.
type Record struct {
	Week      Week
	State     State
	Created   time.Time
	SentAt    time.Time // zero until sent
	VariantID string    // the library entry it used
}
