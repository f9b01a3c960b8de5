package command

import (
	"github.com/trustnudge/trustnudge/internal/people"
)

const prefix = "/trustnudge "

// hoursExample is in every hours usage: an example says more than a grammar.
const hoursExample = "Mon-Fri 09:00-18:00 [Europe/Berlin]"

// adminUsage answers "admin" alone or with an unknown subcommand, which
// have no Kind of their own.
const adminUsage = prefix + "admin status | admin hours [Mon-Fri 09:00-18:00 Europe/Berlin]"

// kinds describes each Kind: its name as typed, its usage after
// /trustnudge, and what it does for the help reply.
var kinds = [numKinds]struct{ name, usage, help string }{
	Help:           {"help", "help", "show this help"},
	OptIn:          {"optin", "optin", "start getting private nudges about how you work with your team"},
	OptOut:         {"optout", "optout", "stop all nudges"},
	TeamShow:       {"team", "team", "show who is on your team"},
	TeamSet:        {"team set", "team @person …", "make your team exactly these people"},
	TeamAdd:        {"team add", "team add @person …", "add people to your team"},
	TeamRemove:     {"team remove", "team remove @person …", "take people off your team"},
	HoursShow:      {"hours", "hours", "show your working hours"},
	HoursSet:       {"hours set", "hours " + hoursExample, "set your working hours (days, times and, if you like, a time zone)"},
	Snooze:         {"snooze", "snooze <" + short(people.MinSnooze) + "…" + short(people.MaxSnooze) + "> [on-call|travelling|time-off]", "pause nudges for a while, e.g. `snooze 1w travelling`"},
	SnoozeOff:      {"snooze off", "snooze off", "resume nudges now"},
	Status:         {"status", "status", "show your opt-in, team, hours and snooze"},
	ExcludeMe:      {"exclude-me", "exclude-me", "leave your activity out of all counting"},
	IncludeMe:      {"include-me", "include-me", "count your activity again"},
	ForgetMe:       {"forget-me", "forget-me", "delete everything trustnudge stores about you"},
	AdminStatus:    {"admin status", "admin status", "(admins) workspace health and opt-in counts"},
	AdminHours:     {"admin hours set", "admin hours " + hoursExample, "(admins) set the workspace's default working hours"},
	AdminHoursShow: {"admin hours", "admin hours", "(admins) show the workspace's default working hours"},
	Poll:           {"poll", "poll", "ask your team, anonymously, when work messages are welcome"},
	Digest:         {"digest", "digest", "get your weekly digest of this week so far now, as a direct message (Monday's still comes)"},
}

// Usage is how to type command k, e.g.
// "/trustnudge snooze <1h…90d> [on-call|travelling|time-off]".
func Usage(k Kind) string {
	if k < 0 || k >= numKinds {
		k = Help
	}
	return prefix + kinds[k].usage
}

// helpOrder groups the help reply by topic rather than by Kind value.
var helpOrder = []Kind{
	Help, OptIn, OptOut, Status,
	TeamShow, TeamSet, TeamAdd, TeamRemove,
	HoursShow, HoursSet, Snooze, SnoozeOff, Poll, Digest,
	ExcludeMe, IncludeMe, ForgetMe,
	AdminStatus, AdminHoursShow, AdminHours,
}

// HelpLines gives one mrkdwn line per command, usage then what it does,
// for the help reply; the caller adds bullets.
func HelpLines() []string {
	lines := make([]string, len(helpOrder))
	for i, k := range helpOrder {
		lines[i] = "`" + Usage(k) + "`: " + kinds[k].help
	}
	return lines
}

// suggestion is a command a mistyped word may have meant.
type suggestion struct{ key, name, usage string }

func suggest(key string, k Kind) suggestion { return suggestion{key, k.String(), Usage(k)} }

var (
	verbs = []suggestion{
		suggest("help", Help), suggest("optin", OptIn), suggest("optout", OptOut),
		suggest("team", TeamShow), suggest("hours", HoursShow), suggest("snooze", Snooze),
		suggest("status", Status), suggest("digest", Digest), suggest("exclude-me", ExcludeMe),
		suggest("include-me", IncludeMe), suggest("forget-me", ForgetMe),
		{"admin", "admin", adminUsage},
	}
	teamSubs  = []suggestion{suggest("add", TeamAdd), suggest("remove", TeamRemove)}
	adminSubs = []suggestion{{"status", "admin status", adminUsage}, {"hours", "admin hours", adminUsage}}
)

// nearest finds the suggestion closest to typed by edit distance, if one
// is close enough to be a typo (1 edit for short words, up to 3 for long
// ones) rather than a different word; ties go to the earlier one.
func nearest(typed string, cs []suggestion) (suggestion, bool) {
	best, bestD := suggestion{}, -1
	a := []rune(clip(typed, 24))
	for _, c := range cs {
		b := []rune(c.key)
		limit := 1
		switch {
		case len(b) > 8:
			limit = 3
		case len(b) > 5:
			limit = 2
		}
		if d := distance(a, b); d <= limit && (bestD < 0 || d < bestD) {
			best, bestD = c, d
		}
	}
	return best, bestD >= 0
}

// distance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours ("stauts") each cost 1.
func distance(a, b []rune) int {
	if len(a) == 0 || len(b) == 0 {
		return max(len(a), len(b))
	}
	// d[i][j] is the distance between a[:i] and b[:j].
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
