// Package slackui renders trustnudge's Slack surfaces as Block Kit: the App
// Home tab and the modals opened from it, and it reads the modals back when
// they are submitted.
//
// It is pure: every function maps plain values to slack-go view types (or
// back) and does no I/O, so the adapter in slackapp decides what to show and
// this package only decides how it looks. Every button carries an action ID
// constant from here so the adapter can route block_actions, and every modal
// a callback ID constant so it can route view_submission.
package slackui

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Action IDs of the App Home's buttons, for routing block_actions.
const (
	ActionOptIn      = "home_optin"
	ActionOptOut     = "home_optout"
	ActionEditTeam   = "home_team"
	ActionEditHours  = "home_hours"
	ActionClearHours = "home_hours_clear"
	ActionSnooze     = "home_snooze"
	ActionUnsnooze   = "home_unsnooze"
	ActionExclude    = "home_exclude"
	ActionInclude    = "home_include"
	ActionForget     = "home_forget"
	// ActionKindOn turns a switched-off nudge kind back on; the button's
	// value is the kind.
	ActionKindOn = "home_kind_on"
	// ActionDigest sends the manager their digest of this week so far.
	ActionDigest = "home_digest"
)

// Callback IDs of the modals, for routing view_submission.
const (
	CallbackTeam   = "modal_team"
	CallbackHours  = "modal_hours"
	CallbackSnooze = "modal_snooze"
)

// Block and action IDs of the modals' inputs. Block IDs are what
// ErrorsResponse needs to show a message next to a field.
const (
	TeamBlockID   = "team"
	TeamActionID  = "team_users"
	HoursBlockID  = "hours"
	HoursActionID = "hours_spec"
	SnoozeBlockID = "snooze"
	// SnoozeActionID is the duration select in SnoozeBlockID.
	SnoozeActionID = "snooze_for"
	ReasonBlockID  = "snooze_reason"
	ReasonActionID = "snooze_reason"
)

// MaxTeam is the most people the team modal can hold (Slack's limit for a
// multi-select's initial and selected users).
const MaxTeam = 100

// MaxHoursSpec is the longest working-hours spec the hours modal accepts.
const MaxHoursSpec = 300

// DefaultHoursExample is shown as the format of an hours spec when the caller
// gives no example of its own.
const DefaultHoursExample = "Mon-Fri 09:00-18:00"

// ForgetText says exactly what "Delete everything about me" deletes. The
// slash command's forget-me should say the same, and the store must delete
// all of it.
const ForgetText = "This deletes, right away and for good: your opt-in, team list, snooze " +
	"and nudge settings; your own working hours; your choice to be left out of counting; " +
	"and all message metadata and counts recorded about you. It can't be undone."

// Slack's limits, in characters, that this package writes within.
const (
	maxSectionText = 3000
	maxHeaderText  = 150
	maxButtonText  = 75
)

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func section(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(text), nil, nil)
}

func sectionWith(text string, accessory slack.BlockElement) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(text), nil, slack.NewAccessory(accessory))
}

func header(text string) *slack.HeaderBlock {
	return slack.NewHeaderBlock(plain(truncate(text, maxHeaderText)))
}

func contextLine(text string) *slack.ContextBlock {
	return slack.NewContextBlock("", mrkdwn(text))
}

func button(actionID, text string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, "", plain(truncate(text, maxButtonText)))
}

// escape makes s safe to show as mrkdwn: Slack reads &, < and > as control
// characters (links, mentions, @channel), so text that came from a person or
// from elsewhere in the app is escaped before it is shown.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// escapedMention matches a user mention after escape.
var escapedMention = regexp.MustCompile(`&lt;@([UW][A-Z0-9]{1,31})&gt;`)

// escapeKeepMentions escapes s but lets user mentions (<@U…>) render, so a
// notice such as "Your team: <@U1>, <@U2>" shows names. Special mentions
// (<!channel>) and links stay escaped: a notice never pings anyone.
func escapeKeepMentions(s string) string {
	return escapedMention.ReplaceAllString(escape(s), "<@$1>")
}

// code shows s as inline code, escaped, with backticks (which would end the
// code span) replaced.
func code(s string) string {
	return "`" + escape(strings.ReplaceAll(s, "`", "'")) + "`"
}

// truncate shortens s to at most n characters, ending with "…" if cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
