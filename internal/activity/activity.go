// Package activity holds the metadata trustnudge observes in Slack.
//
// These types are the privacy contract in code: none of them has a field that
// could hold message text, blocks, attachments, file names or emoji. The Slack
// adapter fills them and drops everything else at the edge.
package activity

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TeamID, UserID and ChannelID are Slack identifiers (T…, U…/W…, C…/G…/D…).
type (
	TeamID    string
	UserID    string
	ChannelID string
)

// ChannelKind says what sort of conversation a message went to.
type ChannelKind uint8

const (
	KindUnknown ChannelKind = iota
	KindPublic              // public channel
	KindPrivate             // private channel
	KindIM                  // direct message
	KindGroupIM             // multi-person direct message
)

func (k ChannelKind) String() string {
	switch k {
	case KindPublic:
		return "channel"
	case KindPrivate:
		return "group"
	case KindIM:
		return "im"
	case KindGroupIM:
		return "mpim"
	}
	return "unknown"
}

// ParseChannelKind maps Slack's channel_type values onto a ChannelKind.
func ParseChannelKind(s string) ChannelKind {
	switch s {
	case "channel":
		return KindPublic
	case "group", "private_channel":
		return KindPrivate
	case "im":
		return KindIM
	case "mpim":
		return KindGroupIM
	}
	return KindUnknown
}

// TS is a Slack message timestamp ("1700000000.000100"), which is also the
// message's ID within its channel. It is kept as Slack sends it so it can be
// used to build permalinks and thread references without loss.
type TS string

// Time converts the timestamp to a time.Time. It returns the zero time for a
// malformed timestamp.
func (ts TS) Time() time.Time {
	s := string(ts)
	sec, frac, _ := strings.Cut(s, ".")
	secs, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || secs < 0 {
		return time.Time{}
	}
	var nanos int64
	if frac != "" {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		n, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || n < 0 {
			return time.Time{}
		}
		for i := len(frac); i < 9; i++ {
			n *= 10
		}
		nanos = n
	}
	return time.Unix(secs, nanos).UTC()
}

// Valid reports whether ts has Slack's "seconds.micros" shape.
func (ts TS) Valid() bool {
	sec, frac, ok := strings.Cut(string(ts), ".")
	if !ok || sec == "" || frac == "" || len(sec) > 12 || len(frac) > 9 {
		return false
	}
	return allDigits(sec) && allDigits(frac)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// TSFromTime formats t as a Slack timestamp with microsecond precision.
func TSFromTime(t time.Time) TS {
	return TS(fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000))
}

// Observation is one human or bot message, reduced to metadata.
type Observation struct {
	Team    TeamID
	Channel ChannelID
	Kind    ChannelKind
	User    UserID
	TS      TS
	// ThreadTS is the parent's timestamp when the message is a thread reply;
	// empty for top-level messages. A thread parent has ThreadTS == TS.
	ThreadTS TS
	// ParentUser is the author of the thread's parent, when Slack says it.
	ParentUser UserID
	// Mentions are the user IDs mentioned with <@U…>, deduplicated, in order.
	Mentions []UserID
	IsBot    bool
}

// IsReply reports whether the message is a reply inside a thread.
func (o Observation) IsReply() bool { return o.ThreadTS != "" && o.ThreadTS != o.TS }

// Time is when the message was posted.
func (o Observation) Time() time.Time { return o.TS.Time() }

// Reaction is a reaction added to or removed from a message. Which emoji it
// was is deliberately not kept.
type Reaction struct {
	Team    TeamID
	User    UserID // who reacted
	Channel ChannelID
	ItemTS  TS     // the message reacted to
	ItemBy  UserID // author of that message, when known
	At      time.Time
	Removed bool
}

// Mentions returns the user IDs mentioned in Slack message markup
// (<@U123> or <@U123|name>), deduplicated, in order of appearance.
func Mentions(text string) []UserID {
	var out []UserID
	for {
		i := strings.Index(text, "<@")
		if i < 0 {
			return out
		}
		text = text[i+2:]
		end := strings.IndexAny(text, "|>")
		if end < 0 {
			return out
		}
		id := text[:end]
		if !IsUserID(id) {
			// Not a mention; rescan from just after this "<@", which may
			// hide a real one ("<@<@U1>").
			continue
		}
		text = text[end:]
		uid := UserID(id)
		dup := false
		for _, m := range out {
			if m == uid {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, uid)
		}
	}
}

// ValidID reports whether s looks like a Slack ID: an upper-case letter
// followed by upper-case letters and digits.
func ValidID(s string) bool {
	if len(s) < 2 || len(s) > 32 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// CountedSubtype reports whether a message subtype is a person (or a bot)
// saying something. Every other subtype is a system message (joins, topic
// changes, edits, deletions) and is not counted. The live adapter and the
// export reader both go by it.
func CountedSubtype(subtype string) bool {
	switch subtype {
	case "", "thread_broadcast", "file_share", "me_message", "bot_message":
		return true
	}
	return false
}

// KindFromID guesses a conversation's kind from its ID prefix, for events
// and exports that do not say: C is public (or an old private channel), G
// private, D a direct message.
func KindFromID(id string) ChannelKind {
	if id == "" {
		return KindUnknown
	}
	switch id[0] {
	case 'C':
		return KindPublic
	case 'G':
		return KindPrivate
	case 'D':
		return KindIM
	}
	return KindUnknown
}

// IsUserID reports whether s looks like a Slack user ID: a valid ID that
// starts with U, or W in Enterprise Grid.
func IsUserID(s string) bool { return ValidID(s) && (s[0] == 'U' || s[0] == 'W') }
