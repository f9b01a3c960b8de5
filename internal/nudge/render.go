package nudge

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/people"
)

// Message is what the Slack adapter posts: as an ephemeral message
// (chat.postEphemeral) or a DM (chat.postMessage). Both take text and
// blocks. Post DMs that list permalinks with unfurl_links=false, so the
// links stay one line each.
type Message struct {
	// Text is the notification and accessibility fallback: the lead and
	// the body, without formatting (but escaped, as Slack reads it as
	// mrkdwn). It is never empty.
	Text   string        `json:"text"`
	Blocks []slack.Block `json:"blocks"`
}

// Action IDs of the buttons on every nudge, for routing block_actions. Each
// button's value is ButtonValue(nudgeID, kind).
const (
	ActionHelpful    = "nudge_helpful"
	ActionNotHelpful = "nudge_not_helpful"
	ActionSnoozeWeek = "nudge_snooze_week"
	// ActionStop switches the nudge's kind off for this manager. The button
	// asks for confirmation first.
	ActionStop = "nudge_stop"
	// ActionAskTeam opens the norms poll about messaging hours. The button
	// is shown only when AfterHoursView.PollButton is set.
	ActionAskTeam = "nudge_ask_team"
)

// MaxItems is how many waiting questions a slow-reply nudge lists; the rest
// are counted ("+2 more waiting").
const MaxItems = 10

// workingDay is one working day, in working minutes: a question is slow
// after one (DESIGN §4).
const workingDay = 8 * 60

// Slack's limits, in characters, that rendering stays within.
const (
	maxSectionText = 3000
	maxButtonText  = 75
	maxButtonValue = 2000
)

// AfterHoursView is one after-hours nudge: the entry to say and the facts
// of the moment.
type AfterHoursView struct {
	Entry Entry
	// NudgeID identifies this nudge in button values (Entry.ID if empty).
	NudgeID string
	// Reached is how many team members the message reached outside their
	// working hours.
	Reached int
	// SuggestAt is the first moment inside all their working hours, to
	// offer for Slack's Schedule send; zero when there is none to suggest.
	SuggestAt time.Time
	// SuggestForReachedOnly: SuggestAt fits only the members reached, as
	// the hours of everyone in the conversation never meet.
	SuggestForReachedOnly bool
	// ManagerLoc is the manager's zone ("08:00 for you"); nil means UTC.
	ManagerLoc *time.Location
	// MemberLoc is the zone of the members reached ("09:00 their time"),
	// nil when they are in different zones.
	MemberLoc *time.Location
	// Now decides between "today", "tomorrow" and a weekday; zero always
	// gives the weekday.
	Now time.Time
	// PollButton adds "Ask my team about messaging hours" (ActionAskTeam).
	// Leave it off until the poll can be started from a nudge.
	PollButton bool
}

// RenderAfterHours lays out an after-hours nudge: the lead and body, a
// suggestion of when to schedule such a message next time, the habit to
// try, the fact behind it, and the buttons.
func RenderAfterHours(v AfterHoursView) Message {
	e := v.Entry
	when := suggestWhen(v.SuggestAt, v.Now, v.ManagerLoc, v.MemberLoc, v.SuggestForReachedOnly)
	vals := map[string]string{
		"reached": countPhrase(v.Reached, "person on your team", "people on your team", "someone on your team"),
		"suggest": cmp.Or(when, "the start of their working day"),
	}
	lead, body, try := expand(e.Lead, vals), expand(e.Body, vals), expand(e.Try, vals)

	blocks := []slack.Block{section("*" + escape(lead) + "*\n" + escape(body))}
	// An entry that names the time itself doesn't need the line too.
	if when != "" && !uses(e.Lead, "suggest") && !uses(e.Body, "suggest") && !uses(e.Try, "suggest") {
		blocks = append(blocks, section("Next time, try Slack's *Schedule send* for "+when+"."))
	}
	blocks = append(blocks, trySection(try), factContext(e), actions(cmp.Or(v.NudgeID, e.ID), e.Pattern, v.PollButton))
	return Message{Text: fallback(lead, body), Blocks: blocks}
}

// WaitingItem is one question waiting for the manager.
type WaitingItem struct {
	// Permalink links to the waiting message (chat.getPermalink).
	Permalink string
	// Asker is the team member who asked.
	Asker activity.UserID
	// Since is when they asked (zero if unknown).
	Since time.Time
	// WaitedMinutes is how long it has waited, in the manager's working
	// minutes.
	WaitedMinutes float64
}

// SlowReplyView is one slow-reply nudge: the entry and the questions
// waiting.
type SlowReplyView struct {
	Entry   Entry
	NudgeID string // identifies this nudge in button values (Entry.ID if empty)
	Items   []WaitingItem
	// ManagerLoc is the manager's zone, for when each question was asked;
	// nil means UTC.
	ManagerLoc *time.Location
	// Now decides between "today", "yesterday" and a weekday.
	Now time.Time
}

// RenderSlowReply lays out a slow-reply nudge: the lead and body, the
// waiting questions as links (longest wait first, at most MaxItems), the
// habit to try, the fact behind it, and the buttons.
func RenderSlowReply(v SlowReplyView) Message {
	e := v.Entry
	items := slices.Clone(v.Items)
	slices.SortStableFunc(items, func(a, b WaitingItem) int {
		return cmp.Or(
			cmp.Compare(minutes(b.WaitedMinutes), minutes(a.WaitedMinutes)),
			a.Since.Compare(b.Since),
			strings.Compare(a.Permalink, b.Permalink),
		)
	})
	oldest := 0
	if len(items) > 0 {
		oldest = minutes(items[0].WaitedMinutes)
	}
	vals := map[string]string{
		"waiting": countPhrase(len(items), "question", "questions", "no questions"),
		"oldest":  formatWait(oldest),
	}
	lead, body, try := expand(e.Lead, vals), expand(e.Body, vals), expand(e.Try, vals)

	loc := v.ManagerLoc
	if loc == nil {
		loc = time.UTC
	}
	var lines []string
	for _, it := range items[:min(len(items), MaxItems)] {
		lines = append(lines, itemLine(it, v.Now, loc))
	}
	if more := len(items) - MaxItems; more > 0 {
		lines = append(lines, fmt.Sprintf("+%d more waiting", more))
	}

	blocks := []slack.Block{section("*" + escape(lead) + "*\n" + escape(body))}
	for _, text := range pack(lines, maxSectionText) {
		blocks = append(blocks, section(text))
	}
	blocks = append(blocks, trySection(try), factContext(e), actions(cmp.Or(v.NudgeID, e.ID), e.Pattern, false))
	return Message{Text: fallback(lead, body), Blocks: blocks}
}

// itemLine is one waiting question:
// "• <permalink|Question> from <@U1> · asked Mon 16:20 · waiting 1 working day 3 h".
// The mention sits outside the link because Slack doesn't render a mention
// inside a link's label.
func itemLine(it WaitingItem, now time.Time, loc *time.Location) string {
	q := "Question"
	if validLink(it.Permalink) {
		q = "<" + it.Permalink + "|Question>"
	}
	who := "a team member"
	if activity.IsUserID(string(it.Asker)) {
		who = "<@" + string(it.Asker) + ">"
	}
	line := "• " + q + " from " + who
	if !it.Since.IsZero() {
		t := it.Since.In(loc)
		line += " · asked " + dayWord(t, now.In(loc)) + " " + t.Format("15:04")
	}
	return line + " · waiting " + formatWait(minutes(it.WaitedMinutes))
}

// validLink reports whether s can go inside <…|…>: an http(s) URL of a
// sane length without the characters that would end the link.
func validLink(s string) bool {
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		return false
	}
	return len(s) <= 1000 && !strings.ContainsAny(s, "<>| \t\r\n")
}

// pack joins lines with newlines into as few texts of at most max
// characters as it can; a single longer line is cut.
func pack(lines []string, max int) []string {
	var out []string
	var cur []string
	n := 0
	for _, l := range lines {
		l = truncate(l, max)
		ln := utf8.RuneCountInString(l)
		if len(cur) > 0 && n+1+ln > max {
			out = append(out, strings.Join(cur, "\n"))
			cur, n = nil, 0
		}
		if len(cur) > 0 {
			n++
		}
		cur = append(cur, l)
		n += ln
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, "\n"))
	}
	return out
}

// minutes turns a float number of minutes into whole minutes, with NaN,
// negatives and absurdly large values held in range.
func minutes(m float64) int {
	switch {
	case math.IsNaN(m) || m < 0:
		return 0
	case m > 1e9:
		return 1e9
	}
	return int(m)
}

// formatWait says how long a question waited in working time: "1 working
// day 3 h", "2 working days", "5 working hours", "40 working minutes".
func formatWait(m int) string {
	days, hours, mins := m/workingDay, m%workingDay/60, m%60
	switch {
	case days > 0:
		s := plural(days, "working day", "working days")
		if hours > 0 {
			s += fmt.Sprintf(" %d h", hours)
		}
		return s
	case hours > 0:
		return plural(hours, "working hour", "working hours")
	case mins > 0:
		return plural(mins, "working minute", "working minutes")
	}
	return "less than a working minute"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// countPhrase is "one question", "3 questions", or none for zero or less.
func countPhrase(n int, one, many, none string) string {
	switch {
	case n <= 0:
		return none
	case n == 1:
		return "one " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// suggestWhen says when to schedule a message: "Tue 09:00 their time (08:00
// for you)", or "" when at is zero.
//
// reachedOnly says the time fits only the members the message reached,
// not everyone in the conversation, and the words say so.
func suggestWhen(at, now time.Time, manager, member *time.Location, reachedOnly bool) string {
	if at.IsZero() {
		return ""
	}
	forYou, yourTime := " for you", " your time"
	if manager == nil {
		manager, forYou, yourTime = time.UTC, " UTC", " UTC"
	}
	mine := at.In(manager)
	// Day words are the manager's: "tomorrow" is their tomorrow, whichever
	// zone the time is shown in.
	now = now.In(manager)
	if member == nil {
		who := ", when they're all within working hours"
		if reachedOnly {
			who = ", when everyone it reached is within working hours"
		}
		return dayWord(mine, now) + " " + mine.Format("15:04") + yourTime + who
	}
	theirs := at.In(member)
	theirDay, myDay := dayWord(theirs, now), dayWord(mine, now)
	s := theirDay + " " + theirs.Format("15:04")
	if theirDay == myDay && theirs.Format("15:04") == mine.Format("15:04") && forYou == " for you" {
		return s + ", your time and theirs"
	}
	myPart := mine.Format("15:04")
	if myDay != theirDay {
		myPart = myDay + " " + myPart
	}
	return s + " their time (" + myPart + forYou + ")"
}

// dayWord names t's calendar day (in t's zone) as seen from now's
// calendar day (in now's zone, the reader's): "today", "tomorrow",
// "yesterday", a weekday within a week, else "Tue 24 Nov". With now zero it
// is always the weekday.
func dayWord(t, now time.Time) string {
	if now.IsZero() {
		return t.Format("Mon")
	}
	y1, m1, d1 := t.Date()
	y0, m0, d0 := now.Date()
	days := int(math.Round(time.Date(y1, m1, d1, 12, 0, 0, 0, time.UTC).Sub(time.Date(y0, m0, d0, 12, 0, 0, 0, time.UTC)).Hours() / 24))
	switch {
	case days == 0:
		return "today"
	case days == 1:
		return "tomorrow"
	case days == -1:
		return "yesterday"
	case days > -7 && days < 7:
		return t.Format("Mon")
	}
	return t.Format("Mon 2 Jan")
}

func trySection(try string) *slack.SectionBlock {
	return section("*Try this:* " + escape(try))
}

func factContext(e Entry) *slack.ContextBlock {
	return slack.NewContextBlock("", mrkdwn(truncate("*Why it matters:* "+escape(e.Fact)+" — "+escape(e.Source), maxSectionText)))
}

// actions are the buttons every nudge carries.
func actions(nudgeID, kind string, poll bool) *slack.ActionBlock {
	value := ButtonValue(nudgeID, kind)
	var els []slack.BlockElement
	if poll {
		els = append(els, button(ActionAskTeam, "Ask my team about messaging hours", value).WithStyle(slack.StylePrimary))
	}
	what := "You won't get this kind of nudge any more."
	if words, ok := people.Kinds[kind]; ok {
		what = "You won't get nudges about " + words + "s any more."
	}
	confirm := slack.NewConfirmationBlockObject(plain("Stop these nudges?"),
		plain(what+" You can turn them back on from trustnudge's Home tab."),
		plain("Stop them"), plain("Keep them")).WithStyle(slack.StyleDanger)
	els = append(els,
		button(ActionHelpful, "Helpful", value),
		button(ActionNotHelpful, "Not helpful", value),
		button(ActionSnoozeWeek, "Snooze a week", value),
		button(ActionStop, "Stop these", value).WithConfirm(confirm),
	)
	return slack.NewActionBlock("", els...)
}

// ButtonValue is the value of a nudge's buttons: the nudge's ID and its
// kind, so the adapter knows what feedback or "Stop these" is about.
func ButtonValue(nudgeID, kind string) string { return nudgeID + "|" + kind }

// ParseButtonValue splits a button value made by ButtonValue. The value
// comes back from Slack in an interaction payload, so it is checked rather
// than trusted.
func ParseButtonValue(v string) (nudgeID, kind string, err error) {
	if len(v) > maxButtonValue {
		return "", "", fmt.Errorf("nudge: button value is %d bytes; at most %d", len(v), maxButtonValue)
	}
	i := strings.LastIndexByte(v, '|')
	if i < 0 {
		return "", "", fmt.Errorf(`nudge: button value %q has no "|"`, v)
	}
	nudgeID, kind = v[:i], v[i+1:]
	if strings.TrimSpace(nudgeID) == "" || !utf8.ValidString(nudgeID) || strings.ContainsAny(nudgeID, "\r\n") {
		return "", "", fmt.Errorf("nudge: button value %q: empty or invalid nudge ID", v)
	}
	if !patternName.MatchString(kind) {
		return "", "", fmt.Errorf("nudge: button value %q: invalid kind %q", v, kind)
	}
	return nudgeID, kind, nil
}

// fallback is Message.Text: "Lead. Body", without mrkdwn emphasis.
func fallback(lead, body string) string {
	lead = strings.TrimRight(lead, ".:;,!? ")
	return escape(stripEmphasis(lead + ". " + body))
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func section(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(truncate(text, maxSectionText)), nil, nil)
}

func button(actionID, text, value string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, value, plain(truncate(text, maxButtonText)))
}

// escape makes content safe as mrkdwn: Slack reads &, < and > as control
// characters (links, mentions, @channel), so text from the library shows as
// written and can never ping anyone.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// truncate shortens s to at most n characters, ending with "…" if cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
