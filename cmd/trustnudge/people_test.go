package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/slackfake"
)

// say runs a /trustnudge command as user and returns the ephemeral reply
// from the ack.
func say(t *testing.T, fake *slackfake.Server, user, text string) string {
	t.Helper()
	env := fake.SendSlashCommand(user, "C1TEAM", "/trustnudge", text)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ack, err := fake.WaitAck(ctx, env)
	if err != nil {
		t.Fatalf("/trustnudge %s: no ack: %v", text, err)
	}
	var p struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal(ack.Payload, &p); err != nil || p.Text == "" {
		t.Fatalf("/trustnudge %s: ack payload %s is not a reply", text, ack.Payload)
	}
	if p.ResponseType != "ephemeral" {
		t.Errorf("/trustnudge %s: response_type %q; want ephemeral", text, p.ResponseType)
	}
	return p.Text
}

func expectReply(t *testing.T, fake *slackfake.Server, user, text string, want ...string) string {
	t.Helper()
	got := say(t, fake, user, text)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("/trustnudge %s\n got: %s\nwant it to contain: %s", text, got, w)
		}
	}
	return got
}

// peopleFake is the emulator with a richer workspace for people tests.
func peopleFake(t *testing.T) *slackfake.Server {
	fake := newFake(t, slackfake.Options{TriggerTTL: time.Minute})
	fake.AddUser(slackfake.User{ID: "U4BOTTY", Name: "deploybot", IsBot: true, BotID: "B4"})
	fake.AddUser(slackfake.User{ID: "U5GONE", Name: "gone", Deleted: true})
	fake.AddUser(slackfake.User{ID: "U6ADMIN", Name: "ada", IsAdmin: true, TZ: "Europe/London"})
	fake.AddUser(slackfake.User{ID: "U7NOTZ", Name: "notz"})
	return fake
}

func TestPeople_HelpUsageAndUnknownInput(t *testing.T) {
	fake := peopleFake(t)
	startBot(t, fake, tempDB(t))
	expectReply(t, fake, "U2ALEX", "", "never reads", "/trustnudge optin", "/trustnudge forget-me")
	expectReply(t, fake, "U2ALEX", "help", "metadata")
	expectReply(t, fake, "U2ALEX", "snoze 1w", "Did you mean", "snooze")
	expectReply(t, fake, "U2ALEX", "frobnicate the widgets", "I don't know", "Usage:")
	expectReply(t, fake, "U2ALEX", "team @alex", "pick people from the @ menu")
	expectReply(t, fake, "U2ALEX", "team <@U3SAM>", "opted in")
	expectReply(t, fake, "U2ALEX", "hours 25:00-18:00", "25:00")
	expectReply(t, fake, "U2ALEX", "snooze", "Usage:")
}

func TestPeople_ManagerSetsUpTeamHoursAndSnooze(t *testing.T) {
	fake := peopleFake(t)
	startBot(t, fake, tempDB(t))
	expectReply(t, fake, "U1MGR", "optin", "You're in", "team @alice")
	expectReply(t, fake, "U1MGR", "optin", "already opted in")
	expectReply(t, fake, "U1MGR", "team <@U2ALEX|alex> <@U3SAM|sam>", "Saved", "2 people", "<@U2ALEX>", "<@U3SAM>")
	expectReply(t, fake, "U1MGR", "team add <@U7NOTZ>", "Added <@U7NOTZ>", "3 people")
	expectReply(t, fake, "U1MGR", "team remove <@U7NOTZ>", "Removed <@U7NOTZ>", "2 people")
	expectReply(t, fake, "U1MGR", "team", "<@U2ALEX>, <@U3SAM>")
	expectReply(t, fake, "U1MGR", "hours", "Mon-Fri 09:00-18:00 Europe/Berlin", "the workspace default")
	expectReply(t, fake, "U1MGR", "hours Mon-Thu 08:30-17:00, Fri 08:30-13:00", "Saved", "Mon-Thu 08:30-17:00, Fri 08:30-13:00 Europe/Berlin")
	expectReply(t, fake, "U1MGR", "hours", "your own setting")
	expectReply(t, fake, "U7NOTZ", "hours", "Mon-Fri 09:00-18:00 UTC") // no Slack tz: TRUSTNUDGE_DEFAULT_TZ
	expectReply(t, fake, "U1MGR", "snooze 1w travelling", "Snoozed until", "(travelling)")
	expectReply(t, fake, "U1MGR", "snooze 100d", "90 days")
	expectReply(t, fake, "U1MGR", "snooze 10m", "1 hour")
	status := expectReply(t, fake, "U1MGR", "status", "opted in since", "<@U2ALEX>", "snoozed until", "Mon-Thu 08:30-17:00", "forget-me")
	if strings.Contains(status, "you're left out") {
		t.Errorf("status says excluded: %s", status)
	}
	expectReply(t, fake, "U1MGR", "snooze off", "back on")
	expectReply(t, fake, "U2ALEX", "status", "on 1 manager's team", "haven't opted in")
}

func TestPeople_TeamRefusesWhoCannotBeOnATeam(t *testing.T) {
	fake := peopleFake(t)
	startBot(t, fake, tempDB(t))
	say(t, fake, "U1MGR", "optin")
	for text, want := range map[string]string{
		"team <@U1MGR|maya>":          "can't be on your own team",
		"team <@U4BOTTY|deploybot>":   "is a bot",
		"team <@U0BOT|trustnudge>":    "trustnudge itself",
		"team <@U5GONE|gone>":         "deactivated",
		"team <@U9NOBODY>":            "couldn't find",
		"team <#C1TEAM|team>":         "is a channel",
		"team <!here>":                "isn't a person",
		"team add":                    "Usage:",
		"team <@U2ALEX> <@U4BOTTY|b>": "is a bot",
	} {
		expectReply(t, fake, "U1MGR", text, want)
	}
	// Nothing was saved by the refused commands.
	expectReply(t, fake, "U1MGR", "team", "Your team is empty")
}

func TestPeople_AdminCommandsAreForAdminsOnly(t *testing.T) {
	fake := peopleFake(t)
	t.Setenv("TRUSTNUDGE_ADMINS", "U3SAM")
	startBot(t, fake, tempDB(t))
	say(t, fake, "U1MGR", "optin")
	say(t, fake, "U1MGR", "team <@U2ALEX>")
	expectReply(t, fake, "U2ALEX", "admin status", "only for workspace owners and admins")
	expectReply(t, fake, "U2ALEX", "admin hours Mon-Fri 10:00-16:00", "only for workspace owners and admins")
	st := expectReply(t, fake, "U6ADMIN", "admin status", "1 manager opted in", "1 person on teams", "connected")
	if strings.Contains(st, "U1MGR") || strings.Contains(st, "U2ALEX") {
		t.Errorf("admin status reveals people: %s", st)
	}
	expectReply(t, fake, "U3SAM", "admin hours Mon-Fri 10:00-16:00", "Saved", "Mon-Fri 10:00-16:00")
	expectReply(t, fake, "U2ALEX", "hours", "Mon-Fri 10:00-16:00 Europe/Berlin", "the workspace default")
	expectReply(t, fake, "U6ADMIN", "admin hours", "Mon-Fri 10:00-16:00")
	expectReply(t, fake, "U6ADMIN", "admin hours Mon-Fri 99:00-16:00", "99:00")
}

func TestPeople_ExcludeAndForgetTakeEffectAtOnce(t *testing.T) {
	fake := peopleFake(t)
	b := startBot(t, fake, tempDB(t))
	say(t, fake, "U1MGR", "optin")
	say(t, fake, "U1MGR", "team <@U2ALEX> <@U3SAM>")
	// Alex asks Maya something: a request, recorded for Maya's patterns.
	ts, _ := fake.UserPost("C1TEAM", "U2ALEX", "<@U1MGR> can you review?", "")
	waitObserved(t, b, ts)
	ts2, _ := fake.UserPost("C1TEAM", "U1MGR", "sure <@U2ALEX>", ts)
	waitObserved(t, b, ts2)
	expectReply(t, fake, "U2ALEX", "status", "2 records")
	// Alex's own request is deleted; Maya's reply no longer names him.
	expectReply(t, fake, "U2ALEX", "exclude-me", "left out of all counting", "removed you from 2 message records")
	expectReply(t, fake, "U2ALEX", "status", "0 records", "left out")
	// Maya's reply stays, but no longer names Alex.
	expectReply(t, fake, "U1MGR", "status", "1 record")
	ts3, _ := fake.UserPost("C1TEAM", "U2ALEX", "<@U1MGR> another question", "")
	waitObserved(t, b, ts3)
	expectReply(t, fake, "U2ALEX", "status", "0 records")
	expectReply(t, fake, "U2ALEX", "include-me", "counted again")

	forget := expectReply(t, fake, "U1MGR", "forget-me", "Deleted everything", "team list (2 people)", "message record")
	_ = forget
	expectReply(t, fake, "U1MGR", "status", "haven't opted in", "0 records", "the workspace default")
	expectReply(t, fake, "U2ALEX", "status", "haven't opted in")
	if st := say(t, fake, "U2ALEX", "status"); strings.Contains(st, "manager's team") {
		t.Errorf("after the manager's forget-me, Alex is still on a team: %s", st)
	}
	expectReply(t, fake, "U3SAM", "forget-me", "held nothing about you")
}

func TestPeople_AppHomeButtonsAndModals(t *testing.T) {
	fake := peopleFake(t)
	b := startBot(t, fake, tempDB(t))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	fake.SendEvent(map[string]any{"type": "app_home_opened", "user": "U1MGR", "channel": "D1MGR", "tab": "home"})
	home := waitHome(t, fake, "U1MGR", "Opt in")
	if !strings.Contains(home, "never") {
		t.Errorf("home does not say what the app never reads: %s", home)
	}
	click(fake, "U1MGR", "home_optin")
	waitHome(t, fake, "U1MGR", "You're in")

	// Edit team: the button opens a modal, the submission saves the team.
	click(fake, "U1MGR", "home_team")
	if _, err := fake.WaitCall(ctx, "views.open", func(c slackfake.Call) bool { return strings.Contains(c.Params.Get("view"), "modal_team") }); err != nil {
		t.Fatalf("no modal opened: %v\n%s", err, b.logs.String())
	}
	env := fake.SendInteractive(submission("modal_team", map[string]any{"team": map[string]any{"team_users": map[string]any{"type": "multi_users_select", "selected_users": []string{"U2ALEX", "U3SAM"}}}}))
	if ack, err := fake.WaitAck(ctx, env); err != nil || len(ack.Payload) != 0 {
		t.Fatalf("team submission ack = %s, %v; want empty (close the modal)", ack.Payload, err)
	}
	waitHome(t, fake, "U1MGR", "<@U3SAM>")
	expectReply(t, fake, "U1MGR", "team", "2 people")

	// A bad hours spec keeps the modal open with the error on the field.
	env = fake.SendInteractive(submission("modal_hours", map[string]any{"hours": map[string]any{"hours_spec": map[string]any{"type": "plain_text_input", "value": "Mon-Fri 09:00-25:00"}}}))
	ack, err := fake.WaitAck(ctx, env)
	if err != nil || !strings.Contains(string(ack.Payload), `"response_action":"errors"`) || !strings.Contains(string(ack.Payload), "25:00") {
		t.Fatalf("bad hours ack = %s, %v; want response_action errors naming 25:00", ack.Payload, err)
	}
	// A team with a bot is refused inside the modal too.
	env = fake.SendInteractive(submission("modal_team", map[string]any{"team": map[string]any{"team_users": map[string]any{"type": "multi_users_select", "selected_users": []string{"U4BOTTY"}}}}))
	ack, err = fake.WaitAck(ctx, env)
	if err != nil || !strings.Contains(string(ack.Payload), "is a bot") {
		t.Fatalf("bot in team ack = %s, %v; want a modal error", ack.Payload, err)
	}
	click(fake, "U1MGR", "home_exclude")
	waitHome(t, fake, "U1MGR", "left out of all counting")
}

func click(fake *slackfake.Server, user, actionID string) string {
	return fake.SendInteractive(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "team": map[string]any{"id": "T0TEAM"},
		"trigger_id": "", "container": map[string]any{"type": "view"},
		"view":    map[string]any{"type": "home", "id": "VHOME"},
		"actions": []map[string]any{{"action_id": actionID, "block_id": "b", "type": "button", "value": actionID}},
	})
}

func submission(callbackID string, values map[string]any) map[string]any {
	return map[string]any{
		"type": "view_submission", "user": map[string]any{"id": "U1MGR"}, "team": map[string]any{"id": "T0TEAM"},
		"trigger_id": "",
		"view":       map[string]any{"id": "VMODAL", "type": "modal", "callback_id": callbackID, "state": map[string]any{"values": values}},
	}
}

// waitHome waits until the user's published App Home contains want.
func waitHome(t *testing.T, fake *slackfake.Server, user, want string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var last string
	_, err := fake.WaitCall(ctx, "views.publish", func(c slackfake.Call) bool {
		if c.Params.Get("user_id") != user {
			return false
		}
		last = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(c.Params.Get("view"))
		return strings.Contains(last, want)
	})
	if err != nil {
		t.Fatalf("App Home of %s never showed %q; last: %s", user, want, last)
	}
	return last
}
