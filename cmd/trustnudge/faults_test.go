package main

// Fault injection end to end: the real bot (run(), or the wired bot on a fake
// clock) against the emulator while it rate-limits, fails, drops sockets,
// asks for reconnects, goes unreachable and stops pinging. Each test checks
// what a broken implementation would get wrong: a lost or doubled event, a
// lost or doubled nudge, a retry that ignores Retry-After, a /readyz that
// lies, a bot that gives up.

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/slackapp"
	"github.com/trustnudge/trustnudge/internal/slackfake"
	"github.com/trustnudge/trustnudge/internal/store"
)

// faultObservedRE matches the adapter's debug line for a message the core
// has handled, capturing its ts (" ts=", not "thread_ts=").
var faultObservedRE = regexp.MustCompile(`(?m)^.*msg="message observed" .* ts=([0-9]+\.[0-9]+) .*$`)

// faultObserved counts "message observed" lines per ts.
func faultObserved(logs string) map[string]int {
	n := map[string]int{}
	for _, m := range faultObservedRE.FindAllStringSubmatch(logs, -1) {
		n[m[1]]++
	}
	return n
}

// faultWaitObserved waits until every ts has a "message observed" line.
func faultWaitObserved(t *testing.T, logs *logBuffer, tss []string) {
	t.Helper()
	for _, ts := range tss {
		logs.wait(t, " ts="+ts+" ", 1)
	}
}

// faultBarrier sends a marker event and waits until the adapter has handled
// it. Events reach the core one at a time, in the order they were received,
// so once the marker is handled so is every envelope received before it.
func faultBarrier(t *testing.T, fake *slackfake.Server, logs *logBuffer, id string) {
	t.Helper()
	fake.SendEventWithID(map[string]any{"type": "app_mention", "channel": "C1TEAM", "user": "U3SAM", "ts": "1.000001"}, id)
	logs.wait(t, "event_id="+id+" ", 1)
}

// faultExactlyOnce fails for every ts not observed exactly once.
func faultExactlyOnce(t *testing.T, logs string, tss []string) {
	t.Helper()
	got := faultObserved(logs)
	bad := 0
	for _, ts := range tss {
		if n := got[ts]; n != 1 {
			bad++
			if bad <= 10 {
				t.Errorf("message %s observed %d times; want exactly once", ts, n)
			}
		}
	}
	if bad > 10 {
		t.Errorf("… and %d more messages not observed exactly once", bad-10)
	}
}

func faultCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// faultStillRunning fails if run() has returned.
func faultStillRunning(t *testing.T, b *runningBot, when string) {
	t.Helper()
	select {
	case err := <-b.done:
		b.done <- err // leave it for stop
		t.Fatalf("run() returned %v %s; want it to keep trying\n%s", err, when, b.logs.String())
	default:
	}
}

// faultAfterHoursNudge sets Maya up and has her post at 22:40 Berlin, night for
// Alex, which calls for one after-hours nudge by chat.postEphemeral. It
// returns how long (real time) the post took to go through the core.
func faultAfterHoursNudge(t *testing.T, fault func(*slackfake.Server)) (*slackfake.Server, *clockBot, time.Duration) {
	t.Helper()
	clk := clock.NewFake(at(0, 9, 0))
	fake := nudgeFake(t, clk)
	cb := startClockBot(t, fake, clk, tempDB(t))
	setUpMaya(t, fake)
	if n := len(fake.CallsTo("chat.postEphemeral")); n != 0 {
		t.Fatalf("%d chat.postEphemeral calls before the nudge; the fault would hit the wrong call", n)
	}
	fault(fake)
	clk.Set(at(0, 22, 40))
	start := time.Now()
	cb.post(t, fake, "C1TEAM", "U1MGR", "one more thing <@U2ALEX>", "")
	return fake, cb, time.Since(start)
}

// faultOneNudgeAfterRetry checks that the nudge reached Maya once, after
// exactly one failed attempt answered with status, and that the retry sent
// the same nudge (not a second one from the core).
func faultOneNudgeAfterRetry(t *testing.T, fake *slackfake.Server, cb *clockBot, status int) {
	t.Helper()
	logs := cb.logs.String()
	if got := ephemeralsTo(fake, "U1MGR"); len(got) != 1 {
		t.Fatalf("%d after-hours nudges reached Maya; want exactly 1\n%s", len(got), logs)
	}
	calls := fake.CallsTo("chat.postEphemeral")
	if len(calls) != 2 {
		t.Fatalf("%d chat.postEphemeral calls; want 2 (the failed one and one retry)", len(calls))
	}
	if calls[0].Status != status || calls[1].Status != 200 {
		t.Errorf("chat.postEphemeral answered %d then %d; want %d then 200", calls[0].Status, calls[1].Status, status)
	}
	for _, c := range calls {
		if c.Params.Get("channel") != "C1TEAM" || c.Params.Get("user") != "U1MGR" {
			t.Errorf("nudge sent to channel %q user %q; want C1TEAM, U1MGR", c.Params.Get("channel"), c.Params.Get("user"))
		}
	}
	if calls[0].Params.Get("blocks") != calls[1].Params.Get("blocks") {
		t.Errorf("the retry sent different blocks: a new nudge, not the same one again")
	}
	if n := strings.Count(logs, `msg="nudge sent" kind=after_hours`); n != 1 {
		t.Errorf("%d \"nudge sent\" lines; want 1\n%s", n, logs)
	}
	if strings.Contains(logs, "level=ERROR") {
		t.Errorf("an error was logged although the retry succeeded:\n%s", logs)
	}
}

// TestFault_RateLimitedNudgeWaitsRetryAfterAndArrivesOnce: a 429 with
// Retry-After 2 on the nudge is waited out (not retried at once, not given
// up) and the nudge arrives exactly once.
func TestFault_RateLimitedNudgeWaitsRetryAfterAndArrivesOnce(t *testing.T) {
	fake, cb, took := faultAfterHoursNudge(t, func(fake *slackfake.Server) {
		fake.RateLimit("chat.postEphemeral", 2*time.Second, 1)
	})
	faultOneNudgeAfterRetry(t, fake, cb, 429)
	if !strings.Contains(cb.logs.String(), `msg="slack rate limited; waiting" method=chat.postEphemeral retry_after=2s wait=1`) {
		t.Errorf("log does not show the 2s rate-limit wait:\n%s", cb.logs.String())
	}
	if took < 2*time.Second {
		t.Errorf("the nudge went through in %v; Retry-After 2 was not waited out", took)
	}
}

// TestFault_LongRateLimitOnNudgeOutlastsTheEventBudget: a Retry-After of
// 12 s is longer than the 10 s the bot gives one event, yet the nudge was
// committed before sending and is never sent again, so it must still be
// waited out and arrive, once.
func TestFault_LongRateLimitOnNudgeOutlastsTheEventBudget(t *testing.T) {
	fake, cb, took := faultAfterHoursNudge(t, func(fake *slackfake.Server) {
		fake.RateLimit("chat.postEphemeral", 12*time.Second, 1)
	})
	faultOneNudgeAfterRetry(t, fake, cb, 429)
	if took < 12*time.Second {
		t.Errorf("the nudge went through in %v; Retry-After 12 was not waited out", took)
	}
}

// TestFault_ServerErrorOnNudgeIsRetriedAndArrivesOnce: an HTTP 500 (HTML
// body) on the nudge is retried with backoff and the nudge arrives once.
func TestFault_ServerErrorOnNudgeIsRetriedAndArrivesOnce(t *testing.T) {
	fake, cb, _ := faultAfterHoursNudge(t, func(fake *slackfake.Server) {
		fake.ServerError("chat.postEphemeral", 1)
	})
	faultOneNudgeAfterRetry(t, fake, cb, 500)
	if !strings.Contains(cb.logs.String(), `msg="slack call failed; retrying" method=chat.postEphemeral`) {
		t.Errorf("log does not show the retry after the 500:\n%s", cb.logs.String())
	}
}

// TestFault_SocketFaultsLoseNothingRepeatNothingAndReadyzTellsTheTruth runs
// `trustnudge run` through a disconnect with reason warning, one with
// refresh_requested and a TCP drop, each while messages are in flight and
// more keep coming; then an outage (drop while Slack is unreachable).
// Every message is handled exactly once, every fault costs a reconnect,
// /readyz answers 503 during the outage and 200 once the bot is back, and
// /healthz stays 200 throughout.
func TestFault_SocketFaultsLoseNothingRepeatNothingAndReadyzTellsTheTruth(t *testing.T) {
	fake := newFake(t, slackfake.Options{AckTimeout: 500 * time.Millisecond})
	addr := freeAddr(t)
	b := startBotNoWait(t, fake, tempDB(t), addr)
	ctx := faultCtx(t, 60*time.Second)
	if err := fake.WaitConnectionsOpened(ctx, 1); err != nil {
		t.Fatalf("bot did not connect: %v\n%s", err, b.logs.String())
	}
	readyz := "http://" + addr + "/readyz"
	waitHTTP(t, readyz, 200)

	var tss, envs []string
	send := func(n int) {
		for i := range n {
			user := []string{"U2ALEX", "U3SAM"}[i%2]
			ts, env := fake.UserPost("C1TEAM", user, fmt.Sprintf("message %d", len(tss)), "")
			if env == "" {
				t.Fatal("the emulator sent no event for a message in a channel the bot is in")
			}
			tss, envs = append(tss, ts), append(envs, env)
		}
	}
	for _, f := range []struct {
		name string
		do   func()
	}{
		{"disconnect warning", func() { fake.Disconnect("warning") }},
		{"disconnect refresh_requested", func() { fake.Disconnect("refresh_requested") }},
		{"drop", fake.DropConnections},
	} {
		opened := fake.ConnectionsOpened()
		send(25) // in flight when the fault hits
		f.do()
		send(25) // sent while the bot reconnects
		if err := fake.WaitConnectionsOpened(ctx, opened+1); err != nil {
			t.Fatalf("%s: no new socket: %v\n%s", f.name, err, b.logs.String())
		}
	}
	if got := fake.ConnectionsOpened(); got < 4 {
		t.Errorf("ConnectionsOpened() = %d; want at least 4 (one per fault)", got)
	}

	// Everything so far is handled and acked before the outage starts: an
	// outage hitting a backlog of acks is TestFault_OutageRightAfterABurst.
	for _, env := range envs {
		if _, err := fake.WaitAck(ctx, env); err != nil {
			t.Fatalf("envelope %s never acked: %v", env, err)
		}
	}
	faultWaitObserved(t, b.logs, tss)

	// An outage: the socket drops and Slack cannot be reached to reopen it.
	failedBefore := strings.Count(b.logs.String(), "socket connection failed; retrying")
	fake.SetUnreachable(true)
	fake.DropConnections()
	waitHTTP(t, readyz, 503)
	b.logs.wait(t, "socket connection failed; retrying", failedBefore+1)
	if code, _, err := httpGet("http://" + addr + "/healthz"); err != nil || code != 200 {
		t.Errorf("/healthz during the outage = %d %v; want 200 (the process is alive)", code, err)
	}
	send(10) // Slack holds these until the bot is back
	if code, body, err := httpGet(readyz); err != nil || code != 503 || !strings.Contains(body, "not connected") {
		t.Errorf("/readyz during the outage = %d %q %v; want 503 not connected", code, body, err)
	}
	faultStillRunning(t, b, "during the outage")
	opened := fake.ConnectionsOpened()
	fake.SetUnreachable(false)
	if err := fake.WaitConnectionsOpened(ctx, opened+1); err != nil {
		t.Fatalf("no reconnect after the outage: %v\n%s", err, b.logs.String())
	}
	waitHTTP(t, readyz, 200)

	faultWaitObserved(t, b.logs, tss)
	faultBarrier(t, fake, b.logs, "EvFAULTBARRIER1")
	faultExactlyOnce(t, b.logs.String(), tss)
	if g := fake.GivenUp(); len(g) > 0 {
		t.Errorf("Slack gave up on %d envelopes: %v", len(g), g)
	}
	if p := fake.ProtocolErrors(); len(p) > 0 {
		t.Errorf("protocol errors: %v", p)
	}
}

// TestFault_SlackUnreachableAtStartup: the bot starts while Slack cannot be
// reached. It keeps retrying (beyond one call's retry budget), serves
// /healthz 200 and /readyz 503 meanwhile, and once Slack is back it
// connects and processes events.
func TestFault_SlackUnreachableAtStartup(t *testing.T) {
	fake := newFake(t, slackfake.Options{})
	fake.SetUnreachable(true)
	addr := freeAddr(t)
	b := startBotNoWait(t, fake, tempDB(t), addr)
	waitHTTP(t, "http://"+addr+"/healthz", 200)

	// Keep failing for a while: at least 5 attempts at auth.test (more than
	// one call's retry budget of 4) and the start-up loop starting over.
	ctx := faultCtx(t, 20*time.Second)
	attempts := 0
	if _, err := fake.WaitCall(ctx, "auth.test", func(slackfake.Call) bool { attempts++; return attempts >= 5 }); err != nil {
		t.Fatalf("the bot stopped trying auth.test after %d attempts: %v\n%s", attempts, err, b.logs.String())
	}
	b.logs.wait(t, `msg="cannot reach slack; will retry"`, 1)
	faultStillRunning(t, b, "while Slack was unreachable")
	if code, body, err := httpGet("http://" + addr + "/readyz"); err != nil || code != 503 || !strings.Contains(body, "not connected") {
		t.Errorf("/readyz while Slack is unreachable = %d %q %v; want 503 not connected", code, body, err)
	}
	if code, _, err := httpGet("http://" + addr + "/healthz"); err != nil || code != 200 {
		t.Errorf("/healthz while Slack is unreachable = %d %v; want 200", code, err)
	}
	for _, c := range fake.CallsTo("auth.test") {
		if c.Status != 0 {
			t.Errorf("auth.test got status %d while unreachable; want the connection dropped", c.Status)
		}
	}
	if n := fake.ConnectionsOpened(); n != 0 {
		t.Errorf("%d sockets opened while Slack was unreachable", n)
	}

	fake.SetUnreachable(false)
	ctx = faultCtx(t, 30*time.Second)
	if err := fake.WaitConnectionsOpened(ctx, 1); err != nil {
		t.Fatalf("bot did not connect once Slack was reachable: %v\n%s", err, b.logs.String())
	}
	waitHTTP(t, "http://"+addr+"/readyz", 200)
	ts, _ := fake.UserPost("C1TEAM", "U2ALEX", "hello after the outage", "")
	faultWaitObserved(t, b.logs, []string{ts})
	faultBarrier(t, fake, b.logs, "EvFAULTBARRIER2")
	faultExactlyOnce(t, b.logs.String(), []string{ts})
	if n := strings.Count(b.logs.String(), `msg="identified with slack"`); n != 1 {
		t.Errorf("identified %d times; want once", n)
	}
}

// TestFault_MissingPingsMakeTheAdapterReconnect stops Slack's websocket
// pings. run() cannot shorten slack-go's 30 s ping timeout (newBot does not
// set slackapp.Options.PingInterval), so this drives the same adapter
// directly, with the option set to 600 ms, to prove the mechanism: with no
// pings the socket is abandoned and reopened, again and again while pings
// stay off, and no message sent meanwhile is lost or handled twice.
// TestFault_MissingPingsThroughRun covers run() itself, slowly.
func TestFault_MissingPingsMakeTheAdapterReconnect(t *testing.T) {
	fake := newFake(t, slackfake.Options{PingInterval: 50 * time.Millisecond, AckTimeout: 500 * time.Millisecond})
	db, err := store.Open(tempDB(t), store.Options{Clock: clock.Real{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() }) // runs after the adapter has stopped (cleanups run last-in first-out)
	logs := newLogBuffer()
	app := slackapp.New(slackapp.Options{
		AppToken: fake.Options().AppToken, BotToken: fake.Options().BotToken, APIURL: fake.APIURL(),
		Events: db, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		PingInterval: 600 * time.Millisecond,
	})
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("adapter Run() = %v; want nil on shutdown", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("adapter did not stop")
		}
	})
	ctx := faultCtx(t, 30*time.Second)
	if err := fake.WaitConnectionsOpened(ctx, 1); err != nil {
		t.Fatalf("adapter did not connect: %v\n%s", err, logs.String())
	}

	var tss []string
	send := func(n int) {
		for range n {
			ts, _ := fake.UserPost("C1TEAM", "U2ALEX", "ping test", "")
			tss = append(tss, ts)
		}
	}
	send(5)
	faultWaitObserved(t, logs, tss)

	fake.SetPings(false)
	opened := fake.ConnectionsOpened()
	send(10)
	if err := fake.WaitConnectionsOpened(ctx, opened+1); err != nil {
		t.Fatalf("no reconnect after pings stopped: %v\n%s", err, logs.String())
	}
	send(10)
	// A fresh socket that is never pinged is given up too.
	if err := fake.WaitConnectionsOpened(ctx, opened+2); err != nil {
		t.Fatalf("no second reconnect while pings stayed off: %v\n%s", err, logs.String())
	}
	send(10)
	fake.SetPings(true)
	send(5)

	faultWaitObserved(t, logs, tss)
	faultBarrier(t, fake, logs, "EvFAULTBARRIER3")
	faultExactlyOnce(t, logs.String(), tss)
	if n := strings.Count(logs.String(), `msg="connecting to slack"`); n < 3 {
		t.Errorf("%d connection attempts logged; want at least 3", n)
	}
	if g := fake.GivenUp(); len(g) > 0 {
		t.Errorf("Slack gave up on %d envelopes: %v", len(g), g)
	}
}

// TestFault_MissingPingsThroughRun is the same fault through run(), with
// TRUSTNUDGE_SLACK_PING_TIMEOUT shortened so that a reconnect well before
// slack-go's 30 s default proves the setting reaches the socket.
func TestFault_MissingPingsThroughRun(t *testing.T) {
	t.Setenv("TRUSTNUDGE_SLACK_PING_TIMEOUT", "3s")
	fake := newFake(t, slackfake.Options{PingInterval: time.Second})
	b := startBot(t, fake, tempDB(t))
	ts0, _ := fake.UserPost("C1TEAM", "U2ALEX", "before", "")
	faultWaitObserved(t, b.logs, []string{ts0})

	opened := fake.ConnectionsOpened()
	start := time.Now()
	fake.SetPings(false)
	ts1, _ := fake.UserPost("C1TEAM", "U2ALEX", "while pings are off", "")
	ctx := faultCtx(t, 60*time.Second)
	if err := fake.WaitConnectionsOpened(ctx, opened+1); err != nil {
		t.Fatalf("run() never noticed the missing pings: %v\n%s", err, b.logs.String())
	}
	took := time.Since(start)
	fake.SetPings(true)
	t.Logf("run() reconnected %v after pings stopped", took)
	if took >= 25*time.Second {
		t.Errorf("reconnected after %v with a 3 s ping timeout; slack-go's 30 s default is still in force", took)
	}
	ts2, _ := fake.UserPost("C1TEAM", "U2ALEX", "after", "")
	faultWaitObserved(t, b.logs, []string{ts1, ts2})
	faultBarrier(t, fake, b.logs, "EvFAULTBARRIER4")
	faultExactlyOnce(t, b.logs.String(), []string{ts0, ts1, ts2})
}

// TestFault_BurstAcrossASocketFaultEveryEnvelopeAckedAndHandledOnce sends
// 200 message events with a socket fault after the 100th, then, as Slack
// does for events whose delivery it is unsure of, sends the 20 events around
// the fault again under the same event_id in new envelopes. Every envelope
// is delivered, acked (at most once per delivery), never given up, and each
// message is handled exactly once.
func TestFault_BurstAcrossASocketFaultEveryEnvelopeAckedAndHandledOnce(t *testing.T) {
	for _, f := range []struct {
		name  string
		fault func(*slackfake.Server)
	}{
		{"disconnect", func(s *slackfake.Server) { s.Disconnect("refresh_requested") }},
		{"drop", (*slackfake.Server).DropConnections},
	} {
		t.Run(f.name, func(t *testing.T) {
			fake := newFake(t, slackfake.Options{AckTimeout: 500 * time.Millisecond})
			b := startBot(t, fake, tempDB(t))
			opened := fake.ConnectionsOpened()
			base := time.Now().Unix()
			event := func(i int) (map[string]any, string) {
				ts := fmt.Sprintf("%d.%06d", base, i+1)
				user := []string{"U1MGR", "U2ALEX", "U3SAM"}[i%3]
				return map[string]any{"type": "message", "channel": "C1TEAM", "user": user, "ts": ts, "text": fmt.Sprintf("burst %d", i)}, ts
			}
			var envs, tss []string
			for i := range 200 {
				ev, ts := event(i)
				envs, tss = append(envs, fake.SendEventWithID(ev, fmt.Sprintf("EvBURST%03d", i))), append(tss, ts)
				if i == 99 {
					f.fault(fake)
				}
			}
			for i := 90; i < 110; i++ {
				ev, _ := event(i)
				envs = append(envs, fake.SendEventWithID(ev, fmt.Sprintf("EvBURST%03d", i)))
			}
			ctx := faultCtx(t, 30*time.Second)
			for _, env := range envs {
				if _, err := fake.WaitAck(ctx, env); err != nil {
					t.Fatalf("envelope %s never acked: %v (deliveries %d, given up %v)\n%s", env, err, fake.Deliveries(env), fake.GivenUp(), b.logs.String())
				}
			}
			if g := fake.GivenUp(); len(g) > 0 {
				t.Errorf("Slack gave up on %d envelopes: %v", len(g), g)
			}
			if n := fake.Pending(); n != 0 {
				t.Errorf("%d envelopes neither acked nor given up", n)
			}
			if n := fake.ConnectionsOpened(); n <= opened {
				t.Errorf("ConnectionsOpened() = %d; want a reconnect after the fault", n)
			}
			faultWaitObserved(t, b.logs, tss)
			faultBarrier(t, fake, b.logs, "EvFAULTBARRIER5"+f.name)

			acks := map[string]int{}
			for _, a := range fake.Acks() {
				acks[a.EnvelopeID]++
				if a.Late || a.TooLarge {
					t.Errorf("ack for %s: late %v, too large %v", a.EnvelopeID, a.Late, a.TooLarge)
				}
			}
			redelivered := 0
			for _, env := range envs {
				d := fake.Deliveries(env)
				if d < 1 {
					t.Errorf("envelope %s: %d deliveries", env, d)
				}
				if d > 1 {
					redelivered++
				}
				if acks[env] < 1 || acks[env] > d {
					t.Errorf("envelope %s: %d acks for %d deliveries; want 1 to %d", env, acks[env], d, d)
				}
			}
			t.Logf("%d of %d envelopes redelivered by the emulator; %d sockets opened", redelivered, len(envs), fake.ConnectionsOpened())
			logs := b.logs.String()
			faultExactlyOnce(t, logs, tss)
			for i := 90; i < 110; i++ {
				if want := fmt.Sprintf(`msg="duplicate event skipped" event_id=EvBURST%03d`, i); !strings.Contains(logs, want) {
					t.Errorf("the second delivery of EvBURST%03d was not skipped as a duplicate", i)
				}
			}
			if p := fake.ProtocolErrors(); len(p) > 0 {
				t.Errorf("protocol errors: %v", p)
			}
		})
	}
}

// TestFault_OutageRightAfterABurst drops the socket while Slack becomes
// unreachable just after a burst of events, when acks are still queued in
// the bot. /readyz must turn 503 during the outage, the bot must reconnect
// once Slack is back, and every message is handled exactly once. Each round
// has a fair chance of catching acks in flight, so several rounds are run.
//
// It fails on the current adapter: slackapp.App.Run acks on its event
// loop, client.AckCtx blocks once slack-go's 20-slot response buffer is
// full, and that buffer drains only while a socket is up. The loop then
// stops reading client.Events, so the Connecting and ConnectionError events
// that clear Connected() are never seen and /readyz answers 200 for the
// whole outage. If slack-go's 50-slot Events buffer fills meanwhile (events
// left from the burst plus two per failed reconnect attempt), slack-go
// blocks too, in connect(), and the bot never reconnects, although Slack
// is reachable again. Skipped until the adapter acks off its event loop;
func TestFault_OutageRightAfterABurst(t *testing.T) {
	fake := newFake(t, slackfake.Options{})
	addr := freeAddr(t)
	b := startBotNoWait(t, fake, tempDB(t), addr)
	readyz := "http://" + addr + "/readyz"
	ctx := faultCtx(t, 120*time.Second)
	var tss []string
	for round := range 8 {
		if err := fake.WaitConnectionsOpened(ctx, round+1); err != nil {
			t.Fatalf("round %d: no socket: %v", round, err)
		}
		waitHTTP(t, readyz, 200)
		var envs []string
		for i := range 300 {
			ts, env := fake.UserPost("C1TEAM", []string{"U2ALEX", "U3SAM"}[i%2], "burst", "")
			tss, envs = append(tss, ts), append(envs, env)
		}
		fake.SetUnreachable(true)
		fake.DropConnections()
		// Connection state must reach /readyz promptly: poll for 5 s.
		deadline := time.Now().Add(5 * time.Second)
		tick := time.NewTicker(20 * time.Millisecond)
		code := 0
		for time.Now().Before(deadline) {
			if code, _, _ = httpGet(readyz); code == 503 {
				break
			}
			<-tick.C
		}
		tick.Stop()
		if code != 503 {
			t.Errorf("round %d: /readyz still %d 5 s into an outage; want 503", round, code)
		}
		fake.SetUnreachable(false)
		rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
		err := fake.WaitConnectionsOpened(rctx, round+2)
		rcancel()
		if err != nil {
			t.Fatalf("round %d: no new socket 30 s after Slack became reachable again: the adapter is deadlocked (%v)", round, err)
		}
		// The round is over when Slack has its acks; what the drop cut off
		// is redelivered on the new socket.
		for _, env := range envs {
			if _, err := fake.WaitAck(ctx, env); err != nil {
				t.Fatalf("round %d: envelope %s never acked: %v (given up: %d)", round, env, err, len(fake.GivenUp()))
			}
		}
		if t.Failed() {
			break
		}
	}
	if g := fake.GivenUp(); len(g) > 0 {
		t.Errorf("Slack gave up on %d envelopes", len(g))
	}
	faultWaitObserved(t, b.logs, tss)
	faultBarrier(t, fake, b.logs, "EvFAULTBARRIER6")
	faultExactlyOnce(t, b.logs.String(), tss)
}
