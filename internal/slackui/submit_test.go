package slackui

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/blockkittest"
	"github.com/trustnudge/trustnudge/internal/people"
)

// submitted builds the view of a view_submission payload the way Slack sends
// it: the modal as rendered, plus Slack's own fields and state.values given
// as raw JSON, decoded into slack.View.
func submitted(t *testing.T, m slack.ModalViewRequest, values string) slack.View {
	t.Helper()
	var view map[string]any
	if err := json.Unmarshal(blockkittest.Marshal(t, m), &view); err != nil {
		t.Fatal(err)
	}
	view["id"] = "V0123456789"
	view["team_id"] = "T0123456789"
	view["hash"] = "1700000000.AbCdEfGh"
	view["root_view_id"] = "V0123456789"
	view["app_id"] = "A0123456789"
	view["bot_id"] = "B0123456789"
	view["clear_on_close"] = false
	view["notify_on_close"] = false
	view["previous_view_id"] = nil
	view["state"] = json.RawMessage(`{"values":` + values + `}`)
	b, err := json.Marshal(view)
	if err != nil {
		t.Fatal(err)
	}
	var v slack.View
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode view_submission view: %v\n%s", err, b)
	}
	return v
}

// fieldError checks that err is a *FieldError for blockID.
func fieldError(t *testing.T, err error, blockID string) {
	t.Helper()
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v; want a *FieldError", err)
	}
	if fe.BlockID != blockID || fe.Msg == "" {
		t.Errorf("FieldError = %+v; want block %q with a message", fe, blockID)
	}
}

func TestParseTeamSubmission(t *testing.T) {
	m := TeamModal([]activity.UserID{"U0ALICE"})
	for _, tc := range []struct {
		name   string
		values string
		want   []activity.UserID
		field  bool // a FieldError on TeamBlockID
	}{
		{
			name:   "several people, sorted and deduplicated",
			values: `{"team":{"team_users":{"type":"multi_users_select","selected_users":["U0CAROL","U0ALICE","W0BOB","U0ALICE"]}}}`,
			want:   []activity.UserID{"U0ALICE", "U0CAROL", "W0BOB"},
		},
		{
			name:   "nobody chosen is an empty team",
			values: `{"team":{"team_users":{"type":"multi_users_select","selected_users":[]}}}`,
			want:   []activity.UserID{},
		},
		{
			name:   "selected_users missing is an empty team",
			values: `{"team":{"team_users":{"type":"multi_users_select"}}}`,
			want:   []activity.UserID{},
		},
		{
			name:   "not a user ID",
			values: `{"team":{"team_users":{"type":"multi_users_select","selected_users":["U0ALICE","C0CHANNEL"]}}}`,
			field:  true,
		},
		{
			name:   "mention syntax is not an ID",
			values: `{"team":{"team_users":{"type":"multi_users_select","selected_users":["<@U0ALICE>"]}}}`,
			field:  true,
		},
		{
			name:   "too many",
			values: `{"team":{"team_users":{"type":"multi_users_select","selected_users":` + jsonIDs(t, MaxTeam+1) + `}}}`,
			field:  true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTeamSubmission(submitted(t, m, tc.values))
			if tc.field {
				fieldError(t, err, TeamBlockID)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || !slices.Equal(got, tc.want) {
				t.Errorf("ParseTeamSubmission = %#v; want %#v", got, tc.want)
			}
		})
	}
}

func TestParseTeamSubmission_ExactlyMaxTeamIsFine(t *testing.T) {
	v := submitted(t, TeamModal(nil),
		`{"team":{"team_users":{"type":"multi_users_select","selected_users":`+jsonIDs(t, MaxTeam)+`}}}`)
	got, err := ParseTeamSubmission(v)
	if err != nil || len(got) != MaxTeam {
		t.Fatalf("ParseTeamSubmission = %d people, %v; want %d, nil", len(got), err, MaxTeam)
	}
}

func jsonIDs(t *testing.T, n int) string {
	b, err := json.Marshal(bigTeam(n))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseHoursSubmission(t *testing.T) {
	m := HoursModal("", "")
	for _, tc := range []struct {
		name   string
		values string
		want   string
		field  bool
	}{
		{
			name:   "spec as typed, trimmed",
			values: `{"hours":{"hours_spec":{"type":"plain_text_input","value":"  Mon-Fri 09:00-18:00 Europe/Berlin\n"}}}`,
			want:   "Mon-Fri 09:00-18:00 Europe/Berlin",
		},
		{
			name:   "not validated here",
			values: `{"hours":{"hours_spec":{"type":"plain_text_input","value":"whenever"}}}`,
			want:   "whenever",
		},
		{
			name:   "null value",
			values: `{"hours":{"hours_spec":{"type":"plain_text_input","value":null}}}`,
			field:  true,
		},
		{
			name:   "only spaces",
			values: `{"hours":{"hours_spec":{"type":"plain_text_input","value":"   "}}}`,
			field:  true,
		},
		{
			name:   "too long",
			values: `{"hours":{"hours_spec":{"type":"plain_text_input","value":"` + strings.Repeat("M", MaxHoursSpec+1) + `"}}}`,
			field:  true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseHoursSubmission(submitted(t, m, tc.values))
			if tc.field {
				fieldError(t, err, HoursBlockID)
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParseHoursSubmission = %q, %v; want %q, nil", got, err, tc.want)
			}
		})
	}
}

func TestParseSnoozeSubmission(t *testing.T) {
	m := SnoozeModal()
	const (
		week = `{"type":"static_select","selected_option":{"text":{"type":"plain_text","text":"1 week","emoji":true},"value":"1w"}}`
		none = `{"type":"radio_buttons","selected_option":null}`
	)
	reason := func(v string) string {
		return `{"type":"radio_buttons","selected_option":{"text":{"type":"plain_text","text":"x","emoji":true},"value":"` + v + `"}}`
	}
	for _, tc := range []struct {
		name       string
		values     string
		want       time.Duration
		wantReason people.SnoozeReason
		field      string // block ID of the expected FieldError
	}{
		{
			name:   "a week, no reason",
			values: `{"snooze":{"snooze_for":` + week + `},"snooze_reason":{"snooze_reason":` + none + `}}`,
			want:   7 * 24 * time.Hour,
		},
		{
			name:       "a day, on call",
			values:     `{"snooze":{"snooze_for":{"type":"static_select","selected_option":{"text":{"type":"plain_text","text":"1 day","emoji":true},"value":"1d"}}},"snooze_reason":{"snooze_reason":` + reason("on-call") + `}}`,
			want:       24 * time.Hour,
			wantReason: people.SnoozeOnCall,
		},
		{
			name:       "a month, time off",
			values:     `{"snooze":{"snooze_for":{"type":"static_select","selected_option":{"text":{"type":"plain_text","text":"1 month","emoji":true},"value":"1m"}}},"snooze_reason":{"snooze_reason":` + reason("time-off") + `}}`,
			want:       30 * 24 * time.Hour,
			wantReason: people.SnoozeTimeOff,
		},
		{
			name:       "reason block absent",
			values:     `{"snooze":{"snooze_for":` + week + `}}`,
			want:       7 * 24 * time.Hour,
			wantReason: people.SnoozeNoReason,
		},
		{
			name:   "no duration chosen",
			values: `{"snooze":{"snooze_for":{"type":"static_select","selected_option":null}},"snooze_reason":{"snooze_reason":` + none + `}}`,
			field:  SnoozeBlockID,
		},
		{
			name:   "unknown duration",
			values: `{"snooze":{"snooze_for":{"type":"static_select","selected_option":{"text":{"type":"plain_text","text":"forever"},"value":"forever"}}}}`,
			field:  SnoozeBlockID,
		},
		{
			name:   "unknown reason",
			values: `{"snooze":{"snooze_for":` + week + `},"snooze_reason":{"snooze_reason":` + reason("bored") + `}}`,
			field:  ReasonBlockID,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, r, err := ParseSnoozeSubmission(submitted(t, m, tc.values))
			if tc.field != "" {
				fieldError(t, err, tc.field)
				return
			}
			if err != nil || d != tc.want || r != tc.wantReason {
				t.Errorf("ParseSnoozeSubmission = %v, %q, %v; want %v, %q, nil", d, r, err, tc.want, tc.wantReason)
			}
		})
	}
}

func TestParse_MalformedSubmissions(t *testing.T) {
	team := `{"team":{"team_users":{"type":"multi_users_select","selected_users":["U0ALICE"]}}}`
	for _, tc := range []struct {
		name  string
		parse func(slack.View) error
		view  slack.View
	}{
		{"team from the hours modal", teamErr, submitted(t, HoursModal("", ""), team)},
		{"team without its block", teamErr, submitted(t, TeamModal(nil), `{}`)},
		{"team without state", teamErr, slack.View{CallbackID: CallbackTeam}},
		{"hours without its block", hoursErr, submitted(t, HoursModal("", ""), team)},
		{"hours from the snooze modal", hoursErr, submitted(t, SnoozeModal(), `{}`)},
		{"snooze without its block", snoozeErr, submitted(t, SnoozeModal(), `{}`)},
		{"snooze without state", snoozeErr, slack.View{CallbackID: CallbackSnooze}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.parse(tc.view)
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("err = %v; want ErrMalformed", err)
			}
			var fe *FieldError
			if errors.As(err, &fe) {
				t.Errorf("err = %v is a FieldError; a malformed view is not the person's fault", err)
			}
		})
	}
}

func teamErr(v slack.View) error   { _, err := ParseTeamSubmission(v); return err }
func hoursErr(v slack.View) error  { _, err := ParseHoursSubmission(v); return err }
func snoozeErr(v slack.View) error { _, _, err := ParseSnoozeSubmission(v); return err }

func TestErrorsResponse_HasSlackShape(t *testing.T) {
	b, err := json.Marshal(ErrorsResponse(HoursBlockID, `"Mon-Fry": unknown day`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"errors":{"hours":"\"Mon-Fry\": unknown day"},"response_action":"errors"}`
	if string(b) != want {
		t.Errorf("ErrorsResponse = %s; want %s", b, want)
	}
	var r slack.ViewSubmissionResponse
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.ResponseAction != slack.RAErrors || r.Errors[HoursBlockID] == "" {
		t.Errorf("decoded as %+v", r)
	}
}

func TestSnoozeChoices_WithinPeopleLimits(t *testing.T) {
	for _, c := range snoozeChoices {
		if c.d < people.MinSnooze || c.d > people.MaxSnooze {
			t.Errorf("snooze choice %s = %v is outside [%v, %v]", c.value, c.d, people.MinSnooze, people.MaxSnooze)
		}
	}
}

func TestModals_InputIDsMatchWhatParsersRead(t *testing.T) {
	for _, tc := range []struct {
		m      slack.ModalViewRequest
		cb     string
		inputs map[string]string // block ID -> action ID
	}{
		{TeamModal(nil), CallbackTeam, map[string]string{TeamBlockID: TeamActionID}},
		{HoursModal("", ""), CallbackHours, map[string]string{HoursBlockID: HoursActionID}},
		{SnoozeModal(), CallbackSnooze, map[string]string{SnoozeBlockID: SnoozeActionID, ReasonBlockID: ReasonActionID}},
	} {
		if tc.m.CallbackID != tc.cb {
			t.Errorf("callback ID %q; want %q", tc.m.CallbackID, tc.cb)
		}
		got := map[string]string{}
		for _, b := range tc.m.Blocks.BlockSet {
			in, ok := b.(*slack.InputBlock)
			if !ok {
				continue
			}
			var action string
			switch e := in.Element.(type) {
			case *slack.MultiSelectBlockElement:
				action = e.ActionID
			case *slack.PlainTextInputBlockElement:
				action = e.ActionID
			case *slack.SelectBlockElement:
				action = e.ActionID
			case *slack.RadioButtonsBlockElement:
				action = e.ActionID
			default:
				t.Fatalf("%s: unexpected element %T", tc.cb, e)
			}
			got[in.BlockID] = action
		}
		if len(got) != len(tc.inputs) {
			t.Errorf("%s inputs = %v; want %v", tc.cb, got, tc.inputs)
		}
		for k, v := range tc.inputs {
			if got[k] != v {
				t.Errorf("%s inputs = %v; want %v", tc.cb, got, tc.inputs)
			}
		}
	}
}
