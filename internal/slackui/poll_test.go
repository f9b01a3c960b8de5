package slackui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/blockkittest"
	"github.com/trustnudge/trustnudge/internal/poll"
)

const testQuestion = "When are work messages welcome?"

func testOptions() []poll.Option {
	return []poll.Option{
		{Label: "Weekdays 9 to 6, nothing after", Hours: "Mon-Fri 09:00-18:00"},
		{Label: "Weekdays 8 to 5", Hours: "Mon-Fri 08:00-17:00"},
		{Label: "Anytime, but no reply expected after hours"},
		{Label: "Only urgent things after hours & at weekends"},
	}
}

// testPoll is a poll created on a Thursday afternoon in Berlin, closing
// three working days later.
func testPoll(t *testing.T) (poll.Poll, *time.Location) {
	loc := berlin(t)
	return poll.Poll{
		ID:       "P01HXYZ",
		Team:     "T0123456789",
		Creator:  "U0MANAGER",
		Channel:  "C0TEAM",
		Question: testQuestion,
		Options:  testOptions(),
		Created:  time.Date(2026, 11, 19, 14, 30, 0, 0, loc),
		Deadline: time.Date(2026, 11, 24, 17, 0, 0, 0, loc),
		Adopted:  -1,
	}, loc
}

// pollViews are the poll messages kept as golden files.
func pollViews(t *testing.T) map[string]PollView {
	p, loc := testPoll(t)
	live := p
	live.Live = true
	return map[string]PollView{
		"poll_open":                {Poll: p, Voters: 2, Winner: -1, Loc: loc, Quorum: 3},
		"poll_open_live":           {Poll: live, Voters: 4, Counts: []int{2, 1, 1, 0}, Winner: -1, Loc: loc, Quorum: 3},
		"poll_closed":              {Poll: p, Voters: 7, Counts: []int{4, 2, 1, 0}, Closed: true, Winner: 0, Loc: loc, Quorum: 3},
		"poll_closed_under_quorum": {Poll: p, Voters: 2, Closed: true, Winner: -1, Loc: loc, Quorum: 3},
	}
}

// message is a chat.postMessage body as the adapter sends it.
type message struct {
	Text   string       `json:"text"`
	Blocks slack.Blocks `json:"blocks"`
}

func marshalMessage(t *testing.T, text string, blocks []slack.Block) []byte {
	t.Helper()
	return blockkittest.Marshal(t, message{Text: text, Blocks: slack.Blocks{BlockSet: blocks}})
}

// messageRoundTrip checks that a message decodes back into slack-go's block
// types without loss or unknown blocks.
func messageRoundTrip(t *testing.T, b []byte) {
	t.Helper()
	var m message
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("unmarshal message: %v", err)
	}
	for i, blk := range m.Blocks.BlockSet {
		if _, unknown := blk.(*slack.UnknownBlock); unknown {
			t.Errorf("block %d decodes as an unknown block", i)
		}
	}
	if b2 := blockkittest.Marshal(t, m); !bytes.Equal(b, b2) {
		t.Errorf("message does not round-trip:\nbefore:\n%s\nafter:\n%s", b, b2)
	}
}

func TestGolden_Poll(t *testing.T) {
	p, loc := testPoll(t)
	t.Run("modal_poll", func(t *testing.T) {
		b := blockkittest.Marshal(t, PollModal(testQuestion, testOptions(), p.Channel, p.Deadline, poll.DefaultQuorum))
		blockkittest.CheckGolden(t, "modal_poll", b, *update)
		roundTrip[slack.ModalViewRequest](t, b)
		checkPollLimits(t, b)
	})
	for name, v := range pollViews(t) {
		t.Run(name, func(t *testing.T) {
			b := marshalMessage(t, PollText(v), PollMessage(v))
			blockkittest.CheckGolden(t, name, b, *update)
			messageRoundTrip(t, b)
			checkPollLimits(t, b)
		})
	}
	t.Run("poll_adopt_dm", func(t *testing.T) {
		v := PollView{Poll: p, Voters: 7, Counts: []int{4, 2, 1, 0}, Closed: true, Winner: 0, Loc: loc, Quorum: 3}
		b := marshalMessage(t, "Your poll has closed", AdoptMessage(v))
		blockkittest.CheckGolden(t, "poll_adopt_dm", b, *update)
		messageRoundTrip(t, b)
		checkPollLimits(t, b)
	})
}

// checkPollLimits runs the shared limits checker on a modal or a message
// ({"text","blocks"}, checked as a view without the modal rules plus
// Slack's 50-block limit for messages). The element types the shared
// checker doesn't know (conversations_select, datetimepicker, checkboxes)
// are checked here and then stood in for by a plain_text_input with the
// same action ID, so the shared checker still sees their IDs.
func checkPollLimits(t *testing.T, b []byte) {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	problems := blockkittest.ViewProblems(v)
	if _, isView := v["type"]; !isView {
		if s, _ := v["text"].(string); utf8.RuneCountInString(s) > 4000 {
			t.Errorf("message fallback text has %d characters; want at most 4000", utf8.RuneCountInString(s))
		}
		problems = blockkittest.MessageProblems(v)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

func TestPollLimits_CheckerCatchesViolations(t *testing.T) {
	for _, e := range []map[string]any{
		{"type": "conversations_select", "action_id": "a", "filter": map[string]any{"include": []any{"channels"}}},
		{"type": "conversations_select", "action_id": "a", "filter": map[string]any{"include": []any{}}},
		{"type": "datetimepicker", "action_id": "a", "initial_date_time": 1795539600000.0},
		{"type": "checkboxes", "action_id": "a", "options": []any{}},
		{"type": "checkboxes", "action_id": "a", "options": []any{map[string]any{
			"text": map[string]any{"type": "plain_text", "text": strings.Repeat("x", 76)}, "value": "v"}}},
	} {
		if p := blockkittest.ElementProblems("e", e); len(p) == 0 {
			t.Errorf("no problem found with %v", e)
		}
	}
}

// longPoll has every text at its longest, full of characters that escaping
// lengthens.
func longPoll(t *testing.T) poll.Poll {
	p, _ := testPoll(t)
	p.Question = strings.Repeat("<&>", maxQuestionShown)
	p.Options = nil
	for i := range poll.MaxOptions {
		p.Options = append(p.Options, poll.Option{
			Label: strings.Repeat("&", poll.MaxLabel-1) + fmt.Sprint(i),
			Hours: strings.Repeat("Mon-Fri <09:00-18:00> ", 100),
		})
	}
	p.ID = strings.Repeat("P", 100)
	p.Creator = activity.UserID("U" + strings.Repeat("9", 31))
	p.Channel = activity.ChannelID("C" + strings.Repeat("9", 31))
	return p
}

func TestPollLimits_LongestTextsAndMostOptions(t *testing.T) {
	p := longPoll(t)
	if n := utf8.RuneCountInString(p.Options[0].Label); n != poll.MaxLabel {
		t.Fatalf("label has %d runes; want MaxLabel", n)
	}
	checkPollLimits(t, blockkittest.Marshal(t, PollModal(p.Question, p.Options, p.Channel, p.Deadline, 1000)))
	// More options than fit are cut to MaxOptions rows.
	more := append(slices.Clone(p.Options), poll.Option{Label: "seventh"})
	m := PollModal(p.Question, more, p.Channel, p.Deadline, 3)
	checkPollLimits(t, blockkittest.Marshal(t, m))
	if s := string(blockkittest.Marshal(t, m)); strings.Contains(s, "seventh") || strings.Contains(s, PollOptionBlock(poll.MaxOptions+1)) {
		t.Error("modal has a seventh option row")
	}

	counts := []int{1000000, 999999, 3, 2, 1, 0}
	for _, v := range []PollView{
		{Poll: p, Voters: 0, Winner: -1, Quorum: 3},
		{Poll: p, Voters: 2000000, Counts: counts, Winner: 0, Quorum: 3},
		{Poll: func() poll.Poll { q := p; q.Live = true; return q }(), Voters: 2000000, Counts: counts, Winner: -1, Quorum: 3},
		{Poll: p, Voters: 2000000, Counts: counts, Closed: true, Winner: 5, Quorum: 3},
		{Poll: func() poll.Poll { q := p; q.Adopted = 5; return q }(), Voters: 9, Counts: counts, Closed: true, Winner: 5, Quorum: 3},
		{Poll: p, Voters: 2, Closed: true, Winner: -1, Quorum: 1000},
	} {
		checkPollLimits(t, marshalMessage(t, PollText(v), PollMessage(v)))
		checkPollLimits(t, marshalMessage(t, PollText(v), AdoptMessage(v)))
		for _, blk := range PollMessage(v) {
			if a, ok := blk.(*slack.ActionBlock); ok {
				for _, e := range a.Elements.ElementSet {
					if btn := e.(*slack.ButtonBlockElement); btn.ActionID == ActionVote {
						if _, _, err := ParseVoteValue(btn.Value); err != nil {
							t.Errorf("vote value %q: %v", btn.Value, err)
						}
					}
				}
			}
		}
	}
}

func TestPollLimits_EmptyAndOddInput(t *testing.T) {
	checkPollLimits(t, blockkittest.Marshal(t, PollModal("", nil, "", time.Time{}, 0)))
	for _, v := range []PollView{
		{Winner: -1},
		{Closed: true, Winner: -1},
		{Poll: poll.Poll{Options: []poll.Option{{}, {Label: "   "}}}, Voters: 5, Counts: []int{3}, Closed: true, Winner: 7},
	} {
		checkPollLimits(t, marshalMessage(t, PollText(v), PollMessage(v)))
		checkPollLimits(t, marshalMessage(t, PollText(v), AdoptMessage(v)))
	}
}

func TestPollModal_Inputs(t *testing.T) {
	p, _ := testPoll(t)
	m := PollModal(testQuestion, testOptions(), p.Channel, p.Deadline, 4)
	if m.CallbackID != CallbackPoll {
		t.Errorf("callback ID %q", m.CallbackID)
	}
	inputs := map[string]*slack.InputBlock{}
	for _, b := range m.Blocks.BlockSet {
		in, ok := b.(*slack.InputBlock)
		if !ok {
			continue
		}
		var action string
		switch e := in.Element.(type) {
		case *slack.PlainTextInputBlockElement:
			action = e.ActionID
		case *slack.SelectBlockElement:
			action = e.ActionID
		case *slack.DateTimePickerBlockElement:
			action = e.ActionID
		case *slack.CheckboxGroupsBlockElement:
			action = e.ActionID
		default:
			t.Fatalf("unexpected element %T", e)
		}
		if action != in.BlockID {
			t.Errorf("block %s has action %s; want the same ID", in.BlockID, action)
		}
		inputs[in.BlockID] = in
	}
	want := []string{PollQuestionBlock, PollChannelBlock, PollDeadlineBlock, PollLiveBlock}
	for i := 1; i <= poll.MaxOptions; i++ {
		want = append(want, PollOptionBlock(i), PollHoursBlock(i))
	}
	if len(inputs) != len(want) {
		t.Errorf("%d inputs; want %d", len(inputs), len(want))
	}
	for _, id := range want {
		if inputs[id] == nil {
			t.Errorf("no input %s", id)
		}
	}
	if PollOptionBlock(1) != "poll_option_1" || PollOptionBlock(6) != "poll_option_6" || PollHoursBlock(3) != "poll_hours_3" {
		t.Error("option block IDs")
	}

	q := inputs[PollQuestionBlock].Element.(*slack.PlainTextInputBlockElement)
	if q.InitialValue != testQuestion || inputs[PollQuestionBlock].Optional {
		t.Errorf("question %q, optional %v", q.InitialValue, inputs[PollQuestionBlock].Optional)
	}
	for i := 1; i <= poll.MaxOptions; i++ {
		label := inputs[PollOptionBlock(i)]
		hours := inputs[PollHoursBlock(i)]
		var o poll.Option
		if i <= len(testOptions()) {
			o = testOptions()[i-1]
		}
		if got := label.Element.(*slack.PlainTextInputBlockElement); got.InitialValue != o.Label || got.MaxLength != poll.MaxLabel {
			t.Errorf("option %d label %q (max %d); want %q", i, got.InitialValue, got.MaxLength, o.Label)
		}
		if got := hours.Element.(*slack.PlainTextInputBlockElement).InitialValue; got != o.Hours {
			t.Errorf("option %d hours %q; want %q", i, got, o.Hours)
		}
		if label.Optional != (i > poll.MinOptions) || !hours.Optional {
			t.Errorf("option %d: label optional %v, hours optional %v", i, label.Optional, hours.Optional)
		}
	}

	ch := inputs[PollChannelBlock].Element.(*slack.SelectBlockElement)
	if ch.Type != slack.OptTypeConversations || ch.InitialConversation != "C0TEAM" || !ch.DefaultToCurrentConversation ||
		ch.Filter == nil || !slices.Equal(ch.Filter.Include, []string{"public", "private"}) {
		t.Errorf("channel select %+v", ch)
	}
	if dl := inputs[PollDeadlineBlock].Element.(*slack.DateTimePickerBlockElement); dl.InitialDateTime != p.Deadline.Unix() {
		t.Errorf("deadline %d; want %d", dl.InitialDateTime, p.Deadline.Unix())
	}
	live := inputs[PollLiveBlock]
	if cb := live.Element.(*slack.CheckboxGroupsBlockElement); !live.Optional || len(cb.InitialOptions) != 0 ||
		len(cb.Options) != 1 || cb.Options[0].Text.Text != "Show counts while the poll is open" {
		t.Errorf("live checkbox %+v", cb)
	}
	if s := string(blockkittest.Marshal(t, m)); !strings.Contains(s, "Votes are anonymous") || !strings.Contains(s, "at least 4 people voted") {
		t.Error("context line lacks anonymity or quorum")
	}

	// No channel: nothing initial, the current conversation is the default.
	m = PollModal(testQuestion, nil, "", time.Time{}, 3)
	s := string(blockkittest.Marshal(t, m))
	if strings.Contains(s, "initial_conversation") || strings.Contains(s, "initial_date_time") ||
		!strings.Contains(s, `"default_to_current_conversation": true`) {
		t.Errorf("modal without channel or deadline:\n%s", s)
	}
}

// ptiState is one plain_text_input's state, as Slack sends it.
func ptiState(v *string) map[string]any {
	return map[string]any{"type": "plain_text_input", "value": v}
}

// pollValues builds state.values for the poll modal, Slack's shape: every
// input present, empty ones null.
func pollValues(t *testing.T, question string, labels, hours []string, channel string, deadline int64, live bool) string {
	t.Helper()
	vals := map[string]map[string]any{}
	put := func(block string, state any) { vals[block] = map[string]any{block: state} }
	orNull := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	put(PollQuestionBlock, ptiState(orNull(question)))
	for i := 1; i <= poll.MaxOptions; i++ {
		var l, h string
		if i <= len(labels) {
			l = labels[i-1]
		}
		if i <= len(hours) {
			h = hours[i-1]
		}
		put(PollOptionBlock(i), ptiState(orNull(l)))
		put(PollHoursBlock(i), ptiState(orNull(h)))
	}
	conv := map[string]any{"type": "conversations_select", "selected_conversation": orNull(channel)}
	put(PollChannelBlock, conv)
	dt := map[string]any{"type": "datetimepicker", "selected_date_time": nil}
	if deadline != 0 {
		dt["selected_date_time"] = deadline
	}
	put(PollDeadlineBlock, dt)
	selected := []any{}
	if live {
		selected = append(selected, map[string]any{
			"text":        map[string]any{"type": "plain_text", "text": "Show counts while the poll is open", "emoji": true},
			"description": map[string]any{"type": "plain_text", "text": "Otherwise results stay hidden until the poll closes.", "emoji": true},
			"value":       "live",
		})
	}
	put(PollLiveBlock, map[string]any{"type": "checkboxes", "selected_options": selected})
	b, err := json.Marshal(vals)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParsePollSubmission(t *testing.T) {
	p, _ := testPoll(t)
	m := PollModal(testQuestion, testOptions(), p.Channel, p.Deadline, 3)
	const deadline = 1795539600 // 2026-11-24 17:00 UTC

	// Exactly as Slack sends it, written out: row 2 left blank (null), row 4
	// with hours but no label, rows 5 and 6 blank, counts shown live.
	const literal = `{
  "poll_question": {"poll_question": {"type": "plain_text_input", "value": "  When are work messages welcome?\n"}},
  "poll_option_1": {"poll_option_1": {"type": "plain_text_input", "value": "Weekdays 9 to 6"}},
  "poll_hours_1": {"poll_hours_1": {"type": "plain_text_input", "value": " Mon-Fri 09:00-18:00 "}},
  "poll_option_2": {"poll_option_2": {"type": "plain_text_input", "value": null}},
  "poll_hours_2": {"poll_hours_2": {"type": "plain_text_input", "value": null}},
  "poll_option_3": {"poll_option_3": {"type": "plain_text_input", "value": "Anytime, no reply expected"}},
  "poll_hours_3": {"poll_hours_3": {"type": "plain_text_input", "value": null}},
  "poll_option_4": {"poll_option_4": {"type": "plain_text_input", "value": "   "}},
  "poll_hours_4": {"poll_hours_4": {"type": "plain_text_input", "value": "Mon-Thu 08:00-16:00"}},
  "poll_option_5": {"poll_option_5": {"type": "plain_text_input", "value": null}},
  "poll_hours_5": {"poll_hours_5": {"type": "plain_text_input", "value": ""}},
  "poll_option_6": {"poll_option_6": {"type": "plain_text_input", "value": null}},
  "poll_hours_6": {"poll_hours_6": {"type": "plain_text_input", "value": null}},
  "poll_channel": {"poll_channel": {"type": "conversations_select", "selected_conversation": "C0TEAM"}},
  "poll_deadline": {"poll_deadline": {"type": "datetimepicker", "selected_date_time": 1795539600}},
  "poll_live": {"poll_live": {"type": "checkboxes", "selected_options": [
    {"text": {"type": "plain_text", "text": "Show counts while the poll is open", "emoji": true},
     "description": {"type": "plain_text", "text": "Otherwise results stay hidden until the poll closes.", "emoji": true},
     "value": "live"}]}}
}`

	for _, tc := range []struct {
		name   string
		values string
		want   PollDraft
	}{
		{
			name:   "as Slack sends it, with blank rows",
			values: literal,
			want: PollDraft{
				Question: testQuestion,
				Options: []poll.Option{
					{Label: "Weekdays 9 to 6", Hours: "Mon-Fri 09:00-18:00"},
					{Label: "Anytime, no reply expected"},
					{Hours: "Mon-Thu 08:00-16:00"},
				},
				Channel:  "C0TEAM",
				Deadline: time.Unix(deadline, 0),
				Live:     true,
				Rows:     []int{1, 3, 4},
			},
		},
		{
			name: "all six, not live",
			values: pollValues(t, "Q?", []string{"a", "b", "c", "d", "e", "f"},
				[]string{"", "Mon-Fri 09:00-17:00", "", "", "", "Sat 10:00-12:00"}, "G0PRIVATE", deadline, false),
			want: PollDraft{
				Question: "Q?",
				Options: []poll.Option{{Label: "a"}, {Label: "b", Hours: "Mon-Fri 09:00-17:00"}, {Label: "c"},
					{Label: "d"}, {Label: "e"}, {Label: "f", Hours: "Sat 10:00-12:00"}},
				Channel:  "G0PRIVATE",
				Deadline: time.Unix(deadline, 0),
				Rows:     []int{1, 2, 3, 4, 5, 6},
			},
		},
		{
			name: "optional inputs missing altogether",
			values: `{"poll_question":{"poll_question":{"type":"plain_text_input","value":"Q?"}},` +
				`"poll_option_1":{"poll_option_1":{"type":"plain_text_input","value":"a"}},` +
				`"poll_option_2":{"poll_option_2":{"type":"plain_text_input","value":"b"}},` +
				`"poll_channel":{"poll_channel":{"type":"conversations_select","selected_conversation":"C0TEAM"}},` +
				`"poll_deadline":{"poll_deadline":{"type":"datetimepicker","selected_date_time":1795539600}}}`,
			want: PollDraft{
				Question: "Q?", Options: []poll.Option{{Label: "a"}, {Label: "b"}},
				Channel: "C0TEAM", Deadline: time.Unix(deadline, 0), Rows: []int{1, 2},
			},
		},
		{
			name:   "everything empty is for validation to catch",
			values: pollValues(t, "", nil, nil, "", 0, false),
			want:   PollDraft{},
		},
		{
			name: "an unknown checkbox value is not live",
			values: strings.Replace(pollValues(t, "Q?", []string{"a", "b"}, nil, "C0TEAM", deadline, true),
				`"value":"live"`, `"value":"other"`, 1),
			want: PollDraft{
				Question: "Q?", Options: []poll.Option{{Label: "a"}, {Label: "b"}},
				Channel: "C0TEAM", Deadline: time.Unix(deadline, 0), Rows: []int{1, 2},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePollSubmission(submitted(t, m, tc.values))
			if err != nil {
				t.Fatal(err)
			}
			if got.Question != tc.want.Question || !slices.Equal(got.Options, tc.want.Options) ||
				got.Channel != tc.want.Channel || !got.Deadline.Equal(tc.want.Deadline) ||
				got.Live != tc.want.Live || !slices.Equal(got.Rows, tc.want.Rows) {
				t.Errorf("ParsePollSubmission =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func TestParsePollSubmission_RoundTripsTheModal(t *testing.T) {
	// What the modal was opened with comes back when submitted unchanged.
	p, _ := testPoll(t)
	var labels, hours []string
	for _, o := range testOptions() {
		labels = append(labels, o.Label)
		hours = append(hours, o.Hours)
	}
	v := submitted(t, PollModal(testQuestion, testOptions(), p.Channel, p.Deadline, 3),
		pollValues(t, testQuestion, labels, hours, string(p.Channel), p.Deadline.Unix(), false))
	got, err := ParsePollSubmission(v)
	if err != nil {
		t.Fatal(err)
	}
	if got.Question != testQuestion || !slices.Equal(got.Options, testOptions()) || got.Channel != p.Channel ||
		!got.Deadline.Equal(p.Deadline) || got.Live {
		t.Errorf("ParsePollSubmission = %+v", got)
	}
}

func TestParsePollSubmission_Malformed(t *testing.T) {
	p, _ := testPoll(t)
	m := PollModal(testQuestion, testOptions(), p.Channel, p.Deadline, 3)
	full := pollValues(t, "Q?", []string{"a", "b"}, nil, "C0TEAM", 1795539600, false)
	without := func(block string) string {
		var vals map[string]any
		if err := json.Unmarshal([]byte(full), &vals); err != nil {
			t.Fatal(err)
		}
		delete(vals, block)
		b, _ := json.Marshal(vals)
		return string(b)
	}
	for _, tc := range []struct {
		name string
		view slack.View
	}{
		{"another modal", submitted(t, HoursModal("", ""), full)},
		{"no state", slack.View{CallbackID: CallbackPoll}},
		{"no question", submitted(t, m, without(PollQuestionBlock))},
		{"no channel", submitted(t, m, without(PollChannelBlock))},
		{"no deadline", submitted(t, m, without(PollDeadlineBlock))},
		{"nothing", submitted(t, m, `{}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePollSubmission(tc.view)
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("err = %v; want ErrMalformed", err)
			}
		})
	}
}

func TestPollFieldBlock(t *testing.T) {
	for field, want := range map[string]string{
		"question": PollQuestionBlock,
		"options":  "poll_option_1",
		"option_1": "poll_option_1",
		"option_6": "poll_option_6",
		"hours_2":  "poll_hours_2",
		"deadline": PollDeadlineBlock,
		"channel":  PollChannelBlock,
		"live":     PollLiveBlock,
		"option_7": PollQuestionBlock,
		"option_0": PollQuestionBlock,
		"option_":  PollQuestionBlock,
		"option_x": PollQuestionBlock,
		"whatever": PollQuestionBlock,
		"":         PollQuestionBlock,
	} {
		if got := PollFieldBlock(field); got != want {
			t.Errorf("PollFieldBlock(%q) = %q; want %q", field, got, want)
		}
	}

	// After blank rows were dropped, option N is shown on its own row.
	d := PollDraft{Options: make([]poll.Option, 3), Rows: []int{1, 3, 4}}
	for field, want := range map[string]string{
		"option_1": "poll_option_1",
		"option_2": "poll_option_3",
		"option_3": "poll_option_4",
		"hours_3":  "poll_hours_4",
		"option_4": "poll_option_4", // no such option: taken as a row
		"options":  "poll_option_1",
		"deadline": PollDeadlineBlock,
	} {
		if got := d.FieldBlock(field); got != want {
			t.Errorf("FieldBlock(%q) = %q; want %q", field, got, want)
		}
	}
}

func TestErrorsResponse_PollField(t *testing.T) {
	b, err := json.Marshal(ErrorsResponse(PollFieldBlock("option_2"), "Too long"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"errors":{"poll_option_2":"Too long"},"response_action":"errors"}`; string(b) != want {
		t.Errorf("ErrorsResponse = %s; want %s", b, want)
	}
}

func TestParseVoteValue(t *testing.T) {
	for _, id := range []string{"P01HXYZ", "a|b", "42", strings.Repeat("x", 200)} {
		for opt := range poll.MaxOptions {
			gotID, gotOpt, err := ParseVoteValue(VoteValue(id, opt))
			if err != nil || gotID != id || gotOpt != opt {
				t.Errorf("ParseVoteValue(VoteValue(%q, %d)) = %q, %d, %v", id, opt, gotID, gotOpt, err)
			}
		}
	}
	for _, bad := range []string{"", "P1", "|1", "P1|", "P1|x", "P1|-1", "P1|+1", "P1|6", "P1|01", "P1| 1", "P1|1 ", "P1|99999999999999999999"} {
		if _, _, err := ParseVoteValue(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseVoteValue(%q) err = %v; want ErrMalformed", bad, err)
		}
	}
}

// buttons lists the buttons of blocks: action ID and value, in order.
func buttons(blocks []slack.Block) [][2]string {
	var out [][2]string
	for _, b := range blocks {
		switch b := b.(type) {
		case *slack.ActionBlock:
			for _, e := range b.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok {
					out = append(out, [2]string{btn.ActionID, btn.Value})
				}
			}
		case *slack.SectionBlock:
			if b.Accessory != nil && b.Accessory.ButtonElement != nil {
				out = append(out, [2]string{b.Accessory.ButtonElement.ActionID, b.Accessory.ButtonElement.Value})
			}
		}
	}
	return out
}

func TestPollMessage_OpenHasAVoteButtonPerOptionAndClose(t *testing.T) {
	v := pollViews(t)["poll_open"]
	got := buttons(PollMessage(v))
	want := [][2]string{
		{ActionVote, "P01HXYZ|0"}, {ActionVote, "P01HXYZ|1"}, {ActionVote, "P01HXYZ|2"}, {ActionVote, "P01HXYZ|3"},
		{ActionClosePoll, "P01HXYZ"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("buttons = %v; want %v", got, want)
	}
	s := string(marshalMessage(t, PollText(v), PollMessage(v)))
	for _, want := range []string{"2 people have voted · closes Tue 17:00 CET", "results show when the poll closes",
		`"text": "Only urgent things after hours & at weekends"`} {
		if !strings.Contains(s, want) {
			t.Errorf("open poll lacks %q", want)
		}
	}
	if strings.Contains(s, "█") {
		t.Error("hidden poll shows bars")
	}
}

func TestPollMessage_CountsOnlyWhenAllowed(t *testing.T) {
	p, loc := testPoll(t)
	live := p
	live.Live = true
	counts := []int{2, 1, 1, 0}
	for _, tc := range []struct {
		name string
		v    PollView
		bars bool
	}{
		{"open, not live, counts given anyway", PollView{Poll: p, Voters: 4, Counts: counts, Winner: -1, Loc: loc, Quorum: 3}, false},
		{"live under quorum", PollView{Poll: live, Voters: 2, Counts: []int{1, 1, 0, 0}, Winner: -1, Loc: loc, Quorum: 3}, false},
		{"live at quorum", PollView{Poll: live, Voters: 3, Counts: []int{1, 1, 1, 0}, Winner: -1, Loc: loc, Quorum: 3}, true},
		{"closed under quorum, counts given anyway", PollView{Poll: p, Voters: 2, Counts: []int{2, 0, 0, 0}, Closed: true, Winner: 0, Loc: loc, Quorum: 3}, false},
		{"closed, counts of the wrong length", PollView{Poll: p, Voters: 4, Counts: []int{4}, Closed: true, Winner: 0, Loc: loc, Quorum: 3}, false},
		{"closed at quorum", PollView{Poll: p, Voters: 4, Counts: counts, Closed: true, Winner: 0, Loc: loc, Quorum: 3}, true},
		{"quorum 0 means the default", PollView{Poll: p, Voters: 2, Counts: []int{2, 0, 0, 0}, Closed: true, Winner: 0, Loc: loc}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for name, blocks := range map[string][]slack.Block{"poll": PollMessage(tc.v), "dm": AdoptMessage(tc.v)} {
				if name == "dm" && !tc.v.Closed {
					continue
				}
				s := string(marshalMessage(t, PollText(tc.v), blocks))
				if strings.Contains(s, "█") != tc.bars {
					t.Errorf("%s: bars shown = %v; want %v\n%s", name, !tc.bars, tc.bars, s)
				}
				if !tc.bars && tc.v.Closed && tc.v.Voters < 3 && !strings.Contains(s, "Not enough votes to show results without revealing them (fewer than 3 people voted).") {
					t.Errorf("%s: no quorum message", name)
				}
				if tc.v.Voters < 3 && strings.Contains(s, "most votes") {
					t.Errorf("%s: the winner is named though counts are hidden", name)
				}
			}
		})
	}
}

func TestPollMessage_Closed(t *testing.T) {
	v := pollViews(t)["poll_closed"]
	if b := buttons(PollMessage(v)); len(b) != 0 {
		t.Errorf("closed poll has buttons %v", b)
	}
	s := string(marshalMessage(t, PollText(v), PollMessage(v)))
	for _, want := range []string{"Poll closed · 7 people voted.", `*Weekdays 9 to 6, nothing after* (most votes)\n` + strings.Repeat("█", maxBar) + " 4",
		`Weekdays 8 to 5\n` + strings.Repeat("█", 10) + " 2", `Only urgent things after hours &amp; at weekends\n0`} {
		if !strings.Contains(s, want) {
			t.Errorf("closed poll lacks %q", want)
		}
	}

	v.Poll.Adopted = 1
	s = string(marshalMessage(t, PollText(v), PollMessage(v)))
	if !strings.Contains(s, "Adopted as the team's norm: *Weekdays 8 to 5* (working hours `Mon-Fri 08:00-17:00`).") {
		t.Errorf("adopted norm not shown: %s", s)
	}
}

func TestAdoptMessage(t *testing.T) {
	v := pollViews(t)["poll_closed"]
	if got := buttons(AdoptMessage(v)); !slices.Equal(got, [][2]string{{ActionAdopt, "P01HXYZ"}}) {
		t.Errorf("buttons = %v; want the adopt button", got)
	}
	s := string(marshalMessage(t, "x", AdoptMessage(v)))
	if !strings.Contains(s, "Your poll in <#C0TEAM> has closed") || !strings.Contains(s, "Adopt as team norm") {
		t.Errorf("adopt DM: %s", s)
	}

	for name, v := range map[string]PollView{
		"no winner":     func() PollView { v := v; v.Winner = -1; return v }(),
		"under quorum":  pollViews(t)["poll_closed_under_quorum"],
		"winner beyond": func() PollView { v := v; v.Winner = 4; return v }(),
		"adopted":       func() PollView { v := v; v.Poll.Adopted = 0; return v }(),
	} {
		if got := buttons(AdoptMessage(v)); len(got) != 0 {
			t.Errorf("%s: buttons %v; want none", name, got)
		}
	}
	adopted := v
	adopted.Poll.Adopted = 0
	if s := string(marshalMessage(t, "x", AdoptMessage(adopted))); !strings.Contains(s, "You adopted *Weekdays 9 to 6, nothing after*") {
		t.Errorf("adopted DM: %s", s)
	}
}

func TestPoll_PersonTextIsEscaped(t *testing.T) {
	p, loc := testPoll(t)
	p.Question = "<!channel> when? <https://evil.example|x> & <@U0BOB>"
	p.Options[0].Label = "<!here> 9-6"
	p.Options[0].Hours = "`<!everyone>`"
	p.Adopted = 0
	v := PollView{Poll: p, Voters: 5, Counts: []int{5, 0, 0, 0}, Closed: true, Winner: 0, Loc: loc, Quorum: 3}
	open := v
	open.Closed = false
	// Slack parses mentions and links in mrkdwn and in a message's text,
	// not in plain_text (button labels), which is shown as is.
	var texts []string
	for _, blocks := range [][]slack.Block{PollMessage(v), PollMessage(open), AdoptMessage(v)} {
		texts = append(texts, mrkdwnTexts(t, marshalMessage(t, "x", blocks))...)
	}
	texts = append(texts, PollText(v), PollText(open))
	if len(texts) < 10 {
		t.Fatalf("only %d texts", len(texts))
	}
	for _, s := range texts {
		for _, bad := range []string{"<!channel>", "<!here>", "<!everyone>", "<https:", "<@U0BOB>"} {
			if strings.Contains(s, bad) {
				t.Errorf("unescaped %q in %s", bad, s)
			}
		}
	}
}

// mrkdwnTexts collects the text of every mrkdwn object in a JSON message.
func mrkdwnTexts(t *testing.T, b []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["type"] == "mrkdwn" {
				s, _ := v["text"].(string)
				out = append(out, s)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

func TestPollText(t *testing.T) {
	views := pollViews(t)
	if got, want := PollText(views["poll_open"]), "Anonymous poll: When are work messages welcome? (closes Tue 17:00 CET)"; got != want {
		t.Errorf("PollText(open) = %q; want %q", got, want)
	}
	if got, want := PollText(views["poll_closed"]), "Poll closed: When are work messages welcome?"; got != want {
		t.Errorf("PollText(closed) = %q; want %q", got, want)
	}
	// A long poll or an unknown start shows the date.
	v := views["poll_open"]
	v.Poll.Created = time.Time{}
	if got := PollText(v); !strings.Contains(got, "closes Tue 24 Nov 17:00 CET") {
		t.Errorf("PollText = %q; want the date", got)
	}
}

func TestHome_ManagerCanStartAPoll(t *testing.T) {
	if ids := actionIDs(HomeView(homes(t)["home_manager"])); !has(ids, ActionStartPoll) {
		t.Errorf("manager buttons %v lack %s", ids, ActionStartPoll)
	}
	if ids := actionIDs(HomeView(homes(t)["home_stranger"])); has(ids, ActionStartPoll) {
		t.Errorf("non-manager buttons %v include %s", ids, ActionStartPoll)
	}
}

// FuzzParsePollSubmission: no state.values makes the poll parser panic, and
// every error is ErrMalformed (the parser validates nothing else).
func FuzzParsePollSubmission(f *testing.F) {
	f.Add(`{"poll_question":{"poll_question":{"type":"plain_text_input","value":"Q"}},"poll_channel":{"poll_channel":{"type":"conversations_select","selected_conversation":"C1"}},"poll_deadline":{"poll_deadline":{"type":"datetimepicker","selected_date_time":1795539600}}}`)
	f.Add(`{"poll_live":{"poll_live":{"type":"checkboxes","selected_options":null}}}`)
	f.Add(`{}`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, values string) {
		var state slack.ViewState
		if json.Unmarshal([]byte(`{"values":`+values+`}`), &state) != nil {
			return
		}
		d, err := ParsePollSubmission(slack.View{CallbackID: CallbackPoll, State: &state})
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error %v is not ErrMalformed", err)
		}
		if len(d.Options) != len(d.Rows) || len(d.Options) > poll.MaxOptions {
			t.Fatalf("%d options, %d rows", len(d.Options), len(d.Rows))
		}
	})
}
