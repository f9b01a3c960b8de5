// Command trustnudge-load is a load benchmark: it starts the Slack emulator
// and the real bot (store, engine and Slack adapter wired as `trustnudge run`
// wires them, on a temporary database) in this process, then
//
//  1. sends a burst of -burst message events as fast as the emulator takes
//     them, keeping at most -window envelopes unacknowledged, so that the
//     latency measured is the bot's and not the length of a queue in the
//     emulator (-window 0 sends the whole burst at once), and
//  2. sends a steady -rate envelopes a second for -duration: message events,
//     with a poll vote and a `/trustnudge status` command in every 20,
//
// and reports the envelopes sent, how many were acknowledged within Slack's
// 3 seconds of being sent, the send→ack latency (p50, p99, max), the burst's
// throughput, and the process's RSS and goroutines before and after.
//
// It exits 1 if any envelope was not acknowledged within 3 seconds, 2 on a
// usage error.
//
//	go run ./cmd/trustnudge-load -duration 30s
//	go run ./cmd/trustnudge-load -burst 500 -rate 50 -duration 2s -json
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/bot"
	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/config"
	"github.com/trustnudge/trustnudge/internal/slackapp"
	"github.com/trustnudge/trustnudge/internal/slackfake"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// ackDeadline is how long Slack waits for an ack before it gives up on a
// delivery.
const ackDeadline = 3 * time.Second

// Options are the command's flags.
type Options struct {
	Burst    int
	Window   int
	Rate     int
	Duration time.Duration
	JSON     bool
	// MemProfile, when set, is where the heap profile is written at the
	// end, to see who holds the memory (go tool pprof -sample_index=inuse_space).
	MemProfile string
	// CPUProfile, when set, is where a CPU profile of the whole run goes.
	CPUProfile string
}

// Report is what one run measured. Latencies are send→ack: from just before
// the emulator was handed the envelope to the emulator's receipt of the ack
// (slackfake Ack.At).
type Report struct {
	Burst    int    `json:"burst"`
	Window   int    `json:"window"`
	Rate     int    `json:"rate"`
	Duration string `json:"duration"`

	Envelopes      int `json:"envelopes_sent"`
	Events         int `json:"events_sent"`
	Votes          int `json:"votes_sent"`
	Commands       int `json:"commands_sent"`
	AckedWithin3s  int `json:"acked_within_3s"`
	NotAcked       int `json:"not_acked"`      // never acknowledged
	Late           int `json:"acked_late"`     // acknowledged, but more than 3 s after sending
	Redelivered    int `json:"redelivered"`    // written to the socket more than once: Slack's ack timer ran out
	Observed       int `json:"core_observed"`  // message events the core handled
	VoteReplies    int `json:"vote_confirmed"` // "You chose" confirmations sent
	CommandReplies int `json:"command_replied"`

	AckP50Ms     float64 `json:"ack_p50_ms"`
	AckP99Ms     float64 `json:"ack_p99_ms"`
	AckMaxMs     float64 `json:"ack_max_ms"`
	BurstP50Ms   float64 `json:"burst_ack_p50_ms"`
	BurstP99Ms   float64 `json:"burst_ack_p99_ms"`
	SteadyP50Ms  float64 `json:"steady_ack_p50_ms"`
	SteadyP99Ms  float64 `json:"steady_ack_p99_ms"`
	CommandP99Ms float64 `json:"command_ack_p99_ms"`

	// BurstEventsPerSec is the burst's events over the time from the first
	// send until the core had handled the last one; BurstAckedPerSec stops
	// at the last ack.
	BurstEventsPerSec float64 `json:"burst_events_per_sec"`
	BurstAckedPerSec  float64 `json:"burst_acked_per_sec"`
	BurstSeconds      float64 `json:"burst_seconds"`
	SteadyPerSec      float64 `json:"steady_envelopes_per_sec"`

	// RSS and goroutines of the whole process (emulator included), after
	// a GC: before the burst, after the burst, and at the end once every
	// envelope was handled.
	RSSBeforeMB      float64 `json:"rss_before_mb"`
	RSSAfterBurstMB  float64 `json:"rss_after_burst_mb"`
	RSSAfterMB       float64 `json:"rss_after_mb"`
	HeapBeforeMB     float64 `json:"heap_before_mb"`
	HeapAfterMB      float64 `json:"heap_after_mb"`
	GoroutinesBefore int     `json:"goroutines_before"`
	GoroutinesAfter  int     `json:"goroutines_after"`

	OK bool `json:"ok"` // every envelope acknowledged within 3 s
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// errReported is a flag error the flag package has already printed.
var errReported = errors.New("usage error reported")

func parseFlags(args []string, stderr io.Writer) (Options, error) {
	fs := flag.NewFlagSet("trustnudge-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	fs.IntVar(&o.Burst, "burst", 100000, "message events in the burst")
	fs.IntVar(&o.Window, "window", 1000, "most burst envelopes unacknowledged at once (0: send the whole burst at once)")
	fs.IntVar(&o.Rate, "rate", 200, "envelopes a second after the burst (events, with votes and status commands mixed in)")
	fs.DurationVar(&o.Duration, "duration", 3*time.Minute, "how long the steady rate runs")
	fs.BoolVar(&o.JSON, "json", false, "print the report as JSON")
	fs.StringVar(&o.MemProfile, "memprofile", "", "write a heap profile to this file at the end")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the run to this file")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: trustnudge-load [-burst N] [-window N] [-rate R] [-duration D] [-json] [-memprofile FILE] [-cpuprofile FILE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, errReported
	}
	switch {
	case fs.NArg() > 0:
		return o, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	case o.Burst < 0, o.Window < 0:
		return o, usageError{"-burst and -window must not be negative"}
	case o.Rate < 1:
		return o, usageError{"-rate must be at least 1"}
	case o.Duration < 0:
		return o, usageError{"-duration must not be negative"}
	}
	return o, nil
}

// run is the whole command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errReported):
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "trustnudge-load:", err)
		return 2
	}
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			fmt.Fprintln(stderr, "trustnudge-load:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "trustnudge-load:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	r, err := load(ctx, o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "trustnudge-load:", err)
		return 1
	}
	if o.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			fmt.Fprintln(stderr, "trustnudge-load:", err)
			return 1
		}
	} else {
		printReport(stdout, r)
	}
	if !r.OK {
		fmt.Fprintf(stderr, "trustnudge-load: %d of %d envelopes were not acknowledged within 3s (%d never, %d late)\n",
			r.NotAcked+r.Late, r.Envelopes, r.NotAcked, r.Late)
		return 1
	}
	return 0
}

func printReport(w io.Writer, r Report) {
	fmt.Fprintf(w, "burst %d events (window %d), then %d/s for %s\n", r.Burst, r.Window, r.Rate, r.Duration)
	fmt.Fprintf(w, "envelopes sent      %d (%d events, %d votes, %d status commands)\n", r.Envelopes, r.Events, r.Votes, r.Commands)
	fmt.Fprintf(w, "acked within 3s     %d (never %d, late %d, redelivered %d)\n", r.AckedWithin3s, r.NotAcked, r.Late, r.Redelivered)
	fmt.Fprintf(w, "handled             %d events observed by the core, %d votes confirmed, %d commands answered\n", r.Observed, r.VoteReplies, r.CommandReplies)
	fmt.Fprintf(w, "ack latency         p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", r.AckP50Ms, r.AckP99Ms, r.AckMaxMs)
	fmt.Fprintf(w, "  burst             p50 %.1f ms, p99 %.1f ms\n", r.BurstP50Ms, r.BurstP99Ms)
	fmt.Fprintf(w, "  steady            p50 %.1f ms, p99 %.1f ms (status commands p99 %.1f ms)\n", r.SteadyP50Ms, r.SteadyP99Ms, r.CommandP99Ms)
	fmt.Fprintf(w, "burst               %.0f events/s handled by the core (%.0f/s acked), %.1f s\n", r.BurstEventsPerSec, r.BurstAckedPerSec, r.BurstSeconds)
	fmt.Fprintf(w, "steady              %.1f envelopes/s\n", r.SteadyPerSec)
	fmt.Fprintf(w, "RSS                 %.1f MB before, %.1f MB after the burst, %.1f MB after (Go heap %.1f → %.1f MB)\n",
		r.RSSBeforeMB, r.RSSAfterBurstMB, r.RSSAfterMB, r.HeapBeforeMB, r.HeapAfterMB)
	fmt.Fprintf(w, "goroutines          %d before, %d after\n", r.GoroutinesBefore, r.GoroutinesAfter)
	verdict := "OK: every envelope acknowledged within 3s"
	if !r.OK {
		verdict = "FAIL: not every envelope acknowledged within 3s"
	}
	fmt.Fprintln(w, verdict)
}

// The workspace: users UL0000… in two channels, the first managers opted in
// with a team of teamSize each.
const (
	numUsers    = 100
	numManagers = 5
	teamSize    = 4
	teamID      = "T0TEAM"
)

var (
	channels = []string{"C1LOAD", "C2LOAD"}
	zones    = []string{"Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"}
)

func userID(i int) string { return fmt.Sprintf("UL%04d", i%numUsers) }

// managerOf is the manager whose team user i is on, or -1.
func managerOf(i int) int {
	i %= numUsers
	if i < numManagers || i >= numManagers+numManagers*teamSize {
		return -1
	}
	return (i - numManagers) / teamSize
}

type kind uint8

const (
	kindEvent kind = iota
	kindVote
	kindCommand
)

// sent is one envelope and when it was handed to the emulator.
type sent struct {
	env   string
	at    time.Time
	kind  kind
	burst bool
}

// setenv sets the variables and returns a function that restores them.
func setenv(vars map[string]string) func() {
	type old struct {
		v  string
		ok bool
	}
	prev := map[string]old{}
	for k, v := range vars {
		o, ok := os.LookupEnv(k)
		prev[k] = old{o, ok}
		os.Setenv(k, v)
	}
	return func() {
		for k, o := range prev {
			if o.ok {
				os.Setenv(k, o.v)
			} else {
				os.Unsetenv(k)
			}
		}
	}
}

// load runs the benchmark.
func load(ctx context.Context, o Options, stderr io.Writer) (Report, error) {
	r := Report{Burst: o.Burst, Window: o.Window, Rate: o.Rate, Duration: o.Duration.String()}

	fake, err := slackfake.New(slackfake.Options{AckTimeout: ackDeadline})
	if err != nil {
		return r, err
	}
	defer fake.Close()
	var all []string
	for i := range numUsers {
		id := userID(i)
		fake.AddUser(slackfake.User{ID: id, Name: strings.ToLower(id), TZ: zones[i%len(zones)]})
		all = append(all, id)
	}
	for _, ch := range channels {
		fake.AddChannel(slackfake.Channel{ID: ch, Name: strings.ToLower(ch), Members: append(slices.Clone(all), fake.Options().BotUserID)})
	}

	// The bot reads its configuration from the environment, as `trustnudge
	// run` does.
	dir, err := os.MkdirTemp("", "trustnudge-load-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	vars := map[string]string{
		"SLACK_APP_TOKEN":          fake.Options().AppToken,
		"SLACK_BOT_TOKEN":          fake.Options().BotToken,
		"TRUSTNUDGE_SLACK_API_URL": fake.APIURL(),
		"TRUSTNUDGE_DB":            filepath.Join(dir, "trustnudge.db"),
		"TRUSTNUDGE_HTTP_ADDR":     "",
	}
	if os.Getenv("TRUSTNUDGE_LOG_LEVEL") == "" {
		vars["TRUSTNUDGE_LOG_LEVEL"] = "warn"
	}
	restore := setenv(vars)
	cfg, err := config.Load()
	restore()
	if err != nil {
		return r, err
	}
	log := cfg.NewLogger(stderr)
	// The same wiring as `trustnudge run`.
	b, err := bot.New(cfg, log, clock.Real{}, "load")
	if err != nil {
		return r, err
	}
	defer b.Close()

	botCtx, stopBot := context.WithCancel(context.Background())
	g, gctx := errgroup.WithContext(botCtx)
	g.Go(func() error { return b.Sched.Run(gctx) })
	g.Go(func() error { return b.Slack.Run(gctx) })
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		stopBot()
		return g.Wait()
	}
	defer stop()

	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := fake.WaitConnections(wctx, 1); err != nil {
		return r, fmt.Errorf("the bot did not connect: %w", err)
	}

	// Set-up: managers opt in and name their teams; the first opens a poll.
	for m := range numManagers {
		var team []string
		for k := range teamSize {
			team = append(team, "<@"+userID(numManagers+m*teamSize+k)+">")
		}
		for _, text := range []string{"optin", "team " + strings.Join(team, " ")} {
			if _, err := fake.WaitAck(wctx, fake.SendSlashCommand(userID(m), channels[0], "/trustnudge", text)); err != nil {
				return r, fmt.Errorf("set-up command %q: %w", text, err)
			}
		}
	}
	pollID, err := openPoll(wctx, fake, userID(0), channels[0])
	if err != nil {
		return r, err
	}

	r.RSSBeforeMB, r.HeapBeforeMB, r.GoroutinesBefore = measure()

	var out []sent
	tsBase := time.Now()
	lastTS := tsBase
	nextTS := func() string {
		t := time.Now()
		if !t.After(lastTS) {
			t = lastTS.Add(time.Microsecond)
		}
		lastTS = t
		return string(activity.TSFromTime(t))
	}
	prevTS := map[string]string{}
	n := 0 // envelopes of every kind so far, for IDs and the mix
	sendEvent := func(burst bool) {
		i := n
		n++
		ch := channels[i%len(channels)]
		user := userID(i * 7) // walk the users in an order unrelated to the channel
		ev := map[string]any{"type": "message", "channel": ch, "channel_type": "channel", "user": user, "team": teamID, "ts": nextTS()}
		switch {
		case i%5 == 0:
			m := managerOf(i * 7)
			if m < 0 {
				m = i % numManagers
			}
			ev["text"] = "a question for <@" + userID(m) + ">"
		case i%11 == 0 && prevTS[ch] != "":
			ev["text"] = "a reply in the thread"
			ev["thread_ts"] = prevTS[ch]
		default:
			ev["text"] = "an update"
		}
		if _, ok := ev["thread_ts"]; !ok {
			prevTS[ch] = ev["ts"].(string)
		}
		at := time.Now()
		out = append(out, sent{env: fake.SendEventWithID(ev, fmt.Sprintf("EvLOAD%09d", i)), at: at, kind: kindEvent, burst: burst})
		r.Events++
	}

	// 1. The burst.
	burstStart := time.Now()
	if o.Window > 0 {
		window := make(chan struct{}, o.Window)
		envs := make(chan string, o.Burst)
		released := make(chan error, 1)
		go func() {
			for env := range envs {
				if _, err := fake.WaitAck(ctx, env); err != nil {
					released <- err
					for range envs {
					}
					return
				}
				<-window
			}
			released <- nil
		}()
		for range o.Burst {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
			}
			if ctx.Err() != nil {
				break
			}
			sendEvent(true)
			envs <- out[len(out)-1].env
		}
		close(envs)
		if err := <-released; err != nil {
			return r, fmt.Errorf("burst: %w", err)
		}
	} else {
		for range o.Burst {
			sendEvent(true)
		}
	}
	burstEvents := r.Events
	if err := waitObserved(ctx, b.Slack, burstEvents, 5*time.Minute); err != nil {
		return r, fmt.Errorf("burst: %w", err)
	}
	burstHandled := time.Since(burstStart)
	r.BurstSeconds = burstHandled.Seconds()
	if burstEvents > 0 {
		r.BurstEventsPerSec = float64(burstEvents) / burstHandled.Seconds()
	}
	r.RSSAfterBurstMB, _, _ = measure()

	// 2. The steady rate, with votes and status commands mixed in.
	steadyStart := time.Now()
	tick := time.NewTicker(5 * time.Millisecond)
	steadySent := 0
	votes, cmds := 0, 0
steady:
	for {
		elapsed := time.Since(steadyStart)
		if elapsed >= o.Duration {
			break
		}
		due := int(elapsed.Seconds() * float64(o.Rate))
		for ; steadySent < due; steadySent++ {
			switch steadySent % 20 {
			case 10:
				voter := userID(votes * 3)
				at := time.Now()
				env := fake.SendInteractive(voteAction(voter, channels[0], pollID, (votes/numUsers)%2))
				out = append(out, sent{env: env, at: at, kind: kindVote})
				votes++
				r.Votes++
				n++
			case 19:
				at := time.Now()
				env := fake.SendSlashCommand(userID(cmds*13), channels[cmds%len(channels)], "/trustnudge", "status")
				out = append(out, sent{env: env, at: at, kind: kindCommand})
				cmds++
				r.Commands++
				n++
			default:
				sendEvent(false)
			}
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			break steady
		}
	}
	tick.Stop()
	if d := time.Since(steadyStart); d > 0 {
		r.SteadyPerSec = float64(steadySent) / d.Seconds()
	}
	if ctx.Err() != nil {
		return r, ctx.Err()
	}

	// Wait for every ack, then for the core to have handled every event.
	actx, acancel := context.WithTimeout(ctx, 2*time.Minute)
	defer acancel()
	for _, s := range out {
		fake.WaitAck(actx, s.env) // a missing ack is counted below
	}
	if err := waitObserved(ctx, b.Slack, r.Events, 5*time.Minute); err != nil {
		return r, err
	}
	if err := waitVotesAnswered(ctx, fake, r.Votes); err != nil {
		return r, err
	}
	// The poll message is updated at most once a second after votes, on a
	// timer; let the last update go out before the goroutines are counted.
	select {
	case <-time.After(1500 * time.Millisecond):
	case <-ctx.Done():
		return r, ctx.Err()
	}

	r.Envelopes = len(out)
	first := map[string]slackfake.Ack{}
	for _, a := range fake.Acks() {
		if _, ok := first[a.EnvelopeID]; !ok && !a.TooLarge && !a.Late {
			first[a.EnvelopeID] = a
		}
	}
	var lat, burstLat, steadyLat, cmdLat []time.Duration
	for _, s := range out {
		a, ok := first[s.env]
		if !ok {
			r.NotAcked++
			continue
		}
		d := a.At.Sub(s.at)
		if d <= ackDeadline {
			r.AckedWithin3s++
		} else {
			r.Late++
		}
		if fake.Deliveries(s.env) > 1 {
			r.Redelivered++
		}
		lat = append(lat, d)
		if s.burst {
			burstLat = append(burstLat, d)
		} else {
			steadyLat = append(steadyLat, d)
		}
		if s.kind == kindCommand {
			cmdLat = append(cmdLat, d)
			if len(a.Payload) > 0 {
				r.CommandReplies++
			}
		}
	}
	r.AckP50Ms, r.AckP99Ms = pct(lat, 0.50), pct(lat, 0.99)
	r.AckMaxMs = pct(lat, 1)
	r.BurstP50Ms, r.BurstP99Ms = pct(burstLat, 0.50), pct(burstLat, 0.99)
	r.SteadyP50Ms, r.SteadyP99Ms = pct(steadyLat, 0.50), pct(steadyLat, 0.99)
	r.CommandP99Ms = pct(cmdLat, 0.99)
	var lastBurstAck time.Time
	for _, s := range out {
		if a, ok := first[s.env]; ok && s.burst && a.At.After(lastBurstAck) {
			lastBurstAck = a.At
		}
	}
	if burstEvents > 0 && lastBurstAck.After(burstStart) {
		r.BurstAckedPerSec = float64(burstEvents) / lastBurstAck.Sub(burstStart).Seconds()
	}
	r.Observed = int(b.Slack.Stats().Observations.Load())
	for _, c := range fake.CallsTo("chat.postEphemeral") {
		if strings.Contains(c.Params.Get("text"), "You chose") {
			r.VoteReplies++
		}
	}
	r.OK = r.AckedWithin3s == r.Envelopes

	r.RSSAfterMB, r.HeapAfterMB, r.GoroutinesAfter = measure()
	if o.MemProfile != "" {
		if err := writeHeapProfile(o.MemProfile); err != nil {
			return r, err
		}
	}
	if err := stop(); err != nil {
		return r, fmt.Errorf("the bot stopped with: %w", err)
	}
	if u := fake.UnknownMethods(); len(u) > 0 {
		return r, fmt.Errorf("the bot called Web API methods the emulator does not know: %v", u)
	}
	return r, nil
}

// waitObserved waits until the core has handled want message events. Events
// are handled one at a time in order, so the counter (raised as each one
// reaches the core) says how far it got.
func waitObserved(ctx context.Context, app *slackapp.App, want int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		st := app.Stats()
		if int(st.Observations.Load()) >= want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the core handled %d of %d events within %s", st.Observations.Load(), want, limit)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// waitVotesAnswered waits for every vote's private confirmation; votes are
// answered beside the event loop.
func waitVotesAnswered(ctx context.Context, fake *slackfake.Server, votes int) error {
	if votes == 0 {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	seen := 0
	_, err := fake.WaitCall(wctx, "chat.postEphemeral", func(c slackfake.Call) bool {
		if strings.Contains(c.Params.Get("text"), "You chose") {
			seen++
		}
		return seen >= votes
	})
	if err != nil {
		return fmt.Errorf("only %d of %d votes were confirmed: %w", seen, votes, err)
	}
	return nil
}

// measure returns RSS and Go heap in MB and the number of goroutines,
// after a GC.
func measure() (rss, heap float64, goroutines int) {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(vmRSS()) / 1024, float64(ms.HeapInuse) / (1 << 20), runtime.NumGoroutine()
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// vmRSS is VmRSS from /proc/self/status, in kB (0 where there is none).
func vmRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

func pct(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := min(len(d)-1, int(float64(len(d))*p))
	return float64(d[i].Microseconds()) / 1000
}

// openPoll submits the poll form as user and returns the poll's ID.
func openPoll(ctx context.Context, fake *slackfake.Server, user, channel string) (string, error) {
	opt := func(n, label, hours string) map[string]any {
		return map[string]any{
			"poll_option_" + n: map[string]any{"poll_option_" + n: map[string]any{"type": "plain_text_input", "value": label}},
			"poll_hours_" + n:  map[string]any{"poll_hours_" + n: map[string]any{"type": "plain_text_input", "value": hours}},
		}
	}
	values := map[string]any{
		"poll_question": map[string]any{"poll_question": map[string]any{"type": "plain_text_input", "value": "When are work messages welcome on this team?"}},
		"poll_channel":  map[string]any{"poll_channel": map[string]any{"type": "conversations_select", "selected_conversation": channel}},
		"poll_deadline": map[string]any{"poll_deadline": map[string]any{"type": "datetimepicker", "selected_date_time": time.Now().Add(72 * time.Hour).Unix()}},
		"poll_live":     map[string]any{"poll_live": map[string]any{"type": "checkboxes", "selected_options": []any{}}},
	}
	for _, o := range []map[string]any{opt("1", "Weekdays 9-18", "Mon-Fri 09:00-18:00"), opt("2", "Weekdays 8-16", "Mon-Fri 08:00-16:00")} {
		for k, v := range o {
			values[k] = v
		}
	}
	env := fake.SendInteractive(map[string]any{
		"type": "view_submission", "user": map[string]any{"id": user}, "team": map[string]any{"id": teamID}, "trigger_id": "",
		"view": map[string]any{"id": "VPOLL", "type": "modal", "callback_id": "modal_poll", "state": map[string]any{"values": values}},
	})
	if ack, err := fake.WaitAck(ctx, env); err != nil || len(ack.Payload) != 0 {
		return "", fmt.Errorf("poll form: ack %s, %v; want the form closed", ack.Payload, err)
	}
	c, err := fake.WaitCall(ctx, "chat.postMessage", func(c slackfake.Call) bool {
		return c.Params.Get("channel") == channel && strings.Contains(c.Params.Get("blocks"), `"poll_vote"`)
	})
	if err != nil {
		return "", fmt.Errorf("the poll was not posted: %w", err)
	}
	v, err := buttonValue(c.Params.Get("blocks"), "poll_vote")
	if err != nil {
		return "", err
	}
	i := strings.LastIndexByte(v, '|')
	if i < 0 {
		return "", fmt.Errorf("vote button value %q has no option", v)
	}
	return v[:i], nil
}

// buttonValue finds the value of the first button with actionID in Block
// Kit JSON.
func buttonValue(blocks, actionID string) (string, error) {
	var v any
	if err := json.Unmarshal([]byte(blocks), &v); err != nil {
		return "", err
	}
	var found string
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			if x["action_id"] == actionID && found == "" {
				found, _ = x["value"].(string)
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(v)
	if found == "" {
		return "", fmt.Errorf("no %s button", actionID)
	}
	return found, nil
}

// voteAction is a click on a vote button of the poll message.
func voteAction(user, channel, pollID string, option int) map[string]any {
	return map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "team": map[string]any{"id": teamID},
		"trigger_id": "", "channel": map[string]any{"id": channel},
		"container": map[string]any{"type": "message", "channel_id": channel},
		"actions":   []map[string]any{{"action_id": "poll_vote", "block_id": "b", "type": "button", "value": pollID + "|" + strconv.Itoa(option)}},
	}
}
