package command

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

const day = 24 * time.Hour

func users(ids ...string) []activity.UserID {
	out := make([]activity.UserID, len(ids))
	for i, id := range ids {
		out[i] = activity.UserID(id)
	}
	return out
}

// equal compares commands; Hours through Equal since it has no ==.
func equal(a, b Command) bool {
	return a.Kind == b.Kind && slices.Equal(a.Users, b.Users) && a.Spec == b.Spec &&
		a.Hours.Equal(b.Hours) && a.Snooze == b.Snooze && a.Reason == b.Reason
}

func hoursCmd(k Kind, spec string) Command {
	return Command{Kind: k, Spec: spec, Hours: workhours.MustParse(spec)}
}

func TestParse_Accepts(t *testing.T) {
	tests := []struct {
		text string
		want Command
	}{
		// help
		{"", Command{Kind: Help}},
		{"   ", Command{Kind: Help}},
		{"\u00a0\t\n", Command{Kind: Help}},
		{"help", Command{Kind: Help}},
		{"/trustnudge help", Command{Kind: Help}},
		{"/trustnudge", Command{Kind: Help}},
		{"/TrustNudge team add <@U1ABC>", Command{Kind: TeamAdd, Users: users("U1ABC")}},
		{"HeLp", Command{Kind: Help}},
		{"?", Command{Kind: Help}},
		{"??", Command{Kind: Help}},
		{"help me", Command{Kind: Help}},
		{"help.", Command{Kind: Help}},
		{"\u00a0help\u200b", Command{Kind: Help}},

		// optin, optout
		{"optin", Command{Kind: OptIn}},
		{"OptIn", Command{Kind: OptIn}},
		{"opt-in", Command{Kind: OptIn}},
		{"opt_in", Command{Kind: OptIn}},
		{"opt–in", Command{Kind: OptIn}}, // en dash, as Macs autocorrect
		{"opt in", Command{Kind: OptIn}},
		{"opt\u00a0 IN", Command{Kind: OptIn}},
		{"optin!", Command{Kind: OptIn}},
		{"optout", Command{Kind: OptOut}},
		{"opt-out", Command{Kind: OptOut}},
		{"Opt Out", Command{Kind: OptOut}},
		{"OPTOUT.", Command{Kind: OptOut}},

		// team
		{"team", Command{Kind: TeamShow}},
		{"Team ", Command{Kind: TeamShow}},
		{"team show", Command{Kind: TeamShow}},
		{"team list", Command{Kind: TeamShow}},
		{"team <@U1ABC>", Command{Kind: TeamSet, Users: users("U1ABC")}},
		{"team <@U1ABC|alice> <@W2DEF>", Command{Kind: TeamSet, Users: users("U1ABC", "W2DEF")}},
		{"team <@U1ABC>,<@U2DEF>", Command{Kind: TeamSet, Users: users("U1ABC", "U2DEF")}},
		{"team <@U1ABC>, <@U2DEF> and <@U3GHI>.", Command{Kind: TeamSet, Users: users("U1ABC", "U2DEF", "U3GHI")}},
		{"team <@U2DEF> <@U1ABC> <@U2DEF|bob>", Command{Kind: TeamSet, Users: users("U2DEF", "U1ABC")}},
		{"team <@U1ABC|alice smith> <@U2DEF>", Command{Kind: TeamSet, Users: users("U1ABC", "U2DEF")}},
		{"team set <@U1ABC>", Command{Kind: TeamSet, Users: users("U1ABC")}},
		{"team add <@U1ABC>", Command{Kind: TeamAdd, Users: users("U1ABC")}},
		{"TEAM ADD <@U1ABC> <@U1ABC>", Command{Kind: TeamAdd, Users: users("U1ABC")}},
		{"team\u00a0add\u00a0<@U1ABC>", Command{Kind: TeamAdd, Users: users("U1ABC")}},
		{"team remove <@U1ABC> <@U2DEF>", Command{Kind: TeamRemove, Users: users("U1ABC", "U2DEF")}},
		{"team rm <@U1ABC>", Command{Kind: TeamRemove, Users: users("U1ABC")}},
		{"team " + mentions(MaxPeople), Command{Kind: TeamSet, Users: ids(MaxPeople)}},

		// hours
		{"hours", Command{Kind: HoursShow}},
		{"hours show", Command{Kind: HoursShow}},
		{"hours Mon-Fri 09:00-18:00", hoursCmd(HoursSet, "Mon-Fri 09:00-18:00")},
		{"Hours  mon-fri 9:00-17:00 Europe/Berlin ", hoursCmd(HoursSet, "mon-fri 9:00-17:00 Europe/Berlin")},
		{"hours Mon-Fri 09:00-18:00.", hoursCmd(HoursSet, "Mon-Fri 09:00-18:00")},
		{"hours Mon-Fri 09:00–18:00", hoursCmd(HoursSet, "Mon-Fri 09:00–18:00")},
		{"hours\u00a0Mon-Thu 08:30-17:00, Fri 08:30-13:00", hoursCmd(HoursSet, "Mon-Thu 08:30-17:00, Fri 08:30-13:00")},
		{"hours set Mon 09:00-12:00", hoursCmd(HoursSet, "Mon 09:00-12:00")},

		// snooze
		{"snooze 1h", Command{Kind: Snooze, Snooze: time.Hour}},
		{"snooze 60m", Command{Kind: Snooze, Snooze: people.MinSnooze}},
		{"snooze 90d", Command{Kind: Snooze, Snooze: people.MaxSnooze}},
		{"snooze 12w6d", Command{Kind: Snooze, Snooze: people.MaxSnooze}},
		{"snooze 36h", Command{Kind: Snooze, Snooze: 36 * time.Hour}},
		{"Snooze 1W", Command{Kind: Snooze, Snooze: 7 * day}},
		{"snooze 1w2d", Command{Kind: Snooze, Snooze: 9 * day}},
		{"snooze 1w 2d", Command{Kind: Snooze, Snooze: 9 * day}},
		{"snooze for 2 days", Command{Kind: Snooze, Snooze: 2 * day}},
		{"snooze 1 week 2 days time off", Command{Kind: Snooze, Snooze: 9 * day, Reason: people.SnoozeTimeOff}},
		{"snooze 2d on-call", Command{Kind: Snooze, Snooze: 2 * day, Reason: people.SnoozeOnCall}},
		{"snooze 2d oncall", Command{Kind: Snooze, Snooze: 2 * day, Reason: people.SnoozeOnCall}},
		{"snooze 2d On Call", Command{Kind: Snooze, Snooze: 2 * day, Reason: people.SnoozeOnCall}},
		{"snooze 2d on_call", Command{Kind: Snooze, Snooze: 2 * day, Reason: people.SnoozeOnCall}},
		{"snooze 1w, on-call.", Command{Kind: Snooze, Snooze: 7 * day, Reason: people.SnoozeOnCall}},
		{"snooze 1w travelling", Command{Kind: Snooze, Snooze: 7 * day, Reason: people.SnoozeTravelling}},
		{"snooze 1w traveling", Command{Kind: Snooze, Snooze: 7 * day, Reason: people.SnoozeTravelling}},
		{"snooze 1w travel", Command{Kind: Snooze, Snooze: 7 * day, Reason: people.SnoozeTravelling}},
		{"snooze 1w time-off", Command{Kind: Snooze, Snooze: 7 * day, Reason: people.SnoozeTimeOff}},
		{"snooze 1w TIME OFF", Command{Kind: Snooze, Snooze: 7 * day, Reason: people.SnoozeTimeOff}},
		{"snooze 1w timeoff", Command{Kind: Snooze, Snooze: 7 * day, Reason: people.SnoozeTimeOff}},
		{"snooze off", Command{Kind: SnoozeOff}},
		{"Snooze OFF", Command{Kind: SnoozeOff}},
		{"snooze stop", Command{Kind: SnoozeOff}},

		// status and the self-service commands
		{"status", Command{Kind: Status}},
		{"poll", Command{Kind: Poll}},
		{"  Poll ", Command{Kind: Poll}},
		{"digest", Command{Kind: Digest}},
		{"Digest!", Command{Kind: Digest}},
		{"STATUS?", Command{Kind: Status}},
		{"exclude-me", Command{Kind: ExcludeMe}},
		{"exclude me", Command{Kind: ExcludeMe}},
		{"excludeme", Command{Kind: ExcludeMe}},
		{"Exclude_Me", Command{Kind: ExcludeMe}},
		{"include-me", Command{Kind: IncludeMe}},
		{"include me", Command{Kind: IncludeMe}},
		{"includeme", Command{Kind: IncludeMe}},
		{"forget-me", Command{Kind: ForgetMe}},
		{"forget me", Command{Kind: ForgetMe}},
		{"forgetme", Command{Kind: ForgetMe}},
		{"Forget—me", Command{Kind: ForgetMe}}, // em dash

		// admin
		{"admin status", Command{Kind: AdminStatus}},
		{"ADMIN Status", Command{Kind: AdminStatus}},
		{"admin hours", Command{Kind: AdminHoursShow}},
		{"admin hours show", Command{Kind: AdminHoursShow}},
		{"admin hours Mon-Fri 08:00-16:00 UTC", hoursCmd(AdminHours, "Mon-Fri 08:00-16:00 UTC")},
		{"admin hours set Mon 09:00-10:00", hoursCmd(AdminHours, "Mon 09:00-10:00")},
	}
	for _, tt := range tests {
		got, err := Parse(tt.text)
		if err != nil {
			t.Errorf("Parse(%q) error: %v", tt.text, err)
			continue
		}
		if !equal(got, tt.want) {
			t.Errorf("Parse(%q) = %+v; want %+v", tt.text, got, tt.want)
		}
	}
}

func mentions(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "<@U%04d|p%d> ", i, i)
	}
	return b.String()
}

func ids(n int) []activity.UserID {
	out := make([]activity.UserID, n)
	for i := range n {
		out[i] = activity.UserID(fmt.Sprintf("U%04d", i))
	}
	return out
}

const (
	teamUsage   = " Usage: `/trustnudge team @person …`"
	addUsage    = " Usage: `/trustnudge team add @person …`"
	hoursUsage  = " Usage: `/trustnudge hours Mon-Fri 09:00-18:00 [Europe/Berlin]`"
	snoozeUsage = " Usage: `/trustnudge snooze <1h…90d> [on-call|travelling|time-off]`"
	adminUsg    = " Usage: `/trustnudge admin status | admin hours [Mon-Fri 09:00-18:00 Europe/Berlin]`"
	helpUsage   = " Usage: `/trustnudge help`"
	notMention  = " isn't a Slack mention: pick people from the @ menu so Slack sends who they are."
)

func TestParse_Refuses(t *testing.T) {
	long := strings.Repeat("x", 100)
	clipped := strings.Repeat("x", 40) + "…"
	tests := []struct{ text, want string }{
		// unknown verbs, with the nearest command when it looks like a typo
		{"snoze 1w", "I don't know “snoze”. Did you mean `snooze`?" + snoozeUsage},
		{"stauts", "I don't know “stauts”. Did you mean `status`? Usage: `/trustnudge status`"},
		{"teams <@U1ABC>", "I don't know “teams”. Did you mean `team`? Usage: `/trustnudge team`"},
		{"admn status", "I don't know “admn”. Did you mean `admin`?" + adminUsg},
		{"xyz", "I don't know “xyz”." + helpUsage},
		{"poll now", "`poll` takes nothing after it." + " Usage: `/trustnudge poll`"},
		{"digest last week", "`digest` takes nothing after it. Usage: `/trustnudge digest`"},
		{"digset", "I don't know “digset”. Did you mean `digest`? Usage: `/trustnudge digest`"},
		{long, "I don't know “" + clipped + "”." + helpUsage},
		{"<!channel> hi", "I don't know “&lt;!channel&gt;”." + helpUsage},
		{"`rm -rf` x", "I don't know “'rm”." + helpUsage},
		{"<@U1ABC> <@U2DEF>", "To name your team, start with `team`." + teamUsage},
		{strings.Repeat("a ", maxText), "That's too long for a command." + helpUsage},

		// commands that take nothing refuse what follows
		{"status please", "`status` takes nothing after it. Usage: `/trustnudge status`"},
		{"optin now", "`optin` takes nothing after it. Usage: `/trustnudge optin`"},
		{"forget-me <@U1ABC>", "`forget-me` takes nothing after it. Usage: `/trustnudge forget-me`"},
		{"forget me please", "`forget-me` takes nothing after it. Usage: `/trustnudge forget-me`"},
		{"forget", "Did you mean `forget-me`? It only ever applies to you. Usage: `/trustnudge forget-me`"},
		{"exclude <@U1ABC>", "Did you mean `exclude-me`? It only ever applies to you. Usage: `/trustnudge exclude-me`"},
		{"opt", "Say `optin` to start nudges or `optout` to stop them. Usage: `/trustnudge optin`"},
		{"opt sideways", "Say `optin` to start nudges or `optout` to stop them. Usage: `/trustnudge optin`"},
		{"team show <@U1ABC>", "`team show` takes nothing after it. Usage: `/trustnudge team`"},
		{"hours show Mon", "`hours show` takes nothing after it. Usage: `/trustnudge hours`"},
		{"admin hours show x", "`admin hours show` takes nothing after it. Usage: `/trustnudge admin hours`"},
		{"snooze off now", "`snooze off` takes nothing after it. Usage: `/trustnudge snooze off`"},

		// team: who can't be on a team, and why
		{"team <@U1ABC> <#C123|general>", "#general is a channel; a team is made of people." + teamUsage},
		{"team <#C123>", "<#C123> is a channel; a team is made of people." + teamUsage},
		{"team <#c1>", "That's a channel; a team is made of people." + teamUsage},
		{"team add <!here>", "@here isn't a person; name people one by one." + addUsage},
		{"team <!channel>", "@channel isn't a person; name people one by one." + teamUsage},
		{"team <!everyone>", "@everyone isn't a person; name people one by one." + teamUsage},
		{"team <!here|@here>", "@here isn't a person; name people one by one." + teamUsage},
		{"team <!subteam^S123|@devs>", "User groups like @devs aren't supported yet; name people one by one." + teamUsage},
		{"team <!subteam^S123>", "User groups aren't supported yet; name people one by one." + teamUsage},
		{"team @bob", "“@bob”" + notMention + teamUsage},
		{"team bob", "“bob”" + notMention + teamUsage},
		{"team <@U1ABC> bob", "“bob”" + notMention + teamUsage},
		{"team <@bob>", "“&lt;@bob&gt;”" + notMention + teamUsage},
		{"team <@u1abc>", "“&lt;@u1abc&gt;”" + notMention + teamUsage},
		{"team <@C1ABC>", "“&lt;@C1ABC&gt;”" + notMention + teamUsage},
		{"team <@U1ABC", "“&lt;@U1ABC”" + notMention + teamUsage},
		{"team <https://example.com|x>", "“&lt;https://example.com|x&gt;”" + notMention + teamUsage},
		{"team &lt;@U1ABC&gt;", "“&lt;@U1ABC&gt;”" + notMention + teamUsage},
		{"team " + long, "“" + clipped + "”" + notMention + teamUsage},
		{"team " + mentions(MaxPeople+1), "That's more than 100 people for one command; name at most 100 at a time." + teamUsage},
		{"team add", "Name at least one person to add: pick them from the @ menu." + addUsage},
		{"team remove", "Name at least one person to remove: pick them from the @ menu. Usage: `/trustnudge team remove @person …`"},
		{"team set", "Name the people on your team: pick them from the @ menu." + teamUsage},
		{"team and", "Name the people on your team: pick them from the @ menu." + teamUsage},
		{"team ad <@U1ABC>", "I don't know “team ad”. Did you mean `team add`?" + addUsage},
		{"team remvoe <@U1ABC>", "I don't know “team remvoe”. Did you mean `team remove`? Usage: `/trustnudge team remove @person …`"},

		// hours
		{"hours Mon 25:00-26:00", `I couldn't read those hours: "25:00": hour must be 00-23.` + hoursUsage},
		{"hours Mon-Fri 09:00-18:00 Mars/Base", `I couldn't read those hours: unknown time zone "Mars/Base".` + hoursUsage},
		{"hours Mon 09:00-09:00", `I couldn't read those hours: "09:00-09:00": empty window (a whole day is 00:00-24:00).` + hoursUsage},
		{"hours " + long + " Mon 09:00-10:00", `I couldn't read those hours: "` + clipped + `": unknown day.` + hoursUsage},
		{"hours <!channel>", `I couldn't read those hours: unknown time zone "&lt;!channel&gt;".` + hoursUsage},
		{"hours Mon " + strings.Repeat("09:00-10:00 ", 40), "That's too long for working hours." + hoursUsage},
		{"hours set", "Say which hours, like `hours Mon-Fri 09:00-18:00 [Europe/Berlin]`." + hoursUsage},
		{"admin hours Mon 9-5", `I couldn't read those hours: "9": not a time, e.g. 09:00.` + " Usage: `/trustnudge admin hours Mon-Fri 09:00-18:00 [Europe/Berlin]`"},

		// snooze
		{"snooze", "Say how long to snooze, like `snooze 1w`." + snoozeUsage},
		{"snooze 91d", "“91d” is too long: 90 days is the longest snooze." + snoozeUsage},
		{"snooze 12w6d1h", "“12w6d1h” is too long: 90 days is the longest snooze." + snoozeUsage},
		{"snooze 99999999999999999999w", "“99999999999999999999w” is too long: 90 days is the longest snooze." + snoozeUsage},
		{"snooze 59m", "“59m” is too short: 1 hour is the shortest snooze." + snoozeUsage},
		{"snooze 0h", "“0h” is too short: 1 hour is the shortest snooze." + snoozeUsage},
		{"snooze 3", "I couldn't read “3” as a duration: 3 needs a unit: m, h, d or w, e.g. 3d." + snoozeUsage},
		{"snooze 1.5h", "I couldn't read “1.5h” as a duration: use whole numbers, e.g. 90m rather than 1.5h." + snoozeUsage},
		{"snooze 2x", `I couldn't read “2x” as a duration: unknown unit "x"; use m, h, d or w.` + snoozeUsage},
		{"snooze 3 months", "I couldn't read “3 months” as a duration: months and years aren't units here; use days or weeks, e.g. 4w." + snoozeUsage},
		{"snooze 0`", `I couldn't read “0'” as a duration: unknown unit "'"; use m, h, d or w.` + snoozeUsage},
		{"snooze week", "I couldn't read “week” as a duration: a duration starts with a number, e.g. 2d." + snoozeUsage},
		{"snooze -1h", "I couldn't read “-1h” as a duration: a duration can't be negative." + snoozeUsage},
		{"snooze on-call", "I couldn't read “on-call” as a duration: a duration starts with a number, e.g. 2d." + snoozeUsage},
		{"snooze 1w vacation", "I don't know the reason “vacation”; use on-call, travelling or time-off." + snoozeUsage},
		{"snooze 1w " + long, "I don't know the reason “" + clipped + "”; use on-call, travelling or time-off." + snoozeUsage},

		// admin
		{"admin", "Say which admin command." + adminUsg},
		{"admin foo", "I don't know “admin foo”." + adminUsg},
		{"admin statsu", "I don't know “admin statsu”. Did you mean `admin status`?" + adminUsg},
		{"admin status now", "`admin status` takes nothing after it. Usage: `/trustnudge admin status`"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.text)
		if err == nil {
			t.Errorf("Parse(%.60q) = %+v; want error %q", tt.text, got, tt.want)
			continue
		}
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("Parse(%.60q) error is %T; want *UsageError", tt.text, err)
		}
		if err.Error() != tt.want {
			t.Errorf("Parse(%.60q) error\n got: %s\nwant: %s", tt.text, err, tt.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	good := []struct {
		s    string
		want time.Duration
	}{
		{"1h", time.Hour},
		{"90m", 90 * time.Minute},
		{"36h", 36 * time.Hour},
		{"2d", 2 * day},
		{"1w", 7 * day},
		{"1w2d", 9 * day},
		{"1d12h", 36 * time.Hour},
		{"1W2D", 9 * day},
		{" 1 week 2 days ", 9 * day},
		{"2days", 2 * day},
		{"3 hrs 30 mins", 210 * time.Minute},
		{"1hour", time.Hour},
		{"007h", 7 * time.Hour},
		{"0m", 0},
		{"1h1h", 2 * time.Hour},
	}
	for _, tt := range good {
		if got, err := ParseDuration(tt.s); err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.s, got, err, tt.want)
		}
	}
	bad := []struct{ s, want string }{
		{"", "no duration given, e.g. 2d"},
		{"  ", "no duration given, e.g. 2d"},
		{"h", "a duration starts with a number, e.g. 2d"},
		{"2", "2 needs a unit: m, h, d or w, e.g. 2d"},
		{"1w2", "2 needs a unit: m, h, d or w, e.g. 2d"},
		{"2x", `unknown unit "x"; use m, h, d or w`},
		{"2hoursss", `unknown unit "hoursss"; use m, h, d or w`},
		{"2" + strings.Repeat("z", 50), `unknown unit "zzzzzzzzzz…"; use m, h, d or w`},
		{"1.5h", "use whole numbers, e.g. 90m rather than 1.5h"},
		{"1,5d", "use whole numbers, e.g. 90m rather than 1.5h"},
		{"-1h", "a duration can't be negative"},
		{"2mo", "months and years aren't units here; use days or weeks, e.g. 4w"},
		{"1y", "months and years aren't units here; use days or weeks, e.g. 4w"},
		{"99999999999999999999h", "too long"},
		{"15251w", "too long"},
		{"15000w15000w", "too long"},
	}
	for _, tt := range bad {
		got, err := ParseDuration(tt.s)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want error %q", tt.s, got, err, tt.want)
		}
	}
}

// TestKindString_IsTyped checks that each Kind's name, typed (with an
// argument where one is needed), parses back to that Kind, so logs and
// suggestions name real commands.
func TestKindString_IsTyped(t *testing.T) {
	args := map[Kind]string{
		TeamSet: " <@U1ABC>", TeamAdd: " <@U1ABC>", TeamRemove: " <@U1ABC>",
		HoursSet: " Mon 09:00-10:00", AdminHours: " Mon 09:00-10:00", Snooze: " 1d",
	}
	for k := range numKinds {
		text := k.String() + args[k]
		got, err := Parse(text)
		if err != nil || got.Kind != k {
			t.Errorf("Parse(%q) = %v, %v; want Kind %v", text, got.Kind, err, k)
		}
	}
	if got := Kind(99).String(); got != "Kind(99)" {
		t.Errorf("Kind(99).String() = %q", got)
	}
}

func TestUsage(t *testing.T) {
	for k := range numKinds {
		u := Usage(k)
		if !strings.HasPrefix(u, "/trustnudge ") || strings.ContainsAny(u, "`\n") {
			t.Errorf("Usage(%v) = %q", k, u)
		}
	}
	if got, want := Usage(Snooze), "/trustnudge snooze <1h…90d> [on-call|travelling|time-off]"; got != want {
		t.Errorf("Usage(Snooze) = %q; want %q", got, want)
	}
	if got := Usage(Kind(-1)); got != "/trustnudge help" {
		t.Errorf("Usage(Kind(-1)) = %q; want the help usage", got)
	}
	err := &UsageError{Msg: "Nope.", Usage: "/trustnudge help"}
	if got, want := err.Error(), "Nope. Usage: `/trustnudge help`"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
}

func TestHelpLines_OnePerCommand(t *testing.T) {
	lines := HelpLines()
	if len(lines) != int(numKinds) {
		t.Fatalf("HelpLines() has %d lines; want %d", len(lines), numKinds)
	}
	for k := range numKinds {
		prefix := "`" + Usage(k) + "`: "
		n := 0
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				n++
				if len(l) == len(prefix) || strings.Contains(l, "\n") {
					t.Errorf("help line %q: want one line saying what it does", l)
				}
			}
		}
		if n != 1 {
			t.Errorf("HelpLines() has %d lines for %v; want 1", n, k)
		}
	}
}

func TestNearest(t *testing.T) {
	tests := []struct{ typed, want string }{
		{"snoze", "snooze"},
		{"snoozee", "snooze"},
		{"unsnooze", "snooze"},
		{"stauts", "status"},
		{"stat", "status"},
		{"hour", "hours"},
		{"teams", "team"},
		{"optn", "optin"},
		{"otpout", "optout"},
		{"hlep", "help"},
		{"exlcude-me", "exclude-me"},
		{"excludme", "exclude-me"},
		{"forgetme-", "forget-me"},
		{"admn", "admin"},
		{"xyz", ""},
		{"poll", ""},
		{"digets", "digest"},
		{"disgest", "digest"},
		{"me", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := nearest(tt.typed, verbs)
		if ok != (tt.want != "") || got.name != tt.want {
			t.Errorf("nearest(%q) = %q, %v; want %q", tt.typed, got.name, ok, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"a", "", 1},
		{"snoze", "snooze", 1},
		{"stauts", "status", 1},
		{"kitten", "sitting", 3},
		{"ça", "ca", 1},
	}
	for _, tt := range tests {
		if got := distance([]rune(tt.a), []rune(tt.b)); got != tt.want {
			t.Errorf("distance(%q, %q) = %d; want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestParse_HugeInputIsQuick guards the promise that work is bounded: a
// megabyte of the worst shapes still answers at once.
func TestParse_HugeInputIsQuick(t *testing.T) {
	mb := 1 << 20
	for _, text := range []string{
		strings.Repeat("a", mb),
		"team " + strings.Repeat("<", mb),
		"team " + strings.Repeat("<@U1ABC> ", mb/9),
		"snooze " + strings.Repeat("1", mb),
		"hours " + strings.Repeat("Mon ", mb/4),
	} {
		start := time.Now()
		if _, err := Parse(text); err == nil {
			t.Errorf("Parse(%.30q…) accepted a megabyte", text)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("Parse(%.30q…) took %v", text, d)
		}
	}
	// Below the cap, linear work still.
	for _, text := range []string{
		"team " + strings.Repeat("< ", maxText/2-5),
		"team " + strings.Repeat("<@U1ABC>", maxText/8-1),
		"snooze 1" + strings.Repeat("1", maxText-20) + "d",
	} {
		if _, err := Parse(text); err == nil {
			t.Errorf("Parse(%.30q…) succeeded", text)
		}
	}
}
