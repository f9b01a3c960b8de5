package slackui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/digest"
	"github.com/trustnudge/trustnudge/internal/people"
)

// Home is everything the App Home shows for one person.
type Home struct {
	User     activity.UserID
	Now      time.Time
	Location *time.Location // the person's zone, for formatting times; nil means UTC
	OptedIn  bool
	// Members are their team (if a manager), rendered as <@U…> mentions.
	Members      []activity.UserID
	SnoozedUntil time.Time // zero if not snoozed
	SnoozeReason people.SnoozeReason
	// OwnHours is the person's own spec, "" if none.
	OwnHours string
	// EffectiveHours is the spec the detectors use for them.
	EffectiveHours string
	// HoursSource says where EffectiveHours comes from: SourceOwn,
	// SourceDefault or SourceNorm.
	HoursSource string
	Excluded    bool
	// OnTeamsOf is how many managers have this person on their team.
	OnTeamsOf int
	IsAdmin   bool
	// KindsOff are nudge kinds the manager switched off, if any.
	KindsOff []string
	// Notice is an optional one-line result of the last action, shown near
	// the top as plain text (it is escaped, so it can't mention anyone).
	Notice string
	// Digest is an opted-in manager's numbers of this week so far, with
	// the weeks before: the App Home shows their trend. Nil shows none.
	Digest *digest.Report
}

// Where a person's effective working hours come from, for Home.HoursSource.
const (
	SourceOwn     = "your own setting"
	SourceDefault = "the workspace default"
	SourceNorm    = "your team's agreed norm"
)

// maxKindsShown bounds the "switched off" rows, one block each.
const maxKindsShown = 10

// maxNotice bounds the notice line.
const maxNotice = 300

const intro = "*trustnudge* helps managers build trust with their teams through small, private nudges, " +
	"like a heads-up that a message went out after someone's working hours or that a question from the team is still waiting. " +
	"It reads only message *metadata* (who posted, where, when, in which thread, and whom they mentioned), never what anyone wrote."

const commands = "Commands: `/trustnudge help` · `status` · `optin` · `optout` · `team @a @b …` · " +
	"`hours &lt;spec&gt;` · `snooze &lt;duration&gt;` · `poll` · `digest` · `exclude-me` · `forget-me`"

const adminLine = "You're a workspace admin: `/trustnudge admin status` shows workspace health. " +
	"Admins see workspace-level status only, never a manager's nudges or counts."

// HomeView renders the App Home tab for one person.
func HomeView(h Home) slack.HomeTabViewRequest {
	loc := h.Location
	if loc == nil {
		loc = time.UTC
	}
	var b []slack.Block
	b = append(b, header("trustnudge"), section(intro))
	if n := strings.TrimSpace(h.Notice); n != "" {
		b = append(b, section(":information_source: "+escapeKeepMentions(truncate(n, maxNotice))))
	}

	b = append(b, slack.NewDividerBlock(), header("For you as a manager"))
	if !h.OptedIn {
		b = append(b, sectionWith(
			"If you manage people, opt in to get small private nudges about your own messaging habits with your team. "+
				"Only you see them. Nothing is recorded about you as a manager until you opt in.",
			button(ActionOptIn, "Opt in").WithStyle(slack.StylePrimary)))
	} else {
		b = append(b, managerBlocks(h, loc)...)
	}

	b = append(b, slack.NewDividerBlock(), header("Your working hours"))
	b = append(b, hoursBlocks(h)...)

	b = append(b, slack.NewDividerBlock(), header("Your privacy"))
	b = append(b, privacyBlocks(h)...)

	b = append(b, slack.NewDividerBlock())
	if h.IsAdmin {
		b = append(b, contextLine(adminLine))
	}
	b = append(b, contextLine(commands))
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: b}}
}

func managerBlocks(h Home, loc *time.Location) []slack.Block {
	optOut := button(ActionOptOut, "Opt out").WithConfirm(
		confirm("Opt out of nudges?",
			"You'll get no more nudges, and nothing new is recorded about you as a manager. "+
				"Your team list and the message records kept only for your nudges are deleted; your own working hours stay.",
			"Opt out", "Cancel"))
	b := []slack.Block{sectionWith(
		"You're opted in. Your nudges and counts are visible to you alone: not to admins, not to your own manager.",
		optOut)}

	var members []string
	for _, u := range people.Normalize(h.Members) {
		if activity.IsUserID(string(u)) {
			members = append(members, "<@"+string(u)+">")
		} else {
			members = append(members, code(string(u)))
		}
	}
	if len(members) == 0 {
		b = append(b, sectionWith(
			"*Your team*: no team yet. Choose the people you manage, so trustnudge knows whose working hours to respect.",
			button(ActionEditTeam, "Choose my team").WithStyle(slack.StylePrimary)))
	} else {
		lead := fmt.Sprintf("*Your team* (%s): ", plural(len(members), "person", "people"))
		for i, text := range pack(lead, members, ", ", maxSectionText) {
			if i == 0 {
				b = append(b, sectionWith(text, button(ActionEditTeam, "Edit my team…")))
			} else {
				b = append(b, section(text))
			}
		}
	}

	if h.Now.Before(h.SnoozedUntil) {
		text := "*Nudges*: snoozed until " + formatUntil(h.SnoozedUntil, h.Now, loc)
		if r := reasonText(h.SnoozeReason); r != "" {
			text += " (" + r + ")"
		}
		b = append(b, sectionWith(text+". They start again by themselves.", button(ActionUnsnooze, "Resume now")))
	} else {
		b = append(b, sectionWith("*Nudges*: on.", button(ActionSnooze, "Snooze…")))
	}

	if h.Digest != nil {
		b = append(b, digestBlocks(*h.Digest, slices.Contains(h.KindsOff, people.KindDigest))...)
	}
	for i, kind := range h.KindsOff {
		if i == maxKindsShown {
			break
		}
		on := button(ActionKindOn, "Turn back on")
		on.Value = kind
		text := "You switched off " + code(truncate(kind, 100)) + " nudges."
		if kind == people.KindDigest {
			text = "You switched off the weekly digest."
		}
		b = append(b, sectionWith(text, on))
	}
	b = append(b, sectionWith("*Team norms*: ask your team, anonymously, when work messages are welcome. "+
		"If you adopt the answer, your nudges follow it.",
		button(ActionStartPoll, "Ask my team about messaging hours")))
	return b
}

// digestBlocks show a manager's weeks: the after-hours trend ending with
// this week so far, the median reply time, and when the digest comes.
func digestBlocks(r digest.Report, off bool) []slack.Block {
	counts := make([]int, len(r.Trend))
	nums := make([]string, len(r.Trend))
	for i, p := range r.Trend {
		counts[i], nums[i] = p.AfterHours, fmt.Sprint(p.AfterHours)
	}
	var text strings.Builder
	text.WriteString("*Your weeks*: after-hours messages")
	if len(r.Trend) > 1 {
		fmt.Fprintf(&text, " in the last %d weeks, from the week of %s to this week so far: ", len(r.Trend), r.Trend[0].Week.Monday())
	} else {
		text.WriteString(" this week so far: ")
	}
	text.WriteString(code(digest.Sparkline(counts)) + " " + strings.Join(nums, " → ") + ".\n")
	text.WriteString("Median reply time to your team: ")
	if m := r.MedianText(); m != "" {
		text.WriteString(m + " this week so far")
	} else {
		text.WriteString("nothing answered yet this week")
	}
	if pm, ok := r.Prev.Median(); ok && r.HasPrev {
		text.WriteString(" (last week: " + digest.WorkingTime(pm) + ")")
	}
	text.WriteString(".\n")
	if off {
		text.WriteString("Weekly digests are off; you can still get one now.")
	} else {
		text.WriteString("Your weekly digest comes on Monday at 09:00 your time, or at your first working hour that week.")
	}
	// Numbers and fixed words only, so nothing needs escaping.
	return []slack.Block{sectionWith(truncate(text.String(), maxSectionText), button(ActionDigest, "Send my digest now"))}
}

// maxSpecShown bounds each hours spec shown on the Home tab, so the section
// stays within Slack's limit whatever the store holds.
const maxSpecShown = 200

func hoursBlocks(h Home) []slack.Block {
	effective := code(truncate(h.EffectiveHours, maxSpecShown))
	var text string
	switch {
	case h.EffectiveHours == "":
		text = "Your working hours aren't known yet."
	case h.HoursSource == "":
		text = "Nudges treat " + effective + " as your working hours."
	default:
		text = "Nudges treat " + effective + " as your working hours, from " +
			escape(truncate(h.HoursSource, 100)) + "."
	}
	if h.OwnHours != "" && h.HoursSource != SourceOwn && h.OwnHours != h.EffectiveHours {
		text += " Your own setting, " + code(truncate(h.OwnHours, maxSpecShown)) + ", applies when no team norm does."
	}
	text += " Managers who opted in are nudged when they message you outside them."
	acts := []slack.BlockElement{button(ActionEditHours, "Set my hours…")}
	if h.OwnHours != "" {
		acts = append(acts, button(ActionClearHours, "Use the default"))
	}
	return []slack.Block{section(text), slack.NewActionBlock("", acts...)}
}

func privacyBlocks(h Home) []slack.Block {
	var b []slack.Block
	if h.Excluded {
		b = append(b, sectionWith(
			"You're *left out of all counting*: nothing is recorded about your messages, and no manager is nudged about them.",
			button(ActionInclude, "Count me in again")))
	} else {
		text := "You don't need to do anything. Your messages are counted only as far as an opted-in manager's nudges need it, " +
			"for example that a question you asked them is still waiting. "
		switch h.OnTeamsOf {
		case 0:
			text += "No manager has you on their team."
		case 1:
			text += "One manager has you on their team."
		default:
			text += fmt.Sprintf("%d managers have you on their team.", h.OnTeamsOf)
		}
		b = append(b, sectionWith(text, button(ActionExclude, "Leave me out of all counting")))
	}
	forget := button(ActionForget, "Delete everything about me").
		WithStyle(slack.StyleDanger).
		WithConfirm(confirm("Delete everything about you?", ForgetText, "Delete everything", "Cancel").
			WithStyle(slack.StyleDanger))
	b = append(b, sectionWith("You can have everything trustnudge holds about you deleted at once.", forget))
	return b
}

func confirm(title, text, yes, no string) *slack.ConfirmationBlockObject {
	return slack.NewConfirmationBlockObject(plain(title), plain(text), plain(yes), plain(no))
}

// formatUntil writes t in loc like "Tue 24 Nov 09:00", with the year when it
// is not now's.
func formatUntil(t, now time.Time, loc *time.Location) string {
	t = t.In(loc)
	if t.Year() != now.In(loc).Year() {
		return t.Format("Mon 2 Jan 2006 15:04")
	}
	return t.Format("Mon 2 Jan 15:04")
}

func reasonText(r people.SnoozeReason) string {
	switch r {
	case people.SnoozeOnCall:
		return "on call"
	case people.SnoozeTravelling:
		return "travelling"
	case people.SnoozeTimeOff:
		return "time off"
	}
	return ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// pack joins items with sep into texts of at most limit characters, the
// first starting with lead. Items are short (mentions), so none is split.
func pack(lead string, items []string, sep string, limit int) []string {
	var out []string
	var cur strings.Builder
	cur.WriteString(lead)
	n := len([]rune(lead))
	first := true
	for _, it := range items {
		l := len([]rune(it))
		if !first && n+len(sep)+l > limit {
			out = append(out, cur.String())
			cur.Reset()
			n, first = 0, true
		}
		if !first {
			cur.WriteString(sep)
			n += len(sep)
		}
		cur.WriteString(it)
		n += l
		first = false
	}
	return append(out, cur.String())
}
