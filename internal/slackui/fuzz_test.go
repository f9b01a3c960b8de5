package slackui

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/slack-go/slack"
)

// FuzzParseSubmissions feeds arbitrary state.values to every parser: none
// may panic, and every error is either the person's (a FieldError on one of
// the modal's blocks) or a malformed view.
func FuzzParseSubmissions(f *testing.F) {
	for _, s := range []string{
		`{"team":{"team_users":{"type":"multi_users_select","selected_users":["U1","W2"]}}}`,
		`{"hours":{"hours_spec":{"type":"plain_text_input","value":"Mon-Fri 09:00-18:00"}}}`,
		`{"snooze":{"snooze_for":{"type":"static_select","selected_option":{"value":"1w"}}},"snooze_reason":{"snooze_reason":{"type":"radio_buttons","selected_option":null}}}`,
		`{}`, `null`, `{"team":null}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, values string) {
		var state slack.ViewState
		if json.Unmarshal([]byte(`{"values":`+values+`}`), &state) != nil {
			return
		}
		check := func(err error, blocks ...string) {
			if err == nil || errors.Is(err, ErrMalformed) {
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is neither a FieldError nor ErrMalformed", err)
			}
			for _, b := range blocks {
				if fe.BlockID == b && fe.Msg != "" {
					return
				}
			}
			t.Fatalf("FieldError %+v names no block of the modal %v", fe, blocks)
		}
		_, err := ParseTeamSubmission(slack.View{CallbackID: CallbackTeam, State: &state})
		check(err, TeamBlockID)
		_, err = ParseHoursSubmission(slack.View{CallbackID: CallbackHours, State: &state})
		check(err, HoursBlockID)
		_, _, err = ParseSnoozeSubmission(slack.View{CallbackID: CallbackSnooze, State: &state})
		check(err, SnoozeBlockID, ReasonBlockID)
	})
}
