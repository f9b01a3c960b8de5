package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/nudge"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/slackfake"
	"github.com/trustnudge/trustnudge/internal/store"
)

// The crash test's workspace. Everyone is in #team (C1TEAM), in Berlin.
const (
	crashTeam      = activity.TeamID("T0TEAM")
	crashCmdUsers  = 12 // managers who opt in, name a team, set hours, add to the team
	crashVoters    = 16 // people who vote twice (a change of mind)
	crashLateMsgs  = 20 // late messages per nudge manager during the burst
	crashNoiseMsgs = 20 // ordinary messages per noise poster during the burst
	// The burst stops sending commands after crashCmdGate successful
	// replies, and votes after crashVoteGate confirmations; the process is
	// killed once both are reached. Each sender has at most one request
	// outstanding, so at the kill at most crashCmdGate+crashCmdUsers
	// commands (of 4*crashCmdUsers) and crashVoteGate+crashVoters votes (of
	// 2*crashVoters) can have been answered: some, never all.
	crashCmdGate  = 16
	crashVoteGate = 10
)

var (
	crashNudgeManagers = []struct{ id, member string }{{"U1MGR", "U2ALEX"}, {"UNMGB", "UMEMB1"}, {"UNMGC", "UMEMC1"}}
	crashPool          = []string{"UPOOL1", "UPOOL2", "UPOOL3", "UPOOL4", "UPOOL5", "UPOOL6", "UPOOL7", "UPOOL8"}
	crashLabels        = []string{"Weekdays 9-18", "Weekdays 8-16"}
	crashClosedRE      = regexp.MustCompile(`Poll closed · (nobody|\d+) (?:person |people )?voted`)
)

// observedTimes counts the "message observed" log lines (written once the
// core has handled a message) for the message ts.
func observedTimes(logs, ts string) int {
	n := 0
	for line := range strings.Lines(logs) {
		if strings.Contains(line, "message observed") && strings.Contains(line, " ts="+ts+" ") {
			n++
		}
	}
	return n
}

// observedOrder lists the ts of the messages the core handled, in order.
func observedOrder(logs string) []string {
	var out []string
	for line := range strings.Lines(logs) {
		if !strings.Contains(line, "message observed") {
			continue
		}
		if _, rest, ok := strings.Cut(line, " ts="); ok {
			ts, _, _ := strings.Cut(rest, " ")
			out = append(out, ts)
		}
	}
	return out
}

// recoveredLine is the log line about the inbox recovered at start.
func recoveredLine(logs string) string {
	for line := range strings.Lines(logs) {
		if strings.Contains(line, "recovered events acked before the last stop") {
			return strings.TrimSpace(line)
		}
	}
	return "no inbox recovery logged"
}

func crashCmdUser(i int) string { return fmt.Sprintf("UCMD%02d", i) }
func crashVoter(i int) string   { return fmt.Sprintf("UVOT%02d", i) }

// crashSteps is the command sequence of command user i, sent one after the
// other, each after the previous one was answered.
func crashSteps(i int) []string {
	a, b, c := crashPool[i%8], crashPool[(i+1)%8], crashPool[(i+2)%8]
	return []string{
		"optin",
		fmt.Sprintf("team <@%s> <@%s>", a, b),
		fmt.Sprintf("hours Mon-Fri 07:%02d-15:00", i+1),
		fmt.Sprintf("team add <@%s>", c),
	}
}

type crashCmd struct{ user, text, env string }

type crashVote struct {
	voter  string
	option int
}

// crashBurst records what the burst sent. Answers are read back from the
// emulator, which is the only judge of what reached the person.
type crashBurst struct {
	mu     sync.Mutex
	cmds   []crashCmd
	votes  []crashVote
	events []string            // events_api envelopes
	msgTS  map[string]string   // events_api envelope → ts of its message
	lateTS map[string][]string // nudge manager → ts of their late messages
}

func (b *crashBurst) cmd(c crashCmd) {
	b.mu.Lock()
	b.cmds = append(b.cmds, c)
	b.mu.Unlock()
}

func (b *crashBurst) vote(v crashVote) {
	b.mu.Lock()
	b.votes = append(b.votes, v)
	b.mu.Unlock()
}

func (b *crashBurst) event(env, manager, ts string) {
	b.mu.Lock()
	b.events = append(b.events, env)
	b.msgTS[env] = ts
	if manager != "" {
		b.lateTS[manager] = append(b.lateTS[manager], ts)
	}
	b.mu.Unlock()
}

// crashGate counts answers and cancels its context at the want-th.
type crashGate struct {
	mu      sync.Mutex
	n, want int
	ctx     context.Context
	stop    context.CancelFunc
}

func newCrashGate(parent context.Context, want int) *crashGate {
	ctx, stop := context.WithCancel(parent)
	return &crashGate{want: want, ctx: ctx, stop: stop}
}

func (g *crashGate) hit() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n++; g.n == g.want {
		g.stop()
	}
}

func (g *crashGate) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n
}

// crashAck reports, without waiting, whether the emulator has an ack for env,
// and the reply text it carried.
func crashAck(fake *slackfake.Server, env string) (string, bool) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a, err := fake.WaitAck(ctx, env)
	if err != nil {
		return "", false
	}
	var p struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(a.Payload, &p)
	return p.Text, true
}

// crashWants is what `status` must show after an acknowledged command
// succeeded, judged by its reply; nil when the reply is not a success.
func crashWants(text, reply string) []string {
	switch {
	case text == "optin" && strings.HasPrefix(reply, "You're in."):
		return []string{"opted in since"}
	case strings.HasPrefix(text, "team add ") && strings.HasPrefix(reply, "Added "):
		return []string{strings.TrimPrefix(text, "team add ")}
	case strings.HasPrefix(text, "team ") && strings.HasPrefix(reply, "Saved. "):
		return strings.Fields(strings.TrimPrefix(text, "team "))
	case strings.HasPrefix(text, "hours ") && strings.HasPrefix(reply, "Saved: your working hours are now *"):
		spec, _, _ := strings.Cut(strings.TrimPrefix(reply, "Saved: your working hours are now *"), "*")
		return []string{spec + " (your own setting)"}
	}
	return nil
}

// crashConfirmed lists, per voter, the options whose private "You chose"
// confirmation reached Slack.
func crashConfirmed(fake *slackfake.Server) map[string]map[int]bool {
	out := map[string]map[int]bool{}
	for _, c := range fake.CallsTo("chat.postEphemeral") {
		for opt, label := range crashLabels {
			if strings.Contains(c.Params.Get("text"), "You chose “"+label+"”") {
				u := c.Params.Get("user")
				if out[u] == nil {
					out[u] = map[int]bool{}
				}
				out[u][opt] = true
			}
		}
	}
	return out
}

// TestBinary_CrashMidBurstLosesNothingAcknowledged SIGKILLs the real binary
// in the middle of a burst of opt-ins, team changes, hours, poll votes and
// message events, restarts it on the same database, and proves:
//
//   - every command whose success reply reached the person is in their
//     status: the reply is sent in the ack only after the change committed;
//   - every vote whose private confirmation reached the voter is counted,
//     with that option or one the voter sent after it; no vote is counted
//     that was not sent, and nobody is counted twice, although everyone
//     voted twice;
//   - no message got two after-hours nudges, although unacknowledged
//     events were redelivered to the new process.
//
// What was answered before the kill varies from run to run; the assertions
// are bounds that hold for every kill point.
func TestBinary_CrashMidBurstLosesNothingAcknowledged(t *testing.T) {
	bin := buildBinary(t)
	// Every late message of an opted-in manager is worth a nudge, so a
	// message handled twice would show as two nudges.
	t.Setenv("TRUSTNUDGE_COOLDOWN_AFTER_HOURS", "0")
	t.Setenv("TRUSTNUDGE_WEEKLY_CAP", "100")
	fake := newFake(t, slackfake.Options{AckTimeout: 3 * time.Second})
	members := []string{"U1MGR", "U2ALEX", "U3SAM", fake.Options().BotUserID}
	addUser := func(id string) {
		fake.AddUser(slackfake.User{ID: id, Name: strings.ToLower(id), TZ: "Europe/Berlin"})
		members = append(members, id)
	}
	for _, id := range append([]string{"UNMGB", "UMEMB1", "UNMGC", "UMEMC1"}, crashPool...) {
		addUser(id)
	}
	for i := range crashCmdUsers {
		addUser(crashCmdUser(i))
	}
	for i := range crashVoters {
		addUser(crashVoter(i))
	}
	fake.AddChannel(slackfake.Channel{ID: "C1TEAM", Name: "team", Members: members})

	db := tempDB(t)
	proc, logs1 := startBinary(t, bin, fake, db)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Before the burst: the nudge managers set up, each gets one nudge
	// (so the duplicate check below is never vacuous), and Maya opens a poll.
	night := time.Date(2025, 1, 13, 23, 0, 0, 0, berlin) // a Monday, 23:00
	b := &crashBurst{lateTS: map[string][]string{}, msgTS: map[string]string{}}
	late := func(mi, i int) map[string]any {
		m := crashNudgeManagers[mi]
		ts := string(activity.TSFromTime(night.Add(time.Duration(mi*1000+i) * time.Millisecond)))
		return map[string]any{"type": "message", "channel": "C1TEAM", "user": m.id, "team": string(crashTeam),
			"ts": ts, "text": fmt.Sprintf("one more thing %d <@%s>", i, m.member)}
	}
	for mi, m := range crashNudgeManagers {
		say(t, fake, m.id, "optin")
		say(t, fake, m.id, fmt.Sprintf("team <@%s>", m.member))
		ev := late(mi, 0)
		b.event(fake.SendEvent(ev), m.id, ev["ts"].(string))
		if _, err := fake.WaitCall(ctx, "chat.postEphemeral", func(c slackfake.Call) bool {
			return c.Params.Get("user") == m.id && strings.Contains(c.Params.Get("blocks"), `"nudge_`)
		}); err != nil {
			t.Fatalf("%s got no after-hours nudge before the burst: %v", m.id, err)
		}
	}
	sub := pollSubmission("U1MGR", [][2]string{{crashLabels[0], "Mon-Fri 09:00-18:00"}, {crashLabels[1], "Mon-Fri 08:00-16:00"}}, time.Now().Add(48*time.Hour))
	if ack, err := fake.WaitAck(ctx, fake.SendInteractive(sub)); err != nil || len(ack.Payload) != 0 {
		t.Fatalf("poll submission ack = %s, %v; want the modal closed", ack.Payload, err)
	}
	posted, err := fake.WaitCall(ctx, "chat.postMessage", func(c slackfake.Call) bool {
		return c.Params.Get("channel") == "C1TEAM" && strings.Contains(c.Params.Get("blocks"), "poll_vote")
	})
	if err != nil {
		t.Fatalf("the poll was not posted: %v", err)
	}
	vote0 := buttonValue(t, posted.Params.Get("blocks"), "poll_vote")
	pollID := vote0[:strings.LastIndexByte(vote0, '|')]

	// The burst: everyone at once, each sender one request at a time.
	cmdGate := newCrashGate(ctx, crashCmdGate)
	voteGate := newCrashGate(ctx, crashVoteGate)
	evCtx, stopEvents := context.WithCancel(ctx)
	defer stopEvents()
	var wg sync.WaitGroup
	for i := range crashCmdUsers {
		wg.Go(func() {
			user := crashCmdUser(i)
			for _, text := range crashSteps(i) {
				if cmdGate.ctx.Err() != nil {
					return
				}
				env := fake.SendSlashCommand(user, "C1TEAM", "/trustnudge", text)
				b.cmd(crashCmd{user: user, text: text, env: env})
				if _, err := fake.WaitAck(cmdGate.ctx, env); err != nil {
					return
				}
				if reply, _ := crashAck(fake, env); crashWants(text, reply) != nil {
					cmdGate.hit()
				}
			}
		})
	}
	for i := range crashVoters {
		wg.Go(func() {
			voter := crashVoter(i)
			for _, opt := range []int{i % 2, 1 - i%2} {
				if voteGate.ctx.Err() != nil {
					return
				}
				pressButton(fake, voter, "C1TEAM", "poll_vote", pollID+"|"+strconv.Itoa(opt))
				b.vote(crashVote{voter: voter, option: opt})
				if _, err := fake.WaitCall(voteGate.ctx, "chat.postEphemeral", func(c slackfake.Call) bool {
					return c.Params.Get("user") == voter && strings.Contains(c.Params.Get("text"), "You chose “"+crashLabels[opt]+"”")
				}); err != nil {
					return
				}
				voteGate.hit()
			}
		})
	}
	for mi, m := range crashNudgeManagers {
		wg.Go(func() {
			for i := 1; i <= crashLateMsgs && evCtx.Err() == nil; i++ {
				ev := late(mi, i)
				env := fake.SendEvent(ev)
				b.event(env, m.id, ev["ts"].(string))
				if _, err := fake.WaitAck(evCtx, env); err != nil {
					return
				}
			}
		})
	}
	for _, poster := range []string{"U2ALEX", "UMEMB1", "UPOOL1", "UPOOL2"} {
		wg.Go(func() {
			for i := 0; i < crashNoiseMsgs && evCtx.Err() == nil; i++ {
				ts, env := fake.UserPost("C1TEAM", poster, fmt.Sprintf("<@U1MGR> question %d", i), "")
				b.event(env, "", ts)
				if _, err := fake.WaitAck(evCtx, env); err != nil {
					return
				}
			}
		})
	}

	<-cmdGate.ctx.Done()
	<-voteGate.ctx.Done()
	if ctx.Err() != nil {
		t.Fatalf("the burst never got %d command replies and %d vote confirmations (got %d and %d)",
			crashCmdGate, crashVoteGate, cmdGate.count(), voteGate.count())
	}
	stopEvents()
	if err := proc.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	proc.Wait()
	fake.DropConnections()
	wg.Wait()

	b.mu.Lock()
	cmds, votes, events := slices.Clone(b.cmds), slices.Clone(b.votes), slices.Clone(b.events)
	msgTS := maps.Clone(b.msgTS)
	b.mu.Unlock()
	// The message events Slack has an ack for: it will not send them again.
	var ackedAtKill []string
	for _, env := range events {
		if _, ok := crashAck(fake, env); ok {
			ackedAtKill = append(ackedAtKill, env)
		}
	}
	answeredAtKill := 0
	for _, c := range cmds {
		if reply, ok := crashAck(fake, c.env); ok && crashWants(c.text, reply) != nil {
			answeredAtKill++
		}
	}
	confirmedAtKill := 0
	for _, opts := range crashConfirmed(fake) {
		confirmedAtKill += len(opts)
	}
	t.Logf("killed after %d of %d commands answered (%d sent), %d of %d votes confirmed (%d sent), %d events sent",
		answeredAtKill, 4*crashCmdUsers, len(cmds), confirmedAtKill, 2*crashVoters, len(votes), len(events))
	if answeredAtKill == 0 || answeredAtKill >= 4*crashCmdUsers || confirmedAtKill == 0 || confirmedAtKill >= 2*crashVoters {
		t.Fatalf("the kill was not mid-burst: %d/%d commands answered, %d/%d votes confirmed",
			answeredAtKill, 4*crashCmdUsers, confirmedAtKill, 2*crashVoters)
	}

	// Restart on the same database. Slack redelivers every event it has no
	// ack for, and sends what was still queued for the socket.
	proc, logs := startBinary(t, bin, fake, db)
	for _, env := range events {
		if _, err := fake.WaitAck(ctx, env); err != nil {
			t.Fatalf("event envelope %s was never acknowledged, before or after the restart: %v", env, err)
		}
	}
	// Events are handled in order: once this one is through, every event
	// above has been handled (or was acked and lost in the crash).
	fake.SendEventWithID(map[string]any{"type": "app_mention", "channel": "C1TEAM", "user": "U3SAM", "ts": "1.000001"}, "EvCRASHSETTLE")
	logs.wait(t, "event_id=EvCRASHSETTLE ", 1)

	// 0. Every message event acked before the kill reached the core, in
	// the first run or from the inbox in the second, and none reached it
	// twice, except the very last ones the first run handled: their
	// handling (the event ID, the observation, the inbox record's deletion)
	// is written in batches after the core is done, so the kill can undo
	// it, and then they are handed over again. Batches are written in
	// order, so only a suffix of what the first run handled can come again.
	before, after := logs1.String(), logs.String()
	lost := 0
	for _, env := range ackedAtKill {
		if observedTimes(before, msgTS[env])+observedTimes(after, msgTS[env]) == 0 {
			lost++
			t.Errorf("message %s (envelope %s) was acked before the kill but never reached the core", msgTS[env], env)
		}
	}
	twice := map[string]bool{}
	for _, env := range events {
		switch n1, n2 := observedTimes(before, msgTS[env]), observedTimes(after, msgTS[env]); {
		case n1 > 1 || n2 > 1:
			t.Errorf("message %s (envelope %s) reached the core %d times in one run", msgTS[env], env, max(n1, n2))
		case n1+n2 > 1:
			twice[msgTS[env]] = true
		}
	}
	firstRun := observedOrder(before)
	if tail := firstRun[max(0, len(firstRun)-len(twice)):]; len(twice) > 0 && !slices.ContainsFunc(tail, func(ts string) bool { return !twice[ts] }) {
		t.Logf("the last %d messages the first run handled were handed over again (their handling was not yet written)", len(twice))
	} else if len(twice) > 0 {
		t.Errorf("messages %v reached the core in both runs, but they are not the last the first run handled (%v)", slices.Sorted(maps.Keys(twice)), tail)
	}
	t.Logf("%d of %d message events acked at the kill; %s; %d lost, %d handed over again",
		len(ackedAtKill), len(events), recoveredLine(after), lost, len(twice))

	// 1. Every command answered with a success, before the kill or after
	// the restart, shows in status. The answers are read first: each was
	// committed before it was sent, so before status runs.
	wants := map[string][]string{}
	answered := 0
	for _, c := range cmds {
		if reply, ok := crashAck(fake, c.env); ok {
			if w := crashWants(c.text, reply); w != nil {
				wants[c.user] = append(wants[c.user], w...)
				answered++
			}
		}
	}
	for i := range crashCmdUsers {
		user := crashCmdUser(i)
		status := say(t, fake, user, "status")
		for _, w := range wants[user] {
			if !strings.Contains(status, w) {
				t.Errorf("%s: an acknowledged change is missing after the crash: status lacks %q\nstatus: %s", user, w, status)
			}
		}
	}

	// 2. Close the poll and read the count.
	pressButton(fake, "U1MGR", "C1TEAM", "poll_close", pollID)
	closed, err := fake.WaitCall(ctx, "chat.update", func(c slackfake.Call) bool {
		return strings.HasPrefix(c.Params.Get("text"), "Poll closed")
	})
	if err != nil {
		t.Fatalf("the poll did not close: %v", err)
	}
	match := crashClosedRE.FindStringSubmatch(closed.Params.Get("blocks"))
	if match == nil {
		t.Fatalf("no voter count in the closed poll: %s", closed.Params.Get("blocks"))
	}
	counted, _ := strconv.Atoi(match[1]) // "nobody" is 0

	// A clean stop finishes in-flight work; then the database is ours.
	exited := make(chan error, 1)
	go func() { exited <- proc.Wait() }()
	if err := proc.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("restarted binary exited with %v after SIGTERM\n%s", err, logs.String())
		}
	case <-ctx.Done():
		t.Fatal("restarted binary did not exit after SIGTERM")
	}
	s, err := store.Open(db, store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// 3. Votes. Every confirmation that reached a voter was sent after the
	// vote committed, and a closed poll refuses votes in the same
	// transaction that would store them, so a confirmed vote is in the
	// closed count. Each voter sent their second vote only after the first
	// was confirmed, so the stored option is the last confirmed one or one
	// sent after it.
	confirmed := crashConfirmed(fake)
	sent := map[string][]int{}
	for _, v := range votes {
		sent[v.voter] = append(sent[v.voter], v.option)
	}
	recorded, confirmedVoters := 0, 0
	for i := range crashVoters {
		voter := crashVoter(i)
		opts := sent[voter]
		last := -1
		for k, o := range opts {
			if confirmed[voter][o] {
				last = k
			}
		}
		allowed := opts
		if last >= 0 {
			allowed = opts[last:]
			confirmedVoters++
		}
		got, ok, err := s.MyVote(crashTeam, pollID, activity.UserID(voter))
		switch {
		case err != nil:
			t.Fatal(err)
		case ok:
			recorded++
			if !slices.Contains(allowed, got) {
				t.Errorf("%s: stored vote is option %d; sent %v, confirmed %v", voter, got, opts, confirmed[voter])
			}
		case last >= 0:
			t.Errorf("%s: the vote for %v was confirmed but is not stored after the crash", voter, opts[last])
		}
	}
	stored, err := s.Votes(crashTeam, pollID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("poll closed with %d voters: %d voters confirmed, %d sent a vote, %d votes stored", counted, confirmedVoters, len(sent), len(stored))
	if counted != recorded || len(stored) != recorded {
		t.Errorf("the closed poll counts %d voters and stores %d votes, but %d voters have one: someone counts twice", counted, len(stored), recorded)
	}
	if counted < confirmedVoters || counted > len(sent) {
		t.Errorf("the closed poll counts %d voters; want between %d (confirmed) and %d (voted at all)", counted, confirmedVoters, len(sent))
	}

	// 4. Nudges: each one shown names its record, committed before it was
	// sent; no message of a manager has two.
	lateOf := map[string]map[string]bool{}
	for id, tss := range b.lateTS {
		lateOf[id] = map[string]bool{}
		for _, ts := range tss {
			lateOf[id][ts] = true
		}
	}
	perMessage := map[string]int{}
	shown, lateSent := 0, 0
	for _, tss := range b.lateTS {
		lateSent += len(tss)
	}
	for _, msg := range fake.Messages("C1TEAM") {
		if !msg.Ephemeral || lateOf[msg.ForUser] == nil || !strings.Contains(string(msg.Blocks), `"nudge_`) {
			continue
		}
		shown++
		id, _, err := nudge.ParseButtonValue(buttonValue(t, string(msg.Blocks), nudge.ActionHelpful))
		if err != nil {
			t.Fatal(err)
		}
		rec, err := s.Nudge(crashTeam, id)
		if err != nil {
			t.Errorf("nudge %s to %s was sent without a committed record: %v", id, msg.ForUser, err)
			continue
		}
		if rec.Manager != activity.UserID(msg.ForUser) || rec.Kind != people.KindAfterHours || !lateOf[msg.ForUser][string(rec.TS)] {
			t.Errorf("nudge %s to %s is recorded as %s for %s about %s", id, msg.ForUser, rec.Kind, rec.Manager, rec.TS)
			continue
		}
		key := msg.ForUser + " " + string(rec.TS)
		if perMessage[key]++; perMessage[key] == 2 {
			t.Errorf("manager %s got two after-hours nudges about message %s", msg.ForUser, rec.TS)
		}
	}
	t.Logf("%d commands answered with success, %d after-hours nudges about %d of %d late messages",
		answered, shown, len(perMessage), lateSent)
	if shown < len(crashNudgeManagers) {
		t.Errorf("only %d nudges shown; the %d before the burst are missing", shown, len(crashNudgeManagers))
	}
}
