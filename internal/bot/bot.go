// Package bot wires trustnudge together: the store, the Slack adapter, the
// engine, metrics and the scheduled jobs. The trustnudge command serves it;
// the load benchmark and end-to-end tests build the same thing.
package bot

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/config"
	"github.com/trustnudge/trustnudge/internal/digest"
	"github.com/trustnudge/trustnudge/internal/engine"
	"github.com/trustnudge/trustnudge/internal/metrics"
	"github.com/trustnudge/trustnudge/internal/nudge"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/policy"
	"github.com/trustnudge/trustnudge/internal/schedule"
	"github.com/trustnudge/trustnudge/internal/slackapp"
	"github.com/trustnudge/trustnudge/internal/store"
)

// Bot is the wired application: what `trustnudge run` serves, built the same
// way by the load benchmark and the end-to-end tests.
type Bot struct {
	Metrics *metrics.Metrics
	DB      *store.DB
	Slack   *slackapp.App
	Engine  *engine.Engine
	Sched   *schedule.Scheduler
	log     *slog.Logger
}

// New opens the database and wires the store, the Slack adapter, the
// engine, metrics and the scheduled jobs. Close releases the database.
func New(cfg config.Config, log *slog.Logger, clk clock.Clock, version string) (*Bot, error) {
	db, err := store.Open(cfg.DB, store.Options{Clock: clk, Logger: log, Secret: cfg.SecretBytes()})
	if err != nil {
		return nil, err
	}
	m := metrics.New()
	m.SetDBSize(db.Size)
	app := slackapp.New(slackapp.Options{
		AppToken: cfg.AppToken.Reveal(),
		BotToken: cfg.BotToken.Reveal(),
		APIURL:   cfg.APIURL(),
		Events:   db,
		Inbox:    db,
		Logger:   log,
		Clock:    clk,
		Metrics:  m,
		// Slack pings about every 10 s; a socket silent for longer than
		// this is dead even if TCP has not noticed.
		PingInterval: cfg.SlackPingTimeout,
	})
	started := clk.Now()
	eng := engine.New(engine.Options{
		Store:        db,
		Directory:    app.Directory(),
		Clock:        clk,
		Log:          log,
		DefaultHours: cfg.DefaultHours.Hours,
		DefaultTZ:    cfg.DefaultTZ.Loc(),
		Admins:       cfg.Admins,
		Retention:    cfg.Retention,
		Health: func() engine.Health {
			return engine.Health{Version: version, Started: started, Connected: app.Connected()}
		},
		Policy: policy.Config{
			Cooldown:  map[string]time.Duration{people.KindAfterHours: cfg.CooldownAfterHours, people.KindSlowReply: cfg.CooldownSlowReply},
			WeeklyCap: cfg.WeeklyCap,
		},
		Deliverer:  app,
		Variants:   nudgeVariants(nudge.Default()),
		Polls:      db,
		PollQuorum: cfg.PollQuorum,
		OnOutcome:  func(o engine.Outcome) { m.Nudge(o.Kind, o.Result, o.Reason) },
		Weeks:      db,
		OnDigest:   func(o engine.DigestOutcome) { m.Digest(o.Trigger, string(o.Result)) },
	})
	app.SetCore(eng)

	sched := schedule.New(time.UTC, log)
	for _, j := range []schedule.Job{
		{Name: "purge-event-ids", Spec: "@every 5m", Run: func(context.Context) error {
			_, err1 := db.PurgeEvents(clk.Now().Add(-store.EventWindow))
			return errors.Join(err1, purgeInbox(db, log, clk.Now()))
		}},
		{Name: "sweep-slow-replies", Spec: "@every " + cfg.SweepInterval.String(), Run: eng.Sweep},
		{Name: "poll-deadlines", Spec: "@every 1m", Run: app.PollJobs},
		// On the quarter hour in UTC, so it meets 09:00 in every zone.
		{Name: "weekly-digests", Spec: DigestSpec, Run: eng.Digests},
		{Name: "retention", Spec: "17 3 * * *", Run: func(context.Context) error {
			return retention(db, log, clk.Now(), cfg.Retention)
		}},
	} {
		if err := sched.Add(j); err != nil {
			db.Close()
			return nil, err
		}
	}
	return &Bot{Metrics: m, DB: db, Slack: app, Engine: eng, Sched: sched, log: log}, nil
}

// Close closes the database.
func (b *Bot) Close() {
	if err := b.DB.Close(); err != nil {
		b.log.Error("closing database", "err", err)
	}
}

// DigestSpec is when the weekly digest job runs: every 15 minutes, on the
// quarter hour (in UTC, the scheduler's zone). Every time zone's offset is
// a multiple of 15 minutes, so each manager's Monday 09:00 is a run.
const DigestSpec = "*/15 * * * *"

// aggregateRetention is how long nudge records, weekly counts and digest
// records (the basis of trends) are kept: 26 weeks (DESIGN §2.5).
const aggregateRetention = digest.KeepWeeks * 7 * 24 * time.Hour

// markSlack is how much longer than raw metadata the identities of counted
// events are kept: a request can be answered (and counted) until it is
// purged as stale, and an answer undone by a crash can come again until then.
const markSlack = 7 * 24 * time.Hour

// retention deletes what is older than the retention periods allow: raw
// message metadata and stale requests after TRUSTNUDGE_RETENTION, the
// identities of counted events a week after that, nudge records, weekly
// counts and digest records after 26 weeks.
func retention(db *store.DB, log *slog.Logger, now time.Time, keep time.Duration) error {
	obs, err1 := db.PurgeObservations(now.Add(-keep))
	reqs, err2 := db.PurgeRequests(now.Add(-keep))
	nudges, err3 := db.PurgeNudges(now.Add(-aggregateRetention))
	weeks, err4 := db.PurgeWeeks(now.Add(-aggregateRetention))
	marks, err5 := db.PurgeWeekMarks(now.Add(-keep - markSlack))
	if n := obs + reqs + nudges + weeks + marks; n > 0 {
		log.Info("retention: deleted old records", "observations", obs, "requests", reqs, "nudges", nudges, "weeks", weeks, "week_marks", marks)
	}
	return errors.Join(err1, err2, err3, err4, err5)
}

// inboxMaxAge is how long an event may sit in the inbox before it is
// dropped. Records are deleted as soon as the core has handled them and
// recovered at start, so one this old is a bug; the purge only keeps the
// inbox from growing.
const inboxMaxAge = 24 * time.Hour

// purgeInbox drops inbox records older than inboxMaxAge.
func purgeInbox(db *store.DB, log *slog.Logger, now time.Time) error {
	n, err := db.PurgeInbox(now.Add(-inboxMaxAge))
	if n > 0 {
		log.Error("inbox: dropped events never handled (a bug)", "events", n, "older_than", inboxMaxAge)
	}
	return err
}

// nudgeVariants lists the library's entry ids per kind, for rotation.
func nudgeVariants(lib *nudge.Library) engine.Variants {
	return func(kind string) []string {
		var ids []string
		for _, e := range lib.Variants(kind) {
			ids = append(ids, e.ID)
		}
		return ids
	}
}
