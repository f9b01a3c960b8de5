package metrics

// Label values are bounded enums. Every value a caller passes is looked up in
// one of these sets and anything not listed is recorded as Other, so a user,
// channel or team ID, or a piece of text, can never become a label value (and
// never blow up the number of series).

// Other is the label value recorded for anything outside a known set.
const Other = "other"

// Socket Mode envelope kinds, for EventReceived, EventAcked and EventRejected.
const (
	KindEventsAPI     = "events_api"
	KindSlashCommands = "slash_commands"
	KindInteractive   = "interactive"
	KindBadMessage    = "bad_message"
)

// Reasons for EventRejected.
const (
	// RejectMalformed is an envelope or payload that does not decode.
	RejectMalformed = "malformed"
	// RejectUnknownType is an envelope or event of a type the app does not use.
	RejectUnknownType = "unknown_type"
	// RejectUnreadable is a frame that is not JSON at all, with nothing to ack.
	RejectUnreadable = "unreadable"
)

// Nudge outcomes, for Nudge. Sent and failed are delivery states, hold and
// suppress are policy actions (engine.Outcome.Result uses these words).
const (
	OutcomeSent     = "sent"
	OutcomeFailed   = "failed"
	OutcomeHold     = "hold"
	OutcomeSuppress = "suppress"
)

// Digest triggers, for Digest: the scheduled Monday digest, or one asked
// for with /trustnudge digest (engine.DigestWeekly and engine.DigestOnDemand).
const (
	TriggerWeekly   = "weekly"
	TriggerOnDemand = "on_demand"
)

// Web API call results, for APICall.
const (
	ResultOK          = "ok"
	ResultError       = "error"
	ResultRateLimited = "rate_limited"
	ResultTransient   = "transient"
)

// set maps each accepted input to the label value recorded for it.
type set map[string]string

// of returns the label value for v, or Other.
func (s set) of(v string) string {
	if l, ok := s[v]; ok {
		return l
	}
	return Other
}

// values lists the distinct label values of s, without Other.
func (s set) values() []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range s {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// identity builds a set whose label values are the inputs themselves.
func identity(vs ...string) set {
	s := make(set, len(vs))
	for _, v := range vs {
		s[v] = v
	}
	return s
}

var (
	eventKinds = identity(KindEventsAPI, KindSlashCommands, KindInteractive, KindBadMessage)

	rejectReasons = identity(RejectMalformed, RejectUnknownType, RejectUnreadable)

	// nudgeKinds mirror people.KindAfterHours and people.KindSlowReply.
	nudgeKinds = identity("after_hours", "slow_reply")

	nudgeOutcomes = identity(OutcomeSent, OutcomeFailed, OutcomeHold, OutcomeSuppress)

	digestTriggers = identity(TriggerWeekly, TriggerOnDemand)

	// digestOutcomes are a digest's delivery states (digest.Sent, digest.Failed).
	digestOutcomes = identity(OutcomeSent, OutcomeFailed)

	// nudgeReasons map policy's reasons (words for logs) to label values;
	// the label values themselves are accepted too. No reason stays "".
	nudgeReasons = set{
		"":                            "",
		"cooldown":                    "cooldown",
		"weekly cap":                  "weekly_cap",
		"weekly_cap":                  "weekly_cap",
		"snoozed":                     "snoozed",
		"switched off":                "switched_off",
		"switched_off":                "switched_off",
		"not opted in":                "not_opted_in",
		"not_opted_in":                "not_opted_in",
		"outside the manager's hours": "outside_hours",
		"outside_hours":               "outside_hours",
	}

	// apiMethods are the Slack Web API methods the app calls, or may soon.
	apiMethods = identity(
		"apps.connections.open",
		"auth.test",
		"chat.delete",
		"chat.getPermalink",
		"chat.postEphemeral",
		"chat.postMessage",
		"chat.update",
		"conversations.history",
		"conversations.info",
		"conversations.members",
		"conversations.open",
		"conversations.replies",
		"reactions.get",
		"team.info",
		"users.info",
		"users.list",
		"views.open",
		"views.publish",
		"views.push",
		"views.update",
	)

	apiResults = identity(ResultOK, ResultError, ResultRateLimited, ResultTransient)
)
