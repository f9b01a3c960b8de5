package slackapp

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// This file is the privacy edge. Slack payloads are decoded into structs that
// name only the metadata fields; text, blocks, attachments, files and emoji
// names are never decoded into anything that outlives a function call. The one
// exception is message text, read only to find <@U…> mentions and then
// dropped.

// callback is the event_callback wrapper of an events_api envelope.
type callback struct {
	Type      string          `json:"type"`
	TeamID    string          `json:"team_id"`
	EventID   string          `json:"event_id"`
	EventTime int64           `json:"event_time"`
	Event     json.RawMessage `json:"event"`
}

// wireEvent holds the fields of message and reaction events that trustnudge
// uses. Text is here only so mentions can be extracted; see translate.
type wireEvent struct {
	Type         string `json:"type"`
	Subtype      string `json:"subtype"`
	Channel      string `json:"channel"`
	ChannelType  string `json:"channel_type"`
	User         string `json:"user"`
	BotID        string `json:"bot_id"`
	TS           string `json:"ts"`
	ThreadTS     string `json:"thread_ts"`
	ParentUserID string `json:"parent_user_id"`
	Team         string `json:"team"`
	Text         string `json:"text"`
	EventTS      string `json:"event_ts"`
	// reaction_added / reaction_removed
	ItemUser string `json:"item_user"`
	Item     struct {
		Type    string `json:"type"`
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	} `json:"item"`
}

// translated is what one event became.
type translated struct {
	kind        eventKind
	observation activity.Observation
	reaction    activity.Reaction
	// skipReason says why an event was recognised but not counted
	// (a system subtype, an edit, the app's own post).
	skipReason string
	eventType  string
	subtype    string
}

type eventKind uint8

const (
	kindSkip eventKind = iota
	kindMessage
	kindReaction
)

// errMalformed marks an event that cannot be used. Its message never
// contains payload content, only field names.
var errMalformed = errors.New("malformed event")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errMalformed}, args...)...)
}

// translate turns one event_callback into metadata. self is the app's own
// identity, so its echoed posts are recognised and skipped.
func translate(cb callback, self identity) (translated, error) {
	if len(cb.Event) == 0 || string(cb.Event) == "null" {
		return translated{}, malformed("event_callback without event")
	}
	var ev wireEvent
	if err := json.Unmarshal(cb.Event, &ev); err != nil {
		return translated{}, malformed("event does not decode: %s", describeJSONError(err))
	}
	team := activity.TeamID(cb.TeamID)
	if team == "" {
		team = activity.TeamID(ev.Team)
	}
	out := translated{eventType: ev.Type, subtype: ev.Subtype}
	switch ev.Type {
	case "message":
		return translateMessage(out, team, ev, self)
	case "reaction_added", "reaction_removed":
		return translateReaction(out, team, ev)
	case "":
		return translated{}, malformed("event has no type")
	default:
		out.skipReason = "event type not used"
		return out, nil
	}
}

func translateMessage(out translated, team activity.TeamID, ev wireEvent, self identity) (translated, error) {
	if !activity.CountedSubtype(ev.Subtype) {
		out.skipReason = "system message"
		return out, nil
	}
	isBot := ev.BotID != "" || ev.Subtype == "bot_message"
	if (self.BotID != "" && ev.BotID == self.BotID) || (self.BotUserID != "" && ev.User == self.BotUserID) {
		out.skipReason = "own message"
		return out, nil
	}
	switch {
	case team == "":
		return translated{}, malformed("message without team")
	case !activity.ValidID(ev.Channel):
		return translated{}, malformed("message without a valid channel")
	case !activity.TS(ev.TS).Valid():
		return translated{}, malformed("message without a valid ts")
	case ev.ThreadTS != "" && !activity.TS(ev.ThreadTS).Valid():
		return translated{}, malformed("message with an invalid thread_ts")
	case !isBot && !activity.ValidID(ev.User):
		return translated{}, malformed("message without a valid user")
	}
	kind := activity.ParseChannelKind(ev.ChannelType)
	if kind == activity.KindUnknown {
		kind = activity.KindFromID(ev.Channel)
	}
	o := activity.Observation{
		Team:     team,
		Channel:  activity.ChannelID(ev.Channel),
		Kind:     kind,
		User:     activity.UserID(ev.User),
		TS:       activity.TS(ev.TS),
		ThreadTS: activity.TS(ev.ThreadTS),
		IsBot:    isBot,
	}
	if o.ThreadTS != "" && activity.ValidID(ev.ParentUserID) {
		o.ParentUser = activity.UserID(ev.ParentUserID)
	}
	o.Mentions = activity.Mentions(ev.Text)
	out.kind = kindMessage
	out.observation = o
	return out, nil
}

func translateReaction(out translated, team activity.TeamID, ev wireEvent) (translated, error) {
	if ev.Item.Type != "message" {
		out.skipReason = "reaction to something other than a message"
		return out, nil
	}
	switch {
	case team == "":
		return translated{}, malformed("reaction without team")
	case !activity.ValidID(ev.User):
		return translated{}, malformed("reaction without a valid user")
	case !activity.ValidID(ev.Item.Channel):
		return translated{}, malformed("reaction without a valid item channel")
	case !activity.TS(ev.Item.TS).Valid():
		return translated{}, malformed("reaction without a valid item ts")
	}
	r := activity.Reaction{
		Team:    team,
		User:    activity.UserID(ev.User),
		Channel: activity.ChannelID(ev.Item.Channel),
		ItemTS:  activity.TS(ev.Item.TS),
		Removed: ev.Type == "reaction_removed",
	}
	if activity.ValidID(ev.ItemUser) {
		r.ItemBy = activity.UserID(ev.ItemUser)
	}
	if ts := activity.TS(ev.EventTS); ts.Valid() {
		r.At = ts.Time()
	}
	out.kind = kindReaction
	out.reaction = r
	return out, nil
}

// describeJSONError names what went wrong without quoting the input.
func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q has the wrong type (%s)", te.Field, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	return "invalid JSON"
}

// envelopeID digs the envelope_id out of a frame slack-go could not parse,
// so it can still be acked (Slack expects an ack for every envelope).
func envelopeID(raw []byte) string {
	var env struct {
		EnvelopeID string `json:"envelope_id"`
	}
	if json.Unmarshal(raw, &env) == nil {
		return env.EnvelopeID
	}
	return ""
}
