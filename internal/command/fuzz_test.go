package command

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/people"
)

// FuzzParse checks that Parse never panics; that a refusal is always a
// *UsageError fit to post as is (one line, short, quoting no more than it
// should and unable to ping anyone); and that what it accepts is sound:
// team commands name valid, distinct users, snoozes are within limits,
// hours parse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "help", "?", "optin", "opt out", "status", "exclude-me", "forget me",
		"team", "team <@U1ABC> <@W2DEF|bob>", "team add <@U1ABC>, <@U2DEF>", "team rm <@U1ABC>",
		"team <#C123|general>", "team <!here>", "team <!subteam^S1|@devs>", "team @bob",
		"team <@U1ABC|alice smith>", "team <@U1ABC", "team <<@U1>>", "team ad <@U1ABC>",
		"hours", "hours Mon-Fri 09:00-18:00 Europe/Berlin", "hours Mon 25:00-26:00",
		"snooze 1w2d on call", "snooze for 2 days time-off", "snooze off", "snooze 91d", "snooze 1.5h",
		"admin", "admin status", "admin hours Mon 09:00-10:00", "snoze 1w", "\u00a0Team\u00a0add\u200b<@U1ABC>.",
		"<!channel>", "`x`", "\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := Parse(text)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("Parse(%q) error is %T; want *UsageError", text, err)
			}
			msg := err.Error()
			switch {
			case ue.Msg == "" || ue.Usage == "":
				t.Fatalf("Parse(%q) = %#v; want Msg and Usage", text, ue)
			case strings.ContainsAny(msg, "\n\r"):
				t.Fatalf("Parse(%q) error %q is not one line", text, msg)
			case utf8.RuneCountInString(msg) > 400:
				t.Fatalf("Parse(%q) error is %d characters long: %q", text, utf8.RuneCountInString(msg), msg)
			case strings.Contains(msg, "<!") || strings.Contains(msg, "<@"):
				t.Fatalf("Parse(%q) error %q could ping someone", text, msg)
			case strings.Count(ue.Msg, "`")%2 != 0:
				t.Fatalf("Parse(%q) error %q leaves a code span open", text, msg)
			case !utf8.ValidString(msg):
				t.Fatalf("Parse(%q) error %q is not UTF-8", text, msg)
			}
			return
		}
		if c.Kind < 0 || c.Kind >= numKinds {
			t.Fatalf("Parse(%q) Kind = %d", text, c.Kind)
		}
		switch c.Kind {
		case TeamSet, TeamAdd, TeamRemove:
			if len(c.Users) == 0 || len(c.Users) > MaxPeople {
				t.Fatalf("Parse(%q) has %d users", text, len(c.Users))
			}
			seen := map[activity.UserID]bool{}
			for _, u := range c.Users {
				if !ValidUserID(string(u)) || seen[u] {
					t.Fatalf("Parse(%q) users %q: invalid or repeated %q", text, c.Users, u)
				}
				seen[u] = true
			}
		case Snooze:
			if c.Snooze < people.MinSnooze || c.Snooze > people.MaxSnooze {
				t.Fatalf("Parse(%q) snoozes %v", text, c.Snooze)
			}
			switch c.Reason {
			case people.SnoozeNoReason, people.SnoozeOnCall, people.SnoozeTravelling, people.SnoozeTimeOff:
			default:
				t.Fatalf("Parse(%q) reason %q", text, c.Reason)
			}
		case HoursSet, AdminHours:
			if c.Spec == "" || c.Hours.IsZero() || strings.TrimSpace(c.Spec) != c.Spec {
				t.Fatalf("Parse(%q) = spec %q, hours %v", text, c.Spec, c.Hours)
			}
		}
		if c.Kind != TeamSet && c.Kind != TeamAdd && c.Kind != TeamRemove && c.Users != nil {
			t.Fatalf("Parse(%q) = %v with users", text, c.Kind)
		}
	})
}

// FuzzParseDuration checks that ParseDuration never panics, never returns
// a negative duration, and always says what is wrong.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"1h", "90m", "1w2d", "1 week 2 days", "2", "1.5h", "-1h", "3mo", "99999999999999999999h", "15000w15000w"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		switch {
		case err != nil && (err.Error() == "" || d != 0):
			t.Fatalf("ParseDuration(%q) = %v, %q", s, d, err)
		case d < 0:
			t.Fatalf("ParseDuration(%q) = %v", s, d)
		}
	})
}
