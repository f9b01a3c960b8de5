// Package slackapp is the Slack adapter: it runs the Socket Mode loop, acks
// every envelope first (a message or reaction event right after committing
// its metadata to the inbox, see inbox.go), turns events into metadata-only
// activity types for the core, routes commands and interactions, and makes
// Web API calls.
package slackapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/engine"
	"github.com/trustnudge/trustnudge/internal/metrics"
	"github.com/trustnudge/trustnudge/internal/nudge"
)

// Sink is the core's entry point for what the adapter observes.
type Sink interface {
	Observe(ctx context.Context, o activity.Observation) error
	React(ctx context.Context, r activity.Reaction) error
}

// EventLog remembers which events were already processed, so Slack's
// redeliveries are handled once, also across a restart.
type EventLog interface {
	MarkEvent(team activity.TeamID, eventID string, now time.Time) (first bool, err error)
}

// Inbox keeps events acknowledged to Slack until the core has handled
// them: Slack does not redeliver an acknowledged event, so one lost in a
// crash would be lost for good. Values are opaque to the inbox; the adapter
// puts only metadata in them (see inbox.go).
type Inbox interface {
	// PutInbox commits values in one transaction, before it returns, and
	// returns their sequence numbers.
	PutInbox(values [][]byte) ([]uint64, error)
	// MarkInboxEvent is EventLog.MarkEvent for an event in the inbox: the
	// ID is remembered at once but written only with InboxDone.
	MarkInboxEvent(team activity.TeamID, eventID string, now time.Time) (first bool, err error)
	// InboxDone deletes a record and writes the event ID (when not empty)
	// that MarkInboxEvent remembered, together. It may be written later
	// and lost in a crash; the event is then handed to the core again.
	InboxDone(seq uint64, team activity.TeamID, eventID string, at time.Time)
	// PendingInbox returns the records not done, in the order they were put.
	PendingInbox() (seqs []uint64, values [][]byte, err error)
}

// Options configure an App. Every dependency is given; nothing is global.
type Options struct {
	AppToken, BotToken string
	APIURL             string       // Web API base URL, ending in "/"
	HTTPClient         *http.Client // optional
	Sink               Sink
	Events             EventLog
	// Inbox, when set, makes acknowledged message and reaction events
	// survive a crash: each is committed to it before its ack, and what is
	// left at start is handed to the core before new events.
	Inbox  Inbox
	Logger *slog.Logger
	Clock  clock.Clock
	// QueueSize bounds events acked but not yet processed. When it is full
	// the loop waits, which delays acks and lets Slack's retry pace us.
	QueueSize int
	// HandleTimeout bounds the core's work on one event.
	HandleTimeout time.Duration
	// Metrics records what the adapter does (nil records nothing).
	Metrics *metrics.Metrics
	// Library is the nudge library; nil uses the embedded one.
	Library *nudge.Library
	// PingInterval is how long the socket may go without a ping from Slack
	// before reconnecting (slack-go's default is 30s).
	PingInterval time.Duration
}

// App is the running Slack adapter.
type App struct {
	opts  Options
	api   *slack.Client
	log   *slog.Logger
	clock clock.Clock
	self  identity

	connected atomic.Bool
	stats     Stats
	dir       *directory
	members   memberCache
	core      *engine.Engine
	// pollUpdates throttles poll message updates.
	pollUpdates pollUpdater
	// acks feeds the ack goroutine (set while Run runs).
	acks chan pendingAck
	// inflight tracks commands and interactions being answered, so a
	// shutdown lets them finish.
	inflight sync.WaitGroup
}

// Stats are counters about the adapter, safe to read while it runs.
type Stats struct {
	Envelopes, Acked, Duplicates, Malformed, Skipped, Observations, Reactions, CoreErrors atomic.Int64
	Connections                                                                           atomic.Int64
	// Recovered counts events found in the inbox at start and handed to
	// the core again.
	Recovered atomic.Int64
}

// New builds an App; Run connects it.
func New(opts Options) *App {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 4096
	}
	if opts.HandleTimeout <= 0 {
		opts.HandleTimeout = 10 * time.Second
	}
	slackOpts := []slack.Option{
		slack.OptionAPIURL(opts.APIURL),
		slack.OptionAppLevelToken(opts.AppToken),
		slack.OptionLog(slogOutput{opts.Logger}),
	}
	if opts.HTTPClient != nil {
		slackOpts = append(slackOpts, slack.OptionHTTPClient(opts.HTTPClient))
	}
	a := &App{
		opts:  opts,
		api:   slack.New(opts.BotToken, slackOpts...),
		log:   opts.Logger,
		clock: opts.Clock,
	}
	a.dir = &directory{app: a, m: map[activity.UserID]cachedProfile{}}
	a.members.m = map[activity.ChannelID]cachedMembers{}
	return a
}

// SetCore connects the engine that answers commands, App Home and buttons,
// and (unless Options.Sink is set) receives observations. Call it before
// Run; the engine usually needs the app's Directory, hence two steps.
func (a *App) SetCore(e *engine.Engine) {
	a.core = e
	if a.opts.Sink == nil {
		a.opts.Sink = e
	}
}

// Connected reports whether the Socket Mode connection is up (hello received
// and not since lost). It backs /readyz.
func (a *App) Connected() bool { return a.connected.Load() }

// Stats returns the adapter's counters.
func (a *App) Stats() *Stats { return &a.stats }

// TeamID is the workspace the bot token belongs to, known once Run has
// identified the app.
func (a *App) TeamID() activity.TeamID { return activity.TeamID(a.self.TeamID) }

// Run identifies the app with auth.test, connects over Socket Mode and
// handles envelopes until ctx ends. It returns nil on a clean shutdown, after
// every event already acked has been handed to the core.
func (a *App) Run(ctx context.Context) error {
	self, err := a.whoAmI(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	a.self = self
	a.log.Info("identified with slack", "team", self.TeamID, "bot_user", self.BotUserID)

	smOpts := []socketmode.Option{socketmode.OptionLog(slogOutput{a.log})}
	if a.opts.PingInterval > 0 {
		smOpts = append(smOpts, socketmode.OptionPingInterval(a.opts.PingInterval))
	}
	client := socketmode.New(a.api, smOpts...)

	queue := make(chan job, a.opts.QueueSize)
	var workers sync.WaitGroup
	workers.Go(func() { a.process(queue) })
	// Acks go through their own goroutine: slack-go's ack buffer only
	// drains while a socket is up, and a loop blocked on it would stop
	// reading the events that say the connection dropped.
	acks := make(chan pendingAck, a.opts.QueueSize)
	var ackers sync.WaitGroup
	ackers.Go(func() {
		for p := range acks {
			a.ack(ctx, client, p.id, nil, p.kind, p.received)
		}
	})
	a.acks = acks
	// Events API envelopes go through the intake, which commits the ones
	// the core needs to the inbox before it acks them.
	in := make(chan incoming, a.opts.QueueSize)
	var intakes sync.WaitGroup
	intakes.Go(func() { a.intake(ctx, in, queue) })
	defer func() {
		close(in)
		intakes.Wait()
		close(acks)
		ackers.Wait()
		close(queue)
		workers.Wait()
	}()

	// What an earlier run acked and did not hand to the core goes first,
	// before the socket brings anything new.
	a.recoverInbox(ctx, queue)

	// The socket gets its own context so that on shutdown it stops taking
	// envelopes first; the queue is then drained with the parent's.
	sockCtx, stopSocket := context.WithCancel(ctx)
	defer stopSocket()
	sockErr := make(chan error, 1)
	go func() { sockErr <- client.RunContext(sockCtx) }()

	for {
		select {
		case <-ctx.Done():
			a.connected.Store(false)
			stopSocket()
			<-sockErr
			a.inflight.Wait()
			return nil
		case err := <-sockErr:
			a.connected.Store(false)
			if ctx.Err() != nil {
				return nil
			}
			if isAuthError(err) {
				return fmt.Errorf("slack rejected SLACK_APP_TOKEN (%w); create an app-level token with the connections:write scope under Basic Information", err)
			}
			return fmt.Errorf("socket mode: %w", err)
		case evt := <-client.Events:
			a.handle(ctx, client, evt, in)
		}
	}
}

func (a *App) handle(ctx context.Context, client *socketmode.Client, evt socketmode.Event, in chan<- incoming) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.connected.Store(false)
		a.opts.Metrics.SetConnected(false)
		a.log.Info("connecting to slack")
	case socketmode.EventTypeConnected:
		if a.stats.Connections.Add(1) > 1 {
			a.opts.Metrics.Reconnect()
		}
		a.log.Info("socket connected")
	case socketmode.EventTypeHello:
		a.connected.Store(true)
		a.opts.Metrics.SetConnected(true)
	case socketmode.EventTypeConnectionError:
		a.connected.Store(false)
		a.opts.Metrics.SetConnected(false)
		if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			a.log.Warn("socket connection failed; retrying", "attempt", ce.Attempt, "backoff", ce.Backoff, "err", ce.ErrorObj)
		}
	case socketmode.EventTypeInvalidAuth:
		a.connected.Store(false)
		a.log.Error("slack rejected the app-level token")
	case socketmode.EventTypeIncomingError:
		// A frame that is not JSON at all has no envelope_id to ack.
		a.stats.Malformed.Add(1)
		a.opts.Metrics.EventRejected(metrics.KindBadMessage, metrics.RejectUnreadable)
		a.log.Warn("unreadable frame from slack skipped")
	case socketmode.EventTypeErrorWriteFailed:
		if wf, ok := evt.Data.(*socketmode.ErrorWriteFailed); ok && wf.Response != nil {
			a.log.Warn("ack write failed; slack will redeliver", "envelope_id", wf.Response.EnvelopeID, "err", wf.Cause)
		}
	case socketmode.EventTypeErrorBadMessage:
		a.stats.Envelopes.Add(1)
		a.stats.Malformed.Add(1)
		a.opts.Metrics.EventReceived(metrics.KindBadMessage)
		a.opts.Metrics.EventRejected(metrics.KindBadMessage, metrics.RejectUnknownType)
		bm, _ := evt.Data.(*socketmode.ErrorBadMessage)
		var id string
		if bm != nil {
			id = envelopeID(bm.Message)
		}
		if id != "" {
			a.ackLater(id, metrics.KindBadMessage, time.Now())
		}
		a.log.Warn("envelope slack-go could not parse; acked and skipped", "envelope_id", id)
	case socketmode.EventTypeEventsAPI:
		a.stats.Envelopes.Add(1)
		a.opts.Metrics.EventReceived(metrics.KindEventsAPI)
		req := evt.Request
		// The intake acks it, after committing it to the inbox when the
		// core needs it. When the intake is behind, the loop waits here.
		select {
		case in <- incoming{envelopeID: req.EnvelopeID, payload: req.Payload, received: a.clock.Now(), arrived: time.Now()}:
		case <-ctx.Done():
		}
	case socketmode.EventTypeSlashCommand:
		a.stats.Envelopes.Add(1)
		a.opts.Metrics.EventReceived(metrics.KindSlashCommands)
		cmd, _ := evt.Data.(slack.SlashCommand)
		id := evt.Request.EnvelopeID
		// Commands may call users.info and write to the database; run them
		// beside the loop so events keep being acked meanwhile.
		a.inflight.Go(func() { a.handleCommand(ctx, client, id, cmd) })
	case socketmode.EventTypeInteractive:
		a.stats.Envelopes.Add(1)
		a.opts.Metrics.EventReceived(metrics.KindInteractive)
		cb, _ := evt.Data.(slack.InteractionCallback)
		id := evt.Request.EnvelopeID
		a.inflight.Go(func() { a.handleInteraction(ctx, client, id, cb) })
	}
}

// ack acknowledges an envelope; kind and received are for the ack latency
// metric (from the envelope reaching the loop to the ack being queued).
func (a *App) ack(ctx context.Context, client *socketmode.Client, envelopeID string, payload any, kind string, received time.Time) {
	if err := client.AckCtx(ctx, envelopeID, payload); err != nil {
		if !errors.Is(err, context.Canceled) {
			a.log.Warn("ack failed", "envelope_id", envelopeID, "err", err)
		}
		return
	}
	a.stats.Acked.Add(1)
	a.opts.Metrics.EventAcked(kind, time.Since(received))
}

// process hands acked events to the core, one at a time and in order, so a
// reply is always seen after the message it answers.
func (a *App) process(queue <-chan job) {
	for j := range queue {
		a.processOne(j)
	}
}

func (a *App) processOne(j job) {
	cb := j.cb
	if j.decodeErr != nil {
		a.stats.Malformed.Add(1)
		a.opts.Metrics.EventRejected(metrics.KindEventsAPI, metrics.RejectMalformed)
		a.log.Warn("events_api payload does not decode; skipped", "envelope_id", j.envelopeID, "err", describeJSONError(j.decodeErr))
		return
	}
	var doneID string // the event ID InboxDone writes
	if j.inboxed {
		// Done once handled, or skipped as a duplicate, or failed in the
		// core (which logged it): a record is never handed over forever.
		// The event ID is written with the deletion, not before: a crash
		// while the core works leaves the event to be handed over again.
		defer func() { a.opts.Inbox.InboxDone(j.seq, activity.TeamID(cb.TeamID), doneID, j.received) }()
	}
	if cb.EventID != "" && (j.inboxed || a.opts.Events != nil) {
		var first bool
		var err error
		if j.inboxed {
			first, err = a.opts.Inbox.MarkInboxEvent(activity.TeamID(cb.TeamID), cb.EventID, j.received)
			if err == nil && first {
				doneID = cb.EventID
			}
		} else {
			first, err = a.opts.Events.MarkEvent(activity.TeamID(cb.TeamID), cb.EventID, j.received)
		}
		if err != nil {
			a.log.Error("event log failed; processing anyway", "event_id", cb.EventID, "err", err)
		} else if !first {
			a.stats.Duplicates.Add(1)
			a.opts.Metrics.EventDeduplicated()
			a.log.Debug("duplicate event skipped", "event_id", cb.EventID)
			return
		}
	}
	if j.home {
		h, err := decodeHomeOpened(cb)
		if err != nil {
			a.stats.Malformed.Add(1)
			a.log.Warn("event skipped", "event_id", cb.EventID, "err", err)
			return
		}
		if h.Tab == "home" || h.Tab == "" {
			ctx, cancel := context.WithTimeout(context.Background(), a.opts.HandleTimeout)
			defer cancel()
			a.publishHome(ctx, engine.Actor{Team: h.Team, User: h.User}, "")
		}
		return
	}
	tr := j.tr
	if j.trErr != nil {
		a.stats.Malformed.Add(1)
		a.opts.Metrics.EventRejected(metrics.KindEventsAPI, metrics.RejectMalformed)
		a.log.Warn("event skipped", "event_id", cb.EventID, "envelope_id", j.envelopeID, "err", j.trErr)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.HandleTimeout)
	defer cancel()
	switch tr.kind {
	case kindSkip:
		a.stats.Skipped.Add(1)
		a.log.Debug("event not counted", "event_id", cb.EventID, "type", tr.eventType, "subtype", tr.subtype, "reason", tr.skipReason)
	case kindMessage:
		a.stats.Observations.Add(1)
		o := tr.observation
		start := time.Now()
		if a.opts.Sink != nil {
			if err := a.opts.Sink.Observe(ctx, o); err != nil {
				a.stats.CoreErrors.Add(1)
				a.log.Error("core failed on message", "event_id", cb.EventID, "channel", o.Channel, "ts", o.TS, "err", err)
			}
		}
		// Logged once the core is done with it, so "observed" means handled.
		a.log.Debug("message observed", "event_id", cb.EventID, "channel", o.Channel, "kind", o.Kind.String(), "user", o.User, "ts", o.TS, "thread_ts", o.ThreadTS, "mentions", len(o.Mentions), "bot", o.IsBot, "took", time.Since(start))
	case kindReaction:
		a.stats.Reactions.Add(1)
		r := tr.reaction
		a.log.Debug("reaction observed", "event_id", cb.EventID, "channel", r.Channel, "user", r.User, "item_ts", r.ItemTS, "removed", r.Removed)
		if a.opts.Sink != nil {
			if err := a.opts.Sink.React(ctx, r); err != nil {
				a.stats.CoreErrors.Add(1)
				a.log.Error("core failed on reaction", "event_id", cb.EventID, "err", err)
			}
		}
	}
}

// homeEventType reports whether cb carries an app_home_opened event.
func homeEventType(cb callback) bool {
	var head struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(cb.Event, &head) == nil && head.Type == "app_home_opened"
}

// pendingAck is an envelope the loop has taken and not yet acked.
type pendingAck struct {
	id, kind string
	received time.Time
}

// ackLater hands an ack to the ack goroutine without blocking the loop. If
// the backlog is full, Slack redelivers and the event log skips the copy.
func (a *App) ackLater(id, kind string, received time.Time) {
	select {
	case a.acks <- pendingAck{id: id, kind: kind, received: received}:
	default:
		a.log.Warn("ack backlog full; slack will redeliver", "envelope_id", id)
	}
}
