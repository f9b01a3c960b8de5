// Package demo runs the real trustnudge bot against the built-in Slack
// emulator with a scripted team and a week of activity on a fast clock, and
// tells the story as it happens. It needs no tokens and no network.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/engine"
	"github.com/trustnudge/trustnudge/internal/nudge"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/poll"
	"github.com/trustnudge/trustnudge/internal/slackapp"
	"github.com/trustnudge/trustnudge/internal/slackfake"
	"github.com/trustnudge/trustnudge/internal/store"
)

// Options configure a demo run.
type Options struct {
	Out     io.Writer
	Log     *slog.Logger
	Version string
	// StepTimeout bounds the wait for the bot to see one scripted event.
	StepTimeout time.Duration
	// JSON also prints each nudge's Block Kit JSON, as Slack receives it.
	JSON bool
}

// person is someone in the scripted workspace.
type person struct {
	id, name, tz string
}

var (
	maya  = person{"U01MAYA", "Maya (manager)", "Europe/Berlin"}
	alex  = person{"U02ALEX", "Alex", "Europe/Berlin"}
	sam   = person{"U03SAM", "Sam", "America/New_York"}
	priya = person{"U04PRIYA", "Priya", "Asia/Kolkata"}
	team  = []person{maya, alex, sam, priya}
)

const (
	channelWeb  = "C01WEB"
	channelName = "team-web"
	deployBotID = "B0DEPLOY"
)

// step is one scripted thing that happens in Slack.
type step struct {
	at     string // "Mon 09:05" in Maya's zone, in the demo week
	who    person
	text   string // what the person writes: the bot never sees it
	thread string // label of an earlier step whose thread this replies in
	label  string // name for later thread replies and reactions
	react  string // label of the message this person reacts to
	kind   string // "", "bot", "edit", "join", "sweep", "poll", "vote", "poll-close"
	option int    // for "vote"
}

// The week: Monday 16 November 2026, in Maya's time zone.
var script = []step{
	{at: "Mon 09:05", who: maya, text: "Morning all! <@U03SAM> can you take the checkout bug today?", label: "checkout"},
	{at: "Mon 09:20", who: sam, text: "Sure, on it after standup.", thread: "checkout"},
	{at: "Mon 09:21", who: alex, react: "checkout"},
	{at: "Mon 11:00", who: priya, text: "<@U01MAYA> quick question about the Q4 roadmap?", label: "roadmap"},
	{at: "Mon 11:02", kind: "bot", text: "Deploy #481 finished"},
	{at: "Mon 15:40", who: maya, text: "Answered in the doc, thanks Priya!", thread: "roadmap"},
	{at: "Tue 22:47", who: maya, text: "Thinking about tomorrow's release, <@U02ALEX> <@U04PRIYA> thoughts?", label: "late"},
	{at: "Tue 22:50", who: maya, kind: "edit", text: "(edited) thoughts tomorrow is fine"},
	{at: "Wed 08:55", who: alex, text: "Morning! Happy to discuss at 10.", thread: "late"},
	{at: "Wed 09:10", who: maya, kind: "poll"},
	{at: "Wed 09:40", who: alex, kind: "vote", option: 0},
	{at: "Wed 09:41", who: alex, kind: "vote", option: 1},
	{at: "Wed 10:00", kind: "join", who: person{"U05NEW", "Noor", "Europe/London"}},
	{at: "Wed 10:05", who: priya, text: "<@U01MAYA> could we find time to talk about my growth plan?", label: "growth"},
	{at: "Wed 11:20", who: sam, kind: "vote", option: 1},
	{at: "Wed 12:05", who: priya, kind: "vote", option: 0},
	{at: "Thu 10:30", kind: "sweep"},
	{at: "Thu 16:30", who: sam, text: "<@U01MAYA> PR is ready for review", label: "pr"},
	{at: "Fri 09:10", who: maya, react: "pr"},
	{at: "Fri 09:30", kind: "poll-close", who: maya},
	{at: "Sat 10:15", who: maya, text: "Weekend reading for whoever is curious: <@U03SAM>", label: "weekend"},
}

// Run plays the demo to the end, or until ctx ends.
func Run(ctx context.Context, opts Options) error {
	out := opts.Out
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.StepTimeout <= 0 {
		opts.StepTimeout = 5 * time.Second
	}
	berlin, err := time.LoadLocation(maya.tz)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	week := time.Date(2026, 11, 16, 0, 0, 0, 0, berlin)
	clk := clock.NewFake(week.Add(8 * time.Hour))

	fake, err := slackfake.New(slackfake.Options{Clock: clk, Logger: opts.Log})
	if err != nil {
		return fmt.Errorf("demo: start slack emulator: %w", err)
	}
	defer fake.Close()
	members := []string{fake.Options().BotUserID}
	for _, p := range team {
		fake.AddUser(slackfake.User{ID: p.id, Name: strings.ToLower(strings.Fields(p.name)[0]), RealName: p.name, TZ: p.tz})
		members = append(members, p.id)
	}
	fake.AddChannel(slackfake.Channel{ID: channelWeb, Name: channelName, Members: members})

	dir, err := os.MkdirTemp("", "trustnudge-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(filepath.Join(dir, "demo.db"), store.Options{Clock: clk})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer db.Close()

	printer := &printer{out: out, loc: berlin, names: map[activity.UserID]string{}, seen: make(chan activity.TS, 16)}
	for _, p := range team {
		printer.names[activity.UserID(p.id)] = p.name
	}
	app := slackapp.New(slackapp.Options{
		AppToken: fake.Options().AppToken,
		BotToken: fake.Options().BotToken,
		APIURL:   fake.APIURL(),
		Sink:     printer,
		Events:   db,
		Logger:   opts.Log,
		Clock:    clk,
	})
	lib := nudge.Default()
	eng := engine.New(engine.Options{
		Store: db, Directory: app.Directory(), Clock: clk, Log: opts.Log,
		Deliverer: app, Polls: db, Weeks: db,
		Variants: func(kind string) []string {
			var ids []string
			for _, e := range lib.Variants(kind) {
				ids = append(ids, e.ID)
			}
			return ids
		},
	})
	app.SetCore(eng)
	printer.next = eng
	printer.fake = fake
	printer.json = opts.JSON
	printer.sweep = eng.Sweep
	printer.pollJobs = app.PollJobs
	printer.digests = eng.Digests

	fmt.Fprintf(out, "trustnudge %s demo: the real bot against a built-in Slack emulator.\n", opts.Version)
	fmt.Fprintf(out, "Workspace %q, channel #%s: Maya manages Alex (Berlin), Sam (New York) and Priya (Kolkata).\n", fake.Options().TeamDomain, channelName)
	fmt.Fprintln(out, "Each line below is what the bot observed: metadata only. It never sees what anyone wrote.")
	fmt.Fprintln(out)

	runCtx, stopApp := context.WithCancel(ctx)
	defer stopApp()
	appErr := make(chan error, 1)
	go func() { appErr <- app.Run(runCtx) }()

	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = fake.WaitConnections(wait, 1)
	cancel()
	if err != nil {
		stopApp()
		if aerr := <-appErr; aerr != nil {
			return fmt.Errorf("demo: bot did not connect: %w", aerr)
		}
		return fmt.Errorf("demo: bot did not connect: %w", err)
	}
	fmt.Fprintln(out, "Connected over Socket Mode.")
	fmt.Fprintln(out, "\n── Monday 16 November, 08:00: Maya sets trustnudge up ──")
	for _, c := range []struct {
		who  person
		text string
	}{
		{maya, "optin"},
		{maya, "team <@" + alex.id + "|alex> <@" + sam.id + "|sam> <@" + priya.id + "|priya>"},
		{sam, "hours Mon-Fri 08:00-16:30"},
	} {
		if err := printer.command(ctx, fake, c.who, c.text, opts.StepTimeout); err != nil {
			stopApp()
			<-appErr
			return err
		}
	}

	labels := map[string]posted{}
	day := ""
	for _, s := range script {
		at, err := scriptTime(week, s.at)
		if err != nil {
			return err
		}
		clk.Set(at)
		if d := at.Format("Monday 2 January"); d != day {
			day = d
			fmt.Fprintf(out, "\n── %s ──\n", d)
		}
		if err := play(ctx, fake, printer, s, labels, opts.StepTimeout); err != nil {
			stopApp()
			<-appErr
			return err
		}
		if err := printer.showNudges(); err != nil {
			stopApp()
			<-appErr
			return err
		}
	}

	// Slack redelivers an event when an ack is late; the bot must count it once.
	if err := printer.redelivery(ctx, fake, opts.StepTimeout); err != nil {
		stopApp()
		<-appErr
		return err
	}

	// The week ends; on Monday at 09:00 her time, Maya's digest arrives.
	if err := printer.weeklyDigest(ctx, fake, clk, week.AddDate(0, 0, 7).Add(9*time.Hour), opts.StepTimeout); err != nil {
		stopApp()
		<-appErr
		return err
	}

	stopApp()
	if err := <-appErr; err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	st := app.Stats()
	fmt.Fprintf(out, "\nThe bot acked %d envelopes: %d messages and %d reactions observed, %d system or bot events not counted, %d duplicate skipped.\n",
		st.Acked.Load(), st.Observations.Load(), st.Reactions.Load(), st.Skipped.Load(), st.Duplicates.Load())
	fmt.Fprintln(out, "No message text reached the bot's core, its logs or its database.")
	return replayStory(ctx, out)
}

func scriptTime(week time.Time, at string) (time.Time, error) {
	dayName, clockTime, _ := strings.Cut(at, " ")
	days := map[string]int{"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Sat": 5, "Sun": 6}
	d, ok := days[dayName]
	hm, err := time.Parse("15:04", clockTime)
	if !ok || err != nil {
		return time.Time{}, fmt.Errorf("demo: bad script time %q", at)
	}
	return time.Date(week.Year(), week.Month(), week.Day()+d, hm.Hour(), hm.Minute(), 0, 0, week.Location()), nil
}

// posted is a scripted message that later steps refer to by label.
type posted struct{ ts, author string }

// play performs one step in the emulator and waits until the bot has seen it.
func play(ctx context.Context, fake *slackfake.Server, p *printer, s step, labels map[string]posted, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch {
	case s.react != "":
		ts := labels[s.react].ts
		fake.SendEvent(map[string]any{
			"type": "reaction_added", "user": s.who.id, "reaction": "eyes", "item_user": labels[s.react].author,
			"item":     map[string]any{"type": "message", "channel": channelWeb, "ts": ts},
			"event_ts": string(activity.TSFromTime(fake.Options().Clock.Now())),
		})
		return p.waitFor(ctx, activity.TS(ts))
	case s.kind == "bot":
		env := fake.SendEvent(map[string]any{
			"type": "message", "subtype": "bot_message", "bot_id": deployBotID, "channel": channelWeb,
			"channel_type": "channel", "text": s.text, "ts": string(activity.TSFromTime(fake.Options().Clock.Now())),
		})
		return p.note(ctx, fake, env, "a deploy bot posted; bots are not counted")
	case s.kind == "edit":
		env := fake.SendEvent(map[string]any{
			"type": "message", "subtype": "message_changed", "channel": channelWeb, "channel_type": "channel",
			"ts":               string(activity.TSFromTime(fake.Options().Clock.Now())),
			"message":          map[string]any{"user": s.who.id, "text": s.text, "ts": labels["late"].ts},
			"previous_message": map[string]any{"user": s.who.id, "ts": labels["late"].ts},
		})
		return p.note(ctx, fake, env, "Maya edited a message; edits are not new messages")
	case s.kind == "poll":
		return p.startPoll(ctx, fake)
	case s.kind == "vote":
		return p.vote(ctx, fake, s.who, s.option)
	case s.kind == "poll-close":
		return p.closePoll(ctx, fake)
	case s.kind == "sweep":
		fmt.Fprintf(p.out, "  %s  (trustnudge's regular check for questions still waiting)\n", fake.Options().Clock.Now().In(p.loc).Format("Mon 15:04"))
		return p.sweep(ctx)
	case s.kind == "join":
		env := fake.SendEvent(map[string]any{
			"type": "message", "subtype": "channel_join", "channel": channelWeb, "channel_type": "channel",
			"user": s.who.id, "ts": string(activity.TSFromTime(fake.Options().Clock.Now())),
		})
		return p.note(ctx, fake, env, s.who.name+" joined the channel; system messages are not counted")
	}
	thread := ""
	if s.thread != "" {
		thread = labels[s.thread].ts
	}
	ts, _ := fake.UserPost(channelWeb, s.who.id, s.text, thread)
	if s.label != "" {
		labels[s.label] = posted{ts: ts, author: s.who.id}
	}
	return p.waitFor(ctx, activity.TS(ts))
}

// printer prints each observation as a line and hands it on to the engine.
type printer struct {
	out   io.Writer
	loc   *time.Location
	names map[activity.UserID]string
	mu    sync.Mutex
	seen  chan activity.TS
	next  slackapp.Sink
	fake  *slackfake.Server
	json  bool
	sweep func(context.Context) error
	// pollJobs closes polls at their deadline; pollID is the demo's poll.
	pollJobs func(context.Context) error
	pollID   string
	// digests sends the weekly digests that are due.
	digests func(context.Context) error
	// shown counts the nudge calls already printed, per method.
	shown map[string]int
}

// showNudges prints every nudge the bot sent since the last call, as the
// manager would see it.
func (p *printer) showNudges() error {
	if p.shown == nil {
		p.shown = map[string]int{}
	}
	for _, method := range []string{"chat.postEphemeral", "chat.postMessage"} {
		calls := p.fake.CallsTo(method)
		for _, c := range calls[p.shown[method]:] {
			raw := c.Params.Get("blocks")
			if !strings.Contains(raw, `"nudge_`) {
				continue // a confirmation, a poll or its results: not a nudge
			}
			var blocks slack.Blocks
			if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
				return fmt.Errorf("demo: a nudge's blocks do not decode: %w", err)
			}
			what := "a nudge privately in #" + channelName + " (an ephemeral message only she sees)"
			switch {
			case strings.Contains(raw, `|`+people.KindDigest+`"`):
				what = "her weekly digest as a direct message from trustnudge"
			case method == "chat.postMessage":
				what = "a nudge as a direct message from trustnudge"
			}
			fmt.Fprintf(p.out, "\n    ┌ Maya gets %s:\n", what)
			text := nudge.PlainText(nudge.Message{Text: c.Params.Get("text"), Blocks: blocks.BlockSet}, func(u activity.UserID) string {
				return strings.Fields(p.name(u))[0]
			})
			for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
				fmt.Fprintf(p.out, "    │ %s\n", line)
			}
			fmt.Fprintln(p.out, "    └")
			if p.json {
				fmt.Fprintf(p.out, "    Block Kit JSON: %s\n", raw)
			}
		}
		p.shown[method] = len(calls)
	}
	return nil
}

// weeklyDigest moves the clock to at (Monday 09:00 for Maya), runs the
// bot's regular check for digests due, and shows the digest she gets.
func (p *printer) weeklyDigest(ctx context.Context, fake *slackfake.Server, clk *clock.Fake, at time.Time, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	clk.Set(at)
	fmt.Fprintf(p.out, "\n── %s, 09:00: a new week ──\n", at.In(p.loc).Format("Monday 2 January"))
	fmt.Fprintf(p.out, "  %s  (trustnudge's quarter-hourly check for weekly digests due: it is 09:00 on Monday for Maya)\n", at.In(p.loc).Format("Mon 15:04"))
	if err := p.digests(ctx); err != nil {
		return fmt.Errorf("demo: weekly digests: %w", err)
	}
	if _, err := fake.WaitCall(ctx, "chat.postMessage", func(c slackfake.Call) bool {
		return strings.Contains(c.Params.Get("blocks"), `|`+people.KindDigest+`"`)
	}); err != nil {
		return fmt.Errorf("demo: no weekly digest: %w", err)
	}
	return p.showNudges()
}

// command types a /trustnudge command as who and prints the private reply.
func (p *printer) command(ctx context.Context, fake *slackfake.Server, who person, text string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fmt.Fprintf(p.out, "  %s types: /trustnudge %s\n", who.name, p.plain(text))
	env := fake.SendSlashCommand(who.id, channelWeb, "/trustnudge", text)
	ack, err := fake.WaitAck(ctx, env)
	if err != nil {
		return fmt.Errorf("demo: /trustnudge %s: %w", text, err)
	}
	var reply struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(ack.Payload, &reply); err != nil || reply.Text == "" {
		return fmt.Errorf("demo: /trustnudge %s: no reply in the ack", text)
	}
	fmt.Fprintf(p.out, "    trustnudge (only %s sees this): %s\n", strings.Fields(who.name)[0], p.plain(reply.Text))
	return nil
}

// plain renders Slack markup for the terminal: mentions as names.
func (p *printer) plain(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "<@")
		if i < 0 {
			b.WriteString(s)
			break
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			b.WriteString(s)
			break
		}
		id, _, _ := strings.Cut(s[i+2:i+end], "|")
		b.WriteString(s[:i] + "@" + strings.Fields(p.name(activity.UserID(id)))[0])
		s = s[i+end+1:]
	}
	return strings.NewReplacer("*", "", "`", "").Replace(b.String())
}

func (p *printer) name(id activity.UserID) string {
	if n, ok := p.names[id]; ok {
		return n
	}
	return string(id)
}

func (p *printer) Observe(ctx context.Context, o activity.Observation) error {
	if o.IsBot {
		return nil // bots are not people; the story notes them separately
	}
	what := "posted"
	if o.IsReply() {
		what = "replied in a thread"
		if o.ParentUser != "" {
			what += " started by " + p.name(o.ParentUser)
		}
	}
	var ms []string
	for _, m := range o.Mentions {
		ms = append(ms, p.name(m))
	}
	line := fmt.Sprintf("  %s  #%s  %-15s %s", o.Time().In(p.loc).Format("Mon 15:04"), channelName, p.name(o.User), what)
	if len(ms) > 0 {
		line += ", mentioning " + strings.Join(ms, " and ")
	}
	p.mu.Lock()
	fmt.Fprintln(p.out, line)
	p.mu.Unlock()
	var err error
	if p.next != nil {
		err = p.next.Observe(ctx, o)
	}
	p.seen <- o.TS
	return err
}

func (p *printer) React(ctx context.Context, r activity.Reaction) error {
	p.mu.Lock()
	fmt.Fprintf(p.out, "  %s  #%s  %-15s reacted to %s's message (which emoji is not kept)\n",
		r.At.In(p.loc).Format("Mon 15:04"), channelName, p.name(r.User), p.name(r.ItemBy))
	p.mu.Unlock()
	var err error
	if p.next != nil {
		err = p.next.React(ctx, r)
	}
	p.seen <- r.ItemTS
	return err
}

func (p *printer) waitFor(ctx context.Context, ts activity.TS) error {
	for {
		select {
		case got := <-p.seen:
			if got == ts {
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("demo: the bot did not observe message %s in time", ts)
		}
	}
}

// note prints a line for an event the bot acks but does not count.
func (p *printer) note(ctx context.Context, fake *slackfake.Server, envelopeID, msg string) error {
	if _, err := fake.WaitAck(ctx, envelopeID); err != nil {
		return fmt.Errorf("demo: the bot did not ack an event: %w", err)
	}
	p.mu.Lock()
	fmt.Fprintf(p.out, "  %s  (acked, not counted: %s)\n", fake.Options().Clock.Now().In(p.loc).Format("Mon 15:04"), msg)
	p.mu.Unlock()
	return nil
}

func (p *printer) redelivery(ctx context.Context, fake *slackfake.Server, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fmt.Fprintln(p.out, "\n── Slack delivers Sam's next message twice (as it does when an ack is late) ──")
	ts := string(activity.TSFromTime(fake.Options().Clock.Now()))
	event := map[string]any{"type": "message", "channel": channelWeb, "channel_type": "channel", "user": sam.id, "ts": ts, "text": "see you Monday"}
	first := fake.SendEventWithID(event, "EvDEMOTWICE")
	if err := p.waitFor(ctx, activity.TS(ts)); err != nil {
		return err
	}
	second := fake.SendEventWithID(event, "EvDEMOTWICE")
	for _, env := range []string{first, second} {
		if _, err := fake.WaitAck(ctx, env); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	// Events reach the core in order: if the next thing the core sees is a
	// later message, the duplicate was dropped rather than processed.
	fake.Options().Clock.(*clock.Fake).Advance(time.Minute)
	markerTS, _ := fake.UserPost(channelWeb, priya.id, "have a good weekend", "")
	select {
	case got := <-p.seen:
		if got != activity.TS(markerTS) {
			return errors.New("demo: a redelivered event was processed twice")
		}
	case <-ctx.Done():
		return fmt.Errorf("demo: the bot did not observe message %s in time", markerTS)
	}
	fmt.Fprintln(p.out, "  the bot acked both deliveries and counted the message once.")
	return nil
}

// click presses a button as user in channel and waits for the ack.
func click(ctx context.Context, fake *slackfake.Server, user, channel, actionID, value string) error {
	env := fake.SendInteractive(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "team": map[string]any{"id": fake.Options().TeamID},
		"trigger_id": "", "channel": map[string]any{"id": channel},
		"container": map[string]any{"type": "message", "channel_id": channel},
		"actions":   []map[string]any{{"action_id": actionID, "block_id": "b", "type": "button", "value": value}},
	})
	_, err := fake.WaitAck(ctx, env)
	return err
}

// buttonValue finds a button's value in a message's blocks JSON.
func buttonValue(blocks, actionID string) string {
	i := strings.Index(blocks, `"action_id":"`+actionID+`"`)
	if i < 0 {
		return ""
	}
	rest := blocks[i:]
	j := strings.Index(rest, `"value":"`)
	if j < 0 {
		return ""
	}
	rest = rest[j+len(`"value":"`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// startPoll: Maya presses "Ask my team about messaging hours" on her last
// nudge and sends the poll from the form.
func (p *printer) startPoll(ctx context.Context, fake *slackfake.Server) error {
	var value string
	for _, c := range fake.CallsTo("chat.postEphemeral") {
		if v := buttonValue(c.Params.Get("blocks"), nudge.ActionAskTeam); v != "" {
			value = v
		}
	}
	if value == "" {
		return errors.New("demo: no nudge with the poll button to press")
	}
	now := fake.Options().Clock.Now()
	fmt.Fprintf(p.out, "  %s  Maya presses “Ask my team about messaging hours” on Tuesday's nudge; a form opens.\n", now.In(p.loc).Format("Mon 15:04"))
	if err := click(ctx, fake, maya.id, channelWeb, nudge.ActionAskTeam, value); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if _, err := fake.WaitCall(ctx, "views.open", nil); err != nil {
		return fmt.Errorf("demo: the poll form did not open: %w", err)
	}
	deadline := now.Add(48 * time.Hour).Truncate(time.Hour)
	options := [][2]string{{"Weekdays 9–18, nothing after", "Mon-Fri 09:00-18:00"}, {"Weekdays 8–16, nothing after", "Mon-Fri 08:00-16:00"}, {"Any time; no reply expected after hours", ""}}
	values := map[string]any{
		"poll_question": map[string]any{"poll_question": map[string]any{"type": "plain_text_input", "value": poll.DefaultQuestion}},
		"poll_channel":  map[string]any{"poll_channel": map[string]any{"type": "conversations_select", "selected_conversation": channelWeb}},
		"poll_deadline": map[string]any{"poll_deadline": map[string]any{"type": "datetimepicker", "selected_date_time": deadline.Unix()}},
		"poll_live":     map[string]any{"poll_live": map[string]any{"type": "checkboxes", "selected_options": []any{}}},
	}
	for i, o := range options {
		n := fmt.Sprint(i + 1)
		values["poll_option_"+n] = map[string]any{"poll_option_" + n: map[string]any{"type": "plain_text_input", "value": o[0]}}
		values["poll_hours_"+n] = map[string]any{"poll_hours_" + n: map[string]any{"type": "plain_text_input", "value": o[1]}}
	}
	env := fake.SendInteractive(map[string]any{
		"type": "view_submission", "user": map[string]any{"id": maya.id}, "team": map[string]any{"id": fake.Options().TeamID}, "trigger_id": "",
		"view": map[string]any{"id": "VDEMO", "type": "modal", "callback_id": "modal_poll", "state": map[string]any{"values": values}},
	})
	if ack, err := fake.WaitAck(ctx, env); err != nil || len(ack.Payload) != 0 {
		return fmt.Errorf("demo: the poll form was refused: %s %v", ack.Payload, err)
	}
	posted, err := fake.WaitCall(ctx, "chat.postMessage", func(c slackfake.Call) bool {
		return c.Params.Get("channel") == channelWeb && strings.Contains(c.Params.Get("blocks"), "poll_vote")
	})
	if err != nil {
		return fmt.Errorf("demo: the poll was not posted: %w", err)
	}
	v := buttonValue(posted.Params.Get("blocks"), "poll_vote")
	p.pollID = v[:strings.LastIndexByte(v, '|')]
	fmt.Fprintf(p.out, "  %s  trustnudge posts the poll in #%s: “%s”\n", now.In(p.loc).Format("Mon 15:04"), channelName, poll.DefaultQuestion)
	for i, o := range options {
		fmt.Fprintf(p.out, "             [%d] %s\n", i+1, o[0])
	}
	fmt.Fprintf(p.out, "             Votes are anonymous; results show when it closes, %s, and only if at least 3 people voted.\n", deadline.In(p.loc).Format("Mon 15:04"))
	return nil
}

// vote: a team member votes; only they see the confirmation.
func (p *printer) vote(ctx context.Context, fake *slackfake.Server, who person, option int) error {
	before := len(fake.CallsTo("chat.postEphemeral"))
	if err := click(ctx, fake, who.id, channelWeb, "poll_vote", fmt.Sprintf("%s|%d", p.pollID, option)); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	c, err := fake.WaitCall(ctx, "chat.postEphemeral", func(c slackfake.Call) bool {
		return c.Params.Get("user") == who.id && len(fake.CallsTo("chat.postEphemeral")) > before
	})
	if err != nil {
		return fmt.Errorf("demo: no vote confirmation: %w", err)
	}
	name := strings.Fields(who.name)[0]
	fmt.Fprintf(p.out, "  %s  %s votes. Only %s sees: %s\n", fake.Options().Clock.Now().In(p.loc).Format("Mon 15:04"), name, name, c.Params.Get("text"))
	return nil
}

// closePoll: the deadline passes; the results go to the channel, Maya gets
// the adopt button and presses it.
func (p *printer) closePoll(ctx context.Context, fake *slackfake.Server) error {
	now := fake.Options().Clock.Now()
	if err := p.pollJobs(ctx); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	dm, err := fake.WaitCall(ctx, "chat.postMessage", func(c slackfake.Call) bool { return strings.Contains(c.Params.Get("blocks"), "poll_adopt") })
	if err != nil {
		return fmt.Errorf("demo: no results for the creator: %w", err)
	}
	var blocks slack.Blocks
	if err := json.Unmarshal([]byte(dm.Params.Get("blocks")), &blocks); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(p.out, "  %s  The poll's deadline passes. Maya gets the results by DM:\n", now.In(p.loc).Format("Mon 15:04"))
	text := nudge.PlainText(nudge.Message{Blocks: blocks.BlockSet}, func(u activity.UserID) string { return strings.Fields(p.name(u))[0] })
	text = strings.ReplaceAll(text, "<#"+channelWeb+">", "#"+channelName)
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		fmt.Fprintf(p.out, "    │ %s\n", line)
	}
	if err := click(ctx, fake, maya.id, dm.Params.Get("channel"), "poll_adopt", p.pollID); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	told, err := fake.WaitCall(ctx, "chat.postMessage", func(c slackfake.Call) bool {
		return c.Params.Get("channel") == channelWeb && strings.Contains(c.Params.Get("text"), "agreed on its messaging norm")
	})
	if err != nil {
		return fmt.Errorf("demo: the channel was not told: %w", err)
	}
	fmt.Fprintf(p.out, "  %s  Maya presses “Adopt as team norm”. trustnudge tells #%s: %s\n", now.In(p.loc).Format("Mon 15:04"), channelName, p.plain(told.Params.Get("text")))
	fmt.Fprintln(p.out, "             From now on, after-hours nudges follow the hours the team chose.")
	return nil
}
