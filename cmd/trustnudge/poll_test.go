package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/slackfake"
)

func pollSubmission(user string, options [][2]string, deadline time.Time) map[string]any {
	values := map[string]any{
		"poll_question": map[string]any{"poll_question": map[string]any{"type": "plain_text_input", "value": "When are work messages welcome on this team?"}},
		"poll_channel":  map[string]any{"poll_channel": map[string]any{"type": "conversations_select", "selected_conversation": "C1TEAM"}},
		"poll_deadline": map[string]any{"poll_deadline": map[string]any{"type": "datetimepicker", "selected_date_time": deadline.Unix()}},
		"poll_live":     map[string]any{"poll_live": map[string]any{"type": "checkboxes", "selected_options": []any{}}},
	}
	for i, o := range options {
		n := string(rune('1' + i))
		values["poll_option_"+n] = map[string]any{"poll_option_" + n: map[string]any{"type": "plain_text_input", "value": o[0]}}
		values["poll_hours_"+n] = map[string]any{"poll_hours_" + n: map[string]any{"type": "plain_text_input", "value": o[1]}}
	}
	return map[string]any{
		"type": "view_submission", "user": map[string]any{"id": user}, "team": map[string]any{"id": "T0TEAM"}, "trigger_id": "",
		"view": map[string]any{"id": "VPOLL", "type": "modal", "callback_id": "modal_poll", "state": map[string]any{"values": values}},
	}
}

func pressButton(fake *slackfake.Server, user, channel, actionID, value string) string {
	return fake.SendInteractive(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "team": map[string]any{"id": "T0TEAM"},
		"trigger_id": "", "channel": map[string]any{"id": channel},
		"container": map[string]any{"type": "message", "channel_id": channel},
		"actions":   []map[string]any{{"action_id": actionID, "block_id": "b", "type": "button", "value": value}},
	})
}

// waitEphemeral waits for a private reply to user containing want.
func waitEphemeral(t *testing.T, fake *slackfake.Server, user, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := fake.WaitCall(ctx, "chat.postEphemeral", func(c slackfake.Call) bool {
		return c.Params.Get("user") == user && strings.Contains(c.Params.Get("text"), want)
	}); err != nil {
		t.Fatalf("no private reply to %s containing %q: %v", user, want, err)
	}
}

func TestPoll_FromNudgeToAdoptedNorm(t *testing.T) {
	clk := clock.NewFake(at(0, 9, 0))
	fake := nudgeFake(t, clk)
	fake.AddUser(slackfake.User{ID: "U8OUT", Name: "outsider", TZ: "Europe/Berlin"})
	db := tempDB(t)
	cb := startClockBot(t, fake, clk, db)
	setUpMaya(t, fake)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// A late message brings a nudge with "Ask my team about messaging hours".
	clk.Set(at(0, 22, 40))
	cb.post(t, fake, "C1TEAM", "U1MGR", "late thought <@U2ALEX>", "")
	nudges := ephemeralsTo(fake, "U1MGR")
	if len(nudges) != 1 {
		t.Fatalf("%d nudges; want 1", len(nudges))
	}
	pressButton(fake, "U1MGR", "C1TEAM", "nudge_ask_team", buttonValue(t, string(nudges[0].Blocks), "nudge_ask_team"))
	if _, err := fake.WaitCall(ctx, "views.open", func(c slackfake.Call) bool { return strings.Contains(c.Params.Get("view"), "modal_poll") }); err != nil {
		t.Fatalf("the poll form did not open: %v", err)
	}

	// One option only: the modal stays open with the error on the field.
	deadline := at(2, 16, 0)
	env := fake.SendInteractive(pollSubmission("U1MGR", [][2]string{{"Weekdays 9-18", "Mon-Fri 09:00-18:00"}}, deadline))
	ack, err := fake.WaitAck(ctx, env)
	if err != nil || !strings.Contains(string(ack.Payload), `"response_action":"errors"`) {
		t.Fatalf("one-option poll ack = %s, %v; want field errors", ack.Payload, err)
	}
	env = fake.SendInteractive(pollSubmission("U1MGR", [][2]string{{"Weekdays 9-18", "Mon-Fri 09:00-18:00"}, {"Weekdays 8-16", "Mon-Fri 08:00-16:00"}, {"Weekdays 8-16", ""}}, deadline))
	if ack, err := fake.WaitAck(ctx, env); err != nil || !strings.Contains(string(ack.Payload), "poll_option_3") {
		t.Fatalf("duplicate option ack = %s, %v; want an error on option 3", ack.Payload, err)
	}
	env = fake.SendInteractive(pollSubmission("U1MGR", [][2]string{{"Weekdays 9-18", "Mon-Fri 09:00-18:00"}, {"Weekdays 8-16", "Mon-Fri 08:00-16:00"}}, deadline))
	if ack, err := fake.WaitAck(ctx, env); err != nil || len(ack.Payload) != 0 {
		t.Fatalf("valid poll ack = %s, %v; want the modal closed", ack.Payload, err)
	}
	posted, err := fake.WaitCall(ctx, "chat.postMessage", func(c slackfake.Call) bool {
		return c.Params.Get("channel") == "C1TEAM" && strings.Contains(c.Params.Get("blocks"), "poll_vote")
	})
	if err != nil {
		t.Fatalf("the poll was not posted: %v", err)
	}
	blocks := posted.Params.Get("blocks")
	vote0 := buttonValue(t, blocks, "poll_vote")
	pollID := vote0[:strings.LastIndexByte(vote0, '|')]
	vote := func(user string, option string) string {
		return pressButton(fake, user, "C1TEAM", "poll_vote", pollID+"|"+option)
	}

	vote("U2ALEX", "0")
	waitEphemeral(t, fake, "U2ALEX", "You chose “Weekdays 9-18”")
	vote("U2ALEX", "1") // a change of mind
	waitEphemeral(t, fake, "U2ALEX", "You chose “Weekdays 8-16”")
	vote("U8OUT", "1") // not in the channel: refused (the count below stays 3)
	vote("U3SAM", "5") // no such option
	waitEphemeral(t, fake, "U3SAM", "doesn't exist")
	pressButton(fake, "U3SAM", "C1TEAM", "poll_close", pollID) // not the creator
	waitEphemeral(t, fake, "U3SAM", "")
	vote("U3SAM", "1")
	waitEphemeral(t, fake, "U3SAM", "You chose “Weekdays 8-16”")

	// A restart mid-poll loses nothing.
	cb.stop(t)
	cb = startClockBot(t, fake, clk, db)
	vote("U1MGR", "1")
	waitEphemeral(t, fake, "U1MGR", "You chose")

	// The deadline passes: the job closes it and shows the counts (3 voters).
	clk.Set(deadline.Add(time.Minute))
	if err := cb.slack.PollJobs(ctx); err != nil {
		t.Fatal(err)
	}
	// Exactly three people voted: the outsider and the bad option were
	// refused, and Alex's change of mind counted once.
	if _, err := fake.WaitCall(ctx, "chat.update", func(c slackfake.Call) bool {
		return strings.Contains(c.Params.Get("text"), "Poll closed") && strings.Contains(c.Params.Get("blocks"), "3 people voted")
	}); err != nil {
		t.Fatalf("the poll message was not updated with results: %v", err)
	}
	dm, err := fake.WaitCall(ctx, "chat.postMessage", func(c slackfake.Call) bool { return strings.Contains(c.Params.Get("blocks"), "poll_adopt") })
	if err != nil {
		t.Fatalf("the creator got no adopt button: %v", err)
	}
	vote("U2ALEX", "0")
	waitEphemeral(t, fake, "U2ALEX", "closed")

	pressButton(fake, "U1MGR", dm.Params.Get("channel"), "poll_adopt", pollID)
	if _, err := fake.WaitCall(ctx, "chat.postMessage", func(c slackfake.Call) bool {
		return c.Params.Get("channel") == "C1TEAM" && strings.Contains(c.Params.Get("text"), "Mon-Fri 08:00-16:00")
	}); err != nil {
		t.Fatalf("the channel was not told about the adopted norm: %v", err)
	}
	expectReply(t, fake, "U2ALEX", "status", "Mon-Fri") // still answers

	// Thursday 17:00 in Berlin: inside Alex's own 09-18, but an hour past
	// the team's adopted 08-16, so the manager is nudged.
	clk.Set(at(3, 17, 0))
	before := len(ephemeralsTo(fake, "U1MGR"))
	cb.post(t, fake, "C1TEAM", "U1MGR", "one more for today <@U2ALEX>", "")
	if got := len(ephemeralsTo(fake, "U1MGR")); got != before+1 {
		t.Errorf("%d new nudges at 17:00 under the 08-16 norm; want 1", got-before)
	}
}

func TestPoll_ReminderOnceAndThrottledCountUpdates(t *testing.T) {
	clk := clock.NewFake(at(0, 10, 0))
	fake := nudgeFake(t, clk)
	members := []string{"U1MGR", "U2ALEX", "U3SAM", fake.Options().BotUserID}
	for i := range 25 {
		id := "U9V" + string(rune('A'+i))
		fake.AddUser(slackfake.User{ID: id, Name: "voter", TZ: "Europe/Berlin"})
		members = append(members, id)
	}
	fake.AddChannel(slackfake.Channel{ID: "C2POLL", Name: "polls", Members: members})
	cb := startClockBot(t, fake, clk, tempDB(t))
	setUpMaya(t, fake)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	deadline := at(2, 10, 0)
	sub := pollSubmission("U1MGR", [][2]string{{"Weekdays 9-18", "Mon-Fri 09:00-18:00"}, {"Weekdays 8-16", "Mon-Fri 08:00-16:00"}}, deadline)
	sub["view"].(map[string]any)["state"].(map[string]any)["values"].(map[string]any)["poll_channel"] =
		map[string]any{"poll_channel": map[string]any{"type": "conversations_select", "selected_conversation": "C2POLL"}}
	if ack, err := fake.WaitAck(ctx, fake.SendInteractive(sub)); err != nil || len(ack.Payload) != 0 {
		t.Fatalf("poll ack = %s, %v", ack.Payload, err)
	}
	posted, err := fake.WaitCall(ctx, "chat.postMessage", func(c slackfake.Call) bool { return c.Params.Get("channel") == "C2POLL" })
	if err != nil {
		t.Fatal(err)
	}
	vote0 := buttonValue(t, posted.Params.Get("blocks"), "poll_vote")
	pollID := vote0[:strings.LastIndexByte(vote0, '|')]

	// 25 votes as fast as they come: the message is updated at most once a
	// second, and the last update shows all 25.
	start := time.Now()
	for i := range 25 {
		pressButton(fake, "U9V"+string(rune('A'+i)), "C2POLL", "poll_vote", pollID+"|"+string(rune('0'+i%2)))
	}
	if _, err := fake.WaitCall(ctx, "chat.update", func(c slackfake.Call) bool {
		return strings.Contains(c.Params.Get("blocks"), "25 people have voted")
	}); err != nil {
		t.Fatalf("no update showed 25 voters: %v", err)
	}
	elapsed := time.Since(start)
	if n, most := len(fake.CallsTo("chat.update")), int(elapsed/time.Second)+2; n > most {
		t.Errorf("%d chat.update calls in %v; want at most %d (one a second)", n, elapsed, most)
	}

	// Halfway: one reminder in the channel, naming no one; never a second.
	clk.Set(at(1, 10, 1))
	for range 2 {
		if err := cb.slack.PollJobs(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var reminders []string
	for _, c := range fake.CallsTo("chat.postMessage") {
		if c.Params.Get("channel") == "C2POLL" && strings.Contains(c.Params.Get("text"), "Reminder") {
			reminders = append(reminders, c.Params.Get("text"))
		}
	}
	if len(reminders) != 1 {
		t.Fatalf("%d reminders; want exactly 1", len(reminders))
	}
	if strings.Contains(reminders[0], "<@") {
		t.Errorf("the reminder names someone: %s", reminders[0])
	}
}
