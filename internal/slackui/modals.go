package slackui

import (
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/people"
)

func modal(callbackID, title, submit string, blocks ...slack.Block) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: callbackID,
		Title:      plain(title),
		Submit:     plain(submit),
		Close:      plain("Cancel"),
		Blocks:     slack.Blocks{BlockSet: blocks},
	}
}

// TeamModal asks a manager who is on their team, starting from current. At
// most MaxTeam people fit; more are cut off (sorted by ID).
func TeamModal(current []activity.UserID) slack.ModalViewRequest {
	var initial []string
	for _, u := range people.Normalize(current) {
		if activity.IsUserID(string(u)) && len(initial) < MaxTeam {
			initial = append(initial, string(u))
		}
	}
	sel := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeUser,
		plain("Add people"), TeamActionID).WithMaxSelectedItems(MaxTeam)
	sel.InitialUsers = initial
	input := slack.NewInputBlock(TeamBlockID, plain("Your team"),
		plain("Up to 100 people. Leave it empty to have no team."), sel).WithOptional(true)
	return modal(CallbackTeam, "Your team", "Save",
		section("Choose the people you manage. trustnudge uses their working hours to time your nudges, "+
			"and looks only at the metadata of messages between you and them, never at what anyone wrote."),
		input)
}

// HoursModal asks for the person's own working hours, starting from
// currentSpec. example shows the format (DefaultHoursExample if "").
func HoursModal(currentSpec, example string) slack.ModalViewRequest {
	if strings.TrimSpace(example) == "" {
		example = DefaultHoursExample
	}
	in := slack.NewPlainTextInputBlockElement(plain(truncate("e.g. "+example, 150)), HoursActionID).
		WithInitialValue(truncate(currentSpec, MaxHoursSpec)).
		WithMaxLength(MaxHoursSpec)
	hint := truncate("Days and times, optionally followed by a time zone. For example: “"+example+
		"” or “Mon-Thu 08:30-17:00, Fri 08:30-13:00 Europe/Berlin”. Without a zone, your Slack time zone is used.", 2000)
	return modal(CallbackHours, "Your working hours", "Save",
		section("Managers who opted in are nudged when they message you outside these hours. "+
			"To go back to the default, use *Use the default* on the Home tab."),
		slack.NewInputBlock(HoursBlockID, plain("Working hours"), plain(hint), in))
}

// A snoozeChoice is one duration offered by the snooze modal.
type snoozeChoice struct {
	value string
	label string
	d     time.Duration
}

const day = 24 * time.Hour

var snoozeChoices = []snoozeChoice{
	{"1d", "1 day", day},
	{"3d", "3 days", 3 * day},
	{"1w", "1 week", 7 * day},
	{"2w", "2 weeks", 14 * day},
	{"1m", "1 month", 30 * day},
}

var snoozeReasons = []struct {
	r     people.SnoozeReason
	label string
}{
	{people.SnoozeOnCall, "On call"},
	{people.SnoozeTravelling, "Travelling"},
	{people.SnoozeTimeOff, "Time off"},
}

// SnoozeModal asks how long to pause nudges for, and optionally why.
func SnoozeModal() slack.ModalViewRequest {
	var opts []*slack.OptionBlockObject
	for _, c := range snoozeChoices {
		opts = append(opts, slack.NewOptionBlockObject(c.value, plain(c.label), nil))
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose a duration"), SnoozeActionID, opts...)
	var reasons []*slack.OptionBlockObject
	for _, r := range snoozeReasons {
		reasons = append(reasons, slack.NewOptionBlockObject(string(r.r), plain(r.label), nil))
	}
	radio := slack.NewRadioButtonsBlockElement(ReasonActionID, reasons...)
	return modal(CallbackSnooze, "Snooze nudges", "Snooze",
		section("Pause your nudges for a while. They start again by themselves, or sooner with *Resume now* on the Home tab."),
		slack.NewInputBlock(SnoozeBlockID, plain("For how long"), nil, sel),
		slack.NewInputBlock(ReasonBlockID, plain("Why (only you see this)"), nil, radio).WithOptional(true))
}
