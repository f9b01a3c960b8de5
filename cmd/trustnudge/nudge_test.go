package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/config"
	"github.com/trustnudge/trustnudge/internal/slackfake"
)

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return l
}()

// at is a time in the week of Monday 16 November 2026, in Berlin.
func at(day, hour, min int) time.Time {
	return time.Date(2026, 11, 16+day, hour, min, 0, 0, berlin)
}

// clockBot is the wired bot on a fake clock, served in this process.
type clockBot struct {
	*bot
	logs    *logBuffer
	cancel  context.CancelFunc
	done    chan error
	markers int
}

func startClockBot(t *testing.T, fake *slackfake.Server, clk *clock.Fake, db string) *clockBot {
	t.Helper()
	botEnv(t, fake, db, "")
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	logs := newLogBuffer()
	log := cfg.NewLogger(logs)
	b, err := newBot(cfg, log, clk)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cb := &clockBot{bot: b, logs: logs, cancel: cancel, done: make(chan error, 1)}
	opened := fake.ConnectionsOpened()
	go func() { cb.done <- serve(ctx, log, "", cfg.BotToken.Reveal(), b.db, b.slack, b.sched, b.metrics) }()
	t.Cleanup(func() { cb.stop(t) })
	wctx, wcancel := context.WithTimeout(ctx, 15*time.Second)
	defer wcancel()
	if err := fake.WaitConnectionsOpened(wctx, opened+1); err != nil {
		t.Fatalf("bot did not connect: %v\n%s", err, logs.String())
	}
	return cb
}

func (cb *clockBot) stop(t *testing.T) {
	t.Helper()
	if cb.cancel == nil {
		return
	}
	cb.cancel()
	select {
	case <-cb.done:
	case <-time.After(15 * time.Second):
		t.Fatal("bot did not stop")
	}
	cb.close()
	cb.cancel = nil
}

// post posts as user at the fake clock's time and waits until the core
// has handled it: the next event's "message observed" line comes only
// after the previous event went through the core.
func (cb *clockBot) post(t *testing.T, fake *slackfake.Server, channel, user, text, thread string) string {
	t.Helper()
	ts, _ := fake.UserPost(channel, user, text, thread)
	cb.settle(t, fake)
	return ts
}

// settle waits until every event sent so far has been through the core.
func (cb *clockBot) settle(t *testing.T, fake *slackfake.Server) {
	t.Helper()
	cb.markers++
	id := fmt.Sprintf("EvSETTLE%d", cb.markers)
	fake.SendEventWithID(map[string]any{"type": "app_mention", "channel": "C1TEAM", "user": "U3SAM", "ts": "1.000001"}, id)
	// Events reach the core in order: once this marker is handled, so is
	// everything sent before it.
	cb.logs.wait(t, "event_id="+id+" ", 1)
}

func nudgeFake(t *testing.T, clk *clock.Fake) *slackfake.Server {
	fake := newFake(t, slackfake.Options{Clock: clk, TriggerTTL: time.Minute})
	return fake
}

// ephemeralsTo lists the nudges shown to user in the channel (ephemeral
// messages with nudge buttons, not command replies).
func ephemeralsTo(fake *slackfake.Server, user string) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range fake.Messages("C1TEAM") {
		if m.Ephemeral && m.ForUser == user && strings.Contains(string(m.Blocks), `"nudge_`) {
			out = append(out, m)
		}
	}
	return out
}

func setUpMaya(t *testing.T, fake *slackfake.Server) {
	t.Helper()
	say(t, fake, "U1MGR", "optin")
	say(t, fake, "U1MGR", "team <@U2ALEX> <@U3SAM>")
}

func TestNudge_AfterHoursEphemeralSuggestsATime(t *testing.T) {
	clk := clock.NewFake(at(0, 9, 0))
	fake := nudgeFake(t, clk)
	cb := startClockBot(t, fake, clk, tempDB(t))
	setUpMaya(t, fake)

	// Monday 15:30 in Berlin, 09:30 in New York: inside everyone's hours.
	clk.Set(at(0, 15, 30))
	cb.post(t, fake, "C1TEAM", "U1MGR", "morning all", "")
	if n := len(ephemeralsTo(fake, "U1MGR")); n != 0 {
		t.Fatalf("%d nudges for an in-hours message", n)
	}
	// Monday 22:40 in Berlin (16:40 in New York): it is night for Alex.
	clk.Set(at(0, 22, 40))
	cb.post(t, fake, "C1TEAM", "U1MGR", "one more thing <@U2ALEX>", "")
	got := ephemeralsTo(fake, "U1MGR")
	if len(got) != 1 {
		t.Fatalf("got %d after-hours nudges; want 1\n%s", len(got), cb.logs.String())
	}
	nudgeText := got[0].Text + string(got[0].Blocks)
	// The first moment inside both Alex's (Berlin) and Sam's (New York) hours.
	if !strings.Contains(nudgeText, "15:00") || !strings.Contains(nudgeText, "Schedule send") {
		t.Errorf("nudge does not suggest Tue 15:00 with Schedule send: %s", nudgeText)
	}
	if d := got[0].PostedAt.Sub(at(0, 22, 40)); d > 5*time.Second {
		t.Errorf("nudge came %v after the message; want within 5s", d)
	}
	// The cooldown holds: a second late message the same night gets nothing.
	clk.Set(at(0, 23, 10))
	cb.post(t, fake, "C1TEAM", "U1MGR", "and another", "")
	if n := len(ephemeralsTo(fake, "U1MGR")); n != 1 {
		t.Errorf("cooldown broken: %d nudges", n)
	}
	// They started it: Sam writes at 23:20 his time, Maya answers at once.
	clk.Set(at(1, 5, 20)) // 23:20 in New York; Alex in Berlin is asleep too
	cb.post(t, fake, "C1TEAM", "U3SAM", "quick q", "")
	if strings.Contains(cb.logs.String(), "panic") {
		t.Fatal(cb.logs.String())
	}
}

func TestNudge_WeeklyCapAndStopTheseSurviveRestart(t *testing.T) {
	clk := clock.NewFake(at(0, 9, 0))
	fake := nudgeFake(t, clk)
	t.Setenv("TRUSTNUDGE_COOLDOWN_AFTER_HOURS", "0")
	t.Setenv("TRUSTNUDGE_WEEKLY_CAP", "2")
	db := tempDB(t)
	cb := startClockBot(t, fake, clk, db)
	setUpMaya(t, fake)
	for i, day := range []int{0, 1, 2} {
		clk.Set(at(day, 23, 0))
		cb.post(t, fake, "C1TEAM", "U1MGR", "late", "")
		if want := min(i+1, 2); len(ephemeralsTo(fake, "U1MGR")) != want {
			t.Fatalf("day %d: %d nudges; want %d (cap 2)", day, len(ephemeralsTo(fake, "U1MGR")), want)
		}
	}
	// Stop these, from the button on the first nudge.
	first := ephemeralsTo(fake, "U1MGR")[0]
	value := buttonValue(t, string(first.Blocks), "nudge_stop")
	env := fake.SendInteractive(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U1MGR"}, "team": map[string]any{"id": "T0TEAM"},
		"channel": map[string]any{"id": "C1TEAM"}, "container": map[string]any{"type": "message", "channel_id": "C1TEAM", "is_ephemeral": true},
		"actions": []map[string]any{{"action_id": "nudge_stop", "block_id": "n", "type": "button", "value": value}},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := fake.WaitAck(ctx, env); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.WaitCall(ctx, "chat.postEphemeral", func(c slackfake.Call) bool { return strings.Contains(c.Params.Get("text"), "no more nudges") }); err != nil {
		t.Fatalf("Stop these was not confirmed: %v", err)
	}
	cb.stop(t)

	// A week later, after a restart: the cap has room again, but the kind stays off.
	clk.Set(at(8, 23, 0))
	cb = startClockBot(t, fake, clk, db)
	before := len(ephemeralsTo(fake, "U1MGR"))
	cb.post(t, fake, "C1TEAM", "U1MGR", "late again", "")
	for _, m := range ephemeralsTo(fake, "U1MGR")[before:] {
		if strings.Contains(string(m.Blocks), "nudge_stop") {
			t.Errorf("an after-hours nudge came after Stop these and a restart: %s", m.Text)
		}
	}
}

func buttonValue(t *testing.T, blocks, actionID string) string {
	t.Helper()
	i := strings.Index(blocks, `"action_id":"`+actionID+`"`)
	if i < 0 {
		t.Fatalf("no %s button in %s", actionID, blocks)
	}
	rest := blocks[i:]
	j := strings.Index(rest, `"value":"`)
	if j < 0 {
		t.Fatalf("button %s has no value", actionID)
	}
	rest = rest[j+len(`"value":"`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func TestNudge_SlowReplyDMWaitsForTheManagersMorning(t *testing.T) {
	clk := clock.NewFake(at(0, 9, 0))
	fake := nudgeFake(t, clk)
	cb := startClockBot(t, fake, clk, tempDB(t))
	setUpMaya(t, fake)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	clk.Set(at(0, 9, 30))
	asked := cb.post(t, fake, "C1TEAM", "U2ALEX", "<@U1MGR> can you approve the budget?", "")
	answeredTS := cb.post(t, fake, "C1TEAM", "U3SAM", "<@U1MGR> quick one", "")
	clk.Set(at(0, 9, 40))
	cb.post(t, fake, "C1TEAM", "U1MGR", "sure Sam", answeredTS) // answers Sam in his thread

	// Monday 18:45: Alex has waited 8.5 working hours, but it is evening for Maya.
	clk.Set(at(0, 18, 45))
	if err := cb.engine.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.CallsTo("chat.postMessage")); n != 0 {
		t.Fatalf("a DM went out in the manager's evening (%d)", n)
	}
	// Tuesday 09:01: her working morning.
	clk.Set(at(1, 9, 1))
	if err := cb.engine.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	call, err := fake.WaitCall(ctx, "chat.postMessage", nil)
	if err != nil {
		t.Fatal(err)
	}
	body := call.Params.Get("blocks") + call.Params.Get("text")
	wantLink := "https://acme.slack.com/archives/C1TEAM/p" + strings.ReplaceAll(asked, ".", "")
	if !strings.Contains(body, wantLink) {
		t.Errorf("DM lacks the permalink %s:\n%s", wantLink, body)
	}
	if strings.Contains(body, strings.ReplaceAll(answeredTS, ".", "")) {
		t.Errorf("DM lists Sam's question, which Maya answered:\n%s", body)
	}
	if !strings.HasPrefix(call.Params.Get("channel"), "D") {
		t.Errorf("nudge posted to %q; want the app's DM with the manager", call.Params.Get("channel"))
	}
	// Once answered (a reaction counts), nothing more is nudged.
	fake.SendEvent(map[string]any{"type": "reaction_added", "user": "U1MGR", "reaction": "white_check_mark", "item_user": "U2ALEX",
		"item": map[string]any{"type": "message", "channel": "C1TEAM", "ts": asked}, "event_ts": "1.000002"})
	cb.settle(t, fake)
	clk.Set(at(4, 10, 0)) // past the 48h cooldown
	if err := cb.engine.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if calls := fake.CallsTo("chat.postMessage"); len(calls) != 1 {
		t.Errorf("%d DMs; want 1 (the answered request must not be nudged again); last: %s\n%s", len(calls), calls[len(calls)-1].Params.Get("text"), cb.logs.String())
	}
}
