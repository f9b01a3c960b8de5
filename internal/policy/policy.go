package policy

import (
	"strconv"
	"time"

	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

// Config holds the caps on nudging.
type Config struct {
	// Cooldown is the least time between two nudges of one kind to one
	// manager; a kind without an entry has none.
	Cooldown map[string]time.Duration
	// WeeklyCap is how many nudges of all kinds a manager gets in any
	// rolling 7 days; 0 or less means no cap.
	WeeklyCap int
}

// CapWindow is the rolling window of the weekly cap.
const CapWindow = 7 * 24 * time.Hour

// DefaultConfig returns the design's defaults: after-hours nudges at most
// once a day, slow-reply nudges once every two days, 5 a week in all.
func DefaultConfig() Config {
	return Config{
		Cooldown: map[string]time.Duration{
			people.KindAfterHours: 24 * time.Hour,
			people.KindSlowReply:  48 * time.Hour,
		},
		WeeklyCap: 5,
	}
}

// Action is what to do with a finding.
type Action int

// The zero Action is none of these, so a zero Decision never means Send.
const (
	// Send the nudge now.
	Send Action = iota + 1
	// Hold the nudge until Decision.Until, then decide again.
	Hold
	// Suppress drops the finding; Decision.Reason says why.
	Suppress
)

func (a Action) String() string {
	switch a {
	case Send:
		return "send"
	case Hold:
		return "hold"
	case Suppress:
		return "suppress"
	}
	return "Action(" + strconv.Itoa(int(a)) + ")"
}

// Reasons a Decision gives, for logs and metrics.
const (
	ReasonNotOptedIn   = "not opted in"
	ReasonSnoozed      = "snoozed"
	ReasonSwitchedOff  = "switched off"
	ReasonCooldown     = "cooldown"
	ReasonWeeklyCap    = "weekly cap"
	ReasonOutsideHours = "outside the manager's hours"
)

// Decision is what to do with one finding.
type Decision struct {
	Action Action
	// Until is when to try again, for Hold.
	Until time.Time
	// Reason says why, for Suppress and Hold.
	Reason string
}

// Decide says what to do with one finding of kind for manager m (nil: not
// opted in) at now, given the manager's past nudges and their own
// effective hours.
//
// Past records of other managers are ignored. Held records do not count
// towards the cooldown or the cap; Sending, Sent and Failed ones do, by
// their Created time (one created after now counts as just created).
//
// The checks run in order: not opted in, snoozed, switched off, cooldown,
// weekly cap; then, for slow replies only, outside the manager's own hours
// holds the DM until their next working period. After-hours nudges are
// never held: they go out right away, ephemeral in the channel, while the
// manager is there. A manager with no hours at all (zero Hours) is never
// held, as there is no working period to wait for.
func Decide(kind string, m *people.Manager, past []Record, managerHours workhours.Hours, now time.Time, cfg Config) Decision {
	switch {
	case m == nil:
		return suppress(ReasonNotOptedIn)
	case m.Snoozed(now):
		return suppress(ReasonSnoozed)
	case m.KindOff(kind):
		return suppress(ReasonSwitchedOff)
	}
	cooldown := cfg.Cooldown[kind]
	inWeek := 0
	for _, r := range past {
		if r.Manager != m.ID || !counts(r.State) {
			continue
		}
		age := now.Sub(r.Created)
		if r.Kind == kind && age < cooldown {
			return suppress(ReasonCooldown)
		}
		if age < CapWindow {
			inWeek++
		}
	}
	if cfg.WeeklyCap > 0 && inWeek >= cfg.WeeklyCap {
		return suppress(ReasonWeeklyCap)
	}
	if kind == people.KindSlowReply && !managerHours.IsZero() && !managerHours.Contains(now) {
		return Decision{Action: Hold, Until: managerHours.Next(now), Reason: ReasonOutsideHours}
	}
	return Decision{Action: Send}
}

func suppress(reason string) Decision { return Decision{Action: Suppress, Reason: reason} }

// counts reports whether a nudge in state s counts towards cooldowns and
// the cap: every nudge that was, or may have been, sent.
func counts(s State) bool { return s == Sending || s == Sent || s == Failed }

// NextVariant picks the library entry to use for the manager's next nudge
// of kind: the one after the last they got for that kind (by Created; of
// any state, since a held nudge will go out with its words), wrapping
// round, so the same words never come twice in a row. ids is the ordered
// list of variant ids for the pattern. It returns the first id when there
// is no last one or it is no longer in ids, and "" when ids is empty.
func NextVariant(ids []string, past []Record, kind string) string {
	if len(ids) == 0 {
		return ""
	}
	var last *Record
	for i := range past {
		r := &past[i]
		if r.Kind != kind || r.VariantID == "" {
			continue
		}
		if last == nil || !r.Created.Before(last.Created) {
			last = r
		}
	}
	if last == nil {
		return ids[0]
	}
	for i, id := range ids {
		if id == last.VariantID {
			return ids[(i+1)%len(ids)]
		}
	}
	return ids[0]
}
