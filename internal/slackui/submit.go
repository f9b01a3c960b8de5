package slackui

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/people"
)

// FieldError is a problem with what the person entered in one field of a
// modal. Msg is written to be shown to them as is, next to the field: answer
// the submission with ErrorsResponse(e.BlockID, e.Msg).
type FieldError struct {
	BlockID string
	Msg     string
}

func (e *FieldError) Error() string { return "slackui: field " + e.BlockID + ": " + e.Msg }

// ErrMalformed is wrapped by errors about a submission that doesn't have the
// shape of the modal this package rendered (wrong callback ID, missing
// state): a bug or a stale modal, not something the person can fix.
var ErrMalformed = errors.New("malformed submission")

// ErrorsResponse is the answer to a view_submission that keeps the modal open
// and shows msg under the input block blockID.
func ErrorsResponse(blockID, msg string) map[string]any {
	return map[string]any{
		"response_action": string(slack.RAErrors),
		"errors":          map[string]string{blockID: msg},
	}
}

// value finds the state of one input in a submitted view of the given
// callback ID. ok is false when the view has no such input.
func value(v slack.View, callbackID, blockID, actionID string) (a slack.BlockAction, ok bool, err error) {
	if v.CallbackID != callbackID {
		return a, false, fmt.Errorf("slackui: view %q is not %q: %w", v.CallbackID, callbackID, ErrMalformed)
	}
	if v.State == nil {
		return a, false, fmt.Errorf("slackui: view %q has no state: %w", callbackID, ErrMalformed)
	}
	a, ok = v.State.Values[blockID][actionID]
	return a, ok, nil
}

// ParseTeamSubmission reads the team modal: the chosen people, sorted and
// without duplicates. An empty choice is an empty team.
func ParseTeamSubmission(v slack.View) ([]activity.UserID, error) {
	a, ok, err := value(v, CallbackTeam, TeamBlockID, TeamActionID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("slackui: team modal has no %s/%s: %w", TeamBlockID, TeamActionID, ErrMalformed)
	}
	us := make([]activity.UserID, 0, len(a.SelectedUsers))
	for _, s := range a.SelectedUsers {
		if !activity.IsUserID(s) {
			return nil, &FieldError{TeamBlockID, "Only people can be on your team; remove " + truncate(s, 40) + " and try again."}
		}
		us = append(us, activity.UserID(s))
	}
	us = people.Normalize(us)
	if len(us) > MaxTeam {
		return nil, &FieldError{TeamBlockID, fmt.Sprintf("A team can have at most %d people; you chose %d.", MaxTeam, len(us))}
	}
	return us, nil
}

// ParseHoursSubmission reads the hours modal and returns the spec as typed,
// without surrounding space. The caller parses it and, if it is wrong,
// answers with ErrorsResponse(HoursBlockID, msg).
func ParseHoursSubmission(v slack.View) (spec string, err error) {
	a, ok, err := value(v, CallbackHours, HoursBlockID, HoursActionID)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("slackui: hours modal has no %s/%s: %w", HoursBlockID, HoursActionID, ErrMalformed)
	}
	spec = strings.TrimSpace(a.Value)
	if spec == "" {
		return "", &FieldError{HoursBlockID, "Enter your working hours, e.g. " + DefaultHoursExample + "."}
	}
	if utf8.RuneCountInString(spec) > MaxHoursSpec {
		return "", &FieldError{HoursBlockID, fmt.Sprintf("That's too long: at most %d characters.", MaxHoursSpec)}
	}
	return spec, nil
}

// ParseSnoozeSubmission reads the snooze modal: how long, and why (which may
// be people.SnoozeNoReason).
func ParseSnoozeSubmission(v slack.View) (time.Duration, people.SnoozeReason, error) {
	a, ok, err := value(v, CallbackSnooze, SnoozeBlockID, SnoozeActionID)
	if err != nil {
		return 0, "", err
	}
	if !ok {
		return 0, "", fmt.Errorf("slackui: snooze modal has no %s/%s: %w", SnoozeBlockID, SnoozeActionID, ErrMalformed)
	}
	var d time.Duration
	for _, c := range snoozeChoices {
		if c.value == a.SelectedOption.Value {
			d = c.d
		}
	}
	if d == 0 {
		return 0, "", &FieldError{SnoozeBlockID, "Choose how long to snooze for."}
	}

	// The reason is optional: a missing block or no selection is no reason.
	r, _, _ := value(v, CallbackSnooze, ReasonBlockID, ReasonActionID)
	reason := people.SnoozeReason(r.SelectedOption.Value)
	switch reason {
	case people.SnoozeNoReason, people.SnoozeOnCall, people.SnoozeTravelling, people.SnoozeTimeOff:
	default:
		return 0, "", &FieldError{ReasonBlockID, "Choose one of the reasons offered, or none."}
	}
	return d, reason, nil
}
